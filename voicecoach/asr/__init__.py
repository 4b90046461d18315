"""Speech to words: finding the Whisper model, decoding, merging the filler-biased pass,
re-listening to short sounds."""

#: The decodings (``[transcription] decoding``, ``--decoding``): :mod:`voicecoach.asr.transcribe` says what each does.
DECODINGS = ("single", "merge", "plain", "hotwords")
