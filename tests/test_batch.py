"""Batch scoring: outputs, failure isolation, resume after kill -9, manifest, a real Dask cluster."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from tests.conftest import ROOT, SAMPLE_NAMES, SAMPLES, open_page
from tests.helpers import sigint_as_in_a_terminal
from voicecoach.cli import cli

pytestmark = pytest.mark.model  # transcribes with the real model: run again under a forced instruction set


def _assert_same_result(row: dict, other: dict) -> None:
    """A CSV row against another row or a `score --json` object: the same result, within
    the variation separate processes show (one word or filler). The transcripts are
    compared by their words: punctuation and case vary between processes with different
    thread counts (under GENERIC, "I, er I" against "I. er I")."""
    import jiwer

    from voicecoach.core.datatypes import normalise_word

    def words(text: str) -> str:
        return " ".join(w for w in map(normalise_word, text.split()) if w)

    def get(obj: dict, dotted: str):
        if dotted in obj:
            return obj[dotted]
        a, b = dotted.split(".")
        return obj[a][b]

    assert float(row["pacing.wpm"]) == pytest.approx(float(get(other, "pacing.wpm")), rel=0.03)
    assert abs(int(row["fillers.count"]) - int(get(other, "fillers.count"))) <= 1
    assert abs(int(row["pauses.count"]) - int(get(other, "pauses.count"))) <= 1
    assert jiwer.wer(words(str(get(other, "transcript.text"))), words(row["transcript.text"])) <= 0.05


def _rows(out: Path) -> list[dict]:
    return list(csv.DictReader((out / "results.csv").open()))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("answers")
    (d / "cohort" / "week1").mkdir(parents=True)
    for name in SAMPLE_NAMES:
        shutil.copy(SAMPLES / f"{name}.wav", d / "cohort" / "week1" / f"{name}.wav")
    (d / "cohort" / "notes.txt").write_text("not audio")
    (d / "cohort" / "broken.wav").write_bytes(b"RIFF-not-really")
    sf.write(d / "cohort" / "silence.flac", np.zeros(16000 * 3, dtype=np.float32), 16000)
    return d / "cohort"


@pytest.fixture(scope="module")
def local_run(folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(cli, ["batch", str(folder), "--out", str(out), "--workers", "2"])
    return out, result


def test_batch_writes_one_row_per_file_and_isolates_failures(local_run, reports):
    out, result = local_run
    assert result.exit_code == 1  # broken.wav failed
    assert "skipped" in result.output and "notes.txt" in result.output
    rows = {Path(r["file"]).name: r for r in _rows(out)}
    assert sorted(rows) == sorted(["broken.wav", "silence.flac", *(f"{n}.wav" for n in SAMPLE_NAMES)])
    assert rows["broken.wav"]["status"] == "failed" and "not a readable audio file" in rows["broken.wav"]["reason"]
    assert rows["silence.flac"]["status"] == "no_speech" and rows["silence.flac"]["scores.overall"] == ""
    for name in SAMPLE_NAMES:
        r = rows[f"{name}.wav"]
        assert r["status"] == "ok"
        # the same numbers as `score --json` on the same file, within what separate
        # processes may vary (CTranslate2's threaded int8 arithmetic can move a word)
        _assert_same_result(r, reports[name])
    lines = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert len(lines) == 5
    ok = [x for x in lines if x.get("speech_found")]
    assert len(ok) == 3 and all(x["schema_version"] == 1 and "transcript" in x for x in ok)
    assert "5 files: 3 scored, 1 without speech, 0 not English or unclear, 1 failed" in result.output
    assert "5/5" in result.output and "audio min, 1 failed" in result.output  # the progress line
    assert "pacing.wpm" in result.output and "lowest overall score:" in result.output


def test_rerun_skips_done_work_and_duplicates_nothing(local_run, folder):
    out, _ = local_run
    before = {r["file"]: r for r in _rows(out)}
    result = CliRunner().invoke(cli, ["batch", str(folder), "--out", str(out)])
    assert "4 of 5 files already scored" in result.output  # the failed one is retried
    after = _rows(out)
    assert len(after) == 5 and {r["file"]: r for r in after} == before


def test_manifest_gives_each_answer_its_question(tmp_path):
    manifest = tmp_path / "m.csv"
    shutil.copy(SAMPLES / "hesitant_slow.wav", tmp_path / "a.wav")
    manifest.write_text('file,question\na.wav,"Tell me about a time you failed."\n')
    result = CliRunner().invoke(cli, ["batch", str(manifest), "--out", str(tmp_path / "out"), "--decoding", "plain"])
    assert result.exit_code == 0, result.output
    (row,) = _rows(tmp_path / "out")
    assert row["question"] == "Tell me about a time you failed."
    obj = json.loads((tmp_path / "out" / "results.jsonl").read_text())
    assert obj["structure"]["question_type"] == "behavioural"


def test_manifest_question_ids_name_bank_questions(tmp_path):
    """A bank id in the question column, or in a question_id column, is that bank question
    (its category and covered points), judged as `score -q ID` judges it, not as the text
    "beh-deadline"; an id the bank does not hold is a failed row that says what it may
    mean; the summary names each file with its folder."""
    for student in ("alice", "bob"):
        (tmp_path / student).mkdir()
        shutil.copy(SAMPLES / "star_answer.wav", tmp_path / student / "deadline.wav")
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "file,question,question_id\n"
        "alice/deadline.wav,beh-deadline,\n"  # an id in the question column
        "bob/deadline.wav,,beh-deadline\n"  # the same id in its own column
        "bob/deadline.wav,beh-deadlin,\n"  # a typo
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["batch", str(manifest), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 1, result.output  # the typo's row failed
    assert (
        "beh-deadlin" in result.output
        and "did you mean beh-deadline" in result.output
        and "Traceback" not in result.output
    )
    rows = _rows(out)
    assert [r["status"] for r in rows] == ["ok", "ok", "failed"]
    for r in rows[:2]:
        assert r["question_id"] == "beh-deadline" and r["question"].startswith("Tell me about a time")
    assert "did you mean beh-deadline" in rows[2]["reason"]
    lines = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert lines[0]["question_id"] == "beh-deadline" and lines[0]["structure"]["question_type"] == "behavioural"
    assert lines[2]["status"] == "failed" and "did you mean" in lines[2]["reason"]
    # judged as `score -q beh-deadline` judges the same file
    alone = CliRunner().invoke(cli, ["score", str(tmp_path / "alice" / "deadline.wav"), "-q", "beh-deadline", "--json"])
    assert alone.exit_code == 0, alone.output
    scored = json.loads(alone.output)
    assert abs(float(rows[0]["scores.structure"]) - scored["scores"]["structure"]) <= 5
    assert scored["question"] == rows[0]["question"] and scored["question_id"] == "beh-deadline"
    # named with their folders: two students' deadline.wav are told apart
    assert "alice/deadline.wav" in result.output and "bob/deadline.wav" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope/*.wav"], "nope/*.wav: no file matches this pattern"),
        (["--scheduler", "tcp://127.0.0.1:9", "{wav}"], "cannot reach the Dask scheduler"),
        (["-q", "beh-deadlin", "{wav}"], "did you mean beh-deadline"),
    ],
)
def test_batch_errors_are_one_line(args, message, tmp_path):
    args = [a.format(wav=SAMPLES / "motivation_fast.wav") for a in args]
    result = CliRunner().invoke(cli, ["batch", *args, "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_batch_resumes(sig, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i, name in enumerate(SAMPLE_NAMES):
        shutil.copy(SAMPLES / f"{name}.wav", src / f"{i}_{name}.wav")
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "voicecoach",
        "batch",
        str(src),
        "--out",
        str(out),
        "--workers",
        "1",
        "--decoding",
        "plain",
    ]
    log = tmp_path / "stderr.txt"
    with log.open("w") as err:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
            preexec_fn=sigint_as_in_a_terminal,
        )
    db = out / "results.sqlite"
    deadline = time.time() + 120
    done = 0
    while time.time() < deadline and done < 1:
        time.sleep(0.2)
        if db.exists():
            try:
                done = sqlite3.connect(db).execute("SELECT count(*) FROM results").fetchone()[0]
            except sqlite3.OperationalError:
                pass
    if sig == signal.SIGINT:
        os.kill(proc.pid, sig)  # Ctrl-C reaches the main process; workers are its children
    else:
        os.killpg(proc.pid, sig)
    code = proc.wait(timeout=60)
    assert code == (130 if sig == signal.SIGINT else -9), log.read_text()[-2000:]
    assert 1 <= done < 3, f"{done} results before the kill"
    kept = sqlite3.connect(db).execute("SELECT count(*) FROM results").fetchone()[0]
    assert kept >= 1
    rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{kept} of 3 files already scored" in rerun.stderr
    rows = _rows(out)
    assert len(rows) == 3 and len({r["file"] for r in rows}) == 3 and all(r["status"] == "ok" for r in rows)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A real `dask scheduler` and two `dask worker` processes on 127.0.0.1."""
    d = tmp_path_factory.mktemp("dask")
    sched_file = d / "scheduler.json"
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    procs = [
        subprocess.Popen(
            [*dask, "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(sched_file)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    ]
    try:
        for _ in range(100):
            if sched_file.exists() and sched_file.stat().st_size:
                break
            time.sleep(0.1)
        worker = [
            sys.executable,
            "-m",
            "distributed.cli.dask_worker",
            "--scheduler-file",
            str(sched_file),
            "--nworkers",
            "1",
            "--nthreads",
            "1",
            "--no-dashboard",
        ]
        for _ in range(2):
            procs.append(
                subprocess.Popen(worker, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            )
        address = json.loads(sched_file.read_text())["address"]
        from distributed import Client

        with Client(address, timeout="20s") as c:
            c.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def test_dask_cluster_gives_the_same_results_as_the_local_run(dask_cluster, local_run, folder, tmp_path):
    local_out, _ = local_run
    out = tmp_path / "dask-out"
    result = CliRunner().invoke(cli, ["batch", str(folder), "--out", str(out), "--scheduler", dask_cluster])
    assert result.exit_code == 1, result.output  # the broken file, as locally
    local = {r["file"]: r for r in _rows(local_out)}
    remote = {r["file"]: r for r in _rows(out)}
    assert local.keys() == remote.keys(), result.output
    for f, r in remote.items():
        assert r["status"] == local[f]["status"], f
        if r["status"] == "ok":
            _assert_same_result(r, local[f])


def test_dask_with_audio_sent_as_bytes(dask_cluster, local_run, tmp_path):
    """Workers get the bytes, not the path: the file the job names no longer exists on
    the workers' side by the time they run (it is deleted right after being read)."""
    local_out, _ = local_run
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SAMPLES / "motivation_fast.wav", src / "motivation_fast.wav")
    from voicecoach.batch import run as b
    from voicecoach.settings.config import Settings

    settings = Settings()
    job = b.Job(str(src / "motivation_fast.wav"), None, "k1")
    original_read = Path.read_bytes

    def read_then_delete(self):
        data = original_read(self)
        self.unlink()  # the workers cannot read it from the path any more
        return data

    Path.read_bytes = read_then_delete  # type: ignore[method-assign]
    try:
        (outcome,) = list(b.run_dask([job], settings, dask_cluster, send_audio=True))
    finally:
        Path.read_bytes = original_read  # type: ignore[method-assign]
    assert not (src / "motivation_fast.wav").exists()
    assert outcome.status == "ok", outcome.reason
    local = {Path(r["file"]).name: r for r in _rows(local_out)}["motivation_fast.wav"]
    assert outcome.result is not None
    assert outcome.result["pacing"]["wpm"] == pytest.approx(float(local["pacing.wpm"]), rel=1e-4)


def test_dask_run_gives_the_cohort_page_and_reports_from_the_store(dask_cluster, folder, tmp_path, browser):
    """The page and the answers' reports are built in the batch's process from the results
    store, not on the workers: the same page as a local run's."""
    out = tmp_path / "dask-cohort"
    page_path = tmp_path / "cohort.html"
    result = CliRunner().invoke(
        cli,
        ["batch", str(folder), "--out", str(out), "--scheduler", dask_cluster, "--reports", "--html", str(page_path)],
    )
    assert result.exit_code == 1, result.output  # the broken file, as locally
    rows = {Path(r["file"]).name: r for r in _rows(out)}
    for name in SAMPLE_NAMES:
        r = rows[f"{name}.wav"]
        assert (r["answer"], r["student"]) == (f"cohort/week1/{name}.wav", "week1")
        assert r["report"] and (out / r["report"]).is_file()
    assert rows["broken.wav"]["flags"] == "failed" and rows["silence.flac"]["flags"] == "no speech"
    page, requests, dialogs = open_page(browser, page_path)
    assert page.locator("#answers tbody tr").count() == 5 and page.locator("#answers a").count() == 3
    assert requests == [page_path.as_uri()] and dialogs == []
    page.close()
