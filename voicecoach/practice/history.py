"""Practice history: every take in a SQLite database in the user's data directory.

A take is written before recording starts (status ``recording``), updated when the
recording is closed (``recorded``) and when its analysis finishes (``scored``) or fails
(``failed``), each in its own transaction, so a take is never lost and a failed analysis
can be rerun (``voicecoach score --take ID``). WAL mode and synchronous commits keep the
database consistent through a ``kill -9`` in the middle of a write.

A computed report is never lost to the database: it is first written next to the take's
audio (``TAKE.report.json``, atomically), then stored. When the database is locked by
another program, or cannot be written, the error says where the report is, and the next
time the history is opened such reports are added to it.

The database carries its layout version in ``PRAGMA user_version``; opening it runs the
migrations from its version to :data:`SCHEMA_VERSION` in one transaction, and a database
from a newer voicecoach, one with a layout this version cannot read, or a damaged one is
refused with a message saying what to do.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..core.errors import Hint, HistoryError, VoicecoachError
from ..core.files import atomic_write_text
from ..core.paths import data_dir

logger = logging.getLogger(__name__)

#: The layout this code reads and writes. Version 1 is the first layout; databases made
#: before versions were stamped hold it with user_version 0. Version 2 keeps each take's
#: headline figures in ``take_metrics``, one row per (analyser, metric), so a new analyser
#: needs no new column. Version 3 adds the mock interviews (``interviews``) and the takes
#: each is made of (``interview_turns``).
SCHEMA_VERSION = 3
#: How long a write waits for another program's lock on the database.
LOCK_WAIT_S = 10.0

SCHEMA_V1 = """
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
#: Version 2: the metrics table. The figures version 1 kept in columns are copied into
#: it; the v1 columns stay (unused) so that nothing is lost.
SCHEMA_V2 = """
CREATE TABLE IF NOT EXISTS take_metrics (
    take_id INTEGER NOT NULL REFERENCES takes(id) ON DELETE CASCADE,
    analyser TEXT NOT NULL,
    metric TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (take_id, analyser, metric)
);
INSERT OR IGNORE INTO take_metrics SELECT id, 'overall', 'score', overall FROM takes WHERE status = 'scored' AND overall IS NOT NULL;
INSERT OR IGNORE INTO take_metrics SELECT id, 'fillers', 'per_min', fillers_per_min FROM takes WHERE status = 'scored' AND fillers_per_min IS NOT NULL;
INSERT OR IGNORE INTO take_metrics SELECT id, 'pacing', 'wpm', wpm FROM takes WHERE status = 'scored' AND wpm IS NOT NULL;
INSERT OR IGNORE INTO take_metrics SELECT id, 'pauses', 'pause_ratio', pause_ratio FROM takes WHERE status = 'scored' AND pause_ratio IS NOT NULL;
INSERT OR IGNORE INTO take_metrics SELECT id, 'structure', 'score', structure_score FROM takes WHERE status = 'scored' AND structure_score IS NOT NULL;
"""
#: Version 3: mock interviews. An interview is a row (its kind, its planned questions, its
#: status: ``running`` until it ends, then ``finished`` or ``stopped``) and its turns, one
#: per take: the answer to a question (``role`` "answer") or to its follow-up ("follow-up").
SCHEMA_V3 = """
CREATE TABLE IF NOT EXISTS interviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    plan_json TEXT NOT NULL,
    summary_json TEXT
);
CREATE TABLE IF NOT EXISTS interview_turns (
    interview_id INTEGER NOT NULL REFERENCES interviews(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    role TEXT NOT NULL,
    take_id INTEGER,
    prompt TEXT NOT NULL,
    trigger TEXT,
    PRIMARY KEY (interview_id, position, role)
);
"""

#: MIGRATIONS[v] takes a database from version v - 1 to v.
MIGRATIONS: dict[int, str] = {1: SCHEMA_V1, 2: SCHEMA_V2, 3: SCHEMA_V3}
#: The overall score's key in ``take_metrics`` (analyser, metric).
OVERALL = ("overall", "score")
#: Take ids are SQLite row ids: 1 to 2**63 - 1.
MAX_TAKE_ID = 2**63 - 1


