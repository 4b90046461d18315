"""Speech to a word-timed transcript with faster-whisper, keeping the disfluencies.

Whisper is trained on transcripts that leave out "um" and "uh", so plain decoding drops
most of them. The default decoding, ``single``, decodes the audio **once** (plain beam
search: the words, their punctuation and their timing, without the segments every
temperature failed on: :func:`failed`), decodes the stretches of sound that pass left
empty with the filler-biased decoding (:func:`fill_gaps`: plain decoding sometimes drops a
sentence after a long hesitation), and then **re-listens** (:mod:`voicecoach.asr.relisten`)
to every short sound the transcript does not already mark as a filler, on its own: heard
alone, a filler Whisper folded into a neighbouring word comes back.

The other decodings are kept for comparison and for users who measure differently:

* ``merge`` adds a second, **filler-biased** pass over the whole answer, with the filler
  words given as faster-whisper ``hotwords`` (a decoder prompt repeated in every 30 s
  window) and no conditioning on earlier text; only its vocal-filler tokens are kept,
  aligned into the plain pass's words with difflib;
* ``hotwords``: the biased pass alone (fewer words right);
* ``plain``: one plain pass, not re-listened (the baseline).

What each costs and finds is on the benchmarks page (docs/benchmarks.md).
"""

from __future__ import annotations

import itertools
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..audio.acoustics import SilenceOptions, frame_power, quietest, sound_islands, voiced_share
from ..core.datatypes import Transcript, Word, normalise_word
from . import DECODINGS
from .alignment import merge_fillers
from .clip import FILLER_HOTWORDS, decode_clip
from .language import MIN_ENGLISH_PROBABILITY, english_probability, looks_english
from .models import load_model

if TYPE_CHECKING:
    import numpy as np

    from ..audio.decode import Audio
    from .relisten import RelistenOptions

logger = logging.getLogger(__name__)

#: A word from the filler-biased pass is kept only if at least this share of its span is
#: audible: that pass invents "uh" in silence at the end of a file.
MIN_VOICED_SHARE = 0.3
SAMPLING_SEED = 20261125


@dataclass(frozen=True)
class TranscribeOptions:
    """How to decode.

    Attributes:
        model: model name or path (see :mod:`voicecoach.asr.models`).
        decoding: ``single`` (default), ``merge``, ``plain`` or ``hotwords``.
        beam_size: beam width of each pass.
        language: spoken language; voicecoach's lexicons are English.
        cpu_threads: threads for CTranslate2 (0: its default).
        hotwords: the prompt of the filler-biased pass.
        relisten: re-listen to short sounds for the fillers the decoding missed (not with
            ``plain``, the baseline).
    """

    model: str = "default"
    decoding: str = "single"
    beam_size: int = 5
    language: str = "en"
    cpu_threads: int = 0
    hotwords: str = FILLER_HOTWORDS
    relisten: bool = True

    def check(self) -> None:
        """Raises ValueError when the options cannot work together."""
        if self.decoding not in DECODINGS:
            raise ValueError(f"decoding = {self.decoding!r} must be one of {', '.join(DECODINGS)}")
        if self.beam_size < 1:
            raise ValueError(f"beam_size = {self.beam_size!r} must be at least 1")
        if self.language != "en":
            raise ValueError(
                f'language = {self.language!r}: voicecoach\'s filler and structure lexicons are English; use "en"'
            )
        if not self.model.strip():
            raise ValueError('model must not be empty; use "default" for the embedded model')


#: ``on_progress(stage, done_s, total_s)``: a decoding pass ("plain", "filler-biased") or
#: "re-listening" has reached ``done_s`` of ``total_s`` seconds of audio.
ProgressCallback = Callable[[str, float, float], None]


#: Audio longer than this is decoded in windows of about this length, cut at the quietest
#: moment of the WINDOW_SEARCH_S before each boundary. faster-whisper computes the
#: features of its whole input at once, so memory would otherwise grow with the answer
#: (the figures: docs/how-it-works.md, "One pass").
WINDOW_S = 120.0
WINDOW_SEARCH_S = 20.0
#: The plain pass is prompted with this many words of the window before, standing in for
#: faster-whisper's conditioning on previous text across the cut.
PROMPT_WORDS = 40


def decoding_windows(samples: np.ndarray, *, sample_rate_hz: int = 16_000) -> list[tuple[int, int]]:
    """(start, end) sample indices of the windows ``samples`` is decoded in: one window up to
    WINDOW_S plus a minute; beyond that, cuts at the quietest 0.2 s before each WINDOW_S."""
    import numpy as np

    n = len(samples)
    if n <= (WINDOW_S + 60) * sample_rate_hz:
        return [(0, n)]
    cuts = [0]
    hop = sample_rate_hz // 100  # 10 ms frames
    while n - cuts[-1] > (WINDOW_S + 60) * sample_rate_hz:
        target = cuts[-1] + int(WINDOW_S * sample_rate_hz)
        lo = target - int(WINDOW_SEARCH_S * sample_rate_hz)
        region = np.asarray(samples[lo:target], dtype=np.float32)
        cuts.append(lo + quietest(frame_power(region, hop)) * hop)
    return list(zip(cuts, [*cuts[1:], n], strict=True))


