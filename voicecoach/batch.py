"""Batch scoring: many files, worker processes or a Dask cluster, a resumable store.

Every result is committed to a SQLite store (``OUT/results.sqlite``, WAL mode) as soon as
it is computed, keyed by the audio content hash and a hash of the settings and question,
so a rerun after Ctrl-C or kill -9 skips what is done. ``results.csv`` and
``results.jsonl`` are rewritten atomically from the store, so they never hold partial or
duplicated rows.
"""

from __future__ import annotations

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
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .audio import is_audio_path
from .config import Settings
from .errors import VoicecoachError

logger = logging.getLogger(__name__)

CSV_COLUMNS = (
    "file", "question", "status", "reason", "duration_s", "speech_found",
    "scores.overall", "scores.pacing", "scores.fillers", "scores.pauses", "scores.structure",
    "pacing.wpm", "pacing.articulation_wpm", "fillers.count", "fillers.vocal_count", "fillers.discourse_count",
    "fillers.per_min", "fillers.share_of_words", "pauses.count", "pauses.long_count", "pauses.pause_ratio",
    "pauses.time_to_first_word_s", "structure.length_s", "structure.words", "structure.star_coverage",
    "structure.direct_opening", "structure.clear_ending", "delivery.pitch_spread_st", "transcript.text",
)  # fmt: skip
SUMMARY_METRICS = ("scores.overall", "pacing.wpm", "fillers.per_min", "pauses.pause_ratio", "structure.length_s")


@dataclass(frozen=True)
class Job:
    path: str
    question: str | None
    key: str  # content hash + settings hash


@dataclass(frozen=True)
class Outcome:
    key: str
    path: str
    status: str  # "ok", "no_speech" or "failed"
    reason: str
    result: dict[str, Any] | None


def collect_inputs(items: list[str], *, on_skip: Callable[[str], None] = lambda _m: None) -> list[tuple[Path, str | None]]:
    """Files, folders (recursive), globs and manifest CSVs (``file,question``) -> (path, question)."""
    out: list[tuple[Path, str | None]] = []
    for item in items:
        p = Path(item)
        if p.suffix.lower() == ".csv" and p.is_file():
            out.extend(_read_manifest(p))
            continue
        if p.is_dir():
            candidates = sorted(x for x in p.rglob("*") if x.is_file())
        elif p.exists():
            candidates = [p]
        else:
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise VoicecoachError(f"{item}: no such file, folder or matching glob")
            candidates = [Path(m) for m in matches if Path(m).is_file()]
        for c in candidates:
            if is_audio_path(c):
                out.append((c, None))
            else:
                on_skip(f"skipped {c}: not an audio file (by its extension)")
    seen: set[Path] = set()
    unique = []
    for path, q in out:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            unique.append((path, q))
    return unique


def _read_manifest(path: Path) -> list[tuple[Path, str | None]]:
    try:
        rows = list(csv.DictReader(path.open(newline="", encoding="utf-8")))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise VoicecoachError(f"{path}: cannot read the manifest ({exc})") from exc
    if not rows or "file" not in rows[0]:
        raise VoicecoachError(f"{path}: a manifest needs a header row with a 'file' column (and optionally 'question')")
    return [
        ((path.parent / r["file"]).resolve() if not Path(r["file"]).is_absolute() else Path(r["file"]), (r.get("question") or None))
        for r in rows
        if r.get("file")
    ]


def settings_fingerprint(settings: Settings) -> str:
    blob = json.dumps(dataclasses.asdict(settings), sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def job_key(path: Path, question: str | None, fingerprint: str) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    h.update(b"\0" + (question or "").encode() + b"\0" + fingerprint.encode())
    return h.hexdigest()[:32]


class Store:
    """Results keyed by job key, one committed transaction per result."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, path TEXT NOT NULL, question TEXT, status TEXT NOT NULL, "
            "reason TEXT, result_json TEXT, finished_at REAL NOT NULL)"
        )
        self.db.commit()

    def done_keys(self) -> set[str]:
        # failures are retried on a rerun; results are not recomputed
        return {k for (k,) in self.db.execute("SELECT key FROM results WHERE status != 'failed'")}

    def put(self, outcome: Outcome, question: str | None) -> None:
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?)",
                (outcome.key, outcome.path, question, outcome.status, outcome.reason, json.dumps(outcome.result) if outcome.result else None, time.time()),
            )

    def rows(self, keys: list[str]) -> Iterator[tuple[str, str | None, str, str, dict | None]]:
        for key in keys:
            row = self.db.execute("SELECT path, question, status, reason, result_json FROM results WHERE key = ?", (key,)).fetchone()
            if row:
                yield row[0], row[1], row[2], row[3], json.loads(row[4]) if row[4] else None

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


def csv_row(path: str, question: str | None, status: str, reason: str, result: dict | None) -> dict[str, Any]:
    flat = _flat(result) if result else {}
    row = {c: flat.get(c, "") for c in CSV_COLUMNS}
    row.update({"file": path, "question": question or "", "status": status, "reason": reason})
    return row


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_outputs(store: Store, keys: list[str], out_dir: Path) -> list[dict[str, Any]]:
    """Rewrite results.csv and results.jsonl for ``keys`` from the store; return the CSV rows."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    lines, rows = [], []
    for path, question, status, reason, result in store.rows(keys):
        row = csv_row(path, question, status, reason, result)
        writer.writerow(row)
        rows.append(row)
        lines.append(json.dumps(result if result else {"file": path, "question": question, "status": status, "reason": reason}, ensure_ascii=False))
    _atomic_write(out_dir / "results.csv", buf.getvalue())
    _atomic_write(out_dir / "results.jsonl", "\n".join(lines) + ("\n" if lines else ""))
    return rows


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in rows if r["status"] == "ok"]
    metrics = {}
    for m in SUMMARY_METRICS:
        vals = [float(r[m]) for r in ok if r[m] != ""]
        if vals:
            metrics[m] = {"mean": statistics.fmean(vals), "median": statistics.median(vals)}
    most_fillers = sorted(ok, key=lambda r: -float(r["fillers.per_min"] or 0))[:3]
    lowest = sorted(ok, key=lambda r: float(r["scores.overall"] or 0))[:3]
    return {
        "files": len(rows),
        "ok": len(ok),
        "no_speech": sum(r["status"] == "no_speech" for r in rows),
        "failed": sum(r["status"] == "failed" for r in rows),
        "metrics": metrics,
        "most_fillers": [(r["file"], float(r["fillers.per_min"])) for r in most_fillers],
        "lowest_overall": [(r["file"], int(float(r["scores.overall"]))) for r in lowest],
    }


