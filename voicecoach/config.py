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
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analysers import DEFAULT_ANALYSERS
from .errors import ConfigError
from .transcribe import DECODINGS, TranscribeOptions


@dataclass(frozen=True)
class Settings:
    transcription: TranscribeOptions = field(default_factory=TranscribeOptions)
    analysers: dict[str, Any] = field(default_factory=lambda: {m.NAME: m.Options() for m in DEFAULT_ANALYSERS})

    def options_for(self, name: str) -> Any:
        return self.analysers[name]


def default_config_path() -> Path:
    env = os.environ.get("VOICECOACH_CONFIG")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("voicecoach")) / "config.toml"


def _coerce(section: str, f: dataclasses.Field, value: Any, current: Any) -> Any:
    where = f"[{section}] {f.name}"
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where} = {value!r} must be true or false")
        return value
    if isinstance(current, (int, float)) and not isinstance(current, bool):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ConfigError(f"{where} = {value!r} must be a number")
        if value < 0:
            raise ConfigError(f"{where} = {value!r} must not be negative")
        return type(current)(value) if isinstance(current, float) else value
    if isinstance(current, str):
        if not isinstance(value, str):
            raise ConfigError(f"{where} = {value!r} must be a string")
        return value
    if isinstance(current, dict):
        if not isinstance(value, dict):
            raise ConfigError(f"{where} must be a table")
        merged = dict(current)
        for k, v in value.items():
            if isinstance(next(iter(current.values()), None), tuple):
                if not isinstance(v, list):
                    raise ConfigError(f"{where}.{k} = {v!r} must be a list")
                v = tuple(v)
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
        changes[key] = _coerce(section, fields[key], value, getattr(options, key))
    return dataclasses.replace(options, **changes)


def load_settings(path: Path | None = None, *, required: bool = False) -> Settings:
    """Defaults, overridden by the TOML file at ``path`` (or the default location).

    Raises:
        ConfigError: the file is unreadable, not TOML, or names an unknown or badly typed
            setting.
    """
    settings = Settings()
    path = path or default_config_path()
    if not path.exists():
        if required:
            raise ConfigError(f"--config {path}: no such file")
        return settings
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    analysers = dict(settings.analysers)
    transcription = settings.transcription
    for section, table in data.items():
        if section == "transcription":
            transcription = _apply(section, transcription, table)
        elif section in analysers:
            analysers[section] = _apply(section, analysers[section], table)
        else:
            raise ConfigError(f"{path}: unknown section [{section}]; known: transcription, {', '.join(analysers)}")
    if transcription.decoding not in DECODINGS:
        raise ConfigError(f"{path}: [transcription] decoding = {transcription.decoding!r} must be one of {', '.join(DECODINGS)}")
    return Settings(transcription=transcription, analysers=analysers)
