"""Practice through a real (virtual) microphone, takes that survive interruption, history."""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import jiwer
import pexpect
import pytest
import soundfile as sf

from tests.conftest import ROOT, SAMPLES
from tests.helpers import align
from tests.vmic import practice_process
from voicecoach.core.datatypes import normalise_word
from voicecoach.core.lexicon import is_vocal_filler

pytestmark = pytest.mark.model  # transcribes with the real model: run again under a forced instruction set

VC = [sys.executable, "-m", "voicecoach"]


def _practice(mic, data: Path, *args: str, **kw) -> subprocess.Popen:
    return practice_process(mic, data, *args, **kw)


def _wait_for_file(path_glob, directory: Path, timeout_s: float = 20.0) -> Path:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        found = sorted(directory.glob(path_glob))
        if found:
            return found[0]
        time.sleep(0.05)
    raise AssertionError(f"no {path_glob} in {directory}")


def _db(data: Path) -> list[tuple]:
    """(id, status, question, duration, audio path, fillers a minute, wpm) per take."""
    metric = "(SELECT value FROM take_metrics m WHERE m.take_id = takes.id AND m.analyser = ? AND m.metric = ?)"
    return (
        sqlite3.connect(data / "history.sqlite")
        .execute(
            f"SELECT id, status, question_id, duration_s, audio_path, {metric}, {metric} FROM takes ORDER BY id",
            ("fillers", "per_min", "pacing", "wpm"),
        )
        .fetchall()
    )


