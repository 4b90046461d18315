"""Feedback you can trust: every tip template is a sentence, a tip's evidence supports its
claim and its counts add up, and every score moves smoothly with its measure."""

from __future__ import annotations

import dataclasses
import re

import pytest

from tests.helpers import audio_for, transcript_of
from voicecoach.analysers import BUILTIN, Analyser, delivery, fillers, pacing, pauses, repetition, structure
from voicecoach.analysers.feedback import compute_scores, make_tips
from voicecoach.analysers.pacing import PacingResult, Window
from voicecoach.analysers.relevance import Relevance
from voicecoach.core.datatypes import Tip, join_words
from voicecoach.core.questions import load_bank
from voicecoach.settings.config import Settings

# -- every template, rendered --------------------------------------------------------------

#: The finite verbs and imperatives the templates use. The rule a tip must pass: each of
#: its sentences starts with a capital letter (or a quote), ends with a full stop,
#: question or exclamation mark, and holds one of these verbs; no space before
#: punctuation, no "(s)", no word said twice in a row.
VERBS = frozenset(
    """was were is are did used paused took ran drifted said covers touch opens stalls has trails ends closes keep
    slow pick finish start bridge plan add cut stress let say aim open describe makes sounds pause use rehearse
    breathe varied tell give back asks talks showed""".split()
)


def check_sentences(message: str) -> None:
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z\"“(])", message.strip())
    for s in sentences:
        assert s[0].isupper() or s[0] in '"“(', f"does not start with a capital: {s!r} in {message!r}"
        assert s.endswith((".", "!", "?")), f"does not end a sentence: {s!r}"
        words = re.findall(r"[a-z']+", s.lower())
        assert VERBS & set(words), f"no verb: {s!r}"
        assert not re.search(r"\s[,.;:!?]", s), f"space before punctuation: {s!r}"
        assert "(s)" not in s, s
        assert not re.search(r"\b(\w+) \1\b", s.lower()), f"a word twice: {s!r}"


def _analysed(text: str, *, question_id: str | None = None, **kw) -> dict:
    t = transcript_of(text, **kw)
    audio = audio_for(t)
    s = Settings()
    q = next((q for q in load_bank(include_user_dir=False) if q.id == question_id), None)
    ctx = s.context(q)
    return {m.NAME: m.analyse(t, audio, options=s.options_for(m.NAME), context=ctx) for m in BUILTIN}


def _tips(results: dict) -> list[Tip]:
    return list(make_tips(results, compute_scores(results), limit=20))


