"""Judgement: does the answer answer the question, the floors, tips in a coach's order that
agree with their own report, the filler score's curve and the discourse-filler rules.

Ground truth: answers written for each case (their kind is how they were written), and
the labelled set of ``benchmarks/content/`` (rules in its LABELLING.md).
"""

from __future__ import annotations

import io
import logging
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import audio_for, transcript_of
from voicecoach.analysers import feedback, fillers
from voicecoach.core.datatypes import Evidence, Tip
from voicecoach.core.questions import load_bank, resolve_question
from voicecoach.scoring.pipeline import score_transcript
from voicecoach.scoring.result import report_to_dict

ROOT = Path(__file__).resolve().parents[1]
BANK = {q.id: q for q in load_bank(include_user_dir=False)}

HOBBIES = (
    "Well, I really enjoy hiking and photography, and most weekends I'm out in the hills with my camera. "
    "I also like cooking Italian food, and I am learning to play the guitar at the moment. "
    "My friends say I'm a good cook, and I'd like to do a proper course one day."
)
FAILURE_STORY = (
    "In my first year as an analyst I built a sales forecast and I didn't check it against last year's actuals. "
    "It was off by twenty percent and the team ordered too much stock, and that was my mistake. "
    "I told my manager myself the same morning, before anyone else found it. "
    "I rebuilt the model with a back-test, so every forecast is now checked against what actually happened. "
    "Since then my forecasts have stayed within five percent, and I learned to test my own work before anyone relies "
    "on it."
)
GENERAL_TALK = (
    "I think failure is a normal part of learning, and I always try to learn from my mistakes. "
    "When something doesn't go well I like to look back and ask myself what I could do better. "
    "I try not to be too hard on myself, because everyone fails sometimes. The important thing is what you do next."
)


def report(text: str, question_id: str) -> Any:
    t = transcript_of(text)
    return score_transcript(audio_for(t), t, question=BANK[question_id], speech_s=t.duration_s)


def test_an_answer_about_hobbies_does_not_answer_a_question_about_failure():
    r = report(HOBBIES, "beh-failure")
    s = r.results["structure"]
    assert s.relevance.verdict == "no", s.relevance
    assert r.scores.overall <= feedback.FLOOR
    assert feedback.floor(r.results).startswith("This does not answer the question")
    # the first tip says so, and no tip talks about the story's parts or its length
    assert r.tips[0].rank == 0 and "does not answer the question" in r.tips[0].message
    assert not [t for t in r.tips if t.area == "structure" and t.rank > 0]
    # "learning to play the guitar" is not "what you learned"
    assert "learned" not in " ".join(s.relevance.topic_said)
    # the first thing every report says
    from voicecoach.present.html_report import render_html
    from voicecoach.present.terminal import render_terminal

    out = io.StringIO()
    render_terminal(r, file=out, width=200)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert lines[2].startswith("This does not answer the question"), lines[:4]  # after the file and the question
    html = render_html(r, audio=None)
    assert html.index('id="floor"') < html.index('id="scores"') and "does not answer the question" in html
    assert report_to_dict(r)["floor"] == feedback.floor(r.results)
    assert report_to_dict(report(FAILURE_STORY, "beh-failure"))["floor"] is None


def test_a_failure_story_answers_it_and_is_not_held_down():
    r = report(FAILURE_STORY, "beh-failure")
    assert r.results["structure"].relevance.verdict == "yes"
    assert feedback.floor(r.results) is None
    assert r.scores.overall > feedback.FLOOR
    assert r.scores.overall > report(HOBBIES, "beh-failure").scores.overall + 20


def test_general_talk_where_a_story_was_asked_answers_it_partly():
    r = report(GENERAL_TALK, "beh-failure")
    s = r.results["structure"]
    assert s.relevance.verdict == "partly", s.relevance
    assert r.tips[0].rank == 0 and "one real story" in r.tips[0].message
    assert r.scores.structure < report(FAILURE_STORY, "beh-failure").scores.structure


