"""Re-listening (voicecoach.asr.relisten) with the real model on synthesised speech whose
content is known: each filler and each word is said alone, between 0.7 s silences."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT
from tests.helpers import words_from
from voicecoach.core.datatypes import Segment, Word

pytestmark = [
    pytest.mark.model,
    pytest.mark.words,
]  # transcribes with the real model: run again under a forced instruction set

sys.path.insert(0, str(ROOT / "samples"))

SCRIPT = (
    "{um} [700] project [700] {hmm} [700] table [700] {uh:500} [700] because [700] {er} [700] Monday [700] {ah} "
    "[700] number [700] {mm} [700] a [700] the"
)
VOICES = ("en-us", "en-gb", "en-us+m3")


@pytest.fixture(scope="module")
def said_alone(tmp_path_factory) -> dict[str, tuple[dict, object]]:
    """voice -> (truth, audio) of SCRIPT."""
    from synth import render

    from voicecoach.audio.decode import load_audio

    out = tmp_path_factory.mktemp("alone")
    result = {}
    for voice in VOICES:
        truth = render(SCRIPT, out / f"{voice}.wav", voice=voice, rate_wpm=150)
        result[voice] = (truth, load_audio(out / f"{voice}.wav"))
    return result


def test_a_filler_heard_alone_is_told_from_a_word(said_alone):
    """The first-token filler probability separates fillers from words, including "a"
    and "the", which sound most like "uh" (measured: words <= 0.06, fillers 0.07-0.89)."""
    from voicecoach.asr.models import load_model
    from voicecoach.asr.relisten import RelistenOptions, filler_probabilities

    o = RelistenOptions()
    fillers_heard, fillers_total, words_heard = 0, 0, []
    for truth, audio in said_alone.values():
        spans = truth["spans"]
        probs = filler_probabilities(load_model(), audio, [Segment(s["start_s"], s["end_s"]) for s in spans], o)
        for span, (p, _spelling) in zip(spans, probs, strict=True):
            if span["kind"] == "vocal":
                fillers_total += 1
                fillers_heard += p >= o.min_probability
            elif p >= o.min_probability:
                words_heard.append((span["text"], round(p, 3)))
    assert words_heard == []
    assert fillers_total == 18
    assert fillers_heard >= 16  # measured 17: one voice's "hmm" is at 0.07


def test_relisten_inserts_the_fillers(said_alone):
    """Given a transcript of only the words (as if Whisper had dropped every filler),
    re-listening puts back the fillers at the truth's filler spans. A lone "the" between
    two long silences sounds like "thuh" and is at the threshold (measured 0.03-0.11
    as the fragment's edges move by 5 ms): at most one find may fall on "a" or "the",
    none on any other word."""
    from voicecoach.asr.models import load_model
    from voicecoach.asr.relisten import relisten_fillers

    truth, audio = said_alone["en-us"]
    spoken = [s for s in truth["spans"] if s["kind"] == "speech"]
    words = [Word(s["text"], s["start_s"], s["end_s"], 0.99) for s in spoken]
    out = relisten_fillers(load_model(), audio, words)
    added = [w for w in out if w.source == "acoustic"]
    fillers = truth["vocal_fillers"]
    hits = [a for a in added if any(f["start_s"] - 0.05 <= a.start_s and a.end_s <= f["end_s"] + 0.05 for f in fillers)]
    extra = [a for a in added if a not in hits]
    on = [s["text"] for s in spoken for a in extra if s["start_s"] - 0.05 <= a.start_s and a.end_s <= s["end_s"] + 0.05]
    assert len(extra) <= 1, [(a.text, a.start_s) for a in added]
    assert len(on) == len(extra) and set(on) <= {"a", "the"}, on
    assert len(hits) >= 5  # of 6 (measured 6)
    assert [w.text for w in out if w.source != "acoustic"] == [w.text for w in words]
    assert [w.start_s for w in out] == sorted(w.start_s for w in out)


def test_a_hum_is_typed_by_its_sound(said_alone):
    """Heard alone, espeak's closed-mouth "mm" reads to the recogniser as "uh" (measured:
    all three voices); its onset keeps 11-14 dB more of its energy below 500 Hz than the
    recording's speech, and re-listening types it a hum. No vowel filler (um, uh, er,
    ah: -14 to +1 dB) becomes one."""
    from voicecoach.asr.models import load_model
    from voicecoach.asr.relisten import relisten_fillers
    from voicecoach.core.lexicon import vocal_filler_type

    hums = typed = 0
    for voice, (truth, audio) in said_alone.items():
        words = [Word(s["text"], s["start_s"], s["end_s"], 0.99) for s in truth["spans"] if s["kind"] == "speech"]
        out = relisten_fillers(load_model(), audio, words)
        for f in truth["vocal_fillers"]:
            found = [
                vocal_filler_type(w.norm)
                for w in out
                if w.source == "acoustic" and f["start_s"] - 0.05 <= w.start_s and w.end_s <= f["end_s"] + 0.05
            ]
            if f["text"] == "mm":
                hums += 1
                typed += found in (["mm"], ["hmm"])  # the same sound, should the recogniser spell it "hmm"
            elif f["text"] != "hmm":  # espeak says "hmm" as "hum", with a vowel
                assert "mm" not in found and "hmm" not in found, (voice, f["text"], found)
    assert hums == 3
    assert typed == 3


def test_a_hum_is_told_from_a_vowel_on_a_dull_microphone(said_alone):
    """The hum measure is against the recording's own speech: through a channel that
    keeps little above 400 Hz (a meeting room's far microphone), every word carries
    most of its energy low, and still only the hum's onset stands out (measured: "mm"
    +23 to +28 dB, vowel fillers -7 to +0.3 dB)."""
    import dataclasses

    import numpy as np
    from scipy.signal import butter, sosfilt

    from voicecoach.asr.relisten import RelistenOptions
    from voicecoach.audio.acoustics import nasal_db

    limit = RelistenOptions().hum_onset_db
    for voice, (truth, audio) in said_alone.items():
        sos = butter(2, 400, "lowpass", fs=audio.sample_rate_hz, output="sos")
        dull = dataclasses.replace(
            audio, samples=(0.5 * sosfilt(sos, audio.samples) + 0.05 * audio.samples).astype(np.float32)
        )
        for a in (audio, dull):
            onset = {f["text"]: nasal_db(a, f["start_s"], f["end_s"], part=1 / 3) for f in truth["vocal_fillers"]}
            assert onset["mm"] >= limit + 3, (voice, onset)
            assert max(onset[t] for t in ("um", "uh", "er", "ah")) < limit - 2, (voice, onset)


HUM_SCRIPT = (
    "{mm} [700] project [700] {mm} [700] table [700] {uh:500} [700] because [700] {mm:600} [700] Monday "
    "[700] {um} [700] number [700] {mm} [700] a [700] the"
)


def test_a_hum_in_noise_is_found_by_its_murmur(tmp_path):
    """At 20 dB SNR (white noise), heard alone, espeak's hums read as fillers with only
    0.017-0.09 probability, mostly under the threshold: without the murmur rule 4-5 of the
    12 hums of three voices are found (2 before the second opinion), with it 11-12, typed
    "mm". No other word is found
    but the lone "the" at the end (a find with or without the rule, heard as "uh" at
    0.06-0.16). A hum the biased pass itself spells "hmm" is a find of the same sound
    (hmm/mm, as the accuracy benchmark scores it): one CI machine heard one so."""
    import dataclasses

    import numpy as np
    from synth import render

    from voicecoach.asr.models import load_model
    from voicecoach.asr.relisten import RelistenOptions, relisten_fillers
    from voicecoach.audio.decode import load_audio
    from voicecoach.core.lexicon import vocal_filler_type

    takes = []  # (voice, truth, audio with 20 dB of white noise), heard with and without the rule
    for voice in VOICES:
        truth = render(HUM_SCRIPT, tmp_path / f"{voice}.wav", voice=voice, rate_wpm=150)
        audio = load_audio(tmp_path / f"{voice}.wav")
        y = audio.samples
        noise = np.random.default_rng(7).normal(0, np.sqrt(np.mean(y[np.abs(y) > 1e-3] ** 2) / 100), len(y))
        takes.append((voice, truth, dataclasses.replace(audio, samples=(y + noise).astype(np.float32))))

    def hums_found(options: RelistenOptions) -> tuple[int, list]:
        found, other = 0, []
        for voice, truth, noisy in takes:
            words = [Word(s["text"], s["start_s"], s["end_s"], 0.99) for s in truth["spans"] if s["kind"] == "speech"]
            out = [w for w in relisten_fillers(load_model(), noisy, words, options=options) if w.source == "acoustic"]
            for w in out:
                on = [
                    s["text"]
                    for s in truth["spans"]
                    if s["start_s"] - 0.05 <= w.start_s and w.end_s <= s["end_s"] + 0.05
                ]
                if on == ["mm"] and vocal_filler_type(w.norm) in ("mm", "hmm"):
                    found += 1
                elif on not in (["uh"], ["um"], ["the"]):
                    other.append((voice, w.text, w.start_s, on))
        return found, other

    with_rule, other = hums_found(RelistenOptions())
    without, _ = hums_found(RelistenOptions(hum_min_probability=1.0))
    assert other == []
    # of 12: measured 11-12 with the rule and 4-5 without it from process to process (10
    # and 2 before re-listening's second opinion, issue 28, which hears some hums in context)
    assert with_rule >= 9, (with_rule, without)
    assert with_rule - without >= 4, (with_rule, without)  # the rule is what finds most of them


def test_no_candidates_near_a_filler_the_transcript_has(said_alone):
    from voicecoach.asr.relisten import RelistenOptions, candidates

    truth, audio = said_alone["en-us"]
    um = truth["vocal_fillers"][0]
    words = [Word("um", um["start_s"], um["end_s"], 0.9, "filler")]
    cands = candidates(audio, words, RelistenOptions())
    assert cands, "the other fillers and words are candidates"
    assert not [s for s, _ in cands if s.start_s < um["end_s"] + 0.3 and s.end_s > um["start_s"] - 0.3]


def _built(parts: list[tuple[str, float]]):
    """Audio made of ("voice" | "burst" | "tone" | "silence", seconds) parts: a 140 Hz
    buzz with harmonics, a white-noise click, a 2.5 kHz beep, digital silence."""
    import numpy as np

    from voicecoach.audio.decode import Audio

    sr, out, rng = 16000, [], np.random.default_rng(3)
    for kind, seconds in parts:
        t = np.arange(int(round(seconds * sr))) / sr
        if kind == "voice":
            out.append(0.3 * sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 6)))
        elif kind == "tone":
            out.append(0.3 * np.sin(2 * np.pi * 2500 * t))
        elif kind == "burst":
            out.append(0.3 * rng.standard_normal(len(t)))
        else:
            out.append(np.zeros(len(t)))
    return Audio(np.concatenate(out).astype(np.float32), sr, "built")


def test_candidates_leave_out_a_syllable_before_a_stop_release_and_a_beep():
    """A sound followed within 150 ms by a release burst (closure, then a click of <= 75
    ms) is the first syllable of a word broken by a stop, not a candidate; the same
    sound followed by a real pause is. A sound of exactly 0.18 s (the minimum) counts.
    A radio beep (a 2.5 kHz tone) is not a voice and not a candidate."""
    from voicecoach.asr.relisten import RelistenOptions, candidates

    audio = _built(
        [("silence", 1.0), ("voice", 0.3), ("silence", 0.05), ("burst", 0.05), ("silence", 0.05), ("voice", 0.4)]
        + [("silence", 1.0), ("voice", 0.3), ("silence", 1.0), ("voice", 0.17), ("silence", 1.0)]
        + [("tone", 0.25), ("silence", 1.0)]
    )
    # made: syllable 1.0-1.3, burst 1.35-1.4, rest of the word 1.45-1.85, a lone sound
    # 2.85-3.15, a short one 4.15-4.32 (its island measures 0.18 s: 18 hops of 10 ms), a
    # beep 5.32-5.57
    found = candidates(audio, [], RelistenOptions())
    islands = [(s.start_s, s.end_s) for s, held in found if not held]
    expected = [(1.45, 1.85), (2.85, 3.15), (4.15, 4.32)]
    assert len(islands) == len(expected), islands
    for (a, b), (x, y) in zip(islands, expected, strict=True):
        assert abs(a - x) < 0.02 and abs(b - y) < 0.02, islands
    assert not [s for s, _ in found if s.start_s < 1.35], found  # nor a held stretch in the syllable
    off = candidates(audio, [], RelistenOptions(burst_max_s=0.0, max_peak_hz=8000.0))
    assert [s for s, _ in off if abs(s.start_s - 1.0) < 0.02], "without the rule the syllable is a candidate"
    assert [s for s, _ in off if abs(s.start_s - 5.32) < 0.02], "without the rule the beep is a candidate"


def test_insert_clips_a_word_that_runs_over_the_filler():
    from voicecoach.asr.alignment import clip_overlaps

    words = list(words_from("we shipped it", word_s=0.5, gap_s=0.0))  # 0-0.5, 0.5-1.0, 1.0-1.5
    filler = Word("uh", 0.7, 0.95, 0.4, "acoustic")
    out = clip_overlaps([*words[:2], filler, words[2]], lambda w: w.source == "acoustic")
    assert [w.text for w in out] == ["we", "shipped", "uh", "it"]
    assert out[1].end_s == 0.7 and out[3].start_s == 1.0


def test_relisten_is_a_transcription_setting(said_alone, tmp_path):
    """On by default; ``[transcription] relisten = false`` turns it off; plain decoding
    (the baseline) never re-listens."""
    import dataclasses

    from voicecoach.asr.transcribe import TranscribeOptions, transcribe
    from voicecoach.settings.config import load_settings

    cfg = tmp_path / "c.toml"
    cfg.write_text("[transcription]\nrelisten = false\n")
    off = load_settings(cfg).transcription
    assert off.relisten is False and TranscribeOptions().relisten is True
    _truth, audio = said_alone["en-us"]
    sources = {o: {w.source for w in transcribe(audio, options=o).words} for o in (TranscribeOptions(), off)}
    assert "acoustic" in sources[TranscribeOptions()]
    assert "acoustic" not in sources[off]
    plain = dataclasses.replace(TranscribeOptions(), decoding="plain")
    assert "acoustic" not in {w.source for w in transcribe(audio, options=plain).words}


def test_a_biased_pass_filler_over_a_word_is_vetoed(said_alone):
    """A filler only the biased pass wrote survives where the sound is a filler, and is
    dropped where every sound nearby is a word ("project", "because")."""
    from voicecoach.asr.models import load_model
    from voicecoach.asr.relisten import relisten_fillers

    truth, audio = said_alone["en-us"]
    span = {s["text"]: s for s in truth["spans"]}
    on_uh = Word("uh", span["uh"]["start_s"], span["uh"]["end_s"], 0.5, "filler")
    on_word = [Word("uh", span[t]["end_s"] - 0.1, span[t]["end_s"], 0.5, "filler") for t in ("project", "because")]
    plain_um = Word("um,", span["um"]["start_s"], span["um"]["end_s"], 0.9, "plain")  # the plain pass is trusted
    out = relisten_fillers(load_model(), audio, sorted([on_uh, *on_word, plain_um], key=lambda w: w.start_s))
    kept = [w for w in out if w.source != "acoustic"]
    assert [(w.text, w.source) for w in kept] == [("um,", "plain"), ("uh", "filler")]
    for w in kept:  # each on its own sound
        truth_span = span[w.norm]
        assert abs(w.start_s - truth_span["start_s"]) < 0.05 and abs(w.end_s - truth_span["end_s"]) < 0.05


def test_a_misplaced_filler_is_moved_onto_its_sound(said_alone):
    """Whisper often times a filler a few hundred ms off its sound. A transcript filler is
    moved onto the nearby sound that, heard alone, is a filler; a second copy of the same
    filler (the other pass, timed elsewhere) is dropped; the word it overlapped is cut."""
    from voicecoach.asr.models import load_model
    from voicecoach.asr.relisten import relisten_fillers

    for voice in VOICES:
        truth, audio = said_alone[voice]
        span = {s["text"]: s for s in truth["spans"]}
        er, monday = span["er"], span["Monday"]
        # the plain pass put "er," 0.4 s late, into the silence before "Monday", and the
        # biased pass wrote "uh" at the start of "Monday"; "Monday" starts early, over the er
        words = [
            Word("because", span["because"]["start_s"], span["because"]["end_s"], 0.9, "plain"),
            Word("er,", er["end_s"] + 0.1, er["end_s"] + 0.4, 0.6, "plain"),
            Word("uh", monday["start_s"], monday["start_s"] + 0.1, 0.5, "filler"),
            Word("Monday", er["end_s"] - 0.1, monday["end_s"], 0.9, "plain"),
        ]
        out = relisten_fillers(load_model(), audio, words)
        near = [w for w in out if er["start_s"] - 1 < w.start_s < monday["end_s"]]
        assert [w.text for w in near] == ["er,", "Monday"], voice
        assert abs(near[0].start_s - er["start_s"]) < 0.05 and abs(near[0].end_s - er["end_s"]) < 0.05, voice
        assert near[1].start_s >= near[0].end_s, voice


def test_a_hum_is_measured_only_against_enough_speech():
    """nasal_db measures a sound against the recording's own speech: with less than
    MIN_REFERENCE_S of sound there is no speech to measure against (in a take whose only
    sound is an "um", the "um" would be its own reference), and nothing reads as a hum."""
    import numpy as np

    from voicecoach.audio.acoustics import MIN_REFERENCE_S, nasal_db
    from voicecoach.audio.decode import SAMPLE_RATE_HZ as SR
    from voicecoach.audio.decode import validate_samples

    def take(speech_s: float) -> tuple:
        t = np.arange(int(SR * (speech_s + 3.0))) / SR
        vowel = sum(np.sin(2 * np.pi * 150 * k * t) / k**0.5 for k in range(1, 20))  # harmonics to 3 kHz
        hum = np.sin(2 * np.pi * 150 * t)  # a closed mouth: the fundamental alone
        y = np.zeros_like(t)
        y[SR : SR + int(speech_s * SR)] = 0.05 * vowel[: int(speech_s * SR)]
        h0 = SR + int(speech_s * SR) + SR // 2
        y[h0 : h0 + SR // 2] = 0.2 * hum[: SR // 2]
        return validate_samples(
            (y + np.random.default_rng(0).normal(0, 1e-4, len(y))).astype(np.float32), source="synthetic"
        ), h0 / SR

    audio, at = take(3.0)
    assert nasal_db(audio, at, at + 0.5) >= 10  # against 3 s of vowel: a murmur
    for speech_s in (0.0, MIN_REFERENCE_S - 1.0):
        audio, at = take(speech_s)
        assert nasal_db(audio, at, at + 0.5) == 0.0, speech_s


def test_suspect_words_give_back_a_filler_run_into_the_next_word(tmp_path):
    """The opt-in suspect-word rule (``suspect_max_probability``): a filler said straight
    into the next word, which the recogniser wrote as one unsure word ("I" at 0.1 over
    "er I"), is found by the filler-biased decoding in context; an unsure word with no
    filler in it ("Monday" at 0.1) gives none. Measured: 6 of 6 fillers over three voices,
    no find on the control words."""
    from pathlib import Path

    from synth import render

    from voicecoach.asr.models import load_model
    from voicecoach.asr.relisten import RelistenOptions, _fillers_in_suspect_words
    from voicecoach.audio.decode import load_audio

    script = (
        "We moved the servers over the weekend [600] and {er} I called the vendor [600] on Monday morning [600] "
        "then {erm} we tested everything"
    )
    found, false = 0, []
    for voice in VOICES:
        truth = render(script, Path(tmp_path / f"{voice}.wav"), voice=voice, rate_wpm=160)
        audio = load_audio(tmp_path / f"{voice}.wav")
        spans = truth["spans"]
        words = [
            Word("I", s["start_s"], min(spans[i + 1]["end_s"], s["end_s"] + 0.3), 0.1)
            for i, s in enumerate(spans)
            if s["kind"] == "vocal"
        ]
        control = next(s for s in spans if "Monday" in s["text"])
        words.append(Word("Monday", control["start_s"], control["end_s"], 0.1))
        got = _fillers_in_suspect_words(
            load_model(),
            audio,
            sorted(words, key=lambda w: w.start_s),
            [],
            RelistenOptions(suspect_max_probability=0.3),
        )
        for f in truth["vocal_fillers"]:
            found += any(f["start_s"] - 0.1 <= (g.start_s + g.end_s) / 2 <= f["end_s"] + 0.1 for g in got)
        false += [g for g in got if control["start_s"] - 0.1 <= (g.start_s + g.end_s) / 2 <= control["end_s"] + 0.1]
        assert _fillers_in_suspect_words(load_model(), audio, words, [], RelistenOptions()) == []  # off by default
    assert found >= 5 and len(false) <= 1, (found, false)


def test_the_second_opinion_decodes_as_the_transcription_does(monkeypatch):
    """The transcription's beam width and filler hotwords reach re-listening's own
    decodings (the second opinion), not only the passes over the whole recording. Every
    island is sent for a second opinion here (no island is a filler by itself at
    min_probability 1), and each of re-listening's decodings is recorded on its way to the
    real decoder."""
    from tests.conftest import SAMPLES
    from voicecoach.asr import relisten
    from voicecoach.asr.relisten import RelistenOptions
    from voicecoach.asr.transcribe import TranscribeOptions, transcribe
    from voicecoach.audio.decode import load_audio

    seen: list[tuple[int, str]] = []
    real = relisten.decode_clip

    def recorded(model, clip, **kw):
        seen.append((kw["beam_size"], kw["hotwords"]))
        return real(model, clip, **kw)

    monkeypatch.setattr(relisten, "decode_clip", recorded)
    options = TranscribeOptions(beam_size=3, hotwords="um uh er hmm mm")
    every_island = RelistenOptions(min_probability=1.0, second_opinion_min_probability=0.0001)
    transcribe(load_audio(SAMPLES / "hesitant_slow.wav"), options=options, relisten=every_island)
    assert seen and set(seen) == {(3, "um uh er hmm mm")}
