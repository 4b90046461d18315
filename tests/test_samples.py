"""The full pipeline, real model, on the bundled samples, against how they were made.

Tolerances: filler and pause events match a truth event when they overlap it within
0.3 s (Whisper's word timestamps are 20 ms-quantised and drift by up to ~0.3 s); pause
edges within 0.1 s (the detector works on 10 ms frames); wpm within 3 %.
"""

from __future__ import annotations

import difflib
import itertools

import pytest

from tests.conftest import SAMPLE_NAMES, SAMPLES, require

pytestmark = [
    pytest.mark.model,
    pytest.mark.words,
]  # transcribes with the real model: run again under a forced instruction set

SLACK_S = 0.3


def _overlaps(a: dict, b: dict, slack: float = SLACK_S) -> bool:
    return a["start_s"] <= b["end_s"] + slack and a["end_s"] >= b["start_s"] - slack


def _match(found: list[dict], expected: list[dict]) -> tuple[int, int, int]:
    """(true positives, false positives, misses), each truth event matched once."""
    used: set[int] = set()
    tp = 0
    for f in found:
        hit = next((i for i, e in enumerate(expected) if i not in used and _overlaps(f, e)), None)
        if hit is not None:
            used.add(hit)
            tp += 1
    return tp, len(found) - tp, len(expected) - tp


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_vocal_fillers_are_kept(name, reports, truth):
    found = [e for e in reports[name]["fillers"]["events"] if e["kind"] == "vocal"]
    tp, fp, fn = _match(found, truth[name]["vocal_fillers"])
    assert fn <= 1, f"missed vocal fillers in {name}: found {found}"
    assert fp <= 1, f"spurious vocal fillers in {name}: {found}"


def test_a_sentence_after_a_long_hesitation_is_kept(reports):
    """hesitant_slow opens with "Hmm..." and then "That is a good question"; tiny.en's plain
    pass drops that sentence (its first word is timed 2 s later), and the one-pass decoding
    decodes the stretch of sound it left empty on its own (``transcribe.fill_gaps``)."""
    from voicecoach.core.datatypes import normalise_word

    text = " ".join(normalise_word(w["text"]) for w in reports["hesitant_slow"]["transcript"]["words"])
    assert "good question" in text, text


@pytest.mark.parametrize("take_s", [4.0, 4.5, 7.0, 8.0])
def test_a_short_take_of_a_hesitant_opening_is_not_a_video_outro(take_s):
    """A take that stops after hesitant_slow's opening (1 s of silence, "Hmm...", "That is
    a good question"): on so little, every temperature of tiny.en's plain pass fails and
    it wrote a loop of numbers (4 s), "Thank you for watching, and I'll see you in the
    next video" (4.5 s) or "Thank you very much for watching" (7-8 s). Such a segment is
    left out (``transcribe.failed``), as is a video's sign-off when a temperature passes
    (one machine wrote the 8 s take's outro so), and the stretch is decoded on its own:
    only the script's words (of what the take holds), and once the sentence is whole, the
    sentence. On 4-4.5 s (a hum and half a sentence) tiny.en's words vary from run to run
    even in one process ("1, 2, 3, 3, 3 ...", "I will go back to the ..."): there the
    promise is that any other words are not scored (too unclear)."""
    import json

    import numpy as np

    from voicecoach.audio.decode import SAMPLE_RATE_HZ, Audio, load_audio
    from voicecoach.core.datatypes import normalise_word
    from voicecoach.core.lexicon import is_vocal_filler
    from voicecoach.scoring.pipeline import score_audio

    a = load_audio(SAMPLES / "hesitant_slow.wav")
    take = np.concatenate([np.zeros(SAMPLE_RATE_HZ, np.float32), a.samples])[: int(take_s * SAMPLE_RATE_HZ)]
    report = score_audio(Audio(take, SAMPLE_RATE_HZ, "take"))
    words = [normalise_word(w.text) for w in report.transcript.words]
    truth = json.loads((SAMPLES / "hesitant_slow.truth.json").read_text())
    said = {
        normalise_word(w) for span in truth["spans"] if span["start_s"] + 1.0 < take_s for w in span["text"].split()
    }
    if take_s < 6.0 and not report.scored:
        # the other outcome promised on so little: not scored, and the report says why
        assert report.scores is None and report.warning, report.warning
        return
    assert {w for w in words if not is_vocal_filler(w)} <= said, words
    if take_s >= 7.0:  # the sentence ends at 5.6 s
        assert "good question" in " ".join(words), words


