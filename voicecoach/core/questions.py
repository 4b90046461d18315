"""The question bank: built-in questions plus the user's own files.

User questions live in TOML, YAML or JSON files in the ``questions`` folder of the user
config directory (``voicecoach questions --where`` prints it), or in a file given with
``--questions``. A file holds a list of questions (JSON/YAML) or ``[[question]]`` tables
(TOML), each with ``id``, ``text``, ``category``, ``difficulty`` (easy, medium, hard) and
``covers``: what a strong answer covers, as ``"point | cue, cue"`` strings.
"""

from __future__ import annotations

import difflib
import functools
import json
import random
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ConfigError, Hint
from .files import read_user_text
from .paths import user_questions_dir

DIFFICULTIES = ("easy", "medium", "hard")
#: How categories are named to people.
CATEGORY_NAMES = {
    "behavioural": "behavioural (STAR)",
    "motivation": "motivation and career goals",
    "strengths_weaknesses": "strengths and weaknesses",
    "situational": "situational",
    "culture_teamwork": "culture and teamwork",
    "salary": "salary",
    "technical": "explaining a technical topic",
    "internship": "internship",
    "scholarship": "scholarship",
    "promotion": "promotion",
    "general": "general",
}
#: Wordings that ask for a story from the past: such a question is judged on STAR.
BEHAVIOURAL_CUES = (
    r"\btell me about a time\b", r"\bdescribe a (time|situation)\b", r"\bgive (me )?an example\b", r"\bhave you ever\b",
    r"\ba time (when|you)\b", r"\bwalk me through a\b", r"\bhow did you (handle|deal)\b",
)  # fmt: skip
#: What a bank question's id looks like (``sw-weakness``): a value like this that is not
#: an id is a mistyped id, not a question of your own.
ID_LIKE = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)+")


def category_name(category: str) -> str:
    return CATEGORY_NAMES.get(category, category.replace("_", " "))


def is_behavioural(text: str) -> bool:
    """Whether ``text`` asks for a story from the past ("Tell me about a time...")."""
    return any(re.search(p, text.lower()) for p in BEHAVIOURAL_CUES)


