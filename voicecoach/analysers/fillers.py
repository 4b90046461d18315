"""Filler words: vocal fillers (um, uh, er...) and discourse fillers (like, you know...).

Vocal fillers are found by pattern on each word, elongations included. A discourse filler
is a phrase that is also an ordinary word, so each one is counted only where its context
shows it is a filler (rules in :func:`is_discourse_filler`): "I like Python", "what kind of
tool" and "turn right" are not fillers; "it was, like, huge", "so, um" and ", right?" are.
The rules lean towards precision: a missed "like" costs less than a false accusation.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from ..audio.acoustics import SilenceOptions, high_band_share, speech_span, steady_voiced_runs
from ..audio.decode import Audio
from ..core.datatypes import Evidence, Tip, Transcript, Word, format_mmss
from ..core.lexicon import DEFAULT_LEXICON, DISCOURSE_FILLERS, VOCAL_FILLERS, Lexicon, lexicon_for
from .base import Finding, Mark, Metric
from .context import AnswerContext

NAME = "fillers"
TITLE = "Fillers"
#: how many points the score moves between two takes of the same answer (90th percentile,
#: benchmarks/bench_spoken.py): progress calls a change no larger than this "same"
SCORE_NOISE = 4
#: Its share of the overall score: with what is said, fillers are what interviewers
#: remember.
WEIGHT = 0.2

_SUBJECTS_AND_VERBS_BEFORE_LIKE = frozenset(
    "i you we they he she it who people would i'd you'd we'd they'd don't didn't do does did "
    "really also to feel feels felt look looks looked seem seems seemed sound sounds sounded "
    "something anything nothing things more less much just not".split()
)
_FILLER_LEAD_INS_BEFORE_LIKE = frozenset("was is it's that's were and but so um uh".split())
_OBJECTS_AFTER_YOU_KNOW = frozenset(
    "that what how why who where when if whether the a an about him her it them me us this my your his their our "
    "someone something nothing everyone".split()
)
_NOT_FILLER_BEFORE_YOU_KNOW = frozenset("do did don't didn't if as would will to".split())
#: "like" comparing or giving examples: "is like the index", "ones, like the card provider".
_BE_FORMS = frozenset("is was are were it's that's be".split())
_DETERMINERS_AFTER_COMPARING_LIKE = frozenset("a an the".split())
#: Words after which no example or comparison can start: "like" after one of them and a
#: comma is a filler ("talked about, like the design", "important to, like keep").
_FUNCTION_WORDS_BEFORE_FILLER_LIKE = frozenset(
    "about to of for with from in on at by and but or because that if than".split()
)
#: What may come before an answer's first "so" and leave it a filler ("Um, yeah, so, ...").
_EMPTY_BEFORE_SO = frozenset("yeah okay ok well right oh alright".split())
#: "I mean" meant: "what I mean is", "I mean it".
_MEANT_BEFORE_I_MEAN = frozenset("what that's which".split())
_MEANT_AFTER_I_MEAN = frozenset("it is that to by".split())
_DETERMINERS_BEFORE_KIND = frozenset(
    "what which this that the a an any some every each one these those my your our his her their its same different "
    "all no two three many other".split()
)


#: The rules that decide when a discourse phrase is a filler (see :func:`is_discourse_filler`).
DISCOURSE_RULES = ("like", "you_know", "so", "right", "kind", "boundary", "always")


@dataclass(frozen=True)
class Options:
    """Attributes:
    acoustic: also count held sounds the transcript does not explain as fillers, without
        asking the recogniser (see :func:`acoustic_fillers`). Off by default: re-listening
        (:mod:`voicecoach.asr.relisten`, part of transcription) finds these and more, with
        fewer false finds; this is for transcripts made with ``relisten`` off.
    acoustic_max_flux, acoustic_min_s, acoustic_max_s: what counts as a held sound.
    acoustic_min_high_band_share: below this share of energy above 3.8 kHz the recording
        is band-limited (telephone, radio), where ordinary speech looks "held", and the
        acoustic pass is skipped.
    vocal: vocal fillers, canonical form -> regular expression on a normalised word.
    discourse: discourse filler phrases -> the rule that decides when each is a filler
        ("like", "you_know", "so", "right", "kind", "boundary", or "always").
    """

    vocal: dict[str, str] = field(default_factory=lambda: dict(VOCAL_FILLERS))
    discourse: dict[str, str] = field(default_factory=lambda: dict(DISCOURSE_FILLERS))
    acoustic: bool = False
    acoustic_max_flux: float = 0.9
    acoustic_min_s: float = 0.25
    acoustic_max_s: float = 1.0
    acoustic_min_high_band_share: float = 0.0005

    def check(self) -> None:
        """Raises ValueError when the options cannot work together."""
        for name, pattern in self.vocal.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"vocal.{name} = {pattern!r} is not a valid regular expression ({exc})") from None
        for phrase, rule in self.discourse.items():
            if rule not in DISCOURSE_RULES:
                raise ValueError(f"discourse.{phrase} = {rule!r} must be one of {', '.join(DISCOURSE_RULES)}")


@dataclass(frozen=True)
class FillerEvent:
    text: str  # as spoken ("Ummm")
    filler: str  # canonical type ("um", "you know")
    kind: Literal["vocal", "discourse"]
    start_s: float
    end_s: float
    source: str = "transcript"  # or "acoustic"


@dataclass(frozen=True)
class FillersResult:
    count: int
    vocal_count: int
    discourse_count: int
    per_min: float
    share_of_words: float
    by_type: dict[str, int]
    events: tuple[FillerEvent, ...]


@dataclass(frozen=True)
class Scoring:
    """Attributes:
    free_per_min: fillers a minute that cost nothing (fluent speakers use about one;
        Speaker Coach and Orai flag from a few a minute).
    half_points_extra_per_min: fillers a minute above that at which half the points are
        lost; the score is ``100 * h / (h + extra)``, so it keeps falling with every filler
        and never reaches 0. Conversation runs at about 6 disfluencies per 100 words
        (Bortfeld et al. 2001, "Disfluency rates in conversation", Language and Speech
        44(2)), about 9 a minute at 150 wpm; a prepared answer should do better, so half
        the points go at 7 a minute (1 free + 6) and 9.5 a minute scores 41, not 0.
    """

    free_per_min: float = 1.0
    half_points_extra_per_min: float = 6.0


METRICS = (
    Metric("count", "fillers", "d", "lower"),
    Metric("vocal_count", "vocal fillers", "d", "lower"),
    Metric("discourse_count", "discourse fillers", "d", "lower"),
    Metric("per_min", "fillers/min", ".1f", "lower", headline=True, noise=1.7),
    Metric("share_of_words", "filler share of words", ".3f", "lower"),
)
RESULT = FillersResult


def _ends(word: Word, chars: str) -> bool:
    return word.text.rstrip().endswith(tuple(chars))


def is_discourse_filler(rule: str, words: tuple[Word, ...], i: int, j: int, lexicon: Lexicon = DEFAULT_LEXICON) -> bool:
    """Whether ``words[i..j]`` (inclusive), a discourse-filler phrase, acts as a filler."""
    prev = words[i - 1] if i > 0 else None
    nxt = words[j + 1] if j + 1 < len(words) else None
    at_start = prev is None or _ends(prev, ".?!")
    after_comma = prev is not None and _ends(prev, ",;:")
    comma_after = _ends(words[j], ",;:")
    at_end = nxt is None or _ends(words[j], ".?!")
    prev_norm = prev.norm if prev else ""
    next_norm = nxt.norm if nxt else ""
    next_is_vocal = nxt is not None and lexicon.is_vocal(next_norm)
    prev_is_vocal = prev is not None and lexicon.is_vocal(prev_norm)
    set_off = (at_start or after_comma or prev_is_vocal) and (comma_after or at_end or next_is_vocal)

    if rule == "always":
        return True
    if rule == "boundary":
        if words[i].norm == "i" and (
            prev_norm in _MEANT_BEFORE_I_MEAN or (next_norm in _MEANT_AFTER_I_MEAN and not comma_after)
        ):
            return False  # "what I mean is", "I mean it"
        if words[i].norm == "i" and j == i + 1:
            return True  # "I mean" as a restart, with or without commas
        return at_start or set_off
    if rule == "like":
        if after_comma and (
            comma_after or prev_norm in _FUNCTION_WORDS_BEFORE_FILLER_LIKE
        ):  # "we, like, won", "about, like the design"
            return True
        if prev_norm in _SUBJECTS_AND_VERBS_BEFORE_LIKE or next_norm == "to":
            return False
        if (
            not comma_after
            and next_norm in _DETERMINERS_AFTER_COMPARING_LIKE
            and (prev_norm in _BE_FORMS or after_comma)
        ):
            return False  # "is like the index", "the risky ones, like the card provider"
        return set_off or comma_after or after_comma or at_start or prev_norm in _FILLER_LEAD_INS_BEFORE_LIKE
    if rule == "you_know":
        if prev_norm in _NOT_FILLER_BEFORE_YOU_KNOW:
            return False
        if not comma_after and not at_start and next_norm in _OBJECTS_AFTER_YOU_KNOW:
            return False
        return True
    if rule == "so":
        # the first word of the answer (after fillers only), "so yeah", or set off
        opening = all(lexicon.is_vocal(w.norm) or w.norm in _EMPTY_BEFORE_SO for w in words[:i])
        return (
            set_off
            or opening
            or next_norm == "yeah"
            or (next_is_vocal and j + 2 < len(words) and words[j + 2].norm == "yeah")
        )
    if rule == "right":
        return set_off or (after_comma and _ends(words[j], "?"))
    if rule == "kind":
        return not (prev_norm in _DETERMINERS_BEFORE_KIND or prev_norm.endswith("'s"))
    raise ValueError(f"unknown discourse filler rule {rule!r}")


def acoustic_fillers(
    audio: Audio, found: list[FillerEvent], *, options: Options, silence: SilenceOptions | None = None
) -> list[FillerEvent]:
    """Held sounds ("uhhh", "mmm") that no filler in the transcript accounts for.

    Whisper often writes a filler as a word ("hmm" as "home") or stretches the next
    word over it; the signal still shows a voiced stretch whose spectrum hardly changes
    for 250 ms to 1 s. Each becomes a vocal filler event marked ``source="acoustic"``.
    It raises recall at a small cost in precision (docs/how-it-works.md).
    """
    if high_band_share(audio) < options.acoustic_min_high_band_share:
        return []
    out = []
    for seg in steady_voiced_runs(
        audio,
        max_flux=options.acoustic_max_flux,
        min_s=options.acoustic_min_s,
        max_s=options.acoustic_max_s,
        options=silence,
    ):
        if any(e.start_s - 0.3 <= seg.end_s and e.end_s + 0.3 >= seg.start_s for e in found if e.kind == "vocal"):
            continue
        out.append(FillerEvent("(held sound)", "held sound", "vocal", seg.start_s, seg.end_s, source="acoustic"))
    return out


def analyse(
    transcript: Transcript, audio: Audio, *, options: Options | None = None, context: AnswerContext | None = None
) -> FillersResult:
    o = options or Options()
    lexicon = lexicon_for(o.vocal)  # compiled once; the pipeline gives the other analysers the same
    words = transcript.words
    norms = [w.norm for w in words]
    events: list[FillerEvent] = []
    phrases = sorted(((tuple(p.split()), rule) for p, rule in o.discourse.items()), key=lambda pr: -len(pr[0]))
    i = 0
    while i < len(words):
        vt = lexicon.vocal_type(norms[i])
        if vt:
            source = "acoustic" if words[i].source == "acoustic" else "transcript"
            events.append(
                FillerEvent(words[i].text.strip(",.?!"), vt, "vocal", words[i].start_s, words[i].end_s, source)
            )
            i += 1
            continue
        for phrase, rule in phrases:
            j = i + len(phrase) - 1
            if tuple(norms[i : j + 1]) == phrase and is_discourse_filler(rule, words, i, j, lexicon):
                text = " ".join(w.text for w in words[i : j + 1]).strip(",.?!")
                events.append(FillerEvent(text, " ".join(phrase), "discourse", words[i].start_s, words[j].end_s))
                i = j
                break
        i += 1
    silence = context.silence if context else None
    first, last = speech_span(audio, words[0].start_s, words[-1].end_s, options=silence) if words else (0.0, 0.0)
    if o.acoustic and words:
        events.extend(acoustic_fillers(audio, events, options=o, silence=silence))
        events.sort(key=lambda e: e.start_s)
    span_s = last - first
    vocal_n = sum(e.kind == "vocal" for e in events)
    return FillersResult(
        count=len(events),
        vocal_count=vocal_n,
        discourse_count=len(events) - vocal_n,
        per_min=len(events) / (span_s / 60) if span_s > 0 else 0.0,
        share_of_words=len(events) / len(words) if words else 0.0,
        by_type=dict(Counter(e.filler for e in events).most_common()),
        events=tuple(events),
    )


def score(f: FillersResult, r: Scoring) -> int:
    extra = max(0.0, f.per_min - r.free_per_min)
    return round(100 * r.half_points_extra_per_min / (r.half_points_extra_per_min + extra))


def tips(f: FillersResult, score: int, r: Scoring) -> list[tuple[float, Tip]]:
    if not (f.count and f.per_min > r.free_per_min):
        return []
    kinds = list(f.by_type.items())
    top = ", ".join(f'"{k}" x{v}' for k, v in kinds[:3])
    rest = sum(v for _, v in kinds[3:])
    if rest:
        top += f" and {rest} more ({len(kinds) - 3} other kind{'s' if len(kinds) > 4 else ''})"
    ev = tuple(Evidence(e.start_s, e.end_s, e.text) for e in f.events[:3])
    msg = (
        f"You used {f.count} filler word{'s' if f.count != 1 else ''} ({f.per_min:.1f} a minute): {top}. "
        "When you feel one coming, close your mouth and pause silently instead; a short pause sounds confident."
    )
    return [(100 - score, Tip(NAME, msg, ev, more=max(0, len(f.events) - len(ev))))]


def headline(f: FillersResult) -> str:
    return f"{f.count} filler{'s' if f.count != 1 else ''}, {f.per_min:.1f} a minute"


def summary(f: FillersResult) -> str:
    by_type = ", ".join(f"{k} {v}" for k, v in f.by_type.items()) or "none"
    return (
        f"{f.count} ({f.vocal_count} vocal, {f.discourse_count} discourse), {f.per_min:.1f}/min, "
        f"{100 * f.share_of_words:.1f}% of words: {by_type}"
    )


def marks(f: FillersResult) -> tuple[Mark, ...]:
    return tuple(
        Mark(e.start_s, e.end_s, f"{e.kind}_filler", e.filler, e.source if e.source == "acoustic" else "")
        for e in f.events
    )


def findings(f: FillersResult) -> tuple[Finding, ...]:
    out = []
    for name, n in f.by_type.items():
        events = [e for e in f.events if e.filler == name]
        heard = sum(e.source == "acoustic" for e in events)
        note = f", {heard} found by re-listening" if heard else ""
        when = ", ".join(format_mmss(e.start_s) for e in events)
        ev = tuple(Evidence(e.start_s, e.end_s, e.text) for e in events[:3])
        out.append(Finding(f'"{name}"', f"x{n} (at {when}){note}", False, ev, quote=False))
    return tuple(out)
