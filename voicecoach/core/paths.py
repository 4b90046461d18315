"""Where voicecoach keeps its files: the config file, the user's questions and models,
and the data folder (takes and history). Each can be moved with an environment variable;
nothing here creates anything."""

from __future__ import annotations

import os
from pathlib import Path


def _platform_dir(kind: str) -> Path:
    import platformdirs

    return Path(
        platformdirs.user_config_dir("voicecoach") if kind == "config" else platformdirs.user_data_dir("voicecoach")
    )


def default_config_path() -> Path:
    """``VOICECOACH_CONFIG``, or ``config.toml`` in the platform's user config folder."""
    env = os.environ.get("VOICECOACH_CONFIG")
    if env:
        return Path(env).expanduser()
    return _platform_dir("config") / "config.toml"


def user_questions_dir() -> Path:
    """The folder of the user's own question files, beside the config file."""
    return default_config_path().parent / "questions"


def data_dir(override: Path | None = None) -> Path:
    """Where takes and the history live: ``override``, ``VOICECOACH_DATA_DIR``, or the
    platform's user data directory."""
    if override:
        return override
    env = os.environ.get("VOICECOACH_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return _platform_dir("data")


def user_cache_dir() -> Path:
    """Where voicecoach keeps what it can rebuild, such as models assembled from PyPI
    packages (``VOICECOACH_CACHE_DIR``, or the platform's user cache folder)."""
    env = os.environ.get("VOICECOACH_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("voicecoach"))


def user_models_dir() -> Path:
    """The folder of the user's own CTranslate2 model folders (``VOICECOACH_MODELS_DIR``)."""
    env = os.environ.get("VOICECOACH_MODELS_DIR")
    if env:
        return Path(env).expanduser()
    return _platform_dir("data") / "models"
