"""Word lists: vocal fillers, discourse fillers and hedges.

Vocal fillers are matched by pattern, so elongations ("ummm", "uhhh", "hmmmm") count.
Discourse fillers are phrases that are also ordinary words; whether one acts as a filler
is decided in :mod:`voicecoach.analysers.fillers` from its context.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

#: Vocal fillers (hesitation sounds), by canonical form -> pattern on a normalised word.
VOCAL_FILLERS: dict[str, str] = {
    "um": r"u+h*m+",
    "uh": r"u+h+",
    "ah": r"a+h+",
    "er": r"e+r+|e+h+",
    "erm": r"e+r+m+",
    "hmm": r"h+m+|h+u+m+",
    "mm": r"m{2,}|m+h+m+",
}

#: Discourse fillers and the default rule that decides when each is a filler (see
#: analysers.fillers): "boundary" = only at a clause boundary (sentence start, or set
#: off by commas); "like" / "so" / "right" / "kind" = special rules.
DISCOURSE_FILLERS: dict[str, str] = {
    "like": "like",
    "you know": "you_know",
    "i mean": "boundary",
    "basically": "boundary",
    "actually": "boundary",
    "literally": "boundary",
    "honestly": "boundary",
    "so": "so",
    "right": "right",
    "okay": "boundary",
    "well": "boundary",
    "sort of": "kind",
    "kind of": "kind",
    "you see": "boundary",
}

HEDGES = (
    "i think", "i guess", "i suppose", "i feel like", "maybe", "probably", "perhaps",
    "sort of", "kind of", "i'm not sure", "not sure", "i believe", "hopefully", "somewhat",
    "a little bit", "or something", "i don't know",
)  # fmt: skip


class Lexicon:
    """The vocal-filler patterns in force, compiled once. Every analyser that tells a
    filler from a spoken word asks the same one, so a pattern added in ``[fillers.vocal]``
    is a filler for pacing and structure too, not only for the filler count."""

    def __init__(self, vocal: Mapping[str, str] | None = None) -> None:
        self.vocal = dict(VOCAL_FILLERS if vocal is None else vocal)
        self._compiled = {name: re.compile(rf"(?:{pat})") for name, pat in self.vocal.items()}

    def vocal_type(self, norm: str) -> str | None:
        """The canonical vocal filler ``norm`` is (``"ummm"`` -> ``"um"``), or None."""
        for name, rx in self._compiled.items():
            if rx.fullmatch(norm):
                return name
        return None

    def is_vocal(self, norm: str) -> bool:
        return self.vocal_type(norm) is not None


DEFAULT_LEXICON = Lexicon()


@functools.lru_cache(maxsize=8)
def _lexicon(items: tuple[tuple[str, str], ...]) -> Lexicon:
    return Lexicon(dict(items))


def lexicon_for(vocal: Mapping[str, str] | None) -> Lexicon:
    """The compiled lexicon of a set of vocal-filler patterns (cached)."""
    return DEFAULT_LEXICON if vocal is None or dict(vocal) == VOCAL_FILLERS else _lexicon(tuple(vocal.items()))


def vocal_filler_type(norm: str, patterns: Mapping[str, str] | None = None) -> str | None:
    """The canonical vocal filler ``norm`` is (``"ummm"`` -> ``"um"``), or None."""
    return lexicon_for(patterns).vocal_type(norm)


def is_vocal_filler(norm: str) -> bool:
    """Whether ``norm`` is a vocal filler by the default patterns (transcription uses
    these; the analysers use the lexicon in their :class:`AnswerContext`)."""
    return DEFAULT_LEXICON.is_vocal(norm)
