"""Frame energy and silence detection on the audio signal (numpy only, ~10 ms a minute).

The threshold adapts to the recording: a frame is silent when its RMS level is below
``floor + max(min_margin_db, ratio * (speech - floor))``, where ``floor`` and ``speech``
are low and high percentiles of the frame levels. On digital silence the floor is clamped
to ``-100 dBFS``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..core.datatypes import Segment
from .decode import Audio

HOP_S = 0.010
WINDOW_S = 0.025
#: Below this a nasal murmur keeps nearly all its energy (see :func:`nasal_db`).
NASAL_BAND_HZ = 500.0


@dataclass(frozen=True)
class SilenceOptions:
    """Attributes:
    floor_percentile: percentile of frame levels taken as the noise floor.
    speech_percentile: percentile taken as the speech level.
    ratio: where between floor and speech level the threshold sits (0-1).
    min_margin_db: the threshold is at least this far above the floor.
    min_speech_s: a sound shorter than this inside a silence (a click) does not break it.
    """

    floor_percentile: float = 5.0
    speech_percentile: float = 95.0
    ratio: float = 0.25
    min_margin_db: float = 6.0
    min_speech_s: float = 0.04

    def check(self) -> None:
        """Raises ValueError when the options cannot work together."""
        if not 0 <= self.floor_percentile < self.speech_percentile <= 100:
            raise ValueError(
                f"floor_percentile = {self.floor_percentile!r} and speech_percentile = {self.speech_percentile!r} "
                "must be percentiles, the floor below the speech"
            )
        if not 0 < self.ratio < 1:
            raise ValueError(f"ratio = {self.ratio!r} must be between 0 and 1")


def frame_levels_db(samples: np.ndarray, sample_rate_hz: int) -> np.ndarray:
    """RMS level in dBFS of 25 ms frames every 10 ms."""
    hop = int(HOP_S * sample_rate_hz)
    win = int(WINDOW_S * sample_rate_hz)
    if len(samples) < win:
        return np.full(1, -100.0)
    n = 1 + (len(samples) - win) // hop
    # cumulative sum of squares gives every window's energy in O(n)
    csum = np.concatenate(([0.0], np.cumsum(samples.astype(np.float64) ** 2)))
    starts = np.arange(n) * hop
    energy = (csum[starts + win] - csum[starts]) / win
    return 10.0 * np.log10(np.maximum(energy, 1e-10))


def frame_power(samples: np.ndarray, hop: int) -> np.ndarray:
    """Mean square of consecutive ``hop``-sample frames (a tail shorter than one left out):
    the coarse level used to find where to cut audio."""
    n = len(samples) // hop
    frames = np.asarray(samples[: n * hop], dtype=np.float64).reshape(n, hop)
    return (frames**2).mean(axis=1)


def quietest(values: np.ndarray, span: int = 20) -> int:
    """The frame in the middle of the ``span`` consecutive frames whose mean value is the
    lowest (20 frames of 10 ms: the quietest 0.2 s), where audio is cut."""
    smooth = np.convolve(values, np.ones(span) / span, mode="valid")
    return int(np.argmin(smooth)) + span // 2


def silence_threshold_db(levels: np.ndarray, options: SilenceOptions) -> float:
    """The level below which a frame is silent: between the noise floor and the speech
    level (their percentiles in ``levels``), at least ``min_margin_db`` above the floor."""
    floor = max(float(np.percentile(levels, options.floor_percentile)), -100.0)
    speech = float(np.percentile(levels, options.speech_percentile))
    return floor + max(options.min_margin_db, options.ratio * (speech - floor))


@functools.lru_cache(maxsize=4)
def _silent_frames_cached(audio: Audio, options: SilenceOptions) -> tuple[np.ndarray, np.ndarray]:
    """(levels_db, silent) per frame, computed once per audio and options."""
    levels = frame_levels_db(audio.samples, audio.sample_rate_hz)
    silent = levels < silence_threshold_db(levels, options)
    # fill short loud blips inside silence
    min_run = max(1, int(round(options.min_speech_s / HOP_S)))
    for start, end in _runs(~silent):
        if end - start < min_run and start > 0 and end < len(silent):
            silent[start:end] = True
    return levels, silent


def silent_intervals(audio: Audio, *, min_duration_s: float, options: SilenceOptions | None = None) -> list[Segment]:
    """Silent stretches of at least ``min_duration_s``, in seconds from the start."""
    _, silent = _silent_frames_cached(audio, options or SilenceOptions())
    out = []
    for start, end in _runs(silent):
        # a frame index i covers [i*hop, i*hop + window]; use the window centres
        start_s = start * HOP_S + WINDOW_S / 2
        end_s = min((end - 1) * HOP_S + WINDOW_S / 2, audio.duration_s)
        if end_s - start_s >= min_duration_s:
            out.append(Segment(round(start_s, 3), round(end_s, 3)))
    return out


def speech_level_db(audio: Audio, *, options: SilenceOptions | None = None) -> np.ndarray:
    """Levels (dBFS) of the frames that are not silent."""
    levels, silent = _silent_frames_cached(audio, options or SilenceOptions())
    return levels[~silent]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) index pairs of the runs of True in ``mask``; end is exclusive."""
    if mask.size == 0:
        return []
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def voiced_share(audio: Audio, start_s: float, end_s: float, *, options: SilenceOptions | None = None) -> float:
    """Share of the frames between ``start_s`` and ``end_s`` that are not silent (a span
    shorter than 100 ms is widened to 100 ms around its centre)."""
    _, silent = _silent_frames_cached(audio, options or SilenceOptions())
    if end_s - start_s < 0.1:
        mid = (start_s + end_s) / 2
        start_s, end_s = mid - 0.05, mid + 0.05
    i, j = max(0, int(start_s / HOP_S)), min(len(silent), int(np.ceil(end_s / HOP_S)))
    return float(np.mean(~silent[i:j])) if j > i else 0.0