def test_a_filler_found_inside_a_word_is_put_before_it_when_the_word_is_after(reports):
    """The script ends "[2.8 s pause] {um} It has helped a lot"; Whisper times "It" from the
    end of the pause, over the "um" that re-listening finds inside it. The word is moved
    to the side of the filler where its sound is, so the transcript reads "um It", not
    "It um"."""
    from voicecoach.core.datatypes import normalise_word

    text = " ".join(normalise_word(w["text"]) for w in reports["hesitant_slow"]["transcript"]["words"])
    assert "um it has helped" in text, text


def test_vocal_fillers_overall(reports, truth):
    """The one-pass default finds 8 of the samples' 9 fillers (AVX2 and AVX512): the miss
    is the "uh" of motivation_fast, said at 231 wpm straight into "so", which no sound
    island isolates (the two-pass ``merge`` decoding's biased pass writes it)."""
    tp = fp = fn = 0
    for name in SAMPLE_NAMES:
        found = [e for e in reports[name]["fillers"]["events"] if e["kind"] == "vocal"]
        t, f, n = _match(found, truth[name]["vocal_fillers"])
        tp, fp, fn = tp + t, fp + f, fn + n
    assert fn <= 1 and tp / (tp + fp) >= 0.9, (tp, fp, fn)


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_pauses_match_the_silences_that_were_inserted(name, reports, truth):
    found = reports[name]["pauses"]["events"]
    expected = truth[name]["pauses"]
    assert len(found) == len(expected), (found, expected)
    for f, e in zip(found, expected, strict=True):
        assert abs(f["start_s"] - e["start_s"]) <= 0.1
        assert abs(f["end_s"] - e["end_s"]) <= 0.1


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_wpm_within_three_percent(name, reports, truth):
    assert reports[name]["pacing"]["wpm"] == pytest.approx(truth[name]["wpm"], rel=0.03)


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_time_to_first_word(name, reports, truth):
    assert reports[name]["pauses"]["time_to_first_word_s"] == pytest.approx(truth[name]["first_word_start_s"], abs=0.1)


def test_long_pause_found_and_short_ones_not_long(reports, truth):
    events = reports["hesitant_slow"]["pauses"]["events"]
    longs = [e for e in events if e["long"]]
    expected_long = [p for p in truth["hesitant_slow"]["pauses"] if p["end_s"] - p["start_s"] >= 2.0]
    assert len(longs) == len(expected_long) == 1
    assert longs[0]["start_s"] == pytest.approx(expected_long[0]["start_s"], abs=0.1)


