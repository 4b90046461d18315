"""Spoken judgement benchmark: the labelled answers spoken, so that content and delivery
vary independently, scored end to end from the audio (the real model).

    python benchmarks/bench_spoken.py [--out DIR] [--limit N] [--no-piper]

Each answer of the content set (``benchmarks/content/answers.txt``) is spoken by
``samples/synth.py`` with its vocal fillers taken out and put back at a known density:

- **test part** (no rule was tuned on it), each answer in these versions:
  espeak-ng en-us near 145 words a minute with no filler, a filler every 12 words and one
  every 6; espeak near 190 wpm with one every 12; Piper's joe voice near 145 wpm with none
  and one every 6.
  Printed: the Spearman correlation of the overall score with the coach's content grade
  per version (target 0.80, as for the transcripts), the mean overall per grade, and
  for each answer whether more fillers scored lower (the paired comparison: content the
  same, delivery worse).
- **development part**, for the noise of each trended figure: 16 answers each spoken
  twice as a person would take it twice, espeak then 5 % faster with the pitch raised and
  a quarter longer silences between clauses and sentences, Piper then 5 % slower with
  silences a fifth shorter, with a filler every 12 words in both. The noise is then the
  variation put in (a person's ordinary 5 % in pace and 20-25 % in pauses) and what the
  transcription makes of two renderings of the same words. Printed per
  figure: the median and the 90th percentile of the change between the two takes. A
  change in progress no larger than the 90th percentile is "same" (the ``noise`` of each
  :class:`~voicecoach.analysers.Metric`, docs/scoring.md).

The audio is kept in ``--out`` (default ``benchmarks/spoken/audio``, not committed) and
reused when it is there.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "content"))
sys.path.insert(0, str(HERE.parent / "samples"))
sys.path.insert(0, str(HERE))
from dataset import Answer, load  # noqa: E402

VOCAL = re.compile(r",?\s*\b(um+|uh+|er+m?|hmm+)\b,?", re.IGNORECASE)
BRACED = re.compile(r"\{([^{}]+)\}")
#: (name, voice, wpm, a vocal filler every N words or 0) of the test-part versions
#: (synth.py's rates: espeak -s 110 and Piper at 110 come out near 145 words a minute
#: once the chunks are joined, -s 145 near 190)
TEST_VERSIONS = (
    ("espeak-none", "en-us", 110, 0),
    ("espeak-12", "en-us", 110, 12),
    ("espeak-6", "en-us", 110, 6),
    ("espeak-fast-12", "en-us", 145, 12),
    ("piper-none", "piper:joe", 110, 0),
    ("piper-6", "piper:joe", 110, 6),
)
#: the same answer taken twice: (name, voice, rate, pitch, how much longer its silences
#: between clauses and sentences are)
REPEATS = (
    (("espeak-a", "en-us", 110, 50, 1.0), ("espeak-b", "en-us", 116, 58, 1.25)),
    (("piper-a", "piper:joe", 110, 50, 1.0), ("piper-b", "piper:joe", 104, 50, 0.8)),
)
#: development answers spoken twice for the noise (the first ones of the part)
DEV_ANSWERS = 16
FILLERS = ("um", "uh")


def script(answer: Answer, every: int) -> str:
    """The answer as synth.py mark-up: its own vocal fillers out, a vocal filler after
    every ``every`` words (alternating um and uh; none for 0), its labelled discourse
    fillers said as fillers."""
    out: list[str] = []
    n = 0
    for _, text in answer.marked:
        text = VOCAL.sub("", text).strip().lstrip(",").strip()
        text = BRACED.sub(r"<\1>", text[:1].upper() + text[1:])
        words = []
        for w in re.findall(r"<[^>]+>[,.;:?!]?|\S+", text):
            words.append(w)
            n += 1
            if every and n % every == 0:
                words.append(f"{{{FILLERS[(n // every) % 2]}}}")
        out.append(" ".join(words))
    return " ".join(out)


def render(
    answer: Answer, name: str, voice: str, wpm: int, every: int, pitch: int, out: Path, gaps: float = 1.0
) -> Path:
    """``answer`` spoken to ``out``/ID.NAME.wav (kept: rendered once); ``gaps`` scales the
    silences after clauses and sentences."""
    import synth

    wav = out / f"{answer.id}.{name}.wav"
    if not wav.exists():
        saved = synth.CLAUSE_GAP_S, synth.SENTENCE_GAP_S
        synth.CLAUSE_GAP_S, synth.SENTENCE_GAP_S = saved[0] * gaps, saved[1] * gaps
        try:
            truth = synth.render(script(answer, every), wav, voice=voice, rate_wpm=wpm, pitch=pitch)
        finally:
            synth.CLAUSE_GAP_S, synth.SENTENCE_GAP_S = saved
        (wav.with_suffix(".truth.json")).write_text(
            json.dumps({k: truth[k] for k in ("script", "duration_s", "words", "wpm")})
        )
    return wav


CONTRADICTIONS: list[str] = []


def score(wav: Path, answer: Answer, bank: dict) -> dict:
    """The report of ``wav`` as JSON; its tips are checked against its findings."""
    from voicecoach.analysers.feedback import contradictions
    from voicecoach.scoring.pipeline import report_to_dict, score_file
    from voicecoach.settings.config import Settings

    report = score_file(wav, settings=Settings(), question=bank[answer.question])
    if report.results:
        CONTRADICTIONS.extend(f"{wav.name}: {c}" for c in contradictions(report.results, report.tips or ()))
    return report_to_dict(report)


def trended(d: dict) -> dict[str, float]:
    from voicecoach.practice.history import report_metrics

    return {f"{a}.{k}": v for (a, k), v in report_metrics(d).items()}


def spearman(x: list[float], y: list[float]) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE / "spoken" / "audio")
    ap.add_argument("--limit", type=int, default=0, help="at most this many answers per part (0: all)")
    ap.add_argument("--no-piper", action="store_true", help="espeak-ng only")
    ap.add_argument("--part", choices=("test", "dev", "both"), default="both")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    from bench_long import cpu_name

    from voicecoach.core.questions import load_bank

    bank = {q.id: q for q in load_bank(include_user_dir=False)}
    answers = load(HERE / "content" / "answers.txt")
    test = [a for a in answers if a.part == "test"][: args.limit or None]
    dev = [a for a in answers if a.part == "dev"][: args.limit or DEV_ANSWERS]
    print(f"CPU: {cpu_name()}; {len(test)} test answers, {len(dev)} development answers")
    t0 = time.perf_counter()

    if args.part in ("test", "both"):
        versions = [v for v in TEST_VERSIONS if not (args.no_piper and v[1].startswith("piper"))]
        overall: dict[str, dict[str, float]] = defaultdict(dict)
        pace: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
        for a in test:
            for name, voice, wpm, every in versions:
                d = score(render(a, name, voice, wpm, every, 50, args.out), a, bank)
                overall[name][a.id] = (d.get("scores") or {}).get("overall", 0)
                if d.get("pacing"):
                    pace[name].append((d["pacing"]["wpm"], d["pacing"].get("fluent_wpm", 0.0), d["fillers"]["per_min"]))
        grades = {a.id: a.grade for a in test}
        print("\nOverall score against the content grade (test part, spoken):")
        print(
            f"  {'version':<16}{'wpm':>5}{'fluent':>7}{'fillers/min':>12}{'Spearman':>9}   mean overall per grade 1..5"
        )
        for name, _voice, _wpm, _every in versions:
            ids = list(overall[name])
            rho = spearman([overall[name][i] for i in ids], [grades[i] for i in ids])
            per = [
                statistics.fmean([overall[name][i] for i in ids if grades[i] == g] or [float("nan")])
                for g in range(1, 6)
            ]
            w, f, fpm = (statistics.median(x[k] for x in pace[name]) for k in range(3))
            print(f"  {name:<16}{w:>5.0f}{f:>7.0f}{fpm:>12.1f}{rho:>9.3f}   " + " ".join(f"{x:5.0f}" for x in per))
        for few, many in (
            ("espeak-none", "espeak-12"),
            ("espeak-12", "espeak-6"),
            ("espeak-none", "espeak-6"),
            ("piper-none", "piper-6"),
        ):
            if few in overall and many in overall:
                pairs = [(overall[few][i], overall[many][i]) for i in overall[few]]
                lower = sum(m < f for f, m in pairs)
                print(
                    f"  more fillers score lower, {few} -> {many}: {lower} of {len(pairs)} "
                    f"(mean {statistics.fmean(f for f, _ in pairs):.0f} -> {statistics.fmean(m for _, m in pairs):.0f})"
                )

    if args.part in ("dev", "both"):
        changes: dict[str, list[float]] = defaultdict(list)
        for a in dev:
            for first, second in REPEATS:
                if args.no_piper and first[1].startswith("piper"):
                    continue
                takes = [
                    trended(score(render(a, n, v, w, 12, p, args.out, g), a, bank)) for n, v, w, p, g in (first, second)
                ]
                for key in takes[0].keys() & takes[1].keys():
                    changes[key].append(abs(takes[0][key] - takes[1][key]))
        print("\nThe same answer taken twice (development part): change of each trended figure")
        print(f"  {'figure':<24}{'pairs':>6}{'median':>9}{'p90':>9}")
        for key in sorted(changes):
            xs = sorted(changes[key])
            p90 = xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]
            print(f"  {key:<24}{len(xs):>6}{statistics.median(xs):>9.2f}{p90:>9.2f}")
    print(f"\ntip contradictions over every spoken report: {len(CONTRADICTIONS)} (target 0)")
    for c in CONTRADICTIONS:
        print("  " + c)
    print(f"\n{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
