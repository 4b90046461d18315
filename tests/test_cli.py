"""The command line: exact exit codes, one-line errors, JSON schema, formats, offline."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import wave

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT, SAMPLES, convert
from voicecoach.cli import cli

STAR = SAMPLES / "star_answer.wav"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# ---------------------------------------------------------------- output
@pytest.mark.model
def test_json_schema_fields():
    result = run("score", "--json", str(STAR), "--question", "Tell me about a time you met a tight deadline.")
    assert result.exit_code == 0
    obj = json.loads(result.output)
    assert obj["schema_version"] == 1
    for key in (
        "file",
        "duration_s",
        "transcript",
        "pacing",
        "fillers",
        "pauses",
        "structure",
        "delivery",
        "repetition",
        "scores",
        "tips",
    ):
        assert key in obj
    w = obj["transcript"]["words"][0]
    assert set(w) >= {"text", "start_s", "end_s", "probability"}
    assert {"wpm", "articulation_wpm"} <= set(obj["pacing"])
    assert {"count", "per_min", "events"} <= set(obj["fillers"])
    assert set(obj["fillers"]["events"][0]) >= {"text", "kind", "start_s", "end_s"}
    assert {"count", "events"} <= set(obj["pauses"]) and set(obj["pauses"]["events"][0]) >= {"start_s", "end_s"}
    assert obj["structure"]["question_type"] == "behavioural"
    assert {p["part"] for p in obj["structure"]["star"]} == {"situation", "task", "action", "result"}
    assert set(obj["scores"]) == {"pacing", "fillers", "pauses", "structure", "repetition", "overall"}
    assert all({"area", "message", "evidence"} <= set(t) for t in obj["tips"])


@pytest.mark.words
@pytest.mark.model
def test_terminal_report_shows_transcript_scores_and_tips():
    result = run("score", str(SAMPLES / "hesitant_slow.wav"))
    assert result.exit_code == 0
    out = result.output
    for text in (
        "Transcript",
        "Scores",
        "Overall",
        "Pacing",
        "Fillers",
        "Pauses",
        "Structure",
        "Tips",
        "1. [",
        "weakness",
    ):
        assert text in out, text


@pytest.mark.model
def test_markup_in_file_names_is_shown_as_text(tmp_path):
    p = tmp_path / "[bold]x[red].wav"
    p.write_bytes((SAMPLES / "motivation_fast.wav").read_bytes())
    result = run("score", str(p))
    # the terminal wraps a long path (pytest-xdist's temporary folders are long) anywhere
    assert result.exit_code == 0 and "[bold]x[red].wav" in result.output.replace("\n", "")


@pytest.mark.model
@pytest.mark.parametrize(
    ("suffix", "args"),
    [
        (".flac", ["-ar", "44100", "-ac", "2"]),
        (".mp3", ["-ar", "44100"]),
        (".ogg", ["-ar", "48000", "-ac", "2"]),
        (".m4a", ["-ar", "22050"]),
    ],
)
@pytest.mark.words
def test_formats_rates_and_channels(suffix, args, media_dir, reports):
    src = SAMPLES / "motivation_fast.wav"
    path = convert(src, media_dir / f"motivation{suffix}", *args)
    obj = json.loads(run("score", "--json", str(path)).output)
    assert obj["duration_s"] == pytest.approx(reports["motivation_fast"]["duration_s"], abs=0.15)
    assert obj["pacing"]["wpm"] == pytest.approx(reports["motivation_fast"]["pacing"]["wpm"], rel=0.05)
    assert obj["pauses"]["count"] == reports["motivation_fast"]["pauses"]["count"]


@pytest.mark.model
def test_scoring_opens_no_network_connection(monkeypatch):
    """The audio never leaves the machine: any connection attempt fails the test."""
    attempts = []

    def refuse(self, address, *a, **k):
        attempts.append(address)
        raise OSError("network disabled by test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: attempts.append(a) or (_ for _ in ()).throw(OSError("no DNS"))
    )
    from voicecoach.asr import models

    models.clear_model_cache()  # load the model under the guard too
    result = run("score", "--json", str(SAMPLES / "motivation_fast.wav"))
    assert result.exit_code == 0, result.output
    assert attempts == []


# ---------------------------------------------------------------- config and models
@pytest.mark.model
def test_config_overrides_the_target_band(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[pacing]\ntarget_min_wpm = 200\ntarget_max_wpm = 260\n")
    obj = json.loads(run("score", "--json", "--config", str(cfg), str(SAMPLES / "motivation_fast.wav")).output)
    assert obj["pacing"]["target_min_wpm"] == 200
    assert not any(t["area"] == "pacing" and "above" in t["message"] for t in obj["tips"])


@pytest.mark.parametrize(
    ("model", "message"),
    [("no-such-model", "not a faster-whisper size"), ("{tmp}", "is not a CTranslate2 Whisper model folder")],
)
def test_bad_model_gives_one_line_error(model, message, tmp_path):
    result = run("score", "--model", model.format(tmp=tmp_path), str(STAR))
    assert result.exit_code == 1 and result.output.startswith("Error: ") and message in result.output


def test_hub_name_offline_says_what_to_do(tmp_path, monkeypatch):
    # an empty Hugging Face cache and no network: the size name cannot be fetched
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = run("score", "--model", "base.en", str(STAR))
    assert result.exit_code == 1
    assert (
        "could not download Systran/faster-whisper-base.en" in result.output
        and 'the embedded offline model ("default")' in result.output
    )


@pytest.mark.model
def test_model_by_path_works(tmp_path):
    from voicecoach.asr.models import embedded_model_path

    link = tmp_path / "my-model"
    link.symlink_to(embedded_model_path())
    obj = json.loads(
        run("score", "--json", "--model", str(link), "--decoding", "plain", str(SAMPLES / "motivation_fast.wav")).output
    )
    assert obj["decoding"] == "plain" and obj["speech_found"]


def test_models_lists_the_embedded_default(tmp_path, monkeypatch):
    monkeypatch.setenv("VOICECOACH_MODELS_DIR", str(tmp_path))
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "model.bin").write_bytes(b"x")
    result = run("models")
    assert result.exit_code == 0
    first = result.output.splitlines()[1]
    assert first.startswith("default") and "embedded" in first and "(default)" in first
    assert "mine" in result.output and "base.en" in result.output
    choose = result.output.split("Which to choose:")[1].splitlines()
    assert choose[1].split()[0] == "default" and choose[2].split()[0] == "base"


def test_hub_sizes_match_faster_whisper():
    from faster_whisper.utils import available_models

    from voicecoach.asr.models import HUB_SIZES

    assert list(HUB_SIZES) == list(available_models())


# ---------------------------------------------------------------- start-up and help
def test_help_imports_no_heavy_module():
    code = (
        "import sys; from voicecoach.cli import cli; cli(['--help'], standalone_mode=False); print(sorted(m for m "
        "in ('faster_whisper','librosa','sounddevice','dask','ctranslate2','numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0 and len(cli.commands[command].help or "") > 20


def test_python_dash_m_and_version():
    out = subprocess.run(
        [sys.executable, "-m", "voicecoach", "--version"], capture_output=True, text=True, cwd=ROOT, env={**os.environ}
    )
    assert out.returncode == 0 and out.stdout.startswith("voicecoach, version ")


def test_wave_module_reads_sample_header():
    # the bundled samples are plain PCM WAV that any tool can open
    with wave.open(str(STAR)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
