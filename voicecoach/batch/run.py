"""Batch scoring: many files, worker processes or a Dask cluster, a resumable store.

Every result is committed to a SQLite store (``OUT/results.sqlite``, WAL mode) as soon as
it is computed, keyed by the audio content hash and a hash of the settings and question,
so a rerun after Ctrl-C or kill -9 skips what is done. ``results.csv`` and
``results.jsonl`` are rewritten atomically from the store, so they never hold partial or
duplicated rows. Every input path gets its own row: files with the same bytes are scored
once and share the result, and an input that is missing, unreadable or not a regular
file is a ``failed`` row, never the end of the batch.

Worker processes watch their parent and exit when it dies, however it dies (a SIGTERM,
kill -9 or a crash of the batch leaves no worker behind holding a model in memory).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import glob
import hashlib
import io
import itertools
import json
import logging
import os
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..analysers import OVERALL, Analyser, Metric, registered
from ..analysers.base import SCORE
from ..audio.decode import check_input_file, is_audio_path
from ..core.errors import VoicecoachError
from ..core.files import atomic_write_text, readable
from ..core.questions import Question
from ..settings.config import Settings

#: What a job is asked: a bank question, the text of a question of your own, or nothing.
Asked = Question | str | None

logger = logging.getLogger(__name__)

#: The columns every row has; each analyser adds its score (``scores.NAME``) and its
#: metrics (``NAME.KEY``), then the transcript closes the row.
BASE_COLUMNS = (
    "file", "answer", "student", "session", "question", "question_id", "status", "reason", "flags", "duration_s",
    "speech_found", "english", "not_judged",
)  # fmt: skip
#: How many of an answer's tips get a column (``tip_1`` ...), in the order the report ranks them.
TIP_COLUMNS = 3
#: The columns that close a row: the top tips, the answer's own report, the transcript.
END_COLUMNS = (*(f"tip_{i}" for i in range(1, TIP_COLUMNS + 1)), "report", "transcript.text")


def csv_columns(analysers: tuple[Analyser, ...] | None = None) -> tuple[str, ...]:
    """The columns of results.csv, for the registered analysers."""
    found = analysers if analysers is not None else registered()
    scores = ["scores.overall"] + [f"scores.{a.name}" for a in found if a.scored]
    metrics = [f"{a.name}.{m.key}" for a in found for m in a.metrics]
    return (*BASE_COLUMNS, *scores, *metrics, *END_COLUMNS)


def summary_columns(analysers: tuple[Analyser, ...] | None = None) -> list[tuple[str, Metric]]:
    """(column, metric) summarised over a batch: the overall score, then each analyser's
    primary figure."""
    out = [("scores.overall", OVERALL)]
    for a in analysers if analysers is not None else registered():
        m = a.primary_metric
        if m is not None:
            out.append((f"scores.{a.name}" if m.key == SCORE else f"{a.name}.{m.key}", m))
    return out


@dataclass(frozen=True)
class Job:
    """One input path. ``question``: the question's text as a person reads it; ``asked``:
    the bank question when it is one (scored with its category, covered points and
    topic), else None. ``key`` (content hash + question + settings hash) is None when the
    input could not be read or its question is not in the bank; ``error`` then says why.
    ``student`` and ``session``: as a manifest gave them; without one the student is the
    folder the file is in (:func:`student_of`) and the session is empty."""

    path: str
    question: str | None
    key: str | None
    error: str | None = None
    asked: Question | None = None
    student: str = ""
    session: str = ""

    @property
    def scored_as(self) -> Asked:
        """What the worker scores the answer against."""
        return self.asked if self.asked is not None else self.question


@dataclass(frozen=True)
class Input:
    """One input path and what a manifest gave it: the question (an id or a text, as
    written), the student and the session (a name, a date: any text)."""

    path: Path
    question: str | None
    error: str | None = None
    student: str | None = None
    session: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What scoring one job gave. ``key``: the key of the bytes that were scored, which
    differs from the job's (``planned_key``) when the file changed after it was planned."""

    key: str
    path: str
    status: str  # "ok", "no_speech", "not_english" or "failed"
    reason: str
    result: dict[str, Any] | None
    planned_key: str | None = None


