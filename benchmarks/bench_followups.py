"""Follow-up benchmark: does the interviewer ask only for what an answer lacks?

    python benchmarks/bench_followups.py [--errors]

Runs every follow-up trigger (voicecoach.interview.followups) on the hand-labelled content
set (benchmarks/content, LABELLING.md) and prints, per trigger, its precision, recall and
how often it fires, on the clean answers and on their copies with transcription errors,
for the development and the test part. The STAR model is cross-validated as in
bench_content.py (each fold scored with weights fitted on the other two).

The truth of each trigger comes from the labels, by rules set down before any figure was
measured:

- ``example`` is wanted when the question asks for a story (a behavioural question), the
  answer tells none (``star: no``) and it is on the question (``answers: yes|partly``).
- ``outcome`` is wanted when the answer tells a story (``star: yes``) and no sentence of
  it is labelled R.
- ``own`` is wanted when the story's ``own`` label is ``no`` (``followups.txt``, by the
  rules of the issue 27 amendment in LABELLING.md): it says nothing the speaker did.
- ``proof`` is wanted when the story's ``shown`` label is ``no``: its result is only claimed.
- ``point`` is wanted when the point it asks about is not among the answer's ``covers``.
- ``shorter`` rests on the measured length against the question's range, a fact of the
  audio, not a judgement; the text set has no real durations, so it is not scored here.

A follow-up that fires where it is not wanted asks for what the candidate already said:
precision is the figure that matters (target 0.90 for every trigger that ships).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "content"))
from dataset import Answer, load_all, load_probes  # noqa: E402
from evaluate import FOLDS, SETTINGS, bank, fit_weights, fold, star_judged, transcript_and_audio  # noqa: E402

from voicecoach.analysers import content, structure  # noqa: E402
from voicecoach.core.questions import question_kind  # noqa: E402
from voicecoach.interview.followups import ALL_TRIGGERS, TRIGGERS, result_texts, wanted  # noqa: E402

SCORED = ("example", "outcome", "own", "proof", "point")


def _story_labels() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for line in (Path(__file__).resolve().parent / "content" / "followups.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            answer_id, _, rest = line.partition(": ")
            values = rest.split()
            out[answer_id] = dict(zip(values[::2], values[1::2], strict=True))
    return out


STORY = _story_labels()
TARGET_PRECISION = 0.90


def truth(answer: Answer, trigger: str, s: structure.StructureResult, point: str | None) -> bool:
    q = bank()[answer.question]
    if trigger == "example":
        return question_kind(q.text, q.category) == "behavioural" and not answer.star and answer.answers != "no"
    if trigger == "outcome":
        return answer.star and not any("R" in labels for labels, _ in answer.sentences)
    if trigger in ("own", "proof"):
        labels = STORY.get(answer.base_id)
        key = "own" if trigger == "own" else "shown"
        return labels is not None and labels[key] == "no"
    if trigger == "point":
        index = next(n for n, c in enumerate(s.covers, 1) if c.point == point)
        return index not in answer.covers
    raise ValueError(trigger)


def needed(answer: Answer, trigger: str, s: structure.StructureResult) -> bool:
    """Whether the labels want ``trigger`` at all (for recall; ``point``: any point untouched)."""
    if trigger == "point":
        return any(n not in answer.covers for n in range(1, len(s.covers) + 1))
    return truth(answer, trigger, s, None)


Analysed = tuple[structure.StructureResult, list[str], list[str]]


def analysed(answers: list[Answer], pool: list[Answer]) -> dict[str, Analysed]:
    """Every answer's structure result, scored by STAR weights fitted on the answers of
    ``pool`` outside its fold, its sentences and its result units' text."""
    out: dict[str, Analysed] = {}
    for k in range(FOLDS):
        train = [a for a in pool if fold(a) != k and star_judged(a)]
        content.override, _ = fit_weights(train)
        try:
            for a in answers:
                if fold(a) == k:
                    transcript, audio, _owner = transcript_and_audio(a)
                    result = structure.analyse(transcript, audio, context=SETTINGS.context(bank()[a.question]))
                    words = [w.text for w in transcript.words]
                    out[a.id] = (result, [x.text for x in transcript.sentences], result_texts(result, words))
        finally:
            content.override = None
    return out


def measure(answers: list[Answer], results: dict[str, Analysed]) -> dict[str, Counter]:
    counts = {t: Counter() for t in SCORED}
    for a in answers:
        s, sentences, units = results[a.id]
        every = wanted(s, sentences, ALL_TRIGGERS, results=units)
        fired = dict(every)
        first = every[0][0] if every else None
        for t in SCORED:
            c = counts[t]
            c["answers"] += 1
            want = needed(a, t, s)
            c["wanted"] += want
            if t in fired:
                right = truth(a, t, s, fired[t])
                c["fired"] += 1
                c["tp"] += right
                c["asked"] += first == t
                c["asked_tp"] += first == t and right
                if not right:
                    c["wrong_" + a.id] += 1
            c["fn"] += want and t not in fired
    return counts


def report(name: str, counts: dict[str, Counter]) -> dict[str, float]:
    print(f"\n{name}")
    print(f"  {'trigger':<9} {'fires':>7} {'P':>6} {'R':>6} {'asked':>6} {'P asked':>8}   wrong on")
    precision = {}
    for t in SCORED:
        c = counts[t]
        p = c["tp"] / c["fired"] if c["fired"] else float("nan")
        r = c["tp"] / c["wanted"] if c["wanted"] else float("nan")
        pa = c["asked_tp"] / c["asked"] if c["asked"] else float("nan")
        wrong = [k.removeprefix("wrong_") for k in c if k.startswith("wrong_")]
        share = f"{c['fired']}/{c['answers']}"
        print(f"  {t:<9} {share:>7} {p:6.2f} {r:6.2f} {c['asked']:>6} {pa:8.2f}   {', '.join(wrong[:6])}")
        precision[t] = p
    return precision


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.parse_args()
    clean, noisy = load_all()
    probes, noisy_probes = load_probes()
    # the probes are scored, never fitted on: the STAR weights come from the labelled set
    results = analysed(clean + noisy + probes + noisy_probes, pool=clean + noisy)
    worst: dict[str, float] = {}
    fired: Counter = Counter()
    sets = (("clean", clean), ("with transcription errors", noisy))
    sets += (("follow-up probes, clean", probes), ("follow-up probes with transcription errors", noisy_probes))
    for label, answers in sets:
        for part in ("dev", "test"):
            chosen = [a for a in answers if a.part == part]
            counts = measure(chosen, results)
            p = report(f"{label}, {part} part ({len(chosen)} answers)", counts)
            for t, v in p.items():
                fired[t] += counts[t]["fired"]
                worst[t] = min(worst.get(t, 1.0), v) if v == v else worst.get(t, 1.0)
    print(f"\nlowest precision over the eight sets (target {TARGET_PRECISION}):")
    for t in SCORED:
        shipped = "ships" if t in TRIGGERS else "does not ship"
        if not fired[t]:
            print(f"  {t:<9} never fired: precision not measured; {shipped}")
            continue
        verdict = "ok" if worst[t] >= TARGET_PRECISION else "below the target"
        print(f"  {t:<9} {worst[t]:.2f} {verdict} (fired {fired[t]} times); {shipped}")
    print(f"  shorter   not scored on text (it rests on the measured length); triggers shipped: {', '.join(TRIGGERS)}")


if __name__ == "__main__":
    main()
