"""Answer structure: length, STAR coverage, a direct opening, a clear close, the points a
strong answer covers, hedges and repeated phrases.

What the answer says is read by :mod:`.content`: each sentence (a run-on sentence cut at
its joints) gets the STAR parts it shows from a small model over sentence features,
fitted and measured on hand-labelled answers (``benchmarks/content/``). Coverage is
scored only for behavioural questions ("Tell me about a time...", "Describe a
situation..."), or when no question is given; other question types are judged on length,
opening and close.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..audio.acoustics import speech_span
from ..audio.decode import Audio
from ..core.datatypes import Evidence, Tip, Transcript, format_mmss, join_words, normalise_word
from ..core.lexicon import HEDGES, Lexicon
from ..core.questions import Question
from .base import Finding, Metric
from .content import PARTS, cue_matches, point_kind, star_units, stemmed, tokens
from .context import AnswerContext
from .relevance import Relevance, judge

NAME = "structure"
TITLE = "Structure"
#: how many points the score moves between two takes of the same answer (90th percentile,
#: benchmarks/bench_spoken.py): progress calls a change no larger than this "same"
SCORE_NOISE = 20
#: Its share of the overall score: what is said counts most (a coach's grade is of the
#: content; on the labelled set's development part 0.5 ranks answers closest to it).
WEIGHT = 0.5

#: A first sentence that stalls instead of answering (matched on its normalised words).
STALLING_OPENINGS = (
    r"\bthat'?s an? (good|great|tough|hard|difficult|interesting|big) (question|one)\b",
    r"\b(good|great|tough|hard) question\b", r"\blet me (think|see)\b", r"\bwhere (do|shall|should) i (start|begin)\b",
    r"\bi'?m not (sure|really sure)\b", r"\bi (don'?t|do not) (really )?know\b", r"\bi have to think\b",
    r"\bthere'?s a lot of things\b",
)  # fmt: skip
#: Words that carry no content in an opening ("Um, so, well, yeah.").
EMPTY_OPENING_WORDS = frozenset(
    {"so", "well", "okay", "ok", "yeah", "yes", "right", "oh", "wow", "hmm", "alright", "i", "guess", "think"}
)
#: A last sentence that trails off instead of closing (matched on its normalised words).
TRAILING_CLOSES = (
    r"\b(and|so|but) yeah\b", r"\byeah\W*$", r"\bor something\b", r"\band stuff\b", r"\band everything\W*$",
    r"\bi guess\W*$", r"\bthat'?s (about )?it\b", r"\bi (don'?t|do not) know\W*$", r"\bwe'?ll see\b",
    r"\b(and|but|so|or|because)\W*$", r"\banyway\W*$", r"\bi think\W*$",
    r"\bstill (sort of |kind of )?(talking|thinking|deciding)\b",
)  # fmt: skip
#: A last sentence that sums up or ties back: a clear close whatever the STAR model says.
SUMMING_UP = (
    r"\bthat'?s (why|how|what)\b", r"\bso that'?s\b", r"\bwhich is why\b", r"\boverall\b", r"\bin short\b",
    r"\bin summary\b", r"\bi learn(ed|t)\b", r"\blesson\b", r"\btaught me\b", r"\bshowed me\b", r"\bsince then\b",
)  # fmt: skip

LENGTH_RANGES_S: dict[str, tuple[float, float]] = {
    "behavioural": (60.0, 120.0),
    "situational": (45.0, 120.0),
    "technical": (60.0, 180.0),
    "motivation": (30.0, 90.0),
    "strengths_weaknesses": (30.0, 90.0),
    "culture_teamwork": (30.0, 90.0),
    "salary": (15.0, 60.0),
    "general": (30.0, 120.0),
}


@dataclass(frozen=True)
class Options:
    """Attributes:
    length_ranges_s: recommended answer length per question type, in seconds.
    star_threshold: a sentence shows a STAR part when the model's probability for it
        reaches this (0.5; lower finds more parts and more false ones).
    star_cues: extra regular expressions per STAR part, matched on lower-cased
        sentences: a sentence matching one shows that part whatever the model says.
    hedges: hedging phrases.
    repeat_min_words: shortest phrase counted as a repeat.
    """

    length_ranges_s: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(LENGTH_RANGES_S))
    star_threshold: float = 0.5
    star_cues: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hedges: tuple[str, ...] = HEDGES
    repeat_min_words: int = 3

    def check(self) -> None:
        """Raises ValueError when the options cannot work together."""
        for kind, span in self.length_ranges_s.items():
            if len(span) != 2 or not 0 <= span[0] < span[1]:
                raise ValueError(
                    f"length_ranges_s.{kind} = {list(span)!r} must be [shortest, longest] seconds, shortest below "
                    "longest"
                )
        if not 0 < self.star_threshold < 1:
            raise ValueError(f"star_threshold = {self.star_threshold!r} must be between 0 and 1")
        for part, cues in self.star_cues.items():
            if part not in PARTS:
                raise ValueError(f"star_cues.{part}: the STAR parts are {', '.join(PARTS)}")
            for cue in cues:
                try:
                    re.compile(cue)
                except re.error as exc:
                    raise ValueError(f"star_cues.{part}: {cue!r} is not a valid regular expression ({exc})") from None
        if self.repeat_min_words < 1:
            raise ValueError(f"repeat_min_words = {self.repeat_min_words!r} must be at least 1")


@dataclass(frozen=True)
class StarPart:
    part: str
    present: bool
    evidence: tuple[Evidence, ...]
    note: str


@dataclass(frozen=True)
class StarUnit:
    """A sentence, or a piece of a run-on sentence, and the STAR parts it shows."""

    start_s: float
    end_s: float
    first_word: int  # inclusive indices into Transcript.words
    last_word: int
    parts: tuple[str, ...]
    probabilities: tuple[float, ...] = ()  # the model's, per part (situation, task, action, result)


@dataclass(frozen=True)
class CoverPoint:
    point: str
    covered: bool
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Phrase:
    text: str
    count: int
    times_s: tuple[float, ...]


@dataclass(frozen=True)
class StructureResult:
    question_type: str
    length_s: float
    words: int
    sentences: int
    recommended_min_s: float
    recommended_max_s: float
    length_verdict: str  # "short", "ok" or "long"
    star_applies: bool
    star: tuple[StarPart, ...]
    star_coverage: float  # share of the four parts present
    direct_opening: bool
    opening: Evidence | None
    opening_note: str
    clear_ending: bool
    ending: Evidence | None
    ending_note: str
    hedges: tuple[Phrase, ...]
    repeated_phrases: tuple[Phrase, ...]
    covers: tuple[CoverPoint, ...] = ()
    units: tuple[StarUnit, ...] = ()
    relevance: Relevance | None = None


@dataclass(frozen=True)
class Scoring:
    """Attributes:
    star_part_points: per STAR part present (four parts: 60 of 100).
    star_length_points, star_opening_points, star_close_points: a behavioural answer's
        length in range, direct opening and clear close.
    length_points, opening_points, close_points: the same for other questions.
    near_length_share: outside the range, the length points fall in a straight line to
        none at this share beyond it (0.25: none below 75 % of the shortest or above
        125 % of the longest).
    covers_share: the share of the score given by the "covers" points of a bank question.
    partly_share: the share of its score an answer keeps when it stays on the topic but
        does not do what was asked (general talk where a story was asked); one that does
        not answer the question keeps none.
    """

    partly_share: float = 0.6
    star_part_points: float = 15.0
    star_length_points: float = 20.0
    star_opening_points: float = 10.0
    star_close_points: float = 10.0
    length_points: float = 40.0
    opening_points: float = 30.0
    close_points: float = 30.0
    near_length_share: float = 0.25
    covers_share: float = 0.3

    def check(self) -> None:
        """Raises ValueError when the rubric cannot work."""
        if not 0 <= self.covers_share <= 1:
            raise ValueError(f"covers_share = {self.covers_share!r} must be between 0 and 1")


#: How tips about structure rank against each other and against other areas: the
#: structure points each stands for (a missing STAR part ranks by ``star_part_points``).
TIP_POINTS_LENGTH = 15.0
TIP_POINTS_OPENING = 10.0
TIP_POINTS_PER_UNCOVERED = 8.0
TIP_POINTS_CLOSE = 10.0

METRICS = (
    Metric("length_s", "length, s", ".0f", "band"),
    Metric("words", "words", "d"),
    Metric("star_coverage", "STAR coverage", ".2f", "higher"),
    Metric("direct_opening", "direct opening", ".0f", "higher"),
    Metric("clear_ending", "clear close", ".0f", "higher"),
)


def listed(items: list[str], last: str = "and") -> str:
    """Items as prose: "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"


