"""Silent pauses, measured on the audio signal (see :mod:`voicecoach.audio.acoustics`).

A pause is a silence of at least ``min_pause_s`` between the first word's start and the
last word's end; silence before the first word is the hesitation (``time_to_first_word_s``),
not a pause. Each pause is placed between sentences (the word before it ends a sentence)
or mid-sentence.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from ..audio.acoustics import silent_intervals, speech_span
from ..audio.decode import Audio
from ..core.datatypes import Evidence, Tip, Transcript, format_mmss
from .base import Mark, Metric
from .context import AnswerContext

NAME = "pauses"
TITLE = "Pauses"
#: how many points the score moves between two takes of the same answer (90th percentile,
#: benchmarks/bench_spoken.py): progress calls a change no larger than this "same"
SCORE_NOISE = 0
#: Its share of the overall score.
WEIGHT = 0.15


@dataclass(frozen=True)
class Options:
    """Attributes:
    min_pause_s: shortest silence that counts as a pause (250 ms: the usual cut-off
        between articulatory gaps and pauses in fluency research).
    long_pause_s: a pause at least this long is a long pause (2 s).
    """

    min_pause_s: float = 0.25
    long_pause_s: float = 2.0

    def check(self) -> None:
        """Raises ValueError when the options cannot work together."""
        if self.min_pause_s <= 0:
            raise ValueError(f"min_pause_s = {self.min_pause_s!r} must be above 0")
        if self.long_pause_s < self.min_pause_s:
            raise ValueError(
                f"long_pause_s = {self.long_pause_s!r} must not be below min_pause_s = {self.min_pause_s!r}"
            )


@dataclass(frozen=True)
class Pause:
    start_s: float
    end_s: float
    duration_s: float
    position: str  # "between_sentences" or "mid_sentence"
    after_word: str
    long: bool


@dataclass(frozen=True)
class PausesResult:
    count: int
    long_count: int
    total_s: float
    mean_s: float
    longest_s: float
    pause_ratio: float  # pause time / speaking span
    per_min: float
    time_to_first_word_s: float
    events: tuple[Pause, ...]
    #: the thresholds in force, so that reports say what "pause" and "long" meant
    min_pause_s: float = 0.25
    long_pause_s: float = 2.0


@dataclass(frozen=True)
class Scoring:
    """Attributes:
    points_per_long_pause: lost per long pause (see ``[pauses] long_pause_s``), in full
        from ``long_pause_ramp_s / 2`` above that length, half at it, nothing from
        ``long_pause_ramp_s / 2`` below (no cliff at the threshold).
    long_pause_ramp_s: the width of that ramp.
    free_hesitation_s: silence before the first word that costs nothing (a breath and a
        first thought).
    points_per_hesitation_s: lost per second of hesitation beyond that.
    free_ratio: share of the answer in pauses that costs nothing (read speech sits near
        0.2, hesitant speech above 0.35).
    points_per_ratio: lost per unit of pause ratio above that (0.1 costs 4).
    """

    points_per_long_pause: float = 15.0
    long_pause_ramp_s: float = 1.0
    free_hesitation_s: float = 3.0
    points_per_hesitation_s: float = 10.0
    free_ratio: float = 0.35
    points_per_ratio: float = 40.0


METRICS = (
    Metric("count", "pauses", "d"),
    Metric("long_count", "long pauses", "d", "lower"),
    Metric("pause_ratio", "pause ratio", ".2f", "lower", headline=True, noise=0.03),
    Metric("time_to_first_word_s", "first word after, s", ".1f", "lower"),
)
RESULT = PausesResult


def analyse(
    transcript: Transcript, audio: Audio, *, options: Options | None = None, context: AnswerContext | None = None
) -> PausesResult:
    o = options or Options()
    ctx = context or AnswerContext()
    words = transcript.words
    if not words:
        return PausesResult(0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, (), o.min_pause_s, o.long_pause_s)
    first, last = speech_span(audio, words[0].start_s, words[-1].end_s, options=ctx.silence)
    silences = silent_intervals(audio, min_duration_s=o.min_pause_s, options=ctx.silence)
    # Whisper's first timestamp can be early or late by a few hundred ms; the audio is
    # the better judge of when speech began: the end of a silence that starts the file.
    lead = next((s for s in silences if s.start_s <= 0.05), None)
    onset = lead.end_s if lead and lead.end_s < first + 1.0 else first
    starts = [w.start_s for w in words]
    events = []
    for s in silences:
        start, end = max(s.start_s, first), min(s.end_s, last)
        if s.start_s <= 0.05 or end - start < o.min_pause_s:
            continue
        # the word being said when the silence began: the last to start before it (Whisper
        # often stretches that word's end over the silence, so its end time misleads)
        k = bisect.bisect_right(starts, start - 0.05) - 1
        before = words[k] if k >= 0 else words[0]
        position = "between_sentences" if before.text.rstrip().endswith((".", "?", "!")) else "mid_sentence"
        dur = end - start
        events.append(
            Pause(round(start, 3), round(end, 3), round(dur, 3), position, before.text, dur >= o.long_pause_s)
        )
    span = max(last - first, 1e-6)
    total = sum(e.duration_s for e in events)
    return PausesResult(
        count=len(events),
        long_count=sum(e.long for e in events),
        total_s=total,
        mean_s=total / len(events) if events else 0.0,
        longest_s=max((e.duration_s for e in events), default=0.0),
        pause_ratio=total / span,
        per_min=len(events) / (span / 60),
        time_to_first_word_s=round(onset, 3),
        events=tuple(events),
        min_pause_s=o.min_pause_s,
        long_pause_s=o.long_pause_s,
    )


def score(p: PausesResult, r: Scoring) -> int:
    half = r.long_pause_ramp_s / 2
    ramp = sum(
        min(1.0, max(0.0, (e.duration_s - p.long_pause_s + half) / max(r.long_pause_ramp_s, 1e-9))) for e in p.events
    )
    lost = (
        r.points_per_long_pause * ramp
        + r.points_per_hesitation_s * max(0.0, p.time_to_first_word_s - r.free_hesitation_s)
        + r.points_per_ratio * max(0.0, p.pause_ratio - r.free_ratio)
    )
    return round(min(100.0, max(0.0, 100 - lost)))


def tips(p: PausesResult, score: int, r: Scoring) -> list[tuple[float, Tip]]:
    if not (p.long_count or p.time_to_first_word_s > r.free_hesitation_s):
        return []
    longs = [e for e in p.events if e.long]
    if longs:
        msg = (
            f"You paused for {longs[0].duration_s:.1f} s at {format_mmss(longs[0].start_s)}"
            + (
                f" and {len(longs) - 1} more time{'s' if len(longs) > 2 else ''} for {p.long_pause_s:g} s or more"
                if len(longs) > 1
                else ""
            )
            + '. Bridge a long think with a short phrase ("The key point is...") or plan the answer\'s three beats '
            "before you start."
        )
        ev = tuple(Evidence(e.start_s, e.end_s, f"{e.after_word} [{e.duration_s:.1f} s pause]") for e in longs[:3])
        more = max(0, len(longs) - 3)
    else:
        msg = (
            f"You took {p.time_to_first_word_s:.1f} s to start. It's fine to take a breath, but open with your "
            "headline and build from there."
        )
        ev = (Evidence(0.0, p.time_to_first_word_s, "silence before the first word"),)
        more = 0
    return [(100 - score, Tip(NAME, msg, ev, more=more))]


def headline(p: PausesResult) -> str:
    return (
        f"{p.long_count} long pause{'s' if p.long_count != 1 else ''}, first word after {p.time_to_first_word_s:.1f} s"
    )


def summary(p: PausesResult) -> str:
    return (
        f"{p.count} pauses, {p.long_count} long (>= {p.long_pause_s:g} s), longest {p.longest_s:.1f} s, "
        f"pause ratio {100 * p.pause_ratio:.0f}%, first word after {p.time_to_first_word_s:.1f} s"
    )


def marks(p: PausesResult) -> tuple[Mark, ...]:
    return tuple(
        Mark(e.start_s, e.end_s, "long_pause" if e.long else "pause", f"{e.duration_s:.1f} s pause") for e in p.events
    )