#: faster-whisper decodes a segment again at a higher temperature while its average log
#: probability is below -1 or its text compresses more than 2.4 times; a segment that still
#: fails at the last temperature is returned anyway. On a short take of a hesitant opening
#: that is where tiny.en writes an outro over the speech ("Thank you very much for
#: watching", "Subs by www...") or loops on numbers.
LAST_TEMPERATURE = 1.0
LOG_PROB_THRESHOLD = -1.0
COMPRESSION_RATIO_THRESHOLD = 2.4


#: The sign-offs of the videos Whisper learnt from, which it writes over a short or
#: hesitant stretch even when a temperature passes ("Thank you very much for watching, and
#: I'll see you in the next video"): no interview answer says them.
VIDEO_OUTRO = re.compile(
    r"\b(for watching|in the next video|subscribe to (my|the|our) channel|subs by|subtitles by)\b", re.IGNORECASE
)


def _repeats_a_word(norms: list[str]) -> bool:
    """Whether a word comes more than GAP_MAX_REPEATS times in a row: a loop."""
    return any(len(list(run)) > GAP_MAX_REPEATS for norm, run in itertools.groupby(norms) if norm)


def failed(segment: Any) -> bool:
    """Whether faster-whisper returned ``segment`` after every temperature failed, or it
    is a video's sign-off (VIDEO_OUTRO), or loops: a word more than GAP_MAX_REPEATS times
    in a row ("1, 2, 3, 3, 3, 3, ..." over a 4.5 s hesitant take, at probability 0.85)."""
    if VIDEO_OUTRO.search(segment.text or ""):
        return True
    if _repeats_a_word([normalise_word(w.word) for w in segment.words or ()]):
        return True
    return segment.temperature >= LAST_TEMPERATURE and (
        segment.avg_logprob < LOG_PROB_THRESHOLD or segment.compression_ratio > COMPRESSION_RATIO_THRESHOLD
    )


def _sounds_english(words: list[Word], options: TranscribeOptions) -> bool:
    """Whether ``words`` pass the language check (:func:`voicecoach.asr.language.looks_english`)."""
    return looks_english(Transcript(tuple(words), 0.0, options.language))[0]


def _another_language(
    audio: Audio,
    words: list[Word],
    failed_words: list[Word],
    options: TranscribeOptions,
    silence: SilenceOptions | None,
) -> bool:
    """Whether the segments every temperature failed on were speech in another language
    (rather than a hallucination over a hesitant English opening): by LANGUAGE_MODEL where
    installed; otherwise when their words read as another language, are not a loop, and
    nothing was heard there on a second listen either."""
    p = english_probability(audio, silence=silence)
    if p is not None:
        return p < MIN_ENGLISH_PROBABILITY
    if _sounds_english(failed_words, options):
        return False
    if _repeats_a_word([w.norm for w in failed_words]):
        return False  # a loop ("1, 2, 3, 3, 3, 3 ..." over a 4.5 s hesitant take), not a language
    lo, hi = min(w.start_s for w in failed_words), max(w.end_s for w in failed_words)
    return not any(w.source == "filler" and w.start_s < hi and w.end_s > lo for w in words)


def _decode(
    model: Any,
    samples: np.ndarray,
    *,
    options: TranscribeOptions,
    biased: bool,
    on_progress: ProgressCallback | None = None,
    prompt: str | None = None,
    left_out: list[Word] | None = None,
) -> list[Word]:
    """The words of one decoding of ``samples``. ``left_out``: the words of the segments
    every temperature failed on (see :func:`failed`) go there instead."""
    kwargs: dict = dict(
        language=options.language,
        beam_size=options.beam_size,
        word_timestamps=True,
        vad_filter=False,
    )
    if biased:
        kwargs.update(hotwords=options.hotwords, condition_on_previous_text=False)
    elif prompt:
        kwargs["initial_prompt"] = prompt
    import ctranslate2

    # On hard audio faster-whisper falls back to sampling at higher temperatures; a fixed
    # seed makes that sampling, and so the same file's score, repeatable.
    ctranslate2.set_random_seed(SAMPLING_SEED)
    source = "filler" if biased else "plain"
    stage = "filler-biased pass" if biased else "plain pass"
    total_s = len(samples) / 16_000
    words: list[Word] = []
    for start, end in decoding_windows(samples):
        offset_s = start / 16_000
        if start and not biased and words:
            kwargs["initial_prompt"] = " ".join(w.text for w in words[-PROMPT_WORDS:])
        segments, _info = model.transcribe(samples[start:end], **kwargs)
        for seg in segments:
            if on_progress is not None:
                on_progress(stage, min(offset_s + float(seg.end), total_s), total_s)
            into = words
            if left_out is not None and failed(seg):
                logger.debug("left out a segment every temperature failed on: %r", seg.text)
                into = left_out
            for w in seg.words or ():
                text = w.word.strip()
                if not text:
                    continue
                into.append(
                    Word(
                        text=text,
                        start_s=round(offset_s + float(w.start), 3),
                        end_s=round(offset_s + float(w.end), 3),
                        probability=round(float(w.probability), 4),
                        source=source,
                    )
                )
    return words


