"""Settings: every analyser's options plus transcription options, overridable by a TOML file.

The file is ``config.toml`` in the user config directory (``voicecoach config-path``
prints it; ``VOICECOACH_CONFIG`` overrides it) or the file given with ``--config``. Its
tables are named after the analysers and ``transcription``; keys are the options'
field names::

    [pacing]
    target_min_wpm = 110
    target_max_wpm = 150

    [fillers.discourse]
    "you know" = "always"

    [scoring]
    weight_fillers = 0.3
    weight_structure = 0.4
    fillers_free_per_min = 2

Besides the analysers' sections: ``[transcription]`` (model, decoding),
``[relisten]`` (re-listening for missed fillers), ``[silence]`` (how silence is told from
sound) and ``[scoring]`` (the rubric: ``weight_NAME`` and ``NAME_FIELD`` keys, see
:mod:`voicecoach.analysers.feedback`).
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..analysers import AnswerContext, registered
from ..analysers.feedback import Rubric

if TYPE_CHECKING:
    from ..core.questions import Question
from ..asr.relisten import RelistenOptions
from ..asr.transcribe import TranscribeOptions
from ..audio.acoustics import SilenceOptions
from ..core.errors import ConfigError
from ..core.files import read_user_text
from ..core.lexicon import DISCOURSE_FILLERS, VOCAL_FILLERS, lexicon_for
from ..core.paths import default_config_path

HINTS = ("first", "always", "never")


@dataclass(frozen=True)
class PracticeOptions:
    """Attributes:
    hints: when ``practice`` shows the points a strong answer covers before you answer:
        "first" (on your first try of a question), "always", or "never" (``--hints``
        shows them whatever this says).
    stream: transcribe while you speak, so the report is ready when you stop (off:
        score the take after recording).
    live: show one live cue while recording (as ``--live``).
    """

    hints: str = "first"
    stream: bool = True
    live: bool = False

    def check(self) -> None:
        """Raises ValueError when the options cannot work together."""
        if self.hints not in HINTS:
            raise ValueError(f"hints = {self.hints!r} must be one of {', '.join(HINTS)}")


def _default_analyser_options() -> dict[str, Any]:
    return {a.name: a.options_type() for a in registered()}


@dataclass(frozen=True)
class Settings:
    """Every setting in force: one section of the config file each."""

    transcription: TranscribeOptions = field(default_factory=TranscribeOptions)
    relisten: RelistenOptions = field(default_factory=RelistenOptions)
    silence: SilenceOptions = field(default_factory=SilenceOptions)
    scoring: Rubric = field(default_factory=Rubric)
    practice: PracticeOptions = field(default_factory=PracticeOptions)
    analysers: dict[str, Any] = field(default_factory=_default_analyser_options)

    def options_for(self, name: str) -> Any:
        return self.analysers[name]

    def context(
        self, question: Question | str | None = None, *, bank: tuple[Question, ...] | None = None
    ) -> AnswerContext:
        """What the analysers know about one answer to ``question`` (a bank question, or the
        text of one of your own): its type and covered points parsed, the bank its
        relevance is measured against (default: the built-in questions), and the lexicon
        these settings give (the vocal and discourse fillers of ``[fillers]``, compiled once
        for every analyser)."""
        from ..core.questions import as_question, builtin_bank, question_kind

        q = as_question(question)

        fillers = self.analysers.get("fillers")
        vocal = fillers.vocal if fillers is not None else VOCAL_FILLERS
        discourse = fillers.discourse if fillers is not None else DISCOURSE_FILLERS
        return AnswerContext(
            question=q.text if q else None,
            category=(q.category or None) if q else None,
            kind=question_kind(q.text, q.category or None) if q else "general",
            cover_points=q.cover_points if q else (),
            lexicon=lexicon_for(vocal),
            discourse_fillers=frozenset(discourse),
            silence=self.silence,
            question_id=q.id if q else "",
            topic=q.topic if q else (),
            bank=builtin_bank() if bank is None else bank,
        )


#: The sections that are not analysers', by name.
FIXED_SECTIONS = ("transcription", "relisten", "silence", "scoring", "practice")


def _coerce(where: str, value: Any, current: Any) -> Any:
    """``value`` from TOML as the type of ``current``; ``where`` names it in errors."""
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where} = {value!r} must be true or false")
        return value
    if isinstance(current, (int, float)) and not isinstance(current, bool):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ConfigError(f"{where} = {value!r} must be a number")
        if not math.isfinite(value):
            raise ConfigError(f"{where} = {value!r} must be a finite number")
        if value < 0:
            raise ConfigError(f"{where} = {value!r} must not be negative")
        if isinstance(current, int):
            if value != int(value):
                raise ConfigError(f"{where} = {value!r} must be a whole number")
            return int(value)
        return float(value)
    if isinstance(current, str):
        if not isinstance(value, str):
            raise ConfigError(f"{where} = {value!r} must be a string")
        return value
    if isinstance(current, dict):
        if not isinstance(value, dict):
            raise ConfigError(f"{where} must be a table")
        merged = dict(current)
        sample = next(iter(current.values()), None)
        for k, v in value.items():
            if isinstance(sample, tuple):
                kinds = (int, float) if all(isinstance(x, (int, float)) for x in sample) else (str,)
                if not isinstance(v, list) or not all(isinstance(x, kinds) and not isinstance(x, bool) for x in v):
                    raise ConfigError(
                        f"{where}.{k} = {v!r} must be a list of {'numbers' if str not in kinds else 'strings'}"
                    )
                v = tuple(v)
            elif isinstance(sample, str) and not isinstance(v, str):
                raise ConfigError(f"{where}.{k} = {v!r} must be a string")
            merged[k] = v
        return merged
    if isinstance(current, tuple):
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise ConfigError(f"{where} = {value!r} must be a list of strings")
        return tuple(value)
    return value


def _apply(section: str, options: Any, table: Any) -> Any:
    if not isinstance(table, dict):
        raise ConfigError(f"[{section}] must be a table of settings")
    fields = {f.name: f for f in dataclasses.fields(options)}
    changes = {}
    for key, value in table.items():
        if key not in fields:
            raise ConfigError(f"[{section}] has no setting {key!r}; known: {', '.join(sorted(fields))}")
        changes[key] = _coerce(f"[{section}] {key}", value, getattr(options, key))
    updated = dataclasses.replace(options, **changes)
    check_options(section, updated)
    return updated


def check_options(section: str, options: Any) -> None:
    """Rules that span fields: every ``min``/``max`` pair in order, and the options'
    own ``check()`` (which raises ValueError with the rule it broke).

    Raises:
        ConfigError: naming the section, the keys and the rule.
    """
    values = {f.name: getattr(options, f.name) for f in dataclasses.fields(options)}
    for name, low in values.items():
        if "min" not in name.split("_"):
            continue
        high_name = "_".join("max" if part == "min" else part for part in name.split("_"))
        high = values.get(high_name)
        if isinstance(low, (int, float)) and isinstance(high, (int, float)) and not low < high:
            raise ConfigError(f"[{section}] {name} = {low!r} must be below {high_name} = {high!r}")
    check = getattr(options, "check", None)
    if check is not None:
        try:
            check()
        except ValueError as exc:
            raise ConfigError(f"[{section}] {exc}") from exc


def load_settings(path: Path | None = None, *, required: bool = False) -> Settings:
    """Defaults, overridden by the TOML file at ``path`` (or the default location).

    Raises:
        ConfigError: the file is unreadable, not TOML, or names an unknown or badly typed
            setting.
    """
    settings = Settings()
    if path is None and os.environ.get("VOICECOACH_CONFIG"):
        path, required, origin = default_config_path(), True, f"VOICECOACH_CONFIG={os.environ['VOICECOACH_CONFIG']}"
    else:
        origin = f"{path}" if path else ""
        path = path or default_config_path()
    if not path.exists() and not path.is_symlink():
        if required:
            raise ConfigError(f"{origin or path}: no such config file")
        return settings
    text = read_user_text(path, kind="a TOML config file", error=ConfigError)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    analysers = dict(settings.analysers)
    fixed: dict[str, Any] = {name: getattr(settings, name) for name in FIXED_SECTIONS}
    for section, table in data.items():
        try:
            if section == "scoring":
                fixed[section] = _apply_scoring(fixed[section], table)
            elif section in fixed:
                fixed[section] = _apply(section, fixed[section], table)
            elif section in analysers:
                analysers[section] = _apply(section, analysers[section], table)
            else:
                raise ConfigError(f"unknown section [{section}]; known: {', '.join([*FIXED_SECTIONS, *analysers])}")
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    return Settings(**fixed, analysers=analysers)


def _apply_scoring(rubric: Rubric, table: Any) -> Rubric:
    """``[scoring]``: ``weight_NAME`` and ``NAME_FIELD`` keys (see :class:`Rubric`)."""
    if not isinstance(table, dict):
        raise ConfigError("[scoring] must be a table of settings")
    keys = rubric.keys()
    for key, value in table.items():
        if key not in keys:
            raise ConfigError(f"[scoring] has no setting {key!r}; known: {', '.join(sorted(keys))}")
        rubric = rubric.set(key, _coerce(f"[scoring] {key}", value, rubric.get(key)))
    try:
        rubric.check()
    except ValueError as exc:
        raise ConfigError(f"[scoring] {exc}") from exc
    return rubric
