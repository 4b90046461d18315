"""voicecoach: local, private practice for spoken interview answers.

The library behind the ``voicecoach`` command. Score a recorded answer::

    import voicecoach

    report = voicecoach.score_file("answer.wav", question="Tell me about a time you failed.")
    print(report.scores.overall, report.results["fillers"].per_min)
    print(report.tips[0].message)
    saved = voicecoach.load_report("answer.json")  # a `score --json` result, as a Report

Everything listed in ``__all__`` is importable from here; the heavy parts (faster-whisper,
librosa) load only when first used, so ``import voicecoach`` stays fast.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# CTranslate2's OpenMP threads spin while they wait for each other. While another program
# keeps a core busy, a spinning thread holds the core its partner needs, and a practice
# take streamed beside the recorder came 90-150 s late instead of 2.5 s (benchmarks/
# bench_practice.py --busy). Waiting threads that sleep cost nothing measurable on a quiet
# machine. Read once, when CTranslate2 loads (after this import); a value of the user's own
# is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

#: public name -> the module that defines it
_EXPORTS = {
    # scoring
    "score_file": "scoring.pipeline",
    "score_audio": "scoring.pipeline",
    # the result of scoring, and saved results (``score --json`` output)
    "Report": "scoring.result",
    "Scores": "analysers.feedback",
    "report_to_dict": "scoring.result",
    "report_from_dict": "scoring.result",
    "load_report": "scoring.result",
    # audio in
    "load_audio": "audio.decode",
    "Audio": "audio.decode",
    "MAX_DURATION_S": "audio.decode",
    # settings
    "Settings": "settings.config",
    "load_settings": "settings.config",
    "TranscribeOptions": "asr.transcribe",
    "Rubric": "analysers.feedback",
    # analysers (the plug-in protocol)
    "Analyser": "analysers",
    "AnswerContext": "analysers",
    "Metric": "analysers",
    "registered_analysers": "analysers",
    # result types
    "Transcript": "core.datatypes",
    "Word": "core.datatypes",
    "Tip": "core.datatypes",
    "Evidence": "core.datatypes",
    "load_result_file": "scoring.result",
    "check_result": "scoring.result",
    # errors
    "VoicecoachError": "core.errors",
    "AudioError": "core.errors",
    "ConfigError": "core.errors",
    "ModelNotFoundError": "core.errors",
    "DeviceError": "core.errors",
    "HistoryError": "core.errors",
    "ResultError": "scoring.result",
}

#: public names that differ from the name in their module
_RENAMED = {"registered_analysers": "registered"}

__all__ = [
    "__version__",
    "score_file",
    "score_audio",
    "Report",
    "Scores",
    "report_to_dict",
    "report_from_dict",
    "load_report",
    "load_audio",
    "Audio",
    "MAX_DURATION_S",
    "Settings",
    "load_settings",
    "TranscribeOptions",
    "Rubric",
    "Analyser",
    "AnswerContext",
    "Metric",
    "registered_analysers",
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
    value = getattr(importlib.import_module(f".{module}", __name__), _RENAMED.get(name, name))
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from .analysers import Analyser, AnswerContext, Metric
    from .analysers import registered as registered_analysers
    from .analysers.feedback import Rubric, Scores
    from .asr.transcribe import TranscribeOptions
    from .audio.decode import MAX_DURATION_S, Audio, load_audio
    from .core.datatypes import Evidence, Tip, Transcript, Word
    from .core.errors import AudioError, ConfigError, DeviceError, HistoryError, ModelNotFoundError, VoicecoachError
    from .scoring.pipeline import score_audio, score_file
    from .scoring.result import (
        Report,
        ResultError,
        check_result,
        load_report,
        load_result_file,
        report_from_dict,
        report_to_dict,
    )
    from .settings.config import Settings, load_settings
