"""Delivery: pitch variation (is the voice monotone?) and loudness consistency.

Pitch comes from SwiftF0, a small convolutional network (MIT, ONNX inside its wheel,
offline) that gives each 16 ms frame a pitch and a confidence that it is voiced. It is
judged only when the answer has enough voiced speech and the track is plausible for one
adult speaker; otherwise the result says why not and gives no pitch tip. The spread is
measured as Hincks (2004) measured liveliness in oral presentations: the variation of the
pitch within 10 s stretches of speech, averaged. Which tracker, and why:
docs/how-it-works.md ("Pitch"), measured by ``benchmarks/bench_pitch.py``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..audio.acoustics import speech_level_db
from ..audio.decode import Audio
from ..core.datatypes import Tip, Transcript
from .base import Finding, Metric
from .context import AnswerContext

NAME = "delivery"
TITLE = "Delivery"
#: Not in the overall score: pitch measures on a laptop microphone are too unsure to
#: grade; a monotone voice still gets a tip.
WEIGHT = 0.0


@dataclass(frozen=True)
class Options:
    """Attributes:
    min_f0_hz, max_f0_hz: the pitch range searched.
    voicing_threshold: the tracker's confidence (0-1) a frame needs to count as voiced.
    min_voiced_s: less voiced speech than this: pitch is not judged.
    min_median_f0_hz, max_median_f0_hz: a median pitch outside this range is not one adult
        speaker's (an octave error, or not a voice): pitch is not judged.
    min_one_voice_share: the share of voiced frames within an octave of the median below
        which the track is not one voice (two speakers, music, octave jumps).
    window_s: the stretch of the answer over which the spread is measured, then averaged.
    monotone_below_st: a pitch spread (standard deviation within ``window_s``, semitones)
        below this is monotone.
    """

    #: Wide enough for a low man's voice and a lively woman's peaks (2 semitone spread
    #: around 240 Hz reaches 480 Hz).
    min_f0_hz: float = 65.0
    max_f0_hz: float = 600.0
    #: SwiftF0's own voicing threshold.
    voicing_threshold: float = 0.5
    #: Hincks measured over 10 s of speech; 3 s of voiced frames is about that much speech.
    min_voiced_s: float = 3.0
    #: Adult speaking voices: about 85-180 Hz for men, 165-255 Hz for women.
    min_median_f0_hz: float = 75.0
    max_median_f0_hz: float = 300.0
    min_one_voice_share: float = 0.9
    window_s: float = 10.0
    #: Hincks (2004): the pitch dynamism quotient (standard deviation over mean of F0 in
    #: 10 s stretches) of 20 student presentations ranged from 0.11 for the least lively
    #: speaker to 0.235; 0.11 is 1.9 semitones. Flatter than the flattest of them is monotone.
    monotone_below_st: float = 1.9

    def check(self) -> None:
        """Raises ValueError when the options cannot work together."""
        if not 0 < self.voicing_threshold < 1:
            raise ValueError(f"voicing_threshold = {self.voicing_threshold!r} must be between 0 and 1")
        if not 0 < self.min_f0_hz < self.max_f0_hz:
            raise ValueError(f"min_f0_hz = {self.min_f0_hz!r} must be above 0 and below max_f0_hz = {self.max_f0_hz!r}")
        if self.window_s <= 0:
            raise ValueError(f"window_s = {self.window_s!r} must be above 0")


#: Why pitch was not judged.
NOT_ENOUGH_VOICED = "not enough voiced speech to judge pitch"
NOT_ONE_VOICE = "the pitch track is not one speaker's voice"


@dataclass(frozen=True)
class DeliveryResult:
    """``median_f0_hz``, ``pitch_spread_st`` and ``monotone`` are None when pitch was not
    judged (``pitch_note`` says why); ``voiced_s`` and ``voiced_share`` (of the audio)
    are always measured."""

    median_f0_hz: float | None
    pitch_spread_st: float | None  # standard deviation of pitch in semitones within window_s, averaged
    monotone: bool | None
    voiced_share: float
    loudness_spread_db: float  # standard deviation of speech frame levels
    voiced_s: float = 0.0
    pitch_note: str | None = None

    @property
    def pitch_judged(self) -> bool:
        return self.pitch_note is None


RESULT = DeliveryResult
METRICS = (
    Metric("pitch_spread_st", "pitch spread, st", ".1f", "higher"),
    Metric("loudness_spread_db", "loudness spread, dB", ".1f"),
)


@functools.cache
def _swift_f0() -> Any:
    """SwiftF0's pitch model (MIT; an ONNX network inside its wheel), loaded once, a
    thread per core; its idle threads sleep rather than spin beside the transcriber."""
    from swift_f0 import SwiftF0

    return SwiftF0(spin=False)


#: Audio is tracked in blocks of this long, each with BLOCK_MARGIN_S of context either
#: side: on a whole 10-minute answer at once the network's working memory peaked 170 MB
#: higher than in blocks.
BLOCK_S = 20.0
BLOCK_MARGIN_S = 0.5


def swift_f0_track(
    samples: np.ndarray, sample_rate_hz: int, *, min_f0_hz: float, max_f0_hz: float, min_confidence: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """(frame times in s, pitch in Hz with NaN where unvoiced), one frame every 16 ms."""
    x = np.asarray(samples, dtype=np.float32)
    peak = float(np.max(np.abs(x))) if x.size else 0.0
    if peak == 0.0 or x.size < sample_rate_hz // 10:
        return np.array([]), np.array([])
    x = x * (0.5 / peak)  # the model does not normalise the level: a fixed peak
    block, margin = int(BLOCK_S * sample_rate_hz), int(BLOCK_MARGIN_S * sample_rate_hz)
    times: list[np.ndarray] = []
    f0: list[np.ndarray] = []
    for start in range(0, len(x), block):
        lo, hi = max(0, start - margin), min(len(x), start + block + margin)
        if hi - lo < sample_rate_hz // 10:
            continue
        r = _swift_f0().detect(x[lo:hi], sample_rate_hz, fmin=min_f0_hz, fmax=max_f0_hz)
        t = np.asarray(r.timestamps, dtype=np.float64) + lo / sample_rate_hz
        keep = (t >= start / sample_rate_hz) & (t < (start + block) / sample_rate_hz)
        conf = np.asarray(r.confidence)[keep]
        times.append(t[keep])
        f0.append(np.where(conf >= min_confidence, np.asarray(r.pitch_hz, dtype=np.float64)[keep], np.nan))
    if not times:
        return np.array([]), np.array([])
    return np.concatenate(times), np.concatenate(f0)


def analyse(
    transcript: Transcript, audio: Audio, *, options: Options | None = None, context: AnswerContext | None = None
) -> DeliveryResult:
    o = options or Options()
    silence = context.silence if context else None
    times, f0 = swift_f0_track(
        audio.samples,
        audio.sample_rate_hz,
        min_f0_hz=o.min_f0_hz,
        max_f0_hz=o.max_f0_hz,
        min_confidence=o.voicing_threshold,
    )
    levels = speech_level_db(audio, options=silence)
    loud_spread = float(np.std(levels)) if levels.size else 0.0
    f0 = repair_octaves(times, f0)
    voiced = ~np.isnan(f0)
    voiced_s = float(voiced.sum()) * FRAME_S
    share = min(1.0, voiced_s / audio.duration_s) if audio.duration_s > 0 else 0.0

    def result(median: float | None, spread: float | None, note: str | None = None) -> DeliveryResult:
        monotone = None if spread is None else spread < o.monotone_below_st
        return DeliveryResult(median, spread, monotone, share, loud_spread, voiced_s, note)

    if voiced_s < o.min_voiced_s:
        return result(None, None, NOT_ENOUGH_VOICED)
    median = float(np.median(f0[voiced]))
    within_octave = float(np.mean(np.abs(12 * np.log2(f0[voiced] / median)) < 12))
    if not o.min_median_f0_hz <= median <= o.max_median_f0_hz or within_octave < o.min_one_voice_share:
        return result(median, None, NOT_ONE_VOICE)
    return result(median, windowed_spread_st(times, f0, window_s=o.window_s))


#: Octave errors: a frame about an octave (12 +- OCTAVE_TOLERANCE_ST semitones) from the
#: pitch around it is folded back; one still more than MAX_JUMP_ST away is dropped.
#: "Around it": the median of the voiced frames within LOCAL_S either side.
OCTAVE_TOLERANCE_ST = 3.0
MAX_JUMP_ST = 9.0
LOCAL_S = 1.5


def repair_octaves(times: np.ndarray, f0: np.ndarray) -> np.ndarray:
    """``f0`` with octave errors folded back and wild frames dropped (NaN), judged against
    the median pitch of the frames around each. A tracker halves or doubles the pitch of
    a creaky or period-doubled stretch; intonation does not jump an octave and back."""
    voiced = ~np.isnan(f0)
    if voiced.sum() < 10:
        return f0
    vt, vf = times[voiced], f0[voiced]
    centres = np.arange(vt[0], vt[-1] + 0.25, 0.25)
    lo = np.searchsorted(vt, centres - LOCAL_S)
    hi = np.searchsorted(vt, centres + LOCAL_S)
    local = np.array([np.median(vf[a:b]) if b > a else np.nan for a, b in zip(lo, hi, strict=True)])
    ref = np.interp(vt, centres[~np.isnan(local)], local[~np.isnan(local)])
    st = 12 * np.log2(vf / ref)
    fixed = np.where(
        np.abs(st + 12) < OCTAVE_TOLERANCE_ST, vf * 2, np.where(np.abs(st - 12) < OCTAVE_TOLERANCE_ST, vf / 2, vf)
    )
    fixed = np.where(np.abs(12 * np.log2(fixed / ref)) > MAX_JUMP_ST, np.nan, fixed)
    out = f0.copy()
    out[voiced] = fixed
    return out


#: SwiftF0's frame period (s).
FRAME_S = 0.016
#: A window with less voiced speech than this is left out of the spread (its spread is noise).
MIN_WINDOW_VOICED_S = 1.0


def windowed_spread_st(times: np.ndarray, f0: np.ndarray, *, window_s: float) -> float:
    """The standard deviation of the pitch in semitones around each ``window_s`` stretch's
    median, averaged over the stretches weighted by their voiced frames (octave jumps left
    out). An answer shorter than one stretch is one stretch; so is the last, short one,
    when it has enough voiced speech."""
    total, weight = 0.0, 0
    for start in np.arange(0.0, max(float(times[-1]), window_s) if times.size else 0.0, window_s):
        v = f0[(times >= start) & (times < start + window_s) & ~np.isnan(f0)]
        if v.size * FRAME_S < MIN_WINDOW_VOICED_S:
            continue
        st = 12 * np.log2(v / np.median(v))
        st = st[np.abs(st) < 12]
        if st.size:
            total += float(np.std(st)) * st.size
            weight += st.size
    if weight == 0:  # no stretch has enough on its own: the whole answer
        v = f0[~np.isnan(f0)]
        st = 12 * np.log2(v / np.median(v))
        st = st[np.abs(st) < 12]
        return float(np.std(st)) if st.size else 0.0
    return total / weight


def tips(d: DeliveryResult, score: int | None, scoring: object) -> list[tuple[float, Tip]]:
    if not d.monotone or d.pitch_spread_st is None:
        return []
    msg = (
        f"Your pitch varied little ({d.pitch_spread_st:.1f} semitones); stress the key words and let your voice "
        "rise and fall with the story."
    )
    return [(100.0, Tip(NAME, msg))]


def findings(d: DeliveryResult) -> tuple[Finding, ...]:
    if d.pitch_spread_st is None:
        return (Finding("pitch", f"not judged: {d.pitch_note} ({d.voiced_s:.1f} s voiced)", None),)
    if d.monotone:
        return (Finding("pitch", f"monotone: the pitch varied {d.pitch_spread_st:.1f} semitones", False),)
    return (Finding("pitch", f"varied: {d.pitch_spread_st:.1f} semitones", True),)


def summary(d: DeliveryResult) -> str:
    pitch = (
        f"pitch not judged ({d.pitch_note})"
        if d.pitch_spread_st is None
        else f"pitch spread {d.pitch_spread_st:.1f} st{' (monotone)' if d.monotone else ''}"
    )
    return f"{pitch}, loudness spread {d.loudness_spread_db:.1f} dB"