def test_discourse_fillers_and_traps(reports, truth):
    events = reports["motivation_fast"]["fillers"]["events"]
    discourse = [e for e in events if e["kind"] == "discourse"]
    # "like" used as a filler is counted; "I like building tools" is not
    likes = [e for e in discourse if e["filler"] == "like"]
    truth_like = [e for e in truth["motivation_fast"]["discourse_fillers"] if e["text"] == "like"]
    assert len(likes) == 1 and _overlaps(likes[0], truth_like[0])
    # "what kind of tool" and "right on point" are real words, never fillers
    assert not any(e["filler"] in ("kind of", "right") for e in discourse)
    # every discourse filler found is one that was scripted (precision)
    tp, fp, _ = _match(discourse, truth["motivation_fast"]["discourse_fillers"])
    assert fp == 0 and tp >= 2


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_each_pause_follows_the_scripted_word(name, reports, truth):
    """The word before each pause is the last word of the chunk synthesised before that
    silence (numbers may be written as digits: "thirty percent" -> "30%")."""
    from voicecoach.core.datatypes import normalise_word

    expected = []
    for p in truth[name]["pauses"]:
        before = [s for s in truth[name]["spans"] if s["end_s"] <= p["start_s"] + 1e-3]
        expected.append(normalise_word(before[-1]["text"].split()[-1]))
    found = [normalise_word(e["after_word"]) for e in reports[name]["pauses"]["events"]]
    # the recogniser may misspell the word: int8 decoding differs per CPU instruction set
    # ("ledgers" is "lagers" under AVX2 and GENERIC); the lowest similarity measured
    # across AVX2, AVX512 and GENERIC is 0.77, a different word scores below 0.5
    mismatches = [
        (e, f)
        for e, f in zip(expected, found, strict=True)
        if difflib.SequenceMatcher(None, e, f).ratio() < 0.6 and not f.isdigit()
    ]
    assert mismatches == []
    sentence_ends = [e for e in reports[name]["pauses"]["events"] if e["after_word"].endswith((".", "?", "!"))]
    assert all(e["position"] == "between_sentences" for e in sentence_ends)


def test_star_parts_found_with_evidence(reports):
    star = {p["part"]: p for p in reports["star_answer"]["structure"]["star"]}
    assert all(p["present"] for p in star.values())
    assert "My job was to plan the migration" in star["task"]["evidence"][0]["quote"]
    assert "dropped" in " ".join(e["quote"] for e in star["result"]["evidence"])


def test_hesitant_answer_structure(reports):
    s = reports["hesitant_slow"]["structure"]
    assert not s["direct_opening"]  # opens with "hmm, that is a good question"
    assert s["clear_ending"]  # "It has helped a lot."


def test_tips_have_evidence_and_scores_in_range(reports):
    for r in reports.values():
        assert 1 <= len(r["tips"]) <= 3
        assert all(0 <= v <= 100 for v in r["scores"].values())
    fast = reports["motivation_fast"]
    assert any(t["area"] == "pacing" and "above" in t["message"] for t in fast["tips"])


def test_transcript_words_close_to_script(reports, truth):
    import jiwer

    from voicecoach.core.datatypes import normalise_word
    from voicecoach.core.lexicon import is_vocal_filler

    for name in SAMPLE_NAMES:
        hyp = " ".join(
            n for w in reports[name]["transcript"]["words"] if not is_vocal_filler(n := normalise_word(w["text"]))
        )
        ref = " ".join(normalise_word(w) for w in truth[name]["text"].split())
        assert jiwer.wer(ref, hyp) < 0.15, (name, hyp)


def test_windows_are_cut_in_silence():
    """Audio over WINDOW_S + 60 s is decoded in windows cut at the quietest moment before
    each boundary: here the only silences, placed where the cuts must go."""
    import numpy as np

    from voicecoach.asr.transcribe import WINDOW_S, decoding_windows

    sr = 16_000
    y = np.random.default_rng(0).normal(0, 0.1, int(sr * (3 * WINDOW_S + 100))).astype(np.float32)
    gaps = (WINDOW_S - 7.0, 2 * WINDOW_S - 19.0)
    for g in gaps:
        y[int(g * sr) : int((g + 0.6) * sr)] = 0
    windows = decoding_windows(y)
    assert windows[0][0] == 0 and windows[-1][1] == len(y)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))
    cuts = [start / sr for start, _ in windows[1:]]
    assert len(cuts) == 3
    for cut, gap in zip(cuts, gaps, strict=False):
        assert gap <= cut <= gap + 0.6
    assert decoding_windows(y[: int(sr * (WINDOW_S + 59))]) == [(0, int(sr * (WINDOW_S + 59)))]


