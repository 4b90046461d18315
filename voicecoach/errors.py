"""Exceptions raised by voicecoach. The CLI turns each into ``Error: <message>``."""


class VoicecoachError(Exception):
    """Root of every error voicecoach raises on purpose; the message is for the user."""


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
