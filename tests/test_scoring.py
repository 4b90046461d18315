"""The scoring rubric: its documented examples, and every number settable from [scoring]."""

from __future__ import annotations

import dataclasses

import pytest

from tests.helpers import audio_for, transcript_of
from voicecoach.analysers import DEFAULT_ANALYSERS
from voicecoach.config import Settings, load_settings
from voicecoach.feedback import Rubric, compute_scores, make_tips, score_fillers


@dataclasses.dataclass
class _Fillers:
    per_min: float


@pytest.mark.parametrize(("per_min", "score"), [(0.0, 100), (1.0, 100), (6.0, 40), (10.0, 0)])
def test_filler_score_matches_the_documented_examples(per_min, score):
    """README: one a minute is free, six a minute scores 40."""
    assert score_fillers(_Fillers(per_min), Rubric()) == score


def _results() -> dict:
    t = transcript_of("um so last year I led the migration and uh we cut costs by thirty percent", gap_s=0.3)
    audio = audio_for(t)
    s = Settings()
    return {m.NAME: m.analyse(t, audio, options=s.options_for(m.NAME)) for m in DEFAULT_ANALYSERS}


def test_weights_decide_the_overall_score():
    results = _results()
    only_fillers = Rubric(weight_fillers=1.0, weight_structure=0.0, weight_pacing=0.0, weight_pauses=0.0)
    scores = compute_scores(results, only_fillers)
    assert scores.overall == scores.fillers
    only_pacing = dataclasses.replace(only_fillers, weight_fillers=0.0, weight_pacing=1.0)
    assert compute_scores(results, only_pacing).overall == compute_scores(results).pacing


def test_scoring_section_reaches_the_scores(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[scoring]\nfillers_free_per_min = 30\n")
    settings = load_settings(cfg, required=True)
    assert settings.scoring.fillers_free_per_min == 30.0
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
    tips = make_tips(results, compute_scores(results), long_pause_s=2.5, limit=10)
    (tip,) = [t for t in tips if t.area == "pauses"]
    assert "1 more time(s) for 2.5 s or more" in tip.message
