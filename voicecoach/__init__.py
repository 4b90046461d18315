"""voicecoach: local, private practice for spoken interview answers.

The library behind the ``voicecoach`` command. Score a recorded answer::

    import voicecoach

    report = voicecoach.score_file("answer.wav", question="Tell me about a time you failed.")
    print(report.scores.overall, report.results["fillers"].per_min)
    print(voicecoach.report_to_dict(report)["tips"][0]["message"])

Everything listed in ``__all__`` is importable from here; the heavy parts (faster-whisper,
librosa) load only when first used, so ``import voicecoach`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> the module that defines it
_EXPORTS = {
    # scoring
    "score_file": "pipeline",
    "score_audio": "pipeline",
    "report_to_dict": "pipeline",
    "Report": "pipeline",
    # audio in
    "load_audio": "audio",
    "Audio": "audio",
    "MAX_DURATION_S": "audio",
    # settings
    "Settings": "config",
    "load_settings": "config",
    "TranscribeOptions": "transcribe",
    # result types
    "Transcript": "datatypes",
    "Word": "datatypes",
    "Tip": "datatypes",
    "Evidence": "datatypes",
    # saved results (``score --json`` output)
    "load_result_file": "result",
    "check_result": "result",
    # errors
    "VoicecoachError": "errors",
    "AudioError": "errors",
    "ConfigError": "errors",
    "ModelNotFoundError": "errors",
    "DeviceError": "errors",
    "HistoryError": "errors",
    "ResultError": "result",
}

__all__ = [
    "__version__",
    "score_file",
    "score_audio",
    "report_to_dict",
    "Report",
    "load_audio",
    "Audio",
    "MAX_DURATION_S",
    "Settings",
    "load_settings",
    "TranscribeOptions",
    "Transcript",
    "Word",
    "Tip",
    "Evidence",
    "load_result_file",
    "check_result",
    "VoicecoachError",
    "AudioError",
    "ConfigError",
    "ModelNotFoundError",
    "DeviceError",
    "HistoryError",
    "ResultError",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'voicecoach' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from .audio import MAX_DURATION_S, Audio, load_audio
    from .config import Settings, load_settings
    from .datatypes import Evidence, Tip, Transcript, Word
    from .errors import AudioError, ConfigError, DeviceError, HistoryError, ModelNotFoundError, VoicecoachError
    from .pipeline import Report, report_to_dict, score_audio, score_file
    from .result import ResultError, check_result, load_result_file
    from .transcribe import TranscribeOptions
