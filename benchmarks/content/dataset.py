"""Read the hand-labelled content set (format and rules: LABELLING.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = "STAR"


@dataclass(frozen=True)
class Answer:
    id: str
    question: str
    direct_opening: bool
    clear_close: bool
    covers: tuple[int, ...]  # 1-based numbers of the question's covered points it touches
    star: bool  # tells one story from the past
    sentences: tuple[tuple[str, str], ...]  # (labels such as "TA" or "", text)
    joined: tuple[bool, ...] = ()  # per sentence: run into the one before (its end lost)

    @property
    def text(self) -> str:
        """The answer as a transcriber wrote it: joined sentences run on."""
        return " ".join(text for _, text in self.sentences)


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
                    head["id"], head["q"], _choice(head, "open", "direct", "indirect"), _choice(head, "close", "clear", "unclear"),
                    covers, _choice(head, "star", "yes", "no"), tuple(body), tuple(joined),
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
        elif line.split(":", 1)[0] in {"q", "open", "close", "covers", "star"} and not body:
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


def load_all() -> tuple[list[Answer], list[Answer]]:
    """The clean answers and their copies with transcription errors."""
    return load(HERE / "answers.txt"), load(HERE / "answers_asr.txt")
