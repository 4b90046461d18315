"""Batch throughput: 1 worker against N workers on the same files, in one run.

Each configuration scores the same set (the bundled samples, copied ``--copies`` times
under different names) into a fresh output folder. One worker gets all the cores for
CTranslate2; N workers share them (cores // N threads each), as `voicecoach batch` does.

Usage: python benchmarks/bench_batch.py [--copies 4] [--workers 2] [--decoding merge]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(src: Path, out: Path, workers: int, decoding: str) -> float:
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "voicecoach", "batch", str(src), "--out", str(out), "--workers", str(workers), "--decoding", decoding],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--decoding", default="merge")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "in"
        src.mkdir()
        audio_s = 0.0
        import soundfile as sf

        for wav in sorted((ROOT / "samples").glob("*.wav")):
            for i in range(args.copies):
                shutil.copy(wav, src / f"{i}_{wav.name}")
                audio_s += sf.info(str(wav)).duration
        n = len(list(src.iterdir()))
        one = run(src, Path(d) / "out1", 1, args.decoding)
        many = run(src, Path(d) / "outN", args.workers, args.decoding)
    print(f"{n} files, {audio_s / 60:.1f} audio minutes, decoding={args.decoding}, {os.cpu_count()} cores")
    print(f"{'workers':<9}{'wall s':>9}{'files/min':>11}{'audio min/min':>15}")
    for w, t in ((1, one), (args.workers, many)):
        print(f"{w:<9}{t:>9.1f}{n / t * 60:>11.1f}{audio_s / t:>15.1f}")
    print(f"speed-up with {args.workers} workers: {one / many:.2f}x")


if __name__ == "__main__":
    main()
