"""Scores (0-100 per analyser, and overall) and the three most useful tips.

Each analyser scores itself (its ``score`` and ``Scoring`` rubric, see
:mod:`voicecoach.analysers.base`); this module only combines them:

* **overall** = the weighted mean of the analysers' scores, with each analyser's
  ``WEIGHT`` (fillers 0.3, structure 0.3, pacing 0.2, pauses 0.2; delivery and repetition
  are shown but weigh 0). When only some analysers ran, their weights are scaled to add up
  to 1.
* **tips**: every analyser proposes tips, each with the points of its own score it would
  win back; they are ranked by those points times the analyser's weight, and the top
  three are shown. An analyser that is not in the overall score ranks its tips as if it
  weighed :data:`UNWEIGHTED_TIP_WEIGHT`.

Every number of every rubric can be set in the ``[scoring]`` section of the config file:
``weight_NAME`` for a weight (the weights must add up to 1) and ``NAME_FIELD`` for a field
of an analyser's ``Scoring`` (``fillers_free_per_min``, ``pauses_points_per_long_pause``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .analysers import Analyser, registered
from .datatypes import Tip

#: The weight an analyser outside the overall score (weight 0) ranks its tips with: such
#: a tip comes after any tip that would win back 2 or more overall points.
UNWEIGHTED_TIP_WEIGHT = 0.02


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
        return dataclasses.replace(self, parts={**self.parts, name: dataclasses.replace(self.parts[name], **{attr: value})})

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

    def __getattr__(self, name: str) -> int:
        if name.startswith("_") or name == "parts":
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


def compute_scores(results: Mapping[str, Any], rubric: Rubric | None = None, *, analysers: Iterable[Analyser] | None = None) -> Scores:
    """Each present analyser's score, and their weighted mean."""
    r = rubric or Rubric()
    parts: dict[str, int] = {}
    weights: dict[str, float] = {}
    for a in _present(results, analysers):
        s = a.score(results[a.name], r.part(a.name))
        if s is not None:
            parts[a.name] = int(s)
            weights[a.name] = r.weights.get(a.name, a.weight)
    total = sum(weights.values())
    overall = sum(weights[n] * v for n, v in parts.items()) / total if total > 0 else 0.0
    return Scores(int(round(min(100.0, max(0.0, overall)))), parts)


def make_tips(
    results: Mapping[str, Any], scores: Scores, *, rubric: Rubric | None = None, limit: int = 3, analysers: Iterable[Analyser] | None = None
) -> tuple[Tip, ...]:
    """The ``limit`` most useful tips, each with evidence, most important first."""
    r = rubric or Rubric()
    cands: list[tuple[float, Tip]] = []
    for a in _present(results, analysers):
        weight = r.weights.get(a.name, a.weight) or UNWEIGHTED_TIP_WEIGHT
        for points, tip in a.tips(results[a.name], scores.parts.get(a.name), r.part(a.name)):
            cands.append((weight * points, tip))
    cands.sort(key=lambda c: -c[0])
    return tuple(t for _, t in cands[:limit])
