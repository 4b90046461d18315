"""The result of scoring one answer (:class:`Report`), its JSON form, and loading a saved
one (``score --json`` output, one line of ``results.jsonl``, a take's stored report).

A result file is an input like any other: someone may send you one. Loading it builds the
same typed :class:`Report` that scoring builds, checking every field on the way against
the type the analyser declares for it (numbers finite and not negative, whole numbers
whole, kinds from their fixed sets, times inside the answer), so the renderers work on one
shape they can trust, and a crafted file gets one clear error instead of a traceback or
markup in a page. An analyser whose result is absent (a result saved before it existed)
is simply not shown.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..analysers import Analyser, registered
from ..analysers.feedback import Scores, floor
from ..asr.language import MIN_MEDIAN_WORD_PROBABILITY
from ..core.datatypes import SCHEMA_VERSION, Tip, Transcript, Word
from ..core.errors import VoicecoachError
from ..core.files import read_user_text

#: A result longer than a day is not one voicecoach wrote (answers are capped far below).
MAX_RESULT_DURATION_S = 24 * 3600.0
#: Fields holding a moment of the answer: they must lie inside it.
TIME_FIELDS = frozenset({"start_s", "end_s", "times_s", "ends_s"})


@dataclass(frozen=True, kw_only=True)
class Report:
    """Everything voicecoach found in one answer.

    Attributes:
        file: the audio file (or the take's recording).
        duration_s: its length.
        question, question_id: what was asked (the id of a bank question).
        transcript: the words, with times and where each came from.
        speech_found: False when the recording holds no speech (nothing is analysed).
        results: analyser name -> its result (``report.results["fillers"].per_min``).
        scores: the overall score and each scored analyser's (None without speech).
        tips: the most useful tips, most important first.
        timings_s: how long each stage took.
        english: False when the speech does not sound like English (or is too unclear
            to transcribe): the transcript is kept, nothing is analysed or scored.
        median_word_probability: the evidence for ``english`` from the transcript.
        english_probability: the probability of English by the multilingual model's
            language detection, when the transcript gave reason to doubt it and that
            model is installed (``voicecoach[base]``); None otherwise.
        recorded_at: when the audio was recorded (its file's modification time, local
            time, ISO 8601 to the second), if known.
    """

    file: str
    duration_s: float
    question: str | None
    question_id: str | None
    transcript: Transcript
    speech_found: bool
    results: dict[str, Any] = field(default_factory=dict)
    scores: Scores | None = None
    tips: tuple[Tip, ...] = ()
    timings_s: dict[str, float] = field(default_factory=dict)
    english: bool = True
    median_word_probability: float | None = None
    recorded_at: str | None = None
    english_probability: float | None = None

    @property
    def scored(self) -> bool:
        """Whether the answer was analysed and scored (speech, in English)."""
        return self.speech_found and self.english and self.scores is not None

    @property
    def warning(self) -> str | None:
        if not self.speech_found:
            return "No speech was found in this recording: nothing to score. Check the microphone or the file."
        if not self.english and self.english_probability is not None:
            return (
                f"This does not sound like English speech (language detection: {self.english_probability:.0%} "
                "English). "
                "voicecoach scores English answers, so no scores are given."
            )
        if not self.english:
            p = (
                f"median word confidence {self.median_word_probability:.2f}, "
                if self.median_word_probability is not None
                else ""
            )
            return (
                f"This does not sound like English speech, or the recording is too unclear to transcribe "
                f"({p}below {MIN_MEDIAN_WORD_PROBABILITY}). voicecoach scores English answers, so no scores are given."
            )
        return None

    def analysers(self, analysers: Iterable[Analyser] | None = None) -> list[tuple[Analyser, Any]]:
        """(analyser, result) for every registered analyser with a result here, in order."""
        return [
            (a, self.results[a.name])
            for a in (analysers if analysers is not None else registered())
            if a.name in self.results
        ]


# ---------------------------------------------------------------- to JSON
def _plain(obj: Any) -> Any:
    """asdict for nested frozen dataclasses, tuples -> lists, floats rounded to 1e-4."""
    if isinstance(obj, Scores):
        return obj.as_dict()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, 4)
    return obj


def report_to_dict(report: Report) -> dict[str, Any]:
    """The JSON object of ``score --json`` (schema in docs/json.md)."""
    t = report.transcript
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "file": report.file,
        "duration_s": round(report.duration_s, 3),
        "question": report.question,
        "question_id": report.question_id,
        "speech_found": report.speech_found,
        "english": report.english,
        "median_word_probability": None
        if report.median_word_probability is None
        else round(report.median_word_probability, 4),
        "english_probability": None if report.english_probability is None else round(report.english_probability, 4),
        "warning": report.warning,
        "recorded_at": report.recorded_at,
        "model": t.model,
        "decoding": t.decoding,
        "transcript": {
            "text": t.text,
            "language": t.language,
            "words": [_plain(w) for w in t.words],
            "sentences": [{"text": s.text, "start_s": s.start_s, "end_s": s.end_s} for s in t.sentences],
        },
    }
    for name, result in report.results.items():
        out[name] = _plain(result)
    out["scores"] = _plain(report.scores) if report.scores else None
    out["not_judged"] = dict(report.scores.not_judged) if report.scores else {}
    out["floor"] = floor(report.results) if report.scores else None
    out["tips"] = [_plain(tip) for tip in report.tips]
    out["timings_s"] = {k: round(v, 3) for k, v in report.timings_s.items()}
    return out


# ---------------------------------------------------------------- from JSON, checked
class ResultError(VoicecoachError):
    """A saved result is not one voicecoach can show."""


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ResultError(f"{where} = {_show(value)} must be a finite number")
    if value < 0:
        raise ResultError(f"{where} = {_show(value)} must not be negative")
    return value


class _Reader:
    """Builds typed results from JSON, checking each value against its declared type."""

    def __init__(self, duration_s: float) -> None:
        self.duration_s = duration_s

    def read(self, tp: Any, value: Any, where: str, name: str = "") -> Any:
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if tp is Any:
            return value
        if origin in (typing.Union, types.UnionType):
            if value is None and type(None) in args:
                return None
            (inner,) = [a for a in args if a is not type(None)][:1] or [Any]
            return self.read(inner, value, where, name)
        if origin is typing.Literal:
            if value not in args:
                raise ResultError(f"{where} = {_show(value)} must be one of {', '.join(map(str, args))}")
            return value
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            return self.dataclass(tp, value, where)
        if origin is tuple:
            if not isinstance(value, list):
                raise ResultError(f"{where} must be a list")
            if len(args) == 2 and args[1] is Ellipsis:
                return tuple(self.read(args[0], v, f"{where}[{i}]", name) for i, v in enumerate(value))
            if len(value) != len(args):
                raise ResultError(f"{where} must be a list of {len(args)}")
            return tuple(
                self.read(a, v, f"{where}[{i}]", name) for i, (a, v) in enumerate(zip(args, value, strict=True))
            )
        if origin is dict:
            if not isinstance(value, dict):
                raise ResultError(f"{where} must be an object")
            return {str(k): self.read(args[1] if args else Any, v, f"{where}.{k}") for k, v in value.items()}
        if tp is bool:
            if not isinstance(value, bool):
                raise ResultError(f"{where} must be true or false")
            return value
        if tp is str:
            if not isinstance(value, str):
                raise ResultError(f"{where} must be text")
            return value
        if tp in (int, float):
            v = _number(value, where)
            if tp is int:
                if v != int(v):
                    raise ResultError(f"{where} = {_show(value)} must be a whole number")
                return int(v)
            if name in TIME_FIELDS and v > self.duration_s + 1.0:
                raise ResultError(f"{where} = {_show(value)} lies after the end of the answer ({self.duration_s:g} s)")
            return float(v)
        return value

    def dataclass(self, cls: type, value: Any, where: str) -> Any:
        if not isinstance(value, dict):
            raise ResultError(f"{where} must be an object")
        hints = typing.get_type_hints(cls)
        kwargs = {}
        for f in dataclasses.fields(cls):
            if not f.init:
                continue
            if f.name not in value:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    raise ResultError(f"{where}.{f.name} is missing")
                continue
            kwargs[f.name] = self.read(hints[f.name], value[f.name], f"{where}.{f.name}", f.name)
        return cls(**kwargs)


def report_from_dict(obj: Any, *, source: str = "the result", analysers: Iterable[Analyser] | None = None) -> Report:
    """The :class:`Report` a ``score --json`` object describes, every field checked.

    Raises:
        ResultError: naming the first field that is missing or wrong.
    """
    if not isinstance(obj, dict):
        raise ResultError(f"{source}: expected one result of `voicecoach score --json` (a JSON object)")
    if obj.get("schema_version") != SCHEMA_VERSION:
        raise ResultError(
            f"{source}: expected a result of `voicecoach score --json` with schema_version {SCHEMA_VERSION}"
        )
    try:
        return _report(obj, analysers)
    except ResultError as exc:
        raise ResultError(f"{source}: not a result voicecoach can show: {exc}") from None


def _report(obj: dict[str, Any], analysers: Iterable[Analyser] | None) -> Report:
    r = _Reader(0.0)
    file = r.read(str, obj.get("file"), "file")
    question = r.read(str | None, obj.get("question"), "question")
    question_id = r.read(str | None, obj.get("question_id"), "question_id")
    speech = r.read(bool, obj.get("speech_found"), "speech_found")
    english = r.read(bool, obj.get("english", True), "english")
    duration = _number(obj.get("duration_s"), "duration_s")
    if not 0 < duration <= MAX_RESULT_DURATION_S:
        raise ResultError(f"duration_s = {_show(duration)} must be above 0 and at most a day")
    r.duration_s = duration
    median_p = r.read(float | None, obj.get("median_word_probability"), "median_word_probability")
    p_en = r.read(float | None, obj.get("english_probability"), "english_probability")
    recorded_at = r.read(str | None, obj.get("recorded_at"), "recorded_at")
    t = obj.get("transcript")
    if not isinstance(t, dict):
        raise ResultError("transcript is missing" if t is None else "transcript must be an object")
    words = r.read(tuple[Word, ...], t.get("words", []), "transcript.words")
    transcript = Transcript(
        words,
        duration,
        r.read(str, t.get("language", "en"), "transcript.language"),
        r.read(str, obj.get("model", ""), "model"),
        r.read(str, obj.get("decoding", ""), "decoding"),
    )
    if not speech or not english:
        return Report(
            file=file,
            duration_s=duration,
            question=question,
            question_id=question_id,
            transcript=transcript,
            speech_found=speech,
            english=english,
            median_word_probability=median_p,
            recorded_at=recorded_at,
            english_probability=p_en,
        )
    results: dict[str, Any] = {}
    for a in analysers if analysers is not None else registered():
        if a.name in obj:
            results[a.name] = r.read(a.result_type or Any, obj[a.name], a.name)
    s = obj.get("scores")
    if not isinstance(s, dict):
        raise ResultError("scores is missing" if s is None else "scores must be an object")
    parts = {}
    for k, v in s.items():
        _number(v, f"scores.{k}")
        if v != int(v) or v > 100:
            raise ResultError(f"scores.{k} = {_show(v)} must be a score from 0 to 100")
        parts[str(k)] = int(v)
    if "overall" not in parts:
        raise ResultError("scores.overall is missing")
    overall = parts.pop("overall")
    raw_unjudged = obj.get("not_judged") or {}
    if not isinstance(raw_unjudged, dict) or not all(isinstance(v, str) for v in raw_unjudged.values()):
        raise ResultError(f"not_judged = {_show(raw_unjudged)} must map analyser names to reasons")
    unjudged = {str(k): v for k, v in raw_unjudged.items()}
    tips = r.read(tuple[Tip, ...], obj.get("tips", []), "tips")
    raw = obj.get("timings_s")
    timings = {
        str(k): float(v)
        for k, v in (raw if isinstance(raw, dict) else {}).items()
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    }
    return Report(
        file=file,
        duration_s=duration,
        question=question,
        question_id=question_id,
        transcript=transcript,
        speech_found=True,
        results=results,
        scores=Scores(overall, parts, unjudged),
        tips=tips,
        timings_s=timings,
        median_word_probability=median_p,
        recorded_at=recorded_at,
        english_probability=p_en,
    )


def check_result(obj: Any, *, source: str = "the result") -> dict[str, Any]:
    """Check a ``score --json`` object (see :func:`report_from_dict`); return it unchanged.

    Raises:
        ResultError: naming the first field that is missing or wrong.
    """
    report_from_dict(obj, source=source)
    return obj


def _read_json(path: Path) -> dict[str, Any]:
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
    return objs[0]


def load_result_file(path: Path) -> dict[str, Any]:
    """Read and check a ``.json`` result, or a ``.jsonl`` holding exactly one.

    Raises:
        ResultError: unreadable, not JSON, not exactly one result, or a bad field.
    """
    return check_result(_read_json(path), source=str(path))


def load_report(path: Path) -> Report:
    """:func:`load_result_file`, as a :class:`Report`."""
    return report_from_dict(_read_json(path), source=str(path))


__all__ = [
    "Report",
    "ResultError",
    "check_result",
    "load_report",
    "load_result_file",
    "report_from_dict",
    "report_to_dict",
]
