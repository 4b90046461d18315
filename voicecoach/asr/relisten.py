"""Re-listening: ask the recogniser about each short sound on its own.

Whisper leaves out most vocal fillers because its training transcripts do, and in running
speech it folds a short "uh" into the timing of the next word. Heard *alone*, the same
sound is another matter: given a fragment of a few hundred milliseconds with nothing
around it, the model's first-token distribution puts clear weight on "Um", "Uh", "Hmm"
when the fragment is a filler and almost none when it is a word.

:func:`relisten_fillers` does this for every candidate fragment (0.18-1.2 s) the
transcript does not already explain as a filler:

* the *sound islands* of the signal (audible runs between silences), and
* the *held stretches* inside longer islands (steady voiced spectrum, see
  :func:`voicecoach.audio.acoustics.steady_voiced_runs`), where a filler joins a word with no gap.

Each fragment is placed 0.2 s into a short window of silence (3 s: the encoder cost is
proportional to the window, 3 s gives nearly always the answer of a full 30 s window, and
shorter windows lose fillers; docs/how-it-works.md), encoded in batches, and decoded for one step (two when the first
token only begins a filler, as " M" begins "Mmm" and "Mug"). A fragment whose filler
probability is high enough becomes a vocal filler word, marked ``source="acoustic"``,
with the fragment's signal timing (more exact than Whisper's word timing). The same
question first places the transcript's own fillers on their sound (Whisper's timing is
often a few hundred ms off) and vetoes the fillers only the biased pass wrote where no
sound nearby is one.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..audio.acoustics import (
    SilenceOptions,
    low_band_db,
    nasal_db,
    peak_frequency_hz,
    sound_islands,
    spectral_flux,
    steady_voiced_runs,
    voiced_share,
)
from ..core.datatypes import Segment, Word
from ..core.lexicon import is_vocal_filler, vocal_filler_type
from .alignment import clip_overlaps, dedupe_fillers
from .clip import BiasedDecoding, decode_clip

if TYPE_CHECKING:
    from ..audio.decode import Audio

#: Spellings that are one token and a filler on their own.
FILLER_SPELLINGS = (
    "um",
    "uh",
    "er",
    "erm",
    "hmm",
    "mm",
    "ah",
    "umm",
    "hm",
    "eh",
    "Um",
    "Uh",
    "Er",
    "Hmm",
    "Ah",
    "Eh",
    "Err",
)
#: First tokens that begin a filler only when a filler continuation follows ("U"+"mm",
#: "M"+"m", "H"+"mmm") and a word otherwise ("Mug", "Hello").
PREFIX_SPELLINGS = {"U": "uh", "M": "mm", "H": "hmm"}
#: What may follow a prefix in a filler: more of the sound, punctuation ("M...", "U-"),
#: the end, or the sound again ("M M"). Anything else makes it a word ("M"+"ug").
CONTINUATIONS = (
    "m",
    "mm",
    "mmm",
    "mmmm",
    "hm",
    "h",
    "hh",
    "hhh",
    "hhhh",
    "H",
    "HH",
    "MM",
    ".",
    "...",
    "…",
    ",",
    "-",
    "?",
    "!",
)
#: A prefix with less probability than this is not followed up.
MIN_PREFIX_PROBABILITY = 0.01

#: Thresholds fitted for a model other than the embedded tiny.en, which the defaults of
#: :class:`RelistenOptions` are fitted on: ``benchmarks/fit_relisten.py --model base --grid
#: lofo`` over the four voice families chose a filler probability of 0.06 in every
#: leave-one-family-out direction, and the flux gate at 1.6 (the default) in three of four
#: (docs/models.md).
FITTED_FOR_MODEL: dict[str, dict[str, float]] = {"base": {"min_probability": 0.06}}


def options_for_model(model: str, options: RelistenOptions | None = None) -> RelistenOptions:
    """``options`` for transcribing with ``model`` (a name as ``--model`` takes it): the
    thresholds fitted for that model (:data:`FITTED_FOR_MODEL`; ``base`` and ``base.en``
    alike) replace those ``options`` leaves at their defaults, unless
    ``options.fitted_for_model`` is false."""
    o = options or RelistenOptions()
    fitted = FITTED_FOR_MODEL.get(model.removesuffix(".en"))
    if not fitted or not o.fitted_for_model:
        return o
    default = RelistenOptions()
    changes: dict[str, Any] = {k: v for k, v in fitted.items() if getattr(o, k) == getattr(default, k)}
    return dataclasses.replace(o, **changes)


@dataclass(frozen=True)
class RelistenOptions:
    """Attributes:
    min_probability: a sound island whose first token is a filler with at least this
        probability is a filler.
    held_min_probability: the same for a held stretch inside a longer island, which
        needs more evidence (it is usually part of a word).
    window_s: length of the silent window each fragment is heard in.
    min_s, max_s: how long a candidate fragment may be (a shorter fragment is mostly the
        tail of a word).
    held_max_flux: the held stretches that are candidates (see
        :func:`voicecoach.audio.acoustics.steady_voiced_runs`).
    held_max_word_probability: a held stretch inside a word the recogniser is at least
        this sure of is part of that word ("numbers" holds an "um").
    burst_max_s, burst_gap_s: a sound followed within ``burst_gap_s`` by a sound no
        longer than ``burst_max_s`` (a stop consonant's release after its closure) is the
        first syllable of a word, not a candidate: "ac" of "actually", "a" of "about".
        0 turns the rule off.
    max_peak_hz: an island whose spectrum peaks above this is a tone (the 2.5 kHz beep
        of a radio link), not a voice, and not a candidate. A filler's strongest peak is a
        harmonic under its first formants: at most 1.53 kHz over the corpus's 257 fillers.
    max_flux: an island whose median spectral flux (see
        :func:`voicecoach.audio.acoustics.spectral_flux`) is above this moves through sounds as
        a word does, and is not a candidate: every filler re-listening found in the two
        voice families' corpora is under 1.25, and a third of the islands are above 1.3.
        A large value turns the check off.
    margin_s: a candidate within this distance of a filler already in the transcript
        is that filler.
    veto_below: a filler that only the filler-biased pass wrote is dropped when every
        sound island within 0.2 s of it, heard alone, is a filler with less than this
        probability (that pass sometimes writes "uh" over a word's tail).
    snap_s: a transcript filler is moved onto the sound island within this distance that,
        heard alone, is most surely a filler (at least ``min_probability``): Whisper's
        word timing often puts a filler a few hundred ms off its sound.
    hum_onset_db: a find whose first third keeps this much more of its energy below
        500 Hz than the recording's speech does (see
        :func:`voicecoach.audio.acoustics.nasal_db`), and keeps more of its whole energy under
        350 Hz than above (:func:`voicecoach.audio.acoustics.low_band_db`), begins with the
        mouth closed: it is a hum ("mm"), whatever the first token says (heard alone, a
        hum is most often read as "uh" or "um"). A large value turns the check off.
    hum_min_probability: a candidate that is a nasal murmur throughout (four fifths of
        its audible frames ``hum_onset_db`` or more above the speech: no vowel, so no
        word) and keeps more of its energy under 350 Hz than above is a hum with only
        this filler probability. Heard alone, a hum in noise reads as a filler less
        surely than a vowel does. Above ``min_probability`` turns the rule off.
    second_opinion_min_probability: an island heard alone as a filler with less than
        ``min_probability`` but at least this gets a second opinion: the filler-biased
        decoding of the island with ``second_opinion_context_s`` of its surroundings each
        side; a filler it writes on the island makes the island one. Some voices' short
        "um" heard alone reads as a word ("dumb", "come"); in context, with the fillers
        prompted, it reads as "um". An island most of which a word the recogniser is
        ``held_max_word_probability`` sure of covers gets none ("number" holds an "um").
        0 turns it off.
    second_opinion_context_s: the surroundings heard with the island.
    suspect_max_probability: a word the recogniser is less sure of than this gets the
        same second opinion (a filler run into a word: "I" over "erm I", "per" over "er");
        a filler the filler-biased decoding writes on the word's span is added. 0 turns it
        off, the default: at 0.3 it finds more fillers on three voice families of four and
        loses none, for about 15 % more time (docs/benchmarks.md).
    batch: fragments encoded at once.
    fitted_for_model: with a model whose thresholds were fitted apart
        (:data:`FITTED_FOR_MODEL`), use those where these options are left at their
        defaults; false keeps these values with every model.
    """

    min_probability: float = 0.04
    held_min_probability: float = 0.1
    window_s: float = 3.0
    min_s: float = 0.18
    max_s: float = 1.2
    held_max_flux: float = 1.1
    held_max_word_probability: float = 0.9
    margin_s: float = 0.3
    veto_below: float = 0.02
    snap_s: float = 0.5
    burst_max_s: float = 0.075
    burst_gap_s: float = 0.15
    max_peak_hz: float = 2000.0
    max_flux: float = 1.6
    hum_onset_db: float = 5.0
    hum_min_probability: float = 0.005
    second_opinion_min_probability: float = 0.003
    second_opinion_context_s: float = 1.0
    suspect_max_probability: float = 0.0
    batch: int = 16
    fitted_for_model: bool = True

    def check(self) -> None:
        """Raises ValueError when the options cannot work together."""
        for name in (
            "min_probability",
            "held_min_probability",
            "held_max_word_probability",
            "veto_below",
            "hum_min_probability",
            "second_opinion_min_probability",
            "suspect_max_probability",
        ):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} = {getattr(self, name)!r} must be a probability, from 0 to 1")
        if self.batch < 1:
            raise ValueError(f"batch = {self.batch!r} must be at least 1")
        if self.window_s <= self.max_s:
            raise ValueError(
                f"window_s = {self.window_s!r} must be above max_s = {self.max_s!r} (a fragment is heard inside the "
                "window)"
            )


@dataclass(frozen=True)
class _Vocabulary:
    prompt: list[int]
    fillers: dict[int, str]  # token -> filler type
    prefixes: dict[int, str]
    continuations: list[int]


@functools.lru_cache(maxsize=4)
def _vocabulary(model: Any) -> _Vocabulary:
    from faster_whisper.tokenizer import Tokenizer

    tok = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en")

    def single(texts: Any, with_space: bool = True) -> dict[int, str]:
        out: dict[int, str] = {}
        for text, kind in texts:
            for t in (text, " " + text) if with_space else (text,):
                enc = tok.encode(t)
                if len(enc) == 1:
                    out.setdefault(enc[0], kind)
        return out

    fillers = single((s, vocal_filler_type(s.lower()) or "er") for s in FILLER_SPELLINGS)
    prefixes = single(PREFIX_SPELLINGS.items())
    continuations = sorted({*single(((c, c) for c in CONTINUATIONS), with_space=False), *prefixes, *fillers, tok.eot})
    return _Vocabulary([*tok.sot_sequence, tok.no_timestamps], fillers, prefixes, continuations)


def _softmax(logits: np.ndarray) -> np.ndarray:
    x = np.asarray(logits, dtype=np.float64)
    p = np.exp(x - x.max())
    return p / p.sum()


def candidates(
    audio: Audio, words: list[Word], options: RelistenOptions, silence: SilenceOptions | None = None
) -> list[tuple[Segment, bool]]:
    """Fragments that may be fillers the transcript has not marked, in time order, each
    with whether it is a held stretch inside a longer island (rather than an island)."""
    found = [w for w in words if is_vocal_filler(w.norm)]
    islands = sound_islands(audio, min_s=options.min_s, max_s=options.max_s, options=silence)
    # a sound followed at once by a stop's release is the start of a word ("ac|t|ually")
    bursts = (
        sound_islands(audio, min_s=0.0, max_s=options.burst_max_s, options=silence) if options.burst_max_s > 0 else []
    )
    broken = [s for s in islands if any(0.0 <= b.start_s - s.end_s <= options.burst_gap_s for b in bursts)]
    # a tone (a radio's beep) heard alone can sound like "ah"; a voice peaks low; a sound
    # whose spectrum keeps moving is a word, not a held filler
    islands = [
        s
        for s in islands
        if s not in broken
        and peak_frequency_hz(audio, s.start_s, s.end_s) <= options.max_peak_hz
        and spectral_flux(audio, s.start_s, s.end_s) <= options.max_flux
    ]
    held = [
        s
        for s in steady_voiced_runs(
            audio, max_flux=options.held_max_flux, min_s=options.min_s, max_s=options.max_s, options=silence
        )
        if s not in islands
        and not any(b.start_s - 0.03 <= s.start_s and s.end_s <= b.end_s + 0.03 for b in broken)
        and not any(
            w.start_s < s.end_s and w.end_s > s.start_s and w.probability >= options.held_max_word_probability
            for w in words
        )
    ]
    out: list[tuple[Segment, bool]] = []
    for s in sorted({*islands, *held}, key=lambda s: (s.start_s, s.end_s)):
        if any(f.start_s - options.margin_s <= s.end_s and f.end_s + options.margin_s >= s.start_s for f in found):
            continue
        out.append((s, s not in islands))
    return out


def filler_probabilities(
    model: Any, audio: Audio, segments: list[Segment], options: RelistenOptions
) -> list[tuple[float, str]]:
    """For each segment heard alone: (probability that what is said is a filler, the
    most likely filler type).

    One decoding step gives the probability of each first token. A token that is a
    filler by itself ("Um", " uh") counts whole; a token that only begins one (" M" of
    "Mmm", " U" of "Umm") counts times the probability, from a second step, that a
    filler continuation follows it.
    """
    import ctranslate2

    voc = _vocabulary(model)
    sr = audio.sample_rate_hz
    n = int(options.window_s * sr)
    lead = int(0.2 * sr)
    frames = int(options.window_s * 100)
    out: list[tuple[float, str]] = []
    for b in range(0, len(segments), options.batch):
        feats = []
        for s in segments[b : b + options.batch]:
            frag = audio.samples[max(0, int((s.start_s - 0.03) * sr)) : int((s.end_s + 0.03) * sr)][: n - lead]
            buf = np.zeros(n, np.float32)
            buf[lead : lead + len(frag)] = frag
            feats.append(model.feature_extractor(buf, padding=0)[:, :frames])
        encoded = np.asarray(
            model.model.encode(
                ctranslate2.StorageView.from_array(np.ascontiguousarray(np.stack(feats).astype(np.float32))),
                to_cpu=True,
            )
        )
        first = model.model.generate(
            ctranslate2.StorageView.from_array(encoded),
            [voc.prompt] * len(feats),
            beam_size=1,
            max_length=len(voc.prompt) + 1,
            return_logits_vocab=True,
            suppress_blank=False,
        )
        dists = [_softmax(r.logits[0][0]) for r in first]
        scores: list[dict[str, float]] = []
        follow: list[tuple[int, int]] = []  # (fragment, prefix token) to continue
        for i, p in enumerate(dists):
            by_type = dict.fromkeys(voc.prefixes.values(), 0.0)
            for tok, kind in voc.fillers.items():
                by_type[kind] = by_type.get(kind, 0.0) + float(p[tok])
            scores.append(by_type)
            follow += [(i, tok) for tok in voc.prefixes if p[tok] >= MIN_PREFIX_PROBABILITY]
        if follow:
            second = model.model.generate(
                ctranslate2.StorageView.from_array(np.ascontiguousarray(encoded[[i for i, _ in follow]])),
                [[*voc.prompt, tok] for _, tok in follow],
                beam_size=1,
                max_length=len(voc.prompt) + 2,
                return_logits_vocab=True,
                suppress_blank=False,
            )
            for (i, tok), r in zip(follow, second, strict=True):
                # logits come for the forced prefix step too: [1] is the continuation
                q = float(_softmax(r.logits[0][1])[voc.continuations].sum())
                scores[i][voc.prefixes[tok]] += float(dists[i][tok]) * q
        for by_type in scores:
            kind = max(by_type, key=lambda k: by_type[k])
            out.append((sum(by_type.values()), kind))
    return out


def relisten_fillers(
    model: Any,
    audio: Audio,
    words: list[Word],
    *,
    options: RelistenOptions | None = None,
    silence: SilenceOptions | None = None,
    biased: BiasedDecoding | None = None,
) -> list[Word]:
    """``words`` with the transcript's fillers moved onto their sound, the biased pass's
    fillers that re-listening does not confirm at all removed, and the vocal fillers
    found by re-listening inserted (``source="acoustic"``). ``biased``: how a second
    opinion's filler-biased decoding runs (the transcription's language, beam width and
    hotwords; their defaults when None)."""
    o = options or RelistenOptions()
    heard: dict[Segment, tuple[float, str]] = {}

    def hear(segments: list[Segment]) -> list[tuple[float, str]]:
        todo = [s for s in dict.fromkeys(segments) if s not in heard]
        if todo:
            heard.update(zip(todo, filler_probabilities(model, audio, todo, o), strict=True))
        return [heard[s] for s in segments]

    # the sounds around the transcript's fillers and the candidates are heard in one
    # batch (placing the fillers rarely changes the candidates; any new one is heard after)
    first = candidates(audio, words, o, silence)
    hear([*_near_fillers(_near(audio, words, o, silence)), *(seg for seg, _ in first)])
    placed = _place(hear, audio, words, o, silence)
    cands = first if list(placed) == list(words) else candidates(audio, placed, o, silence)
    words = placed
    if not cands:
        return list(words)
    probs = hear([seg for seg, _ in cands])
    added: list[Word] = []
    for (seg, held), (p, spelling) in sorted(zip(cands, probs, strict=True), key=lambda sp: -sp[1][0]):
        if any(a.start_s - o.margin_s <= seg.end_s and a.end_s + o.margin_s >= seg.start_s for a in added):
            continue
        if p >= (o.held_min_probability if held else o.min_probability):
            if spelling not in ("mm", "hmm") and _hum(audio, seg, o, silence, throughout=False):
                spelling = "mm"  # it begins with the mouth closed, whatever the first token said
        elif p >= o.hum_min_probability and _hum(audio, seg, o, silence, throughout=True):
            spelling = "mm"  # a murmur throughout: no vowel, no word
        elif (
            not held
            and 0 < o.second_opinion_min_probability <= p
            and not _sure_word_on(seg, words, o.held_max_word_probability)
            and (said := second_opinion(model, audio, seg, o, biased=biased))
        ):
            spelling = said
        else:
            continue
        added.append(Word(spelling, seg.start_s, seg.end_s, round(p, 4), "acoustic"))
    if o.suspect_max_probability > 0:
        added += _fillers_in_suspect_words(model, audio, words, added, o, biased=biased)
    words = [_outside(audio, w, added, silence) for w in words]
    return clip_overlaps(sorted([*words, *added], key=lambda w: (w.start_s, w.end_s)), lambda w: w.source == "acoustic")


def _sure_word_on(seg: Segment, words: list[Word], min_probability: float) -> bool:
    """Whether a word the recogniser is at least ``min_probability`` sure of covers most of
    ``seg``."""
    return any(
        w.probability >= min_probability
        and min(w.end_s, seg.end_s) - max(w.start_s, seg.start_s) >= 0.5 * (seg.end_s - seg.start_s)
        for w in words
        if not is_vocal_filler(w.norm)
    )


def second_opinion(
    model: Any, audio: Audio, seg: Segment, o: RelistenOptions, *, biased: BiasedDecoding | None = None
) -> str | None:
    """The filler the filler-biased decoding writes on ``seg``, heard with
    ``o.second_opinion_context_s`` of its surroundings each side, or None."""
    found = filler_in_context(model, audio, seg, o, biased=biased)
    return found[0] if found else None


def filler_in_context(
    model: Any, audio: Audio, seg: Segment, o: RelistenOptions, *, biased: BiasedDecoding | None = None
) -> tuple[str, float, float] | None:
    """(kind, start_s, end_s) of the first filler the filler-biased decoding writes on
    ``seg`` (its middle within 0.1 s of it), heard with ``o.second_opinion_context_s`` of
    its surroundings each side, or None."""
    sr = audio.sample_rate_hz
    start_s = max(0.0, seg.start_s - o.second_opinion_context_s)
    clip = audio.samples[int(start_s * sr) : int((seg.end_s + o.second_opinion_context_s) * sr)]
    b = biased or BiasedDecoding()
    for text, a_s, b_s, _ in decode_clip(
        model, clip, language=b.language, beam_size=b.beam_size, hotwords=b.hotwords, max_new_tokens=24
    ):
        kind = vocal_filler_type(text.strip(".,?!-…").lower())
        if kind and seg.start_s - 0.1 <= start_s + (a_s + b_s) / 2 <= seg.end_s + 0.1:
            return kind, start_s + a_s, start_s + b_s
    return None


def _fillers_in_suspect_words(
    model: Any,
    audio: Audio,
    words: list[Word],
    added: list[Word],
    o: RelistenOptions,
    *,
    biased: BiasedDecoding | None = None,
) -> list[Word]:
    """Fillers the filler-biased decoding writes on the words the recogniser is less than
    ``o.suspect_max_probability`` sure of, away from every filler already there."""
    fillers = [w for w in words if is_vocal_filler(w.norm)] + added
    out: list[Word] = []
    for w in words:
        if is_vocal_filler(w.norm) or w.probability >= o.suspect_max_probability:
            continue
        if any(f.start_s - o.margin_s <= w.end_s and f.end_s + o.margin_s >= w.start_s for f in [*fillers, *out]):
            continue
        found = suspect_opinion(model, audio, Segment(w.start_s, w.end_s), o, biased=biased)
        if found:
            kind, a_s, b_s = found
            start_s, end_s = round(max(a_s, w.start_s - 0.1), 3), round(min(b_s, w.end_s + 0.1), 3)
            out.append(Word(kind, start_s, end_s, 0.0, "acoustic"))
    return out


def suspect_opinion(
    model: Any, audio: Audio, seg: Segment, o: RelistenOptions, *, biased: BiasedDecoding | None = None
) -> tuple[str, float, float] | None:
    """:func:`filler_in_context` for a suspect word's span (apart, so that it can be counted)."""
    return filler_in_context(model, audio, seg, o, biased=biased)


