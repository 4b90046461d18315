"""Pitch trackers against a known truth: which one the delivery analyser should believe.

Two kinds of truth (nothing here is judged by a tracker's own output):

1. Made-up answers whose pitch contour is known exactly (``tests/pitch_truth.py``: a source-filter
   voice with syllables, fricatives, pauses and room noise), over a grid of voices (base
   pitch 100-240 Hz), spreads (0.5-3.5 semitones, about the range of Hincks' presenters)
   and noise (30 and 10 dB SNR). Per tracker: the gross pitch error (a voiced frame more
   than 20 % off), octave errors (off by 12 +- 2.5 semitones), the fine error of the rest
   (median, cents), voicing recall and false alarms, and the error of the answer's pitch
   spread (against the same formula on the true pitch of the same frames) and median.
2. Real recordings shifted by a known amount (sox ``pitch``, +-4 semitones): the tracker's
   median must move by exactly that, and the spread must not move.

Usage: python benchmarks/bench_pitch.py [--seconds 15] [--trackers autocorr,pyin,swift]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from bench_long import cpu_name  # noqa: E402

from tests.pitch_truth import SR, known_pitch_voice  # noqa: E402

Track = tuple[np.ndarray, np.ndarray]  # (times s, f0 Hz with NaN where unvoiced)
#: The range searched by pyin and SwiftF0: the delivery analyser's.
FMIN_HZ, FMAX_HZ = 65.0, 600.0


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


def autocorr(y: np.ndarray) -> Track:
    """The delivery analyser's tracker before SwiftF0 (normalised autocorrelation on 40 ms
    frames at half the rate, voiced where the peak reaches 0.6)."""
    half = (y[: len(y) // 2 * 2 : 2] + y[1 : len(y) // 2 * 2 : 2]) / 2
    f0 = estimate_f0_hz(half, SR // 2, min_f0_hz=70.0, max_f0_hz=400.0, voicing_threshold=0.6)
    times = (np.arange(len(f0)) * 0.020) + 0.020
    return times, f0


def pyin(y: np.ndarray) -> Track:
    import librosa

    f0, voiced, _ = librosa.pyin(y, fmin=FMIN_HZ, fmax=FMAX_HZ, sr=SR, frame_length=1024, hop_length=160)
    times = librosa.times_like(f0, sr=SR, hop_length=160)
    return times, np.where(voiced, f0, np.nan)


def swift(y: np.ndarray) -> Track:
    """SwiftF0 on its own."""
    from voicecoach.analysers.delivery import swift_f0_track

    return swift_f0_track(y, SR, min_f0_hz=FMIN_HZ, max_f0_hz=FMAX_HZ)


def analyser(y: np.ndarray) -> Track:
    """SwiftF0 as the delivery analyser uses it: octave errors folded back against the
    pitch around them."""
    from voicecoach.analysers.delivery import repair_octaves

    times, f0 = swift(y)
    return times, repair_octaves(times, f0)


TRACKERS: dict[str, Callable[[np.ndarray], Track]] = {
    "autocorr": autocorr,
    "pyin": pyin,
    "swift": swift,
    "analyser": analyser,
}


def spread_st(f0: np.ndarray) -> tuple[float, float]:
    """(median Hz, spread st) as the delivery analyser computes them from voiced frames."""
    v = f0[~np.isnan(f0)]
    if v.size < 10:
        return float("nan"), float("nan")
    median = float(np.median(v))
    st = 12 * np.log2(v / median)
    st = st[np.abs(st) < 12]
    return median, float(np.std(st))


def frame_scores(times: np.ndarray, est: np.ndarray, truth_hz: np.ndarray, unvoiced_truth: np.ndarray) -> dict:
    both = ~np.isnan(truth_hz) & ~np.isnan(est)
    ratio_st = 12 * np.log2(est[both] / truth_hz[both])
    gross = np.abs(ratio_st) > 12 * np.log2(1.2)
    octave = np.abs(np.abs(ratio_st) - 12) < 2.5
    fine = np.abs(ratio_st[~gross]) * 100
    truly_voiced = ~np.isnan(truth_hz)
    return {
        "gpe": float(gross.mean()) if gross.size else float("nan"),
        "octave": float(octave.mean()) if octave.size else float("nan"),
        "fine_cents": float(np.median(fine)) if fine.size else float("nan"),
        "recall": float(both.sum() / max(truly_voiced.sum(), 1)),
        "false_alarm": float((~np.isnan(est) & unvoiced_truth).sum() / max(unvoiced_truth.sum(), 1)),
    }


def known_truth(names: list[str], seconds: float) -> None:
    grid = [(b, s, snr) for b in (100.0, 130.0, 200.0, 240.0) for s in (0.5, 1.5, 2.5, 3.5) for snr in (30.0, 10.0)]
    rows: dict[str, list[dict]] = {n: [] for n in names}
    took: dict[str, float] = dict.fromkeys(names, 0.0)
    audio_s = 0.0
    for i, (base, spread, snr) in enumerate(grid):
        clip = known_pitch_voice(i, base_hz=base, spread_st=spread, seconds=seconds, snr_db=snr)
        audio_s += len(clip.samples) / SR
        for name in names:
            t0 = time.perf_counter()
            times, est = TRACKERS[name](clip.samples)
            took[name] += time.perf_counter() - t0
            truth = clip.f0_hz(times)
            # frames far from any voiced syllable: a tracker that calls them voiced is wrong
            near = clip.f0_hz(times, edge_s=-0.04)
            r = frame_scores(times, est, truth, np.isnan(near))
            med, sp = spread_st(est)
            # the truth's spread by the same formula, on the true pitch of the same frames
            true_spread = spread_st(clip.f0_hz(times, edge_s=0.0))[1]
            r["spread_err_st"] = abs(sp - true_spread) if not np.isnan(sp) else float("nan")
            r["median_err_st"] = abs(12 * np.log2(med / base)) if not np.isnan(med) else float("nan")
            r["snr"] = snr
            rows[name].append(r)
    print(f"\n1. Known pitch: {len(grid)} made-up answers of {seconds:g} s ({audio_s / 60:.1f} min), {cpu_name()}")
    head = "| tracker | SNR | gross error | octave errors | fine error (cents) | voicing recall | false alarms "
    print(head + "| spread error, median (max) st | median error, max st | time per audio minute |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        for snr in (30.0, 10.0):
            rs = [r for r in rows[name] if r["snr"] == snr]

            def m(key: str, rs: list[dict] = rs) -> float:
                return float(np.nanmean([r[key] for r in rs]))

            sp = np.array([r["spread_err_st"] for r in rs])
            print(
                f"| {name} | {snr:.0f} dB | {m('gpe'):.3f} | {m('octave'):.3f} | {m('fine_cents'):.0f} | "
                f"{m('recall'):.2f} | {m('false_alarm'):.3f} | {np.nanmedian(sp):.2f} ({np.nanmax(sp):.2f}) | "
                f"{np.nanmax([r['median_err_st'] for r in rs]):.2f} | {took[name] / audio_s * 60:.2f} s |"
            )


def shifted_real(names: list[str]) -> None:
    clips = sorted((ROOT / "tests" / "data" / "realspeech").glob("*.wav"))
    print("\n2. Real recordings shifted by a known amount (sox pitch): the median moves by the shift, the spread stays")
    print("| tracker | recording | median, spread, voiced share | median moved by (+4 / -4 st) | spread moved by |")
    print("|---|---|---|---|---|")
    from voicecoach.audio.decode import load_audio

    with tempfile.TemporaryDirectory() as d:
        for clip in clips:
            versions = {}
            for shift in (0, 4, -4):
                out = Path(d) / f"{clip.stem}{shift:+d}.wav"
                subprocess.run(
                    ["sox", str(clip), "-r", str(SR), "-c", "1", str(out), "pitch", str(shift * 100)], check=True
                )
                versions[shift] = load_audio(out).samples
            for name in names:
                stats = {}
                for shift, y in versions.items():
                    times, est = TRACKERS[name](y)
                    med, sp = spread_st(est)
                    stats[shift] = (med, sp, float(np.mean(~np.isnan(est))))
                med0, sp0, v0 = stats[0]
                moved = [12 * np.log2(stats[s][0] / med0) for s in (4, -4)]
                spread_moved = max(abs(stats[s][1] - sp0) for s in (4, -4))
                print(
                    f"| {name} | {clip.stem} | {med0:.0f} Hz, {sp0:.1f} st, {v0:.2f} | "
                    f"{moved[0]:+.2f} / {moved[1]:+.2f} | {spread_moved:.2f} st |"
                )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=15.0, help="length of each made-up answer")
    ap.add_argument("--trackers", default="autocorr,pyin,swift,analyser")
    args = ap.parse_args()
    names = [n for n in args.trackers.split(",") if n]
    known_truth(names, args.seconds)
    shifted_real(names)


if __name__ == "__main__":
    main()