def _clean(text: str, lexicon: Lexicon) -> str:
    """A sentence without vocal fillers, lower-cased, for cue matching."""
    kept = [w for w in text.split() if not lexicon.is_vocal(normalise_word(w))]
    return " ".join(kept).lower().strip()


def analyse(
    transcript: Transcript, audio: Audio, *, options: Options | None = None, context: AnswerContext | None = None
) -> StructureResult:
    o = options or Options()
    ctx = context or AnswerContext()
    words = transcript.words
    sentences = transcript.sentences
    qtype = ctx.kind
    first, last = speech_span(audio, words[0].start_s, words[-1].end_s, options=ctx.silence) if words else (0.0, 0.0)
    length_s = last - first
    n_words = sum(1 for w in words if not ctx.lexicon.is_vocal(w.norm))
    lo, hi = o.length_ranges_s.get(qtype, o.length_ranges_s.get("general", (30.0, 120.0)))
    verdict = "short" if length_s < lo else "long" if length_s > hi else "ok"

    units = _star_units(transcript, o, ctx)
    star = []
    for k, part in enumerate(PARTS):
        # the clearest sentences first
        shown = sorted(
            (u for u in units if part in u.parts), key=lambda u: -(u.probabilities[k] if u.probabilities else 0.0)
        )  # noqa: B023
        hits = [Evidence(u.start_s, u.end_s, _unit_text(transcript, u)) for u in shown]
        note = f"shown in {len(hits)} sentence{'s' if len(hits) != 1 else ''}" if hits else "not stated clearly"
        star.append(StarPart(part, bool(hits), tuple(hits[:3]), note))
    star_applies = qtype == "behavioural" or ctx.question is None
    coverage = sum(p.present for p in star) / len(star) if star else 0.0

    opening = ending = None
    direct, opening_note = False, "no speech"
    clear, ending_note = False, "no speech"
    if sentences:
        s0 = sentences[0]
        opening = Evidence(s0.start_s, s0.end_s, s0.text)
        raw0 = " ".join(w.norm for w in words[s0.first_word : s0.last_word + 1])
        said0 = [w for w in tokens(s0.text, ctx.lexicon) if w not in EMPTY_OPENING_WORDS]
        if any(re.search(p, raw0) for p in STALLING_OPENINGS):
            opening_note = "stalls before the answer (a comment on the question or thinking aloud)"
        elif not said0:
            opening_note = "has only fillers before the first full stop"
        elif len(said0) == 1 and len(sentences) > 1:  # "Uh, so, deadlines, yeah. I mean..."
            opening_note = "has only fillers and one word before the first full stop"
        else:
            direct, opening_note = True, "opens with a full statement"
        sl = sentences[-1]
        ending = Evidence(sl.start_s, sl.end_s, sl.text)
        raw_last = " ".join(w.norm for w in words[sl.first_word : sl.last_word + 1])
        last_unit = units[-1] if units else None
        if any(re.search(p, raw_last) for p in TRAILING_CLOSES):
            ending_note = "trails off"
        elif ctx.lexicon.is_vocal(words[-1].norm):
            ending_note = "ends on a filler"
        elif any(re.search(p, raw_last) for p in SUMMING_UP) or (last_unit is not None and "result" in last_unit.parts):
            clear, ending_note = True, "closes on a result or lesson"
        elif not star_applies:
            clear, ending_note = True, "ends on a complete point"
        else:
            ending_note = "ends without a result or a lesson"

    spoken = [w for w in words if not ctx.lexicon.is_vocal(w.norm) and w.norm]
    norms = [w.norm for w in spoken]
    hedges = []
    # a phrase counted as a discourse filler ("sort of", "kind of") is not a hedge too:
    # the answer would lose points twice for one phrase
    for h in (x for x in o.hedges if x not in ctx.discourse_fillers):
        found = _occurrences(norms, tuple(h.split()))
        if found:
            hedges.append(Phrase(h, len(found), tuple(spoken[i].start_s for i in found)))

    return StructureResult(
        question_type=qtype,
        length_s=length_s,
        words=n_words,
        sentences=len(sentences),
        recommended_min_s=lo,
        recommended_max_s=hi,
        length_verdict=verdict,
        star_applies=star_applies,
        star=tuple(star),
        star_coverage=coverage,
        direct_opening=direct,
        opening=opening,
        opening_note=opening_note,
        clear_ending=clear,
        ending=ending,
        ending_note=ending_note,
        hedges=tuple(hedges),
        repeated_phrases=_repeats(transcript, o.repeat_min_words, ctx.lexicon),
        covers=_covers(ctx.cover_points, transcript, units, ctx),
        units=units,
        relevance=_relevance(transcript, ctx, story_asked=star_applies),
    )


