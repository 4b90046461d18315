"""Scores (0-100 per analyser, and overall) and the three most useful tips.

Each analyser scores itself (its ``score`` and ``Scoring`` rubric, see
:mod:`voicecoach.analysers.base`); this module only combines them:

* **overall** = the weighted mean of the analysers' scores, with each analyser's
  ``WEIGHT`` (structure 0.5, fillers 0.2, pacing 0.15, pauses 0.15; delivery and repetition
  are shown but weigh 0). When only some analysers ran, their weights are scaled to add up
  to 1.
* **floors**: an answer that does not answer the question, or that is under a quarter of
  its category's shortest recommended length, scores at most :data:`FLOOR` overall, and
  the report says why first (:func:`floor`).
* **not judged**: a verdict that cannot be trusted is not given (:func:`not_judged`):
  pace, fillers and pauses on fewer than :data:`MIN_JUDGED_WORDS` words, pace and fillers
  on a transcript in doubt (median word confidence under
  :data:`DOUBTFUL_MEDIAN_PROBABILITY`), pitch on too little voiced speech. Such an
  analyser has no score and no tips, the overall is the weighted mean of what was judged,
  and every report says which were left out and why (``Scores.not_judged``).
* **tips**: every analyser proposes tips, each with the points of its own score it would
  win back; they are taken in a coach's order (:data:`TIP_RANKS`: answering the question,
  then a missing story part or result, then length, then opening and close, then
  delivery), within a rank by those points times the analyser's weight, and the top three
  are shown, each with the reason it was chosen. An analyser that is not in the overall
  score ranks its tips as if it weighed :data:`UNWEIGHTED_TIP_WEIGHT`.
  :func:`contradictions` checks tips against the findings of the same report.

Every number of every rubric can be set in the ``[scoring]`` section of the config file:
``weight_NAME`` for a weight (the weights must add up to 1) and ``NAME_FIELD`` for a field
of an analyser's ``Scoring`` (``fillers_free_per_min``, ``pauses_points_per_long_pause``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.datatypes import Tip
from . import Analyser, registered

#: The weight an analyser outside the overall score (weight 0) ranks its tips with: such
#: a tip comes after any tip that would win back 2 or more overall points.
UNWEIGHTED_TIP_WEIGHT = 0.02

#: The highest overall score an answer that does not answer the question, or is far too
#: short to judge, can get.
FLOOR = 40
#: A score at or above this is good, under WEAK_SCORE weak (the reports colour them green,
#: amber and red; the cohort page's target band for a score starts at GOOD_SCORE).
GOOD_SCORE = 75
WEAK_SCORE = 50


def grade(score: float) -> str:
    """ "good", "mid" or "bad": how the reports colour a score out of 100."""
    return "good" if score >= GOOD_SCORE else "mid" if score >= WEAK_SCORE else "bad"


#: Under this share of its category's shortest recommended length an answer is too short
#: to be an answer.
FLOOR_LENGTH_SHARE = 0.25
#: A coach's order: what is fixed first.
TIP_RANKS = {
    0: "answer the question asked",
    1: "a missing story part or result",
    2: "length",
    3: "opening and close",
    4: "delivery",
}


#: Fewer words than this (vocal fillers aside) are too few to judge pace, fillers or
#: pauses: over 20 words one filler or one pause moves the rate by several per minute, and
#: a pace over a few seconds says nothing about an answer's pace.
MIN_JUDGED_WORDS = 20
#: A transcript whose median word confidence is under this is in doubt: the words, and
#: with them the pace and the fillers, may be wrong. Clean and noisy English of every
#: voice family and real speech measure above it; under 0.47 a take is not scored at all
#: (not English, ``voicecoach.asr.language``). The figures: docs/scoring.md, "Not judged".
DOUBTFUL_MEDIAN_PROBABILITY = 0.6
#: The verdicts built on the words (a wrong transcript makes them wrong).
WORD_VERDICTS = ("pacing", "fillers")
#: The verdicts that need enough words to be rates.
RATE_VERDICTS = ("pacing", "fillers", "pauses")


def not_judged(results: Mapping[str, Any], *, median_word_probability: float | None = None) -> dict[str, str]:
    """analyser name -> why its verdict is not given, for the verdicts this answer cannot
    support (see the module's docstring)."""
    out: dict[str, str] = {}
    words = next((getattr(results[n], "words", None) for n in ("pacing", "structure") if n in results), None)
    if isinstance(words, int) and words < MIN_JUDGED_WORDS:
        for name in RATE_VERDICTS:
            if name in results:
                out[name] = f"{words} words are too few to judge (at least {MIN_JUDGED_WORDS})"
    if median_word_probability is not None and median_word_probability < DOUBTFUL_MEDIAN_PROBABILITY:
        for name in WORD_VERDICTS:
            if name in results and name not in out:
                out[name] = (
                    f"the transcript is in doubt (median word confidence {median_word_probability:.2f}, "
                    f"under {DOUBTFUL_MEDIAN_PROBABILITY})"
                )
    delivery = results.get("delivery")
    note = getattr(delivery, "pitch_note", None)
    if delivery is not None and note:
        out["delivery"] = f"{note} ({delivery.voiced_s:.1f} s voiced)"
    return out


def floor(results: Mapping[str, Any]) -> str | None:
    """Why the overall score is held at :data:`FLOOR` or below, or None."""
    s = results.get("structure")
    if s is None or not getattr(s, "words", 0):
        return None
    rel = getattr(s, "relevance", None)
    if rel is not None and rel.verdict == "no":
        return f"This does not answer the question: {rel.why()}."
    if s.length_s < FLOOR_LENGTH_SHARE * s.recommended_min_s:
        return (
            f"At {s.length_s:.0f} s this is too short to be an answer (aim for "
            f"{s.recommended_min_s:.0f}-{s.recommended_max_s:.0f} s)."
        )
    return None


def _default_weights() -> dict[str, float]:
    return {a.name: a.weight for a in registered()}


def _default_parts() -> dict[str, Any]:
    return {a.name: a.scoring_type() for a in registered() if a.scoring_type is not None}


@dataclass(frozen=True)
class Rubric:
    """How scores are combined: each analyser's weight, and each analyser's own rubric
    (its ``Scoring`` dataclass, whose fields say where each number comes from).

    Attributes:
        weights: analyser name -> weight in the overall score (they add up to 1).
        parts: analyser name -> its ``Scoring``.
    """

    weights: Mapping[str, float] = field(default_factory=_default_weights)
    parts: Mapping[str, Any] = field(default_factory=_default_parts)

    def part(self, name: str) -> Any:
        return self.parts.get(name)

    def weighted(self, **weights: float) -> Rubric:
        """This rubric with other weights (``weighted(fillers=1, structure=0, ...)``);
        analysers not named keep theirs."""
        return dataclasses.replace(self, weights={**self.weights, **weights})

    def keys(self) -> dict[str, tuple[str, str]]:
        """Every ``[scoring]`` key -> (analyser, field), ``field`` "weight" for a weight."""
        out = {f"weight_{name}": (name, "weight") for name in self.weights}
        for name, part in self.parts.items():
            out.update({f"{name}_{f.name}": (name, f.name) for f in dataclasses.fields(part)})
        return out

    def get(self, key: str) -> Any:
        name, attr = self.keys()[key]
        return self.weights[name] if attr == "weight" else getattr(self.parts[name], attr)

    def set(self, key: str, value: Any) -> Rubric:
        """This rubric with the ``[scoring]`` key ``key`` set (KeyError for an unknown key)."""
        name, attr = self.keys()[key]
        if attr == "weight":
            return self.weighted(**{name: value})
        return dataclasses.replace(
            self, parts={**self.parts, name: dataclasses.replace(self.parts[name], **{attr: value})}
        )

    def check(self) -> None:
        """Raises ValueError when the rubric cannot work."""
        for name, part in self.parts.items():
            check = getattr(part, "check", None)
            if check is not None:
                try:
                    check()
                except ValueError as exc:
                    raise ValueError(f"{name}_{exc}") from None
        total = sum(self.weights.values())
        if abs(total - 1.0) > 1e-6:
            names = " + ".join(f"weight_{n}" for n, w in self.weights.items() if w) or "the weights"
            raise ValueError(f"{names} = {total:g} must be 1")


@dataclass(frozen=True)
class Scores:
    """The overall score and each scored analyser's, 0-100 (``scores.fillers``,
    ``scores["fillers"]``)."""

    overall: int
    parts: Mapping[str, int] = field(default_factory=dict)
    #: analyser name -> why it was not judged (no score, not in the overall, no tips).
    not_judged: Mapping[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> int:
        if name.startswith("_") or name in ("parts", "not_judged"):
            raise AttributeError(name)
        try:
            return self.parts[name]
        except KeyError:
            raise AttributeError(f"no score for {name!r}; scored: {', '.join(self.parts)}") from None

    def __getitem__(self, name: str) -> int:
        return self.overall if name == "overall" else self.parts[name]

    def as_dict(self) -> dict[str, int]:
        return {**self.parts, "overall": self.overall}


def _present(results: Mapping[str, Any], analysers: Iterable[Analyser] | None) -> list[Analyser]:
    return [a for a in (analysers if analysers is not None else registered()) if a.name in results]


def compute_scores(
    results: Mapping[str, Any],
    rubric: Rubric | None = None,
    *,
    analysers: Iterable[Analyser] | None = None,
    unjudged: Mapping[str, str] | None = None,
) -> Scores:
    """Each present analyser's score, and their weighted mean; the analysers in
    ``unjudged`` (name -> why, see :func:`not_judged`) are left out of both."""
    r = rubric or Rubric()
    parts: dict[str, int] = {}
    weights: dict[str, float] = {}
    skipped = dict(unjudged or {})
    for a in _present(results, analysers):
        if a.name in skipped:
            continue
        s = a.score(results[a.name], r.part(a.name))
        if s is not None:
            parts[a.name] = int(s)
            weights[a.name] = r.weights.get(a.name, a.weight)
    total = sum(weights.values())
    overall = sum(weights[n] * v for n, v in parts.items()) / total if total > 0 else 0.0
    if floor(results) is not None:
        overall = min(overall, FLOOR)
    return Scores(int(round(min(100.0, max(0.0, overall)))), parts, skipped)


def make_tips(
    results: Mapping[str, Any],
    scores: Scores,
    *,
    rubric: Rubric | None = None,
    limit: int = 3,
    analysers: Iterable[Analyser] | None = None,
) -> tuple[Tip, ...]:
    """The ``limit`` most useful tips, each with evidence, most important first."""
    r = rubric or Rubric()
    cands: list[tuple[float, Tip]] = []
    for a in _present(results, analysers):
        if a.name in scores.not_judged:
            continue
        weight = r.weights.get(a.name, a.weight) or UNWEIGHTED_TIP_WEIGHT
        for points, tip in a.tips(results[a.name], scores.parts.get(a.name), r.part(a.name)):
            cands.append((weight * points, tip))
    cands.sort(key=lambda c: (c[1].rank, -c[0]))
    out = []
    for value, tip in cands[:limit]:
        reason = (
            tip.reason
            or f"{TIP_RANKS.get(tip.rank, 'delivery')} (a coach's step {tip.rank + 1} of {len(TIP_RANKS)}); worth "
            f"about {value:.0f} overall points"
        )
        out.append(dataclasses.replace(tip, reason=reason))
    return tuple(out)


_FIGURE = re.compile(r"(\d+(?:\.\d+)?)\s*(wpm|words a minute|fillers a minute|fillers/min|s\b)")


def contradictions(results: Mapping[str, Any], tips: Iterable[Tip]) -> list[str]:
    """Every tip that contradicts a finding of the same report (empty when they agree):

    - a length tip asking for an example and its result when the story shows all four
      STAR parts;
    - a tip to finish with the outcome, or a missing-result tip, when a result was found;
    - a tip on the structure when the answer does not answer the question (that comes first);
    - a figure in a tip (wpm, fillers a minute, seconds) that differs from the same figure
      in its own evidence.
    """
    out = []
    s = results.get("structure")
    star_all = bool(s is not None and s.star_applies and s.star and all(p.present for p in s.star))
    result = bool(s is not None and any(p.part == "result" and p.present for p in s.star))
    off = bool(s is not None and getattr(s, "relevance", None) is not None and s.relevance.verdict == "no")
    for tip in tips:
        m = tip.message.lower()
        if star_all and "example and its result" in m:
            out.append(f"asks for an example and its result, but all four STAR parts were found: {tip.message}")
        if result and (
            "finish with the outcome" in m
            or "finish with what came of it" in m
            or "did not clearly state the result" in m
        ):
            out.append(f"asks for the result, but a result was found: {tip.message}")
        if off and tip.rank > 0 and tip.area == "structure":
            out.append(f"a structure tip on an answer to another question: {tip.message}")
        said = {(float(v), u) for v, u in _FIGURE.findall(m)}
        shown = {(float(v), u) for e in tip.evidence for v, u in _FIGURE.findall(e.quote.lower())}
        for value, unit in said:
            others = {v for v, u in shown if u == unit}
            if others and value not in others:
                out.append(
                    f"says {value:g} {unit}, its evidence {', '.join(f'{v:g}' for v in sorted(others))}: {tip.message}"
                )
    return out
