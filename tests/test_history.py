"""The question bank, the SQLite history and its trends, rescoring a failed take."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT, SAMPLES
from tests.helpers import audio_for, transcript_of
from voicecoach.analysers import structure
from voicecoach.cli import cli
from voicecoach.core.questions import load_bank
from voicecoach.practice.history import SCHEMA_VERSION, History
from voicecoach.practice.progress import trends
from voicecoach.settings.config import Settings

CATEGORIES = {
    "behavioural",
    "motivation",
    "strengths_weaknesses",
    "situational",
    "culture_teamwork",
    "salary",
    "technical",
    "internship",
    "scholarship",
    "promotion",
}


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_bank_has_sixty_questions_across_the_categories():
    bank = load_bank(include_user_dir=False)
    assert len(bank) >= 60
    assert {q.category for q in bank} == CATEGORIES
    assert all(q.covers and q.difficulty in ("easy", "medium", "hard") for q in bank)
    assert all(len(q.cover_points) >= 2 and all(cues for _, cues in q.cover_points) for q in bank)


def test_questions_command_filters(monkeypatch, tmp_path):
    monkeypatch.setenv("VOICECOACH_CONFIG", str(tmp_path / "config.toml"))
    result = run("questions", "--category", "salary", "--json")
    qs = json.loads(result.output)
    assert qs and all(q["category"] == "salary" for q in qs)
    assert "sw-weakness" in run("questions", "--search", "weakness").output
    bad = run("questions", "--category", "astrology")
    assert bad.exit_code == 1 and "no such category" in bad.output


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "mine.toml",
            '[[question]]\nid = "my-1"\ntext = "Why data science?"\ncategory = "motivation"\ndifficulty = '
            '"easy"\ncovers = ["a reason | because, love"]\n',
        ),
        (
            "mine.json",
            '[{"id": "my-1", "text": "Why data science?", "category": "motivation", "covers": ["a reason | because"]}]',
        ),
        ("mine.yaml", "- id: my-1\n  text: Why data science?\n  category: motivation\n  difficulty: hard\n"),
    ],
)
def test_user_question_files(name, content, tmp_path, monkeypatch):
    monkeypatch.setenv("VOICECOACH_CONFIG", str(tmp_path / "cfg" / "config.toml"))
    (tmp_path / "cfg" / "questions").mkdir(parents=True)
    (tmp_path / "cfg" / "questions" / name).write_text(content)
    out = run("questions", "--search", "my-1").output
    assert "Why data science?" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[{"id": "x", "text": "Q?"}]', "needs a non-empty category"),
        ('[{"id": "x", "text": "Q?", "category": "c", "difficulty": "extreme"}]', "difficulty='extreme'"),
        ('[{"id": "x", "text": "Q?", "category": "c", "covers": ["no cues"]}]', "covers must be a list"),
        ('[{"id": "x", "text": "Q?", "category": "c", "colour": "red"}]', "unknown field(s) colour"),
        ('[{"id": "sw-weakness", "text": "Q?", "category": "c"}]', "already used by built-in"),
        ("{not json", "cannot parse"),
    ],
)
def test_bad_question_files(content, message, tmp_path, monkeypatch):
    monkeypatch.setenv("VOICECOACH_CONFIG", str(tmp_path / "config.toml"))
    f = tmp_path / "q.json"
    f.write_text(content)
    result = run("questions", "--questions", str(f))
    assert result.exit_code == 1 and result.output.startswith("Error: ") and message in result.output


def test_covers_points_use_the_question():
    q = next(q for q in load_bank(include_user_dir=False) if q.id == "sw-weakness")
    ctx = Settings().context(q)
    tr = transcript_of(
        "My weakness is that I find it hard to say no to people, so I end up with too much work. It is something I "
        "think about a lot, honestly."
    )
    r = structure.analyse(tr, audio_for(tr), context=ctx)
    assert {c.point: c.covered for c in r.covers} == {
        "a real weakness": True,
        "what you do about it": False,
        "evidence of progress": False,
    }
    # an outcome in other words than the cues is progress all the same (issue 14's example)
    tr = transcript_of(
        "I used to hold on to work instead of delegating it. So I started teaching someone else each task I did twice. "
        "Last quarter I handed off the full release process, and the team shipped it on time without me."
    )
    r = structure.analyse(tr, audio_for(tr), context=ctx)
    assert {c.point: c.covered for c in r.covers} == {
        "a real weakness": True,
        "what you do about it": True,
        "evidence of progress": True,
    }
    assert r.clear_ending
    assert r.question_type == "strengths_weaknesses" and (r.recommended_min_s, r.recommended_max_s) == (30.0, 90.0)


def _report(fpm: float, wpm: float, pr: float, st: int) -> dict:
    return {
        "duration_s": 60.0,
        "scores": {"overall": 70, "structure": st},
        "fillers": {"per_min": fpm},
        "pacing": {"wpm": wpm},
        "pauses": {"pause_ratio": pr},
    }


def test_history_trends_per_question_and_category(tmp_path):
    h = History.open(tmp_path)
    for i, (fpm, wpm) in enumerate([(9.0, 190.0), (6.0, 170.0), (3.0, 150.0)]):
        t = h.start_take(
            audio_path=tmp_path / f"{i}.wav",
            question_id="sw-weakness",
            question_text="Q",
            category="strengths_weaknesses",
        )
        h.finish_recording(t, 60.0)
        h.save_report(t, _report(fpm, wpm, 0.2, 50 + 10 * i))
    other = h.start_take(
        audio_path=tmp_path / "x.wav", question_id="mot-why-here", question_text="Q2", category="motivation"
    )
    h.save_failure(other, "bad audio")
    takes = h.takes()
    h.close()
    (g,) = [g for g in trends(takes) if g["question"] == "sw-weakness"]
    m = g["metrics"]
    assert (
        g["takes"] == 3 and m["fillers.per_min"]["series"] == [9.0, 6.0, 3.0] and m["structure.score"]["latest"] == 70
    )
    assert m["overall.score"]["series"] == [70, 70, 70] and m["pacing.wpm"]["better"] == "band"
    out = run("history", "--data-dir", str(tmp_path)).output
    assert "fillers/min 9.0 -> 3.0" in out and "wpm 190 -> 150" in out and "failed" in out
    by_cat = run("history", "--data-dir", str(tmp_path), "--by", "category").output
    assert "strengths_weaknesses (3 takes, over 1 question)" in by_cat
    only = json.loads(run("history", "--data-dir", str(tmp_path), "--question", "mot-why-here", "--json").output)
    assert [t["status"] for t in only] == ["failed"] and only[0]["error"] == "bad audio"


def _take(h: History, tmp_path: Path, qid: str, category: str, overall: int, wpm: float = 150.0) -> int:
    t = h.start_take(
        audio_path=tmp_path / f"{qid}-{overall}-{wpm}.wav",
        question_id=qid,
        question_text=f"text of {qid}",
        category=category,
    )
    h.finish_recording(t, 60.0)
    report = _report(4.0, wpm, 0.2, 60)
    report["scores"]["overall"] = overall
    h.save_report(t, report)
    return t


def test_progress_compares_each_question_with_itself(tmp_path):
    """A category's trend is each question against its own first take, never one question
    against another; a change within a figure's noise (measured from repeated takes) is
    "same", not "worse"."""
    from voicecoach.analysers import OVERALL, pacing

    wpm_noise = next(m.noise for m in pacing.METRICS if m.key == "wpm")
    assert OVERALL.noise >= 1 and wpm_noise >= 1  # measured, not left at 0
    h = History.open(tmp_path)
    _take(h, tmp_path, "beh-deadline", "behavioural", 50)
    _take(h, tmp_path, "beh-conflict", "behavioural", 70, wpm=170)
    _take(h, tmp_path, "beh-deadline", "behavioural", 70)
    _take(h, tmp_path, "beh-conflict", "behavioural", 70 + int(OVERALL.noise), wpm=170 + wpm_noise)  # within noise
    _take(h, tmp_path, "beh-failure", "behavioural", 30)  # once, and last: not a trend of the category
    takes = h.takes()
    h.close()
    (cat,) = trends(takes, by="category")
    assert (cat["takes"], cat["questions"], cat["questions_twice"]) == (5, 3, 2)
    m = cat["metrics"]["overall.score"]
    assert (m["first"], m["latest"]) == (
        60,
        (70 + 70 + int(OVERALL.noise)) / 2,
    )  # the mean of each question's first and latest
    conflict = next(g for g in trends(takes) if g["question"] == "beh-conflict")
    from voicecoach.practice.progress import judge_change

    wpm = conflict["metrics"]["pacing.wpm"]
    assert (
        judge_change(
            "band", wpm["first"], wpm["latest"], ".0f", wpm["band"] if "band" in wpm else [120, 160], wpm["noise"]
        )
        == "same"
    )
    out = run("history", "--data-dir", str(tmp_path)).output
    conflict_line = next(line for line in out.splitlines() if "text of beh-conflict" in line and "->" in line)
    assert "worse" not in conflict_line and "same" in conflict_line, conflict_line
    by_cat = run("history", "--data-dir", str(tmp_path), "--by", "category").output
    line = next(x for x in by_cat.splitlines() if x.strip().startswith("behavioural"))
    assert (
        "over 2 questions" in line and f"overall score 60 -> {round((140 + int(OVERALL.noise)) / 2)} better" in line
    ), line


def test_a_category_without_a_question_taken_twice_has_no_trend(tmp_path):
    h = History.open(tmp_path)
    _take(h, tmp_path, "beh-deadline", "behavioural", 80)
    _take(h, tmp_path, "beh-conflict", "behavioural", 40)
    h.close()
    by_cat = run("history", "--data-dir", str(tmp_path), "--by", "category").output
    assert "no question taken twice yet, no trend" in by_cat and "80 -> 40" not in by_cat


@pytest.mark.model
def test_failed_analysis_can_be_rerun(tmp_path):
    h = History.open(tmp_path)
    audio = tmp_path / "take.wav"
    audio.write_bytes(b"garbage, as if the disk had been full")
    t = h.start_take(
        audio_path=audio,
        question_id="mot-why-here",
        question_text="Why do you want to work here?",
        category="motivation",
    )
    h.finish_recording(t, 26.0)
    h.close()
    first = run("score", "--take", str(t), "--data-dir", str(tmp_path))
    assert first.exit_code == 1 and "not a readable audio file" in first.output
    assert History.open(tmp_path).get(t).status == "failed"
    shutil.copy(SAMPLES / "motivation_fast.wav", audio)
    second = run("score", "--take", str(t), "--json", "--data-dir", str(tmp_path))
    assert second.exit_code == 0
    obj = json.loads(second.output)
    assert obj["take_id"] == t and obj["question_id"] == "mot-why-here"
    take = History.open(tmp_path).get(t)
    assert take.status == "scored" and take.metrics["pacing.wpm"] == pytest.approx(obj["pacing"]["wpm"])
    assert run("score", "--take", "999", "--data-dir", str(tmp_path)).output.startswith("Error: take 999: no such take")


WRITER = """
import sys, time
from pathlib import Path
from voicecoach.practice.history import History
h = History.open(Path(sys.argv[1]))
i = 0
while True:
    t = h.start_take(audio_path=Path(f"{i}.wav"), question_id="q", question_text="Q", category="c")
    h.save_report(t, {"duration_s": 1.0, "scores": {"overall": i % 100}, "transcript": {"text": "x" * 5000}})
    i += 1
    if i == 20:
        print("ready", flush=True)
