"""The repeated-words analyser, on scripted answers whose repetitions are known."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require
from tests.helpers import audio_for, transcript_of
from voicecoach.analysers import repetition
from voicecoach.settings.config import Settings

LEANING = (
    "Obviously the release process was slow. Obviously I rebuilt the release process in a month. "
    "The team liked the release process, and obviously the release process is now the norm. "
    "At the end of the day we shipped faster. At the end of the day that matters. Obviously, at the end of the day I "
    "learned a lot."
)


def _analyse(text: str, question: str | None = None, **options) -> repetition.RepetitionResult:
    t = transcript_of(text)
    s = Settings()
    return repetition.analyse(t, audio_for(t), options=repetition.Options(**options), context=s.context(question))


def _found(r: repetition.RepetitionResult) -> dict[str, int]:
    return {x.text: x.count for x in r.repeats}


def test_the_scripted_repetitions_are_found_with_their_counts_and_times():
    r = _analyse(LEANING, question="Tell me about a project you improved.")
    assert _found(r) == {"obviously": 4, "release process": 4, "end of the day": 3}
    words = transcript_of(LEANING).words
    starts = [w.start_s for w in words if w.text.lower().strip(",.") == "obviously"]
    (obviously,) = [x for x in r.repeats if x.text == "obviously"]
    assert list(obviously.times_s) == starts
    # beyond the second use: 2 + 2 + 1
    assert r.extra_uses == 5
    assert repetition.score(r, repetition.Scoring()) == 75


def test_a_phrase_inside_a_longer_one_said_as_often_is_not_listed_again():
    r = _analyse(LEANING)
    assert not {"end of the", "of the day", "release", "process"} & set(_found(r))


def test_function_words_fillers_and_the_questions_words_do_not_count():
    text = (
        "Um, I think, you know, I think the the migration, like, the migration was, like, the migration. You know "
        "the migration, you know."
    )
    r = _analyse(text)
    assert _found(r) == {"migration": 4}  # not "the", "i", "think", "um", "you know", "like"
    asked = _analyse(text, question="Tell me about a migration you led.")
    assert asked.repeats == () and asked.extra_uses == 0
    assert repetition.score(asked, repetition.Scoring()) == 100


def test_a_word_needs_a_share_of_the_answer_as_well_as_a_count():
    def answer(other_words: int) -> str:
        others = [f"topic{i}" for i in range(other_words)]
        quarter = other_words // 4
        return ". ".join(" ".join(["customer", *others[k * quarter : (k + 1) * quarter]]) for k in range(4)) + "."

    assert _found(_analyse(answer(20))) == {"customer": 4}  # 4 of 24 content words
    assert _found(_analyse(answer(120))) == {}  # 4 of 124: under the 4 % share
    assert _found(_analyse(answer(120), min_word_share=0.0)) == {"customer": 4}


def test_a_sentence_said_again_and_again_is_one_phrase_not_many():
    text = " ".join(["The dashboard needed filters, exports, alerts and charts for each region."] * 6)
    found = _found(_analyse(text))
    assert found["dashboard needed filters exports"] == 6
    assert not [p for p in found if p != "dashboard needed filters exports" and {"needed", "filters"} & set(p.split())]


def test_the_tip_names_the_most_used_item_with_evidence():
    r = _analyse(LEANING)
    ((points, tip),) = repetition.tips(r, repetition.score(r, repetition.Scoring()), repetition.Scoring())
    assert points == 25 and tip.area == "repetition"
    # the longer of two items said as often comes first
    assert 'You said "release process" 4 times; also "obviously" x4, "end of the day" x3.' in tip.message
    assert [e.quote for e in tip.evidence] == ["release process"] * 3


def test_options_are_checked():
    with pytest.raises(ValueError, match="at least 2"):
        repetition.Options(min_phrase_count=1).check()


# ---------------------------------------------------------------- through the real model
@pytest.mark.words
@pytest.mark.model
def test_repetitions_in_a_spoken_answer(tmp_path: Path):
    """espeak-ng says the scripted answer; the model's transcript is analysed as a user's
    would be. Transcription may garble a use, so each count may be one short."""
    require("espeak-ng", "apt-get install espeak-ng")
    wav = tmp_path / "leaning.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), LEANING], check=True)
    proc = subprocess.run(
        ["python", "-m", "voicecoach", "score", "--json", "-q", "Tell me about a project you improved.", str(wav)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    found = {x["text"]: x["count"] for x in d["repetition"]["repeats"]}
    assert 3 <= found.get("obviously", 0) <= 4, found
    assert 3 <= found.get("release process", 0) <= 4, found
    assert 0 <= d["scores"]["repetition"] <= 85
    assert any(t["area"] == "repetition" for t in d["tips"]) or len(d["tips"]) == 3
