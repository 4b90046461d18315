"""Result types shared across the pipeline. All are frozen: results are never mutated."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

SCHEMA_VERSION = 1

_NON_WORD = re.compile(r"[^\w']+")


def format_mmss(t: float, *, tenths: bool = True) -> str:
    """Seconds as ``m:ss.s`` (``75.2`` -> ``"1:15.2"``; ``599.96`` -> ``"10:00.0"``, not
    ``"9:60.0"``), for showing times to people; without ``tenths``, whole seconds
    (``75.9`` -> ``"1:15"``, as a clock counts)."""
    if not tenths:
        return f"{int(t // 60)}:{int(t % 60):02d}"
    d = round(t * 10)
    return f"{d // 600}:{d % 600 / 10:04.1f}"


def normalise_word(text: str) -> str:
    """Lower-case a word and strip punctuation (``" Um,"`` -> ``"um"``)."""
    return _NON_WORD.sub("", text.lower()).strip("'")


_ATTACH_BEFORE = ("-", "'", "\u2019", "%", ",", ".", "?", "!", ":", ";", ")", "n't")
_ATTACH_AFTER = ("-", "$", "\u00a3", "\u20ac", "(", "/")


def join_words(texts: Iterable[str]) -> str:
    """Words as Whisper wrote them, joined into text: a space between words, but none
    before a piece that continues the word before it ("one", "-to", "-one" -> "one-to-one";
    "it", "'s" -> "it's"; "20", "%" -> "20%") or after one that opens the next ("$", "50")."""
    out: list[str] = []
    for raw in texts:
        text = raw.strip()
        if not text:
            continue
        dash = text.strip("-\u2013\u2014") == ""  # a dash on its own keeps its spaces
        if (
            out
            and not dash
            and (
                text.startswith(_ATTACH_BEFORE) or (out[-1].endswith(_ATTACH_AFTER) and out[-1].strip("-\u2013\u2014"))
            )
        ):
            out[-1] += text
        else:
            out.append(text)
    return " ".join(out)


@dataclass(frozen=True)
class Word:
    """One recognised word. ``text`` keeps Whisper's punctuation; ``source`` says which
    decoding pass produced it: ``"plain"``, ``"filler"`` (the filler-biased pass) or
    ``"acoustic"`` (a filler found by re-listening; ``probability`` is then the probability
    that the sound is a filler)."""

    text: str
    start_s: float
    end_s: float
    probability: float
    source: str = "plain"

    @property
    def norm(self) -> str:
        return normalise_word(self.text)


@dataclass(frozen=True)
class Sentence:
    """A run of words ending in ``.``, ``?`` or ``!`` (or the end of the answer)."""

    text: str
    start_s: float
    end_s: float
    first_word: int
    last_word: int  # inclusive index into Transcript.words


@dataclass(frozen=True)
class Transcript:
    words: tuple[Word, ...]
    duration_s: float
    language: str
    model: str = ""
    decoding: str = ""

    @property
    def text(self) -> str:
        return join_words(w.text for w in self.words)

    @property
    def sentences(self) -> tuple[Sentence, ...]:
        return split_sentences(self.words)


def split_sentences(words: tuple[Word, ...] | list[Word]) -> tuple[Sentence, ...]:
    """Group words into sentences at Whisper's sentence-final punctuation."""
    out: list[Sentence] = []
    start = 0
    for i, w in enumerate(words):
        if w.text.rstrip().endswith((".", "?", "!")) or i == len(words) - 1:
            chunk = words[start : i + 1]
            out.append(
                Sentence(
                    text=join_words(x.text for x in chunk),
                    start_s=chunk[0].start_s,
                    end_s=chunk[-1].end_s,
                    first_word=start,
                    last_word=i,
                )
            )
            start = i + 1
    return tuple(out)


@dataclass(frozen=True)
class Segment:
    """A time span, e.g. a pause, with an optional label."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Evidence:
    """Where in the answer a finding shows: a time and a quote."""

    start_s: float
    end_s: float
    quote: str


@dataclass(frozen=True)
class Tip:
    """A piece of advice, with the moments that show it. ``more`` counts the moments of
    the same kind not listed in ``evidence`` (shown as "and N more")."""

    area: str
    message: str
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    more: int = 0
    #: A coach's order (:data:`voicecoach.analysers.feedback.TIP_RANKS`): 0 answer the question,
    #: 1 a missing story part or result, 2 length, 3 opening and close, 4 delivery.
    rank: int = 4
    #: Why this tip was chosen and where it stands (filled in by ``make_tips``).
    reason: str = ""
