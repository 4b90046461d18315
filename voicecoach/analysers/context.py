"""What the analysers know about one answer besides its transcript and audio."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..audio.acoustics import SilenceOptions
from ..core.lexicon import DEFAULT_LEXICON, DISCOURSE_FILLERS, Lexicon

DISCOURSE_FILLER_PHRASES = frozenset(DISCOURSE_FILLERS)


@dataclass(frozen=True)
class AnswerContext:
    """Per-answer inputs, not settings.

    Attributes:
        question: the question's text, if known.
        category: the bank category of the question (shapes the structure feedback).
        covers: a bank question's "point | cue, cue" strings (what a strong answer covers).
        question_id: a bank question's id (empty for a question of your own).
        topic: a bank question's topic words (what says an answer is about it).
        lexicon: the vocal-filler patterns in force, compiled once for every analyser.
        discourse_fillers: the discourse-filler phrases in force (a phrase counted as a
            filler is not counted again as a hedge).
        silence: how silence is told from sound in this recording (``[silence]``).
    """

    question: str | None = None
    category: str | None = None
    covers: tuple[str, ...] = ()
    lexicon: Lexicon = field(default=DEFAULT_LEXICON, compare=False)
    discourse_fillers: frozenset[str] = DISCOURSE_FILLER_PHRASES
    silence: SilenceOptions = field(default_factory=SilenceOptions)
    question_id: str = ""
    topic: tuple[str, ...] = ()
