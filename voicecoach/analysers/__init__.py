"""Analysers: pure functions of (transcript, audio, options, context) -> result, each
owning its score, weight, tips and headline metrics (the protocol is in
:mod:`voicecoach.analysers.base`).

Options are settings; what belongs to one answer (the question, its category and
"covers" points, the filler lexicon in force) travels in an :class:`AnswerContext`.
Analysers do no I/O, print nothing and load no model. Feedback, the reports, the batch
table and the history iterate over :func:`registered`: adding an analyser is its module
and one line in :data:`BUILTIN` (or, from another package, an entry point in the group
``voicecoach.analysers``).
"""

from __future__ import annotations

from . import delivery, fillers, pacing, pauses, repetition, structure
from .base import OVERALL, Analyser, Finding, Mark, Metric, PluginError, Series, registry
from .context import AnswerContext  # noqa: I001 - the context first: the analysers import it

#: The built-in analysers, in the order reports show them.
BUILTIN = (pacing, fillers, pauses, structure, delivery, repetition)
#: The old name of :data:`BUILTIN`.
DEFAULT_ANALYSERS = BUILTIN


def registered() -> tuple[Analyser, ...]:
    """The built-in analysers, then those installed packages register.

    Raises:
        PluginError: a registered analyser cannot be loaded or clashes with another.
    """
    return registry(BUILTIN)


def by_name() -> dict[str, Analyser]:
    return {a.name: a for a in registered()}


__all__ = [
    "OVERALL",
    "BUILTIN",
    "DEFAULT_ANALYSERS",
    "Analyser",
    "AnswerContext",
    "Finding",
    "Mark",
    "Metric",
    "PluginError",
    "Series",
    "by_name",
    "delivery",
    "fillers",
    "pacing",
    "pauses",
    "registered",
    "repetition",
    "structure",
]