"""


@pytest.mark.realtime
def test_history_survives_kill_9_during_writes(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    db = sqlite3.connect(tmp_path / "history.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    statuses = [s for (s,) in db.execute("SELECT status FROM takes ORDER BY id")]
    assert len(statuses) >= 20
    # every committed take is whole: all are scored except possibly the one being written
    assert all(s == "scored" for s in statuses[:-1]) and statuses[-1] in ("scored", "recording")
    h = History.open(tmp_path)
    assert h.get(1).report is not None and len(h.takes()) == len(statuses)


# ---------------------------------------------------------------- layout 1 -> 2
V1_DATABASE = ROOT / "tests" / "data" / "history_v1.sqlite"


def test_a_database_made_by_layout_1_code_upgrades_in_place(tmp_path):
    """tests/data/history_v1.sqlite was written by the code of commit 2e8ca73 (layout 1):
    two scored takes of the samples, a failed take and one left recording. Its figures
    (below, read from its v1 columns when it was made) must survive the upgrade."""
    path = tmp_path / "history.sqlite"
    shutil.copy(V1_DATABASE, path)
    before = sqlite3.connect(path)
    assert before.execute("PRAGMA user_version").fetchone()[0] == 1
    v1 = before.execute(
        "SELECT id, overall, fillers_per_min, wpm, pause_ratio, structure_score, report_json FROM takes ORDER BY id"
    ).fetchall()
    before.close()

    h = History(path)
    takes = h.takes()
    h.close()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    # take 4 was left recording, and its file is not there: opening says so
    assert [(t.id, t.status) for t in takes] == [(1, "scored"), (2, "scored"), (3, "failed"), (4, "failed")]
    assert "is missing" in (takes[3].error or "")
    for t, (tid, overall, fpm, wpm, ratio, structure_score, report_json) in zip(takes, v1, strict=True):
        assert t.id == tid and t.overall == overall
        if t.status != "scored":
            assert t.metrics == {}
            continue
        m = t.metrics
        assert (
            m["overall.score"],
            m["fillers.per_min"],
            m["pacing.wpm"],
            m["pauses.pause_ratio"],
            m["structure.score"],
        ) == (
            overall,
            fpm,
            wpm,
            ratio,
            structure_score,
        )
        # the scores v1 kept no column for come from the stored report
        scores = json.loads(report_json)["scores"]
        assert (m["fillers.score"], m["pacing.score"], m["pauses.score"]) == (
            scores["fillers"],
            scores["pacing"],
            scores["pauses"],
        )
        assert not any(k.startswith("repetition.") for k in m)  # that analyser came later

    # opening again changes nothing; the old reports still render, and the trends read the metrics
    h = History(path)
    assert [t.metrics for t in h.takes()] == [t.metrics for t in takes]
    h.close()
    assert run("report", "1", "--data-dir", str(tmp_path)).exit_code == 0
    out = run("history", "--data-dir", str(tmp_path)).output
    assert "What is your greatest weakness?" in out and "fillers/min" in out


def test_metrics_are_stored_per_analyser_and_replaced_on_rescoring(tmp_path):
    h = History.open(tmp_path)
    t = h.start_take(audio_path=tmp_path / "a.wav", question_id="q", question_text="Q", category="general")
    h.save_report(t, _report(9.0, 190.0, 0.2, 50))
    h.save_report(t, _report(3.0, 150.0, 0.1, 80))
    rows = h.db.execute(
        "SELECT analyser, metric, value FROM take_metrics WHERE take_id = ? ORDER BY analyser, metric", (t,)
    ).fetchall()
    h.close()
    assert rows == [
        ("fillers", "per_min", 3.0),
        ("overall", "score", 70.0),
        ("pacing", "wpm", 150.0),
        ("pauses", "pause_ratio", 0.1),
        ("structure", "score", 80.0),
    ]


def test_history_lists_interviews_with_their_trend(tmp_path):
    """Two interviews of one kind in a real history: listed oldest first, with what was
    answered and followed up, and the mean overall from the first to the latest."""
    from click.testing import CliRunner

    from voicecoach.cli import cli

    h = History(tmp_path / "history.sqlite")
    for mean, status in ((58.5, "finished"), (66.0, "stopped")):
        plan = [{"id": "beh-deadline", "text": "Q1"}, {"id": "beh-failure", "text": "Q2"}]
        iid = h.start_interview("behavioural", plan)
        take = h.start_take(
            audio_path=tmp_path / f"{iid}.wav", question_id="beh-deadline", question_text="Q1", category="behavioural"
        )
        h.add_turn(iid, 1, "answer", take, "Q1")
        h.add_turn(iid, 1, "follow-up", None, "What was the outcome?", "outcome")
        h.finish_interview(iid, status, {"overall_mean": mean})
    h.close()
    out = CliRunner().invoke(cli, ["history", "--interviews", "--data-dir", str(tmp_path)])
    assert out.exit_code == 0, out.output
    rows = [line.split() for line in out.output.splitlines()[1:3]]
    assert [r[0] for r in rows] == ["1", "2"] and [r[3] for r in rows] == ["behavioural"] * 2
    assert [r[4] for r in rows] == ["finished", "stopped"]
    assert [r[5:8] for r in rows] == [["1", "of", "2"]] * 2 and [r[-1] for r in rows] == ["58.5", "66.0"]
    assert "behavioural: mean overall 58.5 -> 66.0 over 2 interviews" in out.output
    listed = json.loads(
        CliRunner().invoke(cli, ["history", "--interviews", "--json", "--data-dir", str(tmp_path)]).output
    )
    assert [i["turns"][1]["trigger"] for i in listed] == ["outcome", "outcome"]
