"""Turn-taking in a mock interview: from the candidate's stop to the interviewer's voice.

    python benchmarks/bench_interview.py [--busy] [--voice piper|espeak]

Runs ``voicecoach interview`` on a virtual microphone (tests/vmic.py) with three answers
played into it: a story with no result (the outcome follow-up comes), the result when
asked, and a complete motivation answer. Prints, for each turn, the seconds from the end
of the recording (Enter, the limit or the silence that ends it) to the interviewer's next
line starting to play: the streamed analysis, the follow-up's choice and its synthesis
(prepared while the candidate speaks). ``--busy`` keeps one core busy with another
program, as on a laptop doing something else. The CPU is printed with the figures.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_interview import NO_RESULT, RESULT, _espeak  # noqa: E402
from tests.vmic import VirtualMic  # noqa: E402


def cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def run(voice: str, busy: bool) -> list[float]:
    mic = VirtualMic().start()
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            answers = {
                "Q1": _espeak(NO_RESULT, tmp / "no-result.wav"),
                "Q1 follow-up": _espeak(RESULT, tmp / "result.wav"),
                "Q2": ROOT / "samples" / "motivation_fast.wav",
            }
            proc = subprocess.Popen(
                [sys.executable, "-m", "voicecoach", "interview", "--data-dir", str(tmp / "data"), "--voice", voice,
                 "-q", "beh-deadline", "-q", "mot-why-here", "--stop-on-silence", "2.5", "--seed", "1", "--json"],
                env=mic.env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip

            def feed() -> None:
                assert proc.stderr is not None
                for line in proc.stderr:
                    m = re.match(r"recording: (.+)$", line.strip())
                    if m and m.group(1) in answers:
                        mic.play(answers[m.group(1)])

            reader = threading.Thread(target=feed, daemon=True)
            reader.start()
            assert proc.stdout is not None
            out = json.loads(proc.stdout.read())
            proc.wait()
            reader.join(timeout=10)
            return list(out["summary"].get("turn_taking_s", []))
    finally:
        if burner is not None:
            burner.kill()
        mic.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--voice", default="piper", choices=["piper", "espeak"])
    ap.add_argument("--busy", action="store_true", help="keep one core busy with another program")
    args = ap.parse_args()
    print(f"CPU: {cpu()}, {len(Path('/proc/cpuinfo').read_text().split('processor')) - 1} cores; voice {args.voice}")
    for busy in (False, True) if args.busy else (False,):
        s = run(args.voice, busy)
        label = "one core busy" if busy else "quiet machine"
        print(f"{label}: stop -> interviewer, per turn: {', '.join(f'{x:.2f} s' for x in s)}; worst {max(s):.2f} s")


if __name__ == "__main__":
    main()
