"""Batch throughput and memory: 1 worker against N workers on the same files, in one run.

Each configuration scores the same set into a fresh output folder: the bundled samples
and the real recordings of ``tests/data/realspeech``, each copied ``--copies`` times with
a small tempo change per copy (``sox tempo``), so that every copy has its own bytes (a
batch scores identical bytes once, so plain copies would measure one file). One worker
gets all the cores for CTranslate2; N workers share them (cores // N threads each), as
``voicecoach batch`` does. While a batch runs, the resident memory of the batch process
and of each of its descendants is read from ``/proc`` every 0.1 s: the table gives the
largest worker's peak and the peak of the whole process tree.

Usage: python benchmarks/bench_batch.py [--copies 4] [--workers 2] [--decoding single]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "samples").glob("*.wav")) + sorted((ROOT / "tests" / "data" / "realspeech").glob("*.wav"))


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


def _tree(pid: int) -> list[int]:
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += _children(p)
    return seen


def run(src: Path, out: Path, workers: int, decoding: str | None) -> tuple[float, float, float]:
    """(wall seconds, peak of the largest worker in MB, peak of the whole tree in MB)."""
    cmd = [sys.executable, "-m", "voicecoach", "batch", str(src), "--out", str(out), "--workers", str(workers)]
    if decoding:
        cmd += ["--decoding", decoding]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker_peak = tree_peak = 0.0
    while proc.poll() is None:
        pids = _tree(proc.pid)
        sizes = {p: _rss_mb(p) for p in pids}
        tree_peak = max(tree_peak, sum(sizes.values()))
        workers_now = [v for p, v in sizes.items() if p != proc.pid] or [sizes.get(proc.pid, 0.0)]
        worker_peak = max(worker_peak, *workers_now)
        time.sleep(0.1)
    wall = time.perf_counter() - t
    if proc.returncode not in (0, 1):  # 1: some file failed, which the table still measures
        raise SystemExit(f"the batch exited with {proc.returncode}")
    return wall, worker_peak, tree_peak


def workers_gone_after_kill(src: Path, out: Path, workers: int) -> float:
    """Seconds from ``kill -9`` of a running batch until its last worker is gone."""
    import signal

    cmd = [sys.executable, "-m", "voicecoach", "batch", str(src), "--out", str(out), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    pids: list[int] = []
    while time.time() < deadline and len(pids) < workers:
        pids = [
            p
            for p in _tree(proc.pid)
            if p != proc.pid and "multiprocessing" in Path(f"/proc/{p}/cmdline").read_text(errors="replace")
        ]
        time.sleep(0.1)
    time.sleep(3.0)  # loading the model or scoring
    os.kill(proc.pid, signal.SIGKILL)
    killed = time.perf_counter()
    proc.wait()
    while any(Path(f"/proc/{p}").exists() and "Z" not in _state(p) for p in pids):
        time.sleep(0.01)
    return time.perf_counter() - killed


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "Z"


def make_inputs(src: Path, copies: int) -> float:
    """Copies of every source, each at its own tempo; returns the audio seconds."""
    import soundfile as sf

    audio_s = 0.0
    for wav in SOURCES:
        for i in range(copies):
            out = src / f"{i}_{wav.name}"
            subprocess.run(["sox", str(wav), str(out), "tempo", f"{1.0 + 0.01 * i:.2f}"], check=True)
            audio_s += sf.info(str(out)).duration
    return audio_s


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--copies", type=int, default=4)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--decoding", default=None, help="default: the product's default decoding")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "in"
        src.mkdir()
        audio_s = make_inputs(src, args.copies)
        n = len(list(src.iterdir()))
        one = run(src, Path(d) / "out1", 1, args.decoding)
        many = run(src, Path(d) / "outN", args.workers, args.decoding)
        gone_s = [workers_gone_after_kill(src, Path(d) / f"outK{i}", args.workers) for i in range(3)]
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(
        f"{n} files, {audio_s / 60:.1f} audio minutes, decoding={args.decoding or 'default'}, {os.cpu_count()} cores "
        f"({cpu})"
    )
    print(
        f"{'workers':<9}{'wall s':>9}{'files/min':>11}{'audio min/min':>15}{'worker peak MB':>16}{'tree peak MB':>14}"
    )
    for w, (t, worker_mb, tree_mb) in ((1, one), (args.workers, many)):
        print(f"{w:<9}{t:>9.1f}{n / t * 60:>11.1f}{audio_s / t:>15.1f}{worker_mb:>16.0f}{tree_mb:>14.0f}")
    print(f"speed-up with {args.workers} workers: {one[0] / many[0]:.2f}x")
    print(f"workers gone after kill -9 of the batch: {', '.join(f'{g:.2f}' for g in gone_s)} s")


if __name__ == "__main__":
    main()
