"""Read the hand-labelled content set (format and rules: LABELLING.md)."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = "STAR"
#: The discourse fillers whose every use is labelled (in braces where it is a filler).
LABELLED_FILLERS = ("like", "you know", "i mean", "so")
RELEVANCE = ("yes", "partly", "no")
_MARK = re.compile(r"\{([^{}]+)\}")
#: One answer in TEST_SHARE is in the test part (by a hash of its id, fixed once).
TEST_FOLD, FOLDS = 0, 3


@dataclass(frozen=True)
class Answer:
    id: str
    question: str
    direct_opening: bool
    clear_close: bool
    covers: tuple[int, ...]  # 1-based numbers of the question's covered points it touches
    star: bool  # tells one story from the past
    marked: tuple[tuple[str, str], ...]  # (labels such as "TA" or "", text with {fillers} in braces)
    joined: tuple[bool, ...] = ()  # per sentence: run into the one before (its end lost)
    grade: int = 0  # a coach's grade of the content, 1-5 (LABELLING.md)
    answers: str = "yes"  # does it answer the question asked: yes, partly, no

    @property
    def sentences(self) -> tuple[tuple[str, str], ...]:
        """(labels, text) per sentence, as spoken: the filler marks removed."""
        return tuple((labels, _MARK.sub(r"\1", text)) for labels, text in self.marked)

    @property
    def text(self) -> str:
        """The answer as a transcriber wrote it: joined sentences run on."""
        return " ".join(text for _, text in self.sentences)

    @property
    def base_id(self) -> str:
        return self.id.removesuffix("-asr")

    @property
    def part(self) -> str:
        """``"test"`` or ``"dev"``: by a hash of the original answer's id, so a copy with
        transcription errors is always in its original's part."""
        return "test" if zlib.crc32(self.base_id.encode()) % FOLDS == TEST_FOLD else "dev"

    def filler_labels(self) -> list[tuple[int, str, bool]]:
        """Every use of a labelled discourse filler: (index of its first word in the
        answer's words, phrase, whether it is a filler)."""
        out: list[tuple[int, str, bool]] = []
        offset = 0
        for _, text in self.marked:
            plain = _MARK.sub(r"\1", text)
            words = [w.strip(".,;:!?\"'").lower() for w in plain.split()]
            # word indexes of the braced phrases
            braced: set[tuple[int, str]] = set()
            for m in _MARK.finditer(text):
                start = len(_MARK.sub(r"\1", text[: m.start()]).split())
                braced.add((start, m.group(1).lower()))
            for i in range(len(words)):
                for phrase in LABELLED_FILLERS:
                    n = len(phrase.split())
                    if " ".join(words[i : i + n]) == phrase:
                        out.append((offset + i, phrase, (i, phrase) in braced))
            unknown = {b for b in braced if b[1] not in LABELLED_FILLERS}
            if unknown:
                raise ValueError(
                    f"answer {self.id!r}: braces around {sorted(p for _, p in unknown)}: only "
                    f"{', '.join(LABELLED_FILLERS)} are labelled"
                )
            offset += len(words)
        return out


def load(path: Path) -> list[Answer]:
    answers: list[Answer] = []
    head: dict[str, str] = {}
    body: list[tuple[str, str]] = []
    joined: list[bool] = []

    def flush() -> None:
        if not head:
            return
        try:
            covers = tuple(int(x) for x in head["covers"].split() if x != "-")
            answers.append(
                Answer(
                    head["id"], head["q"], _choice(head, "open", "direct", "indirect"),
                    _choice(head, "close", "clear", "unclear"),
                    covers, _choice(head, "star", "yes", "no"), tuple(body), tuple(joined),
                    _grade(head), _relevance(head),
                )
            )  # fmt: skip
        except KeyError as exc:
            raise ValueError(f"{path}: answer {head.get('id')!r} has no {exc.args[0]!r} line") from None

    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("=== "):
            flush()
            head, body, joined = {"id": line[4:].strip()}, [], []
        elif line.split(":", 1)[0] in {"q", "open", "close", "covers", "star", "grade", "answers"} and not body:
            key, value = line.split(":", 1)
            head[key] = value.strip()
        else:
            labels, sep, text = line.partition(": ")
            is_joined = labels.startswith("+")
            labels = labels.lstrip("+")
            if not sep or not set(labels) <= set(PARTS + "-"):
                raise ValueError(f"{path}:{n}: expected 'LABELS: sentence' (labels from S, T, A, R or -), got {raw!r}")
            body.append(("".join(p for p in PARTS if p in labels), text.strip()))
            joined.append(is_joined)
    flush()
    return answers


def _choice(head: dict[str, str], key: str, yes: str, no: str) -> bool:
    value = head[key]
    if value not in (yes, no):
        raise ValueError(f"answer {head['id']!r}: {key}: {value!r} must be {yes} or {no}")
    return value == yes


def _grade(head: dict[str, str]) -> int:
    value = head["grade"]
    if value not in ("1", "2", "3", "4", "5"):
        raise ValueError(f"answer {head['id']!r}: grade: {value!r} must be 1 to 5")
    return int(value)


def _relevance(head: dict[str, str]) -> str:
    value = head["answers"]
    if value not in RELEVANCE:
        raise ValueError(f"answer {head['id']!r}: answers: {value!r} must be one of {', '.join(RELEVANCE)}")
    return value


def load_all() -> tuple[list[Answer], list[Answer]]:
    """The clean answers and their copies with transcription errors."""
    return load(HERE / "answers.txt"), load(HERE / "answers_asr.txt")


def load_probes() -> tuple[list[Answer], list[Answer]]:
    """The follow-up probes (``followup_answers.txt``) and their copies with errors."""
    return load(HERE / "followup_answers.txt"), load(HERE / "followup_answers_asr.txt")