def _variants() -> list[tuple[str, list[Tip]]]:
    """Answers built to fire every tip template at least once."""
    out = []
    rambling = _analysed(
        "Um, that's a good question, let me think. Um so uh there was a project and, like, we, you know, did some "
        "things "
        "and, um, basically it was, like, fine and, uh, I mean, sort of okay and stuff, so yeah",
        question_id="beh-deadline",
        gap_s=0.05,
    )
    # the rambling answer says nothing about a deadline: the relevance tip alone, first
    out.append(("off topic", _tips(rambling)))
    on_topic = dataclasses.replace(rambling["structure"], relevance=Relevance("yes", "it is about what was asked"))
    partly = dataclasses.replace(rambling["structure"], relevance=Relevance("partly", "it talks in general"))
    out.append(("partly", _tips({**rambling, "structure": partly})))
    rambling = {**rambling, "structure": on_topic}
    out.append(("rambling", _tips(rambling)))
    p = rambling["pacing"]
    fast_windows = tuple(dataclasses.replace(w, wpm=185.0) for w in p.windows) or (Window(0, 10, 31, 185.0),)
    fast = dataclasses.replace(
        p, wpm=185.0, fluent_wpm=185.0, windows=fast_windows, stretches=(pacing.Stretch(0.0, 10.0, 185.0, "fast"),)
    )
    out.append(("fast", _tips({**rambling, "pacing": fast})))
    slow = dataclasses.replace(
        p,
        wpm=80.0,
        fluent_wpm=80.0,
        windows=tuple(dataclasses.replace(w, wpm=80.0) for w in p.windows) or (Window(0, 10, 13, 80.0),),
    )
    slow = dataclasses.replace(slow, stretches=(pacing.Stretch(0.0, 10.0, 80.0, "slow"),))
    out.append(("slow", _tips({**rambling, "pacing": slow})))
    # rushed words slowed into the band by fillers: judged by the pace of the words
    rushed = dataclasses.replace(
        p, wpm=150.0, fluent_wpm=190.0, windows=fast_windows, stretches=(pacing.Stretch(0.0, 10.0, 185.0, "fast"),)
    )
    out.append(("rushed between fillers", _tips({**rambling, "pacing": rushed})))
    drift = dataclasses.replace(p, wpm=140.0, fluent_wpm=142.0, stretches=(pacing.Stretch(10.0, 20.0, 175.0, "fast"),))
    out.append(("drift", _tips({**rambling, "pacing": drift})))
    pa = rambling["pauses"]
    for n in (1, 2, 4):
        events = tuple(pauses.Pause(2.0 + 5 * i, 5.0 + 5 * i, 3.0, "between_sentences", "so", True) for i in range(n))
        out.append(
            (
                f"{n} long pauses",
                _tips({**rambling, "pauses": dataclasses.replace(pa, long_count=len(events), events=events)}),
            )
        )
    out.append(
        (
            "hesitation",
            _tips({**rambling, "pauses": dataclasses.replace(pa, long_count=0, events=(), time_to_first_word_s=6.0)}),
        )
    )
    st = rambling["structure"]
    out.append(
        ("long", _tips({**rambling, "structure": dataclasses.replace(st, length_s=400.0, length_verdict="long")}))
    )
    out.append(
        ("ends on a filler", _tips({**rambling, "structure": dataclasses.replace(st, ending_note="ends on a filler")}))
    )
    out.append(
        (
            "no result",
            _tips({**rambling, "structure": dataclasses.replace(st, ending_note="ends without a result or a lesson")}),
        )
    )
    out.append(
        (
            "fillers only",
            _tips(
                {
                    **rambling,
                    "structure": dataclasses.replace(st, opening_note="has only fillers before the first full stop"),
                }
            ),
        )
    )
    found = tuple(dataclasses.replace(x, present=True) for x in st.star)
    out.append(("short, all four parts", _tips({**rambling, "structure": dataclasses.replace(st, star=found)})))
    result = tuple(dataclasses.replace(x, present=x.part == "result") for x in st.star)
    out.append(("result found, trails off", _tips({**rambling, "structure": dataclasses.replace(st, star=result)})))
    other = dataclasses.replace(st, star_applies=False, covers=(), question_type="motivation")
    out.append(("short, not a story", _tips({**rambling, "structure": other})))
    d = rambling["delivery"]
    out.append(
        ("monotone", _tips({**rambling, "delivery": dataclasses.replace(d, monotone=True, pitch_spread_st=0.8)}))
    )
    leaning = _analysed(
        "Obviously the release process mattered. Obviously I fixed the release process first. The release process was "
        "obviously slow, "
        "and the release process obviously needed tests, and the pipeline and the pipeline and the pipeline and the "
        "dashboard and the dashboard and the dashboard failed.",
        question_id="beh-deadline",
    )
    out.append(("repetition", _tips(leaning)))
    return out


@pytest.fixture(scope="module")
def variants() -> list[tuple[str, list[Tip]]]:
    return _variants()


def test_every_tip_template_is_fired_and_is_made_of_sentences(variants):
    seen = set()
    for name, tips in variants:
        for tip in tips:
            check_sentences(tip.message)
            seen.add(tip.area)
            seen.add(tip.message.split()[0] + " " + tip.message.split()[1])
        assert tips, name
    messages = " | ".join(t.message for _, tips in variants for t in tips)
    # each template, by a phrase only it writes
    for phrase in (
        "above the 120-160 band",
        "below the 120-160 band",
        "leaving out the time of your fillers (150 with them)",
        "Your pace drifted up",
        "filler words (",
        "You paused for 3.0 s",
        "and 1 more time for",
        "and 3 more times for",
        "s to start",
        "did not clearly state",
        "aim for 60-120 s",
        "Cut the background",
        "Your opening stalls",
        "Your opening has only fillers",
        "A strong answer here covers",
        "Your answer trails off.",
        "Your answer ends on a filler.",
        "Your answer ends without a result or a lesson.",
        "Your pitch varied little",
        "times; also",
        "This does not answer the question asked",
        "one real story from your past",
        "Each part of the story is there",
        "Tell the",
        "Back your answer with one specific example",
        "You stated the result earlier",
    ):
        assert phrase in messages, phrase


def test_the_rule_catches_the_broken_templates_issue_14_found():
    for broken in (
        "Your answer no clear close.",
        "You paused for 3 s and 1 more time(s).",
        "it was slow.",
        "Slow down .",
    ):
        with pytest.raises(AssertionError):
            check_sentences(broken)


def test_counts_in_a_tip_add_up_to_the_totals(variants):
    for _, tips in variants:
        for tip in (t for t in tips if t.area == "fillers"):
            count = int(re.search(r"You used (\d+) filler", tip.message).group(1))
            listed = sum(int(n) for n in re.findall(r"x(\d+)", tip.message))
            others = re.search(r"and (\d+) more \(\d+ other kind", tip.message)
            assert listed + (int(others.group(1)) if others else 0) == count, tip.message
            assert len(tip.evidence) + tip.more == count
    # the rambling answer has more kinds of filler than the tip lists
    rambling = dict(variants)["rambling"]
    (tip,) = [t for t in rambling if t.area == "fillers"]
    assert "other kind" in tip.message and tip.more > 0