def test_another_questions_answer_is_named():
    """A story about meeting a deadline, told for "why do you want to work here"."""
    text = (
        "Last year my team had two weeks to move our whole website to a new hosting provider. "
        "I was in charge of the database part, and I made a plan with every step. "
        "I did the test migration on the first weekend, and we switched over a day early without any downtime."
    )
    r = report(text, "beh-difficult-customer")
    rel = r.results["structure"].relevance
    assert rel.verdict == "no" and rel.closer_questions >= 20
    assert report(text, "beh-deadline").results["structure"].relevance.verdict == "yes"


def test_a_refusal_is_no_answer():
    r = report(
        "Hmm, I can't really think of anything, to be honest. I usually just do what I'm asked and I do it well.",
        "beh-initiative",
    )
    assert r.results["structure"].relevance.verdict == "no"
    assert r.scores.overall <= feedback.FLOOR


def test_an_answer_under_a_quarter_of_the_shortest_length_is_held_at_the_floor():
    r = report("I once finished a report a day early by working over the weekend.", "beh-deadline")
    s = r.results["structure"]
    assert s.length_s < s.recommended_min_s / 4
    assert r.scores.overall <= feedback.FLOOR and "too short" in feedback.floor(r.results)


def test_a_question_of_your_own_is_judged_by_its_own_words_and_never_accused_lightly():
    """A question of your own has no topic list: an on-topic answer is "yes"; general talk
    is "partly" (the known limit: WordLlama puts "learning to play the guitar" near
    "learn a new programming language", so the hobbies answer is not called off-topic)."""
    q = resolve_question(
        list(BANK.values()), "Tell me about a time you had to learn a new programming language quickly."
    )
    on = (
        "Last spring I had to learn Rust in two weeks for a new project. I rewrote one of our small command-line "
        "tools in it, and I asked a colleague to review my code every day. The tool shipped on time."
    )
    t = transcript_of(on)
    assert (
        score_transcript(audio_for(t), t, question=q, speech_s=t.duration_s).results["structure"].relevance.verdict
        == "yes"
    )
    t = transcript_of(HOBBIES)
    assert score_transcript(audio_for(t), t, question=q, speech_s=t.duration_s).results[
        "structure"
    ].relevance.verdict in ("partly", "no")


def test_tips_come_in_a_coachs_order_with_their_reason_in_json():
    # a story with no result, short, with fillers: the missing result comes before length and delivery
    text = (
        "Um, so at university we had a group project, um, a mobile app, and it was due at the end of term. "
        "Uh, two people in the group kind of disappeared in the last month, so I had to pick up their parts. "
        "I made a list of what was left and, um, I did the login screens and the database over a weekend."
    )
    r = report(text, "beh-deadline")
    ranks = [t.rank for t in r.tips]
    assert ranks == sorted(ranks), r.tips
    assert "result" in r.tips[0].message and r.tips[0].rank == 1
    obj = report_to_dict(r)
    assert all(t["reason"] and isinstance(t["rank"], int) for t in obj["tips"])
    assert obj["tips"][0]["reason"].startswith("a missing story part or result")


def test_a_wrap_up_after_the_result_keeps_the_result():
    text = FAILURE_STORY + " Um, so, yeah, that is basically it."
    r = report(text, "beh-failure")
    s = r.results["structure"]
    assert [p.present for p in s.star if p.part == "result"] == [True]
    assert not feedback.contradictions(r.results, r.tips)
    assert not any("finish with the outcome" in t.message.lower() for t in r.tips)


def test_an_opening_of_fillers_and_one_word_stalls():
    r = report(
        "Uh, so, deadlines, yeah. I mean, I was working on a launch last spring and we had two weeks left.",
        "beh-deadline",
    )
    s = r.results["structure"]
    assert not s.direct_opening and "one word" in s.opening_note


