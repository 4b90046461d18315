"""Progress: how a take's figures moved against an earlier take of the same question,
and the trends per question and per category, each change judged against the figure's
noise (what it moves between two takes of the same answer). The terminal, the HTML report
and the browser room all use these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .history import Take


def trend_metrics() -> list[tuple[str, Any]]:
    """(``"analyser.metric"``, Metric) for everything the history trends: the overall
    score, then each registered analyser's headline metrics and score."""
    from ..analysers import OVERALL, registered

    out: list[tuple[str, Any]] = [("overall.score", OVERALL)]
    for a in registered():
        out.extend((f"{a.name}.{m.key}", m) for m in a.headline_metrics)
    return out


@dataclass(frozen=True)
class Change:
    """How one figure moved between two takes. ``verdict``: "better", "worse" or "same"."""

    key: str
    label: str
    fmt: str
    before: float
    now: float
    verdict: str

    @property
    def change(self) -> float:
        """``now - before``."""
        return self.now - self.before


def _band(analyser: Any, metric: Any, report: dict[str, Any]) -> tuple[float, float] | None:
    if metric.band is None:
        return None
    result = report.get(analyser.name) or {}
    lo, hi = (result.get(k) for k in metric.band)
    return (float(lo), float(hi)) if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) else None


def compare(now: dict[str, Any], before: dict[str, Any]) -> list[Change]:
    """The overall score and each analyser's primary figure, ``before`` -> ``now`` (two
    ``score --json`` objects), each judged by the figure's better direction (for a figure
    with a target band: nearer the band is better). A change within the figure's noise
    (:attr:`~voicecoach.analysers.Metric.noise`, measured from repeated takes) is "same"."""
    from ..analysers import OVERALL, registered

    pairs: list[tuple[Any, Any]] = [(None, OVERALL)]
    pairs += [(a, a.primary_metric) for a in registered() if a.primary_metric is not None]
    out = []
    for a, m in pairs:
        if a is None:
            b, n = ((r.get("scores") or {}).get("overall") for r in (before, now))
        else:
            b, n = a.metric_value(m, before), a.metric_value(m, now)
        if not isinstance(b, (int, float)) or not isinstance(n, (int, float)):
            continue
        band = _band(a, m, now) if m.better == "band" else None
        if m.better == "band" and band is None:
            continue
        spec = ".0f" if m.fmt == "d" else m.fmt
        verdict = judge_change(m.better, float(b), float(n), spec, list(band) if band else None, m.noise)
        out.append(
            Change(f"{a.name if a else 'overall'}.{m.key}", m.label, spec, float(b), float(n), verdict or "same")
        )
    return out


def judge_change(
    better: str, first: float, latest: float, spec: str, band: list[float] | None = None, noise: float = 0.0
) -> str:
    """ "better", "worse" or "same" for ``first`` -> ``latest`` of a figure whose better
    direction is ``better`` ("lower", "higher", or "band": nearer ``band``); "" when it has
    none. "same" when the printed values agree or the change is within ``noise``."""
    if format(first, spec) == format(latest, spec) or abs(latest - first) <= noise:
        return "same"
    if better == "band" and band:

        def off(v: float) -> float:
            return max(band[0] - v, v - band[1], 0.0)

        moved = off(latest) - off(first)
        return "same" if abs(moved) <= noise else "better" if moved < 0 else "worse"
    if better not in ("lower", "higher"):
        return ""
    return "better" if (latest < first) == (better == "lower") else "worse"


def _question_key(t: Take) -> str:
    return t.question_id or t.question_text or "(no question)"


def trends(takes: list[Take], *, by: str = "question_id") -> list[dict[str, Any]]:
    """Per question (or category): how each trended figure moved over the scored takes
    with speech, comparing like with like. A question of your own (no id) is grouped by
    its text.

    By question, ``first`` and ``latest`` are that question's first and latest takes. By
    category, a category's figures are the mean over its questions with two or more
    takes of each question's first and of its latest take (``questions``: how many), so a
    category never compares one question with another; a category with no question taken
    twice has no trend.

    Each group is ``{"question" (or "category"): key, "title": the question's text (or the
    category), "takes": n, "questions": how many questions its trend is over, "metrics":
    {key: {"label", "better", "fmt", "noise", "first", "latest", "series", and for a
    figure with a target band "band": [low, high]}}}``; a figure no take has is left out.
    A change no larger than ``noise`` is no change (:func:`judge_change`)."""
    groups: dict[str, list[Take]] = {}
    titles: dict[str, str] = {}
    for t in takes:
        if t.status != "scored" or not t.metrics:
            continue  # a take without speech has no figures
        key = _question_key(t) if by == "question_id" else getattr(t, by) or "(no category)"
        groups.setdefault(key, []).append(t)
        titles.setdefault(key, (t.question_text or key) if by == "question_id" else key)
    wanted = trend_metrics()
    out = []
    for key, ts in groups.items():
        per_question: dict[str, list[Take]] = {}
        for t in ts:
            per_question.setdefault(_question_key(t), []).append(t)
        twice = [q for q in per_question.values() if len(q) >= 2] if by != "question_id" else [ts]
        metrics = {}
        for name, m in wanted:
            values = [t.metrics[name] for t in ts if name in t.metrics]
            if not values:
                continue
            if by == "question_id":
                first, latest = values[0], values[-1]
            else:
                pairs = [
                    (v[0], v[-1])
                    for v in ([t.metrics[name] for t in q if name in t.metrics] for q in twice)
                    if len(v) >= 2
                ]
                if not pairs:
                    first = latest = values[-1]
                else:
                    first, latest = (sum(p[i] for p in pairs) / len(pairs) for i in (0, 1))
            metrics[name] = {
                "label": m.label,
                "better": m.better,
                "fmt": m.fmt,
                "noise": m.noise,
                "first": first,
                "latest": latest,
                "series": values,
            }
            if m.band is not None:  # the band in force at the latest take
                result = (ts[-1].report or {}).get(name.split(".")[0]) or {}
                bounds = [result.get(f) for f in m.band]
                if all(isinstance(v, (int, float)) for v in bounds):
                    metrics[name]["band"] = bounds
        group = {
            by.replace("_id", ""): key,
            "title": titles[key],
            "takes": len(ts),
            "questions": len(per_question),
            "metrics": metrics,
        }
        if by != "question_id":
            group["questions_twice"] = len(twice)
        out.append(group)
    return out
