"""Judgement benchmark: the verdicts built on the measurements, against a coach's labels
(``benchmarks/content/``, rules in LABELLING.md).

    python benchmarks/bench_judgement.py [--part test|dev|all] [--errors]

Prints, on the test part unless told otherwise (no rule, list, weight or threshold was
tuned on it), for the clean answers and their copies with transcription errors:

- **relevance**: the "does it answer the question?" verdict against the labels: F1 of
  "no" (target 0.90) and the share of on-topic answers called off-topic (target <= 5 %);
- **overall score against the content grade**: Spearman correlation (target 0.80), the
  mean overall per grade, and the floors (every "no" answer and every answer under a
  quarter of its category's shortest length at 40 or below);
- **delivery kept honest**: the same answer with a filler every 8 words scores lower;
- **tip consistency**: contradictions between a report's tips and its findings
  (:func:`voicecoach.analysers.feedback.contradictions`; target none);
- **discourse fillers**: precision and recall per phrase (like, you know, I mean, so;
  target 0.85 for the first three).

Each answer is scored by the product (``pipeline.score_transcript``) as a transcript of
evenly spaced words at 150 words a minute, with a tone where the words are.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "content"))
from dataset import LABELLED_FILLERS, Answer, load_all  # noqa: E402
from evaluate import bank, transcript_and_audio  # noqa: E402

from voicecoach.analysers.feedback import FLOOR, contradictions, floor  # noqa: E402
from voicecoach.scoring.pipeline import score_transcript  # noqa: E402
from voicecoach.scoring.result import Report  # noqa: E402

TARGETS = {"relevance_f1": 0.90, "on_topic_called_off": 0.05, "spearman": 0.80, "filler_p": 0.85, "filler_r": 0.85}


def spearman(x: list[float], y: list[float]) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


def with_fillers(answer: Answer, every: int = 8) -> Answer:
    """The same answer with an "um," after every ``every`` words."""
    marked = []
    for labels, text in answer.marked:
        words = text.split()
        out = []
        for i, w in enumerate(words, 1):
            out.append(w)
            if i % every == 0 and i < len(words):
                out.append("um,")
        marked.append((labels, " ".join(out)))
    return Answer(
        answer.id + "-um",
        answer.question,
        answer.direct_opening,
        answer.clear_close,
        answer.covers,
        answer.star,
        tuple(marked),
        answer.joined,
        answer.grade,
        answer.answers,
    )


def score(answer: Answer) -> Report:
    q = bank()[answer.question]
    transcript, audio, _ = transcript_and_audio(answer)
    return score_transcript(
        audio, transcript, question=q, speech_s=transcript.duration_s
    )  # a tone, not a voice: no VAD


def filler_counts(answer: Answer, report: Report, counts: dict[str, Counter], errors: list[str]) -> None:
    transcript = report.transcript
    starts = [w.start_s for w in transcript.words]
    found: set[tuple[int, str]] = set()
    for e in report.results["fillers"].events:
        if e.kind == "discourse" and e.filler in LABELLED_FILLERS:
            found.add((starts.index(e.start_s) if e.start_s in starts else -1, e.filler))
    for index, phrase, is_filler in answer.filler_labels():
        hit = (index, phrase) in found
        counts[phrase]["tp" if is_filler and hit else "fn" if is_filler else "fp" if hit else "tn"] += 1
        if hit != is_filler:
            words = [w.text for w in transcript.words]
            errors.append(
                f"{answer.id}: {phrase!r} {'missed' if is_filler else 'counted'}: "
                f"{' '.join(words[max(0, index - 5) : index + 6])}"
            )


def run(answers: list[Answer], label: str, show_errors: bool) -> dict[str, float]:
    t0 = time.perf_counter()
    confusion: Counter = Counter()
    overall: list[float] = []
    grades: list[float] = []
    by_grade: dict[int, list[int]] = defaultdict(list)
    floors_broken: list[str] = []
    contra: list[str] = []
    honest = [0, 0]
    fillers: dict[str, Counter] = {p: Counter() for p in LABELLED_FILLERS}
    errors: list[str] = []
    for a in answers:
        report = score(a)
        s = report.results["structure"]
        verdict = s.relevance.verdict if s.relevance else "not judged"
        confusion[(a.answers, verdict)] += 1
        if (a.answers == "no") != (verdict == "no"):
            errors.append(
                f"{a.id}: answers {a.answers}, verdict {verdict} ({s.relevance.reason if s.relevance else ''})"
            )
        total = report.scores.overall
        overall.append(total)
        grades.append(a.grade)
        by_grade[a.grade].append(total)
        short = s.length_s < s.recommended_min_s / 4
        if (a.answers == "no" or short) and total > FLOOR:
            floors_broken.append(
                f"{a.id}: overall {total} ({'off-topic' if a.answers == 'no' else f'{s.length_s:.0f} s'})"
            )
        contra += [f"{a.id}: {c}" for c in contradictions(report.results, report.tips)]
        if floor(report.results) is None:  # a floored answer stays at the floor either way
            more = score(with_fillers(a)).scores.overall
            honest[0] += more < total
            honest[1] += 1
        filler_counts(a, report, fillers, errors)
    tp = confusion[("no", "no")]
    fp = sum(v for (t, p), v in confusion.items() if p == "no" and t != "no")
    fn = sum(v for (t, p), v in confusion.items() if t == "no" and p != "no")
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    yes_total = sum(v for (t, _), v in confusion.items() if t == "yes")
    yes_off = confusion[("yes", "no")] / yes_total if yes_total else 0.0
    rho = spearman(overall, grades)
    print(f"\n{label}: {len(answers)} answers ({time.perf_counter() - t0:.0f} s)")
    print(
        f"  relevance   F1 of 'no' {f1:.3f} (target {TARGETS['relevance_f1']})   on-topic called off-topic "
        f"{yes_off:.1%} (target <= 5 %)"
    )
    print("              labelled -> verdict: " + ", ".join(f"{t}->{p} {v}" for (t, p), v in sorted(confusion.items())))
    print(f"  overall     Spearman with the grade {rho:.3f} (target {TARGETS['spearman']})")
    print(
        "              mean overall per grade: "
        + ", ".join(f"{g}: {sum(v) / len(v):.0f} (n={len(v)})" for g, v in sorted(by_grade.items()))
    )
    print(
        f"  floors      {len(floors_broken)} off-topic or very short answers above {FLOOR}"
        + "".join(f"\n                {x}" for x in floors_broken)
    )
    print(
        f"  delivery    a filler every 8 words scores lower: {honest[0]} of {honest[1]} answers not held at the floor"
    )
    print(
        f"  tips        {len(contra)} contradictions with their own report (target 0)"
        + "".join(f"\n                {x}" for x in contra)
    )
    print("  fillers     " + "   ".join(_pr(p, c) for p, c in fillers.items()))
    if show_errors:
        print("  errors:\n" + "\n".join("    " + e for e in errors))
    return {"relevance_f1": f1, "on_topic_called_off": yes_off, "spearman": rho, "contradictions": len(contra)}


def _pr(phrase: str, c: Counter) -> str:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else float("nan")
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else float("nan")
    return f"{phrase!r} P {p:.2f} R {r:.2f} (n={c['tp'] + c['fn']})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--part", choices=("test", "dev", "all"), default="test")
    ap.add_argument("--errors", action="store_true", help="list every disagreement with the labels")
    args = ap.parse_args()
    clean, noisy = load_all()
    pick = (lambda a: True) if args.part == "all" else (lambda a: a.part == args.part)
    run([a for a in clean if pick(a)], f"{args.part} part, clean text", args.errors)
    run([a for a in noisy if pick(a)], f"{args.part} part, with transcription errors", args.errors)


if __name__ == "__main__":
    main()
