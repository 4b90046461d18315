"""`voicecoach report`: the terminal filler report, and the HTML report in real headless Chromium."""

from __future__ import annotations

import datetime
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import SAMPLES, open_page
from voicecoach.cli import cli
from voicecoach.practice.history import History
from voicecoach.present.terminal import timeline_strip

pytestmark = pytest.mark.model  # transcribes with the real model: run again under a forced instruction set

SCREENSHOTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_timeline_strip_puts_events_in_their_buckets():
    assert timeline_strip([(0.0, 0.1), (9.9, 10.0), (9.5, 9.6)], 10.0, width=10) == "▂        ▄"
    assert timeline_strip([(5.0, 5.1)] * 9, 10.0, width=4) == "  █ "


@pytest.fixture(scope="module")
def hesitant_json(tmp_path_factory, reports) -> Path:
    p = tmp_path_factory.mktemp("json") / "hesitant.json"
    p.write_text(json.dumps(reports["hesitant_slow"]))
    return p


def test_terminal_report_from_json(hesitant_json, reports, tmp_path):
    result = run("report", str(hesitant_json), "--data-dir", str(tmp_path))
    assert result.exit_code == 0
    out = result.output
    f = reports["hesitant_slow"]["fillers"]
    assert f"Filler words: {f['count']} ({f['vocal_count']} vocal, {f['discourse_count']} discourse)" in out
    for name, n in f["by_type"].items():
        assert any(line.split()[:2] == [name, str(n)] for line in out.splitlines())
    strip = next(line for line in out.splitlines() if line.strip().startswith("fillers "))
    assert sum(ch != " " for ch in strip.split("|")[1]) >= 3  # the clusters are drawn
    assert "Longest pauses" in out and '2.8 s, between sentences, after "Monday."' in out


