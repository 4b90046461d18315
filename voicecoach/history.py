"""Practice history: every take in a SQLite database in the user's data directory.

A take is written before recording starts (status ``recording``), updated when the
recording is closed (``recorded``) and when its analysis finishes (``scored``) or fails
(``failed``), each in its own transaction, so a take is never lost and a failed analysis
can be rerun (``voicecoach score --take ID``). WAL mode and synchronous commits keep the
database consistent through a ``kill -9`` in the middle of a write.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import VoicecoachError

SCHEMA = """
CREATE TABLE IF NOT EXISTS takes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    question_id TEXT,
    question_text TEXT,
    category TEXT,
    audio_path TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    duration_s REAL,
    report_json TEXT,
    overall INTEGER,
    fillers_per_min REAL,
    wpm REAL,
    pause_ratio REAL,
    structure_score INTEGER
);
CREATE INDEX IF NOT EXISTS takes_question ON takes(question_id, created_at);
"""
TREND_METRICS = ("fillers_per_min", "wpm", "pause_ratio", "structure_score", "overall")


def data_dir(override: Path | None = None) -> Path:
    """Where takes and the history live: ``override``, ``VOICECOACH_DATA_DIR``, or the
    platform's user data directory."""
    if override:
        return override
    env = os.environ.get("VOICECOACH_DATA_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("voicecoach"))


@dataclass(frozen=True)
class Take:
    id: int
    created_at: float
    question_id: str | None
    question_text: str | None
    category: str | None
    audio_path: str
    status: str
    error: str | None
    duration_s: float | None
    overall: int | None
    fillers_per_min: float | None
    wpm: float | None
    pause_ratio: float | None
    structure_score: int | None
    report_json: str | None

    @property
    def report(self) -> dict[str, Any] | None:
        return json.loads(self.report_json) if self.report_json else None

    def as_dict(self, *, with_report: bool = False) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "report_json"}
        d["created_at_iso"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(self.created_at))
        if with_report:
            d["report"] = self.report
        return d


class History:
    def __init__(self, path: Path):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise VoicecoachError(f"{path}: cannot open the history database ({exc})") from exc
        self.path = path

    @classmethod
    def open(cls, directory: Path | None = None) -> History:
        return cls(data_dir(directory) / "history.sqlite")

    def close(self) -> None:
        self.db.close()

    def start_take(self, *, audio_path: Path, question_id: str | None, question_text: str | None, category: str | None) -> int:
        with self.db:
            cur = self.db.execute(
                "INSERT INTO takes (created_at, question_id, question_text, category, audio_path, status) VALUES (?, ?, ?, ?, ?, 'recording')",
                (time.time(), question_id, question_text, category, str(audio_path)),
            )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def finish_recording(self, take_id: int, duration_s: float) -> None:
        with self.db:
            self.db.execute("UPDATE takes SET status = 'recorded', duration_s = ? WHERE id = ?", (duration_s, take_id))

    def save_report(self, take_id: int, report: dict[str, Any]) -> None:
        scores = report.get("scores") or {}
        with self.db:
            self.db.execute(
                "UPDATE takes SET status = 'scored', error = NULL, duration_s = ?, report_json = ?, overall = ?, fillers_per_min = ?, wpm = ?, pause_ratio = ?, structure_score = ? WHERE id = ?",
                (
                    report.get("duration_s"),
                    json.dumps(report),
                    scores.get("overall"),
                    (report.get("fillers") or {}).get("per_min"),
                    (report.get("pacing") or {}).get("wpm"),
                    (report.get("pauses") or {}).get("pause_ratio"),
                    scores.get("structure"),
                    take_id,
                ),
            )

    def save_failure(self, take_id: int, error: str) -> None:
        with self.db:
            self.db.execute("UPDATE takes SET status = 'failed', error = ? WHERE id = ?", (error, take_id))

    def _rows(self, where: str = "", args: tuple = (), limit: int | None = None) -> list[Take]:
        cols = ", ".join(Take.__dataclass_fields__)
        sql = f"SELECT {cols} FROM takes {where} ORDER BY created_at, id"
        rows = [Take(*r) for r in self.db.execute(sql, args)]
        return rows[-limit:] if limit else rows

    def get(self, take_id: int) -> Take:
        rows = self._rows("WHERE id = ?", (take_id,))
        if not rows:
            raise VoicecoachError(f"--take {take_id}: no such take in {self.path}; `voicecoach history` lists them")
        return rows[0]

    def takes(self, *, question_id: str | None = None, category: str | None = None, limit: int | None = None) -> list[Take]:
        clauses, args = [], []
        if question_id:
            clauses.append("question_id = ?")
            args.append(question_id)
        if category:
            clauses.append("category = ?")
            args.append(category)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return self._rows(where, tuple(args), limit)

    def practised_question_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT DISTINCT question_id FROM takes WHERE status = 'scored' AND question_id IS NOT NULL")}


def trends(takes: list[Take], *, by: str = "question_id") -> list[dict[str, Any]]:
    """Per question (or category): how each key figure moved over the scored takes."""
    groups: dict[str, list[Take]] = {}
    for t in takes:
        if t.status == "scored":
            groups.setdefault(getattr(t, by) or "(no question)", []).append(t)
    out = []
    for key, ts in groups.items():
        row: dict[str, Any] = {by.replace("_id", ""): key, "takes": len(ts)}
        for m in TREND_METRICS:
            values = [getattr(t, m) for t in ts if getattr(t, m) is not None]
            row[m] = {"first": values[0] if values else None, "latest": values[-1] if values else None, "series": values}
        out.append(row)
    return out
