"""Loading a saved result (``score --json`` output, one line of ``results.jsonl``) and
checking it before anything renders it.

A result file is an input like any other: someone may send you one. Every field the
reports read is checked here for its type and range (numbers finite, times inside the
answer, kinds from their fixed sets), so a renderer can trust what it is given and a
crafted file gets one clear error instead of a traceback or markup in a page.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from .errors import VoicecoachError
from .files import read_user_text

SCHEMA_VERSION = 1
#: A result longer than a day is not one voicecoach wrote (answers are capped far below).
MAX_RESULT_DURATION_S = 24 * 3600.0

_NUM = "number"
_INT = "int"
_STR = "str"
_BOOL = "bool"
_TIME = "time"  # a number of seconds inside the answer
_SCORE = "score"  # a whole number 0-100

_WORD = {"text": _STR, "start_s": _TIME, "end_s": _TIME}
_WINDOW = {"start_s": _TIME, "end_s": _TIME, "wpm": _NUM}
_FILLER_EVENT = {"text": _STR, "filler": _STR, "kind": ("vocal", "discourse"), "start_s": _TIME, "end_s": _TIME}
_PAUSE_EVENT = {"start_s": _TIME, "end_s": _TIME, "duration_s": _NUM, "position": _STR, "after_word": _STR, "long": _BOOL}
_EVIDENCE = {"start_s": _TIME, "end_s": _TIME, "quote": _STR}
#: What the reports read from a result with speech; other fields are passed through.
SPEECH_FIELDS: dict[str, Any] = {
    "transcript": {"text": _STR, "words": [_WORD]},
    "pacing": {"wpm": _NUM, "articulation_wpm": _NUM, "target_min_wpm": _NUM, "target_max_wpm": _NUM, "windows": [_WINDOW]},
    "fillers": {
        "count": _INT,
        "vocal_count": _INT,
        "discourse_count": _INT,
        "per_min": _NUM,
        "share_of_words": _NUM,
        "by_type": {"*": _INT},
        "events": [_FILLER_EVENT],
    },
    "pauses": {"count": _INT, "long_count": _INT, "longest_s": _NUM, "pause_ratio": _NUM, "time_to_first_word_s": _NUM, "events": [_PAUSE_EVENT]},
    "scores": {"overall": _SCORE, "pacing": _SCORE, "fillers": _SCORE, "pauses": _SCORE, "structure": _SCORE},
    "tips": [{"area": _STR, "message": _STR, "evidence": [_EVIDENCE]}],
}


class ResultError(VoicecoachError):
    """A saved result is not one voicecoach can show."""


def _check(value: Any, spec: Any, where: str, duration_s: float) -> None:
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise ResultError(f"{where} must be an object")
        if "*" in spec:
            for k, v in value.items():
                _check(v, spec["*"], f"{where}.{k}", duration_s)
            return
        for key, sub in spec.items():
            if key not in value:
                raise ResultError(f"{where}.{key} is missing")
            _check(value[key], sub, f"{where}.{key}", duration_s)
    elif isinstance(spec, list):
        if not isinstance(value, list):
            raise ResultError(f"{where} must be a list")
        for i, item in enumerate(value):
            _check(item, spec[0], f"{where}[{i}]", duration_s)
    elif isinstance(spec, tuple):
        if value not in spec:
            raise ResultError(f"{where} = {_show(value)} must be one of {', '.join(spec)}")
    elif spec == _STR:
        if not isinstance(value, str):
            raise ResultError(f"{where} must be text")
    elif spec == _BOOL:
        if not isinstance(value, bool):
            raise ResultError(f"{where} must be true or false")
    else:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ResultError(f"{where} = {_show(value)} must be a finite number")
        if spec in (_INT, _SCORE) and value != int(value):
            raise ResultError(f"{where} = {_show(value)} must be a whole number")
        if value < 0:
            raise ResultError(f"{where} = {_show(value)} must not be negative")
        if spec == _SCORE and value > 100:
            raise ResultError(f"{where} = {_show(value)} must be a score from 0 to 100")
        if spec == _TIME and value > duration_s + 1.0:
            raise ResultError(f"{where} = {_show(value)} lies after the end of the answer ({duration_s:g} s)")


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 40 else text[:37] + "..."


def check_result(obj: Any, *, source: str = "the result") -> dict[str, Any]:
    """Check a ``score --json`` object; return it unchanged.

    Raises:
        ResultError: naming the first field that is missing or wrong.
    """
    if not isinstance(obj, dict):
        raise ResultError(f"{source}: expected one result of `voicecoach score --json` (a JSON object)")
    if obj.get("schema_version") != SCHEMA_VERSION:
        raise ResultError(f"{source}: expected a result of `voicecoach score --json` with schema_version {SCHEMA_VERSION}")
    try:
        _check(obj.get("file"), _STR, "file", 0)
        for key in ("question", "question_id"):
            if obj.get(key) is not None:
                _check(obj[key], _STR, key, 0)
        _check(obj.get("speech_found"), _BOOL, "speech_found", 0)
        _check(obj.get("duration_s"), _NUM, "duration_s", 0)
        duration = float(obj["duration_s"])
        if not 0 < duration <= MAX_RESULT_DURATION_S:
            raise ResultError(f"duration_s = {_show(duration)} must be above 0 and at most a day")
        if obj["speech_found"] and obj.get("english") is False:
            _check(obj.get("transcript"), {"text": _STR}, "transcript", 0)
        if obj.get("english") is not None:
            _check(obj["english"], _BOOL, "english", 0)
        if obj.get("warning") is not None:
            _check(obj["warning"], _STR, "warning", 0)
        if obj["speech_found"] and obj.get("english") is not False:
            for key, spec in SPEECH_FIELDS.items():
                if key not in obj:
                    raise ResultError(f"{key} is missing")
                _check(obj[key], spec, key, duration)
    except ResultError as exc:
        raise ResultError(f"{source}: not a result voicecoach can show: {exc}") from None
    return obj


def load_result_file(path: Path) -> dict[str, Any]:
    """Read and check a ``.json`` result, or a ``.jsonl`` holding exactly one.

    Raises:
        ResultError: unreadable, not JSON, not exactly one result, or a bad field.
    """
    text = read_user_text(path, kind="a result of `voicecoach score --json`", error=ResultError)
    try:
        if path.suffix.lower() == ".jsonl":
            objs = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            objs = [json.loads(text)]
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ResultError(f"{path}: not valid JSON ({str(exc)[:80]})") from None
    if len(objs) != 1:
        raise ResultError(f"{path}: holds {len(objs)} results; give a file with one (one line of results.jsonl)")
    return check_result(objs[0], source=str(path))
