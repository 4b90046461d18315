"""Content benchmark: the structure analysis against the hand-labelled answers.

    python benchmarks/bench_content.py [--shipped] [--baseline] [--errors]

Prints per STAR part precision, recall and F1 (per sentence, on answers that tell a
story or answer a question asking for one), the confusion between parts, covered points
P/R/F1 (per answer and point), opening and close accuracy, on the clean answers and on
their copies with transcription errors, next to the targets of issue 14.

By default the STAR model is cross-validated: the answers are split in three folds by
id (a copy with errors always in its original's fold), and each fold is scored with
weights fitted on the other two, so no answer is scored by weights that saw it.
``--shipped`` scores every answer with the weights the package ships (fitted on all of
them: an in-sample figure). ``--baseline`` runs the cue-word analysis it replaced.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent / "content"))
from dataset import PARTS, load_all  # noqa: E402
from evaluate import FOLDS, Scores, cross_validate, evaluate  # noqa: E402

from voicecoach.analysers import content  # noqa: E402

TARGETS = {"star_clean": 0.85, "star_errors": 0.80, "covers": 0.80, "opening": 0.90, "close": 0.90}


def _no_stems() -> None:
    content.stem = lambda word: word  # type: ignore[assignment]


def _no_cuts() -> None:
    content.RUN_ON_WORDS = 10**6


def _no_pairs() -> None:
    plain = content.features

    def features(*args: Any, **kw: Any) -> Any:
        f = plain(*args, **kw)
        return {
            k: v
            for k, v in f.items()
            if k
            not in {"i_past", "i_action_past", "obligation_first_half", "result_late", "number_late", "setting_early"}
        }

    content.features = features  # type: ignore[assignment]


def _no_kinds() -> None:
    from voicecoach.analysers import structure

    structure.point_kind = lambda point: None  # type: ignore[assignment]


#: Parts of the analysis that --without leaves out, to measure what each buys.
ABLATIONS = {"stems": _no_stems, "cuts": _no_cuts, "pairs": _no_pairs, "kinds": _no_kinds}


def table(name: str, s: Scores) -> list[str]:
    lines = [
        f"\n{name}: {s.answers} answers, {s.sentences} sentences judged for STAR",
        "| label | P | R | F1 | n |",
        "|---|---|---|---|---|",
    ]
    for p in PARTS:
        c = s.parts[p]
        lines.append(f"| STAR {p} | {c.p:.2f} | {c.r:.2f} | {c.f1:.2f} | {c.tp + c.fn} |")
    lines.append(f"| STAR, macro F1 | | | {s.star_macro_f1:.2f} | |")
    c = s.covers
    lines.append(f"| covered points | {c.p:.2f} | {c.r:.2f} | {c.f1:.2f} | {c.tp + c.fn} |")
    lines.append(f"| opening direct/indirect, accuracy | | | {s.opening_accuracy:.2f} | {len(s.opening)} |")
    lines.append(f"| close clear/unclear, accuracy | | | {s.close_accuracy:.2f} | {len(s.close)} |")
    lines.append("\nconfusion (rows: labelled part, columns: found part; '-' none):")
    lines.append("      " + " ".join(f"{p:>5}" for p in PARTS + "-"))
    for t in PARTS + "-":
        lines.append(f"{t:>5} " + " ".join(f"{s.confusion[(t, p)]:>5}" for p in PARTS + "-"))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--shipped", action="store_true", help="score with the shipped weights (in-sample) instead of cross-validating"
    )
    ap.add_argument("--baseline", action="store_true", help="the cue-word analysis before issue 14")
    ap.add_argument("--errors", action="store_true", help="print every disagreement with the labels")
    ap.add_argument(
        "--without",
        choices=sorted(ABLATIONS),
        action="append",
        default=[],
        help="leave one part of the analysis out (repeatable)",
    )
    args = ap.parse_args()
    for name in args.without:
        ABLATIONS[name]()
    clean, noisy = load_all()
    t0 = time.perf_counter()
    if args.baseline:
        from baseline import analyse_with_cues

        s_clean, s_noisy = evaluate(clean, analyse_with_cues), evaluate(noisy, analyse_with_cues)
        how = "cue words (the analysis before issue 14)"
    elif args.shipped:
        s_clean, s_noisy = evaluate(clean), evaluate(noisy)
        how = "the shipped weights, fitted on all these answers (in-sample)"
    else:
        s_clean, s_noisy = cross_validate(clean, noisy)
        how = f"{FOLDS}-fold cross-validation: each answer scored by weights fitted without it"
    elapsed = time.perf_counter() - t0
    print(how)
    for name, s in (("clean transcripts", s_clean), ("with transcription errors", s_noisy)):
        print("\n".join(table(name, s)))
    n = s_clean.answers + s_noisy.answers
    print(
        f"\ntime: {1000 * elapsed / n:.1f} ms an answer ({n} answers; the structure analysis, and fitting when "
        "cross-validating)"
    )
    print(
        "\ntargets: STAR part F1 >= 0.85 clean, >= 0.80 with errors (each part); covered points F1 >= 0.80; opening "
        "and close accuracy >= 0.90"
    )
    worst_clean = min(c.f1 for c in s_clean.parts.values())
    worst_noisy = min(c.f1 for c in s_noisy.parts.values())
    checks = {
        "star_clean": worst_clean,
        "star_errors": worst_noisy,
        "covers": min(s_clean.covers.f1, s_noisy.covers.f1),
        "opening": min(s_clean.opening_accuracy, s_noisy.opening_accuracy),
        "close": min(s_clean.close_accuracy, s_noisy.close_accuracy),
    }
    for k, v in checks.items():
        print(f"  {k:12} {v:.3f}  target {TARGETS[k]:.2f}  {'met' if v >= TARGETS[k] else 'NOT met'}")
    if args.errors:
        print("\ndisagreements:")
        for e in s_clean.errors + s_noisy.errors:
            print("  " + e)


if __name__ == "__main__":
    main()