def test_contradictions_are_found():
    r = report(FAILURE_STORY, "beh-failure")
    bad = (
        Tip("structure", "Finish with the outcome, with a number if you can, and what you learned.", rank=1),
        Tip("pacing", "You spoke at 108 wpm; aim for 130-160.", (Evidence(1.0, 2.0, "96 wpm over this minute"),)),
    )
    found = feedback.contradictions(r.results, bad)
    assert len(found) == 2 and "a result was found" in found[0] and "108" in found[1]


@pytest.mark.model  # the pitch network over about two hours of audio: out of the quick loop
@pytest.mark.parametrize("part", range(4))
def test_no_tip_contradicts_its_report_on_the_labelled_set(part):
    """Every answer of the labelled set (clean and with transcription errors), scored; in
    four parts, so that parallel runs share them."""
    sys.path.insert(0, str(ROOT / "benchmarks" / "content"))
    from dataset import load_all
    from evaluate import transcript_and_audio

    clean, noisy = load_all()
    found = []
    for a in (clean + noisy)[part::4]:
        t, audio, _ = transcript_and_audio(a)
        r = score_transcript(audio, t, question=BANK[a.question], speech_s=t.duration_s)
        found += [f"{a.id}: {c}" for c in feedback.contradictions(r.results, r.tips)]
    assert len(clean) >= 130 and not found, found


@pytest.mark.parametrize("per_min", [0.0, 0.5, 1.0, 2.0, 4.0, 9.5, 20.0, 60.0])
def test_the_filler_score_falls_with_every_filler_and_never_reaches_zero(per_min):
    r = fillers.Scoring()

    def at(rate: float) -> int:
        return fillers.score(fillers.FillersResult(1, 1, 0, rate, 0.1, {}, ()), r)

    assert at(per_min) > 0
    if per_min - 2 > r.free_per_min:
        assert at(per_min) < at(per_min - 2)
    assert at(1.0 + r.half_points_extra_per_min) == 50
    assert 35 <= at(9.5) <= 45  # 6 fillers in 38 s


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("So in my last job we had a report due.", ["so"]),
        ("Um, yeah, so, I was working in a phone shop.", ["so"]),
        ("My job was the payments. So I split the work into pieces.", []),
        ("We shipped it on time, so yeah.", ["so"]),
        ("What I mean is that our habits went overnight.", []),
        ("It's the kind of place where, um, I mean, where people want to work.", ["i mean"]),
        ("I fixed it later I mean I had moved to another team by then.", ["i mean"]),
        ("A database index is like the index at the back of a book.", []),
        ("I put the risky ones, like the card provider, at the start.", []),
        ("It was, like, too descriptive, you know.", ["like", "you know"]),
    ],
)
def test_discourse_fillers_by_what_they_do(text, expected):
    t = transcript_of(text)
    found = [e.filler for e in fillers.analyse(t, audio_for(t)).events if e.kind == "discourse"]
    assert found == expected


