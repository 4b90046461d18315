"""The mock interview through a virtual microphone whose source is the interviewer's own
output sink (the loudspeaker case): the questions are really played, no interviewer word
reaches a take, a story without a result gets the outcome follow-up and the result given
then is credited, a complete answer gets none, and Ctrl-C keeps what was answered."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import require
from tests.helpers import sigint_as_in_a_terminal
from tests.test_trust import check_sentences
from voicecoach.interview.followups import WORDINGS
from voicecoach.interview.run import CLOSE, GREETING

pytestmark = pytest.mark.model

#: A story with no result (after the labelled answer deadline-noresult, without its fillers).
NO_RESULT = (
    "At university we had a group project, a mobile app, and the deadline was the end of term. "
    "Two people in the group disappeared in the last month. "
    "So I had to pick up their parts as well as mine and still make the deadline. "
    "I made a list of everything that was left, and I did the login screens and the database over a weekend. "
    "It was a lot of coffee, honestly. So yeah."
)
#: What the follow-up is answered with: the result.
RESULT = "In the end we handed the app in on time, and our group got the highest mark in the class."
#: A complete answer to a motivation question (which no follow-up asks about), short.
WHY_HERE = (
    "I want to work here because your team builds the tools that I already use every day. "
    "I have shipped two features on a product like yours, and I would like to bring that here "
    "and keep learning from people who care about their users."
)


def _espeak(text: str, path: Path) -> Path:
    """``text`` said by espeak-ng, with 0.7 s between sentences, as a person pauses."""
    require("espeak-ng", "apt-get install espeak-ng")
    ssml = "<speak>" + re.sub(r"(?<=[.?!]) ", '<break time="700ms"/> ', text) + "</speak>"
    subprocess.run(["espeak-ng", "-m", "-v", "en-us", "-s", "165", "-w", str(path), ssml], check=True)
    return path


def _words(report: dict | None) -> list[str]:
    if report is None:
        return []
    return [re.sub(r"[^a-z']", "", w["text"].lower()) for w in report["transcript"]["words"]]


class Run:
    """``voicecoach interview`` in a subprocess on the virtual microphone; each answer is
    played into the microphone when the command says it records (``answers``: label ->
    WAV), and the output sink's monitor is recorded the whole time."""

    def __init__(
        self,
        mic,
        tmp_path: Path,
        answers: dict[str, Path],
        *args: str,
        stop_after: str | None = None,
        stop_signal: int = signal.SIGINT,
    ):
        self.mic, self.answers, self.stop_after, self.stop_signal = mic, answers, stop_after, stop_signal
        self.data = tmp_path / "data"
        self.monitor = tmp_path / f"monitor-{time.monotonic_ns()}.wav"
        self.recorder = subprocess.Popen(
            [
                "parecord",
                "--device=vspk.monitor",
                "--rate=16000",
                "--channels=1",
                "--file-format=wav",
                str(self.monitor),
            ],
            env=mic.env,
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "voicecoach", "interview", "--data-dir", str(self.data), "--voice", "espeak",
             "--stop-on-silence", "2.5", "--answer-seconds", "90", "--seed", "1", *args],
            env=mic.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=sigint_as_in_a_terminal,
        )  # fmt: skip
        self.err: list[str] = []
        self.played: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.err.append(line)
            m = re.match(r"recording: (.+)$", line.strip())
            if m and m.group(1) in self.answers:
                self.played.append(m.group(1))
                player = self.mic.play(self.answers[m.group(1)])
                if m.group(1) == self.stop_after:
                    player.wait()
                    time.sleep(0.5)
                    self.proc.send_signal(self.stop_signal)

    def finish(self, timeout: float = 600) -> tuple[int, str, str]:
        assert self.proc.stdout is not None
        out = self.proc.stdout.read()  # stderr is the reader's alone (communicate() would share it)
        self.proc.wait(timeout=timeout)
        self.reader.join(timeout=10)
        self.recorder.send_signal(signal.SIGINT)
        self.recorder.wait(timeout=10)
        return self.proc.returncode, out, "".join(self.err)


