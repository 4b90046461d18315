"""One practice take: record to disk, save in the history, score, save the report.

The order is what makes a take impossible to lose: the history row exists before the
first sample is recorded, the audio is on disk as it is recorded, and the analysis only
starts once the take is saved; a failed analysis leaves the take for ``score --take``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .config import Settings
from .errors import HistoryError, VoicecoachError
from .history import History
from .pipeline import Report, report_to_dict, score_file
from .questions import Question
from .record import Recording, RecordOptions, record


@dataclass(frozen=True)
class ScoredTake:
    """What scoring a saved take gave: the report (None when the analysis failed, with
    ``error`` saying why) and, when the report could not be stored in the history,
    ``store_error`` (the report is then kept next to the audio)."""

    take_id: int
    report: Report | None
    error: str | None = None
    store_error: str | None = None


def new_take_path(directory: Path, question_id: str | None) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = directory / "takes" / f"{stamp}-{question_id or 'free'}"
    path, n = base.with_suffix(".wav"), 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}").with_suffix(".wav")
    return path


def record_take(
    history: History,
    question: Question | None,
    *,
    directory: Path,
    options: RecordOptions,
    should_stop: Callable[[], bool] = lambda: False,
    on_block: Callable[[float, float], None] | None = None,
) -> tuple[int, Recording]:
    """Record a take; its history row is written before recording starts."""
    path = new_take_path(directory, question.id if question else None)
    take_id = history.start_take(
        audio_path=path,
        question_id=question.id if question else None,
        question_text=question.text if question else None,
        category=question.category if question else None,
    )
    try:
        recording = record(path, options=options, should_stop=should_stop, on_block=on_block)
    except VoicecoachError as exc:
        history.save_failure(take_id, str(exc))
        raise
    history.finish_recording(take_id, recording.duration_s)
    return take_id, recording


def score_saved_take(history: History, take_id: int, question: Question | str | None, settings: Settings) -> ScoredTake:
    """Analyse a recorded take and store the report (or the error) in the history.

    The report is written next to the take's audio before the database is touched, so a
    locked or broken database never throws a computed report away.
    """
    take = history.get(take_id)
    try:
        report = score_file(take.audio_path, settings=settings, question=question or take.question_text)
    except VoicecoachError as exc:
        try:
            history.save_failure(take_id, str(exc))
        except HistoryError as store_exc:
            return ScoredTake(take_id, None, str(exc), str(store_exc))
        return ScoredTake(take_id, None, str(exc))
    try:
        history.keep_report(take_id, report_to_dict(report))
    except HistoryError as exc:
        return ScoredTake(take_id, report, None, str(exc))
    return ScoredTake(take_id, report)


def rescore_take(history: History, take_id: int, settings: Settings, *, bank: list[Question] | None = None) -> ScoredTake:
    """Score a saved take again, against its bank question when the bank still has it
    (else against the question's text), and store the result."""
    from .questions import pick_question

    take = history.get(take_id)
    question: Question | str | None = take.question_text
    if take.question_id and bank is not None:
        try:
            question = pick_question(bank, question_id=take.question_id)
        except VoicecoachError:
            pass  # the question left the bank; judge against its text
    return score_saved_take(history, take_id, question, settings)