def test_the_embeddings_load_without_the_network(monkeypatch):
    from voicecoach.analysers import embeddings

    embeddings.model.cache_clear()

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError("no network in this test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    v = embeddings.embed(["a time I failed", "my weekend hobbies"])
    assert v.shape == (2, 256) and abs(float((v[0] ** 2).sum()) - 1) < 1e-5


def test_every_bank_question_has_topic_words():
    assert all(len(q.topic) >= 5 for q in BANK.values())


def test_loading_the_embeddings_leaves_logging_as_it_was():
    """wordllama calls logging.basicConfig when imported; the root logger must not change
    (it would print voicecoach's warnings twice on stderr). In a fresh process, where the
    root logger has no handler for basicConfig to find."""
    import subprocess

    code = (
        "import logging; from voicecoach.analysers import embeddings; embeddings.embed(['a test']); r = "
        "logging.getLogger(); print(len(r.handlers), r.level)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert proc.stdout.split() == ["0", str(logging.WARNING)], proc.stdout


def test_the_floor_is_the_first_thing_the_html_page_shows_in_chromium(browser, tmp_path):
    from tests.conftest import open_page
    from voicecoach.present.html_report import render_html

    page_path = tmp_path / "r.html"
    page_path.write_text(render_html(report(HOBBIES, "beh-failure"), audio=None), encoding="utf-8")
    page, _requests, dialogs = open_page(browser, page_path)
    floor_box = page.locator("#floor").bounding_box()
    scores_box = page.locator("#scores").bounding_box()
    assert page.locator("#floor").is_visible() and floor_box["y"] < scores_box["y"]
    assert page.inner_text("#floor").startswith("This does not answer the question")
    assert page.locator("#tips li").first.inner_text().startswith("structure: This does not answer the question")
    assert dialogs == []
    page.close()
    fine = tmp_path / "fine.html"
    fine.write_text(render_html(report(FAILURE_STORY, "beh-failure"), audio=None), encoding="utf-8")
    page, _requests, _dialogs = open_page(browser, fine)
    assert page.locator("#floor").count() == 0
    page.close()


@pytest.mark.model
def test_spoken_answers_rank_by_content_and_fillers_cost(tmp_path):
    """Two labelled answers to "a time you had a conflict" (a coach's grade 5 and grade 2,
    benchmarks/content/), spoken by espeak-ng near 145 words a minute and scored from the
    audio: the strong story scores well above the weak one; the same strong story with an
    um or uh every 6 words scores lower, and still above the weak one said cleanly (content
    decides most)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.path.insert(0, str(ROOT / "samples"))
    from bench_spoken import script
    from dataset import load
    from synth import render

    from voicecoach.scoring.pipeline import score_file
    from voicecoach.settings.config import Settings

    answers = {a.id: a for a in load(ROOT / "benchmarks" / "content" / "answers.txt")}
    strong, weak = answers["conflict-strong"], answers["conflict-weak"]
    assert (strong.grade, weak.grade) == (5, 2)
    overall = {}
    for name, answer, every in (("strong", strong, 0), ("strong-um", strong, 6), ("weak", weak, 0)):
        wav = tmp_path / f"{name}.wav"
        render(script(answer, every), wav, voice="en-us", rate_wpm=110)
        report = score_file(wav, settings=Settings(), question=BANK["beh-conflict"])
        overall[name] = report.scores.overall
    assert overall["strong"] >= overall["weak"] + 15, overall
    assert overall["strong-um"] < overall["strong"], overall
    assert overall["strong-um"] > overall["weak"], overall


def test_a_short_answer_says_what_was_not_judged_in_every_front_end(tmp_path):
    """A 16-word answer: pace, fillers and pauses are not judged. The JSON, the terminal,
    the batch row and the HTML page all say so, and the overall is structure's alone."""
    from voicecoach.batch.run import csv_row
    from voicecoach.present.html_report import render_html
    from voicecoach.present.terminal import render_scores_and_tips

    t = transcript_of("um so last year I led the migration and uh we cut costs by thirty percent", gap_s=0.3)
    audio = audio_for(t)
    report = score_transcript(audio, t, speech_s=t.duration_s)
    assert report.scores is not None
    d = report_to_dict(report)
    assert set(d["not_judged"]) >= {"pacing", "fillers", "pauses"}
    assert "pacing" not in d["scores"] and d["scores"]["overall"] <= d["scores"]["structure"]
    out = io.StringIO()
    render_scores_and_tips(report, file=out, width=200)
    text = out.getvalue()
    assert "Not judged: Pacing, Fillers, Pauses." in text and "words are too few to judge" in text
    row = csv_row("a.wav", None, "ok", "", d)
    assert row["not_judged"].startswith("pacing: ") and "pauses: " in row["not_judged"]
    page = render_html(report, audio=None)
    assert 'id="not-judged"' in page and 'data-area="fillers"' in page
