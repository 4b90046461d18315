"""The analyser protocol, and the registry every other part of voicecoach iterates over.

An analyser is a module (or any object) with these attributes; only the first three are
required, the rest have defaults that mean "nothing to add":

``NAME``
    the key of its result (``score --json``), its config section and its CSV prefix.
``Options``
    a frozen dataclass of settings with documented defaults, overridable in ``[NAME]``
    of the config file (an optional ``check()`` raises ValueError on a bad combination).
``analyse(transcript, audio, *, options, context) -> result``
    a pure function: no I/O, no printing, no model. ``context`` is an
    :class:`~voicecoach.analysers.context.AnswerContext` (the question and the lexicon).
``TITLE``
    how reports name it (default: ``NAME`` capitalised).
``WEIGHT``
    its default weight in the overall score (default 0: shown, not in the overall).
``Scoring``
    a frozen dataclass of its rubric's numbers, settable in ``[scoring]`` as
    ``NAME_FIELD`` (default: none).
``score(result, scoring) -> int | None``
    0-100, or None when it gives no score (default: no score).
``tips(result, score, scoring) -> list[(points, Tip)]``
    candidate tips, each with the points of this area it would win back (default: none).
``summary(result) -> str``
    one line of what was measured, for the score table (default: empty).
``headline(result) -> str``
    the few words under its score on a report's card, such as "9 fillers, 8.9 a minute"
    (default: its first headline metric, "8.9 fillers/min").
``findings(result) -> tuple[Finding, ...]``
    details worth a line each in the reports (default: none).
``marks(result) -> tuple[Mark, ...]``
    spans to mark on the transcript and the timeline (default: none).
``series(result) -> tuple[Series, ...]``
    a value over time to draw on the timeline (default: none).
``METRICS``
    :class:`Metric` s: the result's fields that go into the batch CSV; the ``headline``
    ones also into the history, its trends and the batch summary (default: none).

Third-party packages register analysers under the entry-point group
``voicecoach.analysers`` (``name = "package.module"``); they run after the built-in ones.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core.datatypes import Evidence
from ..core.errors import VoicecoachError

ENTRY_POINT_GROUP = "voicecoach.analysers"
#: The key of an analyser's score among its metrics.
SCORE = "score"


@dataclass(frozen=True)
class Metric:
    """A number an analyser reports, read from its JSON result.

    Attributes:
        key: the field of the result, dotted for a nested one (``"per_min"``); the CSV
            column and the history key are ``NAME.key``.
        label: how tables and charts name it (``"fillers/min"``).
        fmt: how it is printed (a format spec such as ``".1f"``).
        better: ``"lower"``, ``"higher"``, ``"band"`` (best inside a target band) or ``""``
            (neither): how a trend is worded.
        headline: kept in the history, trended, and summarised in a batch.
        band: for ``better="band"``, the result's fields holding the band's bounds.
        noise: how much the figure moves between two takes of the same answer (measured
            by ``benchmarks/bench_spoken.py``, docs/scoring.md): progress calls a change
            no larger than this "same", not better or worse.
    """

    key: str
    label: str
    fmt: str = ".2f"
    better: str = ""
    headline: bool = False
    band: tuple[str, str] | None = None
    noise: float = 0.0

    def moved(self, before: float, now: float) -> bool:
        """Whether ``before`` -> ``now`` is more than the figure's noise (and shows when
        printed)."""
        spec = ".0f" if self.fmt == "d" else self.fmt
        return format(before, spec) != format(now, spec) and abs(now - before) > self.noise

    def value(self, result: Any) -> float | None:
        """The metric's value in a result's JSON object (None when absent or not a number)."""
        v: Any = result
        for part in self.key.split("."):
            if not isinstance(v, dict) or part not in v:
                return None
            v = v[part]
        if isinstance(v, bool):
            return float(v)
        return float(v) if isinstance(v, (int, float)) else None


@dataclass(frozen=True)
class Finding:
    """A line of detail in the reports: ``label: text`` with optional evidence (times
    to click in the HTML report). ``ok`` colours it (True good, False a problem, None
    neutral); ``quote``: the terminal quotes the first evidence after the text."""

    label: str
    text: str
    ok: bool | None = None
    evidence: tuple[Evidence, ...] = ()
    quote: bool = True


#: The overall score as a metric (the history's ``overall.score``); its noise is measured
#: as each figure's is (docs/scoring.md).
OVERALL = Metric(SCORE, "overall score", "d", "higher", headline=True, noise=10.0)


#: What a :class:`Mark` can be; each renderer styles each kind its own way.
MARK_KINDS = ("vocal_filler", "discourse_filler", "pause", "long_pause", "repeat")


@dataclass(frozen=True)
class Mark:
    """A span of the answer to mark on the transcript and the timeline.
    ``source`` is ``"acoustic"`` for a filler found by re-listening (shown in brackets)."""

    start_s: float
    end_s: float
    kind: str
    label: str
    source: str = ""


@dataclass(frozen=True)
class Series:
    """A value over time (e.g. words per minute in sliding windows), with the band it
    should stay inside, if any."""

    label: str
    points: tuple[tuple[float, float], ...]  # (time in s, value)
    band: tuple[float, float] | None = None


def _none(*_args: Any, **_kwargs: Any) -> Any:
    return None


def _empty(*_args: Any, **_kwargs: Any) -> tuple:
    return ()


def _blank(*_args: Any, **_kwargs: Any) -> str:
    return ""


@dataclass(frozen=True)
class Analyser:
    """A registered analyser: the module's attributes, with the defaults filled in."""

    name: str
    title: str
    module: Any
    options_type: type
    analyse: Callable[..., Any]
    weight: float
    scoring_type: type | None
    score: Callable[[Any, Any], int | None]
    tips: Callable[..., Any]
    summary: Callable[[Any], str]
    headline_text: Callable[[Any], str] | None
    findings: Callable[[Any], tuple[Finding, ...]]
    marks: Callable[[Any], tuple[Mark, ...]]
    series: Callable[[Any], tuple[Series, ...]]
    metrics: tuple[Metric, ...]
    result_type: type | None
    score_noise: float = 0.0

    @property
    def scored(self) -> bool:
        """Whether it gives a score (it has a ``score`` function)."""
        return self.score is not _none

    @property
    def score_metric(self) -> Metric | None:
        """Its score as a metric (key ``"score"``), if it gives one."""
        return (
            Metric(SCORE, f"{self.title.lower()} score", "d", "higher", headline=True, noise=self.score_noise)
            if self.scored
            else None
        )

    @property
    def headline_metrics(self) -> tuple[Metric, ...]:
        """What the history keeps and trends: the headline metrics, then the score."""
        score = self.score_metric
        return tuple(m for m in self.metrics if m.headline) + ((score,) if score else ())

    @property
    def primary_metric(self) -> Metric | None:
        """The one figure progress charts and batch summaries show for it: its first
        headline metric, else its score."""
        return self.headline_metrics[0] if self.headline_metrics else None

    def headline(self, result: Any) -> str:
        """The few words shown under its score on a card."""
        if self.headline_text is not None:
            return self.headline_text(result)
        m = next((m for m in self.metrics if m.headline), None)
        if m is None:
            return ""
        raw = getattr(result, m.key.split(".")[0], None) if not isinstance(result, dict) else result.get(m.key)
        value = float(raw) if isinstance(raw, (int, float)) else None
        return "" if value is None else f"{format(value, m.fmt) if m.fmt != 'd' else int(value)} {m.label}"

    def metric_value(self, metric: Metric, report: dict[str, Any]) -> float | None:
        """``metric``'s value in a ``score --json`` object (the score from ``scores``)."""
        if metric.key == SCORE:
            v = (report.get("scores") or {}).get(self.name)
            return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
        return metric.value(report.get(self.name))

    @classmethod
    def of(cls, module: Any, *, origin: str = "") -> Analyser:
        """Read a module (or any object) as an analyser.

        Raises:
            PluginError: a required attribute is missing or has the wrong kind.
        """
        where = origin or getattr(module, "__name__", repr(module))
        name = getattr(module, "NAME", None)
        if not isinstance(name, str) or not name.isidentifier():
            raise PluginError(f"analyser {where}: NAME must be a name made of letters, digits and _ (got {name!r})")
        options_type = getattr(module, "Options", None)
        if not (isinstance(options_type, type) and dataclasses.is_dataclass(options_type)):
            raise PluginError(f"analyser {where}: Options must be a dataclass")
        if not callable(getattr(module, "analyse", None)):
            raise PluginError(f"analyser {where}: analyse(transcript, audio, *, options, context) is missing")
        weight = getattr(module, "WEIGHT", 0.0)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 <= weight <= 1:
            raise PluginError(f"analyser {where}: WEIGHT must be a number from 0 to 1 (got {weight!r})")
        metrics = tuple(getattr(module, "METRICS", ()))
        if not all(isinstance(m, Metric) for m in metrics):
            raise PluginError(f"analyser {where}: METRICS must hold voicecoach.analysers.base.Metric objects")
        score_noise = getattr(module, "SCORE_NOISE", 0.0)
        if isinstance(score_noise, bool) or not isinstance(score_noise, (int, float)) or score_noise < 0:
            raise PluginError(
                f"analyser {where}: SCORE_NOISE must be a number of points, 0 or more (got {score_noise!r})"
            )
        scoring_type = getattr(module, "Scoring", None)
        if scoring_type is not None and not (isinstance(scoring_type, type) and dataclasses.is_dataclass(scoring_type)):
            raise PluginError(f"analyser {where}: Scoring must be a dataclass")
        return cls(
            name=name,
            title=getattr(module, "TITLE", name.replace("_", " ").capitalize()),
            module=module,
            options_type=options_type,
            analyse=module.analyse,
            weight=float(weight),
            scoring_type=scoring_type,
            score=getattr(module, "score", _none),
            tips=getattr(module, "tips", _empty),
            summary=getattr(module, "summary", _blank),
            headline_text=getattr(module, "headline", None),
            findings=getattr(module, "findings", _empty),
            marks=getattr(module, "marks", _empty),
            series=getattr(module, "series", _empty),
            metrics=metrics,
            result_type=getattr(module, "RESULT", None),
            score_noise=float(score_noise),
        )


