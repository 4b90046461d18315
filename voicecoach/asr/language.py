"""Can this take be judged? Whether a transcript is believable (the voice activity detector
heard speech), whether it looks like English (its median word probability), and where that
is in doubt, the probability of English by a multilingual model's language detection."""

from __future__ import annotations

import logging
import statistics

from ..audio.acoustics import SilenceOptions, sound_islands
from ..audio.decode import Audio
from ..audio.voice import MIN_SPEECH_S, speech_seconds
from ..core.datatypes import Transcript
from ..core.lexicon import is_vocal_filler
from .models import PYPI_MODELS, load_model, pypi_model_parts

logger = logging.getLogger(__name__)

#: A transcript is believed to be English only when its median word probability (vocal
#: fillers aside) is at least this. An English-only model writes English-looking nonsense
#: for other languages, so its own confidence is the evidence. The threshold sits between
#: what German and French answers and noisy English recordings give, with a small margin
#: each side (the figures: docs/when-things-go-wrong.md, "Not English").
MIN_MEDIAN_WORD_PROBABILITY = 0.47
#: The language is judged only on at least this many words (fillers aside): the median of
#: a handful is too noisy (a 5-second "Hmm, that is a good question." can fall below the
#: threshold), and a take in another language long enough to matter has more.
MIN_WORDS_FOR_LANGUAGE = 10


def looks_english(transcript: Transcript) -> tuple[bool, float | None]:
    """(whether the transcript may be scored as English, its median word probability,
    vocal fillers aside). Fewer than MIN_WORDS_FOR_LANGUAGE words get the benefit of the
    doubt."""
    probs = [w.probability for w in transcript.words if not is_vocal_filler(w.norm)]
    if not probs:
        return True, None
    median_p = statistics.median(probs)
    return len(probs) < MIN_WORDS_FOR_LANGUAGE or median_p >= MIN_MEDIAN_WORD_PROBABILITY, median_p


#: The multilingual model that tells the language of a take when the transcript gives
#: reason to doubt it (tiny.en cannot: it writes every language as English words), used
#: only when installed for offline use (``voicecoach[base]``).
LANGUAGE_MODEL = "base"
#: A take whose probability of English by LANGUAGE_MODEL is under this is not English
#: (other languages measure far below it, English recordings far above).
MIN_ENGLISH_PROBABILITY = 0.3
#: The language is told from at most this much audio, from the first sound on, and not
#: from less than LANGUAGE_MIN_S (a second or two of hums and half a sentence is too
#: little to tell).
LANGUAGE_CLIP_S = 30.0
LANGUAGE_MIN_S = 1.0


def english_probability(audio: Audio, *, silence: SilenceOptions | None = None) -> float | None:
    """The probability that ``audio`` is English speech, by LANGUAGE_MODEL's language
    detection on its first LANGUAGE_CLIP_S from the first sound; None when that model is
    not installed for offline use (nothing is downloaded for this) or there is less than
    LANGUAGE_MIN_S from the first sound."""
    if pypi_model_parts(PYPI_MODELS[LANGUAGE_MODEL]) is None:
        return None
    islands = sound_islands(audio, min_s=0.0, max_s=audio.duration_s + 1.0, options=silence)
    start = int(islands[0].start_s * audio.sample_rate_hz) if islands else 0
    clip = audio.samples[start : start + int(LANGUAGE_CLIP_S * audio.sample_rate_hz)]
    if len(clip) < LANGUAGE_MIN_S * audio.sample_rate_hz:
        return None
    _language, _p, ranked = load_model(LANGUAGE_MODEL).detect_language(clip)
    p = dict(ranked).get("en", 0.0)
    logger.debug("language detection: %s (English %.3f)", ranked[:3], p)
    return float(p)


def believable(transcript: Transcript, audio: Audio, speech_s: float | None = None) -> bool:
    """Whisper invents words on silence and noise ("you", "Thank you."), and on noise the
    invention varies from run to run (temperature fallback samples): a transcript counts
    only when the Silero voice activity detector also hears speech (~2 ms a second;
    ``speech_s``: already measured)."""
    if not transcript.words:
        return False
    return (speech_seconds(audio, enough_s=MIN_SPEECH_S) if speech_s is None else speech_s) >= MIN_SPEECH_S


#: A transcript is doubted, and the language told by the multilingual model where it is
#: installed, when its median word probability is under this (English samples, corpus
#: and real recordings: 0.80-0.99, the Apollo radio 0.55) ...
DOUBT_MEDIAN_PROBABILITY = 0.75
#: ... or when it has fewer words a second than this over a take of DOUBT_MIN_S or more
#: (English: 1.6-3.7 a second of speech; German under Intel MKL: "Thank you very much."
#: over 15 s).
DOUBT_WORDS_PER_S = 0.75
DOUBT_MIN_S = 5.0


def in_doubt(transcript: Transcript, audio: Audio, median_p: float | None) -> bool:
    """Whether the transcript gives reason to doubt that the take is English."""
    if median_p is not None and median_p < DOUBT_MEDIAN_PROBABILITY:
        return True
    words = [w for w in transcript.words if not is_vocal_filler(w.norm)]
    return audio.duration_s >= DOUBT_MIN_S and len(words) / audio.duration_s < DOUBT_WORDS_PER_S
