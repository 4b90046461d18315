"""The practice room in the browser (``voicecoach serve``), tested as a user meets it: the
real server as a subprocess, Debian's Chromium driven by Playwright, its fake microphone
playing an espeak-ng answer whose fillers are known from the script, and the real SQLite
history and take files."""

from __future__ import annotations

import http.client
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import ROOT, SAMPLES, launch_chromium, require

VC = [sys.executable, "-m", "voicecoach"]
SHOTS = ROOT / "benchmarks" / "results"
#: The sample the browser "speaks", and the silence put around it.
SAMPLE = "hesitant_slow"
LEAD_S, TAIL_S = 1.0, 2.0


class Server:
    def __init__(self, data: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [*VC, "serve", "--no-open", "--data-dir", str(data), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        self.data = data
        self.lines: list[str] = []
        deadline = time.time() + 60
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.lines.append(line)
            if m := re.search(r"(http://\S+)", line):
                self.url = m.group(1)
                break
        else:
            raise AssertionError("the server printed no URL")
        if not hasattr(self, "url"):
            raise AssertionError("".join(self.lines) or f"serve exited with {self.proc.poll()}")
        m = re.match(r"http://([^/]+)/\?token=(\S+)", self.url)
        assert m, self.url
        self.host, self.token = m.group(1), m.group(2)
        self.origin = f"http://{self.host}"

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> http.client.HTTPResponse:
        host, port = self.host.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        h = {"Host": self.host, "Cookie": f"voicecoach_token={self.token}", **(headers or {})}
        if method == "POST":
            h.setdefault("Origin", self.origin)
        h = {k: v for k, v in h.items() if v is not None}
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        r.body = r.read()  # type: ignore[attr-defined]
        conn.close()
        return r

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def align_pieces(recorded: Path, source: Path, piece_s: float = 5.0) -> list[tuple[float, float, float]]:
    """For each ``piece_s`` of ``source``: (its start, where it is in ``recorded`` less
    that start, the correlation there)."""
    from scipy.signal import correlate

    from voicecoach.audio.decode import load_audio

    rec, src = load_audio(recorded).samples, load_audio(source).samples
    n = int(piece_s * 16000)
    out = []
    for start in range(0, len(src) - n, n):
        piece = src[start : start + n]
        if np.sqrt(np.mean(piece**2)) < 0.01:
            continue  # silence aligns anywhere
        lag = int(np.argmax(correlate(rec, piece, mode="valid", method="fft")))
        out.append((start / 16000, (lag - start) / 16000, float(np.corrcoef(rec[lag : lag + n], piece)[0, 1])))
    return out


def takes(data: Path) -> list[tuple]:
    return (
        sqlite3.connect(data / "history.sqlite")
        .execute("SELECT id, status, question_id, duration_s, audio_path FROM takes ORDER BY id")
        .fetchall()
    )


@pytest.fixture(scope="module")
def answer_wav(tmp_path_factory) -> Path:
    """The sample with LEAD_S of silence before it and TAIL_S after it, as Chromium's fake
    microphone plays it (in a loop, from when the page opens the microphone)."""
    y, sr = sf.read(SAMPLES / f"{SAMPLE}.wav", dtype="float32")
    out = tmp_path_factory.mktemp("mic") / "answer.wav"
    sf.write(
        out,
        np.concatenate([np.zeros(int(LEAD_S * sr), np.float32), y, np.zeros(int(TAIL_S * sr), np.float32)]),
        sr,
        subtype="PCM_16",
    )
    return out


@pytest.fixture(scope="module")
def chromium_mic(answer_wav, playwright):
    """Chromium whose microphone says ``answer_wav``."""
    b = launch_chromium(
        playwright,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={answer_wav}",
    )
    yield b
    b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("room") / "data", "--abandon-after-s", "3")
    yield s
    s.stop()


def _shot(page, name: str) -> Path:
    """A screenshot of the page under benchmarks/results/, its path printed (past pytest's
    capture, to the terminal)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"serve-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    os.write(2, f"\nscreenshot: {path}\n".encode())
    return path


def _wait_until(page, expression: str, timeout_s: float = 20.0) -> None:
    """Poll ``expression`` in the page (wait_for_function evaluates a string, which the
    page's Content-Security-Policy forbids)."""
    deadline = time.time() + timeout_s
    while not page.evaluate(expression):
        assert time.time() < deadline, expression
        page.wait_for_timeout(100)


def _record(page, server: Server, seconds: float, *, goto: bool = True) -> None:
    if goto:
        page.goto(server.url.replace("/?token=", "/?question=mot-why-here&token="))
    page.wait_for_selector("#record:not([disabled])")
    page.select_option("#countdown", "0")
    page.click("#record")
    page.wait_for_selector("body[data-recording]")
    page.wait_for_timeout(int(seconds * 1000))


def _take_in_the_browser(page, server: Server, truth: dict, *, goto: bool = True) -> tuple[int, dict]:
    """Record the answer, stop with Space, wait for the report page: (take id, report)."""
    _record(page, server, LEAD_S + truth[SAMPLE]["duration_s"] + TAIL_S - 0.5, goto=goto)
    assert re.fullmatch(r"0:\d\d", page.inner_text("#clock"))
    if goto:
        _shot(page, "practise")
    page.keyboard.press("Space")  # stop, from the keyboard
    page.wait_for_url(re.compile(r"/takes/\d+$"), timeout=120_000)
    take_id = int(page.url.rsplit("/", 1)[1])
    ((_, status, qid, duration, audio_path),) = [t for t in takes(server.data) if t[0] == take_id]
    assert (status, qid) == ("scored", "mot-why-here")
    # the take on disk is what the browser heard: the answer, aligned, whole
    assert sf.info(audio_path).duration == pytest.approx(duration, abs=0.01)
    # (2 s piece by piece: Chromium's fake microphone can slip by a few ms, and a piece
    # across the slip does not line up)
    pieces = align_pieces(Path(audio_path), SAMPLES / f"{SAMPLE}.wav", piece_s=2.0)
    good = [p for p in pieces if p[2] > 0.9]
    assert len(good) >= 0.8 * len(pieces), pieces
    offsets = [off for _, off, _ in good]
    assert max(offsets) - min(offsets) < 0.2, pieces
    offset_s = offsets[0]
    # the report shows the scripted vocal fillers (the practice tests' tolerance: one may
    # be missed, none invented) and the script's pace
    report = json.loads(server.request("GET", f"/api/takes/{take_id}").body)["report"]
    t = truth[SAMPLE]
    vocal = [e for e in report["fillers"]["events"] if e["kind"] == "vocal"]
    scripted = [(f["start_s"] + offset_s, f["end_s"] + offset_s) for f in t["vocal_fillers"]]
    assert all(any(a - 0.5 <= e["start_s"] <= b + 0.5 for a, b in scripted) for e in vocal), (vocal, scripted)
    assert len(vocal) >= len(scripted) - 1
    assert report["pacing"]["wpm"] == pytest.approx(t["wpm"], rel=0.05)
    assert f"({report['fillers']['vocal_count']} vocal" in page.inner_text("#filler-summary")
    return take_id, report


@pytest.mark.model
def test_takes_recorded_in_the_browser_are_scored_compared_and_kept(chromium_mic, server, truth):
    page = chromium_mic.new_page()
    first, _ = _take_in_the_browser(page, server, truth)
    assert "first scored take of this question" in page.inner_text("#compare")
    # click-to-hear plays the take from the server
    assert page.get_attribute("#answer", "src") == f"/api/takes/{first}/audio.wav"
    page.click("#transcript [data-t]")
    _wait_until(page, "document.getElementById('answer').currentTime > 0")
    # "Try again": the same question, and the report compares the two takes
    page.click("#again")
    _wait_until(page, "document.getElementById('question-text').textContent === 'Why do you want to work here?'")
    second, _ = _take_in_the_browser(page, server, truth, goto=False)
    compare = page.inner_text("#compare")
    assert f"previous take (#{first}" in compare
    assert re.search(r"→ .*\((better|worse|same)\)", compare), compare
    assert page.is_visible("#next-question")
    # the HTML report's page, whole: the loudness band from the take's audio, and the
    # comparison below the score cards, not above them
    assert page.locator("#timeline path.envelope").count() == 1
    assert page.evaluate(
        "document.getElementById('scores').compareDocumentPosition(document.getElementById('compare')) & "
        "Node.DOCUMENT_POSITION_FOLLOWING"
    )
    _shot(page, "report")
    # the progress page has both takes, and says how the question went in words: the
    # same answer played twice moves no more than a second take does
    page.goto(server.url.replace("/?token=", "/progress?token="))
    assert f"report of take {first}" in page.inner_text("#takes") and f"report of take {second}" in page.inner_text(
        "#takes"
    )
    trend = page.inner_text("#by-question")
    assert re.search(r"(improving|slipping|about the same): \d+ → \d+", trend), trend
    assert "of the 1 question taken twice or more" in page.inner_text("#overall-trend")
    assert page.locator("#progress svg").count() >= 2  # charts, once there are two takes
    _shot(page, "progress")
    page.close()


def test_closing_the_tab_while_recording_keeps_the_take(chromium_mic, server):
    page = chromium_mic.new_page()
    # 6 s: the sample opens with 1 s of silence and a hesitation; a take of under 4 s
    # holds only the first "um" (measured: 3.5 s of it has no speech the VAD hears)
    _record(page, server, 6.0)
    take_id = int(page.get_attribute("body", "data-recording"))
    page.close()
    # the server closes the abandoned take (3 s in this test) and keeps what it received
    deadline = time.time() + 20
    while time.time() < deadline and [t for t in takes(server.data) if t[0] == take_id][0][1] == "recording":
        time.sleep(0.2)
    ((_, status, _qid, duration, audio_path),) = [t for t in takes(server.data) if t[0] == take_id]
    assert status == "recorded"
    assert 5.0 <= duration <= 8.0 and sf.info(audio_path).duration == pytest.approx(duration, abs=0.01)
    # and it can be scored later, as a take recorded in the terminal
    done = subprocess.run(
        [*VC, "score", "--take", str(take_id), "--data-dir", str(server.data), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["speech_found"]


@pytest.mark.realtime
def test_a_killed_server_keeps_what_it_received(tmp_path):
    """SIGKILL mid-take: the WAV on disk holds every chunk the server answered for, and the
    take is in the history, to be scored later."""
    import signal

    s = Server(tmp_path / "data")
    y, _sr = sf.read(SAMPLES / "motivation_fast.wav", dtype="int16")
    take_id = json.loads(
        s.request("POST", "/api/takes", body=json.dumps({"question_id": "mot-why-here"}).encode()).body
    )["take_id"]
    sent = 0
    for start in range(0, 10 * 16000, 4000):  # 10 s, in quarter seconds
        r = s.request("POST", f"/api/takes/{take_id}/audio", body=y[start : start + 4000].tobytes())
        assert r.status == 200, r.body
        sent += 4000
        time.sleep(0.06)
    s.proc.send_signal(signal.SIGKILL)
    s.proc.wait(timeout=10)
    ((_, status, _qid, _duration, audio_path),) = takes(s.data)
    assert status == "recording"
    got, _ = sf.read(audio_path, dtype="int16")
    assert np.array_equal(got, y[:sent])
    done = subprocess.run(
        [*VC, "score", "--take", str(take_id), "--data-dir", str(s.data), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["speech_found"]


def test_refusals(server):
    """Each guard refuses, with a status that says why."""
    ok = server.request("GET", "/")
    assert ok.status == 200
    csp = ok.getheader("Content-Security-Policy")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert not re.search(r"<script(?![^>]*\bsrc=)", ok.body.decode()), "an inline script"
    # no key, a wrong key: refused; the printed key sets an HttpOnly, SameSite cookie
    assert server.request("GET", "/", headers={"Cookie": None}).status == 401  # type: ignore[dict-item]
    assert server.request("GET", "/", headers={"Cookie": "voicecoach_token=guess"}).status == 401
    assert server.request("GET", "/?token=guess", headers={"Cookie": None}).status == 401  # type: ignore[dict-item]
    first = server.request("GET", f"/progress?token={server.token}", headers={"Cookie": None})  # type: ignore[dict-item]
    assert first.status == 303 and first.getheader("Location") == "/progress"
    assert {"HttpOnly", "SameSite=Strict"} <= {p.strip() for p in first.getheader("Set-Cookie").split(";")}
    # DNS rebinding: a page on another name that resolves here
    assert server.request("GET", "/", headers={"Host": "attacker.example:80"}).status == 421
    # cross-site requests
    start = json.dumps({"question_id": "mot-why-here"}).encode()
    assert server.request("POST", "/api/takes", body=start, headers={"Origin": "http://attacker.example"}).status == 403
    assert server.request("POST", "/api/takes", body=start, headers={"Origin": None}).status == 403  # type: ignore[dict-item]
    assert server.request("GET", "/api/questions", headers={"Origin": "http://attacker.example"}).status == 403
    assert server.request("GET", "/api/questions", headers={"Sec-Fetch-Site": "cross-site"}).status == 403
    # no path from a request reaches the file system
    assert server.request("GET", "/static/..%2F..%2Fpyproject.toml").status == 404
    assert server.request("GET", "/static/capture-worklet.js").status == 200
    assert server.request("GET", "/api/takes/99999/audio.wav").status == 404
    # uploads: capped in size and in rate, only to a take being recorded
    assert server.request("POST", "/api/takes/99999/audio", body=b"\0\0").status == 409
    take_id = json.loads(server.request("POST", "/api/takes", body=start).body)["take_id"]
    assert server.request("POST", f"/api/takes/{take_id}/audio", body=b"\0" * 64_002).status == 413
    assert server.request("POST", f"/api/takes/{take_id}/audio", body=b"\0" * 3).status == 400
    codes = [server.request("POST", f"/api/takes/{take_id}/audio", body=b"\0" * 800).status for _ in range(30)]
    assert codes.count(200) <= 20 and 429 in codes, codes
    assert server.request("POST", "/api/takes", body=b"{" + b" " * 20_000 + b"}").status == 413
    assert server.request("POST", "/api/takes", body=json.dumps({"question_id": "../../etc"}).encode()).status == 404
    # the silent take is not kept
    stopped = json.loads(server.request("POST", f"/api/takes/{take_id}/stop", body=b"{}").body)
    assert stopped["status"] == "empty" and take_id not in [t[0] for t in takes(server.data)]


@pytest.mark.realtime
def test_a_public_interface_needs_host_and_warns(tmp_path):
    s = Server(tmp_path / "data", "--host", "0.0.0.0")
    try:
        assert any("Warning: listening on 0.0.0.0" in line for line in s.lines), s.lines
    finally:
        s.stop()


@pytest.mark.realtime
def test_the_progress_page_compares_each_question_with_itself(chromium_mic, tmp_path):
    """Takes of three behavioural questions: the page never compares one question with
    another (the last take, of a question taken once, scored 30: no "slipping"), a change
    within the overall score's noise is "about the same", and each question taken twice
    has its own charts."""
    from voicecoach.analysers import OVERALL
    from voicecoach.practice.history import History

    data = tmp_path / "data"
    h = History.open(data)
    noise = int(OVERALL.noise)
    for qid, overall in (
        ("beh-deadline", 50),
        ("beh-conflict", 70),
        ("beh-deadline", 70),
        ("beh-conflict", 70 + noise),
        ("beh-failure", 30),
    ):
        t = h.start_take(
            audio_path=data / f"{qid}-{overall}.wav",
            question_id=qid,
            question_text=f"Text of {qid}",
            category="behavioural",
        )
        h.finish_recording(t, 60.0)
        h.save_report(
            t,
            {"duration_s": 60.0, "scores": {"overall": overall}, "fillers": {"per_min": 3.0}, "pacing": {"wpm": 150.0}},
        )
    h.close()
    s = Server(data)
    try:
        page = chromium_mic.new_page()
        page.goto(s.url.replace("/?token=", "/progress?token="))
        by_q = page.inner_text("#by-question")
        assert (
            "improving: 50 → 70" in by_q and f"about the same: 70 → {70 + noise}" in by_q and "one take so far" in by_q
        )
        assert "slipping" not in page.inner_text("body")
        assert "better on 1, same on 1 of the 2 questions taken twice or more" in page.inner_text("#overall-trend")
        cat = page.inner_text("#by-category")
        assert "2 of 3" in cat and f"improving: 60 → {round((140 + noise) / 2)}" in cat
        assert page.locator("details").count() == 2 and page.locator("details[open]").count() == 1
        # a question of your own gets the length range its report will judge it by
        page.goto(s.url)
        page.fill("#own", "Tell me about a time you changed your mind.")
        page.click("#use-own")
        _wait_until(page, "document.getElementById('target').textContent.includes('aim for')")
        from voicecoach.analysers.structure import Options

        lo, hi = Options().length_ranges_s["behavioural"]
        assert (
            page.inner_text("#target") == f"A question of your own: aim for {int(lo // 60)}:{int(lo % 60):02d} to "
            f"{int(hi // 60)}:{int(hi % 60):02d}, as for a behavioural question."
        )
        page.close()
    finally:
        s.stop()


def test_pages_work_from_the_keyboard_and_pass_an_accessibility_audit(chromium_mic, server):
    from axe_playwright_python.sync_playwright import Axe

    page = chromium_mic.new_page()
    page.goto(server.url)
    page.wait_for_selector("#questions button")
    # keyboard only: Tab to the first question, Enter to choose it: the focus moves to the
    # record button
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('#questions') !== null"):
            break
    page.keyboard.press("Enter")
    assert page.inner_text("#question-text") != "Choose a question above."
    assert page.evaluate("document.activeElement.id") == "record"
    axe = Axe()
    pages = {"practise": "/", "progress": "/progress", "interview": "/interview"}
    scored = [t for t in takes(server.data) if t[1] == "scored"]
    if scored:
        pages["report"] = f"/takes/{scored[0][0]}"
    for name, path in pages.items():
        page.goto(server.url.replace("/?token=", f"{path}?token=") if path != "/" else server.url)
        page.wait_for_load_state("load")
        result = axe.run(page)
        assert result.violations_count == 0, (name, result.generate_report())
    page.close()


def test_an_interview_under_way_has_no_report_yet(server):
    """Its report comes when it ends (its answers are not all in); ended early, it is kept
    as stopped with the questions it did not reach."""
    json_post = {"Content-Type": "application/json"}
    r = server.request("POST", "/api/interviews", body=b'{"kind": "motivation", "count": 1}', headers=json_post)
    assert r.status == 200, r.body
    started = json.loads(r.body)
    iid = started["interview_id"]
    assert [line["role"] for line in started["lines"]] == ["greeting", "question"]
    assert server.request("GET", f"/interviews/{iid}").status == 404
    bad = server.request("POST", "/api/interviews", body=b'{"kind": "juggling", "count": 1}', headers=json_post)
    assert bad.status == 400 and "juggling" in json.loads(bad.body)["error"]
    ended = json.loads(server.request("POST", f"/api/interviews/{iid}/end", body=b"{}", headers=json_post).body)
    assert ended["done"] and ended["url"] == f"/interviews/{iid}"
    page = server.request("GET", ended["url"])
    assert page.status == 200 and "stopped before the end" in page.body.decode()
    status = (
        sqlite3.connect(server.data / "history.sqlite")
        .execute("SELECT status FROM interviews WHERE id = ?", (iid,))
        .fetchone()
    )
    assert status == ("stopped",)


@pytest.fixture(scope="module")
def chromium_interviewee(tmp_path_factory, playwright):
    """Chromium whose microphone says a complete answer to "Why do you want to work
    here?" and then keeps quiet for 4 s (in a loop from when the page opens it)."""
    y, sr = sf.read(SAMPLES / "motivation_fast.wav", dtype="float32")
    wav = tmp_path_factory.mktemp("interviewee") / "answer.wav"
    sf.write(wav, np.concatenate([y, np.zeros(4 * sr, np.float32)]), sr, subtype="PCM_16")
    b = launch_chromium(
        playwright,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
    )
    yield b
    b.close()


@pytest.mark.model
def test_a_mock_interview_in_the_browser(chromium_interviewee, tmp_path):
    """The interviewer's lines are played by the page from the server's synthesis, each
    answer is recorded only once the line before it has been heard out, ends on its own
    after a silence, and the interview's report opens with every answer's audio."""
    require("espeak-ng", "apt-get install espeak-ng")
    s = Server(tmp_path / "data", "--voice", "espeak", "--stop-on-silence", "2")
    try:
        page = chromium_interviewee.new_page()
        said: list[str] = []
        page.on("console", lambda m: said.append(m.text) if m.text.startswith("voicecoach: ") else None)
        page.goto(s.url.replace("/?token=", "/interview?token="))
        page.select_option("#kind", "motivation")
        page.select_option("#count", "1")
        page.click("#begin")
        page.wait_for_url(re.compile(r"/interviews/\d+$"), timeout=180_000)
        events = [m.removeprefix("voicecoach: ").split(" ") for m in said]
        # every line heard out, in order, and each answer recorded only after the line before it
        lines = [(how, role) for how, role, _ in events if how != "recording"]
        assert lines[:2] == [("heard", "greeting"), ("heard", "question")] and lines[-1] == ("heard", "close"), events
        assert all(how == "heard" for how, _ in lines), events
        for before, rec in zip(events, events[1:], strict=False):
            if rec[0] == "recording":
                assert before[0] == "heard" and int(rec[-1]) - int(before[-1]) >= 300, events
        assert [e[1:-1] for e in events if e[0] == "recording"][0] == ["Q1"], events
        # the report: the question, its scores, the audio of the answer from the room
        assert page.inner_text("#title") == "Interview #1"
        q1 = page.locator("#q1")
        assert "Overall score" in (q1.locator(".card").first.get_attribute("aria-label") or "")
        take_src = q1.locator("audio").first.get_attribute("src")
        assert take_src is not None and re.fullmatch(r"/api/takes/\d+/audio\.wav", take_src)
        assert s.request("GET", take_src).status == 200
        overall = q1.locator(".card").first.get_attribute("aria-label") or "no card"
        _shot(page, "interview-report")
    finally:
        s.stop()
    # the same report from the history, in a new session of the room
    again = Server(tmp_path / "data")
    try:
        r = again.request("GET", "/interviews/1")
        assert r.status == 200 and "Interview #1" in r.body.decode() and overall in r.body.decode()
        assert again.request("GET", "/interviews/2").status == 404
    finally:
        again.stop()
    db = sqlite3.connect(tmp_path / "data" / "history.sqlite")
    ((status, kind),) = db.execute("SELECT status, kind FROM interviews").fetchall()
    assert (status, kind) == ("finished", "motivation")
    turns = db.execute("SELECT position, role, take_id FROM interview_turns ORDER BY position, role").fetchall()
    assert turns[0][:2] == (1, "answer") and len(turns) <= 2
    statuses = dict(db.execute("SELECT id, status FROM takes").fetchall())
    assert statuses[turns[0][2]] == "scored"


@pytest.fixture(autouse=True, scope="module")
def _no_proxy():
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    yield
