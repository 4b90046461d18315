"""The coach's view of a cohort: students and sessions, flags and tips in the table, the
cohort page in Chromium, and two batches of the same group compared.

The comparison's truth comes from how the answers were made: hand-built results whose
figures are set, and real batch runs in which one student's second answer is a different,
stronger recording and another's is the same recording again."""

from __future__ import annotations

import csv
import json
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLES, open_page
from voicecoach.batch import cohort as c
from voicecoach.batch import run as b
from voicecoach.cli import cli

AREAS = ("pacing", "fillers", "pauses", "structure", "repetition")


def result(
    file: str,
    *,
    overall: float,
    student: str | None = None,
    session: str = "",
    question_id: str | None = "beh-deadline",
    wpm: float = 140.0,
    per_min: float = 2.0,
    pause_ratio: float = 0.15,
    length_verdict: str = "ok",
    relevance: str = "yes",
    tips: tuple[str, ...] = ("Say what the result was.",),
    status: str = "ok",
) -> dict:
    """A results.jsonl line with the figures set by hand (the fields the cohort reads)."""
    line = {
        "schema_version": 1,
        "file": file,
        "duration_s": 60.0,
        "question": "Tell me about a time you had to deliver a project under a tight deadline."
        if question_id
        else None,
        "question_id": question_id,
        "speech_found": status != "no_speech",
        "english": True,
        "status": status,
        "scores": {"overall": overall, **{a: overall for a in AREAS}} if status == "ok" else None,
        "pacing": {"wpm": wpm, "target_min_wpm": 120, "target_max_wpm": 160},
        "fillers": {"per_min": per_min},
        "pauses": {"pause_ratio": pause_ratio},
        "structure": {"length_verdict": length_verdict, "relevance": {"verdict": relevance}},
        "repetition": {"extra_uses": 0},
        "not_judged": {},
        "tips": [{"area": "structure", "message": t} for t in tips],
    }
    if student is not None:
        line["student"] = student
    if session:
        line["session"] = session
    return line


