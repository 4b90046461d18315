"""Repeated words and phrases: the words and 2-4-word phrases a speaker leans on.

Speaker Coach calls it "repetitive language", Interview Warmup shows "most used words".
A word counts when it carries content: function words (the, and, was, I, ...), vocal
fillers, discourse fillers (counted by ``fillers`` already) and the question's own words
(an answer about "a deadline" says "deadline") are left out. A word is *leaned on* when it
is said at least ``min_word_count`` times and makes at least ``min_word_share`` of the
content words; a phrase (which starts and ends on a content word, inside one sentence)
when it is said at least ``min_phrase_count`` times. Longer phrases are found first, and
a use that overlaps a listed phrase's use does not count again: "release" inside "release
process" is not listed, and a sentence said twelve times is one phrase, not nine.

The score starts at 100 and loses ``points_per_extra_use`` for every use of a leaned-on
item beyond the second. By default the score is shown but not part of the overall score
(``WEIGHT`` 0): give it a weight in ``[scoring]`` to count it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..audio.decode import Audio
from ..core.datatypes import Evidence, Tip, Transcript, format_mmss, normalise_word
from .base import Finding, Mark, Metric
from .context import AnswerContext

NAME = "repetition"
TITLE = "Repetition"
#: how many points the score moves between two takes of the same answer (90th percentile,
#: benchmarks/bench_spoken.py): progress calls a change no larger than this "same"
SCORE_NOISE = 0
#: Not in the overall score by default: a new measure is shown first and counted once
#: its thresholds are checked on real answers. Set ``weight_repetition`` to count it.
WEIGHT = 0.0

#: Closed-class English words (articles, pronouns, auxiliaries, prepositions,
#: conjunctions) and the commonest light verbs and adverbs of speech: repeating them is
#: grammar, not a habit worth a tip.
FUNCTION_WORDS = frozenset(
    """a an the this that these those there here it its it's i i'm i've i'd i'll me my mine myself we we're we've we'd
    we'll us our ours ourselves you you're you've you'd you'll your yours he him his she her hers they they're they've
    them their theirs who whom whose which what when where why how whether if then than so as because since while until
    unless although though but and or nor not no yes yeah okay ok also too very really just only even still already
    again ever never always often once there's that's what's let's is am are was were be been being do does did done
    doing have has had having will would shall should can could may might must get got gets getting go goes went going
    gone make made makes making take took taken say said says tell told know knew think thought want wanted need needed
    of in on at to for from by with about into onto over under up down out off through during before after above below
    between among against without within along across around than more most less least much many some any all each
    every both either neither one two three other another such same own something anything nothing everything
    someone anyone everyone kind sort well now back able sure""".split()
)


@dataclass(frozen=True)
class Options:
    """Attributes:
    min_word_count: a single word is leaned on from this many uses...
    min_word_share: ...when it is also at least this share of the content words.
    min_phrase_count: a 2-4-word phrase is leaned on from this many uses.
    max_items: at most this many words and phrases are listed.
    """

    min_word_count: int = 4
    min_word_share: float = 0.04
    min_phrase_count: int = 3
    max_items: int = 5

    def check(self) -> None:
        """Raises ValueError when the options cannot work together."""
        if self.min_word_count < 2 or self.min_phrase_count < 2:
            raise ValueError("min_word_count and min_phrase_count must be at least 2 (one use is not a repetition)")
        if not 0 <= self.min_word_share <= 1:
            raise ValueError(f"min_word_share = {self.min_word_share!r} must be between 0 and 1")


@dataclass(frozen=True)
class Scoring:
    """Attributes:
    points_per_extra_use: lost per use of a leaned-on word or phrase beyond the second
        (a word said six times costs 20).
    """

    points_per_extra_use: float = 5.0


@dataclass(frozen=True)
class Repeat:
    text: str
    words: int  # 1 for a word, 2-4 for a phrase
    count: int
    times_s: tuple[float, ...]  # when each use starts...
    ends_s: tuple[float, ...]  # ...and ends


@dataclass(frozen=True)
class RepetitionResult:
    content_words: int
    repeats: tuple[Repeat, ...]  # most used first
    extra_uses: int  # uses of the repeats beyond the second each


RESULT = RepetitionResult
METRICS = (
    Metric("extra_uses", "repeated uses", "d", "lower", headline=True),
    Metric("content_words", "content words", "d"),
)


def _non_overlapping(starts: list[int], n: int) -> list[int]:
    out: list[int] = []
    for i in starts:
        if not out or i >= out[-1] + n:
            out.append(i)
    return out


def analyse(
    transcript: Transcript, audio: Audio, *, options: Options | None = None, context: AnswerContext | None = None
) -> RepetitionResult:
    o = options or Options()
    ctx = context or AnswerContext()
    asked = {normalise_word(w) for w in (ctx.question or "").split()}
    words = [w for w in transcript.words if w.norm and not ctx.lexicon.is_vocal(w.norm)]
    norms = [w.norm for w in words]
    # discourse fillers are the fillers analyser's: blank them out so they neither count
    # nor join a phrase
    for phrase in sorted(ctx.discourse_fillers, key=lambda p: -len(p.split())):
        parts = phrase.split()
        for i in range(len(norms) - len(parts) + 1):
            if norms[i : i + len(parts)] == parts:
                norms[i : i + len(parts)] = [""] * len(parts)
    # a phrase never spans a sentence end
    sentence_end = [w.text.rstrip().endswith((".", "?", "!")) for w in words]

    def content(norm: str) -> bool:
        return bool(norm) and norm not in FUNCTION_WORDS and norm not in asked and not norm.isdigit()

    content_n = sum(content(n) for n in norms)
    found: list[Repeat] = []
    taken: set[int] = set()  # word indices inside the uses of what is listed

    def take(text: str, n: int, starts: list[int], minimum: int) -> None:
        free = [i for i in _non_overlapping(starts, n) if not taken.intersection(range(i, i + n))]
        if len(free) < minimum:
            return
        found.append(
            Repeat(
                text, n, len(free), tuple(words[i].start_s for i in free), tuple(words[i + n - 1].end_s for i in free)
            )
        )
        for i in free:
            taken.update(range(i, i + n))

    for n in (4, 3, 2):
        grams: dict[tuple[str, ...], list[int]] = {}
        for i in range(len(norms) - n + 1):
            gram = tuple(norms[i : i + n])
            if "" in gram or any(sentence_end[i : i + n - 1]) or not (content(gram[0]) and content(gram[-1])):
                continue
            grams.setdefault(gram, []).append(i)
        for gram, starts in sorted(grams.items(), key=lambda g: (-len(g[1]), g[1][0])):
            take(" ".join(gram), n, starts, o.min_phrase_count)
    singles: dict[str, list[int]] = {}
    for i, norm in enumerate(norms):
        if content(norm):
            singles.setdefault(norm, []).append(i)
    for word, starts in sorted(singles.items(), key=lambda g: (-len(g[1]), g[1][0])):
        take(word, 1, starts, max(o.min_word_count, math.ceil(o.min_word_share * content_n)))
    found.sort(key=lambda r: (-r.count, -r.words, r.times_s[0]))
    found = found[: o.max_items]
    return RepetitionResult(content_n, tuple(found), sum(max(0, r.count - 2) for r in found))


def score(r: RepetitionResult, s: Scoring) -> int:
    return round(min(100.0, max(0.0, 100 - s.points_per_extra_use * r.extra_uses)))


def tips(r: RepetitionResult, score: int, s: Scoring) -> list[tuple[float, Tip]]:
    if not r.repeats:
        return []
    top = r.repeats[0]
    others = "; also " + ", ".join(f'"{x.text}" x{x.count}' for x in r.repeats[1:3]) if len(r.repeats) > 1 else ""
    if len(r.repeats) > 3:
        others += f" and {len(r.repeats) - 3} more"
    msg = (
        f'You said "{top.text}" {top.count} times{others}. '
        "Leaning on the same words makes an answer sound rehearsed or stuck; say it once, then use a more precise "
        "word or let the example carry it."
    )
    ev = tuple(Evidence(t, e, top.text) for t, e in zip(top.times_s[:3], top.ends_s, strict=False))
    return [(100 - score, Tip(NAME, msg, ev, more=max(0, top.count - len(ev))))]


def summary(r: RepetitionResult) -> str:
    if not r.repeats:
        return f"no word or phrase leaned on ({r.content_words} content words)"
    return ", ".join(f'"{x.text}" x{x.count}' for x in r.repeats)


def findings(r: RepetitionResult) -> tuple[Finding, ...]:
    return tuple(
        Finding(
            "repeated",
            f'"{x.text}" x{x.count} (at {", ".join(format_mmss(t) for t in x.times_s)})',
            False,
            tuple(Evidence(t, e, x.text) for t, e in zip(x.times_s[:3], x.ends_s, strict=False)),
            quote=False,
        )
        for x in r.repeats
    )


def marks(r: RepetitionResult) -> tuple[Mark, ...]:
    return tuple(Mark(t, e, "repeat", x.text) for x in r.repeats for t, e in zip(x.times_s, x.ends_s, strict=True))
