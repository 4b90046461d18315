"""Hostile input, through the real CLI: every case gets a one-line error and a non-zero
exit, or the right behaviour; nothing hangs, nothing prints a traceback, nothing computed
is thrown away.

Each command runs as its own process (``python -m voicecoach``) with a time limit, so a
hang fails the test instead of stalling the suite. The truth of each case is how its
input was built (a FIFO, a header that lies, three copies of one file, a locked database).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import ROOT, SAMPLES, convert, open_page
from voicecoach.asr.language import MIN_ENGLISH_PROBABILITY, MIN_MEDIAN_WORD_PROBABILITY
from voicecoach.practice.history import SCHEMA_VERSION, History

CLIP = SAMPLES / "motivation_fast.wav"  # 26 s, the shortest sample
STAR = SAMPLES / "star_answer.wav"


#: Root reads any file; without these two capabilities it obeys file modes like anyone.
AS_ROOT_WITHOUT_OVERRIDE = [
    "setpriv",
    "--bounding-set",
    "-dac_override,-dac_read_search",
    "--inh-caps",
    "-dac_override,-dac_read_search",
    "--",
]


def vc(
    *args: str, timeout: float = 600, env: dict | None = None, obey_file_modes: bool = False, cwd: Path = ROOT
) -> subprocess.CompletedProcess:
    """Run ``voicecoach ARGS`` as its own process; fail (not hang) past ``timeout``.
    ``obey_file_modes``: as root, drop the capabilities that let root read any file."""
    cmd = [sys.executable, "-m", "voicecoach", *args]
    if obey_file_modes and os.geteuid() == 0:
        cmd = AS_ROOT_WITHOUT_OVERRIDE + cmd
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}, cwd=cwd
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"voicecoach {' '.join(args)} still running after {timeout} s")
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


def one_line_error(proc: subprocess.CompletedProcess, message: str) -> str:
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr
    assert message in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def unreadable(tmp_path) -> Path:
    """An answer nobody may read (mode 000); see ``vc(obey_file_modes=True)``."""
    p = tmp_path / "locked.wav"
    shutil.copy(CLIP, p)
    p.chmod(0)
    return p


# ---------------------------------------------------------------- inputs that are refused
def _make(kind: str, d: Path) -> str:
    p = d / {
        "missing": "nope.wav",
        "directory": "folder",
        "fifo": "pipe.wav",
        "loop": "loop.wav",
        "broken_link": "gone.wav",
    }.get(kind, f"{kind}.wav")
    if kind == "directory":
        p.mkdir()
    elif kind == "empty":
        p.write_bytes(b"")
    elif kind == "text":
        p.write_text("this is not audio\n" * 50)
    elif kind == "truncated_header":
        p.write_bytes(STAR.read_bytes()[:30])  # a RIFF header cut off before any sample
    elif kind == "garbage":
        p = p.with_suffix(".mp3")
        p.write_bytes(np.random.default_rng(1).integers(0, 256, 20000, dtype=np.uint8).tobytes())
    elif kind == "short":
        sf.write(p, np.zeros(8000, dtype=np.float32), 16000)  # 0.5 s
    elif kind == "fifo":
        os.mkfifo(p)
    elif kind == "dev_zero":
        p.symlink_to("/dev/zero")
    elif kind == "link_to_fifo":
        os.mkfifo(d / "real-pipe")
        p.symlink_to(d / "real-pipe")
    elif kind == "loop":
        p.symlink_to(d / "loop2.wav")
        (d / "loop2.wav").symlink_to(p)
    elif kind == "broken_link":
        p.symlink_to(d / "was-here.wav")
    elif kind == "two_hours":
        # 2 h of 8 kHz 8-bit silence: 58 MB, a header that tells the truth
        subprocess.run(["sox", "-n", "-r", "8000", "-b", "8", "-c", "1", str(p), "trim", "0", "2:00:00"], check=True)
    elif kind == "no_audio_stream":
        p = p.with_suffix(".mp4")
        subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=black:s=32x32:d=2", "-an", str(p)],
            check=True,
        )
    return str(p)


REFUSED = [
    ("missing", "no such file"),
    ("directory", "is a directory"),
    ("empty", "the file is empty (0 bytes)"),
    ("text", "not a readable audio file"),
    ("truncated_header", "not a readable audio file"),
    ("garbage", "not a readable audio file"),
    ("short", "needs at least 1 s"),
    ("fifo", "is a FIFO (named pipe), not a regular file"),
    ("dev_zero", "is a character device, not a regular file"),
    ("link_to_fifo", "is a FIFO (named pipe), not a regular file"),
    ("loop", "a symbolic link loop"),
    ("broken_link", "a broken symbolic link"),
    ("two_hours", "the audio is 2:00:00 long (by its header); voicecoach scores answers of up to 30:00"),
    ("no_audio_stream", "holds no audio stream"),
]


@pytest.mark.parametrize(("kind", "message"), REFUSED, ids=[k for k, _ in REFUSED])
def test_score_refuses_with_one_line(kind, message, tmp_path):
    one_line_error(vc("score", _make(kind, tmp_path), timeout=60), message)


def test_unreadable_file_is_refused(unreadable):
    one_line_error(vc("score", str(unreadable), obey_file_modes=True, timeout=60), "cannot read it (permission denied)")


def test_answer_over_the_limit_is_refused_while_decoding(tmp_path):
    """A stream that states no length is cut off once the decoder passes the limit."""
    from voicecoach.audio.decode import load_audio
    from voicecoach.core.errors import AudioError

    # WebM written to a pipe, as a browser's MediaRecorder streams it: no duration in it
    raw = tmp_path / "stream.webm"
    with raw.open("wb") as f:
        subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-i", str(STAR), "-c:a", "libopus", "-f", "webm", "pipe:1"],
            stdout=f,
            check=True,
        )
    assert load_audio(raw).duration_s == pytest.approx(47.7, abs=0.2)
    with pytest.raises(AudioError, match=r"the audio is 0:30 long or more; voicecoach scores answers of up to 0:30"):
        load_audio(raw, max_duration_s=30)


# ---------------------------------------------------------------- inputs that are scored
@pytest.fixture(scope="module")
def odd_inputs(tmp_path_factory) -> dict[str, Path]:
    """Files that look wrong but hold an answer, or hold none."""
    d = tmp_path_factory.mktemp("odd")
    out = {}
    # a header that claims 2 hours over 31 s of speech: scored for what is there
    data = bytearray(CLIP.read_bytes())
    data[40:44] = struct.pack("<I", 16000 * 2 * 7200)
    (out_lying := d / "lying header.wav").write_bytes(bytes(data))
    out["lying"] = out_lying
    half = d / "half.wav"
    half.write_bytes(STAR.read_bytes()[: len(STAR.read_bytes()) // 2])  # cut off mid-file
    out["half"] = half
    out["8bit"] = Path(
        subprocess.run(
            ["sox", str(CLIP), "-b", "8", "-e", "unsigned-integer", str(d / "eight-bit.wav")], check=True
        ).args[-1]
    )
    out["6ch_48k"] = convert(CLIP, d / "six channels 48k.wav", "-ar", "48000", "-ac", "6")
    out["mp3"] = convert(CLIP, d / "answer.mp3", "-ar", "44100")
    out["m4a"] = convert(CLIP, d / "answer.m4a", "-ar", "22050")
    out["unicode_name"] = d / "réponse – entretien 面接.wav"
    shutil.copy(CLIP, out["unicode_name"])
    out["dash_name"] = d / "-q.wav"  # looks like an option
    shutil.copy(CLIP, out["dash_name"])
    sf.write(d / "silence.wav", np.zeros(16000 * 4, dtype=np.float32), 16000)
    out["silence"] = d / "silence.wav"
    sf.write(d / "noise.wav", np.random.default_rng(2).normal(0, 0.05, 16000 * 4).astype(np.float32), 16000)
    out["noise"] = d / "noise.wav"
    t = np.arange(16000 * 4) / 16000
    sf.write(d / "tone.wav", (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 16000)
    out["tone"] = d / "tone.wav"
    return out


def _score_all(odd_inputs: dict[str, Path], names: list[str]) -> dict[str, dict]:
    proc = vc("score", "--json", "--decoding", "plain", "--", *(str(odd_inputs[n]) for n in names), timeout=600)
    assert proc.returncode == 0, proc.stderr
    objs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["file"] for o in objs] == [str(odd_inputs[n]) for n in names]
    return dict(zip(names, objs, strict=True))


#: The files whose verdict rests on what the model writes (their words) or on the voice
#: activity detector (no speech): the second CI pass, under another instruction set,
#: scores the first two again. The other containers hold the same clip decoded
#: differently, which no instruction set changes.
JUDGED = ["lying", "half", "silence", "noise", "tone"]
CONTAINERS = ["8bit", "6ch_48k", "mp3", "m4a", "unicode_name", "dash_name"]


@pytest.fixture(scope="module")
def judged_scored(odd_inputs) -> dict[str, dict]:
    return _score_all(odd_inputs, JUDGED)


@pytest.fixture(scope="module")
def containers_scored(odd_inputs) -> dict[str, dict]:
    return _score_all(odd_inputs, CONTAINERS)


def _holds_the_clip(obj: dict, truth: dict) -> None:
    """motivation_fast: its scripted length and pace."""
    assert obj["speech_found"] and obj["english"]
    assert obj["duration_s"] == pytest.approx(truth["motivation_fast"]["duration_s"], abs=0.2)
    assert obj["pacing"]["wpm"] == pytest.approx(truth["motivation_fast"]["wpm"], rel=0.06)


@pytest.mark.words
@pytest.mark.model
def test_a_header_that_lies_about_the_length_is_scored_for_what_is_there(judged_scored, truth):
    _holds_the_clip(judged_scored["lying"], truth)


@pytest.mark.model
@pytest.mark.parametrize("name", CONTAINERS)
def test_odd_files_with_an_answer_are_scored(name, containers_scored, truth):
    """Every one of them holds motivation_fast: 8-bit, 6 channels at 48 kHz, MP3, M4A, a
    name in three scripts, a name that looks like an option."""
    _holds_the_clip(containers_scored[name], truth)


@pytest.mark.words
@pytest.mark.model
def test_file_cut_off_mid_way_is_scored_for_what_is_there(judged_scored):
    obj = judged_scored["half"]
    assert 20 < obj["duration_s"] < 27 and obj["speech_found"]


@pytest.mark.model
@pytest.mark.parametrize("name", ["silence", "noise", "tone"])
def test_no_speech_gives_a_report_saying_so(name, judged_scored):
    """Told by the voice activity detector before the recogniser is asked (which invents
    words on a tone at every temperature): no instruction set changes it."""
    obj = judged_scored[name]
    assert (
        obj["speech_found"] is False
        and obj["transcript"]["words"] == []
        and obj["scores"] is None
        and obj["tips"] == []
    )


@pytest.mark.model
def test_no_speech_is_said_so_in_the_terminal(odd_inputs):
    """The terminal report of a file without speech (the JSON verdict above is the model's;
    this is how it is shown)."""
    text = vc("score", str(odd_inputs["silence"]), timeout=120)
    assert text.returncode == 0 and "No speech was found" in text.stdout


@pytest.mark.model
def test_one_bad_file_among_good_ones_fails_the_run_but_scores_the_rest(tmp_path):
    proc = vc("score", "--json", "--decoding", "plain", str(tmp_path / "missing.wav"), str(CLIP))
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"Error: {tmp_path / 'missing.wav'}: no such file"
    (obj,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert obj["file"] == str(CLIP)


# ---------------------------------------------------------------- not English
@pytest.fixture(scope="module")
def spoken_languages(tmp_path_factory) -> dict[str, Path]:
    """The same interview answer spoken by espeak-ng in German, French and English."""
    d = tmp_path_factory.mktemp("lang")
    texts = {
        "de": "In meinem letzten Projekt habe ich ein Team von fünf Entwicklern geleitet. Wir mussten die Datenbank "
        "in drei Monaten umstellen, "
        "und am Ende haben wir die Kosten um dreißig Prozent gesenkt. Das war eine sehr gute Erfahrung für mich.",
        "fr": "Dans mon dernier poste, j'ai dirigé une équipe de cinq développeurs. Nous devions migrer la base de "
        "données en trois mois, "
        "et à la fin nous avons réduit les coûts de trente pour cent. C'était une très bonne expérience pour moi.",
        "en": "In my last job I led a team of five developers. We had to move the database in three months, "
        "and in the end we cut the costs by thirty percent. It was a very good experience for me.",
    }
    out = {}
    for lang, text in texts.items():
        out[lang] = d / f"{lang}.wav"
        subprocess.run(
            ["espeak-ng", "-v", {"en": "en-us"}.get(lang, lang), "-s", "150", "-w", str(out[lang]), text], check=True
        )
    return out


def _generic_isa() -> bool:
    """Whether CTranslate2 runs its GENERIC kernels here (forced, or a CPU without AVX2)."""
    if os.environ.get("CT2_FORCE_CPU_ISA"):
        return os.environ["CT2_FORCE_CPU_ISA"].upper() == "GENERIC"
    try:
        return " avx2" not in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def _intel_mkl() -> bool:
    """Whether CTranslate2 multiplies with Intel MKL here (forced with CT2_USE_MKL, or by
    default on an Intel CPU) rather than oneDNN."""
    if os.environ.get("CT2_USE_MKL"):
        return os.environ["CT2_USE_MKL"].strip().lower() in ("1", "true", "on", "yes")
    try:
        return "GenuineIntel" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def _language_model_installed() -> bool:
    from voicecoach.asr.language import LANGUAGE_MODEL
    from voicecoach.asr.models import PYPI_MODELS, pypi_model_parts

    return pypi_model_parts(PYPI_MODELS[LANGUAGE_MODEL]) is not None


@pytest.mark.model
@pytest.mark.xfail(
    not _language_model_installed() and (_generic_isa() or _intel_mkl()),
    reason="a known limit without Whisper base installed: under GENERIC kernels tiny.en writes the German answer with "
    "median word probability 0.52 (English radio: 0.53) and the French one as a single word, and with Intel MKL's "
    'matrix products the German one as "Thank you very much." (4 words, too few to judge); base\'s language '
    "detection (voicecoach[base]) tells them apart under every backend",
    strict=False,
)
@pytest.mark.words
@pytest.mark.parametrize("lang", ["de", "fr"])
def test_speech_that_is_not_english_is_not_scored(lang, spoken_languages):
    proc = vc("score", "--json", str(spoken_languages[lang]))
    assert proc.returncode == 0, proc.stderr
    obj = json.loads(proc.stdout)
    assert obj["speech_found"] and obj["english"] is False, obj["transcript"]["text"]
    # told by the transcript's word probabilities, or where they gave reason to doubt, by
    # Whisper base's language detection
    by_words = (
        obj["median_word_probability"] is not None and obj["median_word_probability"] < MIN_MEDIAN_WORD_PROBABILITY
    )
    assert by_words or obj["english_probability"] < MIN_ENGLISH_PROBABILITY, obj
    assert obj["scores"] is None and obj["tips"] == [] and "does not sound like English" in obj["warning"]


@pytest.mark.model
def test_an_answer_not_in_english_is_said_so_everywhere(spoken_languages, tmp_path):
    """The terminal says so, a batch marks the row, and report refuses an HTML page of it
    (German, which every backend with Whisper base installed tells from English)."""
    proc = vc("score", "--json", str(spoken_languages["de"]))
    if json.loads(proc.stdout)["english"] is not False:
        pytest.skip("this backend's transcript of the German answer passes for English (the known limit above)")
    text = vc("score", str(spoken_languages["de"]))
    assert "does not sound like English" in " ".join(text.stdout.split()) and "Overall" not in text.stdout
    batch = vc("batch", str(spoken_languages["de"]), "--out", str(tmp_path / "out"), "--workers", "1")
    (row,) = list(csv.DictReader((tmp_path / "out" / "results.csv").open()))
    assert batch.returncode == 0 and row["status"] == "not_english" and row["scores.overall"] == ""
    result = tmp_path / "r.json"
    result.write_text(proc.stdout)
    one_line_error(vc("report", str(result), "--html", str(tmp_path / "r.html")), "nothing was scored")


def test_a_video_sign_off_or_a_loop_marks_a_segment_failed():
    """Segments written at a passing temperature are still left out (and their stretch
    decoded again on its own) when they are a video's sign-off or loop on one word; an
    answer that says "thank you" or repeats a word three times is kept."""
    from types import SimpleNamespace as S

    from voicecoach.asr.transcribe import failed

    def seg(text: str, temperature: float = 0.0, avg_logprob: float = -0.3) -> S:
        return S(
            text=text,
            temperature=temperature,
            avg_logprob=avg_logprob,
            compression_ratio=1.2,
            words=[S(word=" " + w) for w in text.split()],
        )

    assert failed(seg("Thank you very much for watching, and I'll see you in the next video."))
    assert failed(seg("1, 2, 3, 3, 3, 3, 3, 5, 3."))
    assert failed(seg("Hmm, that is a good question.", temperature=1.0, avg_logprob=-1.2))  # every temperature failed
    assert not failed(seg("Thank you very much for the question."))
    assert not failed(seg("We grew, grew, grew the team, and I watched the numbers."))
    assert not failed(seg("Our customers subscribe to the service monthly."))


@pytest.mark.words
@pytest.mark.model
@pytest.mark.skipif(not _language_model_installed(), reason="Whisper base (voicecoach[base]) is not installed")
def test_whisper_base_tells_the_language(spoken_languages):
    """Measured: German 0.06, French 0.009, English 0.88, under oneDNN and MKL alike."""
    from voicecoach.asr.language import english_probability
    from voicecoach.audio.decode import load_audio

    p = {lang: english_probability(load_audio(path)) for lang, path in spoken_languages.items()}
    assert p["de"] < MIN_ENGLISH_PROBABILITY and p["fr"] < MIN_ENGLISH_PROBABILITY, p
    assert p["en"] >= 0.6, p


@pytest.mark.words
@pytest.mark.model
def test_english_control_is_scored(spoken_languages):
    obj = json.loads(vc("score", "--json", str(spoken_languages["en"])).stdout)
    assert (
        obj["english"] is True
        and obj["median_word_probability"] >= MIN_MEDIAN_WORD_PROBABILITY
        and obj["scores"]["overall"] > 0
    )


# ---------------------------------------------------------------- batch
@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    """A cohort folder with a FIFO, a link to /dev/zero, a link loop, three byte-identical
    answers and an unreadable one, plus a manifest naming a missing file and the FIFO."""
    d = tmp_path_factory.mktemp("cohort")
    src = d / "answers"
    src.mkdir()
    for name in ("anna.wav", "ben.wav", "cleo.wav"):  # three students handed in the same file
        shutil.copy(CLIP, src / name)
    os.mkfifo(src / "pipe.wav")
    (src / "zero.wav").symlink_to("/dev/zero")
    (src / "loop.wav").symlink_to(src / "loop2.wav")
    (src / "loop2.wav").symlink_to(src / "loop.wav")
    manifest = d / "manifest.csv"
    manifest.write_text(
        "file,question\nanswers/ben.wav,Why this role?\nmissing.wav,Why this role?\nanswers/pipe.wav,\n"
    )
    out = d / "out"
    args = (
        "batch",
        str(src),
        str(manifest),
        str(d / "nothing-here" / "*.wav"),
        "--out",
        str(out),
        "--workers",
        "1",
        "--decoding",
        "plain",
    )
    first = vc(*args, timeout=600)
    return d, src, out, args, first


def _rows(out: Path) -> list[dict]:
    with (out / "results.csv").open(newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.model
def test_batch_gives_every_input_path_its_row(hostile_batch):
    d, src, out, _args, first = hostile_batch
    assert first.returncode == 1  # some inputs failed, the rest were scored
    rows = _rows(out)
    by = {(Path(r["file"]).name, r["question"]): r for r in rows}
    assert len(rows) == len(by) == 10, [r["file"] for r in rows]
    for name in ("anna.wav", "ben.wav", "cleo.wav"):
        assert by[(name, "")]["status"] == "ok"
    # the same bytes give the same numbers, each under its own name
    assert len({by[(n, "")]["pacing.wpm"] for n in ("anna.wav", "ben.wav", "cleo.wav")}) == 1
    assert by[("ben.wav", "Why this role?")]["status"] == "ok"  # the manifest's question makes it another job
    assert "is a FIFO (named pipe)" in by[("pipe.wav", "")]["reason"]
    assert "is a character device" in by[("zero.wav", "")]["reason"]
    assert "symbolic link loop" in by[("loop.wav", "")]["reason"]
    assert "no such file" in by[("missing.wav", "Why this role?")]["reason"]
    assert "no file matches this pattern" in by[("*.wav", "")]["reason"]
    assert all(r["status"] == "failed" for r in rows if r["status"] != "ok")
    jsonl = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert [o["file"] for o in jsonl] == [r["file"] for r in rows]
    assert "failed:" in first.stderr and "10 files: 4 scored" in first.stdout


@pytest.mark.model
def test_batch_skips_its_own_results_and_resumes_with_other_workers(hostile_batch):
    d, src, out, args, _first = hostile_batch
    before = _rows(out)
    again = vc(*args[:-4], "--workers", "2", "--decoding", "plain", str(out / "results.csv"), timeout=300)
    assert "4 of 10 files already scored" in again.stderr  # --workers changes nothing that was computed
    assert f"skipped {out / 'results.csv'}" in again.stderr
    assert _rows(out) == before
    # the results table given as a manifest on its own is refused as one, not run
    own = vc("batch", str(out / "results.csv"), "--out", str(d / "other"))
    assert own.returncode == 1
    assert own.stderr.splitlines() == [
        f"skipped {out / 'results.csv'}: a voicecoach results table, not a manifest (a manifest has columns "
        "file,question)",
        "Error: no audio files found in the inputs",
    ]


@pytest.mark.model
def test_unreadable_input_is_a_failed_row(unreadable):
    shutil.copy(CLIP, unreadable.parent / "fine.wav")
    out = unreadable.parent / "out"
    proc = vc(
        "batch",
        str(unreadable.parent),
        "--out",
        str(out),
        "--workers",
        "1",
        "--decoding",
        "plain",
        obey_file_modes=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr
    rows = {Path(r["file"]).name: r for r in _rows(out)}
    assert rows["locked.wav"]["status"] == "failed" and "permission denied" in rows["locked.wav"]["reason"]
    assert rows["fine.wav"]["status"] == "ok"


@pytest.mark.parametrize(
    ("out", "message"),
    [("{file}/out", "cannot create the results folder"), ("/proc/voicecoach-out", "cannot create the results folder")],
)
def test_batch_output_folder_that_cannot_be_made(out, message, tmp_path):
    f = tmp_path / "plain-file"
    f.write_text("x")
    one_line_error(vc("batch", str(CLIP), "--out", out.format(file=f)), message)


def test_concurrent_writers_never_share_a_temporary_file(tmp_path):
    """Two batches rewriting one --out folder: each write is whole, none fails."""
    from voicecoach.core.files import atomic_write_text

    target = tmp_path / "results.csv"
    errors: list[BaseException] = []

    def write(tag: str) -> None:
        for i in range(200):
            try:
                atomic_write_text(target, f"{tag},{i}\n" * 100)
            except BaseException as exc:  # noqa: BLE001 - collected for the assert
                errors.append(exc)

    threads = [threading.Thread(target=write, args=(t,)) for t in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    lines = target.read_text().splitlines()
    assert len(lines) == 100 and len(set(lines)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]


@pytest.mark.model
def test_two_batch_processes_on_one_out_folder(tmp_path):
    out = tmp_path / "out"
    assert vc("batch", str(CLIP), "--out", str(out), "--workers", "1", "--decoding", "plain").returncode == 0
    cmd = [
        sys.executable,
        "-m",
        "voicecoach",
        "batch",
        str(CLIP),
        "--out",
        str(out),
        "--workers",
        "1",
        "--decoding",
        "plain",
    ]
    for _ in range(4):
        procs = [
            subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)
        ]
        for p in procs:
            _out, err = p.communicate(timeout=120)
            assert p.returncode == 0 and "Traceback" not in err, err
    assert len(_rows(out)) == 1


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    kids.append(int(entry.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.model
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_exit_when_the_batch_dies(sig, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(4):
        shutil.copy(SAMPLES / ("star_answer.wav" if i % 2 else "hesitant_slow.wav"), src / f"{i}.wav")
        with (src / f"{i}.wav").open("ab") as f:
            f.write(bytes([i]))  # different bytes, so four jobs
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "voicecoach", "batch", str(src), "--out", str(out), "--workers", "2"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 60
    workers: list[int] = []
    while time.time() < deadline:
        workers = [
            k
            for k in _children(proc.pid)
            if "multiprocessing" in (Path("/proc") / str(k) / "cmdline").read_text(errors="replace")
        ]
        if len(workers) >= 2:
            break
        time.sleep(0.2)
    assert len(workers) >= 2, "the batch did not start its workers"
    time.sleep(3)  # they are loading the model or scoring
    os.kill(proc.pid, sig)  # the batch alone, as a process manager or the OOM killer would
    _out, err = proc.communicate(timeout=60)
    deadline = time.time() + 15
    while time.time() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.2)
    left = [w for w in workers if _alive(w)]
    for w in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(w, signal.SIGKILL)
    assert left == [], f"workers {left} outlived the batch ({sig.name})"
    if sig == signal.SIGTERM:
        assert proc.returncode == 128 + signal.SIGTERM and "Interrupted" in err and "Traceback" not in err
        assert (out / "results.csv").exists()  # what was done is written out


# ---------------------------------------------------------------- history database
def _history_with_take(d: Path) -> int:
    audio = d / "takes" / "take.wav"
    audio.parent.mkdir(parents=True)
    shutil.copy(CLIP, audio)
    h = History.open(d)
    take = h.start_take(audio_path=audio, question_id=None, question_text="Why do you want this job?", category=None)
    h.finish_recording(take, 26.2)
    h.close()
    return take


@pytest.mark.model
def test_locked_history_keeps_the_computed_report(tmp_path):
    take = _history_with_take(tmp_path)
    lock = sqlite3.connect(tmp_path / "history.sqlite")
    lock.execute("BEGIN EXCLUSIVE")
    try:
        proc = vc("score", "--take", str(take), "--data-dir", str(tmp_path), "--decoding", "plain", timeout=180)
    finally:
        lock.rollback()
        lock.close()
    assert proc.returncode == 1
    assert "Overall" in proc.stdout  # the report was shown
    err = proc.stderr.strip().splitlines()
    assert err[0].startswith(
        f"The history database {tmp_path / 'history.sqlite'} is locked by another program; retrying for up to 9 s"
    )
    err = err[1:]
    assert len(err) == 1 and "locked by another program (waited 10 s)" in err[0], proc.stderr
    sidecar = tmp_path / "takes" / "take.report.json"
    assert f"The report is kept in {sidecar}" in err[0]
    kept = json.loads(sidecar.read_text())
    assert kept["speech_found"] and kept["scores"]["overall"] >= 0
    # the next time the history is opened, the report goes in
    listed = json.loads(vc("history", "--json", "--data-dir", str(tmp_path)).stdout)
    assert [(t["id"], t["status"], t["overall"]) for t in listed] == [(take, "scored", kept["scores"]["overall"])]


def _old_database(path: Path) -> None:
    """A history as the code before schema versions made it (user_version 0)."""
    from voicecoach.practice.history import SCHEMA_V1

    db = sqlite3.connect(path)
    db.executescript(SCHEMA_V1)
    db.execute("INSERT INTO takes (created_at, audio_path, status) VALUES (1.0, '/x.wav', 'recorded')")
    db.commit()
    db.close()


def test_history_from_before_versions_is_upgraded_in_place(tmp_path):
    _old_database(tmp_path / "history.sqlite")
    proc = vc("history", "--json", "--data-dir", str(tmp_path))
    assert proc.returncode == 0 and [t["id"] for t in json.loads(proc.stdout)] == [1]
    from voicecoach.practice.history import SCHEMA_VERSION

    assert sqlite3.connect(tmp_path / "history.sqlite").execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def _corrupt(path: Path) -> None:
    _old_database(path)
    db = sqlite3.connect(path)
    db.executemany(
        "INSERT INTO takes (created_at, audio_path, status, report_json) VALUES (?, ?, 'scored', ?)",
        [(float(i), f"/{i}.wav", "x" * 3000) for i in range(50)],
    )
    db.commit()
    db.close()
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 3 + 64] = b"\xff" * 64  # a page header scribbled over
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("newer", f"written by a newer voicecoach (layout 99; this one reads up to {SCHEMA_VERSION})"),
        ("renamed_column", "has a layout this voicecoach cannot read (no column overall)"),
        ("corrupt_pages", "the history database is damaged"),
        ("not_a_database", "the history database is damaged (file is not a database)"),
    ],
)
def test_damaged_or_foreign_history_is_refused(damage, message, tmp_path):
    path = tmp_path / "history.sqlite"
    if damage == "newer":
        _old_database(path)
        sqlite3.connect(path).execute("PRAGMA user_version = 99").connection.close()
    elif damage == "renamed_column":
        _old_database(path)
        db = sqlite3.connect(path)
        db.execute("ALTER TABLE takes RENAME COLUMN overall TO overall_score")
        db.commit()
        db.close()
    elif damage == "corrupt_pages":
        _corrupt(path)
    else:
        path.write_text("these are my notes, not a database\n" * 200)
    one_line_error(vc("history", "--data-dir", str(tmp_path)), message)


def test_history_with_an_extra_column_still_works(tmp_path):
    _old_database(tmp_path / "history.sqlite")
    db = sqlite3.connect(tmp_path / "history.sqlite")
    db.execute("ALTER TABLE takes ADD COLUMN mood TEXT")
    db.commit()
    db.close()
    proc = vc("history", "--data-dir", str(tmp_path))
    assert proc.returncode == 0 and "recorded" in proc.stdout


@pytest.mark.parametrize("where", ["{file}/data", "/proc/voicecoach-data"])
def test_data_folder_that_cannot_be_made(where, tmp_path):
    f = tmp_path / "plain-file"
    f.write_text("x")
    err = one_line_error(vc("history", "--data-dir", where.format(file=f)), "cannot create the data folder")
    assert err.endswith("choose a writable data folder (given with --data-dir)")


def test_errors_name_the_setting_as_the_user_gave_it(tmp_path):
    """One library error, three wordings: the flag typed, the environment variable set,
    or both ways to set it when the default was used."""
    f = tmp_path / "plain-file"
    f.write_text("x")
    by_env = one_line_error(vc("history", env={"VOICECOACH_DATA_DIR": f"{f}/data"}), "cannot create the data folder")
    assert by_env.endswith("(given with VOICECOACH_DATA_DIR)")
    by_default = one_line_error(
        vc("history", env={"XDG_DATA_HOME": f"{f}/xdg", "VOICECOACH_DATA_DIR": ""}), "cannot create the data folder"
    )
    assert by_default.endswith("(set it with --data-dir or VOICECOACH_DATA_DIR)")
    out = one_line_error(vc("batch", str(CLIP), "--out", f"{f}/out"), "cannot create the results folder")
    assert out.endswith("(given with --out)")


@pytest.mark.cluster
@pytest.mark.realtime
def test_an_unreachable_scheduler_is_named_as_given(tmp_path):
    unreachable = one_line_error(
        vc("batch", str(CLIP), "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:9"),
        "cannot reach the Dask scheduler",
    )
    assert unreachable.endswith("(given with --scheduler)")


# ---------------------------------------------------------------- config, flags and wording
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[pacing\n", "not valid TOML"),
        ("[pacing]\ntarget_wpm = 3\n", "[pacing] has no setting 'target_wpm'"),
        ("[pacing]\ntarget_min_wpm = 'fast'\n", "[pacing] target_min_wpm = 'fast' must be a number"),
        ("[speed]\nx = 1\n", "unknown section [speed]"),
        (
            "[transcription]\ndecoding = 'magic'\n",
            "[transcription] decoding = 'magic' must be one of single, merge, plain, hotwords",
        ),
        ("[transcription]\ncpu_threads = 1.5\n", "[transcription] cpu_threads = 1.5 must be a whole number"),
        ("[transcription]\nbeam_size = 0\n", "[transcription] beam_size = 0 must be at least 1"),
        (
            "[pacing]\ntarget_min_wpm = 200\ntarget_max_wpm = 100\n",
            "[pacing] target_min_wpm = 200.0 must be below target_max_wpm = 100.0",
        ),
        ("[pacing]\nwindow_s = inf\n", "[pacing] window_s = inf must be a finite number"),
        ("[pauses]\nmin_pause_s = nan\n", "must be a finite number"),
        ("[relisten]\nmin_probability = 2\n", "[relisten] min_probability = 2.0 must be a probability, from 0 to 1"),
        ("[relisten]\nwindow_s = 1\n", "[relisten] window_s = 1.0 must be above max_s = 1.2"),
        ("[silence]\nratio = 1.5\n", "[silence] ratio = 1.5 must be between 0 and 1"),
        ("[scoring]\nstructure_covers_share = 2\n", "[scoring] structure_covers_share = 2.0 must be between 0 and 1"),
        ("[scoring]\nweight_speed = 1\n", "[scoring] has no setting 'weight_speed'"),
        ("[repetition]\nmin_word_count = 1\n", "[repetition] min_word_count and min_phrase_count must be at least 2"),
        ("[fillers.vocal]\num = '(('\n", "[fillers] vocal.um = '((' is not a valid regular expression"),
        ("[structure.length_ranges_s]\nbehavioural = [120, 60]\n", "shortest below longest"),
        (
            "[scoring]\nweight_fillers = 0.5\n",
            "[scoring] weight_pacing + weight_fillers + weight_pauses + weight_structure = 1.3 must be 1",
        ),
    ],
)
def test_config_values_that_cannot_work(content, message, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(content)
    err = one_line_error(vc("score", "--config", str(cfg), str(CLIP)), message)
    assert err.startswith(f"Error: {cfg}: ")


def test_missing_config_file(tmp_path):
    one_line_error(
        vc("score", "--config", str(tmp_path / "none.toml"), str(CLIP)),
        f"{tmp_path / 'none.toml'}: no such config file",
    )


def test_config_named_by_the_environment_must_exist(tmp_path):
    missing = tmp_path / "none.toml"
    one_line_error(
        vc("score", str(CLIP), env={"VOICECOACH_CONFIG": str(missing)}),
        f"VOICECOACH_CONFIG={missing}: no such config file",
    )


def test_errors_name_what_the_user_wrote(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[transcription]\nmodel = 'my-model'\n")
    err = one_line_error(vc("score", "--config", str(cfg), str(CLIP)), "model 'my-model': no such model folder")
    assert "--model" not in err and f"(the model is set in {cfg}, [transcription] model)" in err
    err = one_line_error(vc("report", "12", "--data-dir", str(tmp_path)), "take 12: no such take")
    assert "--take" not in err
    err = one_line_error(
        vc("score", "--question-id", "no-such-q", str(CLIP)), "question id 'no-such-q': no such question"
    )
    assert "--question " not in err


# ---------------------------------------------------------------- a network that never answers
@pytest.fixture
def black_hole():
    """A TCP server on 127.0.0.1 that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(server.accept()[0])

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    t.join()
    for c in held:
        c.close()
    server.close()