def _relevance(transcript: Transcript, ctx: AnswerContext, *, story_asked: bool) -> Relevance:
    """Whether the answer answers its question (:mod:`.relevance`)."""
    if not ctx.question:
        return judge([], None, story_asked=story_asked, bank=ctx.bank)
    question = Question(ctx.question_id, ctx.question, ctx.category or "general", "medium", topic=ctx.topic)
    sentences = [s.text for s in transcript.sentences]
    return judge(sentences, question, story_asked=story_asked, lexicon=ctx.lexicon, bank=ctx.bank)


RESULT = StructureResult


def length_share(s: StructureResult, r: Scoring) -> float:
    """The share of the length points earned: 1 inside the range, falling linearly to 0 at
    ``near_length_share`` outside it."""
    lo, hi = s.recommended_min_s, s.recommended_max_s
    if s.length_s < lo:
        return max(0.0, 1 - (lo - s.length_s) / max(r.near_length_share * lo, 1e-9))
    if s.length_s > hi:
        return max(0.0, 1 - (s.length_s - hi) / max(r.near_length_share * hi, 1e-9))
    return 1.0


def score(s: StructureResult, r: Scoring) -> int:
    def length_points(full: float) -> float:
        return full * length_share(s, r)

    if s.star_applies:
        base = (
            r.star_part_points * sum(p.present for p in s.star)
            + length_points(r.star_length_points)
            + r.star_opening_points * s.direct_opening
            + r.star_close_points * s.clear_ending
        )
    else:
        base = length_points(r.length_points) + r.opening_points * s.direct_opening + r.close_points * s.clear_ending
    if s.covers:  # a bank question says what a strong answer covers
        covered = sum(c.covered for c in s.covers) / len(s.covers)
        base = (1 - r.covers_share) * base + 100 * r.covers_share * covered
    if s.relevance is not None and s.relevance.verdict in ("no", "partly"):
        base *= r.partly_share if s.relevance.verdict == "partly" else 0.0
    return round(min(100.0, max(0.0, base)))


