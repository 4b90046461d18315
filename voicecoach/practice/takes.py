"""The steps of a practice take that :class:`~voicecoach.practice.session.PracticeSession`
puts in order, and what is asked of saved takes: open one, tell an empty one, score one
(from the streamed transcript or the saved file) and store its report, score it again,
compare it with earlier takes of its question, and what to aim for before answering.

The order is what makes a take impossible to lose: the history row exists before the
first sample is recorded, the audio is on disk as it is recorded, and the report is
stored once the take is saved; a failed analysis leaves the take to be scored again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..audio.decode import SAMPLE_RATE_HZ, Audio
from ..audio.voice import speech_seconds
from ..core.datatypes import Transcript
from ..core.errors import HistoryError, VoicecoachError
from ..core.questions import Question
from ..scoring.pipeline import Report, report_to_dict, score_file, score_transcript
from ..settings.config import Settings
from .history import History, Take
from .progress import Change, compare
from .record import Recording, TakeWriter

logger = logging.getLogger(__name__)

#: A take shorter than this, or with less speech, holds nothing to score: it is
#: discarded rather than kept as a failure.
MIN_TAKE_S = 1.0


@dataclass(frozen=True)
class ScoredTake:
    """What scoring a saved take gave: the report (None when the analysis failed, with
    ``error`` saying why) and, when the report could not be stored in the history,
    ``store_error`` (the report is then kept next to the audio)."""

    take_id: int
    report: Report | None
    error: str | None = None
    store_error: str | None = None


def take_stem(question_id: str | None) -> str:
    """The start of a new take's file name: when it was started and its question."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{question_id or 'free'}"


def open_take(
    history: History, question: Question | None, *, directory: Path, sample_rate_hz: int = SAMPLE_RATE_HZ
) -> tuple[int, TakeWriter]:
    """Create a new take: its WAV file (created exclusively, so two takes started in the
    same second never share one) and its history row, before the first sample. A question
    of your own (no id) is kept by its text, under no category ("your own questions")."""
    qid = (question.id or None) if question else None
    writer = TakeWriter.create(directory / "takes", take_stem(qid), sample_rate_hz=sample_rate_hz)
    try:
        take_id = history.start_take(
            audio_path=writer.path,
            question_id=qid,
            question_text=question.text if question else None,
            category=(question.category or None) if question and not question.custom else None,
        )
    except BaseException:
        writer.discard()
        raise
    return take_id, writer


def nothing_recorded(duration_s: float) -> str:
    """What a take that held no speech is told: the terminal and the browser room say it alike."""
    return f"Nothing recorded ({duration_s:.1f} s, no speech): the take is not kept."


def is_empty_take(
    recording: Recording, streamed: tuple[Audio, Transcript] | None = None, *, speech_s: float | None = None
) -> bool:
    """Whether a take holds nothing: under :data:`MIN_TAKE_S`, or no speech in it (by the
    voice activity detector: ``speech_s`` when measured while streaming, else on the
    streamed audio or the saved file)."""
    if recording.duration_s < MIN_TAKE_S:
        return True
    from ..audio.voice import MIN_SPEECH_S

    if speech_s is not None:
        return speech_s < MIN_SPEECH_S
    if streamed is not None:
        audio = streamed[0]
    else:
        from ..audio.decode import load_audio

        try:
            audio = load_audio(recording.path)
        except VoicecoachError:
            return True
    return speech_seconds(audio, enough_s=MIN_SPEECH_S) < MIN_SPEECH_S


def _keep(history: History, take_id: int, report: Report) -> ScoredTake:
    try:
        history.keep_report(take_id, report_to_dict(report))
    except HistoryError as exc:
        return ScoredTake(take_id, report, None, str(exc))
    return ScoredTake(take_id, report)


