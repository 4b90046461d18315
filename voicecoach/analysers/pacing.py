"""Pacing: words per minute, articulation rate, pace over the answer.

``wpm`` counts the words spoken, leaving out vocal fillers (um, uh...), over the span from
the first word's start to the last word's end. ``articulation_wpm`` divides the same words
by that span less the silent pauses (from the audio) inside it. ``fluent_wpm`` divides
them by the span less the time the vocal fillers added (each one's length and the gap it made): the pace of the
words themselves.
The score and the pace tip judge ``fluent_wpm``, so an "um" every few words never buys a
better pace (rushed words slowed into the band by fillers are still rushed; the fillers
score counts the fillers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..audio.acoustics import silent_intervals, speech_span
from ..audio.decode import Audio
from ..core.datatypes import Evidence, Tip, Transcript, format_mmss
from .base import Metric, Series
from .context import AnswerContext

NAME = "pacing"
TITLE = "Pacing"
#: how many points the score moves between two takes of the same answer (90th percentile,
#: benchmarks/bench_spoken.py): progress calls a change no larger than this "same"
SCORE_NOISE = 2
#: Its share of the overall score: a pace far off the band is noticed, but less than
#: what is said or the fillers.
WEIGHT = 0.15


@dataclass(frozen=True)
class Options:
    """Attributes:
    target_min_wpm, target_max_wpm: the comfortable band (default 120-160 wpm).
    window_s: length of the windows of the pace curve.
    min_pause_s: silences at least this long are left out of articulation time.
    """

    target_min_wpm: float = 120.0
    target_max_wpm: float = 160.0
    window_s: float = 10.0
    min_pause_s: float = 0.25

    def check(self) -> None:
        """Raises ValueError when the options cannot work together."""
        if self.window_s <= 0:
            raise ValueError(f"window_s = {self.window_s!r} must be above 0")


@dataclass(frozen=True)
class Window:
    start_s: float
    end_s: float
    words: int
    wpm: float


@dataclass(frozen=True)
class Stretch:
    start_s: float
    end_s: float
    wpm: float
    kind: str  # "fast" or "slow"


@dataclass(frozen=True)
class PacingResult:
    words: int
    speaking_span_s: float
    wpm: float
    articulation_wpm: float
    target_min_wpm: float
    target_max_wpm: float
    windows: tuple[Window, ...] = field(default_factory=tuple)
    stretches: tuple[Stretch, ...] = field(default_factory=tuple)
    sentence_wpm: tuple[float, ...] = field(default_factory=tuple)
    fluent_wpm: float = 0.0  # 0 in results saved before it existed: judged by wpm then
    filler_s: float = 0.0

    @property
    def judged_wpm(self) -> float:
        """The pace the score and the tip judge: the words over the time that was not a
        vocal filler."""
        return self.fluent_wpm or self.wpm


#: fluent_wpm is named beside wpm when they differ by at least this many wpm
FLUENT_SHOWN_WPM = 5.0


@dataclass(frozen=True)
class Scoring:
    """Attributes:
    points_per_wpm: lost per wpm of the whole answer outside the target band (20 wpm
        off costs 40).
    uneven_points: lost at most for an uneven pace: each pace window outside the band
        costs its share of these, in proportion to how far outside it is, in full from
        ``uneven_full_wpm`` outside (one window 1 wpm over the band costs almost nothing).
    """

    points_per_wpm: float = 2.0
    uneven_points: float = 20.0
    uneven_full_wpm: float = 20.0


METRICS = (
    Metric("wpm", "wpm", ".0f", "band", headline=True, noise=9.0, band=("target_min_wpm", "target_max_wpm")),
    Metric("articulation_wpm", "articulation wpm", ".0f", "band"),
    Metric("fluent_wpm", "wpm without filler time", ".0f", "band"),
)
RESULT = PacingResult


def analyse(
    transcript: Transcript, audio: Audio, *, options: Options | None = None, context: AnswerContext | None = None
) -> PacingResult:
    o = options or Options()
    ctx = context or AnswerContext()
    words = transcript.words
    spoken = [w for w in words if not ctx.lexicon.is_vocal(w.norm)]
    if not words:
        return PacingResult(0, 0.0, 0.0, 0.0, o.target_min_wpm, o.target_max_wpm)
    first, last = speech_span(audio, words[0].start_s, words[-1].end_s, options=ctx.silence)
    span = max(last - first, 1e-6)
    pause_s = sum(
        min(p.end_s, last) - max(p.start_s, first)
        for p in silent_intervals(audio, min_duration_s=o.min_pause_s, options=ctx.silence)
        if p.end_s > first and p.start_s < last
    )
    wpm = len(spoken) / (span / 60)
    articulation = len(spoken) / (max(span - pause_s, 1e-6) / 60)
    # the time a vocal filler adds: its own length and the gap it made (the shorter of the
    # silences on its sides, at most a pause's length: a longer silence is a pause)
    filler_s = 0.0
    for i, w in enumerate(words):
        if ctx.lexicon.is_vocal(w.norm) and w.end_s > first and w.start_s < last:
            before = w.start_s - words[i - 1].end_s if i > 0 else 0.0
            after = words[i + 1].start_s - w.end_s if i + 1 < len(words) else 0.0
            filler_s += min(w.end_s, last) - max(w.start_s, first) + min(max(0.0, min(before, after)), o.min_pause_s)
    fluent = len(spoken) / (max(span - filler_s, span * 0.25, 1e-6) / 60)

    windows = []
    t = first
    while t < last - 1e-9:
        end = min(t + o.window_s, last)
        if last - end < o.window_s / 2:  # fold a short tail into this window
            end = last
        mids = ((w.start_s + w.end_s) / 2 for w in spoken)
        n = sum(1 for m in mids if t <= m and (m < end or end == last))
        windows.append(Window(round(t, 3), round(end, 3), n, n / ((end - t) / 60)))
        t = end

    stretches: list[Stretch] = []
    for win in windows:
        kind = "fast" if win.wpm > o.target_max_wpm else "slow" if win.wpm < o.target_min_wpm else None
        if kind is None:
            continue
        if stretches and stretches[-1].kind == kind and stretches[-1].end_s == win.start_s:
            prev = stretches[-1]
            total = prev.wpm * (prev.end_s - prev.start_s) + win.wpm * (win.end_s - win.start_s)
            stretches[-1] = Stretch(prev.start_s, win.end_s, total / (win.end_s - prev.start_s), kind)
        else:
            stretches.append(Stretch(win.start_s, win.end_s, win.wpm, kind))

    sentence_wpm = []
    for s in transcript.sentences:
        n = sum(1 for w in words[s.first_word : s.last_word + 1] if not ctx.lexicon.is_vocal(w.norm))
        dur = s.end_s - s.start_s
        sentence_wpm.append(n / (dur / 60) if dur > 0 else 0.0)
    return PacingResult(
        words=len(spoken),
        speaking_span_s=span,
        wpm=wpm,
        articulation_wpm=articulation,
        target_min_wpm=o.target_min_wpm,
        target_max_wpm=o.target_max_wpm,
        windows=tuple(windows),
        stretches=tuple(stretches),
        sentence_wpm=tuple(sentence_wpm),
        fluent_wpm=fluent,
        filler_s=filler_s,
    )


def score(p: PacingResult, r: Scoring) -> int:
    if p.words == 0:
        return 0
    off = max(p.target_min_wpm - p.judged_wpm, p.judged_wpm - p.target_max_wpm, 0.0)
    uneven = 0.0
    if p.windows:
        scale = p.judged_wpm / p.wpm if p.wpm else 1.0  # each window's pace without its fillers' time, as the whole's
        outside = (max(p.target_min_wpm - w.wpm * scale, w.wpm * scale - p.target_max_wpm, 0.0) for w in p.windows)
        uneven = sum(min(d / r.uneven_full_wpm, 1.0) for d in outside) / len(p.windows)
    return round(min(100.0, max(0.0, 100 - r.points_per_wpm * off - r.uneven_points * uneven)))


def tips(p: PacingResult, score: int, r: Scoring) -> list[tuple[float, Tip]]:
    if not p.words:
        return []
    pace = p.judged_wpm
    if pace > p.target_max_wpm or pace < p.target_min_wpm:
        kind = "fast" if pace > p.target_max_wpm else "slow"
        measured = f"{pace:.0f} words a minute"
        if abs(pace - p.wpm) >= FLUENT_SHOWN_WPM:
            measured += f" leaving out the time of your fillers ({p.wpm:.0f} with them)"
        msg = (
            f"Your pace was {measured}, {'above' if kind == 'fast' else 'below'} the "
            f"{p.target_min_wpm:.0f}-{p.target_max_wpm:.0f} band. "
            + (
                "Slow down: finish each sentence, breathe, then start the next."
                if kind == "fast"
                else "Pick up the pace: rehearse the key points so the words come readily."
            )
        )
    elif p.stretches:
        st = p.stretches[0]
        kind = st.kind
        msg = (
            f"Your pace drifted {'up' if kind == 'fast' else 'down'} to {st.wpm:.0f} words a minute between "
            f"{format_mmss(st.start_s)} and {format_mmss(st.end_s)}. Keep an even pace through the answer."
        )
    else:
        return []
    # the evidence is the stretches on the side the tip names, fastest (or slowest) first
    side = sorted((x for x in p.stretches if x.kind == kind), key=lambda x: -x.wpm if kind == "fast" else x.wpm)
    ev = tuple(Evidence(x.start_s, x.end_s, f"{x.wpm:.0f} wpm") for x in side[:3])
    return [(100 - score, Tip(NAME, msg, ev, more=max(0, len(side) - 3)))]


def _fluent(p: PacingResult) -> str:
    return (
        f", {p.fluent_wpm:.0f} without the fillers' time"
        if p.fluent_wpm and abs(p.fluent_wpm - p.wpm) >= FLUENT_SHOWN_WPM
        else ""
    )


def headline(p: PacingResult) -> str:
    return f"{p.wpm:.0f} words a minute{_fluent(p)} (aim {p.target_min_wpm:.0f}-{p.target_max_wpm:.0f})"


def summary(p: PacingResult) -> str:
    return (
        f"{p.wpm:.0f} wpm{_fluent(p)} (target {p.target_min_wpm:.0f}-{p.target_max_wpm:.0f}), articulation "
        f"{p.articulation_wpm:.0f} wpm"
    )


def series(p: PacingResult) -> tuple[Series, ...]:
    points = tuple(((w.start_s + w.end_s) / 2, w.wpm) for w in p.windows)
    return (Series("pace, wpm", points, (p.target_min_wpm, p.target_max_wpm)),)