#: What to do about each kind of unclear close (the keys are the ``ending_note``s).
CLOSE_ADVICE = {
    "trails off": "Finish on the result or what you learned, then stop.",
    "ends on a filler": "Finish on a full sentence, then stop.",
    "ends without a result or a lesson": "Finish with what came of it: the outcome, a number, or what you learned.",
}

_STAR_ADVICE = {
    "situation": "Open with one or two sentences of context: where you were and what was at stake.",
    "task": 'Say what you were responsible for: "My job was to...".',
    "action": 'Describe the steps you took yourself, with "I" rather than "we".',
    "result": "Finish with the outcome, with a number if you can, and what you learned.",
}


#: Points a tip to answer the question asked stands for: the whole answer.
TIP_POINTS_RELEVANCE = 100.0


def result_found(s: StructureResult) -> bool:
    return any(p.part == "result" and p.present for p in s.star)


def tips(s: StructureResult, score: int, r: Scoring) -> list[tuple[float, Tip]]:
    if not s.words:
        return []
    out: list[tuple[float, Tip]] = []
    rel = s.relevance
    if rel is not None and rel.verdict == "no":
        also = f" It sounds more like an answer to “{rel.sounds_like[1]}”." if rel.sounds_like else ""
        msg = (
            f"This does not answer the question asked: {rel.reason}.{also} Start with a one-sentence answer to the "
            "question asked, then back it up."
        )
        out.append((TIP_POINTS_RELEVANCE, Tip(NAME, msg, rank=0)))
    elif rel is not None and rel.verdict == "partly":
        msg = (
            "The question asks for one real story from your past, and the answer talks in general. Pick one time it "
            "happened and tell it: the situation, what you did, and how it ended."
        )
        out.append((TIP_POINTS_RELEVANCE / 2, Tip(NAME, msg, rank=0)))
    off_topic = rel is not None and rel.verdict in ("no", "partly")
    missing = [x.part for x in s.star if not x.present] if s.star_applies and not off_topic else []
    if missing:
        advice = _STAR_ADVICE.get(missing[0], "")
        out.append(
            (
                r.star_part_points * len(missing),
                Tip(NAME, f"Your answer did not clearly state the {listed(missing)}. " + advice, rank=1),
            )
        )
    uncovered = [c.point for c in s.covers if not c.covered] if not off_topic else []
    if uncovered:
        msg = (
            f"A strong answer here covers {'; '.join(c.point for c in s.covers)}. You did not touch on "
            f"{listed(uncovered, 'or')}."
        )
        out.append((TIP_POINTS_PER_UNCOVERED * len(uncovered), Tip(NAME, msg, rank=1)))
    if off_topic and rel is not None and rel.verdict == "no":
        return out  # the rest of the structure is beside the point until the question is answered
    if s.length_verdict != "ok":
        if s.length_verdict == "long":
            advice = "Cut the background to one or two sentences and get to what you did."
        elif s.star_applies and not missing:
            advice = (
                "Each part of the story is there; give each a sentence or two more: what exactly you did, and "
                "what it changed."
            )
        elif s.star_applies:
            advice = f"Tell the {listed(missing)} too."
        else:
            advice = "Back your answer with one specific example."
        msg = (
            f"The answer ran {s.length_s:.0f} s; aim for {s.recommended_min_s:.0f}-{s.recommended_max_s:.0f} s. "
            f"{advice}"
        )
        out.append((TIP_POINTS_LENGTH, Tip(NAME, msg, rank=2)))
    if not s.direct_opening and s.opening:
        msg = f"Your opening {s.opening_note}. Start with a one-sentence answer to the question."
        out.append((TIP_POINTS_OPENING, Tip(NAME, msg, (s.opening,), rank=3)))
    if not s.clear_ending and s.ending:
        if result_found(s) and s.ending_note != "ends on a filler":
            advice = "You stated the result earlier: finish on it (or on what you learned), and stop there."
        else:
            advice = CLOSE_ADVICE.get(s.ending_note, "Finish on the result, the lesson or a one-line summary.")
        out.append((TIP_POINTS_CLOSE, Tip(NAME, f"Your answer {s.ending_note}. {advice}", (s.ending,), rank=3)))
    return out


