"""``score`` and ``report``: score recorded answers; show a saved or new report."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..core.errors import VoicecoachError
from .common import (
    CONFIG_OPTION,
    DATA_DIR_OPTION,
    DECODING_OPTION,
    MODEL_OPTION,
    QUESTIONS_OPTION,
    Command,
    Progress,
    bank,
    fail,
    settings,
)


@click.command(cls=Command)
@click.argument(
    "files", nargs=-1, type=click.Path(path_type=Path, readable=False)
)  # checked when read: one-line errors
@click.option("--take", "take_id", type=int, help="Score (again) a practice take from the history, by its id.")
@click.option("--question-id", metavar="ID", help="The same as --question ID.")
@DATA_DIR_OPTION
@QUESTIONS_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file (schema in docs/json.md).")
@click.option(
    "--question",
    "-q",
    metavar="ID|TEXT",
    help="The question answered: a bank id, or any question's text (a bank question's text uses that question).",
)
@MODEL_OPTION
@DECODING_OPTION
@CONFIG_OPTION
def score(
    files: tuple[Path, ...],
    take_id: int | None,
    question_id: str | None,
    data_dir: Path | None,
    question_files: tuple[Path, ...],
    as_json: bool,
    question: str | None,
    model: str | None,
    decoding: str | None,
    config: Path | None,
) -> None:
    """Score recorded answers: FILES are wav, flac, mp3, ogg or m4a, any rate."""
    from ..present.terminal import render_json, render_terminal
    from ..scoring.pipeline import score_file

    if bool(files) == bool(take_id):
        raise click.UsageError("give either FILES or --take ID")
    s = settings(config, model, decoding)
    if take_id:
        _score_take(take_id, data_dir, question_files, s, as_json)
        return
    asked: Any = None
    if question_id or question:
        from ..core.questions import resolve_question

        q = resolve_question(bank(question_files), question_id or question or "")
        asked = q if q.id else q.text  # a question of your own is judged by its text
    failed = 0
    for i, path in enumerate(files):
        try:
            report = score_file(path, settings=s, question=asked, on_progress=Progress(str(path)))
        except VoicecoachError as exc:
            if len(files) == 1:
                raise
            click.echo(f"Error: {fail(exc).format_message()}", err=True)
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


def _score_take(take_id: int, data_dir: Path | None, question_files: tuple[Path, ...], s: Any, as_json: bool) -> None:
    """Score a saved take and store the result in the history."""
    from ..practice.history import History
    from ..practice.takes import rescore_take
    from ..present.terminal import render_terminal
    from ..scoring.result import report_to_dict

    history = History.open(data_dir)
    try:
        scored = rescore_take(history, take_id, s, bank=bank(question_files))
    finally:
        history.close()
    if scored.report is None:
        raise VoicecoachError(scored.error or "the analysis failed")
    if as_json:
        click.echo(json.dumps({**report_to_dict(scored.report), "take_id": take_id}, ensure_ascii=False))
    else:
        render_terminal(scored.report)
        if not scored.store_error:
            click.echo(f"Saved as take #{take_id}.")
    if scored.store_error:
        raise VoicecoachError(scored.store_error)


@click.command(cls=Command)
@click.argument("target")
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write a self-contained HTML report (figures, transcript, audio) to this file.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the HTML report in the browser.")
@click.option(
    "--question",
    "-q",
    metavar="ID|TEXT",
    help="The question answered (when TARGET is an audio file): a bank id, or any question's text.",
)
@QUESTIONS_OPTION
@MODEL_OPTION
@CONFIG_OPTION
@DATA_DIR_OPTION
def report(
    target: str,
    html_path: Path | None,
    open_browser: bool,
    question: str | None,
    question_files: tuple[Path, ...],
    model: str | None,
    config: Path | None,
    data_dir: Path | None,
) -> None:
    """Filler-word report for TARGET: an audio file, a saved take (its id, e.g. 12 or
    take:12) or a JSON result of `score --json`."""
    from ..audio.decode import load_audio
    from ..core.files import atomic_write_text
    from ..practice.lookup import find_report, recent_takes
    from ..present.terminal import render_filler_report, render_scores_and_tips
    from ..scoring.pipeline import score_file

    if open_browser and not html_path:
        raise click.UsageError("--open needs --html FILE")
    if html_path and not html_path.resolve().parent.is_dir():
        raise click.ClickException(f"{html_path}: cannot write it (the folder {html_path.parent} does not exist)")
    asked: Any = None
    if question:
        from ..core.questions import resolve_question

        q = resolve_question(bank(question_files), question)
        asked = q if q.id else q.text
    found = find_report(
        target,
        data_dir=data_dir,
        score=lambda path: score_file(
            path, settings=settings(config, model, None), question=asked, on_progress=Progress(str(path))
        ),
    )
    r = found.report
    try:
        takes = recent_takes(data_dir, question_id=r.question_id, question_text=r.question)
    except VoicecoachError as exc:  # the trend is extra: report without it
        click.echo(f"Warning: no practice trend ({fail(exc).format_message()})", err=True)
        takes = []
    trend = [t.metrics["fillers.per_min"] for t in takes if t.status == "scored" and "fillers.per_min" in t.metrics]
    render_filler_report(r, trend=trend)
    if found.take_id is not None and r.scored:
        click.echo(f"\nScores and tips of take #{found.take_id}, as they were computed:")
        render_scores_and_tips(r)
    if html_path:
        from ..present.html_report import render_html

        if not r.scored:
            raise click.ClickException(
                "nothing was scored (no speech, or not English), so there is no HTML report to write"
            )
        audio = load_audio(found.audio_path) if found.audio_path and Path(found.audio_path).exists() else None
        atomic_write_text(html_path, render_html(r, audio=audio, history=takes))
        click.echo(f"HTML report: {html_path}", err=True)
        if open_browser:
            import webbrowser

            webbrowser.open(html_path.resolve().as_uri())


COMMANDS = (score, report)
