"""Analysers on hand-built transcripts and synthetic signals with known truth."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import audio_for, tone_audio, transcript_of, words_from
from tests.pitch_truth import known_pitch_voice
from voicecoach.analysers import AnswerContext, delivery, fillers, pacing, pauses, structure
from voicecoach.asr.alignment import merge_fillers
from voicecoach.audio.decode import validate_samples
from voicecoach.core.datatypes import Transcript, Word
from voicecoach.settings.config import Settings


# ---------------------------------------------------------------- pacing
def test_wpm_excludes_vocal_fillers_and_uses_the_word_span():
    # 20 words + 4 "um"; each word 0.3 s with 0.1 s gaps: span = 24 * 0.4 - 0.1 = 9.5 s
    text = " ".join(["word"] * 5 + ["um"] + ["word"] * 5 + ["uh"] + ["word"] * 5 + ["um"] + ["word"] * 5 + ["hmm"])
    tr = transcript_of(text)
    r = pacing.analyse(tr, audio_for(tr))
    assert r.words == 20
    assert r.wpm == pytest.approx(20 / (9.5 / 60), rel=0.01)


def test_articulation_rate_leaves_out_pauses():
    words = words_from("one two three four five six") + words_from("seven eight nine ten", start_s=5.4)
    tr = Transcript(words, 7.5, "en")
    r = pacing.analyse(tr, audio_for(tr))
    span = words[-1].end_s - words[0].start_s  # 6.9 s
    pause = 5.4 - words[5].end_s  # 3.1 s of silence
    assert r.wpm == pytest.approx(10 / (span / 60), rel=0.02)
    assert r.articulation_wpm == pytest.approx(10 / ((span - pause) / 60), rel=0.03)


def test_fast_and_slow_stretches_against_the_band():
    fast = words_from(" ".join(["w"] * 40), word_s=0.2, gap_s=0.05)  # 240 wpm for 10 s
    slow = words_from(" ".join(["w"] * 12), start_s=10.5, word_s=0.5, gap_s=0.35)  # ~85 wpm
    tr = Transcript(fast + slow, 22.0, "en")
    r = pacing.analyse(tr, audio_for(tr), options=pacing.Options(window_s=10.0))
    kinds = [s.kind for s in r.stretches]
    assert kinds == ["fast", "slow"], r.windows


# ---------------------------------------------------------------- fillers
# the stand-in audio of these transcripts is pure tone, which the acoustic pass would
# rightly call held sounds; the rules on the transcript are tested on their own
TRANSCRIPT_ONLY = fillers.Options(acoustic=False)
HELD = fillers.Options(acoustic=True)  # the held-sound pass, off by default since re-listening


def _speechlike(t: np.ndarray) -> np.ndarray:
    """A sound that keeps changing: pitch and a formant-like resonance glide fast."""
    f0 = 120 + 40 * np.sin(2 * np.pi * 3.0 * t)
    ph = 2 * np.pi * np.cumsum(f0) / 16_000
    formant = 1 + 0.9 * np.sin(2 * np.pi * 7.0 * t)
    return 0.2 * (np.sin(ph) + 0.6 * formant * np.sin(3 * ph) + 0.4 * (2 - formant) * np.sin(7 * ph))


def test_acoustic_pass_finds_a_held_sound_the_transcript_missed():
    sr = 16_000
    t = np.arange(int(6.0 * sr)) / sr
    y = np.zeros_like(t)
    speech = ((t > 0.5) & (t < 2.0)) | ((t > 3.2) & (t < 5.0))
    y[speech] = _speechlike(t)[speech]
    held = (t > 2.2) & (t < 2.8)  # a 600 ms "uhhh": steady pitch and spectrum
    y[held] = 0.2 * (
        np.sin(2 * np.pi * 110 * t[held])
        + 0.5 * np.sin(2 * np.pi * 220 * t[held])
        + 0.3 * np.sin(2 * np.pi * 330 * t[held])
    )
    # full-band like a microphone: speech carries fricative noise above 4 kHz ("s", "sh")
    from scipy.signal import butter, sosfilt

    hiss = sosfilt(butter(4, 4500, btype="high", fs=sr, output="sos"), np.random.default_rng(3).normal(0, 0.05, len(y)))
    y[speech] += hiss[speech]
    audio = validate_samples(y.astype(np.float32), source="synthetic")
    words = (
        Word("We", 0.5, 0.9, 0.9),
        Word("shipped", 0.9, 2.0, 0.9),
        Word("it", 3.2, 3.6, 0.9),
        Word("today.", 3.6, 5.0, 0.9),
    )
    r = fillers.analyse(Transcript(words, 6.0, "en"), audio, options=HELD)
    acoustic = [e for e in r.events if e.source == "acoustic"]
    assert len(acoustic) == 1, r.events
    assert acoustic[0].start_s == pytest.approx(2.2, abs=0.1) and acoustic[0].end_s == pytest.approx(2.8, abs=0.1)
    assert acoustic[0].kind == "vocal" and r.vocal_count == 1
    # a held sound the transcript already has as a filler is not counted twice
    words_with_uh = (*words[:2], Word("uh", 2.2, 2.8, 0.8), *words[2:])
    r2 = fillers.analyse(Transcript(words_with_uh, 6.0, "en"), audio, options=HELD)
    assert [e.source for e in r2.events] == ["transcript"]
    assert not fillers.analyse(Transcript(words, 6.0, "en"), audio, options=TRANSCRIPT_ONLY).events
    assert not fillers.analyse(Transcript(words, 6.0, "en"), audio).events  # off by default
    # band-limited to 3.4 kHz like a telephone or radio line: the pass stands down
    from scipy.signal import butter, sosfilt

    phone = validate_samples(
        sosfilt(butter(8, 3400, fs=sr, output="sos"), audio.samples).astype(np.float32), source="phone"
    )
    assert not [
        e for e in fillers.analyse(Transcript(words, 6.0, "en"), phone, options=HELD).events if e.source == "acoustic"
    ]


def test_dedupe_keeps_one_filler_where_both_passes_heard_it():
    from voicecoach.asr.alignment import dedupe_fillers

    words = [
        Word("know,", 0.7, 1.18, 0.9),
        Word("um", 1.18, 1.74, 0.8, "filler"),
        Word("erm,", 1.72, 1.74, 0.6),
        Word("we", 1.74, 1.96, 0.9),
    ]
    assert [w.text for w in dedupe_fillers(words)] == ["know,", "erm,", "we"]
    run = [
        Word("plan.", 38.0, 38.5, 0.9),
        Word("uh", 38.5, 38.6, 0.5, "filler"),
        Word("uh", 38.6, 38.62, 0.5, "filler"),
        Word("uh", 38.62, 38.7, 0.5, "filler"),
    ]
    assert [w.text for w in dedupe_fillers(run)] == ["plan.", "uh"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I like Python a lot.", []),
        ("It was, like, a huge project.", ["like"]),
        ("That is like exactly right.", ["like"]),
        ("Tools like Docker help.", []),
        ("I would like to join.", []),
        ("What kind of tool do you use?", []),
        ("It was kind of hard.", ["kind of"]),
        ("Turn right at the corner.", []),
        ("We shipped it, right?", ["right"]),
        ("So, um, we started.", ["so", "um"]),
        ("So we had six weeks.", ["so"]),  # the answer's first word links to nothing (LABELLING.md)
        ("The launch moved. So we had six weeks.", []),  # "and therefore"
        ("You know, it was hard.", ["you know"]),
        ("Do you know what happened?", []),
        ("Basically I rewrote it.", ["basically"]),
        ("I basically rewrote it.", []),
        ("I mean, it worked.", ["i mean"]),
        ("Ummm I think uhh we won.", ["um", "uh"]),
        ("The umbrella was here.", []),
        ("I am ready.", []),
    ],
)
def test_filler_rules(text, expected):
    tr = transcript_of(text)
    r = fillers.analyse(tr, audio_for(tr), options=TRANSCRIPT_ONLY)
    assert [e.filler for e in r.events] == expected


def test_filler_counts_rates_and_custom_lexicon():
    tr = transcript_of("Um we did it, uh, and then erm we, like, won the game again today")
    r = fillers.analyse(tr, audio_for(tr), options=TRANSCRIPT_ONLY)
    assert (r.vocal_count, r.discourse_count, r.count) == (3, 1, 4)
    assert r.by_type == {"um": 1, "uh": 1, "erm": 1, "like": 1}
    assert r.share_of_words == pytest.approx(4 / 15)
    span_min = (tr.words[-1].end_s - tr.words[0].start_s) / 60
    assert r.per_min == pytest.approx(4 / span_min, rel=0.01)
    custom = fillers.Options(vocal={"um": "u+m+"}, discourse={"again": "always"}, acoustic=False)
    r2 = fillers.analyse(tr, audio_for(tr), options=custom)
    assert [e.filler for e in r2.events] == ["um", "again"]


# ---------------------------------------------------------------- pauses
def test_pauses_from_the_signal_not_the_timestamps():
    # words say there is no gap (Whisper stretched "slowly"), the audio has 1.2 s of silence
    words = (
        Word("I", 0.5, 0.8, 0.9),
        Word("spoke", 0.9, 1.3, 0.9),
        Word("slowly.", 1.4, 3.4, 0.9),
        Word("Then", 3.4, 3.8, 0.9),
        Word("stopped.", 3.9, 4.5, 0.9),
    )
    audio = tone_audio([(0.5, 2.2), (3.4, 4.5)], 5.0)
    r = pauses.analyse(Transcript(words, 5.0, "en"), audio)
    assert r.count == 1
    assert r.events[0].start_s == pytest.approx(2.2, abs=0.03)
    assert r.events[0].end_s == pytest.approx(3.4, abs=0.03)
    assert r.time_to_first_word_s == pytest.approx(0.5, abs=0.03)


@pytest.mark.parametrize("noise_db", [None, -60.0, -40.0])
def test_pause_threshold_and_long_pauses(noise_db):
    # silences of 0.2 s (too short), 0.4 s, and 2.5 s (long) between tone bursts
    spans = [(1.0, 2.0), (2.2, 3.0), (3.4, 4.0), (6.5, 7.5)]
    audio = tone_audio(spans, 8.0, noise_db=noise_db)
    words = tuple(Word(f"w{i}.", a, b, 0.9) for i, (a, b) in enumerate(spans))
    r = pauses.analyse(Transcript(words, 8.0, "en"), audio)
    assert [round(e.duration_s, 1) for e in r.events] == [0.4, 2.5]
    assert r.long_count == 1
    assert r.time_to_first_word_s == pytest.approx(1.0, abs=0.03)
    assert r.pause_ratio == pytest.approx(2.9 / 6.5, abs=0.02)


def test_pause_position_between_or_mid_sentence():
    words = (
        Word("We", 0.0, 0.3, 1),
        Word("won.", 0.4, 0.8, 1),
        Word("Then", 1.8, 2.1, 1),
        Word("we", 2.2, 2.4, 1),
        Word("left", 3.4, 3.8, 1),
    )
    audio = tone_audio([(w.start_s, w.end_s) for w in words], 4.5)
    r = pauses.analyse(Transcript(words, 4.5, "en"), audio)
    assert [e.position for e in r.events] == ["between_sentences", "mid_sentence"]


# ---------------------------------------------------------------- structure
STAR_TEXT = (
    "Last year I was leading a team of four at a logistics company. "
    "My job was to cut the delivery delays. "
    "First I mapped every step and then I automated the slowest one. "
    "As a result delays dropped by forty percent."
)


def test_star_parts_with_evidence():
    tr = transcript_of(STAR_TEXT)
    r = structure.analyse(tr, audio_for(tr), context=Settings().context("Tell me about a time you improved a process."))
    assert r.question_type == "behavioural" and r.star_applies
    parts = {p.part: p for p in r.star}
    assert all(p.present for p in parts.values())
    assert parts["task"].evidence[0].quote.startswith("My job was")
    assert parts["result"].evidence[0].quote.startswith("As a result")
    assert r.direct_opening and r.clear_ending


def test_missing_parts_weak_opening_trailing_close():
    tr = transcript_of("Um so that's a good question. I worked on a lot of things there. And yeah.")
    r = structure.analyse(tr, audio_for(tr), context=Settings().context("Describe a situation where you failed."))
    parts = {p.part: p.present for p in r.star}
    assert not parts["result"] and not parts["task"]
    assert not r.direct_opening
    assert not r.clear_ending
    assert r.length_verdict == "short"


def test_non_behavioural_question_skips_star():
    tr = transcript_of("I want this role because I enjoy building tools people use every day.")
    r = structure.analyse(tr, audio_for(tr), context=Settings().context("Why do you want this job?"))
    assert r.question_type == "general" and not r.star_applies


def test_hedges_and_repeats():
    tr = transcript_of("I think we could maybe try it. I think we could maybe ship it. I I guess so.")
    r = structure.analyse(tr, audio_for(tr))
    hedges = {h.text: h.count for h in r.hedges}
    assert hedges["i think"] == 2 and hedges["maybe"] == 2 and hedges["i guess"] == 1
    repeated = {p.text for p in r.repeated_phrases}
    assert "i think we" in repeated and "i i" in repeated


# ---------------------------------------------------------------- delivery
@pytest.mark.parametrize("depth_st", [0.0, 1.0, 4.0])
def test_pitch_spread_of_a_known_glide(depth_st):
    sr = 16_000
    t = np.arange(sr * 6) / sr
    f = 140 * 2 ** (depth_st * np.sin(2 * np.pi * 0.5 * t) / 12)
    ph = 2 * np.pi * np.cumsum(f) / sr
    y = (0.5 * np.sin(ph) + 0.3 * np.sin(2 * ph) + 0.2 * np.sin(3 * ph)).astype(np.float32)
    r = delivery.analyse(Transcript((), 6.0, "en"), validate_samples(y, source="glide"))
    assert r.pitch_judged
    assert r.pitch_spread_st == pytest.approx(depth_st / np.sqrt(2), abs=0.1)
    assert r.median_f0_hz == pytest.approx(140, rel=0.02)
    assert r.monotone == (depth_st / np.sqrt(2) < delivery.Options().monotone_below_st)


@pytest.mark.parametrize(
    ("base_hz", "spread_st", "snr_db"),
    [(100.0, 0.5, 30.0), (120.0, 3.0, 10.0), (200.0, 1.5, 10.0), (240.0, 3.5, 30.0)],
)
def test_pitch_of_a_made_up_answer_whose_contour_is_known(base_hz, spread_st, snr_db):
    """A source-filter voice with syllables, fricatives, pauses and room noise, its pitch
    contour set by construction (tests/pitch_truth.py): one 9 s stretch, so the spread
    measured is the contour's own. Tolerances from benchmarks/bench_pitch.py (on its 32
    answers the worst spread error was 0.35 semitones, the worst median error 0.24)."""
    clip = known_pitch_voice(7, base_hz=base_hz, spread_st=spread_st, seconds=9.0, snr_db=snr_db)
    r = delivery.analyse(Transcript((), 9.0, "en"), validate_samples(clip.samples, source="known pitch"))
    assert r.pitch_judged, r.pitch_note
    assert abs(12 * np.log2(r.median_f0_hz / base_hz)) < 0.3
    assert r.pitch_spread_st == pytest.approx(spread_st, abs=0.4)
    assert r.monotone == (spread_st < delivery.Options().monotone_below_st)


def test_too_little_voiced_speech_is_not_judged_and_gets_no_pitch_tip():
    clip = known_pitch_voice(3, base_hz=120.0, spread_st=0.5, seconds=3.0)  # about 1.5 s voiced
    r = delivery.analyse(Transcript((), 3.0, "en"), validate_samples(clip.samples, source="short"))
    assert not r.pitch_judged and r.pitch_note == delivery.NOT_ENOUGH_VOICED
    assert r.pitch_spread_st is None and r.monotone is None and 0 < r.voiced_s < 3.0
    assert delivery.tips(r, None, None) == []
    assert delivery.findings(r)[0].text.startswith("not judged: not enough voiced speech to judge pitch")
    assert "pitch not judged" in delivery.summary(r)


def test_a_pitch_no_adult_speaks_at_is_not_judged():
    clip = known_pitch_voice(4, base_hz=360.0, spread_st=0.5, seconds=9.0)  # a monotone whistle, not a voice
    r = delivery.analyse(Transcript((), 9.0, "en"), validate_samples(clip.samples, source="high"))
    assert r.pitch_note == delivery.NOT_ONE_VOICE and r.monotone is None
    assert delivery.tips(r, None, None) == []


@pytest.mark.parametrize("shift_st", [4, -4])
def test_a_real_voice_shifted_by_a_known_amount_moves_its_median_by_that_and_keeps_its_spread(tmp_path, shift_st):
    """A real talk (tests/data/realspeech) shifted with sox: the truth is the shift."""
    import subprocess

    from tests.conftest import ROOT, require
    from voicecoach.audio.decode import load_audio

    sox = require("sox", "apt-get install sox")
    clip = ROOT / "tests" / "data" / "realspeech" / "talk_silero_test.wav"
    shifted = tmp_path / "shifted.wav"
    subprocess.run([sox, str(clip), "-r", "16000", "-c", "1", str(shifted), "pitch", str(shift_st * 100)], check=True)
    before = delivery.analyse(Transcript((), 60.0, "en"), load_audio(clip))
    after = delivery.analyse(Transcript((), 60.0, "en"), load_audio(shifted))
    assert before.pitch_judged and after.pitch_judged
    assert 12 * np.log2(after.median_f0_hz / before.median_f0_hz) == pytest.approx(shift_st, abs=0.3)
    assert after.pitch_spread_st == pytest.approx(before.pitch_spread_st, abs=0.3)


# ---------------------------------------------------------------- merging the two passes
def test_merge_keeps_plain_words_and_inserts_fillers():
    plain = [
        Word("So", 0.0, 0.7, 0.9),
        Word("I", 0.7, 1.4, 0.9),
        Word("was", 1.4, 1.6, 0.9),
        Word("there.", 1.6, 2.0, 0.9),
    ]
    biased = [
        Word("so", 0.0, 0.7, 0.9, "filler"),
        Word("um", 0.72, 1.24, 0.8, "filler"),
        Word("i", 1.24, 1.4, 0.9, "filler"),
        Word("was", 1.4, 1.6, 0.9, "filler"),
        Word("their", 1.6, 2.0, 0.9, "filler"),
    ]
    merged = merge_fillers(plain, biased)
    assert [w.text for w in merged] == ["So", "um", "I", "was", "there."]
    assert merged[2].start_s == 1.24  # "I" no longer overlaps the inserted "um"


def test_merge_recovers_a_phrase_the_plain_pass_dropped():
    plain = [Word("I", 5.7, 6.4, 0.9), Word("agree.", 6.4, 7.0, 0.9)]
    biased = [
        Word("that", 3.0, 3.3, 0.8, "filler"),
        Word("is", 3.3, 3.5, 0.8, "filler"),
        Word("true", 3.5, 4.0, 0.8, "filler"),
        Word("i", 5.7, 6.4, 0.9, "filler"),
        Word("agree", 6.4, 7.0, 0.9, "filler"),
    ]
    merged = merge_fillers(plain, biased)
    assert [w.text for w in merged] == ["that", "is", "true.", "I", "agree."]
    low = [Word(w.text, w.start_s, w.end_s, 0.2, "filler") for w in biased]
    assert [w.text for w in merge_fillers(plain, low)] == ["I", "agree."]


def test_a_relistened_filler_word_is_an_acoustic_event():
    words = (
        Word("We", 0.5, 0.9, 0.9),
        Word("uh", 1.0, 1.4, 0.3, "acoustic"),
        Word("shipped", 1.5, 2.0, 0.9),
        Word("um,", 2.1, 2.4, 0.9, "filler"),
    )
    tr = Transcript(words, 3.0, "en")
    r = fillers.analyse(tr, audio_for(tr))
    assert [(e.filler, e.source) for e in r.events] == [("uh", "acoustic"), ("um", "transcript")]


def test_a_custom_vocal_filler_is_a_filler_for_every_analyser(tmp_path):
    """A pattern added in [fillers.vocal] is counted as a filler and left out of the
    spoken words for pacing and structure alike (one compiled lexicon for all)."""
    from voicecoach.core.lexicon import lexicon_for
    from voicecoach.settings.config import load_settings

    cfg = tmp_path / "c.toml"
    cfg.write_text("[fillers.vocal]\nehm = 'e+h+m+'\n")
    s = load_settings(cfg, required=True)
    tr = transcript_of("ehm we shipped the new search page in two weeks ehm and users liked it.")
    audio = audio_for(tr)
    ctx = AnswerContext(lexicon=lexicon_for(s.options_for("fillers").vocal))
    f = fillers.analyse(tr, audio, options=s.options_for("fillers"), context=ctx)
    p = pacing.analyse(tr, audio, options=s.options_for("pacing"), context=ctx)
    st = structure.analyse(tr, audio, options=s.options_for("structure"), context=ctx)
    assert f.by_type == {"ehm": 2}
    assert p.words == st.words == len(tr.words) - 2
    default = pacing.analyse(tr, audio)
    assert default.words == len(tr.words)  # without the pattern, "ehm" is a word


def test_a_discourse_filler_is_not_also_a_hedge():
    tr = transcript_of("It was, sort of, a big change. I think it worked.")
    st = structure.analyse(tr, audio_for(tr))
    assert [h.text for h in st.hedges] == ["i think"]
    f = fillers.analyse(tr, audio_for(tr))
    assert [e.filler for e in f.events] == ["sort of"]


def test_per_answer_inputs_are_not_settings(tmp_path):
    from voicecoach.core.errors import ConfigError
    from voicecoach.settings.config import load_settings

    cfg = tmp_path / "c.toml"
    cfg.write_text("[structure]\nquestion = 'Why us?'\n")
    with pytest.raises(ConfigError, match="has no setting 'question'"):
        load_settings(cfg, required=True)


def test_the_language_is_judged_on_enough_words_only():
    """A confident-looking English answer passes; ten or more unsure words do not; a
    handful of unsure words (a short take) is not judged."""
    import dataclasses

    from voicecoach.asr.language import MIN_MEDIAN_WORD_PROBABILITY, MIN_WORDS_FOR_LANGUAGE, looks_english

    def with_p(text: str, p: float) -> Transcript:
        t = transcript_of(text)
        return dataclasses.replace(t, words=tuple(dataclasses.replace(w, probability=p) for w in t.words))

    many = " ".join(["word"] * MIN_WORDS_FOR_LANGUAGE)
    assert looks_english(with_p(many, 0.9)) == (True, 0.9)
    assert looks_english(with_p(many, MIN_MEDIAN_WORD_PROBABILITY - 0.1))[0] is False
    assert looks_english(with_p("um that is a good question", 0.2))[0] is True  # five words: not judged


def test_times_shown_to_people_round_up_into_the_next_minute():
    """A progress line once read "9:60.0 of 10:00.0": 599.96 s rounds to the next minute."""
    from voicecoach.core.datatypes import format_mmss

    assert [format_mmss(t) for t in (0.0, 12.35, 59.94, 59.96, 75.2, 599.96)] == [
        "0:00.0",
        "0:12.4",
        "0:59.9",
        "1:00.0",
        "1:15.2",
        "10:00.0",
    ]


def test_fillers_do_not_buy_a_better_pace():
    """Rushed words slowed into the band by fillers are still rushed: the same 60 words at
    200 a minute, then with an "um" after every third word (the whole answer now runs at
    about 150 wpm), keep their pace score and their "above the band" tip; fluent_wpm is the
    pace of the words, from how the transcripts were made."""
    text = " ".join(f"word{i}" for i in range(60))
    plain = transcript_of(text, word_s=0.2, gap_s=0.1)  # a word every 0.3 s: 200 wpm
    with_um = []
    for i, w in enumerate(text.split()):
        with_um.append(w)
        if i % 3 == 2 and i < 59:
            with_um.append("um")
    # each um takes a word's slot: 19 of them, 79 slots
    um = transcript_of(" ".join(with_um), word_s=0.2, gap_s=0.1)
    ctx = AnswerContext()
    p_plain = pacing.analyse(plain, audio_for(plain), context=ctx)
    p_um = pacing.analyse(um, audio_for(um), context=ctx)
    assert p_plain.wpm == pytest.approx(200, rel=0.03) and p_plain.fluent_wpm == pytest.approx(p_plain.wpm, rel=0.001)
    assert p_um.wpm == pytest.approx(60 / (78 * 0.3 + 0.2) * 60, rel=0.03)  # about 152: inside the band
    assert p_um.fluent_wpm == pytest.approx(p_plain.wpm, rel=0.03)  # each um and the gap it made taken out
    r = pacing.Scoring()
    assert pacing.score(p_um, r) <= pacing.score(p_plain, r) + 5
    # and at a pace inside the band, the ums change nothing in the pace score
    calm, calm_um = (transcript_of(t, word_s=0.3, gap_s=0.1) for t in (text, " ".join(with_um)))
    p_calm, p_calm_um = (pacing.analyse(t, audio_for(t), context=ctx) for t in (calm, calm_um))
    assert p_calm.wpm == pytest.approx(150, rel=0.03) and p_calm_um.fluent_wpm == pytest.approx(p_calm.wpm, rel=0.03)
    assert abs(pacing.score(p_calm_um, r) - pacing.score(p_calm, r)) <= 5
    (tip,) = [t for _, t in pacing.tips(p_um, pacing.score(p_um, r), r)]
    assert "above the 120-160 band" in tip.message and "leaving out the time of your fillers" in tip.message
