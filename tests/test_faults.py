"""Faults that strike while a take or a batch is under way, through the real CLI and the
real server: two takes at once, a microphone that vanishes, a full disk, signals, a
suspended tab, hostile file names, a file replaced mid-batch, huge ids. Each case says what
is on disk afterwards and checks it there (the WAV, the SQLite history, the results)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import ROOT, SAMPLES
from tests.helpers import align
from tests.test_serve import Server, takes
from tests.vmic import VirtualMic, practice_process

VC = [sys.executable, "-m", "voicecoach"]


def _wait_for(predicate: Any, timeout_s: float = 30.0, what: str = "the condition") -> Any:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _rows(data: Path) -> list[tuple]:
    """(id, status, duration_s, audio_path, error) per take, straight from the database."""
    db = sqlite3.connect(data / "history.sqlite")
    try:
        return db.execute("SELECT id, status, duration_s, audio_path, error FROM takes ORDER BY id").fetchall()
    finally:
        db.close()


def _history(data: Path) -> list[dict]:
    """The takes as ``voicecoach history --json`` gives them (which opens the history)."""
    done = subprocess.run([*VC, "history", "--json", "--data-dir", str(data)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text, text


# -- two takes at once -----------------------------------------------------------------------


@pytest.mark.model
@pytest.mark.mic
def test_two_practice_sessions_at_once_record_into_two_files(mic, tmp_path):
    """Two terminals start the same question in the same second: each take gets its own
    file, and each file holds the whole answer (before, they shared one file, written in
    interleaved blocks)."""
    data = tmp_path / "data"
    args = ("--question", "sw-weakness", "--max-seconds", "60", "--stop-on-silence", "1.5", "--json")
    procs = [practice_process(mic, data, *args) for _ in range(2)]
    try:
        _wait_for(lambda: len(list(data.glob("takes/*.wav"))) == 2, timeout_s=60, what="two take files")
    except AssertionError:
        for p in procs:
            p.kill()
        said = [p.communicate()[1][-1500:] for p in procs]
        raise AssertionError(f"timed out waiting for two take files: {said}") from None
    time.sleep(0.5)
    mic.play(SAMPLES / "motivation_fast.wav").wait()
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e for _, e in outs]
    rows = _rows(data)
    assert len(rows) == 2 and {r[1] for r in rows} == {"scored"}
    paths = {r[3] for r in rows}
    assert len(paths) == 2, paths  # never one file for two takes
    for _id, _status, duration, path, _error in rows:
        assert sf.info(path).duration == pytest.approx(duration, abs=0.01)
        offset_s, corr = align(Path(path), SAMPLES / "motivation_fast.wav")
        assert corr > 0.9, (path, corr)  # the whole answer, not every other block of it


@pytest.mark.realtime
def test_two_takes_started_at_once_in_the_browser_room(tmp_path):
    """Two tabs start the same question at once: two files; a silent take discarded by one
    tab leaves the other take's recording alone."""
    s = Server(tmp_path / "data")
    try:
        start = json.dumps({"question_id": "sw-weakness"}).encode()
        barrier = threading.Barrier(6)

        def begin(_: int) -> int:
            barrier.wait()
            return json.loads(s.request("POST", "/api/takes", body=start).body)["take_id"]

        with ThreadPoolExecutor(6) as pool:
            ids = list(pool.map(begin, range(6)))
        rows = {r[0]: r for r in takes(s.data)}
        assert len({rows[i][4] for i in ids}) == 6, rows  # six files for six takes
        a, b = ids[:2]
        y, _sr = sf.read(SAMPLES / "motivation_fast.wav", dtype="int16")
        for start_at in range(0, 6 * 16000, 4000):
            assert (
                s.request("POST", f"/api/takes/{a}/audio", body=y[start_at : start_at + 4000].tobytes()).status == 200
            )
            assert s.request("POST", f"/api/takes/{b}/audio", body=np.zeros(4000, "<i2").tobytes()).status == 200
            time.sleep(0.06)
        stopped = json.loads(s.request("POST", f"/api/takes/{b}/stop", body=b"{}").body)
        assert stopped["status"] == "empty"
        got, _ = sf.read(rows[a][4], dtype="int16")  # the speaking tab's take is untouched
        assert np.array_equal(got, y[: 6 * 16000])
        assert s.request("GET", f"/api/takes/{a}/audio.wav").status == 200
    finally:
        s.stop()