def score_streamed_take(
    history: History,
    take_id: int,
    question: Question | str | None,
    settings: Settings,
    audio: Audio,
    transcript: Transcript,
    *,
    speech_s: float | None = None,
) -> ScoredTake:
    """Analyse a take transcribed while it was recorded (``speech_s``: the speech the
    voice activity detector heard in its pieces), and store the report."""
    take = history.get(take_id)
    audio = Audio(audio.samples, audio.sample_rate_hz, take.audio_path)
    try:
        report = score_transcript(
            audio, transcript, settings=settings, question=question or take.question_text, speech_s=speech_s
        )
    except VoicecoachError as exc:
        history.save_failure(take_id, str(exc))
        return ScoredTake(take_id, None, str(exc))
    return _keep(history, take_id, report)


def earlier_takes(history: History, take: Take) -> tuple[Take | None, Take | None]:
    """(the previous scored take of the same question, the best by overall score) before
    ``take``; None where there is none."""
    same = history.same_question(take.question_id, take.question_text)
    before = [
        t
        for t in same
        if t.id != take.id and t.created_at <= take.created_at and t.status == "scored" and t.overall is not None
    ]
    if not before:
        return None, None
    best = max(before, key=lambda t: (t.overall or 0, t.created_at))
    return before[-1], best


def progress_since(
    history: History, take_id: int, report: dict[str, Any]
) -> tuple[tuple[Take, list[Change]] | None, tuple[Take, list[Change]] | None]:
    """How this take compares with the previous take of its question and with the best:
    ((take, changes) or None, (take, changes) or None)."""
    previous, best = earlier_takes(history, history.get(take_id))
    out = []
    for t in (previous, best):
        past = t.report if t is not None else None
        out.append((t, compare(report, past)) if t is not None and past else None)
    return out[0], out[1]


def score_saved_take(
    history: History, take_id: int, question: Question | str | None, settings: Settings, *, on_progress: Any = None
) -> ScoredTake:
    """Analyse a recorded take and store the report (or the error) in the history.

    The report is written next to the take's audio before the database is touched, so a
    locked or broken database never throws a computed report away.
    """
    take = history.get(take_id)
    try:
        report = score_file(
            take.audio_path, settings=settings, question=question or take.question_text, on_progress=on_progress
        )
    except VoicecoachError as exc:
        try:
            history.save_failure(take_id, str(exc))
        except HistoryError as store_exc:
            return ScoredTake(take_id, None, str(exc), str(store_exc))
        return ScoredTake(take_id, None, str(exc))
    return _keep(history, take_id, report)


def rescore_take(
    history: History, take_id: int, settings: Settings, *, bank: list[Question] | None = None
) -> ScoredTake:
    """Score a saved take again, against its bank question when the bank still has it
    (else against the question's text), and store the result."""
    from ..core.questions import pick_question

    take = history.get(take_id)
    question: Question | str | None = take.question_text
    if take.question_id and bank is not None:
        try:
            question = pick_question(bank, question_id=take.question_id)
        except VoicecoachError:
            pass  # the question left the bank; judge against its text
    return score_saved_take(history, take_id, question, settings)


@dataclass(frozen=True)
class Guidance:
    """What to aim for before answering: the length range for the question's type and
    the points a strong answer covers (empty for a question of your own)."""

    min_s: float
    max_s: float
    points: tuple[str, ...]
    kind: str = "general"  # the question type whose rules the report applies


def guidance(question: Question, settings: Settings) -> Guidance:
    from ..analysers import structure
    from ..core.questions import question_kind

    options = settings.analysers.get("structure") or structure.Options()
    kind = question_kind(question.text, question.category or None)
    lo, hi = options.length_ranges_s.get(kind, options.length_ranges_s.get("general", (30.0, 120.0)))
    return Guidance(lo, hi, tuple(point for point, _cues in question.cover_points), kind)


def practised_before(history: History, question: Question) -> bool:
    """Whether the question has a scored take already."""
    takes = history.same_question(question.id or None, question.text)
    return any(t.status == "scored" for t in takes)
