"""Fit the STAR model's weights on the development part of the labelled answers (clean and
with transcription errors; the test part is never fitted on) and write them to
voicecoach/data/star_weights.json.

Per STAR part, an L2-regularised logistic regression over the features of
``voicecoach.analysers.content``; a unit's label is that of the reference sentence
holding most of its words. Deterministic (Newton steps from zero). bench_content.py
measures the method by cross-validation (fitted on two folds, scored on the third).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from dataset import load_all  # noqa: E402
from evaluate import L2, fit_weights, star_judged  # noqa: E402

OUT = HERE.parents[1] / "voicecoach" / "data" / "star_weights.json"


def main() -> None:
    clean, noisy = load_all()
    answers = [a for a in clean + noisy if star_judged(a) and a.part == "dev"]
    weights, units = fit_weights(answers)
    doc = {
        "about": "STAR part weights for voicecoach.analysers.content, fitted by benchmarks/content/fit_star.py on the "
        "labelled "
        f"answers of benchmarks/content, development part ({len(answers)} answers judged for STAR, {units} units, L2 "
        f"{L2}).",
        "weights": weights,
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"fitted on {units} units of {len(answers)} answers; written to {OUT}")


if __name__ == "__main__":
    main()