class PluginError(VoicecoachError):
    """An analyser registered by another package cannot be used."""


@functools.cache
def _plugins() -> tuple[Analyser, ...]:
    from importlib.metadata import entry_points

    found = []
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        origin = f"{ep.name!r} ({ep.value}, entry point group {ENTRY_POINT_GROUP})"
        try:
            obj = ep.load()
        except Exception as exc:  # noqa: BLE001 - any failure of another package's import
            raise PluginError(
                f"analyser {origin} cannot be loaded: {type(exc).__name__}: {exc}; uninstall or fix the package that "
                "provides it"
            ) from None
        found.append(Analyser.of(obj, origin=origin))
    return tuple(found)


def registry(builtin: tuple[Any, ...]) -> tuple[Analyser, ...]:
    """The built-in analysers, then those registered by installed packages.

    Raises:
        PluginError: a plugin cannot be loaded, or two analysers share a name.
    """
    out = [Analyser.of(m) for m in builtin] + list(_plugins())
    seen: set[str] = set()
    for a in out:
        if a.name in seen or a.name in ("overall", "transcription", "scoring"):
            raise PluginError(
                f"analyser {a.module.__name__ if hasattr(a.module, '__name__') else a.module!r}: the name {a.name!r} "
                "is already taken"
            )
        seen.add(a.name)
    return tuple(out)