def test_a_long_answer_is_decoded_in_windows_without_losing_words(tmp_path, truth):
    """Three and a half minutes (the samples joined twice, two windows): the cut between
    the windows loses and repeats no words, and the fillers keep their times."""
    import subprocess

    import jiwer
    import soundfile as sf

    from voicecoach.asr.transcribe import WINDOW_S, decoding_windows
    from voicecoach.core.datatypes import normalise_word
    from voicecoach.core.lexicon import is_vocal_filler
    from voicecoach.scoring.pipeline import report_to_dict, score_file

    order = list(SAMPLE_NAMES) * 2
    joined = tmp_path / "long.wav"
    subprocess.run(["sox", *(str(SAMPLES / f"{n}.wav") for n in order), str(joined)], check=True)
    y, sr = sf.read(joined, dtype="float32")
    assert len(decoding_windows(y)) >= 2 and len(y) / sr > WINDOW_S + 60
    d = report_to_dict(score_file(joined))
    words = d["transcript"]["words"]
    assert all(b["start_s"] >= a["start_s"] for a, b in itertools.pairwise(words))
    hyp = " ".join(n for w in words if not is_vocal_filler(n := normalise_word(w["text"])))
    ref = " ".join(normalise_word(w) for n in order for w in truth[n]["text"].split())
    assert jiwer.wer(ref, hyp) < 0.15
    expected, offset = [], 0.0
    for n in order:
        expected += [
            {**e, "start_s": e["start_s"] + offset, "end_s": e["end_s"] + offset} for e in truth[n]["vocal_fillers"]
        ]
        offset += truth[n]["duration_s"]
    found = [e for e in d["fillers"]["events"] if e["kind"] == "vocal"]
    tp, fp, fn = _match(found, expected)
    # measured with four copies and the one-pass default: 32 of 36 found and 2 false under
    # AVX2, the misses being motivation_fast's fused "uh" once in each copy
    # (test_vocal_fillers_overall); the bounds are those of four copies scaled to two, with
    # the margin of two that the three-copy bounds had for the other instruction sets
    assert fn <= 4 and fp <= 3, (tp, fp, fn)


def test_transcript_text_joins_word_pieces(reports):
    """Issue 14: "one -to -one". A piece Whisper writes without a leading space (a hyphen
    or apostrophe piece, a percent sign) joins the word before it in every text shown."""
    for r in reports.values():
        texts = [r["transcript"]["text"]] + [s["text"] for s in r["transcript"]["sentences"]]
        for text in texts:
            assert not any(piece in f" {text} " for piece in (" -", " '", " %")) or " - " in text, text


def test_hyphenated_words_and_contractions_spoken(tmp_path):
    """Spoken by espeak-ng and transcribed by the real model: whatever pieces the model
    cuts the words into on this CPU, the text shows them joined."""
    import subprocess

    from voicecoach.asr.transcribe import transcribe
    from voicecoach.audio.decode import load_audio

    require("espeak-ng", "apt-get install espeak-ng")
    wav = tmp_path / "pieces.wav"
    script = (
        "We had a one-to-one check-in every week, and it's a well-known fact that a one-page plan works. I "
        "didn't expect twenty percent."
    )
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), script], check=True)
    t = transcribe(load_audio(wav))
    words = [w.text for w in t.words]
    assert any(w.startswith("-") for w in words), words  # the model did cut pieces
    for prev, w in itertools.pairwise(words):
        if w.startswith(("-", "'", "%")):
            assert prev + w in t.text, (prev, w, t.text)
    assert " -" not in t.text and " '" not in t.text
    # which words come out hyphenated differs by instruction set (AVX512: "well known"); a
    # hyphenated word there always is
    assert any("-" in w.strip("-") for w in t.text.split()), t.text