# ---------------------------------------------------------------- the work itself
def score_job(path: str, question: str | None, key: str, settings: Settings, data: bytes | None = None) -> Outcome:
    """Score one file (from ``data`` when the bytes were sent along); never raises for a
    bad file, so the batch goes on."""
    from .pipeline import report_to_dict, score_file

    try:
        d = report_to_dict(score_file(path, settings=settings, question=question, data=data))
    except VoicecoachError as exc:
        return Outcome(key, path, "failed", str(exc), None)
    except Exception as exc:  # noqa: BLE001 - isolate any failure to its own file
        logger.exception("unexpected failure on %s", path)
        return Outcome(key, path, "failed", f"{type(exc).__name__}: {exc}", None)
    return Outcome(key, path, "ok" if d["speech_found"] else "no_speech", "" if d["speech_found"] else "no speech found", d)


_WORKER_SETTINGS: Settings | None = None


def _init_worker(settings: Settings) -> None:
    global _WORKER_SETTINGS
    _WORKER_SETTINGS = settings
    from .transcribe import load_model

    load_model(settings.transcription.model, cpu_threads=settings.transcription.cpu_threads)  # once per process


def _worker_job(path: str, question: str | None, key: str) -> Outcome:
    assert _WORKER_SETTINGS is not None
    return score_job(path, question, key, _WORKER_SETTINGS)


def run_local(jobs: list[Job], settings: Settings, workers: int) -> Iterator[Outcome]:
    """Yield outcomes as worker processes finish them."""
    if workers <= 1:
        _init_worker(settings)
        for j in jobs:
            yield _worker_job(j.path, j.question, j.key)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    ctx = multiprocessing.get_context("spawn")  # no forked CTranslate2 threads
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(settings,)) as pool:
        futures = [pool.submit(_worker_job, j.path, j.question, j.key) for j in jobs]
        try:
            for fut in as_completed(futures):
                yield fut.result()
        except BaseException:
            for f in futures:
                f.cancel()
            raise


def run_dask(jobs: list[Job], settings: Settings, scheduler: str, *, send_audio: bool = False, in_flight_per_worker: int = 2) -> Iterator[Outcome]:
    """Yield outcomes from a Dask distributed cluster; each worker loads the model once.

    Workers read the audio from the same path (shared storage), or with ``send_audio``
    get the file's bytes from here. At most ``in_flight_per_worker`` jobs per worker are
    submitted at a time, so a batch of thousands never sits in memory at once.
    """
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise VoicecoachError("--scheduler needs Dask: pip install 'voicecoach[dask]'") from exc
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise VoicecoachError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc}); is `dask scheduler` running?") from exc
    try:
        from .dask_plugin import ModelPlugin

        client.register_plugin(ModelPlugin(settings.transcription.model, settings.transcription.cpu_threads), name="voicecoach-model")
        window = max(1, len(client.scheduler_info().get("workers", {}))) * in_flight_per_worker
        pending = iter(jobs)

        def submit(job: Job):
            data = Path(job.path).read_bytes() if send_audio else None
            return client.submit(score_job, job.path, job.question, job.key, settings, data, pure=False, key=f"voicecoach-{job.key}")

        queue = as_completed([submit(j) for j in itertools.islice(pending, window)])
        for fut in queue:
            yield fut.result()
            fut.release()
            nxt = next(pending, None)
            if nxt is not None:
                queue.add(submit(nxt))
    finally:
        client.close()
