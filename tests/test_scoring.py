"""The scoring rubric: its documented examples, and every number settable from [scoring]."""

from __future__ import annotations

import dataclasses

import pytest

from tests.helpers import audio_for, transcript_of
from voicecoach.analysers import BUILTIN, fillers
from voicecoach.analysers.feedback import Rubric, compute_scores, make_tips
from voicecoach.settings.config import Settings, load_settings


@dataclasses.dataclass
class _Fillers:
    per_min: float


@pytest.mark.parametrize(("per_min", "score"), [(0.0, 100), (1.0, 100), (4.0, 67), (7.0, 50), (9.5, 41), (20.0, 24)])
def test_filler_score_matches_the_documented_examples(per_min, score):
    """docs/scoring.md: one a minute is free, half the points go at seven a minute, and
    the score keeps falling but never reaches 0."""
    assert fillers.score(_Fillers(per_min), fillers.Scoring()) == score


def _results() -> dict:
    t = transcript_of("um so last year I led the migration and uh we cut costs by thirty percent", gap_s=0.3)
    audio = audio_for(t)
    s = Settings()
    return {m.NAME: m.analyse(t, audio, options=s.options_for(m.NAME), context=s.context()) for m in BUILTIN}


def test_weights_decide_the_overall_score():
    results = _results()
    only_fillers = Rubric().weighted(fillers=1.0, structure=0.0, pacing=0.0, pauses=0.0)
    scores = compute_scores(results, only_fillers)
    assert scores.overall == scores.fillers
    only_pacing = only_fillers.weighted(fillers=0.0, pacing=1.0)
    assert compute_scores(results, only_pacing).overall == compute_scores(results).pacing


def test_the_default_weights_are_the_documented_ones():
    """docs/scoring.md: structure 0.5, fillers 0.2, pacing 0.15, pauses 0.15; delivery and
    repetition are shown but not in the overall score."""
    assert dict(Rubric().weights) == {
        "pacing": 0.15,
        "fillers": 0.2,
        "pauses": 0.15,
        "structure": 0.5,
        "delivery": 0.0,
        "repetition": 0.0,
    }


def test_overall_of_a_subset_of_analysers_uses_their_weights_scaled():
    results = _results()
    full = compute_scores(results)
    part = compute_scores({k: results[k] for k in ("fillers", "pauses")})
    assert set(part.parts) == {"fillers", "pauses"}
    assert part.overall == round((0.2 * full.fillers + 0.15 * full.pauses) / 0.35)


def test_scoring_section_reaches_the_scores(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[scoring]\nfillers_free_per_min = 30\nweight_repetition = 0.1\nweight_structure = 0.4\n")
    settings = load_settings(cfg, required=True)
    assert settings.scoring.part("fillers").free_per_min == 30.0
    assert settings.scoring.weights["repetition"] == 0.1 and settings.scoring.weights["structure"] == 0.4
    results = _results()
    assert results["fillers"].per_min > 1  # two fillers in a few seconds
    assert compute_scores(results).fillers < 100 == compute_scores(results, settings.scoring).fillers


def test_long_pause_wording_follows_the_setting():
    results = _results()
    pauses = dataclasses.replace(
        results["pauses"],
        long_count=2,
        events=tuple(dataclasses.replace(e, long=True, duration_s=3.0) for e in results["pauses"].events[:2]),
    )
    results = {**results, "pauses": pauses}
    pauses = dataclasses.replace(pauses, long_pause_s=2.5)  # the threshold in force travels in the result
    results = {**results, "pauses": pauses}
    tips = make_tips(results, compute_scores(results), limit=10)
    (tip,) = [t for t in tips if t.area == "pauses"]
    assert "and 1 more time for 2.5 s or more" in tip.message


def _results_of(text: str, **kw) -> dict:
    t = transcript_of(text, **kw)
    audio = audio_for(t)
    s = Settings()
    return {m.NAME: m.analyse(t, audio, options=s.options_for(m.NAME), context=s.context()) for m in BUILTIN}


LONG = (
    "last year I led the migration of our billing system to a new provider and um my job was to keep every "
    "invoice right so I wrote checks that ran each night and in the end we cut costs by thirty percent"
)


def test_too_few_words_leave_pace_fillers_and_pauses_unjudged():
    """16 words (under MIN_JUDGED_WORDS): no score, no tip and no share of the overall for
    the three rates; the overall is structure's alone, and says why the others are missing."""
    from voicecoach.analysers.feedback import MIN_JUDGED_WORDS, not_judged

    results = _results_of("um so last year I led the migration and uh we cut costs by thirty percent", gap_s=0.3)
    assert results["pacing"].words < MIN_JUDGED_WORDS
    why = not_judged(results)
    assert set(why) >= {"pacing", "fillers", "pauses"}
    assert f"{results['pacing'].words} words are too few" in why["pacing"]
    scores = compute_scores(results, unjudged=why)
    assert "pacing" not in scores.parts and "fillers" not in scores.parts and "pauses" not in scores.parts
    assert scores.overall == scores.structure
    assert scores.not_judged == why
    assert not [t for t in make_tips(results, scores, limit=10) if t.area in ("pacing", "fillers", "pauses")]


def test_enough_words_are_judged_and_a_doubtful_transcript_is_not():
    from voicecoach.analysers.feedback import DOUBTFUL_MEDIAN_PROBABILITY, not_judged

    results = _results_of(LONG)
    assert results["pacing"].words >= 20
    assert not {"pacing", "fillers", "pauses"} & set(not_judged(results, median_word_probability=0.9))
    doubt = not_judged(results, median_word_probability=DOUBTFUL_MEDIAN_PROBABILITY - 0.05)
    assert set(doubt) & {"pacing", "fillers", "pauses"} == {"pacing", "fillers"}  # pauses come from the audio
    assert "in doubt" in doubt["pacing"]
    full, judged = compute_scores(results), compute_scores(results, unjudged=doubt)
    weights = {"pauses": 0.15, "structure": 0.5}
    expected = sum(w * full.parts[n] for n, w in weights.items()) / sum(weights.values())
    assert judged.overall == round(expected)
