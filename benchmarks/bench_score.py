"""Speed and decoding-strategy benchmark on the bundled samples (or any truth-labelled set).

Prints, in one run:
* wall time of the full ``score`` pipeline against a bare faster-whisper transcription
  (plain beam search, word timestamps) of the same audio, and their ratio;
* the share of the pipeline's time spent in the analysers (target <= 10 % of transcription);
* the start-up time of ``voicecoach --help`` (target <= 0.25 s), best of 5;
* for each decoding strategy: vocal-filler precision/recall (matched by overlap, 0.3 s
  slack), word error rate against the script (fillers left out of both sides).

Usage: python benchmarks/bench_score.py [--dir samples] [--json out.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def startup_s() -> float:
    times = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "voicecoach", "--help"], check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - t)
    return min(times)


def long_file_run(minutes: float = 10.0) -> dict:
    """Score a ``minutes``-long file (samples joined end to end) in a fresh process:
    wall time and peak resident memory of that process."""
    import resource
    import tempfile

    import numpy as np
    import soundfile as sf

    from voicecoach.audio.decode import load_audio

    pieces = [load_audio(p).samples for p in sorted((ROOT / "samples").glob("*.wav"))]
    y = np.concatenate(pieces)
    y = np.tile(y, int(np.ceil(minutes * 60 * 16000 / len(y))))[: int(minutes * 60 * 16000)]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "long.wav"
        sf.write(path, y, 16000, subtype="PCM_16")
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "voicecoach", "score", "--json", str(path)],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        wall = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"audio_min": minutes, "wall_s": wall, "peak_rss_mb": peak_mb}


def match(found: list[dict], expected: list[dict], slack: float = 0.3) -> tuple[int, int, int]:
    used: set[int] = set()
    for f in found:
        hit = next(
            (
                i
                for i, e in enumerate(expected)
                if i not in used and f["start_s"] <= e["end_s"] + slack and f["end_s"] >= e["start_s"] - slack
            ),
            None,
        )
        if hit is not None:
            used.add(hit)
    return len(used), len(found) - len(used), len(expected) - len(used)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", type=Path, default=ROOT / "samples")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--long-minutes", type=float, default=10.0, help="length of the long-file memory run (0: skip)")
    args = ap.parse_args()

    import jiwer

    from voicecoach.asr.models import load_model
    from voicecoach.audio.decode import load_audio
    from voicecoach.core.datatypes import normalise_word
    from voicecoach.core.lexicon import is_vocal_filler
    from voicecoach.scoring.pipeline import report_to_dict, score_audio
    from voicecoach.settings.config import Settings

    files = sorted(args.dir.glob("*.truth.json"))
    model = load_model("default")
    out: dict = {"files": len(files), "speed": [], "decoding": {}}
    print(f"{'file':<22}{'audio s':>9}{'bare s':>9}{'score s':>9}{'ratio':>7}{'analyse %':>11}")
    for tf in files:
        wav = tf.with_name(tf.name.replace(".truth.json", ".wav"))
        audio = load_audio(wav)
        t = time.perf_counter()
        segs, _ = model.transcribe(audio.samples, language="en", beam_size=5, word_timestamps=True)
        list(segs)
        bare = time.perf_counter() - t
        t = time.perf_counter()
        rep = score_audio(audio)
        total = time.perf_counter() - t
        share = rep.timings_s["analyse_s"] / rep.timings_s["transcribe_s"]
        out["speed"].append(
            {
                "file": wav.name,
                "audio_s": audio.duration_s,
                "bare_s": bare,
                "score_s": total,
                "ratio": total / bare,
                "analyse_share_of_transcription": share,
            }
        )
        print(
            f"{wav.name:<22}{audio.duration_s:>9.1f}{bare:>9.2f}{total:>9.2f}{total / bare:>7.2f}{100 * share:>10.1f}%"
        )
    out["startup_help_s"] = startup_s()
    print(f"\nvoicecoach --help: {out['startup_help_s']:.3f} s (best of 5)")
    print(
        f"mean ratio score/bare: {statistics.mean(s['ratio'] for s in out['speed']):.2f}; mean analyser share: "
        f"{100 * statistics.mean(s['analyse_share_of_transcription'] for s in out['speed']):.1f}%"
    )

    print(f"\n{'decoding':<10}{'filler P':>9}{'filler R':>9}{'filler F1':>10}{'WER':>7}{'time s':>8}")
    for decoding in ("plain", "hotwords", "merge"):
        settings = Settings(transcription=dataclasses.replace(Settings().transcription, decoding=decoding))
        tp = fp = fn = 0
        refs, hyps = [], []
        t = time.perf_counter()
        for tf in files:
            truth = json.loads(tf.read_text())
            d = report_to_dict(
                score_audio(load_audio(tf.with_name(tf.name.replace(".truth.json", ".wav"))), settings=settings)
            )
            found = [e for e in (d.get("fillers") or {}).get("events", []) if e["kind"] == "vocal"]
            a, b, c = match(found, truth["vocal_fillers"])
            tp, fp, fn = tp + a, fp + b, fn + c
            refs.append(" ".join(normalise_word(w) for w in truth["text"].split()))
            hyps.append(
                " ".join(n for w in d["transcript"]["words"] if not is_vocal_filler(n := normalise_word(w["text"])))
            )
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        wer = jiwer.wer(refs, hyps)
        out["decoding"][decoding] = {
            "precision": p,
            "recall": r,
            "f1": f1,
            "wer": wer,
            "time_s": time.perf_counter() - t,
        }
        print(f"{decoding:<10}{p:>9.2f}{r:>9.2f}{f1:>10.2f}{wer:>7.3f}{time.perf_counter() - t:>8.1f}")
    if args.long_minutes:
        out["long_file"] = long_file_run(args.long_minutes)
        lf = out["long_file"]
        print(
            f"\n{lf['audio_min']:.0f}-minute file: {lf['wall_s']:.1f} s ({lf['audio_min'] * 60 / lf['wall_s']:.1f}x "
            f"real time), peak memory {lf['peak_rss_mb']:.0f} MB"
        )
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