def sound_islands(audio: Audio, *, min_s: float, max_s: float, options: SilenceOptions | None = None) -> list[Segment]:
    """Audible runs between silences lasting ``min_s`` to ``max_s`` (a lone word, a
    short phrase, a filler said on its own)."""
    _, silent = _silent_frames_cached(audio, options or SilenceOptions())
    out = []
    for start, end in _runs(~silent):
        start_s = start * HOP_S + WINDOW_S / 2
        end_s = min((end - 1) * HOP_S + WINDOW_S / 2, audio.duration_s)
        # durations are whole 10 ms hops: compare them rounded, not as floats (0.18 s
        # is 0.17999... s when taken from two edges)
        if min_s <= round(end_s - start_s, 6) <= max_s:
            out.append(Segment(round(start_s, 3), round(end_s, 3)))
    return out


def speech_span(
    audio: Audio, first_word_start_s: float, last_word_end_s: float, *, options: SilenceOptions | None = None
) -> tuple[float, float]:
    """The span of speech: the words' span, trimmed where the audio shows silence at its
    edges (Whisper stretches a first or last word into the silence around it)."""
    start, end = first_word_start_s, last_word_end_s
    for s in silent_intervals(audio, min_duration_s=0.1, options=options):
        if s.start_s <= start + 0.02 and start < s.end_s < end:  # silence that runs into the first word
            start = s.end_s
        if s.start_s < end <= s.end_s + 0.02 and s.start_s > start:  # silence that the last word runs into
            end = s.start_s
    return start, end


class _Track(NamedTuple):
    flux: np.ndarray  # spectral flux, smoothed
    centroid: np.ndarray  # spectral centroid, Hz
    low_db: np.ndarray  # energy below 500 Hz over energy above, dB
    power: np.ndarray  # energy of the analysed band


