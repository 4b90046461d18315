"""Word lists: vocal fillers, discourse fillers and hedges.

Vocal fillers are matched by pattern, so elongations ("ummm", "uhhh", "hmmmm") count.
Discourse fillers are phrases that are also ordinary words; whether one acts as a filler
is decided in :mod:`voicecoach.analysers.fillers` from its context.
"""

from __future__ import annotations

import re

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

_VOCAL_RE = {name: re.compile(rf"(?:{pat})") for name, pat in VOCAL_FILLERS.items()}


def vocal_filler_type(norm: str, patterns: dict[str, str] | None = None) -> str | None:
    """The canonical vocal filler ``norm`` is (``"ummm"`` -> ``"um"``), or None."""
    compiled = _VOCAL_RE if patterns is None else {k: re.compile(v) for k, v in patterns.items()}
    for name, rx in compiled.items():
        if rx.fullmatch(norm):
            return name
    return None


def is_vocal_filler(norm: str) -> bool:
    return vocal_filler_type(norm) is not None
