"""Analysers: pure functions of (transcript, audio, options) -> result.

Each module defines ``NAME``, an ``Options`` dataclass (documented defaults, units in the
field names), a frozen result dataclass and ``analyse(transcript, audio, *, options)``.
They do no I/O, print nothing and load no model. Adding one is adding a module and a
line in :data:`DEFAULT_ANALYSERS`.
"""

from __future__ import annotations

from . import delivery, fillers, pacing, pauses, structure

DEFAULT_ANALYSERS = (pacing, fillers, pauses, structure, delivery)

__all__ = ["DEFAULT_ANALYSERS", "delivery", "fillers", "pacing", "pauses", "structure"]
