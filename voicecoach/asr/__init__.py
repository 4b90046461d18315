"""Speech to words: finding the Whisper model, decoding, merging the filler-biased pass, re-listening to short sounds."""
