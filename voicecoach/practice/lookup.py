"""Finding a report to show: a saved take (``12``, ``take:12``, ``#12``), a saved result
(``.json``, or a ``.jsonl`` holding one), or an audio file to score now."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import Hint, VoicecoachError
from ..core.paths import data_dir as resolve_data_dir
from ..scoring.result import Report, load_report, report_from_dict
from .history import History, Take

TAKE_ID = re.compile(r"(?:take:|#)?(\d+)")


@dataclass(frozen=True)
class Found:
    report: Report
    audio_path: str | None  # the recording, for the HTML report's player (may be gone)
    take_id: int | None = None  # when it is a saved take


def find_report(target: str, *, data_dir: Path | None = None, score: Callable[[Path], Report]) -> Found:
    """The report ``target`` names; ``score`` scores an audio file (only called for one).

    Raises:
        VoicecoachError: no such take, a take not scored yet, or a result or audio file
            that cannot be read.
    """
    path = Path(target)
    take = TAKE_ID.fullmatch(target)
    if take and not path.exists():
        h = History.open(data_dir)
        try:
            t = h.get(int(take.group(1)))
        finally:
            h.close()
        if t.report is None:
            raise VoicecoachError(f"take {t.id} has no report yet (status {t.status})", hint=Hint("score-take", t.id))
        return Found(report_from_dict(t.report, source=f"take {t.id}"), t.audio_path, t.id)
    if path.suffix.lower() in (".json", ".jsonl"):
        report = load_report(path)
        return Found(report, report.file)
    return Found(score(path), str(path))


def recent_takes(
    data_dir: Path | None, *, question_id: str | None, question_text: str | None = None, limit: int = 20
) -> list[Take]:
    """The last ``limit`` takes of one question (a bank id, or the text of a question of
    your own), oldest first; empty for an answer to no question, and when there is no
    history yet (none is created).

    Raises:
        HistoryError: the history exists but cannot be read.
    """
    db = resolve_data_dir(data_dir) / "history.sqlite"
    if not db.exists():
        return []
    h = History(db)
    try:
        return h.same_question(question_id, question_text, limit=limit)
    finally:
        h.close()