def test_report_on_a_take_shows_the_trend(tmp_path, reports):
    h = History.open(tmp_path)
    ids = []
    for fpm in (9.0, 6.5, 4.0):
        t = h.start_take(
            audio_path=SAMPLES / "hesitant_slow.wav",
            question_id="sw-weakness",
            question_text="Q",
            category="strengths_weaknesses",
        )
        rep = dict(reports["hesitant_slow"], question_id="sw-weakness")
        rep["fillers"] = dict(rep["fillers"], per_min=fpm)
        h.save_report(t, rep)
        ids.append(t)
    h.close()
    out = run("report", f"take:{ids[-1]}", "--data-dir", str(tmp_path)).output
    assert "Fillers per minute over your last 3 takes: 9.0 6.5 4.0" in out
    # a take's report shows its stored scores and tips too, without scoring again
    assert f"Scores and tips of take #{ids[-1]}, as they were computed:" in out
    assert f"│ Overall    │ {reports['hesitant_slow']['scores']['overall']:>5} │" in out and "Tips" in out


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("take:77", "take 77: no such take"),
        ("missing.json", "no such file"),
        ("{bad}", "expected a result of `voicecoach score --json` with schema_version 1"),
    ],
)
def test_report_errors(target, message, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    result = run("report", target.format(bad=bad), "--data-dir", str(tmp_path))
    assert result.exit_code == 1 and result.output.startswith("Error: ") and message in result.output


# ---------------------------------------------------------------- the HTML report in Chromium
@pytest.fixture(scope="module")
def html_report(tmp_path_factory, reports) -> tuple[Path, dict]:
    """An HTML report of a take whose file name is a script tag, with a practice history."""
    d = tmp_path_factory.mktemp("html")
    # "/" cannot be in a file name, but it can be in a path: this one ends "<script>alert(1)</script>.wav"
    evil = d / "<script>alert(1)<" / "script>.wav"
    evil.parent.mkdir()
    shutil.copy(SAMPLES / "star_answer.wav", evil)
    h = History.open(d)
    for fpm in (7.5, 5.0):
        t = h.start_take(
            audio_path=evil, question_id=None, question_text="Tell me about a <b>tight</b> deadline", category=None
        )
        h.save_report(t, dict(reports["star_answer"], fillers=dict(reports["star_answer"]["fillers"], per_min=fpm)))
    h.close()
    out = d / "report.html"
    result = run(
        "report", str(evil), "--html", str(out), "--data-dir", str(d), "-q", "Tell me about a <b>tight</b> deadline"
    )
    assert result.exit_code == 0, result.output
    obj = json.loads(run("score", "--json", str(evil)).output)
    return out, obj


def test_html_report_in_chromium(browser, html_report):
    path, obj = html_report
    page, requests, dialogs = open_page(browser, path, viewport={"width": 1200, "height": 900})
    # it renders, and user data is text, not markup
    assert page.inner_text("#title") == f"{path.parent}/<script>alert(1)</script>.wav"
    assert "Tell me about a <b>tight</b> deadline" in page.inner_text(".question")
    assert dialogs == []
    # the overall score and one card per scored analyser, each out of 100
    cards = page.locator("#scores .card").all_inner_texts()
    assert len(cards) == len(obj["scores"]) and all("/100" in c for c in cards)
    assert any(c.startswith("Repetition") for c in cards)
    # the figure: loudness, pauses, fillers and the pace curve
    assert page.locator("#timeline path.envelope").count() == 1
    assert page.locator("#timeline rect.pause").count() == obj["pauses"]["count"]
    assert page.locator("#timeline circle.filler-dot").count() == obj["fillers"]["count"]
    assert page.locator("#timeline polyline.series").count() == 1  # the pace
    # the transcript highlights exactly the fillers found
    vocal = [e for e in obj["fillers"]["events"] if e["kind"] == "vocal"]
    assert page.locator("#transcript mark.filler.vocal").count() == len(vocal)
    # the overall score and one figure per analyser that has one (wpm, fillers/min,
    # pause ratio, structure score, repeated uses), each saying which way is better
    progress = page.locator("#progress > div").all_inner_texts()
    assert len(progress) == 6 and "lower is better" in next(p for p in progress if p.startswith("fillers/min"))
    assert page.locator("#progress svg.trend").count() == 6
    # the details: what each analyser measured, the opening and the close with their
    # sentences (no STAR parts: "a tight deadline" is not asked as a behavioural question)
    details = page.inner_text("#details")
    assert all(title in details for title in ("Pacing", "Fillers", "Pauses", "Structure", "Delivery", "Repetition"))
    assert "opening" in details and "close" in details and "STAR n/a" in details
    # clicking a filler seeks the embedded audio to its time
    page.wait_for_function("document.getElementById('answer').readyState >= 1")
    target = page.locator("#transcript mark.filler.vocal").nth(1)
    t = float(target.get_attribute("data-t"))
    assert t == pytest.approx(vocal[1]["start_s"], abs=0.01)
    target.click()
    page.wait_for_function(f"Math.abs(document.getElementById('answer').currentTime - {t}) < 0.5")
    seek = page.evaluate("document.getElementById('answer').currentTime")
    assert seek == pytest.approx(t, abs=0.5)
    # and a pause too
    pause = page.locator("#timeline rect.pause").first
    page.evaluate("document.getElementById('answer').pause()")
    pause.click()
    pt = float(pause.get_attribute("data-t"))
    page.wait_for_function(f"Math.abs(document.getElementById('answer').currentTime - {pt}) < 0.5")
    # nothing but the file itself and its inline data was requested
    assert requests and all(u.startswith(("file://", "data:")) for u in requests), requests
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "html-report.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"\nscreenshot of the HTML report: {shot}")
    assert shot.stat().st_size > 10_000
    page.close()


@pytest.fixture(scope="module")
def behavioural_html(tmp_path_factory, reports) -> tuple[Path, dict, Path]:
    """The STAR sample reported as an answer to a bank behavioural question, after three
    earlier takes of it."""
    d = tmp_path_factory.mktemp("html-star")
    wav = d / "star_answer.wav"
    shutil.copy(SAMPLES / "star_answer.wav", wav)
    os.utime(wav, (1_790_000_000, 1_790_000_000))  # recorded 2026-09-21
    h = History.open(d)
    for wpm in (182.0, 171.0, 150.0):
        t = h.start_take(audio_path=wav, question_id="beh-deadline", question_text=None, category="behavioural")
        h.save_report(
            t,
            dict(
                reports["star_answer"],
                question_id="beh-deadline",
                pacing=dict(reports["star_answer"]["pacing"], wpm=wpm),
            ),
        )
    h.close()
    out = d / "report.html"
    result = run("report", str(wav), "--html", str(out), "--data-dir", str(d), "-q", "beh-deadline")
    assert result.exit_code == 0, result.output
    obj = json.loads(run("score", "--json", str(wav), "-q", "beh-deadline").output)
    return out, obj, wav


def test_html_report_says_what_the_terminal_says(browser, behavioural_html):
    """Issue 14: cards that say what they are, every verdict, when it was recorded, no
    clipped labels, progress charts with their values and target band."""
    path, obj, wav = behavioural_html
    page, _requests, _dialogs = open_page(browser, path, viewport={"width": 1200, "height": 900})
    cards = {c.split("\n")[0]: c for c in page.locator("#scores .card").all_inner_texts()}
    f = obj["fillers"]
    fillers_card = cards["Fillers"]
    assert f"{obj['scores']['fillers']}/100" in fillers_card.replace("\n", "")
    assert f"{f['count']} filler" in fillers_card and f"{f['per_min']:.1f} a minute" in fillers_card
    assert f"{obj['pacing']['wpm']:.0f} words a minute" in cards["Pacing"]
    assert "STAR" in cards["Structure"]
    # every verdict the terminal prints, with its words
    details = page.inner_text("#details")
    for part in ("situation", "task", "action", "result"):
        assert part in details
    assert "opening" in details and "close" in details
    assert details.count("touched") == 3  # the question's three points, each touched or not
    assert "pitch" in details  # monotone or varied, as in the terminal's findings
    if obj["structure"]["hedges"]:
        assert "hedges" in details
    # when the answer was recorded, and when the page was made
    when = page.inner_text("#when")
    recorded = datetime.datetime.fromtimestamp(wav.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    assert f"recorded {recorded}" in when and "report made " in when
    # no label outside its figure
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('svg')].flatMap(svg => {
             const box = svg.getBoundingClientRect();
             return [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBoundingClientRect(), box])
               .filter(([, r, b]) => r.left < b.left - 0.5 || r.right > b.right + 0.5
                                  || r.top < b.top - 0.5 || r.bottom > b.bottom + 0.5)
               .map(([s]) => s);
           })"""
    )
    assert clipped == []
    # progress: each take's value written by its point, the pace chart with its band
    pace = page.locator("#progress .trend-chart", has_text="wpm")
    assert "target 120-160" in pace.inner_text()
    assert pace.locator("rect.band").count() == 1
    values = pace.locator("text.value").all_text_contents()
    assert values[:3] == ["182", "171", "150"]
    shot = SCREENSHOTS / "html-report-behavioural.png"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    print(f"\nscreenshot of the HTML report of a behavioural answer: {shot}")
    page.close()


def test_html_without_speech_is_refused(tmp_path):
    import numpy as np
    import soundfile as sf

    silent = tmp_path / "silence.wav"
    sf.write(silent, np.zeros(16000 * 2, dtype=np.float32), 16000)
    result = run("report", str(silent), "--html", str(tmp_path / "r.html"), "--data-dir", str(tmp_path))
    assert result.exit_code == 1 and "nothing was scored" in result.output and not (tmp_path / "r.html").exists()


def test_fillers_found_by_relistening_are_marked(reports, tmp_path):
    """A filler that re-listening found (word and event ``source="acoustic"``) is shown
    in brackets, counted in a note, and marked in the HTML transcript."""
    import copy

    from voicecoach.present.html_report import transcript_html
    from voicecoach.scoring.result import report_from_dict

    d = copy.deepcopy(reports["hesitant_slow"])
    for e in d["fillers"]["events"]:  # as if the decoding had written every filler...
        e["source"] = "transcript"
    for w in d["transcript"]["words"]:
        w["source"] = "plain"
    event = next(e for e in d["fillers"]["events"] if e["kind"] == "vocal")  # ...but this one
    event["source"] = "acoustic"
    word = next(w for w in d["transcript"]["words"] if round(w["start_s"], 3) == round(event["start_s"], 3))
    word["source"] = "acoustic"
    p = tmp_path / "r.json"
    p.write_text(json.dumps(d))
    out = run("report", str(p), "--data-dir", str(tmp_path)).output
    assert "1 of the vocal fillers were found by re-listening" in out
    assert f"({word['text']})" in out
    html = transcript_html(report_from_dict(d))
    assert html.count('class="filler vocal acoustic"') == 1
    assert html.count('class="filler vocal"') == d["fillers"]["vocal_count"] - 1