#: A stretch of sound at least this long that no word of the plain pass comes within
#: GAP_MARGIN_S of is decoded again on its own (plain decoding sometimes drops a whole
#: sentence after a long hesitation, such as "That is a good question").
GAP_MIN_S = 1.0
GAP_MARGIN_S = 0.2
#: Sounds this close together are one stretch.
GAP_JOIN_S = 0.3
#: The words decoded in a stretch are kept when their mean probability is at least this
#: (a stretch of noise decodes to a few unsure words).
GAP_MIN_PROBABILITY = 0.4
#: At most this many tokens a second of stretch are decoded (6 words a second, about 1.3
#: tokens each, and room for punctuation).
GAP_TOKENS_PER_S = 10
#: Silence between two stretches decoded together.
GAP_SEPARATOR_S = 1.0
#: Stretches are decoded together up to this length (one encoder window), heard with
#: GAP_TAIL_S of silence after them (1 s lost the one word on the Apollo radio's stretches).
GAP_CLIP_S = 27.0
#: A stretch whose decoding repeats a word more often than this in a row, or a three-word
#: phrase three times, has looped and is left out (Whisper base on the Apollo 11 radio:
#: "I got a little bit of helmet in c1" over and over).
GAP_MAX_REPEATS = 3


def fill_gaps(
    model: Any, audio: Audio, words: list[Word], *, options: TranscribeOptions, silence: SilenceOptions | None = None
) -> list[Word]:
    """``words`` with the words of each long stretch of sound they leave empty, decoded
    alone by the filler-biased decoding (``hotwords``, as ``merge``'s second pass): the
    one-pass decoding's guard against a dropped sentence, at the cost of decoding those
    stretches only. Plain decoding of a short stretch alone is unstable (tiny.en wrote
    "Thank you very much for watching" over "Hmm... That is a good question" for one
    start offset in four); the biased decoding wrote the words at every offset tried."""

    def free(a: float, b: float) -> bool:
        return not any(w.start_s < b + GAP_MARGIN_S and w.end_s > a - GAP_MARGIN_S for w in words)

    spans: list[list[float]] = []
    for s in sound_islands(audio, min_s=0.0, max_s=audio.duration_s + 1.0, options=silence):
        if not free(s.start_s, s.end_s):
            continue
        if spans and s.start_s - spans[-1][1] <= GAP_JOIN_S and free(spans[-1][0], s.end_s):
            spans[-1][1] = s.end_s
        else:
            spans.append([s.start_s, s.end_s])
    spans = [sp for sp in spans if sp[1] - sp[0] >= GAP_MIN_S]
    if not spans:
        return list(words)
    # the stretches are decoded together, end to end with GAP_SEPARATOR_S of silence
    # between them, up to one encoder window (30 s) at a time: a window per stretch
    # costs a whole window's encoding each
    import numpy as np

    sr = audio.sample_rate_hz
    groups: list[list[tuple[float, float]]] = [[]]
    length = 0.0
    for a, b in spans:
        start, end = max(0.0, a - 0.1), min(audio.duration_s, b + 0.1)
        while end - start > 0:
            piece_end = min(end, start + GAP_CLIP_S)
            if groups[-1] and length + (piece_end - start) > GAP_CLIP_S:
                groups.append([])
                length = 0.0
            groups[-1].append((start, piece_end))
            length += piece_end - start + GAP_SEPARATOR_S
            start = piece_end
    by_span: list[list[Word]] = []
    for group in groups:
        pieces: list[np.ndarray] = []
        offsets: list[tuple[float, float, float]] = []  # (start in the clip, end in the clip, start in the audio)
        at = 0.0
        for start, end in group:
            piece = audio.samples[int(start * sr) : int(end * sr)]
            offsets.append((at, at + len(piece) / sr, start))
            pieces += [piece, np.zeros(int(GAP_SEPARATOR_S * sr), np.float32)]
            at += len(piece) / sr + GAP_SEPARATOR_S
        # no silence after the last stretch: Whisper base loops ("uh uh uh ...") on a
        # stretch followed by silence
        clip = np.concatenate(pieces[:-1])
        heard: list[list[Word]] = [[] for _ in group]
        for text, w_start, w_end, probability in decode_clip(
            model,
            clip,
            language=options.language,
            beam_size=options.beam_size,
            hotwords=options.hotwords,
            max_new_tokens=int(GAP_TOKENS_PER_S * at) + 8,
        ):
            mid = (w_start + w_end) / 2
            k = next((i for i, (lo, hi, _) in enumerate(offsets) if lo - 0.05 <= mid <= hi + 0.05), None)
            if k is None:
                continue  # a word in the silence between stretches
            lo, hi, shift = offsets[k]
            heard[k].append(
                Word(
                    text,
                    round(shift + max(w_start, lo) - lo, 3),
                    round(shift + min(w_end, hi) - lo, 3),
                    round(probability, 4),
                    "filler",
                )
            )
        by_span += heard
    added: list[Word] = []
    for got in by_span:
        got = [w for w in got if voiced_share(audio, w.start_s, w.end_s, options=silence) >= MIN_VOICED_SHARE]
        norms = [w.norm for w in got]
        grams = Counter(zip(norms, norms[1:], norms[2:], strict=False))
        looped = _repeats_a_word(norms) or any(n >= 3 for n in grams.values())
        if got and not looped and sum(w.probability for w in got) / len(got) >= GAP_MIN_PROBABILITY:
            added += got
    if added:
        logger.debug("decoded %d words in stretches the plain pass left empty", len(added))
    return sorted([*words, *added], key=lambda w: (w.start_s, w.end_s))


