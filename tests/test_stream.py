"""The pieces a take is cut into while it is recorded, the live cue, questions by text,
and the comparison of two takes: the parts of the practice loop that need no model."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import tone_audio, transcript_of
from voicecoach.analysers.base import OVERALL
from voicecoach.core.questions import load_bank, resolve_question
from voicecoach.practice.progress import compare
from voicecoach.scoring.stream import CUE_FAST, CUE_FILLERS, StreamOptions, find_cut, live_cue
from voicecoach.settings.config import Settings

SR = 16000


def _speech(spans: list[tuple[float, float]], duration_s: float) -> np.ndarray:
    return tone_audio(spans, duration_s, noise_db=-70).samples


def test_a_piece_is_cut_in_the_middle_of_its_first_pause_after_the_minimum():
    # sound 0-3.0, pause 3.0-3.5 (too early), sound 3.5-5.0, pause 5.0-5.6, sound 5.6-9
    y = _speech([(0.0, 3.0), (3.5, 5.0), (5.6, 9.0)], 9.0)
    cut = find_cut(y, 0, len(y), options=StreamOptions(min_piece_s=4.0, cut_pause_s=0.3), floor_db=-50)
    assert cut is not None and 5.0 <= cut / SR <= 5.6  # inside the silence: no word is split
    assert find_cut(y, 0, int(3.9 * SR), options=StreamOptions(min_piece_s=4.0), floor_db=-50) is None  # too short yet


def test_a_piece_without_a_pause_waits_then_is_cut_at_its_quietest_moment():
    y = _speech([(0.0, 40.0)], 40.0)
    y[int(25.0 * SR) : int(25.2 * SR)] *= 0.05  # a dip, not a pause
    options = StreamOptions(min_piece_s=4.0, max_piece_s=28.0)
    assert find_cut(y, 0, int(20 * SR), options=options, floor_db=-50) is None
    cut = find_cut(y, 0, int(28 * SR), options=options, floor_db=-50)
    assert cut is not None and 24.9 <= cut / SR <= 25.3


def test_the_live_cue_is_one_of_two_and_needs_a_reason():
    s = Settings()
    calm = transcript_of("So last year I led the migration and we shipped it on time", word_s=0.4, gap_s=0.2)
    assert live_cue(list(calm.words), 8.0, settings=s) is None
    hesitant = transcript_of("um so I uh led the er migration", word_s=0.4, gap_s=0.2)
    assert live_cue(list(hesitant.words), 5.0, settings=s) == CUE_FILLERS
    fast = transcript_of(" ".join(["word"] * 70), word_s=0.2, gap_s=0.05)  # 70 words in 17.5 s: 240 wpm
    assert live_cue(list(fast.words), 20.0, settings=s) == CUE_FAST


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("sw-weakness", "sw-weakness"),
        ("Tell me about yourself", "mot-about-you"),
        ("what is your greatest weakness", "sw-weakness"),
    ],
)
def test_a_bank_question_by_id_or_by_its_text(value, expected):
    assert resolve_question(load_bank(include_user_dir=False), value).id == expected


def test_other_text_is_a_question_of_your_own_and_a_near_miss_id_is_an_error():
    bank = load_bank(include_user_dir=False)
    own = resolve_question(bank, "Tell me about a time you disagreed with a product manager.")
    assert own.custom and own.category == "behavioural" and own.covers == ()
    assert resolve_question(bank, "Why our payments team?").category == "general"
    with pytest.raises(Exception, match=r"question id 'sw-weaknes': no such question; did you mean sw-weakness\?"):
        resolve_question(bank, "sw-weaknes")


def _report(overall: int, fpm: float, wpm: float, structure: int) -> dict:
    return {
        "scores": {"overall": overall, "structure": structure, "pacing": 80, "fillers": 50, "pauses": 90},
        "fillers": {"per_min": fpm},
        "pacing": {"wpm": wpm, "target_min_wpm": 120.0, "target_max_wpm": 160.0},
        "pauses": {"pause_ratio": 0.2},
    }


def test_two_takes_compared_figure_by_figure_in_words():
    changes = {c.key: c for c in compare(_report(75, 3.0, 150.0, 80), _report(60, 6.0, 185.0, 80))}
    assert changes["overall.score"].verdict == "better"
    # a change within a figure's noise (measured from repeated takes) is no change
    assert {c.key: c for c in compare(_report(60 + int(OVERALL.noise), 3.0, 150.0, 80), _report(60, 6.0, 185.0, 80))}[
        "overall.score"
    ].verdict == "same"
    assert changes["fillers.per_min"].verdict == "better"  # fewer fillers
    assert changes["pacing.wpm"].verdict == "better"  # into the band
    assert changes["structure.score"].verdict == "same"
    assert compare(_report(55, 6.0, 100.0, 70), _report(70, 3.0, 130.0, 80))[0].verdict == "worse"
    worse_pace = {c.key: c for c in compare(_report(60, 6.0, 100.0, 70), _report(70, 3.0, 130.0, 80))}["pacing.wpm"]
    assert worse_pace.verdict == "worse"  # out of the band
