"""Exceptions raised by voicecoach. The CLI turns each into ``Error: <message>``.

An error about one setting names it in ``setting`` (``"data_dir"``, ``"device"``,
``"model"``...), so that a front end can say where that setting was given (the CLI adds
the flag or environment variable the user actually used); the message itself names no
flag.
"""

from typing import Any


class VoicecoachError(Exception):
    """Root of every error voicecoach raises on purpose; the message is for the user."""

    def __init__(self, message: str = "", *, setting: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), str(self), self.setting))


def _rebuild(cls: type, message: str, setting: str | None) -> VoicecoachError:
    return cls(message, setting=setting)


class AudioError(VoicecoachError):
    """The input is missing, not audio, corrupt or too short."""


class ModelNotFoundError(VoicecoachError):
    """A transcription model could not be found or fetched."""


class DeviceError(VoicecoachError):
    """An audio input device is missing, busy or unusable."""


class ConfigError(VoicecoachError):
    """A configuration file or option value is invalid."""


class HistoryError(VoicecoachError):
    """The practice history database cannot be opened, read or written."""


class TakeWriteError(VoicecoachError):
    """A take's audio could not be written (a full disk, a removed folder); what was
    written before stays a valid file."""