def transcribe(
    audio: Audio,
    *,
    options: TranscribeOptions | None = None,
    on_progress: ProgressCallback | None = None,
    relisten: RelistenOptions | None = None,
    silence: SilenceOptions | None = None,
    prompt: str | None = None,
) -> Transcript:
    """Transcribe ``audio`` with the decoding strategy in ``options``; ``on_progress`` is
    told how far each pass has got; ``relisten`` and ``silence`` tune re-listening and
    silence detection (``[relisten]``, ``[silence]``); ``prompt``: the words said just
    before ``audio`` (the plain pass is conditioned on them, as on a window before)."""
    options = options or TranscribeOptions()
    if options.decoding not in DECODINGS:
        from ..core.errors import ConfigError

        raise ConfigError(f"decoding={options.decoding!r} must be one of {', '.join(DECODINGS)}")
    model = load_model(options.model, cpu_threads=options.cpu_threads)
    samples = audio.samples
    if options.decoding in ("plain", "single"):
        # single: a segment every temperature failed on is left out, and fill_gaps decodes
        # the stretch it leaves empty with the filler-biased decoding (guarded against loops)
        failed_words: list[Word] = []
        words = _decode(
            model,
            samples,
            options=options,
            biased=False,
            on_progress=on_progress,
            prompt=prompt,
            left_out=failed_words if options.decoding == "single" else None,
        )
        if options.decoding == "single":
            words = fill_gaps(model, audio, words, options=options, silence=silence)
        if failed_words and _another_language(audio, words, failed_words, options, silence):
            # speech in another language fails every temperature too; its words stay, so
            # that the language check can say so
            words = sorted([*words, *failed_words], key=lambda w: (w.start_s, w.end_s))
    elif options.decoding == "hotwords":
        words = [
            w
            for w in _decode(model, samples, options=options, biased=True, on_progress=on_progress)
            if voiced_share(audio, w.start_s, w.end_s, options=silence) >= MIN_VOICED_SHARE
        ]
    else:
        plain = _decode(model, samples, options=options, biased=False, on_progress=on_progress, prompt=prompt)
        biased = _decode(model, samples, options=options, biased=True, on_progress=on_progress)
        words = [
            w
            for w in merge_fillers(plain, biased)
            if w.source == "plain" or voiced_share(audio, w.start_s, w.end_s, options=silence) >= MIN_VOICED_SHARE
        ]
    if options.relisten and options.decoding != "plain" and words:
        from .clip import BiasedDecoding
        from .relisten import options_for_model, relisten_fillers

        if on_progress is not None:
            on_progress("re-listening", 0.0, audio.duration_s)
        relisten = options_for_model(options.model, relisten)
        heard_as = BiasedDecoding(options.language, options.beam_size, options.hotwords)
        words = relisten_fillers(model, audio, words, options=relisten, silence=silence, biased=heard_as)
    return Transcript(
        words=tuple(words),
        duration_s=round(audio.duration_s, 3),
        language=options.language,
        model=options.model,
        decoding=options.decoding,
    )


__all__ = ["TranscribeOptions", "Transcript", "load_model", "normalise_word", "transcribe"]