def collect_inputs(
    items: list[str], *, exclude: Path | None = None, on_skip: Callable[[str], None] = lambda _m: None
) -> list[Input]:
    """Files, folders (recursive), globs and manifest CSVs (``file,question``) -> inputs.

    A path that does not exist, or a glob matching nothing, is an :class:`Input` with an
    error (a failed row), not an exception: one bad input never stops a batch. Files under
    ``exclude`` (the batch's own output folder) are skipped.
    """
    out: list[Input] = []
    excluded = exclude.resolve() if exclude else None

    def ours(p: Path) -> bool:
        try:
            return excluded is not None and p.resolve().is_relative_to(excluded)
        except (OSError, RuntimeError):  # a symlink loop resolves to an error
            return False

    for item in items:
        p = Path(item)
        if p.suffix.lower() == ".csv" and p.is_file():
            if ours(p):
                on_skip(f"skipped {readable(p)}: it is this batch's own output")
            elif _is_results_table(p):
                on_skip(
                    f"skipped {readable(p)}: a voicecoach results table, not a manifest (a manifest has columns "
                    "file,question)"
                )
            else:
                out.extend(_read_manifest(p))
            continue
        if p.is_dir():
            candidates = sorted(x for x in p.rglob("*") if not x.is_dir())
        elif p.exists() or p.is_symlink():
            candidates = [p]
        elif glob.has_magic(item):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                out.append(Input(p, None, f"{item}: no file matches this pattern"))
                continue
            candidates = [Path(m) for m in matches if not Path(m).is_dir()]
        else:
            out.append(Input(p, None, f"{item}: no such file or folder"))
            continue
        inside = [c for c in candidates if ours(c)]
        if inside:
            on_skip(
                f"skipped {len(inside)} file{'s' if len(inside) != 1 else ''} in {readable(item)}: under this batch's "
                f"own output folder {readable(exclude or '')}"
            )
        for c in candidates:
            if ours(c):
                continue
            if is_audio_path(c):
                out.append(Input(c, None))
            else:
                on_skip(f"skipped {readable(c)}: not an audio file (by its extension)")
    seen: set[tuple[str, str | None, str | None, str | None]] = set()
    unique = []
    for inp in out:
        # not resolve(): a link loop must reach its row
        ident = (os.path.abspath(inp.path), inp.question, inp.student, inp.session)
        if ident not in seen:
            seen.add(ident)
            unique.append(inp)
    return unique


