"""Does the answer answer the question? A verdict per answer: ``yes``, ``partly`` (on the
question's topic, but general talk where a story was asked) or ``no`` (another topic,
another question's answer, or no answer at all).

Two signals, each weak alone, measured on the labelled set (``benchmarks/content/``):

- **The question's topic said**: each bank question lists its ``topic`` words (the kind
  of story asked: "fail, mistake, went wrong, missed..." for "a time you failed"), and a
  question's own text gives more. A cue counts by its stems (:func:`.content.cue_matches`)
  and weighs 1 / the number of bank questions whose topic holds it, so "team" or "time"
  count little and "disagree" counts fully. An answer whose topic weight is under
  :data:`MIN_TOPIC_WEIGHT` says almost nothing of what was asked.
- **Its meaning against every bank question**: the answer's WordLlama embedding
  (:mod:`voicecoach.analysers.embeddings`) is compared with each question's (text and topic); when
  :data:`MIN_CLOSER_QUESTIONS` or more other questions are closer than the one asked,
  it is not about that question. Word matching alone calls on-topic answers told in other
  words off-topic; the embedding alone ranks long stories far from any short question.

``no`` needs both (or a refusal such as "I can't think of anything"); the bank question
the answer fits best is named (:meth:`Relevance.why`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..core.lexicon import DEFAULT_LEXICON, Lexicon
from ..core.questions import Question
from .content import cue_matches, is_past, tokens, topic_cues, topic_hits, topic_text

#: Under this topic weight an answer says almost nothing of what was asked (labelled set,
#: development part: off-topic answers 0 to 0.5, on-topic answers from 0.33 up, one under 0.6).
MIN_TOPIC_WEIGHT = 0.6
#: With this many bank questions closer in meaning than the one asked, the answer is about
#: something else (development part: off-topic answers rank 2nd to 66th, on-topic answers
#: up to 42nd, those under MIN_TOPIC_WEIGHT 17th at most).
MIN_CLOSER_QUESTIONS = 20
#: Fewer words than this are too few to judge.
MIN_WORDS = 6
#: For a question asking for a story, under this share of sentences telling what happened
#: the answer talks in general: ``partly``.
MIN_STORY_SHARE = 0.5
#: A refusal, whatever the topic.
REFUSALS = re.compile(
    r"\b(can'?t|cannot) (really )?think of\b|\bnothing comes to mind\b|\bi don'?t have an? (example|story)\b|\bno "
    r"example\b"
)


@dataclass(frozen=True)
class Relevance:
    """Whether an answer answers its question.

    Attributes:
        verdict: "yes", "partly", "no", or "not judged" (too few words).
        reason: one sentence saying why.
        topic_said: the question's topic words the answer said.
        topic_weight: their weight (:data:`MIN_TOPIC_WEIGHT`).
        closer_questions: bank questions closer in meaning than the one asked.
        sounds_like: the id and text of the bank question the answer fits best, when
            that is another and the verdict is "no".
    """

    verdict: str
    reason: str
    topic_said: tuple[str, ...] = ()
    topic_weight: float = 0.0
    closer_questions: int | None = None
    sounds_like: tuple[str, str] | None = None

    def why(self) -> str:
        """The reason as the report says it, with the question it sounds like."""
        also = f", and it sounds more like an answer to “{self.sounds_like[1]}”" if self.sounds_like else ""
        return f"{self.reason}{also}"


@functools.cache
def _bank_cues(bank: tuple[Question, ...]) -> dict[str, tuple[str, ...]]:
    return {q.id: topic_cues(q.text, q.topic) for q in bank}


@functools.cache
def _bank_cue_texts(bank: tuple[Question, ...]) -> tuple[tuple[tuple[str, str], ...], ...]:
    """Per bank question, each topic cue with its text as stems."""
    return tuple(tuple((c, topic_text(c)) for c in cues) for cues in _bank_cues(bank).values())


@functools.cache
def _cue_weight(cue: str, bank: tuple[Question, ...]) -> float:
    """1 / the number of bank questions whose topic holds a cue matching this one."""
    stems = topic_text(cue)
    n = sum(any(cue_matches(c, stems) or cue_matches(cue, text) for c, text in cues) for cues in _bank_cue_texts(bank))
    return 1.0 / max(n, 1)


@functools.cache
def _bank_vectors(bank: tuple[Question, ...]) -> np.ndarray:
    from .embeddings import embed

    return embed([_profile(q.text, q.topic) for q in bank])


@functools.cache
def _bank_text_vectors(bank: tuple[Question, ...]) -> np.ndarray:
    from .embeddings import embed

    return embed([q.text for q in bank])


def _profile(text: str, topic: Sequence[str]) -> str:
    return f"{text}. {', '.join(topic)}" if topic else text


def closer_questions(
    answer: str, question: Question, bank: tuple[Question, ...], lexicon: Lexicon = DEFAULT_LEXICON
) -> tuple[int, Question | None]:
    """How many ``bank`` questions are closer in meaning to ``answer`` than ``question``,
    and the closest one."""
    from .embeddings import embed

    own_index = next((i for i, q in enumerate(bank) if question.id and q.id == question.id), None)
    # a question of your own has only its text: compare it with the bank's texts alone
    vectors = _bank_vectors(bank) if own_index is not None or question.topic else _bank_text_vectors(bank)
    a = embed([" ".join(tokens(answer, lexicon))])[0]
    sims = vectors @ a
    own = (
        float(sims[own_index])
        if own_index is not None
        else float(embed([_profile(question.text, question.topic)])[0] @ a)
    )
    closer = int(sum(1 for i, s in enumerate(sims) if i != own_index and s > own))
    best = int(np.argmax(sims))
    return closer, (bank[best] if best != own_index else None)


def judge(
    sentences: Sequence[str],
    question: Question | None,
    *,
    story_asked: bool,
    bank: tuple[Question, ...],
    lexicon: Lexicon = DEFAULT_LEXICON,
) -> Relevance:
    """The verdict for an answer (its sentences, fillers and all) to ``question``, among
    the questions of ``bank`` (empty: the meaning is not compared, as when the embeddings
    are missing)."""
    answer = " ".join(sentences)
    if question is None:
        return Relevance("not judged", "no question was given")
    words = tokens(answer, lexicon)
    if len(words) < MIN_WORDS:
        return Relevance("not judged", f"{len(words)} words are too few to judge")
    cues = _bank_cues(bank).get(question.id) if question.id else None
    if cues is None:
        cues = topic_cues(question.text, question.topic)
    stems = topic_text(answer, lexicon)
    said = topic_hits(stems, cues)
    weight = round(sum(_cue_weight(c, bank) for c in said), 3)
    if weight < MIN_TOPIC_WEIGHT:
        if REFUSALS.search(" ".join(words)):
            return Relevance("no", "it says there is no example instead of giving one", said, weight)
        try:
            if not bank:
                raise ValueError("no question bank to compare with")
            closer, best = closer_questions(answer, question, bank, lexicon)
        except (ImportError, OSError, ValueError) as exc:  # no embeddings here: never accuse on words alone
            return Relevance(
                "yes", f"it touches the question's topic only lightly (meanings not compared: {exc})", said, weight
            )
        if closer >= MIN_CLOSER_QUESTIONS:
            sounds_like = (best.id, best.text) if best is not None and best.id != question.id else None
            return Relevance("no", "it says almost nothing about what was asked", said, weight, closer, sounds_like)
        weak = Relevance("yes", "it touches the question's topic only lightly", said, weight, closer)
    else:
        weak = None
    if story_asked:
        share = sum(is_past(s, lexicon) for s in sentences) / len(sentences) if sentences else 0.0
        if share < MIN_STORY_SHARE:
            return Relevance(
                "partly", "it talks in general where the question asks for one story from your past", said, weight
            )
    return weak or Relevance("yes", "it is about what was asked", said, weight)
