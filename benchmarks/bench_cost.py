"""What ``voicecoach score`` costs against one plain transcription of the same file.

Each run is a fresh process under ``/usr/bin/time -v`` (wall time, peak resident memory),
as a user runs it; the baseline, in the same run, is a bare faster-whisper transcription
with the embedded model (plain beam search 5, word timestamps), the least any transcript
with word timing costs. Files: the bundled samples, the real recordings in
tests/data/realspeech/, and a 10-minute file (the samples joined end to end). Issue 15's
target: ``score`` at most 1.25x the bare transcription, and at most 500 MB on the
10-minute file.

On hard audio both fall back to sampling at higher temperatures, and then one run of the
same file can take twice as long as the next (the Apollo radio: 8-20 s for the bare
transcription alone); each figure is the median of ``--repeat`` runs, the baseline with
the same sampling seed as voicecoach.

Usage: python benchmarks/bench_cost.py [--decodings single,merge] [--minutes 10] [--repeat 3] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_long import BARE, cpu_name, timed  # noqa: E402

TARGET_RATIO = 1.25
TARGET_MB = 500


def median_of(repeat: int, cmd: list[str]) -> dict:
    """``timed(cmd)`` ``repeat`` times: the median wall time, the highest peak memory, and
    every wall time."""
    runs = [timed(cmd) for _ in range(max(1, repeat))]
    out = dict(runs[0])
    out["walls_s"] = [r["wall_s"] for r in runs]
    out["wall_s"] = statistics.median(out["walls_s"])
    out["peak_mb"] = max(r["peak_mb"] for r in runs)
    out["rc"] = max(r["rc"] for r in runs)
    out["error"] = next((r["error"] for r in runs if r["error"]), "")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--decodings", default="single", help="comma-separated; the first is the one held to the target")
    ap.add_argument("--minutes", type=float, default=10.0, help="length of the long file (0: none)")
    ap.add_argument("--only", default="", help="only the files whose name contains this")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the median wall time is kept")
    ap.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "cost.json")
    args = ap.parse_args()
    if not Path("/usr/bin/time").exists():
        sys.exit("needs /usr/bin/time (apt-get install time)")
    decodings = args.decodings.split(",")
    out: dict = {"cpu": cpu_name(), "decodings": decodings, "repeat": args.repeat, "runs": []}
    print(f"CPU: {out['cpu']}")
    with tempfile.TemporaryDirectory() as tmp:
        files = sorted((ROOT / "samples").glob("*.wav")) + sorted(
            (ROOT / "tests" / "data" / "realspeech").glob("*.wav")
        )
        if args.minutes:
            joined = Path(tmp) / "joined.wav"
            subprocess.run(["sox", *map(str, sorted((ROOT / "samples").glob("*.wav"))), str(joined)], check=True)
            joined_s = float(
                subprocess.run(["soxi", "-D", str(joined)], capture_output=True, text=True, check=True).stdout
            )
            many = Path(tmp) / "many.wav"
            subprocess.run(["sox", *([str(joined)] * (int(args.minutes * 60 // joined_s) + 1)), str(many)], check=True)
            long = Path(tmp) / f"{args.minutes:g}min.wav"
            subprocess.run(["sox", str(many), str(long), "trim", "0", str(args.minutes * 60)], check=True)
            files.append(long)
        files = [f for f in files if args.only in f.name]
        head = f"{'file':<26}{'bare s':>8}{'MB':>6}" + "".join(f"{d + ' s':>12}{'MB':>6}{'x':>6}" for d in decodings)
        print(head)
        for f in files:
            bare = median_of(args.repeat, [sys.executable, "-c", BARE, str(f)])
            row: dict = {"file": f.name, "bare": bare}
            cells = f"{f.name:<26}{bare['wall_s']:>8.1f}{bare['peak_mb']:>6}"
            for d in decodings:
                r = median_of(
                    args.repeat, [sys.executable, "-m", "voicecoach", "score", "--json", "--decoding", d, str(f)]
                )
                if r["rc"] != 0:
                    sys.exit(f"{f.name} with {d}: exit {r['rc']} {r['error']}")
                r["ratio"] = round(r["wall_s"] / bare["wall_s"], 3)
                row[d] = r
                cells += f"{r['wall_s']:>12.1f}{r['peak_mb']:>6}{r['ratio']:>6.2f}"
            out["runs"].append(row)
            print(cells, flush=True)
    for d in decodings:
        ratios = [r[d]["ratio"] for r in out["runs"]]
        print(
            f"{d}: mean {statistics.mean(ratios):.2f}x, worst {max(ratios):.2f}x one plain transcription (target <= "
            f"{TARGET_RATIO}x)"
        )
    if args.minutes:
        last = out["runs"][-1][decodings[0]]
        print(
            f"{decodings[0]} on the {args.minutes:g}-minute file: {last['peak_mb']} MB peak (target <= {TARGET_MB} MB)"
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=1))
    print(f"written: {args.json}")


if __name__ == "__main__":
    main()
