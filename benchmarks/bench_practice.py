"""How long a person waits for the report after pressing Enter, in `voicecoach practice`.

Answers of about 30, 90 and 180 s (the samples, joined) are spoken into the virtual
microphone while `practice` records them in a pseudo-terminal. The latency is measured from
the Enter keypress to the first line of the report, with the take transcribed while it was
recorded (the default) and with `[practice] stream = false` (scored after the take, as
before), beside the time `voicecoach score` takes on the same saved WAV as a whole process.

Usage: python benchmarks/bench_practice.py [--lengths 30,90,180] [--busy]

``--busy`` keeps one core busy with another program the whole time, as on a laptop doing
something else (the streamed report only; the report after the take is measured quiet).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pexpect
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from bench_long import cpu_name  # noqa: E402

from tests.vmic import VirtualMic  # noqa: E402
from voicecoach.audio.decode import load_audio  # noqa: E402 - decoded to 16 kHz mono

SAMPLES = [ROOT / "samples" / f"{n}.wav" for n in ("star_answer", "hesitant_slow", "motivation_fast")]
VC = [sys.executable, "-m", "voicecoach"]


def answer_of(seconds: float, out: Path) -> Path:
    """The samples joined (0.8 s apart) and cut at the quietest 0.2 s near ``seconds``."""
    parts = []
    sr = 16000
    while sum(len(p) for p in parts) < (seconds + 10) * sr:
        for s in SAMPLES:
            parts += [load_audio(s).samples, np.zeros(int(0.8 * sr), dtype=np.float32)]
    y = np.concatenate(parts)
    lo, hi = int((seconds - 4) * sr), int((seconds + 4) * sr)
    frames = y[lo:hi].reshape(-1, 160)
    energy = np.convolve((frames**2).mean(axis=1), np.ones(20) / 20, mode="valid")
    cut = lo + (int(np.argmin(energy)) + 10) * 160
    sf.write(out, y[:cut], sr, subtype="PCM_16")
    return out


def one_take(mic: VirtualMic, wav: Path, data: Path, config: Path | None) -> tuple[float, float, Path]:
    """(seconds from Enter to the report's first line, to its last, the saved take)."""
    args = [
        *VC[1:],
        "practice",
        "--question",
        "beh-deadline",
        "--prep-seconds",
        "0",
        "--max-seconds",
        "300",
        "--data-dir",
        str(data),
    ]
    if config:
        args += ["--config", str(config)]
    child = pexpect.spawn(VC[0], args, env=mic.env, cwd=str(ROOT), encoding="utf-8", timeout=600, dimensions=(60, 140))
    child.expect("Recording: speak now")
    player = mic.play(wav)
    while player.poll() is None:  # read the terminal all the while, as a person's terminal does
        child.expect([pexpect.TIMEOUT], timeout=0.2)
    child.expect([pexpect.TIMEOUT], timeout=1.0)  # a breath before the key
    start = time.monotonic()
    child.sendline("")
    child.expect(r"takes/[^\s]+\.wav")  # the report's first line names the take
    first = time.monotonic() - start
    child.expect(r"Try this question again\?")
    full = time.monotonic() - start
    child.sendline("n")
    child.expect(pexpect.EOF)
    take = sorted((data / "takes").glob("*.wav"))[-1]
    return first, full, take


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="30,90,180", help="answer lengths in seconds, comma-separated")
    parser.add_argument("--busy", action="store_true", help="keep one core busy with another program")
    args = parser.parse_args()
    if args.busy:
        busy_run(args)
        return
    lengths = [float(x) for x in args.lengths.split(",")]
    work = Path(tempfile.mkdtemp(prefix="bench-practice-"))
    no_stream = work / "no-stream.toml"
    no_stream.write_text("[practice]\nstream = false\n")
    mic = VirtualMic().start()
    rows = []
    try:
        for n in lengths:
            wav = answer_of(n, work / f"answer-{n:.0f}.wav")
            dur = sf.info(wav).duration
            first, full, take = one_take(mic, wav, work / f"data-{n:.0f}", None)
            after_first, after_full, _ = one_take(mic, wav, work / f"data-{n:.0f}-after", no_stream)
            start = time.monotonic()
            subprocess.run([*VC, "score", str(take)], check=True, capture_output=True, cwd=ROOT)
            offline = time.monotonic() - start
            rows.append((dur, first, full, after_first, offline))
            print(
                f"{dur:6.1f} s answer: report after {first:.2f} s (whole report {full:.2f} s); scored after the take "
                f"{after_first:.2f} s; `score` {offline:.2f} s",
                flush=True,
            )
    finally:
        mic.stop()
    print(f"\n{cpu_name()}, {len(__import__('os').sched_getaffinity(0))} cores")
    print("| answer | Enter -> report, streamed | scored after the take | `voicecoach score` on the WAV |")
    print("|---|---|---|---|")
    for dur, first, _full, after_first, offline in rows:
        print(f"| {dur:.0f} s | **{first:.1f} s** | {after_first:.1f} s | {offline:.1f} s |")


def busy_run(args: argparse.Namespace) -> None:
    """The streamed report on a quiet machine and with one core kept busy, each answer
    length one after the other."""
    work = Path(tempfile.mkdtemp(prefix="bench-practice-busy-"))
    mic = VirtualMic().start()
    rows = []
    try:
        for n in [float(x) for x in args.lengths.split(",")]:
            wav = answer_of(n, work / f"answer-{n:.0f}.wav")
            quiet, _, _ = one_take(mic, wav, work / f"quiet-{n:.0f}", None)
            burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            try:
                busy, _, _ = one_take(mic, wav, work / f"busy-{n:.0f}", None)
            finally:
                burner.kill()
            rows.append((sf.info(wav).duration, quiet, busy))
            print(f"{rows[-1][0]:6.1f} s answer: report after {quiet:.2f} s quiet, {busy:.2f} s with one core busy")
    finally:
        mic.stop()
    print(f"\n{cpu_name()}, {len(__import__('os').sched_getaffinity(0))} cores")
    print("| answer | Enter -> report, quiet | with one core busy |")
    print("|---|---|---|")
    for dur, quiet, busy in rows:
        print(f"| {dur:.0f} s | {quiet:.1f} s | {busy:.1f} s |")


if __name__ == "__main__":
    main()
