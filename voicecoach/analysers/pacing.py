"""Pacing: words per minute, articulation rate, pace over the answer.

``wpm`` counts the words spoken, leaving out vocal fillers (um, uh...), over the span from
the first word's start to the last word's end. ``articulation_wpm`` divides the same words
by that span less the silent pauses (from the audio) inside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..acoustics import silent_intervals, speech_span
from ..audio import Audio
from ..datatypes import Transcript
from .context import AnswerContext

NAME = "pacing"


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


def analyse(transcript: Transcript, audio: Audio, *, options: Options | None = None, context: AnswerContext | None = None) -> PacingResult:
    o = options or Options()
    ctx = context or AnswerContext()
    words = transcript.words
    spoken = [w for w in words if not ctx.lexicon.is_vocal(w.norm)]
    if not words:
        return PacingResult(0, 0.0, 0.0, 0.0, o.target_min_wpm, o.target_max_wpm)
    first, last = speech_span(audio, words[0].start_s, words[-1].end_s)
    span = max(last - first, 1e-6)
    pause_s = sum(
        min(p.end_s, last) - max(p.start_s, first) for p in silent_intervals(audio, min_duration_s=o.min_pause_s) if p.end_s > first and p.start_s < last
    )
    wpm = len(spoken) / (span / 60)
    articulation = len(spoken) / (max(span - pause_s, 1e-6) / 60)

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
    )