def test_takes_opened_at_once_by_many_threads_get_their_own_files(tmp_path):
    from voicecoach.core.questions import Question
    from voicecoach.practice.history import History
    from voicecoach.practice.takes import open_take

    q = Question(
        id="sw-weakness",
        text="What is your greatest weakness?",
        category="strengths",
        difficulty="medium",
        source="test",
    )
    barrier = threading.Barrier(16)

    def one(_: int) -> Path:
        h = History.open(tmp_path)
        try:
            barrier.wait()
            _take_id, writer = open_take(h, q, directory=tmp_path)
            writer.append(np.zeros(160, dtype="<i2"))
            writer.close()
            return writer.path
        finally:
            h.close()

    with ThreadPoolExecutor(16) as pool:
        paths = list(pool.map(one, range(16)))
    assert len(set(paths)) == 16
    assert sorted(r[3] for r in _rows(tmp_path)) == sorted(str(p) for p in paths)


# -- the microphone, the disk, signals ------------------------------------------------------


@pytest.mark.model
@pytest.mark.mic
def test_a_microphone_that_vanishes_mid_take_ends_it_with_a_message(tmp_path):
    """The sound server's sink is unloaded 4 s into a take: the take ends within seconds
    (not at --max-seconds, nor never), says why, keeps the 4 s and scores them."""
    own = VirtualMic().start()  # this test breaks its microphone
    try:
        data = tmp_path / "data"
        proc = practice_process(own, data, "--question", "sw-weakness", "--max-seconds", "40", "--json")
        _wait_for(lambda: list(data.glob("takes/*.wav")), what="the take's file")
        player = own.play(SAMPLES / "star_answer.wav")
        time.sleep(4.0)
        modules = subprocess.run(
            ["pactl", "list", "short", "modules"], env=own.env, capture_output=True, text=True, check=True
        ).stdout
        sink = next(line.split()[0] for line in modules.splitlines() if "module-null-sink" in line)
        subprocess.run(["pactl", "unload-module", sink], env=own.env, check=True)
        unplugged = time.monotonic()
        out, err = proc.communicate(timeout=60)
        waited_s = time.monotonic() - unplugged
        player.kill()
    finally:
        own.stop()
    _no_traceback(err)
    assert proc.returncode == 1, err
    assert "the microphone stopped sending sound" in err and "The take stops here" in err
    assert "the report covers the" in err  # and the report says what it covers
    assert waited_s < 20, waited_s  # the no-audio limit (4 s) and the scoring, not --max-seconds
    ((take_id, status, duration, path, _error),) = _rows(data)
    assert status == "scored" and 2.5 <= duration <= 6.0, (status, duration)
    assert sf.info(path).duration == pytest.approx(duration, abs=0.01)
    assert json.loads(out)["take_id"] == take_id


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs for a data folder (skipped where mounting is not allowed)."""
    where = tmp_path / "small"
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(where)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(
            f"cannot mount a small tmpfs here ({done.stderr.strip() or done.returncode}); the full-disk case needs "
            "root and mount"
        )
    yield where
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


@pytest.mark.model
@pytest.mark.mic
def test_a_full_disk_mid_take_keeps_the_audio_and_the_streamed_transcript(mic, small_disk):
    """The disk fills 3 s into a take: one line says so, the WAV up to the last block
    written is valid, the report of what was streamed is shown, and once space is freed
    the history says the take is recorded, with the seconds on disk."""
    from voicecoach.practice.history import History

    data = small_disk
    History.open(data).close()
    free = os.statvfs(data).f_bavail * os.statvfs(data).f_frsize
    ballast = data / "ballast"
    ballast.write_bytes(b"\0" * (free - 150_000))  # room for about 3 s of 16 kHz audio
    proc = practice_process(mic, data, "--question", "sw-weakness", "--max-seconds", "40", "--json")
    _wait_for(lambda: list(data.glob("takes/*.wav")), what="the take's file")
    player = mic.play(SAMPLES / "star_answer.wav")
    out, err = proc.communicate(timeout=120)
    player.kill()
    _no_traceback(err)
    assert proc.returncode == 1, err
    assert "No space left on device" in err and "The take stops here" in err
    (wav,) = data.glob("takes/*.wav")
    y, sr = sf.read(str(wav))
    assert sr == 16000 and 1.0 < len(y) / sr < 5.0 and abs(y).max() > 0.01
    report = json.loads(out)  # transcribed while recorded: nothing more needed the disk
    assert report["speech_found"] and report["duration_s"] == pytest.approx(len(y) / sr, abs=0.15)
    assert {"last", "spring"} & {w["text"].strip(",.").lower() for w in report["transcript"]["words"]}
    ballast.unlink()
    (take,) = _history(data)
    assert take["status"] in ("recorded", "scored") and take["duration_s"] == pytest.approx(len(y) / sr, abs=0.01)


@pytest.mark.model
@pytest.mark.mic
def test_sigterm_during_a_take_keeps_it_as_recorded(mic, tmp_path):
    data = tmp_path / "data"
    proc = practice_process(mic, data, "--question", "sw-weakness", "--max-seconds", "60")
    _wait_for(lambda: list(data.glob("takes/*.wav")), what="the take's file")
    player = mic.play(SAMPLES / "star_answer.wav")
    time.sleep(4.0)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    player.kill()
    _no_traceback(err)
    ((take_id, status, duration, path, _error),) = _rows(data)
    assert proc.returncode == 143 and status == "recorded", (proc.returncode, status, err)
    assert f"voicecoach score --take {take_id}" in err
    assert sf.info(path).duration == pytest.approx(duration, abs=0.01) and duration > 3.0


@pytest.mark.model
@pytest.mark.mic
def test_ctrl_c_while_analysing_says_the_take_is_saved(mic, tmp_path):
    """Scoring after the take (streaming off), interrupted: the message names the take and
    how to score it, and the take is recorded."""
    config = tmp_path / "config.toml"
    config.write_text("[practice]\nstream = false\n")
    data = tmp_path / "data"
    proc = practice_process(mic, data, "--question", "sw-weakness", "--max-seconds", "8", "--config", str(config))
    _wait_for(lambda: list(data.glob("takes/*.wav")), what="the take's file")
    player = mic.play(SAMPLES / "star_answer.wav")
    lines: list[str] = []
    while not any("analysing" in line for line in lines):
        line = proc.stderr.readline()
        assert line, "".join(lines)
        lines.append(line)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    player.kill()
    _no_traceback(err)
    ((take_id, status, *_),) = _rows(data)
    assert proc.returncode == 130 and status == "recorded", (proc.returncode, status)
    assert "Interrupted while analysing" in err and f"voicecoach score --take {take_id}" in err


@pytest.mark.model
@pytest.mark.mic
def test_ctrl_c_on_an_empty_take_keeps_nothing(mic, tmp_path):
    data = tmp_path / "data"
    proc = practice_process(mic, data, "--question", "sw-weakness", "--max-seconds", "60")
    _wait_for(lambda: list(data.glob("takes/*.wav")), what="the take's file")
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    _no_traceback(err)
    assert proc.returncode == 130
    assert "Interrupted. Nothing recorded (" in err and "score --take" not in err
    assert _rows(data) == [] and list(data.glob("takes/*")) == []


@pytest.mark.mic
def test_a_device_that_fails_to_open_leaves_nothing(tmp_path):
    """The sound server dies during the countdown: one line, no history row, no file."""
    own = VirtualMic().start()
    try:
        data = tmp_path / "data"
        proc = practice_process(own, data, "--question", "sw-weakness", "--max-seconds", "5", "--prep-seconds", "3")
        _wait_for(lambda: proc.stderr.readline().startswith("A strong answer") or None, what="the question")
        own.procs[0].kill()  # the PulseAudio daemon
        own.procs[0].wait()
        _, err = proc.communicate(timeout=60)
    finally:
        own.stop()
    _no_traceback(err)
    assert proc.returncode == 1 and "Error: cannot open the input device" in err
    assert _rows(data) == [] and list(data.glob("takes/*")) == []


def test_a_take_left_recording_by_a_killed_program_is_settled_on_the_next_open(tmp_path):
    """kill -9 mid-take leaves the row 'recording' and the header a block behind at worst;
    the next open of the history marks it recorded with the seconds on disk, and leaves a
    take that another program is still recording alone."""
    from voicecoach.practice.history import History
    from voicecoach.practice.takes import open_take

    data = tmp_path / "data"
    h = History.open(data)
    dead_id, dead = open_take(h, None, directory=data)
    dead.append(np.full(16000 * 2, 1000, dtype="<i2"))
    with open(dead.path, "ab") as f:  # a block written after the last header update
        f.write(np.full(1600, 1000, dtype="<i2").tobytes())
    os.close(dead._fd)  # the writer's process is gone: no lock, no close
    empty_id, empty = open_take(h, None, directory=data)
    os.close(empty._fd)
    live_id, live = open_take(h, None, directory=data)  # still being recorded
    live.append(np.zeros(16000, dtype="<i2"))
    h.close()
    child = subprocess.run(
        [*VC, "history", "--json", "--data-dir", str(data)], capture_output=True, text=True, cwd=ROOT
    )
    assert child.returncode == 0, child.stderr
    by_id = {t["id"]: t for t in json.loads(child.stdout)}
    assert by_id[dead_id]["status"] == "recorded" and by_id[dead_id]["duration_s"] == pytest.approx(2.1)
    assert sf.info(str(dead.path)).duration == pytest.approx(2.1)  # the header matches the samples again
    assert empty_id not in by_id and not empty.path.exists()  # nothing recorded: no row
    assert by_id[live_id]["status"] == "recording"
    live.close()


def test_a_take_whose_folder_is_removed_is_written_back(tmp_path):
    from voicecoach.practice.record import TakeWriter

    w = TakeWriter.create(tmp_path / "takes", "t")
    w.append(np.full(16000, 500, dtype="<i2"))
    shutil.rmtree(tmp_path / "takes")
    w._last_sync = 0.0  # the next block runs the once-a-second check
    w.append(np.full(8000, 500, dtype="<i2"))
    w.close()
    y, sr = sf.read(str(w.path), dtype="int16")
    assert sr == 16000 and len(y) == 24000 and (y == 500).all()


# -- the browser room -------------------------------------------------------------------------


@pytest.mark.realtime
def test_sigterm_to_the_server_closes_its_open_takes(tmp_path):
    s = Server(tmp_path / "data")
    y, _sr = sf.read(SAMPLES / "motivation_fast.wav", dtype="int16")
    take_id = json.loads(
        s.request("POST", "/api/takes", body=json.dumps({"question_id": "mot-why-here"}).encode()).body
    )["take_id"]
    for start in range(0, 6 * 16000, 4000):
        assert s.request("POST", f"/api/takes/{take_id}/audio", body=y[start : start + 4000].tobytes()).status == 200
        time.sleep(0.06)
    s.proc.send_signal(signal.SIGTERM)
    _, err = s.proc.communicate(timeout=30)
    _no_traceback(err)
    assert s.proc.returncode in (143, -signal.SIGTERM), s.proc.returncode
    ((_, status, _qid, duration, _path),) = takes(s.data)
    assert status == "recorded" and duration == pytest.approx(6.0, abs=0.01)
    assert f"voicecoach score --take {take_id}" in err


@pytest.mark.realtime
def test_a_suspended_tab_keeps_its_take_and_stop_scores_it(tmp_path):
    """A tab sends 8 s, then sleeps past the abandon limit (a laptop lid): the take is
    closed and kept; a late chunk is refused with a message that says so; Stop then gives
    the report of the 8 s."""
    s = Server(tmp_path / "data", "--abandon-after-s", "2")
    try:
        y, _sr = sf.read(SAMPLES / "motivation_fast.wav", dtype="int16")
        take_id = json.loads(
            s.request("POST", "/api/takes", body=json.dumps({"question_id": "mot-why-here"}).encode()).body
        )["take_id"]
        for start in range(0, 8 * 16000, 4000):
            assert (
                s.request("POST", f"/api/takes/{take_id}/audio", body=y[start : start + 4000].tobytes()).status == 200
            )
            time.sleep(0.06)
        _wait_for(lambda: takes(s.data)[0][1] == "recorded", timeout_s=20, what="the take to be closed")
        late = s.request("POST", f"/api/takes/{take_id}/audio", body=y[:4000].tobytes())
        assert late.status == 409
        refused = json.loads(late.body)
        assert "8.0 s recorded before are kept" in refused["error"]
        assert refused["hint"] == {"action": "score-take", "arg": take_id}  # the page offers to score it
        stopped = json.loads(s.request("POST", f"/api/takes/{take_id}/stop", body=b"{}").body)
        assert stopped["status"] == "scored" and "8.0 s recorded before" in stopped["note"]
        report = json.loads(s.request("GET", f"/api/takes/{take_id}").body)["report"]
        assert report["duration_s"] == pytest.approx(8.0, abs=0.01) and report["speech_found"]
    finally:
        s.stop()


@pytest.mark.realtime
def test_an_abandoned_take_without_audio_leaves_no_row(tmp_path):
    s = Server(tmp_path / "data", "--abandon-after-s", "1")
    try:
        s.request("POST", "/api/takes", body=json.dumps({"question_id": "mot-why-here"}).encode())
        assert len(takes(s.data)) == 1
        _wait_for(lambda: takes(s.data) == [], timeout_s=20, what="the empty take to go")
        assert list((s.data / "takes").glob("*")) == []
    finally:
        s.stop()


@pytest.mark.realtime
def test_an_upload_cut_mid_way_is_one_line_in_the_servers_terminal(tmp_path):
    s = Server(tmp_path / "data")
    take_id = json.loads(
        s.request("POST", "/api/takes", body=json.dumps({"question_id": "mot-why-here"}).encode()).body
    )["take_id"]
    host, port = s.host.rsplit(":", 1)
    with socket.create_connection((host, int(port))) as c:
        head = (
            f"POST /api/takes/{take_id}/audio HTTP/1.1\r\nHost: {s.host}\r\nOrigin: {s.origin}\r\nCookie: "
            f"voicecoach_token={s.token}\r\n"
            "Content-Type: application/octet-stream\r\nContent-Length: 32000\r\n\r\n"
        )
        c.sendall(head.encode() + b"\0" * 1000)
        time.sleep(0.5)
    time.sleep(0.5)
    assert s.request("GET", "/api/questions").status == 200  # still serving
    s.stop()
    _, err = s.proc.communicate(timeout=30)
    _no_traceback(err)
    assert "ClientDisconnect" not in err


@pytest.mark.realtime
def test_try_again_keeps_a_question_of_your_own_whole(tmp_path, browser):
    """The report's "Try again" link carries the question's text URL-encoded: '&', '#',
    '+' and '%' survive, and the practise page gets the same text back."""
    text = "Pros & cons? Rate #1 + 100% of 'it' <b>bold</b>"
    s = Server(tmp_path / "data")
    try:
        y, _sr = sf.read(SAMPLES / "motivation_fast.wav", dtype="int16")
        take_id = json.loads(s.request("POST", "/api/takes", body=json.dumps({"question_text": text}).encode()).body)[
            "take_id"
        ]
        for start in range(0, 10 * 16000, 4000):
            assert (
                s.request("POST", f"/api/takes/{take_id}/audio", body=y[start : start + 4000].tobytes()).status == 200
            )
            time.sleep(0.06)
        assert json.loads(s.request("POST", f"/api/takes/{take_id}/stop", body=b"{}").body)["status"] == "scored"
        page = browser.new_page()
        page.goto(s.url.replace("/?token=", f"/takes/{take_id}?token="))
        href = page.get_attribute("#again", "href")
        assert parse_qs(urlsplit(href).query)["own"] == [text]
        page.click("#again")
        page.wait_for_selector("#own")
        deadline = time.time() + 10
        while page.input_value("#own") != text and time.time() < deadline:
            page.wait_for_timeout(100)
        assert page.input_value("#own") == text
        assert page.inner_text("#question-text") == text
        page.close()
    finally:
        s.stop()


@pytest.mark.realtime
@pytest.mark.parametrize("damage", ["newer", "garbage"])
def test_serve_on_a_history_it_cannot_use(damage, tmp_path):
    """At start-up: the CLI's one line. Damaged while running: each request answers one
    line of JSON, and the terminal shows one line, no traceback."""
    from voicecoach.practice.history import History

    data = tmp_path / "data"
    History.open(data).close()
    db = data / "history.sqlite"

    def break_it() -> None:
        if damage == "newer":
            c = sqlite3.connect(db)
            c.execute("PRAGMA user_version = 99")
            c.commit()
            c.close()
        else:
            for extra in (db.with_name("history.sqlite-wal"), db.with_name("history.sqlite-shm")):
                with contextlib.suppress(FileNotFoundError):
                    extra.unlink()
            db.write_bytes(b"this is not a database" * 200)

    s = Server(data)
    try:
        break_it()
        for path in ("/progress", "/api/questions", "/takes/1", "/api/takes/1"):
            r = s.request("GET", path)
            assert r.status >= 400 and r.getheader("Content-Type", "").startswith("application/json"), (path, r.status)
            message = json.loads(r.body)["error"]
            assert "\n" not in message and (
                "newer voicecoach" in message or "damaged" in message or "not a database" in message
            ), message
    finally:
        s.stop()
    _, err = s.proc.communicate(timeout=30)
    _no_traceback(err)
    started = subprocess.run(
        [*VC, "serve", "--no-open", "--data-dir", str(data)], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert started.returncode == 1
    assert started.stderr.count("\n") == 1 and started.stderr.startswith("Error: "), started.stderr


# -- huge ids ---------------------------------------------------------------------------------

HUGE = "99999999999999999999999"


@pytest.mark.parametrize("args", [("score", "--take", HUGE), ("report", HUGE)])
def test_huge_take_ids_are_no_such_take(args, tmp_path):
    from voicecoach.practice.history import History

    History.open(tmp_path).close()
    done = subprocess.run([*VC, *args, "--data-dir", str(tmp_path)], capture_output=True, text=True, cwd=ROOT)
    _no_traceback(done.stderr)
    assert done.returncode == 1 and f"take {HUGE}: no such take" in done.stderr


@pytest.mark.realtime
def test_huge_take_ids_in_the_browser_room(tmp_path):
    s = Server(tmp_path / "data")
    try:
        for method, path in [
            ("GET", f"/takes/{HUGE}"),
            ("GET", f"/api/takes/{HUGE}"),
            ("GET", f"/api/takes/{HUGE}/audio.wav"),
            ("POST", f"/api/takes/{HUGE}/stop"),
        ]:
            r = s.request(method, path, body=b"{}" if method == "POST" else None)
            assert r.status in (404, 409), (path, r.status, r.body)
    finally:
        s.stop()
    _, err = s.proc.communicate(timeout=30)
    _no_traceback(err)


# -- batch ------------------------------------------------------------------------------------


@pytest.mark.model
def test_batch_with_names_that_are_not_utf8_or_hold_a_newline(tmp_path):
    """Such names are scored, shown readably in the tables, and a rerun resumes."""
    src = tmp_path / "in"
    (src / "a").mkdir(parents=True)
    bad = os.fsencode(src / "a") + b"/\xff.wav"
    shutil.copy(SAMPLES / "star_answer.wav", bad)
    shutil.copy(SAMPLES / "motivation_fast.wav", src / "a" / "two\nlines.wav")
    shutil.copy(SAMPLES / "hesitant_slow.wav", src / "a" / "z.wav")  # after both
    out = tmp_path / "out"
    first = subprocess.run(
        [*VC, "batch", str(src), "--out", str(out), "--workers", "1"], capture_output=True, text=True, cwd=ROOT
    )
    _no_traceback(first.stderr)
    assert first.returncode == 0, first.stderr
    import csv

    rows = list(csv.DictReader((out / "results.csv").open(encoding="utf-8", newline="")))
    assert sorted(Path(r["file"]).name for r in rows) == ["\\xff.wav", "two\\nlines.wav", "z.wav"]
    assert {r["status"] for r in rows} == {"ok"}
    assert len((out / "results.jsonl").read_text(encoding="utf-8").splitlines()) == 3
    again = subprocess.run(
        [*VC, "batch", str(src), "--out", str(out), "--workers", "1"], capture_output=True, text=True, cwd=ROOT
    )
    assert again.returncode == 0 and "3 of 3 files already scored" in again.stderr, again.stderr


@pytest.mark.model
def test_a_file_replaced_while_the_batch_runs_is_keyed_by_the_bytes_scored(tmp_path):
    """b.wav is replaced by another answer after the batch planned it: its row holds the
    answer that was scored, and once the original is put back a rerun scores it afresh
    (before, the original's key held the other recording's result)."""
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SAMPLES / "star_answer.wav", src / "a.wav")  # scored first, about 5 s
    shutil.copy(SAMPLES / "hesitant_slow.wav", src / "b.wav")
    manifest = src / "manifest.csv"
    manifest.write_text("file,question\na.wav,\nb.wav,\n")
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [*VC, "batch", str(manifest), "--out", str(out), "--workers", "1"], stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    _wait_for(lambda: (out / "results.sqlite").exists(), what="the results store")
    time.sleep(1.0)  # the inputs are hashed right after the store opens
    shutil.copy(SAMPLES / "motivation_fast.wav", src / "b.wav")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    by_name = {
        Path(json.loads(line)["file"]).name: json.loads(line)
        for line in (out / "results.jsonl").read_text().splitlines()
    }
    assert by_name["b.wav"]["duration_s"] == pytest.approx(
        sf.info(str(SAMPLES / "motivation_fast.wav")).duration, abs=0.05
    )
    shutil.copy(SAMPLES / "hesitant_slow.wav", src / "b.wav")
    rerun = subprocess.run(
        [*VC, "batch", str(manifest), "--out", str(out), "--workers", "1"], capture_output=True, text=True, cwd=ROOT
    )
    assert rerun.returncode == 0, rerun.stderr
    assert "1 of 2 files already scored" in rerun.stderr
    by_name = {
        Path(json.loads(line)["file"]).name: json.loads(line)
        for line in (out / "results.jsonl").read_text().splitlines()
    }
    assert by_name["b.wav"]["duration_s"] == pytest.approx(
        sf.info(str(SAMPLES / "hesitant_slow.wav")).duration, abs=0.05
    )


def test_an_input_folder_inside_the_output_folder_is_named(tmp_path):
    out = tmp_path / "out"
    (out / "answers").mkdir(parents=True)
    shutil.copy(SAMPLES / "star_answer.wav", out / "answers" / "a.wav")
    done = subprocess.run(
        [*VC, "batch", str(out / "answers"), "--out", str(out)], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 1
    assert "skipped 1 file" in done.stderr and "own output folder" in done.stderr
    assert "no audio files found" in done.stderr