@dataclass(frozen=True)
class Take:
    """One practice take. ``metrics``: its headline figures, ``"analyser.metric"`` ->
    value (``"fillers.per_min"``, ``"structure.score"``, ``"overall.score"``)."""

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
    report_json: str | None
    metrics: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def report(self) -> dict[str, Any] | None:
        return json.loads(self.report_json) if self.report_json else None

    @property
    def created_at_iso(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(self.created_at))

    def as_dict(self, *, with_report: bool = False) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in _COLUMNS if k != "report_json"}
        d["metrics"] = dict(self.metrics)
        d["created_at_iso"] = self.created_at_iso
        if with_report:
            d["report"] = self.report
        return d


#: The columns of ``takes`` in version 1 (version 2 reads only :data:`_COLUMNS`).
_V1_COLUMNS = (
    "id",
    "created_at",
    "question_id",
    "question_text",
    "category",
    "audio_path",
    "status",
    "error",
    "duration_s",
    "report_json",
    "overall",
    "fillers_per_min",
    "wpm",
    "pause_ratio",
    "structure_score",
)
#: The columns of ``takes`` a :class:`Take` is read from.
_COLUMNS = (
    "id",
    "created_at",
    "question_id",
    "question_text",
    "category",
    "audio_path",
    "status",
    "error",
    "duration_s",
    "overall",
    "report_json",
)


def report_metrics(report: dict[str, Any]) -> dict[tuple[str, str], float]:
    """(analyser, metric) -> value for every registered analyser's headline metrics (its
    score among them) in a ``score --json`` object, and the overall score."""
    from ..analysers import registered

    out: dict[tuple[str, str], float] = {}
    for a in registered():
        for m in a.headline_metrics:
            v = a.metric_value(m, report)
            if v is not None:
                out[(a.name, m.key)] = v
    overall = (report.get("scores") or {}).get("overall")
    if isinstance(overall, (int, float)) and not isinstance(overall, bool):
        out[OVERALL] = float(overall)
    return out


def report_sidecar(audio_path: str | Path) -> Path:
    """Where a take's report is written before it goes into the database."""
    return Path(audio_path).with_suffix(".report.json")


_F = TypeVar("_F")


def _guarded(method: _F) -> _F:
    """Turn SQLite errors inside a History method into a one-line HistoryError."""

    @functools.wraps(method)  # type: ignore[arg-type]
    def wrapper(self: History, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)  # type: ignore[operator]
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise HistoryError(
                    f"{self.path}: the history database is locked by another program (waited {LOCK_WAIT_S:g} s); try "
                    "again when it is done"
                ) from exc
            raise HistoryError(f"{self.path}: cannot use the history database ({exc})") from exc
        except sqlite3.DatabaseError as exc:
            raise HistoryError(_damaged(self.path, exc)) from exc

    return wrapper  # type: ignore[return-value]


def _damaged(path: Path, exc: BaseException) -> str:
    return (
        f"{path}: the history database is damaged ({exc}); move it aside and voicecoach starts a new one (the "
        f"recordings stay in {path.parent / 'takes'})"
    )