def headline(s: StructureResult) -> str:
    star = f", STAR {sum(p.present for p in s.star)} of {len(s.star)}" if s.star_applies else ""
    return f"{s.length_s:.0f} s ({s.length_verdict}){star}"


def summary(s: StructureResult) -> str:
    missing = [x.part for x in s.star if not x.present]
    star = (
        f"STAR {len(s.star) - len(missing)} of {len(s.star)}" + (f" (missing {', '.join(missing)})" if missing else "")
        if s.star_applies
        else "STAR n/a"
    )
    return (
        f"{s.length_s:.0f} s / {s.words} words ({s.length_verdict}; "
        f"{s.recommended_min_s:.0f}-{s.recommended_max_s:.0f} s), {star}"
    )


def findings(s: StructureResult) -> tuple[Finding, ...]:
    out = []
    if s.star_applies:
        for part in s.star:
            out.append(Finding(part.part, part.note, part.present, part.evidence[:1]))
    out.append(Finding("opening", s.opening_note, s.direct_opening, (s.opening,) if s.opening else ()))
    out.append(Finding("close", s.ending_note, s.clear_ending, (s.ending,) if s.ending else ()))
    for c in s.covers:
        out.append(
            Finding("covers", f"{'touched' if c.covered else 'not touched'}: {c.point}", c.covered, c.evidence[:1])
        )
    if s.hedges:
        hedges = ", ".join(f'"{h.text}" x{h.count}' for h in s.hedges)
        times = ", ".join(format_mmss(t) for h in s.hedges for t in h.times_s[:2])
        out.append(Finding("hedges", f"{hedges} (at {times})", False))
    return tuple(out)