def test_practice_records_what_was_spoken(mic, tmp_path, truth):
    data = tmp_path / "data"
    # the answer is 26.2 s long with no pause over 0.35 s: a 1.5 s silence after it ends the take
    proc = _practice(
        mic, data, "--question", "mot-why-here", "--max-seconds", "60", "--stop-on-silence", "1.5", "--json"
    )
    _wait_for_file("takes/*.wav", data)
    time.sleep(0.5)
    mic.play(SAMPLES / "motivation_fast.wav").wait()
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    obj = json.loads(out)
    t = truth["motivation_fast"]
    # the take on disk holds the whole recording
    ((take_id, status, qid, duration, audio_path, fillers_per_min, wpm),) = _db(data)
    assert (take_id, status, qid) == (obj["take_id"], "scored", "mot-why-here")
    recorded_s = sf.info(audio_path).duration
    assert recorded_s == pytest.approx(duration, abs=0.01)
    assert 26.2 + 1.5 <= recorded_s <= 26.2 + 1.5 + 3.0, recorded_s  # stopped by the silence, not the 60 s limit
    # what was spoken: the script's words, its two vocal fillers, its pace
    words = [normalise_word(w["text"]) for w in obj["transcript"]["words"]]
    ref = " ".join(normalise_word(w) for w in t["text"].split())
    assert jiwer.wer(ref, " ".join(w for w in words if not is_vocal_filler(w))) < 0.15
    # the device delivered the answer faithfully: aligned, the take correlates with the source
    offset_s, corr = align(Path(audio_path), SAMPLES / "motivation_fast.wav")
    assert corr > 0.9 and 0 < offset_s < 3
    # the scripted vocal fillers, placed by the alignment; a re-recorded clip shifts the
    # decoder's 30 s window, so one of the two may be missed, but none may be invented
    vocal = [e for e in obj["fillers"]["events"] if e["kind"] == "vocal"]
    scripted = [(f["start_s"] + offset_s, f["end_s"] + offset_s) for f in t["vocal_fillers"]]
    assert all(any(a - 0.3 <= e["start_s"] <= b + 0.3 for a, b in scripted) for e in vocal), (vocal, scripted)
    assert len(vocal) >= len(scripted) - 1
    assert obj["pacing"]["wpm"] == pytest.approx(t["wpm"], rel=0.05)
    assert obj["question_id"] == "mot-why-here" and obj["structure"]["covers"]
    # the history row holds the same figures
    assert fillers_per_min == pytest.approx(obj["fillers"]["per_min"]) and wpm == pytest.approx(obj["pacing"]["wpm"])
    hist = json.loads(
        subprocess.run(
            [*VC, "history", "--json", "--data-dir", str(data)], capture_output=True, text=True, check=True
        ).stdout
    )
    assert hist[0]["id"] == take_id and hist[0]["report"]["fillers"]["count"] == obj["fillers"]["count"]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupted_take_keeps_the_audio(sig, mic, tmp_path):
    data = tmp_path / "data"
    proc = _practice(mic, data, "--question", "sw-weakness", "--max-seconds", "60")
    wav = _wait_for_file("takes/*.wav", data)
    player = mic.play(SAMPLES / "star_answer.wav")
    time.sleep(4.0)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    player.kill()
    # a valid audio file with what was recorded up to the interruption
    info = sf.info(str(wav))
    assert 3.0 <= info.duration <= 6.0, info.duration
    y, sr = sf.read(str(wav))
    assert sr == 16000 and abs(y).max() > 0.01  # speech, not an empty header
    ((take_id, status, *_),) = _db(data)
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and status == "recorded"
        assert f"voicecoach score --take {take_id}" in err
    else:
        assert proc.returncode == -9 and status == "recording"
        # the next open of the history gives the row the status of what is on disk
        hist = json.loads(
            subprocess.run(
                [*VC, "history", "--json", "--data-dir", str(data)], capture_output=True, text=True, check=True
            ).stdout
        )
        assert hist[0]["status"] == "recorded" and hist[0]["duration_s"] == pytest.approx(
            sf.info(str(wav)).duration, abs=0.01
        )
    # the partial take can be scored later, and the history then has its report
    result = subprocess.run(
        [*VC, "score", "--take", str(take_id), "--json", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["speech_found"]
    assert _db(data)[0][1] == "scored"


def test_enter_stops_the_recording_in_a_terminal(mic, tmp_path):
    data = tmp_path / "data"
    child = pexpect.spawn(
        VC[0],
        [*VC[1:], "practice", "--question", "beh-deadline", "--prep-seconds", "1", "--data-dir", str(data)],
        env=mic.env,
        cwd=str(ROOT),
        encoding="utf-8",
        timeout=120,
        dimensions=(50, 120),
    )
    child.expect("Recording starts in 1 s")
    child.expect("Press Enter to stop")
    player = mic.play(SAMPLES / "hesitant_slow.wav")
    child.expect([pexpect.TIMEOUT], timeout=5.0)  # reading the terminal all the while, as a terminal does
    child.sendline("")
    child.expect("Transcript")
    child.expect(r"Take #1, (\d+\.\d) s; report ready (\d+\.\d) s after you stopped")
    recorded = float(child.match.group(1))
    child.expect(r"Try this question again\?")
    child.sendline("n")
    child.expect(pexpect.EOF)
    child.close()
    player.kill()
    assert child.exitstatus == 0
    assert 4.5 <= recorded <= 7.0
    assert _db(data)[0][1] == "scored"


def test_devices_and_device_errors(mic, tmp_path):
    out = subprocess.run([*VC, "devices", "--json"], env=mic.env, capture_output=True, text=True, check=True).stdout
    names = {d["name"] for d in json.loads(out)}
    assert {"pulse", "default"} <= names
    wrong = {
        ("practice", "--device", "usb-mic-9000", "--max-seconds", "2"): "Error: input device 'usb-mic-9000': no such "
        "input device; available: 'pulse', 'default' (given with --device)",
        ("interview", "--voice", "espeak", "--output-device", "hdmi-9"): "Error: output device 'hdmi-9': no such "
        "output device; available: 'pulse', 'default' (given with --output-device)",
    }
    for args, message in wrong.items():
        bad = subprocess.run(
            [*VC, *args, "--data-dir", str(tmp_path)],
            env=mic.env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        assert bad.returncode == 1 and bad.stderr.strip().splitlines() == [message], bad.stderr
    assert not (tmp_path / "history.sqlite").exists()  # refused before anything was recorded or kept


def test_no_input_device(tmp_path):
    # no sound card here, and no PulseAudio server to reach: PortAudio sees no input at all
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULSE", "XDG_RUNTIME"))}
    env["PULSE_SERVER"] = f"unix:{tmp_path / 'no-such.sock'}"
    result = subprocess.run(
        [*VC, "practice", "--max-seconds", "2", "--data-dir", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "Error: no audio input device found; connect a microphone; `voicecoach devices` lists the inputs"
    )


def test_portaudio_missing(tmp_path):
    # a stand-in for a machine without libportaudio: sounddevice raises at import, as it does there
    (tmp_path / "sounddevice.py").write_text("raise OSError('PortAudio library not found')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run([*VC, "devices"], env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "Error: PortAudio is not installed, so voicecoach cannot record; install it (Debian/Ubuntu: apt-get "
        "install libportaudio2)"
    )


def test_the_last_piece_is_heard_with_the_speech_before_it():
    """star_answer up to "...a daily check between the old and new ledgers" (then 1 s of
    silence), transcribed piece by piece as it arrives: the last piece, about 3.5 s, is
    what is left when the speaker stops. Heard alone, tiny.en wrote "...the old and
    through the edges" under every instruction set; heard from the cut before it (the
    speech before is decoded again and its words dropped), one word wrong at most, and no
    word of the piece before twice."""
    import numpy as np

    from voicecoach.audio.decode import SAMPLE_RATE_HZ as SR
    from voicecoach.audio.decode import load_audio

    a = load_audio(SAMPLES / "star_answer.wav")  # "ledgers" ends at 28.04 s, "you know" starts at 29.59 s
    x = np.concatenate([np.zeros(SR, np.float32), a.samples[: int(28.8 * SR)], np.zeros(SR, np.float32)])
    st = _stream(x, guess_until_s=0.0)  # nothing guessed: the last piece decoded at the stop
    cut_s = st.transcribed_s
    assert st.pieces >= 2 and cut_s < 1.0 + 24.6  # cut in a pause before "I also set up"
    done = st.finish()
    assert done is not None and st.guesses == 0 and not st.guessed
    words = done[1].words
    last = " ".join(normalise_word(w.text) for w in words if w.start_s >= cut_s)
    assert jiwer.wer("i also set up a daily check between the old and new ledgers", last) <= 1 / 12, last
    assert all(w2.start_s >= w1.end_s - 0.05 for w1, w2 in itertools.pairwise(words)), "a word heard twice"
    assert sum(normalise_word(w.text) == "waves" for w in words) == 1  # said once, before the last cut


def _stream(x, *, guess_until_s: float | None):
    """A streamer fed ``x`` in 0.1 s blocks in this thread, as a worker that keeps up
    would be: pieces cut as they come, the last piece guessed ahead in a silence (only up
    to ``guess_until_s`` of audio; None: throughout)."""
    from voicecoach.audio.decode import SAMPLE_RATE_HZ as SR
    from voicecoach.scoring.stream import StreamingTranscriber
    from voicecoach.settings.config import Settings

    st = StreamingTranscriber(Settings())
    for i in range(0, len(x), SR // 10):
        st.feed(x[i : i + SR // 10])
        while st.step():
            pass
        if guess_until_s is None or (i + SR // 10) / SR <= guess_until_s:
            st.speculate()
    return st


def _room_silence(seconds: float):
    """What a microphone sends while nobody speaks: low noise, not digital zeros."""
    import numpy as np

    from voicecoach.audio.decode import SAMPLE_RATE_HZ as SR

    return np.random.default_rng(1).normal(0.0, 0.001, int(seconds * SR)).astype(np.float32)


@pytest.mark.words
def test_the_last_piece_guessed_in_the_silence_before_the_stop_is_the_report_s():
    """star_answer up to "...between the old and new ledgers", then 1.5 s of room silence
    before the stop: the last piece is transcribed in that silence, once, and the stop
    takes it as it is (no decoding left), with the words the script says."""
    import numpy as np

    from voicecoach.audio.decode import SAMPLE_RATE_HZ as SR
    from voicecoach.audio.decode import load_audio

    a = load_audio(SAMPLES / "star_answer.wav")
    x = np.concatenate([_room_silence(1.0), a.samples[: int(28.8 * SR)], _room_silence(1.5)])
    st = _stream(x, guess_until_s=None)
    cut_s = st.transcribed_s
    assert st.guesses >= 1
    guesses = st.guesses
    for _ in range(5):  # more silence: nothing new to guess
        assert not st.speculate()
    assert st.guesses == guesses
    done = st.finish()
    assert done is not None and st.guessed
    words = done[1].words
    last = " ".join(normalise_word(w.text) for w in words if w.start_s >= cut_s)
    assert jiwer.wer("i also set up a daily check between the old and new ledgers", last) <= 1 / 12, last
    assert all(w2.start_s >= w1.end_s - 0.05 for w1, w2 in itertools.pairwise(words)), "a word heard twice"


@pytest.mark.words
def test_a_guess_is_dropped_when_the_speaker_goes_on():
    """The last piece is guessed in a 1 s silence after "...new ledgers", then the speaker
    goes on ("you know, when a mismatch showed up in the second wave"): the stop does not
    take the guess, and the words said after it are in the transcript."""
    import numpy as np

    from voicecoach.audio.decode import SAMPLE_RATE_HZ as SR
    from voicecoach.audio.decode import load_audio

    a = load_audio(SAMPLES / "star_answer.wav")
    first = np.concatenate([_room_silence(1.0), a.samples[: int(28.8 * SR)], _room_silence(1.0)])
    x = np.concatenate([first, a.samples[int(29.5 * SR) : int(32.6 * SR)], _room_silence(0.3)])
    st = _stream(x, guess_until_s=len(first) / SR)
    assert st.guesses >= 1
    done = st.finish()
    assert done is not None and not st.guessed
    said_after_s = len(first) / SR
    later = " ".join(normalise_word(w.text) for w in done[1].words if w.start_s >= said_after_s - 0.1)
    assert jiwer.wer("you know when a mismatch showed up in the second wave", later) <= 0.25, later