def write_results(folder: Path, lines: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    return folder


# ---------------------------------------------------------------- rows and flags
def test_flags_say_why_a_coach_should_look():
    assert b.answer_flags("failed", None) == ["failed"]
    assert b.answer_flags("no_speech", None) == ["no speech"]
    assert b.answer_flags("ok", result("a.wav", overall=80)) == []
    assert b.answer_flags("ok", result("a.wav", overall=30, relevance="no", length_verdict="short")) == [
        "off the question",
        "too short",
    ]
    assert b.answer_flags("ok", {**result("a.wav", overall=70), "not_judged": {"pacing": "under 20 words"}}) == [
        "not judged"
    ]
    assert set(b.FLAGS) >= {"failed", "no speech", "not English", "off the question", "too short", "too long"}


def test_manifest_names_students_and_sessions_and_folders_name_the_rest(tmp_path):
    for folder in ("alice", "bob"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "deadline.wav").write_bytes(folder.encode())
    (tmp_path / "flat.wav").write_bytes(b"x")
    manifest = tmp_path / "m.csv"
    manifest.write_text("file,student,date\nflat.wav,Carol Jones,2026-11-02\n")
    inputs = b.collect_inputs([str(tmp_path / "alice"), str(tmp_path / "bob"), str(manifest)])
    jobs = b.plan_jobs(inputs, question=None, fingerprint="f")
    who = {Path(j.path).name if j.student == "Carol Jones" else j.student: (j.student, j.session) for j in jobs}
    assert who == {"alice": ("alice", ""), "bob": ("bob", ""), "flat.wav": ("Carol Jones", "2026-11-02")}


def test_rows_name_each_answer_by_student_and_carry_flags_tips_and_report_links(tmp_path):
    """A real results store with outcomes put by hand: the CSV and the JSONL rows."""
    out = tmp_path / "out"
    store = b.Store(out / "results.sqlite")
    jobs = [
        b.Job("/data/cohort/alice/deadline.wav", "Q", "k-alice", student="alice"),
        b.Job("/data/cohort/bob/deadline.wav", "Q", "k-bob", student="bob", session="week 2"),
        b.Job("/data/cohort/bob/missing.wav", "Q", None, error="missing.wav: no such file", student="bob"),
    ]
    tips = ("Open with the result.", "Slow down.", "Cut the ums.", "A fourth tip.")
    store.put(b.Outcome("k-alice", jobs[0].path, "ok", "", result("x", overall=40, relevance="no", tips=tips)), "Q")
    store.put(b.Outcome("k-bob", jobs[1].path, "ok", "", result("x", overall=80)), "Q")
    report = out / b.report_name("alice/deadline.wav", "k-alice")
    report.parent.mkdir(parents=True)
    report.write_text("<html></html>")
    rows = b.write_outputs(store, jobs, out)
    store.close()
    assert [r["answer"] for r in rows] == ["alice/deadline.wav", "bob/deadline.wav", "bob/missing.wav"]
    assert [(r["student"], r["session"]) for r in rows] == [("alice", ""), ("bob", "week 2"), ("bob", "")]
    assert [r["flags"] for r in rows] == ["off the question", "", "failed"]
    assert [rows[0][f"tip_{i}"] for i in (1, 2, 3)] == [f"structure: {t}" for t in tips[:3]]
    assert rows[0]["report"] == b.report_name("alice/deadline.wav", "k-alice") and rows[1]["report"] == ""
    header = next(csv.reader((out / "results.csv").open()))
    assert header[:9] == [
        "file",
        "answer",
        "student",
        "session",
        "question",
        "question_id",
        "status",
        "reason",
        "flags",
    ]
    assert header[-5:] == ["tip_1", "tip_2", "tip_3", "report", "transcript.text"]
    lines = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert [x["answer"] for x in lines] == [r["answer"] for r in rows]
    assert lines[0]["flags"] == ["off the question"] and lines[2]["flags"] == ["failed"]
    assert lines[0]["status"] == "ok" and lines[0]["report"] == rows[0]["report"]


def test_a_summary_never_names_two_answers_alike():
    rows = [
        {
            "file": "/a/deadline.wav",
            "answer": "a/deadline.wav",
            "student": "Alice",
            "status": "ok",
            "scores.overall": 50,
        },
        {"file": "/b/deadline.wav", "answer": "b/deadline.wav", "student": "b", "status": "ok", "scores.overall": 60},
    ]
    worst = b.summarise(rows)["worst"]["scores.overall"]["files"]
    assert [name for name, _ in worst] == ["Alice: a/deadline.wav", "b/deadline.wav"]


# ---------------------------------------------------------------- two batches compared
def test_comparison_finds_who_improved_and_who_needs_attention(tmp_path):
    """Set figures: alice 45 -> 85 (beyond the overall score's noise of 10), bob 70 -> 75
    (within it), carol 80 -> 55 with more fillers; dave answered only before, erin only now;
    frank gave no question both times and is matched by file name."""
    before = [
        result("w1/alice/q.wav", overall=45, student="alice"),
        result("w1/bob/q.wav", overall=70, student="bob"),
        result("w1/carol/q.wav", overall=80, student="carol", per_min=1.0),
        result("w1/dave/q.wav", overall=60, student="dave"),
        result("w1/frank/story.wav", overall=40, student="frank", question_id=None),
    ]
    now = [
        result("w2/alice/q.wav", overall=85, student="alice"),
        result("w2/bob/q.wav", overall=75, student="bob"),
        result("w2/carol/q.wav", overall=55, student="carol", per_min=6.0, length_verdict="short"),
        result("w2/erin/q.wav", overall=90, student="erin"),
        result("w2/frank/story.wav", overall=65, student="frank", question_id=None),
    ]
    old = c.load_answers(write_results(tmp_path / "w1", before))
    new = c.load_answers(write_results(tmp_path / "w2", now))
    cmp = c.compare_cohorts(old, new, names=("w1", "w2"))
    assert cmp.improved == ["alice", "frank"]  # most first: +40, +25
    verdicts = {m.key: m.get("scores.overall").verdict for m in cmp.students}
    assert verdicts == {"alice": "better", "bob": "same", "carol": "worse", "frank": "better"}
    attention = dict(cmp.attention)
    assert set(attention) == {"carol"}
    assert "overall score fell 80 -> 55" in attention["carol"] and "fillers/min worse" in attention["carol"]
    assert "flagged: too short" in attention["carol"]
    assert cmp.only_before == ["dave"] and cmp.only_now == ["erin"]
    (question,) = [m for m in cmp.questions if m.key == "beh-deadline"]
    assert question.matched == 3
    assert question.get("scores.overall").before == pytest.approx((45 + 70 + 80) / 3)

    result_json = CliRunner().invoke(cli, ["cohort", str(tmp_path / "w1"), str(tmp_path / "w2"), "--json"])
    assert result_json.exit_code == 0, result_json.output
    got = json.loads(result_json.output)
    assert got["comparison"]["improved"] == ["alice", "frank"]
    assert [a["student"] for a in got["comparison"]["attention"]] == ["carol"]
    assert got["students"] == 5 and got["answers"] == 5

    text = CliRunner().invoke(cli, ["cohort", str(tmp_path / "w1"), str(tmp_path / "w2")])
    assert text.exit_code == 0
    assert "Improved most: alice (45 -> 85); frank (40 -> 65)" in text.output
    assert "carol: overall score fell 80 -> 55" in text.output and "Only in w1: dave" in text.output


def test_one_cohort_by_question_and_by_student(tmp_path):
    lines = [
        result("c/alice/q1.wav", overall=60, student="alice"),
        result("c/bob/q1.wav", overall=80, student="bob"),
        result("c/alice/q2.wav", overall=90, student="alice", question_id="beh-conflict"),
        result("c/bob/q2.wav", overall=70, student="bob", question_id="beh-conflict", relevance="no"),
        result("c/carol/q1.wav", overall=0, student="carol", status="no_speech"),
    ]
    out = CliRunner().invoke(cli, ["cohort", str(write_results(tmp_path / "c", lines)), "--json"])
    assert out.exit_code == 0, out.output
    d = json.loads(out.output)
    assert d["status"] == {"ok": 4, "no_speech": 1} and d["flags"] == {"no speech": 1, "off the question": 1}
    questions = {q["key"]: q for q in d["by_question"]}
    assert questions["beh-deadline"]["medians"]["scores.overall"] == 70 and questions["beh-deadline"]["answers"] == 3
    students = {s["key"]: s for s in d["by_student"]}
    # alice: 60 - 70 on q1, 90 - 80 on q2 -> 0; bob: +10 and -10 -> 0; carol: nothing scored
    assert (
        students["alice"]["vs_group"] == 0 and students["bob"]["vs_group"] == 0 and "vs_group" not in students["carol"]
    )
    overall = next(f for f in d["figures"] if f["column"] == "scores.overall")
    assert overall["median"] == 75 and overall["in_band"] == 2 and overall["band"] == [75, 100]


@pytest.mark.parametrize(
    ("make", "args", "message"),
    [
        (lambda p: None, ["cohort", "{p}/nowhere"], "no such folder"),
        (lambda p: p.joinpath("empty").mkdir(), ["cohort", "{p}/empty"], "no results.jsonl in this folder"),
        (
            lambda p: write_results(p / "bad", []).joinpath("results.jsonl").write_text("{not json\n"),
            ["cohort", "{p}/bad"],
            "line 1: not JSON",
        ),
        (
            lambda p: [write_results(p / n, [result("a.wav", overall=50)]) for n in "xyz"],
            ["cohort", "{p}/x", "{p}/y", "{p}/z"],
            "give one results folder, or two",
        ),
    ],
)
def test_cohort_errors_are_one_line(make, args, message, tmp_path):
    make(tmp_path)
    out = CliRunner().invoke(cli, [a.format(p=tmp_path) for a in args])
    assert out.exit_code != 0 and message in out.output, out.output
    assert "Traceback" not in out.output and out.output.count("\n") == 1, out.output


# ---------------------------------------------------------------- the page in Chromium
HOSTILE = '<script>alert("s")</script>'


def test_cohort_page_sorts_links_and_escapes_hostile_names(browser, tmp_path):
    out = tmp_path / "out"
    lines = [
        result('cohort/x"><img src=x onerror=alert(1)>/a.wav', overall=62, student=HOSTILE, session="</td><td>"),
        result("cohort/bob/b.wav", overall=91, student="bob"),
        result("cohort/carol/c.wav", overall=35, student="carol", relevance="no"),
        result("cohort/dave/d.wav", overall=0, student="dave", status="no_speech"),
    ]
    lines[1]["report"] = "reports/bob_b.wav-0123456789.html"
    lines[2]["report"] = "javascript:alert(2)"  # edited by hand: never a link
    write_results(out, lines)
    (out / "reports").mkdir()
    (out / "reports" / "bob_b.wav-0123456789.html").write_text("<title>bob's report</title><h1>bob</h1>")
    page_path = tmp_path / "pages" / "cohort.html"
    run = CliRunner().invoke(cli, ["cohort", str(out), "--html", str(page_path)])
    assert run.exit_code == 0, run.output
    page, requests, dialogs = open_page(browser, page_path)
    assert requests == [page_path.as_uri()]  # nothing fetched
    answers = page.locator("#answers tbody tr")
    assert answers.count() == 4
    assert page.locator("#answers tbody td").first.inner_text() == HOSTILE  # shown, not run
    assert page.locator("#answers img").count() == 0 and page.locator("script").count() == 1

    def overall_column() -> list[str]:
        return page.locator("#answers tbody tr td:nth-child(6)").all_inner_texts()

    page.locator("#answers th", has_text="overall").locator("button").click()
    assert overall_column() == ["35", "62", "91", ""]  # ascending; unscored last
    page.locator("#answers th", has_text="overall").locator("button").click()
    assert overall_column() == ["91", "62", "35", ""]
    page.locator("#answers th", has_text="student").locator("button").click()
    assert page.locator("#answers tbody tr td:first-child").all_inner_texts() == [HOSTILE, "bob", "carol", "dave"]
    links = page.locator("#answers a")
    assert links.count() == 1 and links.first.inner_text() == "bob/b.wav"
    links.first.click()
    page.wait_for_load_state("load")
    assert page.title() == "bob's report"
    assert dialogs == []
    page.close()


def test_a_thousand_answers_open_and_sort_fast_and_stay_small(browser, tmp_path, record_property):
    """1,000 generated answers (200 students, 5 questions): the page's size, and the time
    Chromium takes to open it and to sort the answers table, recorded (the figure with its
    CPU is in docs/batch.md, from benchmarks/bench_cohort.py)."""
    rng = random.Random(29)
    questions = ["beh-deadline", "beh-conflict", "beh-failure", "beh-teamwork", "beh-feedback"]
    overall = [rng.randint(0, 100) for _ in range(1000)]
    lines = [
        result(
            f"cohort/student{i // 5:03d}/{questions[i % 5]}.wav",
            overall=overall[i],
            question_id=questions[i % 5],
            wpm=rng.uniform(90, 210),
            per_min=rng.uniform(0, 10),
            tips=("Open with the result: say what changed because of what you did, then how.",) * 3,
        )
        for i in range(1000)
    ]
    out = write_results(tmp_path / "out", lines)
    page_path = tmp_path / "cohort.html"
    assert CliRunner().invoke(cli, ["cohort", str(out), "--html", str(page_path)]).exit_code == 0
    size = page_path.stat().st_size
    assert size < 5_000_000, size
    page, _, _ = open_page(browser, page_path)
    opened_ms = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    sort_ms = page.evaluate(
        """() => {
            const b = [...document.querySelectorAll('#answers th button')].find(x => x.textContent === 'overall');
            const t0 = performance.now(); b.click(); return performance.now() - t0; }"""
    )
    first = page.locator("#answers tbody tr:first-child td:nth-child(6)").inner_text()
    last = page.locator("#answers tbody tr:last-child td:nth-child(6)").inner_text()
    assert (int(first), int(last)) == (min(overall), max(overall))
    assert page.locator("#students tbody tr").count() == 200 and page.locator("#questions tbody tr").count() == 5
    record_property("cohort_page_bytes", size)
    record_property("cohort_open_ms", round(opened_ms))
    record_property("cohort_sort_ms", round(sort_ms))
    print(f"1,000 answers: {size / 1e6:.2f} MB, opened in {opened_ms:.0f} ms, sorted in {sort_ms:.0f} ms")
    page.close()


# ---------------------------------------------------------------- real batch runs
@pytest.mark.model
def test_two_sessions_of_two_students_show_the_improvement(tmp_path, browser):
    """Session 1: alice answers the deadline question with the motivation sample (short,
    barely on the question), bob with the STAR sample. Session 2: alice gives the STAR
    answer, bob the same recording again. The comparison must find alice improved and bob
    unchanged, and the page must link every scored answer's own report."""
    sessions = {
        "week1": {"alice": "motivation_fast", "bob": "star_answer"},
        "week2": {"alice": "star_answer", "bob": "star_answer"},
    }
    outs = {}
    for session, answers in sessions.items():
        folder = tmp_path / session
        folder.mkdir()
        rows = ["file,student,session,question_id"]
        for student, sample in answers.items():
            shutil.copy(SAMPLES / f"{sample}.wav", folder / f"{student}-{session}.wav")
            rows.append(f"{student}-{session}.wav,{student},{session},beh-deadline")
        (folder / "manifest.csv").write_text("\n".join(rows) + "\n")
        outs[session] = tmp_path / f"out-{session}"
        page = tmp_path / f"{session}.html"
        run = CliRunner().invoke(
            cli, ["batch", str(folder / "manifest.csv"), "--out", str(outs[session]), "--reports", "--html", str(page)]
        )
        assert run.exit_code == 0, run.output
        assert f"alice: {session}/alice-{session}.wav" in run.output  # the summary names student and file
        rows_out = list(csv.DictReader((outs[session] / "results.csv").open()))
        assert [(r["student"], r["session"]) for r in rows_out] == [("alice", session), ("bob", session)]
        assert all(r["report"] and (outs[session] / r["report"]).is_file() for r in rows_out)
        assert all(r["tip_1"] for r in rows_out)
    compared = CliRunner().invoke(cli, ["cohort", str(outs["week1"]), str(outs["week2"]), "--json"])
    assert compared.exit_code == 0, compared.output
    cmp = json.loads(compared.output)["comparison"]
    assert cmp["improved"] == ["alice"]
    bob = next(s for s in cmp["students"] if s["key"] == "bob")
    assert all(f["verdict"] == "same" for f in bob["figures"].values())
    alice = next(s for s in cmp["students"] if s["key"] == "alice")
    assert alice["figures"]["scores.overall"]["change"] > 10

    page_path = tmp_path / "compared.html"
    assert (
        CliRunner().invoke(cli, ["cohort", str(outs["week1"]), str(outs["week2"]), "--html", str(page_path)]).exit_code
        == 0
    )
    page, requests, dialogs = open_page(browser, page_path)
    assert page.locator("#improved li").all_inner_texts()[0].startswith("alice")
    assert page.locator("#answers a").count() == 2
    page.locator("#answers a").first.click()
    page.wait_for_load_state("load")
    assert page.locator("#scores").count() == 1  # the answer's own report, with its scores
    assert dialogs == []
    page.close()


def test_a_results_folder_from_before_students_is_read_too(tmp_path):
    """results.jsonl as the batch wrote it before this change: no answer, student, status
    or flags; a failed file only as file, question, status and reason."""
    old = result("/data/cohort/alice/deadline.wav", overall=40, relevance="no")
    for key in ("status", "student"):
        old.pop(key, None)
    failed = {"file": "/data/cohort/bob/deadline.wav", "question": None, "status": "failed", "reason": "broken"}
    silent = {**result("/data/cohort/carol/deadline.wav", overall=0), "speech_found": False, "scores": None}
    silent.pop("status")
    (a, b_, c_) = c.load_answers(write_results(tmp_path / "old", [old, failed, silent]))
    assert (a.answer, a.student, a.status, a.flags) == ("alice/deadline.wav", "alice", "ok", ("off the question",))
    assert (b_.student, b_.status, b_.flags) == ("bob", "failed", ("failed",))
    assert (c_.status, c_.flags) == ("no_speech", ("no speech",))


def test_a_name_a_spreadsheet_would_run_stays_text_in_the_csv(tmp_path):
    out = tmp_path / "out"
    store = b.Store(out / "results.sqlite")
    job = b.Job("/data/x/=HYPERLINK(1)/a.wav", "Q", "k", student='=HYPERLINK("http://x")', session="-1")
    store.put(b.Outcome("k", job.path, "ok", "", result("x", overall=-1)), "Q")
    (row,) = b.write_outputs(store, [job], out)
    store.close()
    assert row["student"] == '\'=HYPERLINK("http://x")' and row["session"] == "'-1"
    assert row["scores.overall"] == -1  # numbers stay numbers
    (line,) = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert line["student"] == '=HYPERLINK("http://x")'  # the JSONL keeps the text as it was