def _hum(audio: Audio, seg: Segment, o: RelistenOptions, silence: SilenceOptions | None, *, throughout: bool) -> bool:
    """Whether ``seg`` is a nasal murmur (``hum_onset_db`` above the recording's speech)
    in its first third, or ``throughout`` (four fifths of its frames), and keeps most of
    its energy under 350 Hz (a voiced "th" begins low too, but a vowel follows)."""
    nasal = (
        nasal_db(audio, seg.start_s, seg.end_s, quantile=0.2, options=silence)
        if throughout
        else nasal_db(audio, seg.start_s, seg.end_s, part=1 / 3, options=silence)
    )
    return nasal >= o.hum_onset_db and low_band_db(audio, seg.start_s, seg.end_s) >= 0.0


def _outside(audio: Audio, word: Word, fillers: list[Word], silence: SilenceOptions | None) -> Word:
    """``word`` moved off a filler found inside its time span, onto the side of the filler
    where its sound is: Whisper stretches a word over the filler before it ("um It", the
    "It" timed from the end of the pause before the "um"), and cutting the word at the
    filler's start would put it first."""
    for f in fillers:
        if word.start_s < f.start_s and f.end_s < word.end_s:
            before = voiced_share(audio, word.start_s, f.start_s, options=silence)
            after = voiced_share(audio, f.end_s, word.end_s, options=silence)
            if after > before:
                return dataclasses.replace(word, start_s=f.end_s)
    return word


