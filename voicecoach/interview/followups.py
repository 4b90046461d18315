"""The interviewer's follow-up: at most one per question, grounded in what the answer said.

Each trigger reads the structure analysis of the answer just given and fires only where a
careful coach would ask (the precision of each, per trigger, on the hand-labelled content
set: ``benchmarks/bench_followups.py``; a follow-up must never ask for what was said):

- ``example``: a question asking for a story, answered in general ("I always try to...");
- ``outcome``: a story with no result;
- ``own``: a story in which the speaker does nothing themselves (only "we", or nobody);
- ``shorter``: far over the question's length range (a measured fact, not a judgement).

Triggers are tried in that order and the first that fires is asked; none fires for an
answer that is complete, off the question (the report says so; a follow-up would reward
it) or too short to judge. ``point`` (a point the bank says a strong answer covers, left
untouched) is measured but does not ship: the covered-point check misses too many points
said in other words to ask about one it did not find. Nor does ``proof`` (a story whose
result is only claimed, "it went really well": "How did you know it had worked?"): it
asked for what a story had shown ("she moved training to the evening") and the STAR
model seldom sees a claimed result as a result at all.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from ..analysers.content import is_past, tokens
from ..analysers.structure import StructureResult

#: The triggers that ship, in the order they are tried.
TRIGGERS = ("example", "outcome", "own", "shorter")
#: Why each trigger asks, as the report says it.
REASONS = {
    "example": "the answer gave no specific example",
    "outcome": "the story had no result",
    "own": "the story did not say what you did yourself",
    "proof": "the result was claimed, not shown",
    "point": "a point a strong answer covers was not touched",
    "shorter": "the answer ran long",
}
#: Every trigger measured, shipped or not.
ALL_TRIGGERS = ("example", "outcome", "own", "proof", "point", "shorter")
#: What each asks, in a few wordings (one is picked at random; ``{point}`` is the
#: uncovered point, ``{topic}`` a phrase of the candidate's own where one is found).
WORDINGS: dict[str, tuple[str, ...]] = {
    "example": (
        "Can you give me one specific example?",
        "Could you tell me about one particular time that happened?",
        "Tell me about one real situation where you did that.",
    ),
    "outcome": (
        "What was the outcome?",
        "How did it end?",
        "And what was the result in the end?",
    ),
    "outcome_topic": (
        "What was the outcome of {topic}?",
        "How did {topic} end?",
    ),
    "own": (
        "What did you do yourself?",
        "What was your own part in that?",
        "And what did you personally do?",
    ),
    "proof": (
        "How did you know it had worked?",
        "How could you tell it had worked?",
        "What showed you that it had worked?",
    ),
    "point": (
        "Can you say a little about {point}?",
        "Tell me about {point}.",
        "What would you say about {point}?",
    ),
    "shorter": (
        "In one sentence, what was the key point?",
        "If you had to sum it up in one sentence, what would you say?",
    ),
}
#: An answer of fewer words is too short to judge what it lacks.
MIN_WORDS = 25
#: ``outcome`` fires only when no sentence reaches this probability of being a result by
#: the STAR model (0.5 is where a sentence counts as one): a story whose close the model
#: half-sees as a result may well have one. The highest value with no wrong follow-up on
#: the development part of the labelled set.
OUTCOME_MAX_PROBABILITY = 0.15
#: ``outcome`` asks only of an answer told as a story: at least this share of its
#: sentences tell what happened (a verb in the past, ``analysers.content.is_past``). The
#: relevance check already calls an answer under half of them general talk; an answer at
#: the line ("I set reminders... I'm not rushed") is habit as often as story, and asking
#: for its outcome asks a question it never raised.
OUTCOME_MIN_PAST_SHARE = 0.6
#: ``own`` and ``proof`` ask only of a story (this share of its sentences in the past, as
#: ``outcome``).
STORY_MIN_PAST_SHARE = OUTCOME_MIN_PAST_SHARE
#: A unit is a result where the STAR model gives it at least this probability of one.
RESULT_PROBABILITY = 0.5
#: ``shorter`` fires at this multiple of the longest recommended length.
SHORTER_OVER = 1.5


@dataclass(frozen=True)
class FollowUp:
    """One follow-up question: its ``trigger`` (one of :data:`TRIGGERS`), its ``text``,
    and for ``point`` the point it asks about."""

    trigger: str
    text: str
    point: str | None = None


def past_share(sentences: list[str]) -> float:
    """The share of ``sentences`` that tell what happened."""
    return sum(is_past(x) for x in sentences) / len(sentences) if sentences else 0.0


#: "I" followed by a word that is no action of the speaker's: thinking, feeling, being,
#: having to (a task), or a repeated "I" ("I, uh, I cut" keeps its second one).
_NOT_DOING = (
    "i|think|thought|guess|suppose|mean|know|knew|remember|believe|felt|feel|hope|wish|was|were|am|"
    "m|ve|d|ll|wasn't|don't|didn't|do|did|can't|couldn't|wouldn't|would|could|should|wanted|want|"
    "needed|need|disagreed|agreed|liked|like|love|loved|really|kind|sort|got used|had to|have to|has to|"
    "never|always"
)
_SPEAKER_ACTS = re.compile(rf"(?:^| )i (?!(?:{_NOT_DOING})\b)[a-z]")
#: Words between "I" and its verb, dropped before :data:`_SPEAKER_ACTS` is tried.
_ADVERB = re.compile(r"\bi (also|then|first|just|quickly|even|myself|personally|actually|finally|immediately) ")
#: What a listener could check in a result: a number, a time, a mark, someone else's word
#: or decision, something that did or did not happen, a change still in place.
_EVIDENCE = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    r"hundred|thousand|million|half|twice|double|percent|first|top|mark|marks|grade|score|on time|early|"
    r"said|says|told|thanked|asked|agreed|signed|renewed|review|feedback|praised|promoted|offered|hired|chose|"
    r"kept|decided|approved|picked|uses|use|still|now|since|never|no|none|nobody|without|not|n't)\b|n't\b"
)
#: A result claimed in general: success, a quality without a measure.
_CLAIM = re.compile(
    r"\b(went (really |very |so |quite |pretty )?(well|great|fine|smoothly)|(was|were|felt) (a |really |very |so |"
    r"quite |pretty )*(success|successful|great|fine|good|better|happy|pleased)|worked out|everyone was happy|"
    r"smoother|better|easier|faster|more|improved|helped)\b"
)


def own_action(sentences: list[str]) -> bool:
    """Whether any of ``sentences`` says something the speaker did themselves ("I split
    the work"), not only what the team did or what the speaker thought or felt."""
    for x in sentences:
        text = " ".join(tokens(x))
        while (shorter := _ADVERB.sub("i ", text)) != text:
            text = shorter
        if _SPEAKER_ACTS.search(text):
            return True
    return False


def _claims_only(results: list[str]) -> bool:
    joined = [" ".join(tokens(x)) for x in results]
    return bool(joined) and not any(_EVIDENCE.search(x) for x in joined) and any(_CLAIM.search(x) for x in joined)


def result_texts(s: StructureResult, words: list[str]) -> list[str]:
    """The sentence around each unit of ``s`` the STAR model calls a result (a unit can be
    a piece of a run-on sentence whose other piece shows the result: "I submitted on time
    and got a first, and I ended up more confident"); ``words`` are the transcript's words
    the units index."""
    out: list[str] = []
    for u in s.units:
        if len(u.probabilities) == 4 and u.probabilities[3] >= RESULT_PROBABILITY:
            first, last = u.first_word, u.last_word
            while first > 0 and not words[first - 1].rstrip().endswith((".", "?", "!")):
                first -= 1
            while last + 1 < len(words) and not words[last].rstrip().endswith((".", "?", "!")):
                last += 1
            text = " ".join(words[first : last + 1])
            if text not in out:
                out.append(text)
    return out


def wanted(
    s: StructureResult,
    sentences: list[str],
    triggers: tuple[str, ...] = TRIGGERS,
    *,
    results: list[str] | None = None,
) -> list[tuple[str, str | None]]:
    """Every trigger of ``triggers`` that fires on the answer ``s`` (its analysis) of
    ``sentences``, in order, each with its point (for ``point``). ``results`` are the
    texts of its result units (:func:`result_texts`); without them ``proof`` is not tried."""
    out: list[tuple[str, str | None]] = []
    relevance = s.relevance.verdict if s.relevance is not None else "not judged"
    if s.words < MIN_WORDS or relevance in ("no", "not judged"):
        return out
    if "example" in triggers and s.star_applies and relevance == "partly":
        out.append(("example", None))
    parts = {p.part: p for p in s.star}
    told = any(parts[p].present for p in ("situation", "action") if p in parts)
    if (
        "outcome" in triggers
        and s.star_applies
        and relevance == "yes"
        and told
        and "result" in parts
        and not parts["result"].present
        and past_share(sentences) >= OUTCOME_MIN_PAST_SHARE
    ):
        best = max((u.probabilities[3] for u in s.units if len(u.probabilities) == 4), default=0.0)
        if best < OUTCOME_MAX_PROBABILITY:
            out.append(("outcome", None))
    story = s.star_applies and told and past_share(sentences) >= STORY_MIN_PAST_SHARE
    if "own" in triggers and story and relevance == "yes" and not own_action(sentences):
        out.append(("own", None))
    if (
        "proof" in triggers
        and story
        and relevance == "yes"
        and results is not None
        and parts.get("result") is not None
        and parts["result"].present
        and _claims_only(results)
    ):
        out.append(("proof", None))
    if "point" in triggers:
        for c in s.covers:
            if not c.covered:
                out.append(("point", c.point))
                break
    if "shorter" in triggers and s.length_s > SHORTER_OVER * s.recommended_max_s:
        out.append(("shorter", None))
    return out


def choose(
    s: StructureResult,
    sentences: list[str],
    *,
    results: list[str] | None = None,
    rng: random.Random | None = None,
    topic: str | None = None,
) -> FollowUp | None:
    """The follow-up to ask after the answer ``s`` of ``sentences`` with result units
    ``results`` (None: it needs none)."""
    found = wanted(s, sentences, results=results)
    if not found:
        return None
    trigger, point = found[0]
    rng = rng or random.Random()
    key = "outcome_topic" if trigger == "outcome" and topic else trigger
    text = rng.choice(WORDINGS[key]).format(point=point or "", topic=topic or "")
    return FollowUp(trigger, text, point)


#: A project, change, launch... the candidate named: "the checkout page", "our new app".
_TOPIC = re.compile(
    r"\b((?:the|our|my|a|an) (?:[a-z]+ ){0,2}(?:project|launch|migration|release|report|redesign|rollout|"
    r"deadline|presentation|event|campaign|change|system|app|page|process|plan|product|feature|study|"
    r"assignment|competition))\b"
)


def topic_phrase(text: str) -> str | None:
    """A short noun phrase of the candidate's own to ask about ("the checkout page"), the
    first one the answer names; with "our"/"my" turned to "your"."""
    m = _TOPIC.search(text.lower())
    if m is None:
        return None
    phrase = m.group(1)
    return re.sub(r"^(our|my) ", "your ", re.sub(r"^an? ", "the ", phrase))