def _is_results_table(path: Path) -> bool:
    try:
        with path.open(newline="", encoding="utf-8") as f:
            header = next(csv.reader(f), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return {"status", "reason", "scores.overall"} <= set(header)


def _read_manifest(path: Path) -> list[Input]:
    try:
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise VoicecoachError(f"{path}: cannot read the manifest ({exc})") from exc
    if not rows or "file" not in rows[0]:
        raise VoicecoachError(
            f"{path}: a manifest needs a header row with a 'file' column (and optionally 'question' or 'question_id')"
        )
    out = []
    for r in rows:
        name = (r.get("file") or "").strip()
        if not name:
            continue
        target = Path(name) if Path(name).is_absolute() else path.parent / name
        # a question_id column names a bank question; a question column holds an id or a text
        asked = (r.get("question_id") or "").strip() or (r.get("question") or "").strip() or None
        student = (r.get("student") or "").strip() or None
        session = (r.get("session") or "").strip() or (r.get("date") or "").strip() or None
        out.append(Input(Path(os.path.abspath(target)), asked, student=student, session=session))
    return out


def student_of(path: str | Path) -> str:
    """The student of an answer no manifest names: the folder the file is in
    (``cohort/alice/deadline.wav`` -> ``alice``)."""
    return readable(Path(os.path.abspath(path)).parent.name)


def settings_fingerprint(settings: Settings) -> str:
    """A hash of the settings that change results. The thread count is left out: it
    follows --workers and does not change what is computed."""
    plain = dataclasses.asdict(settings)
    plain["transcription"].pop("cpu_threads", None)
    plain.pop("practice", None)  # how practice runs changes no batch result
    blob = json.dumps(plain, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def job_key(path: Path, question: Asked, fingerprint: str) -> str:
    """Hash of the file's bytes, the question and the settings.

    Raises:
        AudioError: the path is not a readable regular file (checked before it is
            opened, so a FIFO or a device never blocks the batch).
    """
    check_input_file(path)
    h = hashlib.sha256()
    try:
        with Path(path).open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        raise VoicecoachError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    return _finish_key(h, question, fingerprint)


def bytes_key(data: bytes, question: Asked, fingerprint: str) -> str:
    """:func:`job_key` of a file's bytes already read."""
    return _finish_key(hashlib.sha256(data), question, fingerprint)


def _finish_key(h: Any, question: Asked, fingerprint: str) -> str:
    # a bank question is keyed by its id and text (an id typed as text was once judged as
    # that text: such a result is not reused); a question of your own by its text
    said = f"{question.id}\0{question.text}" if isinstance(question, Question) else (question or "")
    h.update(b"\0" + said.encode("utf-8", "surrogateescape") + b"\0" + fingerprint.encode())
    return str(h.hexdigest()[:32])


def read_input(path: str | Path) -> bytes:
    """The bytes of an input file, read once (they are what is hashed and scored).

    Raises:
        VoicecoachError: not a readable regular file.
    """
    check_input_file(path)
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise VoicecoachError(f"{path}: cannot read it ({exc.strerror or exc})") from exc


def plan_jobs(
    inputs: list[Input], *, question: str | None, fingerprint: str, bank: list[Question] | None = None
) -> list[Job]:
    """One job per input; an input that cannot be read, or whose question is an id the
    bank does not hold, becomes a job with an error. A question value is read as
    :func:`~voicecoach.core.questions.resolve_question` reads it: a bank id or a bank
    question's text is that question, any other text a question of your own."""
    from ..core.questions import load_bank, resolve_question

    resolved: dict[str, Question | str | VoicecoachError] = {}

    def resolve(value: str) -> Question | str | VoicecoachError:
        if value not in resolved:
            nonlocal bank
            if bank is None:
                bank = load_bank()
            try:
                q = resolve_question(bank, value)
                resolved[value] = q if q.id else q.text
            except VoicecoachError as exc:
                resolved[value] = exc
        return resolved[value]

    jobs = []
    for inp in inputs:
        raw = question if inp.question is None else inp.question
        asked = resolve(raw) if raw is not None else None
        who: dict[str, Any] = {"student": inp.student or student_of(inp.path), "session": inp.session or ""}
        if isinstance(asked, VoicecoachError):
            jobs.append(Job(str(inp.path), raw, None, f"{readable(inp.path)}: {asked}", **who))
            continue
        text = asked.text if isinstance(asked, Question) else asked
        bank_q = asked if isinstance(asked, Question) else None
        if inp.error:
            jobs.append(Job(str(inp.path), text, None, inp.error, bank_q, **who))
            continue
        try:
            jobs.append(Job(str(inp.path), text, job_key(inp.path, asked, fingerprint), asked=bank_q, **who))
        except VoicecoachError as exc:
            jobs.append(Job(str(inp.path), text, None, str(exc), bank_q, **who))
    return jobs


@dataclass(frozen=True)
class Plan:
    """What a batch will do. ``jobs``: one per input path, in input order; ``todo``: the
    jobs to score now (not scored before with these settings; identical bytes once);
    ``already``: how many were scored before; ``settings``: as given, with the cores
    shared between local workers; ``store``: the open results store (close it)."""

    jobs: list[Job]
    todo: list[Job]
    already: int
    settings: Settings
    store: Store


def plan_batch(
    inputs: list[str],
    *,
    out_dir: Path,
    settings: Settings,
    question: str | None = None,
    workers: int = 1,
    local: bool = True,
    on_skip: Callable[[str], None] = lambda _m: None,
    bank: list[Question] | None = None,
) -> Plan:
    """Collect the inputs (skipping ``out_dir``, the batch's own output), open the
    results store in ``out_dir``, key each input, and leave out what the store holds.

    Raises:
        VoicecoachError: no audio file in the inputs; the store cannot be opened.
    """
    found = collect_inputs(inputs, exclude=out_dir, on_skip=on_skip)
    if not found:
        raise VoicecoachError("no audio files found in the inputs")
    if local and settings.transcription.cpu_threads == 0:
        # share the cores between the workers instead of oversubscribing them
        threads = max(1, (os.cpu_count() or 1) // workers)
        settings = dataclasses.replace(
            settings, transcription=dataclasses.replace(settings.transcription, cpu_threads=threads)
        )
    store = Store(out_dir / "results.sqlite")
    try:
        jobs = plan_jobs(found, question=question, fingerprint=settings_fingerprint(settings), bank=bank)
        done = store.done_keys()
    except BaseException:
        store.close()
        raise
    hashed = [j for j in jobs if j.key is not None]
    todo = list({j.key: j for j in hashed if j.key not in done}.values())  # identical bytes are scored once
    return Plan(jobs, todo, sum(j.key in done for j in hashed), settings, store)


def run_plan(
    plan: Plan,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    send_audio: bool = False,
    on_start: Callable[[], None] = lambda: None,
    on_outcome: Callable[[Outcome], None] = lambda _o: None,
) -> None:
    """Score ``plan.todo`` on local worker processes (or the Dask ``scheduler``), storing
    each outcome as it arrives; ``on_start`` is called once the scheduler answered.
    Stopping early (Ctrl-C, an error) stops the workers at once; what was stored stays.

    Raises:
        VoicecoachError: the Dask scheduler cannot be reached (before ``on_start``).
    """
    if not plan.todo:
        return
    questions = {j.key: j.question for j in plan.todo}
    if scheduler:
        outcomes = run_dask(plan.todo, plan.settings, connect_dask(scheduler), send_audio=send_audio)
    else:
        outcomes = run_local(plan.todo, plan.settings, workers)
    on_start()
    with contextlib.closing(outcomes):  # closing the generator stops the workers at once
        for outcome in outcomes:
            planned = outcome.planned_key or outcome.key
            plan.store.put(outcome, questions[planned])
            if outcome.key != planned:  # the file changed after it was planned: its row follows the bytes scored
                logger.warning("%s changed while the batch ran; scored as it is now", readable(outcome.path))
                plan.jobs[:] = [
                    dataclasses.replace(j, key=outcome.key) if j.key == planned and j.path == outcome.path else j
                    for j in plan.jobs
                ]
            on_outcome(outcome)


class Store:
    """Results keyed by job key, one committed transaction per result."""

    def __init__(self, path: Path):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise VoicecoachError(
                f"{path.parent}: cannot create the results folder ({exc.strerror or exc}); choose another results "
                "folder",
                setting="out_dir",
            ) from exc
        try:
            self.db = sqlite3.connect(path, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute(
                "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, path TEXT NOT NULL, question TEXT, status "
                "TEXT NOT NULL, "
                "reason TEXT, result_json TEXT, finished_at REAL NOT NULL)"
            )
            self.db.commit()
        except sqlite3.DatabaseError as exc:
            raise VoicecoachError(
                f"{path}: cannot use the results store ({exc}); choose another results folder", setting="out_dir"
            ) from exc

    def done_keys(self) -> set[str]:
        # failures are retried on a rerun; results are not recomputed
        return {k for (k,) in self.db.execute("SELECT key FROM results WHERE status != 'failed'")}

    def put(self, outcome: Outcome, question: str | None) -> None:
        """Store ``outcome``: its path as the file name's bytes (any name, losslessly), its
        question and reason as readable text."""
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    outcome.key,
                    os.fsencode(outcome.path),
                    None if question is None else readable(question),
                    outcome.status,
                    readable(outcome.reason),
                    json.dumps(outcome.result) if outcome.result else None,
                    time.time(),
                ),
            )

    def get(self, key: str) -> tuple[str, str, dict | None] | None:
        """(status, reason, result) stored for ``key``, or None."""
        row = self.db.execute("SELECT status, reason, result_json FROM results WHERE key = ?", (key,)).fetchone()
        return (row[0], row[1], json.loads(row[2]) if row[2] else None) if row else None

    def close(self) -> None:
        self.db.close()


def _flat(obj: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in obj.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat(v, name + "."))
        else:
            out[name] = v
    return out


#: The flags an answer can carry, in the order they are listed: why a coach should look at it.
FLAGS = ("failed", "no speech", "not English", "off the question", "too short", "too long", "not judged")


def answer_flags(status: str, result: dict[str, Any] | None) -> list[str]:
    """What a coach should know about an answer at a glance (a subset of :data:`FLAGS`):
    it was not scored (``failed``, ``no speech``, ``not English``), it does not answer its
    question (the relevance verdict "no"), it is too short or too long for its kind of
    question, or some area could not be judged (``not_judged`` says which and why)."""
    found = {"failed": "failed", "no_speech": "no speech", "not_english": "not English"}
    out = [found[status]] if status in found else []
    structure = (result or {}).get("structure") or {}
    if ((structure.get("relevance") or {}).get("verdict")) == "no":
        out.append("off the question")
    if status == "ok" and structure.get("length_verdict") in ("short", "long"):
        out.append(f"too {structure['length_verdict']}")
    if status == "ok" and (result or {}).get("not_judged"):
        out.append("not judged")
    return out


def top_tips(result: dict[str, Any] | None, n: int = TIP_COLUMNS) -> list[str]:
    """The answer's first ``n`` tips as ``area: message``, in the report's order."""
    return [f"{t['area']}: {t['message']}" for t in ((result or {}).get("tips") or [])[:n]]


def report_name(answer: str, key: str) -> str:
    """Where an answer's own HTML report goes, relative to the results folder: a readable,
    safe file name from the answer's name, made unique by its key."""
    import re

    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", answer).strip("._")[:60] or "answer"
    return f"reports/{stem}-{key[:10]}.html"


def csv_row(
    path: str,
    question: str | None,
    status: str,
    reason: str,
    result: dict | None,
    columns: tuple[str, ...] | None = None,
    question_id: str = "",
    **named: str,
) -> dict[str, Any]:
    """One row of results.csv; the file name and the texts as a person reads them
    (:func:`~voicecoach.core.files.readable`). ``named``: the ``answer``, ``student``,
    ``session`` and ``report`` columns."""
    flat = _flat(result) if result else {}
    unjudged = (result or {}).get("not_judged") or {}
    flat["not_judged"] = "; ".join(f"{name}: {why}" for name, why in unjudged.items())
    flat["flags"] = "; ".join(answer_flags(status, result))
    for i, tip in enumerate(top_tips(result), 1):
        flat[f"tip_{i}"] = tip
    row = {c: flat.get(c, "") for c in columns or csv_columns()}
    row.update(
        {
            "file": readable(path),
            "question": readable(question or ""),
            "question_id": question_id,
            "status": status,
            "reason": readable(reason),
        }
    )
    row.update({k: readable(v) for k, v in named.items()})
    return {k: _not_a_formula(v) if k in TEXT_COLUMNS else v for k, v in row.items()}


#: The CSV's columns of free text (names, questions, tips, what was said).
TEXT_COLUMNS = frozenset(
    ("file", "answer", "student", "session", "question", "reason", "flags", "not_judged", "transcript.text")
    + tuple(f"tip_{i}" for i in range(1, TIP_COLUMNS + 1))
)


def _not_a_formula(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (it starts with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return) with a ``'`` before it, so that it shows as
    text: a student or file named ``=HYPERLINK(...)`` stays a name. results.jsonl keeps the
    text as it was."""
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def job_names(jobs: list[Job]) -> dict[str, str]:
    """Each job's path -> the answer's name: its path from the folder the inputs share
    (:func:`short_names`), never a bare file name that can collide."""
    return short_names([readable(j.path) for j in jobs])


def write_outputs(store: Store, jobs: list[Job], out_dir: Path) -> list[dict[str, Any]]:
    """Rewrite results.csv and results.jsonl from the store, one row per job that has
    an outcome (in input order); return the CSV rows. Each row names its answer
    (``answer``), its ``student`` and ``session``, and links its own report when one was
    made (:func:`write_reports`)."""
    buf = io.StringIO()
    columns = csv_columns()
    writer = csv.DictWriter(buf, fieldnames=columns)
    writer.writeheader()
    lines, rows = [], []
    names = job_names(jobs)
    for job in jobs:
        if job.key is None:
            status, reason, result = "failed", job.error or "", None
        else:
            stored = store.get(job.key)
            if stored is None:
                continue  # not scored yet (the batch was interrupted)
            status, reason, result = stored
            if result is not None:
                result = {**result, "file": readable(job.path)}  # identical bytes share one result
        qid = job.asked.id if job.asked is not None else ""
        answer = names[readable(job.path)]
        report = report_name(answer, job.key) if job.key and status == "ok" else ""
        named = {
            "answer": answer,
            "student": job.student,
            "session": job.session,
            "report": report if report and (out_dir / report).is_file() else "",
        }
        row = csv_row(job.path, job.question, status, reason, result, columns, qid, **named)
        writer.writerow(row)
        rows.append(row)
        # the JSONL holds the texts as they are (the CSV's guard against formulas is the CSV's)
        who = {k: readable(named[k]) for k in ("answer", "student", "session")}
        extra = {**who, "flags": answer_flags(status, result), "report": row["report"] or None}
        failed = {
            "file": readable(job.path),
            **who,
            "question": job.question and readable(job.question),
            "question_id": qid or None,
            "status": status,
            "reason": readable(reason),
            "flags": extra["flags"],
        }
        lines.append(json.dumps({**result, **extra, "status": status} if result else failed, ensure_ascii=False))
    atomic_write_text(out_dir / "results.csv", buf.getvalue())
    atomic_write_text(out_dir / "results.jsonl", "\n".join(lines) + ("\n" if lines else ""))
    return rows


def short_names(paths: list[str]) -> dict[str, str]:
    """Each path named from the folder the paths share: ``alice/deadline.wav`` and
    ``bob/deadline.wav``, never two bare ``deadline.wav``; a file in the shared folder
    itself keeps that folder's name (``cohort/deadline.wav``)."""
    if not paths:
        return {}
    parts = [Path(p).parts for p in paths]
    common = 0
    while all(len(x) > common + 1 for x in parts) and len({x[common] for x in parts}) == 1:
        common += 1
    start = max(0, common - 1) if any(len(x) - common == 1 for x in parts) else common
    return {p: str(Path(*x[start:])) for p, x in zip(paths, parts, strict=True)}


def _answer_label(answer: str, student: str) -> str:
    """An answer named by student and file: its path when that already names the student
    (``alice/deadline.wav``), else ``student: path``."""
    return answer if not student or student in Path(answer).parts[:-1] else f"{student}: {answer}"


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts by status; mean and median of each summarised figure; for each figure with a
    better direction, the three files that did worst on it, each named with its folder
    (:func:`short_names`)."""
    short = short_names([r["file"] for r in rows])
    names = {r["file"]: _answer_label(r.get("answer") or short[r["file"]], r.get("student", "")) for r in rows}
    ok = [r for r in rows if r["status"] == "ok"]
    metrics = {}
    worst = {}
    for column, m in summary_columns():
        vals = [(float(r[column]), names[r["file"]]) for r in ok if r.get(column, "") != ""]
        if not vals:
            continue
        numbers = [v for v, _ in vals]
        metrics[column] = {"label": m.label, "mean": statistics.fmean(numbers), "median": statistics.median(numbers)}
        if m.better in ("lower", "higher"):
            ranked = sorted(vals, key=lambda vf: -vf[0] if m.better == "lower" else vf[0])[:3]
            worst[column] = {
                "label": f"{'highest' if m.better == 'lower' else 'lowest'} {m.label}",
                "fmt": m.fmt,
                "files": [(f, v) for v, f in ranked],
            }
    return {
        "files": len(rows),
        "ok": len(ok),
        "no_speech": sum(r["status"] == "no_speech" for r in rows),
        "not_english": sum(r["status"] == "not_english" for r in rows),
        "failed": sum(r["status"] == "failed" for r in rows),
        "metrics": metrics,
        "worst": worst,
    }


# ---------------------------------------------------------------- the work itself
def score_job(path: str, question: Asked, key: str, settings: Settings, data: bytes | None = None) -> Outcome:
    """Score one file (from ``data`` when the bytes were sent along, else read here once);
    never raises for a bad file, so the batch goes on. The outcome is keyed by the bytes
    that were scored, which differ from ``key`` when the file changed since it was planned."""
    from ..scoring.pipeline import report_to_dict, score_file

    def outcome(status: str, reason: str, result: dict[str, Any] | None, scored_key: str = key) -> Outcome:
        return Outcome(scored_key, path, status, reason, result, planned_key=key)

    from ..asr.language import LANGUAGE_MODEL
    from ..asr.models import release_model

    try:
        if data is None:
            data = read_input(path)
        scored_key = bytes_key(data, question, settings_fingerprint(settings))
        d = report_to_dict(score_file(path, settings=settings, question=question, data=data))
    except VoicecoachError as exc:
        return outcome("failed", str(exc), None)
    except Exception as exc:  # noqa: BLE001 - isolate any failure to its own file
        logger.exception("unexpected failure on %s", readable(path))
        return outcome("failed", f"{type(exc).__name__}: {exc}", None)
    finally:
        # the language model is loaded only for a take in doubt; a worker does not keep it
        # (about 190 MB) for the rest of the batch
        if settings.transcription.model != LANGUAGE_MODEL:
            release_model(LANGUAGE_MODEL)
    d["file"] = readable(path)
    if not d["speech_found"]:
        return outcome("no_speech", "no speech found", d, scored_key)
    if not d["english"]:
        if d.get("english_probability") is not None:
            return outcome(
                "not_english",
                f"not English (language detection: {d['english_probability']:.0%} English)",
                d,
                scored_key,
            )
        median = d["median_word_probability"]
        why = "not English, or too unclear to transcribe" + (
            f" (median word confidence {median:.2f})" if median is not None else ""
        )
        return outcome("not_english", why, d, scored_key)
    return outcome("ok", "", d, scored_key)


_WORKER_SETTINGS: Settings | None = None
#: How often a worker checks that the batch that started it is still alive (where the
#: kernel cannot be asked to end it with its parent).
PARENT_CHECK_S = 0.2
PR_SET_PDEATHSIG = 1


def _exit_with_parent(parent_pid: int) -> None:
    """Exit this worker as soon as the batch that started it is gone (SIGTERM, kill -9, a
    crash), where no signal handler of the batch could run: on Linux the kernel kills the
    worker with its parent (``PR_SET_PDEATHSIG``); everywhere a thread also polls the
    parent id, which changes when the worker is handed to init."""
    import signal
    import threading

    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before the request was made
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK_S)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="voicecoach-parent-watch", daemon=True).start()


def _init_worker(settings: Settings, parent_pid: int | None = None) -> None:
    global _WORKER_SETTINGS
    if parent_pid is not None:
        _exit_with_parent(parent_pid)
    _WORKER_SETTINGS = settings
    from ..asr.models import load_model

    load_model(settings.transcription.model, cpu_threads=settings.transcription.cpu_threads)  # once per process


def _worker_job(path: str, question: Asked, key: str) -> Outcome:
    if _WORKER_SETTINGS is None:
        raise RuntimeError("the worker was not initialised")
    return score_job(path, question, key, _WORKER_SETTINGS)


def run_local(jobs: list[Job], settings: Settings, workers: int) -> Generator[Outcome, None, None]:
    """Yield outcomes as worker processes finish them.

    On any exit before the end (Ctrl-C, SIGTERM turned into an exception, an error) the
    workers are terminated at once rather than left to finish their files.
    """
    todo = [j for j in jobs if j.key is not None]
    if workers <= 1:
        _init_worker(settings)
        for j in todo:
            assert j.key is not None
            yield _worker_job(j.path, j.scored_as, j.key)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ctx = multiprocessing.get_context("spawn")  # no forked CTranslate2 threads
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(settings, os.getpid())
    )
    finished = False
    try:
        futures = [pool.submit(_worker_job, j.path, j.scored_as, j.key or "") for j in todo]
        for fut in as_completed(futures):
            yield fut.result()
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _terminate(pool)


def _terminate(pool: Any) -> None:
    """Stop a process pool now: cancel what has not started, kill what has."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.join(timeout=5)


def connect_dask(scheduler: str) -> Any:
    """A client of the Dask scheduler at ``scheduler``.

    Raises:
        VoicecoachError: Dask is not installed, or the scheduler does not answer in 10 s.
    """
    try:
        from distributed import Client
    except ImportError as exc:
        raise VoicecoachError(
            "scoring on a Dask cluster needs Dask: pip install 'voicecoach[dask]'", setting="scheduler"
        ) from exc
    try:
        return Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise VoicecoachError(
            f"{scheduler}: cannot reach the Dask scheduler ({exc}); is `dask scheduler` running?", setting="scheduler"
        ) from exc


def run_dask(
    jobs: list[Job], settings: Settings, scheduler: Any, *, send_audio: bool = False, in_flight_per_worker: int = 2
) -> Generator[Outcome, None, None]:
    """Yield outcomes from a Dask distributed cluster (``scheduler``: its address, or a
    client from :func:`connect_dask`, which this closes); each worker loads the model once.

    Workers read the audio from the same path (shared storage), or with ``send_audio``
    get the file's bytes from here. At most ``in_flight_per_worker`` jobs per worker are
    submitted at a time, so a batch of thousands never sits in memory at once.
    """
    from distributed import as_completed

    client = connect_dask(scheduler) if isinstance(scheduler, str) else scheduler
    try:
        from .dask_plugin import ModelPlugin

        client.register_plugin(
            ModelPlugin(settings.transcription.model, settings.transcription.cpu_threads), name="voicecoach-model"
        )
        window = max(1, len(client.scheduler_info().get("workers", {}))) * in_flight_per_worker
        pending = iter([j for j in jobs if j.key is not None])

        def submit(job: Job):
            data = None
            if send_audio:
                try:
                    data = Path(job.path).read_bytes()
                except OSError as exc:  # gone or unreadable since it was hashed
                    return client.submit(
                        Outcome,
                        job.key,
                        job.path,
                        "failed",
                        f"{job.path}: cannot read it ({exc.strerror or exc})",
                        None,
                        pure=False,
                    )
            return client.submit(
                score_job, job.path, job.scored_as, job.key, settings, data, pure=False, key=f"voicecoach-{job.key}"
            )

        queue = as_completed([submit(j) for j in itertools.islice(pending, window)])
        for fut in queue:
            yield fut.result()
            fut.release()
            nxt = next(pending, None)
            if nxt is not None:
                queue.add(submit(nxt))
    finally:
        client.close()