SUFFIXES = (".toml", ".json", ".yaml", ".yml")


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    category: str
    difficulty: str
    covers: tuple[str, ...] = ()
    source: str = "built-in"
    #: Words and phrases that say an answer is about what the question asks (the kind of
    #: story for a behavioural question), matched like cues; the relevance check reads them.
    topic: tuple[str, ...] = ()

    @property
    def cover_points(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """``covers`` parsed into (point, cues)."""
        return parse_covers(self.covers)

    @property
    def custom(self) -> bool:
        """A question of the user's own, given as text (no id, kept by its text)."""
        return not self.id


def _plain_text(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def resolve_question(questions: list[Question], value: str) -> Question:
    """The question ``value`` names: a bank id; the text of a bank question (case and
    punctuation aside), which is then that question; or any other text, a question of
    your own (no id; behavioural when worded so).

    Raises:
        ConfigError: an id-like value that is no question's id (with "did you mean"), or
            an empty value.
    """
    value = value.strip()
    if not value:
        raise ConfigError("the question is empty; give a question id or the question's text", hint=Hint("questions"))
    for q in questions:
        if q.id == value:
            return q
    plain = _plain_text(value)
    for q in questions:
        if _plain_text(q.text) == plain:
            return q
    if ID_LIKE.fullmatch(value):
        close = difflib.get_close_matches(value, [q.id for q in questions], n=3, cutoff=0.6)
        if close:
            raise ConfigError(
                f"question id {value!r}: no such question; did you mean {' or '.join(close)}?", setting="question"
            )
        raise ConfigError(
            f"question id {value!r}: no such question; give a question id or the question's text",
            setting="question",
            hint=Hint("questions"),
        )
    return own_question(value)


def own_question(text: str) -> Question:
    """A question of your own: no id, behavioural when worded so (its length range and
    STAR rules are then the behavioural ones), else general."""
    category = "behavioural" if is_behavioural(text) else "general"
    return Question("", text.strip(), category, "medium", (), "your own")


def as_question(value: Question | str | None) -> Question | None:
    """The one question value: a :class:`Question` as it is, the text of a question of your
    own as one (:func:`own_question`), nothing (or blank text) as None."""
    if value is None or isinstance(value, Question):
        return value
    return own_question(value) if value.strip() else None


def find_text(questions: list[Question], text: str) -> Question | None:
    """The bank question whose text is ``text`` (case and punctuation aside), if any."""
    plain = _plain_text(text)
    return next((q for q in questions if _plain_text(q.text) == plain), None)


def question_kind(text: str | None, category: str | None = None) -> str:
    """The question type whose rules an answer is judged by: behavioural (by category or
    wording), else the category, else general."""
    if category == "behavioural" or (text and is_behavioural(text)):
        return "behavioural"
    return category or "general"


def parse_covers(covers: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out = []
    for c in covers:
        point, _, cues = c.partition("|")
        out.append((point.strip(), tuple(x.strip().lower() for x in cues.split(",") if x.strip())))
    return tuple(out)


def _validate(raw: Any, where: str) -> Question:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: each question must be a table/object, got {type(raw).__name__}")
    missing = [k for k in ("id", "text", "category") if not isinstance(raw.get(k), str) or not raw.get(k, "").strip()]
    if missing:
        raise ConfigError(f"{where}: question {raw.get('id', '?')!r} needs a non-empty {', '.join(missing)}")
    difficulty = raw.get("difficulty", "medium")
    if difficulty not in DIFFICULTIES:
        raise ConfigError(
            f"{where}: question {raw['id']!r} has difficulty={difficulty!r}; use one of {', '.join(DIFFICULTIES)}"
        )
    covers = raw.get("covers", [])
    if not isinstance(covers, list) or not all(isinstance(c, str) and "|" in c for c in covers):
        raise ConfigError(f'{where}: question {raw["id"]!r}: covers must be a list of "point | cue, cue" strings')
    topic = raw.get("topic", [])
    if not isinstance(topic, list) or not all(isinstance(t, str) and t.strip() for t in topic):
        raise ConfigError(f"{where}: question {raw['id']!r}: topic must be a list of words or phrases")
    unknown = set(raw) - {"id", "text", "category", "difficulty", "covers", "topic"}
    if unknown:
        raise ConfigError(f"{where}: question {raw['id']!r} has unknown field(s) {', '.join(sorted(unknown))}")
    return Question(
        raw["id"].strip(),
        raw["text"].strip(),
        raw["category"].strip(),
        difficulty,
        tuple(covers),
        where,
        tuple(t.strip().lower() for t in topic),
    )


def load_file(path: Path) -> list[Question]:
    """Read and validate one question file.

    Raises:
        ConfigError: unreadable, not parseable, or a question is invalid.
    """
    text = read_user_text(path, kind="a question file (TOML, YAML or JSON)", error=ConfigError)
    try:
        if path.suffix == ".toml":
            data: Any = tomllib.loads(text).get("question", [])
        elif path.suffix == ".json":
            data = json.loads(text)
        elif path.suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            raise ConfigError(f"{path}: question files must end in {', '.join(SUFFIXES)}")
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: cannot parse the question file ({exc})") from exc
    except Exception as exc:
        if type(exc).__module__.startswith("yaml"):
            raise ConfigError(f"{path}: cannot parse the question file ({str(exc).splitlines()[0]})") from exc
        raise
    if isinstance(data, dict) and "questions" in data:
        data = data["questions"]
    if not isinstance(data, list):
        raise ConfigError(f"{path}: expected a list of questions")
    return [_validate(q, str(path)) for q in data]


@functools.cache
def builtin_bank() -> tuple[Question, ...]:
    """The questions that ship with voicecoach (the user's own files left out): what an
    answer's relevance is measured against."""
    return tuple(load_bank(include_user_dir=False))


def load_bank(extra_files: tuple[Path, ...] = (), *, include_user_dir: bool = True) -> list[Question]:
    """Built-in questions, then the user folder's files, then ``extra_files``; ids are unique."""
    builtin = tomllib.loads(resources.files("voicecoach").joinpath("data/questions.toml").read_text(encoding="utf-8"))[
        "question"
    ]
    questions = [_validate(q, "built-in") for q in builtin]
    files: list[Path] = []
    folder = user_questions_dir()
    if include_user_dir and folder.is_dir():
        files.extend(sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES))
    files.extend(extra_files)
    for f in files:
        if not f.is_file():
            raise ConfigError(f"{f}: no such question file")
        questions.extend(load_file(f))
    seen: dict[str, str] = {}
    for q in questions:
        if q.id in seen:
            raise ConfigError(f"{q.source}: question id {q.id!r} is already used by {seen[q.id]}")
        seen[q.id] = q.source
    return questions


def filter_questions(
    questions: list[Question], *, category: str | None = None, difficulty: str | None = None, search: str | None = None
) -> list[Question]:
    out = questions
    if category:
        out = [q for q in out if q.category == category]
    if difficulty:
        out = [q for q in out if q.difficulty == difficulty]
    if search:
        s = search.lower()
        out = [q for q in out if s in q.text.lower() or s in q.id.lower()]
    return out


def pick_question(
    questions: list[Question],
    *,
    category: str | None = None,
    question_id: str | None = None,
    next_unpractised: bool = False,
    practised_ids: set[str] | None = None,
    rng: random.Random | None = None,
) -> Question:
    """Choose a question: by id or text (:func:`resolve_question`), the next not yet
    practised, or at random (in a category)."""
    if question_id:
        return resolve_question(questions, question_id)
    pool = filter_questions(questions, category=category)
    if not pool:
        cats = sorted({q.category for q in questions})
        raise ConfigError(f"category {category!r}: no questions in it; categories: {', '.join(cats)}")
    if next_unpractised:
        fresh = [q for q in pool if q.id not in (practised_ids or set())]
        return fresh[0] if fresh else pool[0]
    return (rng or random.Random()).choice(pool)