def test_a_pace_tip_cites_windows_on_the_side_it_names():
    windows = (
        Window(0, 10, 30, 180.0),
        Window(10, 20, 17, 100.0),
        Window(20, 30, 30, 178.0),
        Window(30, 40, 30, 185.0),
    )
    stretches = (
        pacing.Stretch(0, 10, 180.0, "fast"),
        pacing.Stretch(10, 20, 100.0, "slow"),
        pacing.Stretch(20, 40, 181.5, "fast"),
    )
    p = PacingResult(110, 40.0, 165.0, 180.0, 120.0, 160.0, windows, stretches)
    ((_, tip),) = pacing.tips(p, pacing.score(p, pacing.Scoring()), pacing.Scoring())
    assert "above the 120-160 band" in tip.message
    assert tip.evidence and all(float(e.quote.split()[0]) > 160 for e in tip.evidence)
    slow = dataclasses.replace(p, wpm=112.0)
    ((_, tip),) = pacing.tips(slow, pacing.score(slow, pacing.Scoring()), pacing.Scoring())
    assert "below" in tip.message and [e.quote for e in tip.evidence] == ["100 wpm"]


def test_a_tip_lists_at_most_three_moments_and_says_how_many_more():
    text = " ".join(["um I think"] * 8)
    results = _analysed(text)
    (tip,) = [t for t in _tips(results) if t.area == "fillers"]
    assert len(tip.evidence) == 3 and tip.more == results["fillers"].count - 3


# -- scores without cliffs -----------------------------------------------------------------


def _max_step(values: list[int]) -> int:
    return max(abs(b - a) for a, b in zip(values, values[1:], strict=False))


def test_the_pace_score_has_no_cliff_at_the_band():
    """Issue 14: one wpm over the band cost 26 points."""
    r = pacing.Scoring()

    def at(wpm: float, spread: float) -> int:
        ws = tuple(Window(10 * i, 10 * (i + 1), 25, wpm + spread * (i - 2)) for i in range(5))
        return pacing.score(PacingResult(125, 50.0, wpm, wpm, 120.0, 160.0, ws), r)

    for spread in (0.0, 5.0, 15.0):
        scores = [at(100 + 0.5 * i, spread) for i in range(240)]
        assert _max_step(scores) <= 3, spread
    assert at(160, 5.0) - at(161, 5.0) <= 4


def test_the_long_pause_score_ramps_through_the_threshold():
    base = _analysed("so I started the project and then I finished it early", gap_s=0.3)["pauses"]
    event = dataclasses.replace(base.events[0], long=False)

    def at(d: float) -> int:
        e = dataclasses.replace(event, duration_s=d, long=d >= base.long_pause_s)
        return pauses.score(
            dataclasses.replace(base, events=(e,), long_count=int(e.long), pause_ratio=0.1, time_to_first_word_s=0.5),
            pauses.Scoring(),
        )

    scores = [at(1.0 + 0.05 * i) for i in range(60)]
    assert _max_step(scores) <= 2 and scores[0] == 100 and scores[-1] == 85


def test_the_length_score_ramps_outside_the_range():
    s = _analysed("Last year I led the migration and we finished early.", question_id="beh-deadline")["structure"]
    r = structure.Scoring()
    scores = [structure.score(dataclasses.replace(s, length_s=10 + 0.5 * i), r) for i in range(500)]
    assert _max_step(scores) <= 2
    in_range = structure.score(dataclasses.replace(s, length_s=90.0), r)
    assert structure.score(dataclasses.replace(s, length_s=59.0), r) >= in_range - 2


def test_the_filler_score_is_linear_above_the_free_rate():
    scores = [
        fillers.score(dataclasses.replace(_analysed("um so")["fillers"], per_min=0.05 * i), fillers.Scoring())
        for i in range(300)
    ]
    assert _max_step(scores) <= 1


def test_unscored_and_discrete_measures_are_documented_as_such():
    """delivery gives no score; repetition's measure is a count (5 points per extra use)."""
    assert not Analyser.of(delivery).scored
    assert repetition.Scoring().points_per_extra_use == 5.0


# -- transcript text -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pieces", "text"),
    [
        (["a", "one", "-to", "-one", "check", "-in"], "a one-to-one check-in"),
        (["it", "'s", "fine"], "it's fine"),
        (["I", "didn't", "expect", "20", "%."], "I didn't expect 20%."),
        (["$", "50", ",000", "-", "then"], "$50,000 - then"),
        (["well-", "known"], "well-known"),
    ],
)
def test_word_pieces_are_joined_as_whisper_wrote_them(pieces, text):
    assert join_words(pieces) == text
