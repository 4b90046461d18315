"""Which questions an interview asks: chosen like a real one, by kind and number, or a
fixed list."""

from __future__ import annotations

import random

from ..core.errors import ConfigError, Hint
from ..core.questions import Question, resolve_question

#: The kinds an interview can be besides any bank category.
KINDS = ("behavioural", "motivation", "mixed")
#: The kind of an interview of questions chosen one by one (``--question``).
FIXED = "fixed"


def kind_words(kind: str) -> str:
    """An interview of ``kind`` as a person says it: "behavioural interview", "interview of
    questions you chose"."""
    from ..core.questions import category_name

    if kind == FIXED:
        return "interview of questions you chose"
    return f"{kind if kind in KINDS else category_name(kind)} interview"


#: A mixed interview opens with a motivation question, then stories, then one of the rest.
MIXED_ORDER = ("motivation", "behavioural", "behavioural", "strengths_weaknesses", "situational", "culture_teamwork")


def plan_questions(
    bank: list[Question],
    *,
    kind: str = "mixed",
    count: int = 4,
    fixed: tuple[str, ...] = (),
    rng: random.Random | None = None,
) -> list[Question]:
    """The questions to ask, in order: ``fixed`` (ids or texts) as given, else ``count`` of
    ``kind`` ("mixed": a motivation question first, then behavioural ones, then others),
    never the same question twice.

    Raises:
        ConfigError: an unknown kind, or a kind with fewer questions than asked for.
    """
    if fixed:
        return [resolve_question(bank, value) for value in fixed]
    rng = rng or random.Random()
    categories = {q.category for q in bank}
    if kind not in KINDS and kind not in categories:
        raise ConfigError(
            f"interview kind {kind!r}: choose {', '.join(KINDS)} or a category ({', '.join(sorted(categories))})",
            setting="kind",
            hint=Hint("questions"),
        )
    if kind != "mixed":
        pool = [q for q in bank if q.category == kind or (kind == "behavioural" and q.category == "behavioural")]
        if len(pool) < count:
            raise ConfigError(
                f"interview kind {kind!r} has {len(pool)} questions in the bank; ask for at most that many",
                setting="questions",
            )
        return rng.sample(pool, count)
    chosen: list[Question] = []
    order = list(MIXED_ORDER)
    while len(chosen) < count:
        category = order.pop(0) if order else rng.choice(sorted(categories))
        pool = [q for q in bank if q.category == category and q not in chosen]
        if pool:
            chosen.append(rng.choice(pool))
        elif not any(q not in chosen for q in bank):
            raise ConfigError(f"the bank has only {len(chosen)} questions", setting="questions")
    return chosen