def test_model_download_from_a_silent_network_gives_up(black_hole, tmp_path):
    env = {
        "HF_ENDPOINT": black_hole,
        "HF_HOME": str(tmp_path / "hf"),
        "HF_HUB_OFFLINE": "0",
        "VOICECOACH_NETWORK_TIMEOUT_S": "3",
    }
    start = time.monotonic()
    proc = vc("score", "--model", "base.en", str(CLIP), env=env, timeout=60)
    took = time.monotonic() - start
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert any(
        x.startswith("downloading the model base.en (Systran/faster-whisper-base.en)")
        and "giving up after 3 s without data" in x
        for x in lines
    )
    assert (
        lines[-1].startswith("Error: model 'base.en': no answer from the Hugging Face hub") and "for 3 s" in lines[-1]
    )
    assert took < 50, took  # the 3 s limit, not a hang (generous: start-up on a loaded machine)


# ---------------------------------------------------------------- results fed to `report`
def _evil_result(reports: dict) -> dict:
    r = json.loads(json.dumps(reports["hesitant_slow"]))
    payload = '"><img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    r["file"] = f"/tmp/{payload}.wav"
    r["question"] = payload
    r["transcript"]["words"][0]["text"] = payload
    r["fillers"]["events"][0]["text"] = payload
    r["fillers"]["by_type"] = {payload: r["fillers"]["count"]}
    r["pauses"]["events"][0]["after_word"] = payload
    r["pauses"]["events"][0]["position"] = payload
    tip = next(t for t in r["tips"] if t["evidence"])  # the first tip that quotes the answer
    tip["message"] = payload
    tip["area"] = payload
    tip["evidence"][0]["quote"] = payload
    return r


