"""Exceptions raised by voicecoach. The CLI turns each into ``Error: <message>``.

An error about one setting names it in ``setting`` (``"data_dir"``, ``"device"``,
``"model"``...), so that a front end can say where that setting was given (the CLI adds
the flag or environment variable the user actually used); the message itself names no
flag.

What the user can do next is a :class:`Hint` in ``hint`` ("list the models", "score
this take"): the CLI words it as a command, the browser room as a link or a button; the
library's messages name no command.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Hint:
    """What the user can do next. ``action`` is one of :data:`ACTIONS`; ``arg`` its
    argument (a take's number for ``"score-take"``)."""

    action: str
    arg: Any = None


#: The actions a hint may name, and what each is for.
ACTIONS = {
    "devices": "list the audio input devices",
    "models": "list the transcription models and how to install them",
    "questions": "list the questions in the bank",
    "history": "list the takes in the history",
    "score-take": "score a take that is saved (arg: its number)",
}


class VoicecoachError(Exception):
    """Root of every error voicecoach raises on purpose; the message is for the user."""

    def __init__(self, message: str = "", *, setting: str | None = None, hint: Hint | None = None) -> None:
        super().__init__(message)
        self.setting = setting
        self.hint = hint

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), str(self), self.setting, self.hint))


def _rebuild(cls: type, message: str, setting: str | None, hint: Hint | None = None) -> VoicecoachError:
    return cls(message, setting=setting, hint=hint)


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