@functools.lru_cache(maxsize=4)
def _spectrum_track(audio: Audio) -> _Track:
    """Spectral measures per 10 ms frame (512-sample frames, the band from bin 4 to 127),
    computed once per audio: see :func:`steady_voiced_runs` and :func:`nasal_db`."""
    from numpy.lib.stride_tricks import sliding_window_view

    y = audio.samples
    win, hop = 512, int(HOP_S * audio.sample_rate_hz)
    if len(y) < win + hop:
        return _Track(np.full(1, 9.0), np.zeros(1), np.zeros(1), np.zeros(1))
    n = 1 + (len(y) - win) // hop
    frames = sliding_window_view(y, win)[::hop][:n]
    window = np.hanning(win).astype(np.float32)
    freqs = np.arange(4, 128) * audio.sample_rate_hz / win
    low = freqs < NASAL_BAND_HZ
    centroid = np.empty(n)
    flux = np.empty(n)
    low_db = np.empty(n)
    total = np.empty(n)
    flux[0] = 9.0
    prev = None
    block = 4096  # frames at a time: bounded memory on long files
    for b in range(0, n, block):
        power = np.abs(np.fft.rfft(frames[b : b + block] * window, axis=1))[:, 4:128] ** 2
        spec = np.log(power + 1e-8)
        energy = power.sum(axis=1)
        total[b : b + len(power)] = energy
        centroid[b : b + len(power)] = (power @ freqs) / np.maximum(energy, 1e-12)
        below = power[:, low].sum(axis=1)
        low_db[b : b + len(power)] = 10 * np.log10((below + 1e-12) / (energy - below + 1e-12))
        if prev is not None:
            spec = np.concatenate((prev, spec))
        diffs = np.mean(np.abs(np.diff(spec, axis=0)), axis=1)
        flux[b + (0 if prev is not None else 1) : b + len(power)] = diffs
        prev = spec[-1:]
    padded = np.pad(flux, 4, mode="edge")
    return _Track(np.median(sliding_window_view(padded, 9), axis=1), centroid, low_db, total)


def spectral_flux(audio: Audio, start_s: float, end_s: float) -> float:
    """Median spectral flux (see :func:`steady_voiced_runs`) between ``start_s`` and
    ``end_s``: under ~1 where a sound is held ("uhhh", "mmm"), above where speech moves
    through sounds."""
    flux = _spectrum_track(audio).flux
    i = max(0, int(start_s / HOP_S))
    j = min(len(flux), max(i + 1, int(end_s / HOP_S)))
    return float(np.median(flux[i:j])) if j > i else 9.0


def steady_voiced_runs(
    audio: Audio,
    *,
    max_flux: float,
    min_s: float,
    max_s: float,
    max_centroid_hz: float = 1500.0,
    options: SilenceOptions | None = None,
) -> list[Segment]:
    """Stretches where the sound is held: not silent, and the spectrum barely changes.

    Spectral flux is the mean absolute change of the log power spectrum (125-4000 Hz,
    32 ms frames every 10 ms) from one frame to the next, smoothed by a 90 ms moving
    median. A held "uhhh" or "mmm" stays under ``max_flux``; running speech moves through
    sounds and rises above it. A run whose median spectral centroid is above ``max_centroid_hz`` is not
    a voice (a radio beep, hiss) and is left out.
    """
    flux, centroid, _, _ = _spectrum_track(audio)
    _, silent = _silent_frames_cached(audio, options or SilenceOptions())
    m = min(len(flux), len(silent))
    steady = (flux[:m] < max_flux) & ~silent[:m]
    out = []
    for start, end in _runs(steady):
        dur = (end - start) * HOP_S
        if min_s <= dur <= max_s and float(np.median(centroid[start:end])) <= max_centroid_hz:
            out.append(Segment(round(start * HOP_S, 3), round(end * HOP_S, 3)))
    return out


def peak_frequency_hz(audio: Audio, start_s: float, end_s: float) -> float:
    """Frequency of the strongest peak of the span's power spectrum (above 60 Hz). A
    voice puts it at a low harmonic (under ~1 kHz); a radio beep or whistle puts it at
    the tone."""
    spectrum = _span_spectrum(audio, start_s, end_s)
    if spectrum is None:
        return 0.0
    freqs, power = spectrum
    power[freqs < 60] = 0.0
    return float(freqs[int(np.argmax(power))])


def _span_spectrum(audio: Audio, start_s: float, end_s: float) -> tuple[np.ndarray, np.ndarray] | None:
    """(frequencies, power) of one Hann-windowed spectrum of the whole span, or None when
    the span is too short to have one."""
    sr = audio.sample_rate_hz
    x = audio.samples[max(0, int(start_s * sr)) : int(end_s * sr)]
    if len(x) < 64:
        return None
    return np.fft.rfftfreq(len(x), 1 / sr), np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2


