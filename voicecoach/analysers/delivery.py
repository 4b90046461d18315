"""Delivery: pitch variation (is the voice monotone?) and loudness consistency.

Pitch comes from a normalised autocorrelation on 40 ms frames (numpy, ~20 ms a minute of
audio). librosa's ``yin``/``pyin`` would do it too, but loading their numba kernels costs
over a second per process, more than every other analyser together.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    voicing_threshold: minimum normalised autocorrelation peak of a voiced frame (0-1).
    monotone_below_st: a pitch spread (standard deviation, semitones) below this is monotone.
    """

    min_f0_hz: float = 70.0
    max_f0_hz: float = 400.0
    voicing_threshold: float = 0.6
    monotone_below_st: float = 2.0

    def check(self) -> None:
        """Raises ValueError when the options cannot work together."""
        if not 0 < self.voicing_threshold < 1:
            raise ValueError(f"voicing_threshold = {self.voicing_threshold!r} must be between 0 and 1")
        if self.min_f0_hz <= 0:
            raise ValueError(f"min_f0_hz = {self.min_f0_hz!r} must be above 0")


@dataclass(frozen=True)
class DeliveryResult:
    median_f0_hz: float
    pitch_spread_st: float  # standard deviation of pitch in semitones around the median
    monotone: bool
    voiced_share: float
    loudness_spread_db: float  # standard deviation of speech frame levels


RESULT = DeliveryResult
METRICS = (
    Metric("pitch_spread_st", "pitch spread, st", ".1f", "higher"),
    Metric("loudness_spread_db", "loudness spread, dB", ".1f"),
)

#: Frames analysed at a time: bounds memory on long files (a whole 10-minute file at
#: once needed hundreds of MB of spectra).
BLOCK_FRAMES = 2048


def estimate_f0_hz(
    samples: np.ndarray, sample_rate_hz: int, *, min_f0_hz: float, max_f0_hz: float, voicing_threshold: float
) -> np.ndarray:
    """Pitch of each 40 ms frame (20 ms hop) in Hz, NaN where the frame is unvoiced."""
    frame = int(0.040 * sample_rate_hz)
    hop = int(0.020 * sample_rate_hz)
    if len(samples) < frame:
        return np.array([])
    n = 1 + (len(samples) - frame) // hop
    lo, hi = int(sample_rate_hz / max_f0_hz), int(sample_rate_hz / min_f0_hz)
    window = np.hanning(frame)
    f0 = np.empty(n)
    peak = np.empty(n)
    energy = np.empty(n)
    for b in range(0, n, BLOCK_FRAMES):
        rows = np.arange(b, min(n, b + BLOCK_FRAMES))
        frames = samples[np.arange(frame)[None, :] + hop * rows[:, None]].astype(np.float64)
        frames -= frames.mean(axis=1, keepdims=True)
        frames *= window
        ac = np.fft.irfft(np.abs(np.fft.rfft(frames, n=2 * frame, axis=1)) ** 2, axis=1)[:, :frame]
        e = ac[:, 0].copy()
        ac /= np.maximum(e, 1e-12)[:, None]
        lag = lo + np.argmax(ac[:, lo:hi], axis=1)
        r = np.arange(len(rows))
        pk = ac[r, lag]
        # parabolic interpolation around the peak: sub-sample lag, so pitch is not quantised
        left, right = ac[r, lag - 1], ac[r, np.minimum(lag + 1, frame - 1)]
        denom = left - 2 * pk + right
        shift = np.where(np.abs(denom) > 1e-12, 0.5 * (left - right) / np.where(denom == 0, 1, denom), 0.0)
        f0[rows] = sample_rate_hz / (lag + np.clip(shift, -0.5, 0.5))
        peak[rows] = pk
        energy[rows] = e
    loud = energy > energy.max() * 1e-3
    return np.where((peak >= voicing_threshold) & loud, f0, np.nan)


def analyse(
    transcript: Transcript, audio: Audio, *, options: Options | None = None, context: AnswerContext | None = None
) -> DeliveryResult:
    o = options or Options()
    # Half the rate is plenty for pitch below 400 Hz and halves the work; averaging the
    # sample pairs is the low-pass.
    n = len(audio.samples) // 2 * 2
    half = (audio.samples[:n:2] + audio.samples[1:n:2]) / 2
    f0 = estimate_f0_hz(
        half,
        audio.sample_rate_hz // 2,
        min_f0_hz=o.min_f0_hz,
        max_f0_hz=o.max_f0_hz,
        voicing_threshold=o.voicing_threshold,
    )
    voiced = f0[~np.isnan(f0)] if f0.size else f0
    levels = speech_level_db(audio, options=context.silence if context else None)
    loud_spread = float(np.std(levels)) if levels.size else 0.0
    if voiced.size < 10:
        return DeliveryResult(0.0, 0.0, False, float(voiced.size / max(f0.size, 1)), loud_spread)
    median = float(np.median(voiced))
    st = 12 * np.log2(voiced / median)
    st = st[np.abs(st) < 12]  # octave errors are not intonation
    spread = float(np.std(st)) if st.size else 0.0
    return DeliveryResult(median, spread, spread < o.monotone_below_st, float(voiced.size / f0.size), loud_spread)


def tips(d: DeliveryResult, score: int | None, scoring: object) -> list[tuple[float, Tip]]:
    if not d.monotone:
        return []
    msg = (
        f"Your pitch varied little ({d.pitch_spread_st:.1f} semitones); stress the key words and let your voice "
        "rise and fall with the story."
    )
    return [(100.0, Tip(NAME, msg))]


def findings(d: DeliveryResult) -> tuple[Finding, ...]:
    if d.monotone:
        return (Finding("pitch", f"monotone: the pitch varied {d.pitch_spread_st:.1f} semitones", False),)
    return (Finding("pitch", f"varied: {d.pitch_spread_st:.1f} semitones", True),)


def summary(d: DeliveryResult) -> str:
    return (
        f"pitch spread {d.pitch_spread_st:.1f} st{' (monotone)' if d.monotone else ''}, loudness spread "
        f"{d.loudness_spread_db:.1f} dB"
    )
