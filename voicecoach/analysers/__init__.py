"""Analysers: pure functions of (transcript, audio, options) -> result.

Each module defines ``NAME``, an ``Options`` dataclass (documented defaults, units in the
field names), a frozen result dataclass and ``analyse(transcript, audio, *, options,
context)``. Options are settings; what belongs to one answer (the question, its category
and "covers" points, the filler lexicon in force) travels in an :class:`AnswerContext`.
They do no I/O, print nothing and load no model. Adding one is adding a module and a
line in :data:`DEFAULT_ANALYSERS`.
"""

from __future__ import annotations

from . import delivery, fillers, pacing, pauses, structure
from .context import AnswerContext  # noqa: I001 - the context first: the analysers import it

DEFAULT_ANALYSERS = (pacing, fillers, pauses, structure, delivery)

__all__ = ["DEFAULT_ANALYSERS", "AnswerContext", "delivery", "fillers", "pacing", "pauses", "structure"]