@pytest.mark.model
@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        (
            "fillers.by_type.um",
            "<script>alert(1)</script>",
            'fillers.by_type.um = "<script>alert(1)</script>" must be a finite number',
        ),
        (
            "fillers.count",
            "<img src=x onerror=alert(1)>",
            'fillers.count = "<img src=x onerror=alert(1)>" must be a finite number',
        ),
        (
            "fillers.events.0.kind",
            "vocal onmouseover=alert(1)",
            'fillers.events[0].kind = "vocal onmouseover=alert(1)" must be one of vocal, discourse',
        ),
        ("pauses.events", None, "pauses.events is missing"),
        ("duration_s", 1e12, "duration_s = 1000000000000.0 must be above 0 and at most a day"),
        ("scores.overall", 1e309, "scores.overall = Infinity must be a finite number"),
    ],
)
def test_crafted_result_fields_are_refused(where, value, message, reports, tmp_path):
    r = json.loads(json.dumps(reports["hesitant_slow"]))
    *parents, last = where.split(".")
    node = r
    for p in parents:
        node = node[int(p)] if p.isdigit() else node[p]
    if value is None:
        del node[last]
    else:
        node[last] = value
    path = tmp_path / "crafted.json"
    path.write_text(json.dumps(r))
    one_line_error(vc("report", str(path), "--html", str(tmp_path / "r.html"), "--data-dir", str(tmp_path)), message)
    assert not (tmp_path / "r.html").exists()