def test_a_story_without_a_result_gets_the_outcome_follow_up_and_is_credited(mic, tmp_path, browser):
    answers = {
        "Q1": _espeak(NO_RESULT, tmp_path / "no-result.wav"),
        "Q1 follow-up": _espeak(RESULT, tmp_path / "result.wav"),
        "Q2": _espeak(WHY_HERE, tmp_path / "why-here.wav"),
    }
    page_file = tmp_path / "interview.html"
    run = Run(mic, tmp_path, answers, "-q", "beh-deadline", "-q", "mot-why-here", "--json", "--html", str(page_file))
    code, out, err = run.finish()
    assert code == 0, err
    assert "Traceback" not in err
    assert run.played == ["Q1", "Q1 follow-up", "Q2"], err
    result = json.loads(out)
    q1, q2 = result["questions"]
    fu = q1["follow_up"]
    assert fu is not None and fu["trigger"] == "outcome", q1
    assert fu["text"] in WORDINGS["outcome"] + tuple(w.format(topic="").strip() for w in WORDINGS["outcome_topic"]) or (
        fu["text"].startswith(("What was the outcome of", "How did"))
    )
    # the result said when asked is credited to the question, and said so
    assert fu["filled"] is True and "result" in fu["given_when_asked"], fu
    star = {p["part"]: p["present"] for p in q1["report"]["structure"]["star"]}
    assert star["result"], q1["report"]["structure"]["star"]
    assert q2["follow_up"] is None, q2  # a complete answer gets no follow-up
    assert result["summary"]["scored"] == 2 and result["summary"]["follow_ups"] == 1

    # no interviewer word in any take: the greeting's, the questions', the follow-up's
    said = {re.sub(r"[^a-z']", "", w.lower()) for w in " ".join([NO_RESULT, RESULT, WHY_HERE]).split()}
    asked = [
        "Tell me about a time you had to deliver something under a tight deadline.",
        "Why do you want to work here?",
    ]
    interviewer = " ".join([GREETING.format(questions="2 questions"), *asked, fu["text"], CLOSE])
    only_interviewer = {re.sub(r"[^a-z']", "", w.lower()) for w in interviewer.split()} - said - {""}
    for report in (q1["report"], fu["report"], q2["report"]):
        heard = set(_words(report)) & only_interviewer
        assert not heard, (heard, _words(report))

    # the questions were really played: the output sink's monitor holds them
    from voicecoach.scoring.pipeline import report_to_dict, score_file

    played = " ".join(_words(report_to_dict(score_file(run.monitor))))
    assert "deadline" in played and "coming" in played, played

    # one interview in the history, with its three takes
    db = sqlite3.connect(run.data / "history.sqlite")
    ((status, kind),) = db.execute("SELECT status, kind FROM interviews").fetchall()
    roles = db.execute("SELECT position, role, take_id FROM interview_turns ORDER BY position, role").fetchall()
    assert (status, kind) == ("finished", "fixed")
    assert [(p, r) for p, r, _ in roles] == [(1, "answer"), (1, "follow-up"), (2, "answer")]
    assert [t for _, _, t in roles] == [q1["take_id"], fu["take_id"], q2["take_id"]]

    # the report, read back from the history, is the one given at the end
    again = subprocess.run(
        [sys.executable, "-m", "voicecoach", "interview", "--data-dir", str(run.data), "--report", "1", "--json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    back = json.loads(again.stdout)
    assert [q["take_id"] for q in back["questions"]] == [q1["take_id"], q2["take_id"]]
    assert back["questions"][0]["follow_up"]["given_when_asked"] == fu["given_when_asked"]
    assert back["summary"] == result["summary"]

    # the self-contained page: each question with its scores, the follow-up and whether it
    # was answered, and the audio of all three answers, playable, with nothing fetched
    from tests.conftest import open_page

    page, requests, _ = open_page(browser, page_file)
    assert [r for r in requests if not r.startswith(("file:", "data:"))] == []
    assert page.locator("section.turn").count() == 2
    assert "answered what was asked" in page.inner_text("#q1 .follow") and "result given when asked" in page.inner_text(
        "#q1 .follow"
    )
    assert page.locator("#q2 .follow").count() == 0
    players = page.locator("audio")
    assert players.count() == 3
    for i in range(3):
        players.nth(i).evaluate("a => { a.preload = 'auto'; a.load(); }")
    deadline = time.time() + 20
    while not page.evaluate("[...document.querySelectorAll('audio')].every(a => a.readyState >= 1)"):
        assert time.time() < deadline, "an answer's audio does not load"
        page.wait_for_timeout(100)
    lengths = page.evaluate("[...document.querySelectorAll('audio')].map(a => a.duration)")
    recorded = [
        db.execute("SELECT duration_s FROM takes WHERE id = ?", (t,)).fetchone()[0]
        for t in (q1["take_id"], fu["take_id"], q2["take_id"])
    ]
    assert lengths == pytest.approx(recorded, abs=0.1), (lengths, recorded)
    page.close()


@pytest.mark.parametrize("stop", ["ctrl-c", "kill-9"])
def test_ctrl_c_keeps_the_first_answer_and_the_interview_resumes(mic, tmp_path, stop):
    """Ctrl-C, or a ``kill -9`` (a crash, a power cut), once the first answer is said and
    while it is still recorded: the answer is kept in the interview, and going on asks
    only what was not answered."""
    why_here = _espeak(WHY_HERE, tmp_path / "why-here.wav")
    run = Run(
        mic,
        tmp_path,
        {"Q1": why_here},
        "-q",
        "mot-why-here",
        "-q",
        "mot-why-role",
        stop_after="Q1",
        stop_signal=signal.SIGINT if stop == "ctrl-c" else signal.SIGKILL,
    )
    code, _out, err = run.finish()
    db = sqlite3.connect(run.data / "history.sqlite")
    turns = db.execute("SELECT position, role, take_id FROM interview_turns ORDER BY position").fetchall()
    assert turns[0] == (1, "answer", 1)  # the first answer is kept
    if stop == "ctrl-c":
        assert code == 130, err
        assert "Traceback" not in err and "--resume 1" in err, err
        assert db.execute("SELECT status FROM interviews").fetchall() == [("stopped",)]
        assert db.execute("SELECT id, status FROM takes").fetchall() == [(1, "recorded")]  # kept, to be scored
    else:
        assert code == -signal.SIGKILL, err
        # nothing had the chance to close them: the take is settled from its file later
        assert db.execute("SELECT status FROM interviews").fetchall() == [("running",)]
        assert db.execute("SELECT id, status FROM takes").fetchall() == [(1, "recording")]
        assert (run.data / db.execute("SELECT audio_path FROM takes").fetchone()[0]).stat().st_size > 16000 * 2 * 5
    db.close()
    # going on asks only what was not answered, and finishes the same interview
    again = Run(mic, tmp_path, {"Q2": why_here}, "--resume", "1", "--json")
    code, out, err = again.finish()
    assert code == 0 and again.played == ["Q2"], err
    assert "Interviewer: Why do you want to work here?" not in err  # Q1 is not asked again
    result = json.loads(out)
    assert result["interview_id"] == 1 and result["status"] == "finished"
    q1, q2 = result["questions"]
    assert (q1["take_id"], q1["status"]) == (1, "scored") and q1["report"]["scores"] is not None  # scored now
    assert q2["status"] == "scored"


def test_every_follow_up_wording_is_a_sentence():
    for wordings in WORDINGS.values():
        for w in wordings:
            check_sentences(w.format(point="the outcome", topic="the checkout page"))