class History:
    def __init__(self, path: Path):
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(
                f"{path.parent}: cannot create the data folder ({exc.strerror or exc}); choose a writable data folder",
                setting="data_dir",
            ) from exc
        try:
            self.db = sqlite3.connect(path, timeout=LOCK_WAIT_S)
        except sqlite3.Error as exc:
            raise HistoryError(
                f"{path}: cannot open the history database ({exc}); choose a writable data folder", setting="data_dir"
            ) from exc
        try:
            self._prepare()
        except BaseException:
            self.db.close()
            raise
        with contextlib.suppress(VoicecoachError):
            self.settle_stale_takes()
            self.import_saved_reports()

    @_guarded
    def _prepare(self) -> None:
        check = self.db.execute("PRAGMA quick_check").fetchone()
        if check and check[0] != "ok":
            raise HistoryError(_damaged(self.path, RuntimeError(check[0])))
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"{self.path}: the history database was written by a newer voicecoach (layout {version}; this one "
                f"reads up to {SCHEMA_VERSION}); "
                "upgrade voicecoach, or choose another data folder",
                setting="data_dir",
            )
        has_takes = self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'takes'").fetchone()
        if version == 0 and has_takes:
            version = 1  # made before versions were stamped: the first layout
        if has_takes:
            columns = {r[1] for r in self.db.execute("PRAGMA table_info(takes)")}
            missing = [c for c in (_V1_COLUMNS if version == 1 else _COLUMNS) if c not in columns]
            if missing:
                raise HistoryError(
                    f"{self.path}: the history database has a layout this voicecoach cannot read (no column "
                    f"{', '.join(missing)}); "
                    "choose another data folder, or move the file aside",
                    setting="data_dir",
                )
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        if version < SCHEMA_VERSION:
            with self.db:
                for v in range(version + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[v].split(";"):
                        if statement.strip():
                            self.db.execute(statement)
                if version < 2:
                    self._backfill_metrics()
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        elif self.db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            with self.db:
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _backfill_metrics(self) -> None:
        """Add the figures of stored reports that version 1 kept no column for (every
        analyser's score and headline metrics), inside the migration's transaction."""
        for take_id, report_json in self.db.execute(
            "SELECT id, report_json FROM takes WHERE status = 'scored' AND report_json IS NOT NULL"
        ).fetchall():
            try:
                report = json.loads(report_json)
            except ValueError:
                continue
            if isinstance(report, dict):
                rows = [(take_id, a, m, v) for (a, m), v in report_metrics(report).items()]
                self.db.executemany("INSERT OR IGNORE INTO take_metrics VALUES (?, ?, ?, ?)", rows)

    @classmethod
    def open(cls, directory: Path | None = None) -> History:
        return cls(data_dir(directory) / "history.sqlite")

    def close(self) -> None:
        self.db.close()

    @_guarded
    def settle_stale_takes(self) -> list[int]:
        """Give the takes left ``recording`` by a process that ended without closing them
        (a crash, ``kill -9``, a full disk that refused the last update) the status of
        what is on disk: ``recorded`` with the seconds their file holds, or no row when it
        holds nothing, or ``failed`` when the file is missing. A take that a running
        program is still recording (its file is locked) is left alone. Returns the ids
        changed."""
        from .record import settle_take_file

        changed = []
        for take_id, audio_path in self.db.execute(
            "SELECT id, audio_path FROM takes WHERE status = 'recording'"
        ).fetchall():
            if not Path(audio_path).exists():
                with self.db:
                    self.db.execute(
                        "UPDATE takes SET status = 'failed', error = ? WHERE id = ?",
                        (f"the recording {audio_path} is missing", take_id),
                    )
                changed.append(take_id)
                continue
            duration_s = settle_take_file(audio_path)
            if duration_s is None:
                continue  # being recorded now, or not a take file
            if duration_s == 0:
                self.delete_take(take_id)
            else:
                self.finish_recording(take_id, duration_s)
            changed.append(take_id)
        return changed

    @_guarded
    def import_saved_reports(self) -> list[int]:
        """Store the reports that were saved next to their takes' audio but never reached
        the database (it was locked, or the program stopped); return their take ids."""
        done = []
        for take_id, audio_path in self.db.execute(
            "SELECT id, audio_path FROM takes WHERE status != 'scored'"
        ).fetchall():
            sidecar = report_sidecar(audio_path)
            if not sidecar.is_file():
                continue
            try:
                report = json.loads(sidecar.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(report, dict):
                self.save_report(take_id, report)
                done.append(take_id)
        return done

    @_guarded
    def start_take(
        self, *, audio_path: Path, question_id: str | None, question_text: str | None, category: str | None
    ) -> int:
        with self.db:
            cur = self.db.execute(
                "INSERT INTO takes (created_at, question_id, question_text, category, audio_path, status) VALUES (?, "
                "?, ?, ?, ?, 'recording')",
                (time.time(), question_id, question_text, category, str(audio_path)),
            )
        if cur.lastrowid is None:
            raise HistoryError(f"{self.path}: the take was not stored")
        return cur.lastrowid

    @_guarded
    def finish_recording(self, take_id: int, duration_s: float) -> None:
        with self.db:
            self.db.execute("UPDATE takes SET status = 'recorded', duration_s = ? WHERE id = ?", (duration_s, take_id))

    def keep_report(self, take_id: int, report: dict[str, Any]) -> Path | None:
        """Save ``report`` next to the take's audio, then in the database.

        Returns the file it was saved in (None if the audio's folder is not writable).

        Raises:
            HistoryError: the database could not be written; the message says where the
                report was kept, and the next open of the history stores it.
        """
        sidecar: Path | None = report_sidecar(self.get(take_id).audio_path)
        try:
            atomic_write_text(sidecar, json.dumps(report, ensure_ascii=False))  # type: ignore[arg-type]
        except VoicecoachError as exc:
            logger.warning("could not keep the report next to the take: %s", exc)
            sidecar = None
        try:
            self._save_report_waiting(take_id, report)
        except HistoryError as exc:
            if sidecar is None:
                raise
            raise HistoryError(
                f"{exc}. The report is kept in {sidecar} and goes into the history the next time voicecoach opens it"
            ) from exc
        return sidecar

    def _save_report_waiting(self, take_id: int, report: dict[str, Any]) -> None:
        """save_report, saying so when another program holds the database: a first try
        waits 1 s, the retry the rest of LOCK_WAIT_S."""
        self.db.execute("PRAGMA busy_timeout = 1000")
        try:
            self.save_report(take_id, report)
            return
        except HistoryError as exc:
            if "locked by another program" not in str(exc):
                raise
            logger.warning(
                "The history database %s is locked by another program; retrying for up to %g s",
                self.path,
                LOCK_WAIT_S - 1,
            )
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {int(LOCK_WAIT_S * 1000)}")
        self.db.execute(f"PRAGMA busy_timeout = {int((LOCK_WAIT_S - 1) * 1000)}")
        try:
            self.save_report(take_id, report)
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {int(LOCK_WAIT_S * 1000)}")

    @_guarded
    def save_report(self, take_id: int, report: dict[str, Any]) -> None:
        """Store a take's report and its headline figures, in one transaction."""
        metrics = report_metrics(report)
        with self.db:
            self.db.execute(
                "UPDATE takes SET status = 'scored', error = NULL, duration_s = ?, report_json = ?, overall = ? WHERE "
                "id = ?",
                (report.get("duration_s"), json.dumps(report), (report.get("scores") or {}).get("overall"), take_id),
            )
            self.db.execute("DELETE FROM take_metrics WHERE take_id = ?", (take_id,))
            self.db.executemany(
                "INSERT INTO take_metrics VALUES (?, ?, ?, ?)", [(take_id, a, m, v) for (a, m), v in metrics.items()]
            )

    @_guarded
    def save_failure(self, take_id: int, error: str) -> None:
        with self.db:
            self.db.execute("UPDATE takes SET status = 'failed', error = ? WHERE id = ?", (error, take_id))

    def _rows(self, where: str = "", args: tuple = (), limit: int | None = None) -> list[Take]:
        sql = f"SELECT {', '.join(_COLUMNS)} FROM takes {where} ORDER BY created_at, id"
        rows = self.db.execute(sql, args).fetchall()
        rows = rows[-limit:] if limit else rows
        metrics: dict[int, dict[str, float]] = {r[0]: {} for r in rows}
        ids = list(metrics)
        for i in range(0, len(ids), 500):  # SQLite's limit on bound parameters
            chunk = ids[i : i + 500]
            q = (
                "SELECT take_id, analyser, metric, value FROM take_metrics WHERE take_id IN "
                f"({', '.join('?' * len(chunk))})"
            )
            for take_id, analyser, metric, value in self.db.execute(q, chunk):
                metrics[take_id][f"{analyser}.{metric}"] = value
        return [Take(*r[: len(_COLUMNS)], metrics=metrics[r[0]]) for r in rows]  # type: ignore[misc]

    @_guarded
    def get(self, take_id: int) -> Take:
        rows = self._rows("WHERE id = ?", (take_id,)) if 1 <= take_id <= MAX_TAKE_ID else []
        if not rows:
            raise VoicecoachError(f"take {take_id}: no such take in {self.path}", hint=Hint("history"))
        return rows[0]

    @_guarded
    def delete_take(self, take_id: int) -> None:
        """Remove a take that holds nothing (no speech, under a second): its row, its
        figures, its recording and any saved report."""
        take = self.get(take_id)
        with self.db:
            self.db.execute("DELETE FROM take_metrics WHERE take_id = ?", (take_id,))
            self.db.execute("DELETE FROM interview_turns WHERE take_id = ?", (take_id,))
            self.db.execute("DELETE FROM takes WHERE id = ?", (take_id,))
            shared = self.db.execute("SELECT 1 FROM takes WHERE audio_path = ? LIMIT 1", (take.audio_path,)).fetchone()
        if shared:  # another take's recording (a history from before take files were created exclusively)
            return
        for path in (Path(take.audio_path), report_sidecar(take.audio_path)):
            with contextlib.suppress(OSError):
                path.unlink()

    @_guarded
    def takes(
        self,
        *,
        question_id: str | None = None,
        question_text: str | None = None,
        category: str | None = None,
        limit: int | None = None,
    ) -> list[Take]:
        """Takes, oldest first: of a bank question (``question_id``), of a question of
        your own (``question_text``, no id), of a category, or all."""
        clauses, args = [], []
        if question_id:
            clauses.append("question_id = ?")
            args.append(question_id)
        elif question_text:
            clauses.append("question_id IS NULL AND question_text = ?")
            args.append(question_text)
        if category:
            clauses.append("category = ?")
            args.append(category)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return self._rows(where, tuple(args), limit)

    def same_question(
        self, question_id: str | None, question_text: str | None, *, limit: int | None = None
    ) -> list[Take]:
        """The takes of one question, oldest first: a bank question by its id, a question
        of your own by its text; none for an answer to no question (progress compares a
        question with itself only)."""
        if not question_id and not question_text:
            return []
        return self.takes(question_id=question_id, question_text=None if question_id else question_text, limit=limit)

    # ---------------------------------------------------------------- mock interviews
    @_guarded
    def start_interview(self, kind: str, plan: list[dict[str, Any]]) -> int:
        """A new interview of ``kind`` with its planned questions (``{"id", "text"}`` each)."""
        with self.db:
            cur = self.db.execute(
                "INSERT INTO interviews (created_at, kind, status, plan_json) VALUES (?, ?, 'running', ?)",
                (time.time(), kind, json.dumps(plan, ensure_ascii=False)),
            )
        return int(cur.lastrowid or 0)

    @_guarded
    def add_turn(
        self, interview_id: int, position: int, role: str, take_id: int | None, prompt: str, trigger: str | None = None
    ) -> None:
        """Record that take ``take_id`` answered ``prompt`` (question ``position``, 1-based;
        ``role`` "answer" or "follow-up") in the interview."""
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO interview_turns VALUES (?, ?, ?, ?, ?, ?)",
                (interview_id, position, role, take_id, prompt, trigger),
            )

    @_guarded
    def remove_turn(self, interview_id: int, position: int, role: str) -> None:
        """Forget the answer (``role`` "answer" or "follow-up") to question ``position``
        of the interview: its take held nothing."""
        with self.db:
            self.db.execute(
                "DELETE FROM interview_turns WHERE interview_id = ? AND position = ? AND role = ?",
                (interview_id, position, role),
            )

    @_guarded
    def finish_interview(self, interview_id: int, status: str, summary: dict[str, Any] | None = None) -> None:
        with self.db:
            self.db.execute(
                "UPDATE interviews SET status = ?, summary_json = ? WHERE id = ?",
                (status, json.dumps(summary, ensure_ascii=False) if summary is not None else None, interview_id),
            )

    @_guarded
    def interviews(self, *, kind: str | None = None) -> list[dict[str, Any]]:
        """Every interview, oldest first, with its turns: ``{"id", "created_at", "kind",
        "status", "plan", "summary", "turns": [{"position", "role", "take_id", "prompt",
        "trigger"}]}``."""
        rows = self.db.execute(
            "SELECT id, created_at, kind, status, plan_json, summary_json FROM interviews "
            + ("WHERE kind = ? " if kind else "")
            + "ORDER BY created_at, id",
            (kind,) if kind else (),
        ).fetchall()
        out = []
        for iid, created, k, status, plan, summary in rows:
            turns = [
                {"position": p, "role": r, "take_id": t, "prompt": pr, "trigger": tr}
                for p, r, t, pr, tr in self.db.execute(
                    "SELECT position, role, take_id, prompt, trigger FROM interview_turns WHERE interview_id = ? "
                    "ORDER BY position, role = 'follow-up'",
                    (iid,),
                )
            ]
            out.append(
                {
                    "id": iid,
                    "created_at": created,
                    "kind": k,
                    "status": status,
                    "plan": json.loads(plan),
                    "summary": json.loads(summary) if summary else None,
                    "turns": turns,
                }
            )
        return out

    def interview(self, interview_id: int) -> dict[str, Any]:
        found = [i for i in self.interviews() if i["id"] == interview_id]
        if not found:
            raise VoicecoachError(f"interview {interview_id}: no such interview in {self.path}", hint=Hint("history"))
        return found[0]

    @_guarded
    def practised_question_ids(self) -> set[str]:
        return {
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT question_id FROM takes WHERE status = 'scored' AND question_id IS NOT NULL"
            )
        }


@contextlib.contextmanager
def borrowed(history: History | None, directory: Path) -> Iterator[History]:
    """``history`` when one is given (left open), else the history in ``directory``,
    opened for the block and closed after it."""
    if history is not None:
        yield history
        return
    h = History.open(directory)
    try:
        yield h
    finally:
        h.close()