@pytest.mark.model
def test_crafted_text_in_a_result_stays_text_in_chromium(reports, tmp_path, browser):
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(_evil_result(reports)))
    page_path = tmp_path / "evil.html"
    proc = vc("report", str(path), "--html", str(page_path), "--data-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    html = page_path.read_text()
    csp = html.split('http-equiv="Content-Security-Policy" content="', 1)[1].split('"', 1)[0]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'sha256-" in script_src
    assert "form-action 'none'" in csp and "base-uri 'none'" in csp
    assert html.count("<script>") == 1  # the page's own
    page, requests, dialogs = open_page(browser, page_path)
    assert page.evaluate("window.pwned === undefined") and dialogs == []
    assert "<script>window.pwned=2</script>" in page.inner_text("#tips")
    assert all(u.startswith(("file://", "data:")) for u in requests), requests
    # the page's own script still runs: a click on a filler seeks (no audio here: the file
    # named in the result does not exist, so the seek is recorded on the body)
    assert page.locator("#transcript mark.filler").count() >= 1
    page.close()


def test_html_into_a_missing_folder_fails_before_any_work(tmp_path):
    start = time.monotonic()
    one_line_error(
        vc("report", str(STAR), "--html", str(tmp_path / "no" / "such" / "r.html")), "cannot write it (the folder"
    )
    assert time.monotonic() - start < 30  # refused before a 48 s answer was transcribed


def test_result_file_that_is_a_fifo(tmp_path):
    os.mkfifo(tmp_path / "result.json")
    one_line_error(
        vc("report", str(tmp_path / "result.json"), timeout=60), "is a FIFO (named pipe), not a regular file"
    )
