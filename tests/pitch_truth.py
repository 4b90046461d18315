"""Speech-like audio whose pitch is known exactly: the ground truth of the pitch benchmark
and of the delivery tests.

A source-filter voice: a glottal-like harmonic source (harmonic k at 1/k^1.5, up to 4 kHz)
whose fundamental follows a known contour, through the formants of a vowel that changes
from syllable to syllable, in syllables of 100-300 ms with unvoiced noise bursts
(fricatives) between some of them, phrases of 1.5-3.5 s and pauses of 0.2-0.8 s, over
room noise at a chosen signal-to-noise ratio. The contour is a falling line over each
phrase (declination) plus an accent on some syllables, scaled so that the standard
deviation of the pitch over the voiced frames is exactly ``spread_st`` semitones around
``base_hz``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

SR = 16_000
#: F1, F2, F3 of five vowels (Hz), an adult's averages.
VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480), (570, 840, 2410))
BANDWIDTHS_HZ = (80, 100, 120)


@dataclass(frozen=True)
class KnownPitch:
    """``samples`` at SR; ``f0_hz(t)`` the true pitch at times ``t`` (NaN outside the
    voiced syllables, and within ``edge_s`` of their edges)."""

    samples: np.ndarray
    voiced: tuple[tuple[float, float], ...]
    contour_st: np.ndarray  # semitones around base_hz, one value per sample
    base_hz: float
    spread_st: float

    def f0_hz(self, t: np.ndarray, *, edge_s: float = 0.02) -> np.ndarray:
        idx = np.clip((np.asarray(t) * SR).astype(int), 0, len(self.contour_st) - 1)
        out = self.base_hz * 2 ** (self.contour_st[idx] / 12)
        inside = np.zeros(len(idx), dtype=bool)
        for a, b in self.voiced:
            inside |= (t >= a + edge_s) & (t <= b - edge_s)
        return np.where(inside, out, np.nan)


def _resonator(x: np.ndarray, f_hz: float, bw_hz: float) -> np.ndarray:
    r = np.exp(-np.pi * bw_hz / SR)
    c = 2 * r * np.cos(2 * np.pi * f_hz / SR)
    return lfilter([1 - c + r * r], [1, -c, r * r], x)


def known_pitch_voice(
    seed: int, *, base_hz: float, spread_st: float, seconds: float = 20.0, snr_db: float = 30.0
) -> KnownPitch:
    """One made-up answer of about ``seconds`` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    voiced: list[tuple[float, float]] = []
    unvoiced: list[tuple[float, float]] = []
    phrases: list[tuple[float, float]] = []
    accents: list[tuple[float, float, float]] = []  # (centre, width, sign)
    t = 0.3
    while t < seconds - 1.0:
        start = t
        end = min(seconds - 0.3, t + rng.uniform(1.5, 3.5))
        while t < end:
            if rng.random() < 0.3:
                d = rng.uniform(0.04, 0.10)
                unvoiced.append((t, t + d))
                t += d
            d = rng.uniform(0.10, 0.30)
            voiced.append((t, t + d))
            if rng.random() < 0.4:
                accents.append((t + d / 2, d, rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 1.0)))
            t += d + rng.uniform(0.0, 0.04)
        phrases.append((start, t))
        t += rng.uniform(0.2, 0.8)
    time = np.arange(n) / SR
    contour = np.zeros(n)
    for a, b in phrases:  # declination: about 1.5 semitones down over a phrase
        m = (time >= a) & (time < b)
        contour[m] += 0.75 - 1.5 * (time[m] - a) / max(b - a, 1e-3)
    for c, w, s in accents:
        contour += 2.0 * s * np.exp(-0.5 * ((time - c) / w) ** 2)
    mask = np.zeros(n, dtype=bool)
    for a, b in voiced:
        mask[int(a * SR) : int(b * SR)] = True
    centred = contour - np.median(contour[mask])
    sd = float(np.std(centred[mask]))
    contour_st = centred * (spread_st / sd) if sd > 0 and spread_st > 0 else np.zeros(n)
    contour_st -= np.median(contour_st[mask])
    f0 = base_hz * 2 ** (contour_st / 12)
    phase = 2 * np.pi * np.cumsum(f0) / SR
    source = np.zeros(n)
    for k in range(1, int(4000 / (base_hz * 2 ** (np.max(contour_st) / 12))) + 1):
        source += np.sin(k * phase) / k**1.5
    y = np.zeros(n)
    ramp = int(0.005 * SR)
    for i, (a, b) in enumerate(voiced):
        lo, hi = int(a * SR), int(b * SR)
        seg = source[lo:hi].copy()
        for f, bw in zip(VOWELS[i % len(VOWELS)], BANDWIDTHS_HZ, strict=True):
            seg = _resonator(seg, f, bw)
        env = np.ones(hi - lo)
        env[:ramp] = np.linspace(0, 1, ramp)
        env[-ramp:] = np.linspace(1, 0, ramp)
        y[lo:hi] += seg * env
    y /= np.max(np.abs(y)) + 1e-12
    for a, b in unvoiced:
        lo, hi = int(a * SR), int(b * SR)
        hiss = lfilter([1, -0.95], [1], rng.normal(0, 1, hi - lo))  # a fricative: high-passed noise
        y[lo:hi] += 0.08 * hiss / (np.std(hiss) + 1e-12)
    speech_rms = float(np.sqrt(np.mean(y[mask] ** 2)))
    y += rng.normal(0, speech_rms * 10 ** (-snr_db / 20), n)
    y = 0.5 * y / np.max(np.abs(y))
    return KnownPitch(y.astype(np.float32), tuple(voiced), contour_st, base_hz, spread_st)
