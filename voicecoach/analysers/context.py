"""What the analysers know about one answer besides its transcript and audio."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..audio.acoustics import SilenceOptions
from ..core.lexicon import DEFAULT_LEXICON, DISCOURSE_FILLERS, Lexicon

if TYPE_CHECKING:
    from ..core.questions import Question

DISCOURSE_FILLER_PHRASES = frozenset(DISCOURSE_FILLERS)


@dataclass(frozen=True)
class AnswerContext:
    """Per-answer inputs, not settings, parsed by whoever builds it
    (:meth:`voicecoach.settings.config.Settings.context`): analysers read no question bank.

    Attributes:
        question: the question's text, if known.
        category: the bank category of the question.
        kind: the question type whose rules apply ("behavioural", a category, "general").
        cover_points: what a strong answer covers, as (point, cues) pairs.
        question_id: a bank question's id (empty for a question of your own).
        topic: a bank question's topic words (what says an answer is about it).
        bank: the questions an answer's relevance is measured against (closer in meaning
            to another one than to its own: off the question); empty: not measured.
        lexicon: the vocal-filler patterns in force, compiled once for every analyser.
        discourse_fillers: the discourse-filler phrases in force (a phrase counted as a
            filler is not counted again as a hedge).
        silence: how silence is told from sound in this recording (``[silence]``).
    """

    question: str | None = None
    category: str | None = None
    kind: str = "general"
    cover_points: tuple[tuple[str, tuple[str, ...]], ...] = ()
    lexicon: Lexicon = field(default=DEFAULT_LEXICON, compare=False)
    discourse_fillers: frozenset[str] = DISCOURSE_FILLER_PHRASES
    silence: SilenceOptions = field(default_factory=SilenceOptions)
    question_id: str = ""
    topic: tuple[str, ...] = ()
    bank: tuple[Question, ...] = field(default=(), compare=False, repr=False)