def nasal_db(
    audio: Audio,
    start_s: float,
    end_s: float,
    *,
    part: float = 1.0,
    quantile: float = 0.5,
    options: SilenceOptions | None = None,
) -> float:
    """How much more of its energy the span keeps below 500 Hz than the recording's
    speech does, in dB: over the audible frames of the span's first ``part``, the
    ``quantile`` of each frame's energy below 500 Hz over its energy above, minus the
    median of the same over all the frames that are not silent. ``part=1/3`` measures
    how a sound begins; a low ``quantile`` (0.2) whether it is low throughout.

    A nasal murmur (a hum, the "m" of "um") is said with the mouth closed and keeps
    nearly all its energy low, well above the speech's share; a vowel filler does not.
    Measuring against the recording's own speech takes out the
    microphone and the room: a meeting recording whose every word keeps most of its
    energy low does not make every filler a hum. A frame is audible at 3 % of the
    span's loudest frame's energy or more. 0.0 (not a murmur) when the recording has
    less than MIN_REFERENCE_S of sound to measure against.
    """
    track = _spectrum_track(audio)
    speech = _speech_low_db(audio, options or SilenceOptions())
    i = max(0, int(start_s / HOP_S))
    j = min(len(track.low_db), max(i + 1, int((start_s + (end_s - start_s) * part) / HOP_S)))
    if speech is None or j <= i:
        return 0.0
    low, power = track.low_db[i:j], track.power[i:j]
    return float(np.quantile(low[power >= 0.03 * power.max()], quantile) - speech)


#: :func:`nasal_db` needs this much sound to measure against: in a take whose only sound
#: is one "um" the reference would be the "um" itself.
MIN_REFERENCE_S = 2.0


@functools.lru_cache(maxsize=4)
def _speech_low_db(audio: Audio, options: SilenceOptions) -> float | None:
    """The median of :func:`nasal_db`'s per-frame measure over the frames that are not
    silent, or None when fewer than MIN_REFERENCE_S of them are."""
    low_db = _spectrum_track(audio).low_db
    _, silent = _silent_frames_cached(audio, options)
    m = min(len(low_db), len(silent))
    speech = low_db[:m][~silent[:m]]
    return float(np.median(speech)) if len(speech) * HOP_S >= MIN_REFERENCE_S else None


def low_band_db(audio: Audio, start_s: float, end_s: float, *, split_hz: float = 350.0) -> float:
    """Energy of the span between 80 Hz and ``split_hz`` over its energy from there to
    5 kHz, in dB (one spectrum of the whole span). A hum keeps most of its energy at
    the voice's fundamental and the nasal formant (+6.5 to +10 dB over the corpus's hums
    re-listening found only by this); a closed vowel ("oo") or a radio channel's
    murmur peaks near 400 Hz and stays below 0."""
    spectrum = _span_spectrum(audio, start_s, end_s)
    if spectrum is None:
        return -99.0
    freqs, power = spectrum
    low = power[(freqs >= 80) & (freqs < split_hz)].sum()
    high = power[(freqs >= split_hz) & (freqs < 5000)].sum()
    return float(10 * np.log10((low + 1e-20) / (high + 1e-20)))


def high_band_share(audio: Audio, *, above_hz: float = 3800.0) -> float:
    """Share of the energy (above 100 Hz) that lies above ``above_hz``: near 0 for
    telephone or radio audio, which is band-limited to ~3.4 kHz. Summed over 1 s blocks
    (one FFT of a 10-minute file took 330 MB)."""
    sr = audio.sample_rate_hz
    y = audio.samples
    if len(y) < sr:
        y = np.pad(y, (0, sr - len(y)))
    freqs = np.fft.rfftfreq(sr, 1 / sr)
    band = freqs > 100
    high = freqs > above_hz
    total = above = 0.0
    for b in range(0, len(y) // sr * sr, 64 * sr):  # 64 blocks at a time
        blocks = y[b : b + 64 * sr]
        power = (np.abs(np.fft.rfft(blocks[: len(blocks) // sr * sr].reshape(-1, sr), axis=1)) ** 2).sum(axis=0)
        total += float(power[band].sum())
        above += float(power[high].sum())
    return above / total if total > 0 else 0.0