def _near(
    audio: Audio, words: list[Word], o: RelistenOptions, silence: SilenceOptions | None
) -> dict[int, list[Segment]]:
    """For each transcript filler (by id): the sound islands within reach of it."""
    fillers = [w for w in words if is_vocal_filler(w.norm)]
    if not fillers:
        return {}
    # islands only: a held vowel inside a word ("because") heard alone can sound like "ah"
    sounds = sound_islands(audio, min_s=0.1, max_s=o.max_s, options=silence)
    reach = max(o.snap_s, 0.2)
    return {id(w): [s for s in sounds if s.start_s < w.end_s + reach and s.end_s > w.start_s - reach] for w in fillers}


def _near_fillers(near: dict[int, list[Segment]]) -> list[Segment]:
    """The sound islands of :func:`_near`'s answer, each once, in time order."""
    return sorted({s for segs in near.values() for s in segs}, key=lambda s: (s.start_s, s.end_s))


def _place(
    hear: Callable[[list[Segment]], list[tuple[float, str]]],
    audio: Audio,
    words: list[Word],
    o: RelistenOptions,
    silence: SilenceOptions | None = None,
) -> list[Word]:
    """Check each transcript filler against the sounds around it, heard alone
    (``hear``: :func:`filler_probabilities` of segments).

    * **Retime**: Whisper often places a filler a few hundred ms away from its sound (it
      folds the filler into a neighbour's timing). A filler whose nearby sound islands
      include one that is a filler by itself (``min_probability``) is moved onto the best
      of them; two fillers moved onto one sound are one (:func:`dedupe_fillers`).
    * **Veto**: a filler that only the filler-biased pass wrote is dropped when every sound
      island within 0.2 s of it is a filler with less than ``veto_below`` (that pass
      sometimes writes "uh" over a word's tail).
    """
    near = _near(audio, words, o, silence)
    if not near:
        return list(words)
    todo = _near_fillers(near)
    prob = dict(zip(todo, (p for p, _ in hear(todo)), strict=True)) if todo else {}
    out: list[Word] = []
    retimed: set[int] = set()
    for w in words:
        if id(w) not in near:
            out.append(w)
            continue
        close = [s for s in near[id(w)] if s.start_s < w.end_s + 0.2 and s.end_s > w.start_s - 0.2]
        if w.source == "filler" and close and max(prob[s] for s in close) < o.veto_below:
            continue  # vetoed
        snap = [
            s
            for s in near[id(w)]
            if s.start_s < w.end_s + o.snap_s and s.end_s > w.start_s - o.snap_s and prob[s] >= o.min_probability
        ]
        if not snap:
            out.append(w)
            continue
        best = max(snap, key=lambda s: prob[s])
        out.append(dataclasses.replace(w, start_s=best.start_s, end_s=best.end_s))
        retimed.add(id(out[-1]))
    # one filler per sound, and a retimed filler cuts the words that run over its sound
    out = dedupe_fillers(sorted(out, key=lambda w: (w.start_s, w.end_s)))
    return clip_overlaps(out, lambda w: id(w) in retimed)