def _star_units(transcript: Transcript, o: Options, ctx: AnswerContext) -> tuple[StarUnit, ...]:
    sentences = transcript.sentences
    # one token per Word (not the joined text: "one -to -one" is three words but one token
    # there), so that a unit's token range is its range of words
    texts = [" ".join(w.text.strip() for w in transcript.words[s.first_word : s.last_word + 1]) for s in sentences]
    found = star_units(texts, ctx.lexicon, threshold=o.star_threshold)
    out = []
    for u in found:
        s = sentences[u.sentence]
        first, last = s.first_word + u.first_word, s.first_word + u.last_word
        parts = set(u.parts)
        lowered = _clean(u.text, ctx.lexicon)
        parts |= {part for part, cues in o.star_cues.items() if any(re.search(p, lowered) for p in cues)}
        ws = transcript.words
        out.append(
            StarUnit(ws[first].start_s, ws[last].end_s, first, last, tuple(p for p in PARTS if p in parts), u.scores)
        )
    return tuple(out)


def _unit_text(transcript: Transcript, u: StarUnit) -> str:
    return join_words(w.text for w in transcript.words[u.first_word : u.last_word + 1])


def _covers(
    cover_points: tuple[tuple[str, tuple[str, ...]], ...],
    transcript: Transcript,
    units: tuple[StarUnit, ...],
    ctx: AnswerContext,
) -> tuple[CoverPoint, ...]:
    """Which of a question's "what a strong answer covers" points the answer touches: a
    unit that says one of the point's cues (compared by stems), or, for a point that
    names an outcome or what the speaker did, a unit showing that STAR part."""
    texts = [(u, _unit_text(transcript, u)) for u in units]
    stems = [(u, text, stemmed(text, ctx.lexicon)) for u, text in texts]
    out = []
    for point, cues in cover_points:
        kind = point_kind(point)
        # the sentences that say one of the point's cues first: they show it most plainly
        said = [
            Evidence(u.start_s, u.end_s, text)
            for u, text, stemmed in stems
            if any(cue_matches(cue, stemmed) for cue in cues)
        ]
        shown = [Evidence(u.start_s, u.end_s, text) for u, text, _ in stems if kind is not None and kind in u.parts]
        hits = tuple(said + [e for e in shown if e not in said])
        out.append(CoverPoint(point, bool(hits), hits[:2]))
    return tuple(out)


_STOP_PHRASES = frozenset({"i don't know", "a lot of", "one of the", "as well as"})


def _occurrences(norms: list[str], phrase: tuple[str, ...]) -> list[int]:
    n = len(phrase)
    return [i for i in range(len(norms) - n + 1) if tuple(norms[i : i + n]) == phrase]


def _repeats(transcript: Transcript, n: int, lexicon: Lexicon) -> tuple[Phrase, ...]:
    """Phrases of ``n`` words said more than once, and immediate word repeats ("I, I")."""
    words = [w for w in transcript.words if not lexicon.is_vocal(w.norm) and w.norm]
    norms = [w.norm for w in words]
    grams: Counter[tuple[str, ...]] = Counter(tuple(norms[i : i + n]) for i in range(len(norms) - n + 1))
    out = []
    for gram, count in grams.most_common():
        if count < 2 or " ".join(gram) in _STOP_PHRASES:
            continue
        out.append(Phrase(" ".join(gram), count, tuple(words[i].start_s for i in _occurrences(norms, gram))))
    for i in range(1, len(norms)):
        if norms[i] == norms[i - 1] and len(norms[i]) > 0 and norms[i] not in {"that", "had", "very"}:
            out.append(Phrase(f"{norms[i]} {norms[i]}", 1, (words[i - 1].start_s,)))
    return tuple(out[:10])
