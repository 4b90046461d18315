"""Which model on which machine: the embedded tiny.en against Whisper base (``voicecoach[base]``)
on the three real recordings of ``tests/data/realspeech/``, in one run.

They have no reference transcripts, so this prints what each model makes of them: words,
vocal fillers found, wpm, the median word confidence and the time per second of audio;
and how far the two transcripts differ (the word error rate of tiny.en's words against
base's, fillers left out: a disagreement, not an error rate). The accuracy against known
scripts, per voice family, comes from ``bench_accuracy.py --model base``; the streamed
report's wait from ``bench_stream.py --model base``.

Usage: python benchmarks/bench_models.py [--models default,base] [--repeat 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from bench_long import cpu_name  # noqa: E402

REAL = sorted((ROOT / "tests" / "data" / "realspeech").glob("*.wav"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="default,base")
    ap.add_argument("--repeat", type=int, default=2, help="times per file; the fastest counts")
    args = ap.parse_args()

    import jiwer

    from voicecoach.asr.models import load_model
    from voicecoach.audio.decode import load_audio
    from voicecoach.core.lexicon import is_vocal_filler
    from voicecoach.scoring.pipeline import score_audio
    from voicecoach.settings.config import Settings

    models = args.models.split(",")
    words: dict[tuple[str, str], str] = {}
    print(f"{'file':<24}{'model':<10}{'words':>7}{'fillers':>9}{'wpm':>7}{'median p':>10}{'s / audio s':>13}")
    for path in REAL:
        audio = load_audio(path)
        for model in models:
            base = Settings()
            settings = dataclasses.replace(base, transcription=dataclasses.replace(base.transcription, model=model))
            load_model(model)
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                rep = score_audio(audio, settings=settings)
                times.append(time.perf_counter() - t)
            ws = [w for w in rep.transcript.words]
            words[(path.name, model)] = " ".join(w.norm for w in ws if not is_vocal_filler(w.norm))
            fillers = sum(is_vocal_filler(w.norm) for w in ws)
            wpm = rep.results["pacing"].wpm if rep.scored else float("nan")
            p = rep.median_word_probability
            print(
                f"{path.stem:<24}{model:<10}{len(ws) - fillers:>7}{fillers:>9}{wpm:>7.0f}"
                f"{(p if p is not None else float('nan')):>10.2f}{min(times) / audio.duration_s:>13.3f}"
            )
    if len(models) == 2:
        a, b = models
        diffs = [jiwer.wer(words[(p.name, b)], words[(p.name, a)]) for p in REAL if words[(p.name, b)]]
        print(f"\n{a}'s words against {b}'s (fillers aside): median difference {statistics.median(diffs):.2f}")
    print(f"CPU: {cpu_name()}")


if __name__ == "__main__":
    main()
