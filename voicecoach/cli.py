"""The ``voicecoach`` command: a thin shell over the library. Heavy imports stay inside
the commands so that ``voicecoach --help`` starts fast."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .errors import VoicecoachError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


def _fail(exc: VoicecoachError) -> click.ClickException:
    return click.ClickException(str(exc))


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="voicecoach")
def cli() -> None:
    """Practise spoken interview answers, privately: voicecoach transcribes on this
    machine and reports pacing, filler words, pauses and answer structure."""


def _settings(config: Path | None, model: str | None, decoding: str | None):
    import dataclasses

    from .config import load_settings

    settings = load_settings(config, required=config is not None)
    transcription = settings.transcription
    if model:
        transcription = dataclasses.replace(transcription, model=model)
    if decoding:
        transcription = dataclasses.replace(transcription, decoding=decoding)
    return dataclasses.replace(settings, transcription=transcription)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file (schema in the README).")
@click.option("--question", "-q", metavar="TEXT", help="The question the answer responds to (judges structure for its type).")
@click.option(
    "--model",
    "-m",
    metavar="NAME|PATH",
    help="Whisper model: 'default' (embedded tiny.en), a CTranslate2 folder, or a faster-whisper size such as base.en (downloaded when online).",
)
@click.option("--decoding", type=click.Choice(["merge", "plain", "hotwords"]), help="How fillers are kept (default merge; see README).")
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False), help="A TOML settings file (default: the user config file, if any).")
def score(files: tuple[Path, ...], as_json: bool, question: str | None, model: str | None, decoding: str | None, config: Path | None) -> None:
    """Score recorded answers: FILES are wav, flac, mp3, ogg or m4a, any rate."""
    from .pipeline import score_file
    from .report import render_json, render_terminal

    try:
        settings = _settings(config, model, decoding)
    except VoicecoachError as exc:
        raise _fail(exc) from None
    failed = 0
    for i, path in enumerate(files):
        try:
            report = score_file(path, settings=settings, question=question)
        except VoicecoachError as exc:
            if len(files) == 1:
                raise _fail(exc) from None
            click.echo(f"Error: {exc}", err=True)
            failed += 1
            continue
        if as_json:
            click.echo(render_json(report))
        else:
            if i:
                click.echo()
            render_terminal(report)
    if failed:
        sys.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def models(as_json: bool) -> None:
    """List the transcription models available on this machine."""
    import dataclasses
    import json

    from .models import list_models, user_models_dir

    found = list_models()
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(m) for m in found]))
        return
    click.echo(f"{'name':<12} {'source':<10} where")
    for m in found:
        where = m.path or m.note
        star = " (default)" if m.name == "default" else ""
        click.echo(f"{m.name:<12} {m.source:<10} {where}{star}")
    click.echo(f"\nLocal models: put CTranslate2 Whisper folders in {user_models_dir()} and pass --model FOLDER_NAME.")


@cli.command("config-path")
def config_path() -> None:
    """Print where the user config file is read from."""
    from .config import default_config_path

    click.echo(str(default_config_path()))


def main() -> None:
    cli(prog_name="voicecoach")
