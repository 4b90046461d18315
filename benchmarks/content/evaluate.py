"""Run the structure analysis on the labelled answers and score it against the labels.

Each answer becomes a transcript of evenly spaced words (the text as written, with its
punctuation: a lost sentence end stays lost) and a tone where the words are; the
analysis is the product's own, ``structure.analyse``.
"""

from __future__ import annotations

import functools
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from dataset import PARTS, Answer

from voicecoach.analysers import content, structure
from voicecoach.analysers.context import AnswerContext
from voicecoach.audio.decode import SAMPLE_RATE_HZ, Audio, validate_samples
from voicecoach.core.datatypes import Transcript, Word
from voicecoach.core.questions import Question, load_bank, question_kind
from voicecoach.settings.config import Settings

#: The default settings: the context every analysed answer gets, as `score` gives it.
SETTINGS = Settings()

PART_NAMES = dict(zip(PARTS, content.PARTS, strict=True))


def transcript_and_audio(
    answer: Answer, word_s: float = 0.32, gap_s: float = 0.08
) -> tuple[Transcript, Audio, list[int]]:
    """The answer as a transcript and an audio, and each word's reference sentence."""
    words, owner, t = [], [], 0.5
    for k, (_, text) in enumerate(answer.sentences):
        for token in text.split():
            words.append(Word(token, round(t, 3), round(t + word_s, 3), 0.9))
            owner.append(k)
            t += word_s + gap_s
        t += 0.3
    duration = t + 0.5
    samples = np.zeros(int(duration * SAMPLE_RATE_HZ), dtype=np.float32)
    tt = np.arange(len(samples)) / SAMPLE_RATE_HZ
    for w in words:  # a 150 Hz tone over each word's samples: start_s <= t < end_s
        i0, i1 = np.searchsorted(tt, [w.start_s, w.end_s], side="left")
        samples[i0:i1] = (0.3 * np.sin(2 * np.pi * 150 * tt[i0:i1])).astype(np.float32)
    return Transcript(tuple(words), duration, "en"), validate_samples(samples, source=answer.id), owner


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, truth: bool, pred: bool) -> None:
        self.tp += truth and pred
        self.fp += pred and not truth
        self.fn += truth and not pred

    @property
    def p(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def r(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        return 2 * self.p * self.r / (self.p + self.r) if self.p + self.r else 0.0


@dataclass
class Scores:
    parts: dict[str, Counts] = field(default_factory=lambda: {p: Counts() for p in PARTS})
    confusion: Counter = field(default_factory=Counter)  # (true part or "-", predicted part or "-") -> sentences
    covers: Counts = field(default_factory=Counts)
    opening: list[bool] = field(default_factory=list)
    close: list[bool] = field(default_factory=list)
    answers: int = 0
    sentences: int = 0
    errors: list[str] = field(default_factory=list)

    def merge(self, other: Scores) -> None:
        for p in PARTS:
            mine, theirs = self.parts[p], other.parts[p]
            mine.tp, mine.fp, mine.fn = mine.tp + theirs.tp, mine.fp + theirs.fp, mine.fn + theirs.fn
        self.covers.tp, self.covers.fp, self.covers.fn = (
            self.covers.tp + other.covers.tp,
            self.covers.fp + other.covers.fp,
            self.covers.fn + other.covers.fn,
        )
        self.confusion.update(other.confusion)
        self.opening += other.opening
        self.close += other.close
        self.answers += other.answers
        self.sentences += other.sentences
        self.errors += other.errors

    @property
    def star(self) -> Counts:
        total = Counts()
        for c in self.parts.values():
            total.tp, total.fp, total.fn = total.tp + c.tp, total.fp + c.fp, total.fn + c.fn
        return total

    @property
    def star_macro_f1(self) -> float:
        return sum(c.f1 for c in self.parts.values()) / len(self.parts)

    @property
    def opening_accuracy(self) -> float:
        return sum(self.opening) / len(self.opening) if self.opening else 0.0

    @property
    def close_accuracy(self) -> float:
        return sum(self.close) / len(self.close) if self.close else 0.0


@functools.cache
def bank() -> dict[str, Question]:
    return {q.id: q for q in load_bank(include_user_dir=False)}


def sentence_parts(result: structure.StructureResult, owner: list[int], n_sentences: int) -> list[str]:
    """Per reference sentence: the parts of the unit holding most of its words."""
    word_unit: dict[int, str] = {}
    for u in result.units:
        letters = "".join(p[0].upper() for p in u.parts)
        for i in range(u.first_word, u.last_word + 1):
            word_unit[i] = letters
    out = []
    for k in range(n_sentences):
        votes = Counter(word_unit.get(i, "") for i, o in enumerate(owner) if o == k)
        out.append(votes.most_common(1)[0][0] if votes else "")
    return out


Analyse = Callable[[Transcript, Audio, AnswerContext], structure.StructureResult]


def default_analyse(transcript: Transcript, audio: Audio, ctx: AnswerContext) -> structure.StructureResult:
    return structure.analyse(transcript, audio, context=ctx)


def evaluate(answers: Iterable[Answer], analyse: Analyse = default_analyse) -> Scores:
    questions = bank()
    scores = Scores()
    for a in answers:
        q = questions[a.question]
        transcript, audio, owner = transcript_and_audio(a)
        ctx = SETTINGS.context(q)
        result = analyse(transcript, audio, ctx)
        scores.answers += 1
        if star_judged(a):
            predicted = sentence_parts(result, owner, len(a.sentences))
            for (truth, text), pred in zip(a.sentences, predicted, strict=True):
                scores.sentences += 1
                for p in PARTS:
                    scores.parts[p].add(p in truth, p in pred)
                for t in truth or "-":
                    for p in pred or "-":
                        scores.confusion[(t, p)] += 1
                if truth != pred:
                    scores.errors.append(f"{a.id}: {truth or '-'} -> {pred or '-'}: {text}")
        for n, c in enumerate(result.covers, 1):
            scores.covers.add(n in a.covers, c.covered)
            if (n in a.covers) != c.covered:
                scores.errors.append(f"{a.id}: covers {n} ({c.point}) truth {n in a.covers}, found {c.covered}")
        scores.opening.append(result.direct_opening == a.direct_opening)
        scores.close.append(result.clear_ending == a.clear_close)
        if result.direct_opening != a.direct_opening:
            scores.errors.append(f"{a.id}: opening truth {a.direct_opening}: {a.sentences[0][1]}")
        if result.clear_ending != a.clear_close:
            scores.errors.append(f"{a.id}: close truth {a.clear_close}: {a.sentences[-1][1]}")
    return scores


def star_judged(answer: Answer) -> bool:
    """Whether the answer's sentences are judged for STAR parts: it tells a story, or it
    answers a question that asks for one (then every sentence should show none)."""
    return answer.star or question_kind(bank()[answer.question].text, bank()[answer.question].category) == "behavioural"


L2 = 0.6


def _unit_rows(answers: Iterable[Answer]) -> tuple[list[dict[str, float]], list[str]]:
    from voicecoach.analysers import content

    feats, labels = [], []
    for a in answers:
        transcript, _audio, owner = transcript_and_audio(a)
        sentences = transcript.sentences
        for i, first, last, _text, f in content.unit_features([s.text for s in sentences]):
            start = sentences[i].first_word
            ref = Counter(owner[start + first : start + last + 1]).most_common(1)[0][0]
            feats.append(f)
            labels.append(a.sentences[ref][0])
    return feats, labels


def _logistic(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    w = np.zeros(x.shape[1])
    reg = np.full(x.shape[1], L2)
    reg[0] = 0.0  # the bias is not shrunk
    for _ in range(50):
        p = 1 / (1 + np.exp(-(x @ w)))
        step = np.linalg.solve((x * (p * (1 - p))[:, None]).T @ x + np.diag(reg + 1e-9), x.T @ (p - y) + reg * w)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def fit_weights(answers: Iterable[Answer]) -> tuple[dict[str, dict[str, float]], int]:
    """Per STAR part, logistic regression weights over the unit features; and the number
    of units fitted on."""
    feats, labels = _unit_rows(answers)
    names = sorted(feats[0])
    x = np.array([[1.0] + [f[n] for n in names] for f in feats])
    weights = {}
    for letter, part in PART_NAMES.items():
        w = _logistic(x, np.array([float(letter in lab) for lab in labels]))
        weights[part] = {"bias": round(float(w[0]), 4)} | {
            n: round(float(v), 4) for n, v in zip(names, w[1:], strict=True) if abs(v) >= 1e-4
        }
    return weights, len(labels)


FOLDS = 3


def fold(answer: Answer) -> int:
    """The cross-validation fold: by a hash of the original answer's id, so a copy with
    transcription errors is always in its original's fold."""
    return zlib.crc32(answer.id.removesuffix("-asr").encode()) % FOLDS


def cross_validate(clean: list[Answer], noisy: list[Answer]) -> tuple[Scores, Scores]:
    """Every answer scored by weights fitted without its fold (clean and noisy copies)."""
    from voicecoach.analysers import content

    out = (Scores(), Scores())
    for k in range(FOLDS):
        train = [a for a in clean + noisy if fold(a) != k and star_judged(a)]
        content.override, _ = fit_weights(train)
        try:
            for total, answers in zip(out, (clean, noisy), strict=True):
                part = evaluate([a for a in answers if fold(a) == k])
                total.merge(part)
        finally:
            content.override = None
    return out
