"""``history``: past takes and how the figures moved."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .common import DATA_DIR_OPTION, Command


@click.command(cls=Command)
@click.option("--question", "question_id", metavar="ID", help="Only takes of this question.")
@click.option("--category", "-c", help="Only takes of this category.")
@click.option(
    "--by",
    type=click.Choice(["question", "category"]),
    default="question",
    show_default=True,
    help="Group the trends by question or by category.",
)
@click.option(
    "--limit", type=click.IntRange(min=1), default=20, show_default=True, help="How many recent takes to list."
)
@click.option("--json", "as_json", is_flag=True, help="Print the takes as JSON (with their reports).")
@DATA_DIR_OPTION
def history(
    question_id: str | None, category: str | None, by: str, limit: int, as_json: bool, data_dir: Path | None
) -> None:
    """List past takes and how your key figures moved over time."""
    from ..practice.history import History
    from ..practice.progress import trends
    from ..present.terminal import render_history

    h = History.open(data_dir)
    try:
        takes = h.takes(question_id=question_id, category=category)
    finally:
        h.close()
    if as_json:
        click.echo(json.dumps([t.as_dict(with_report=True) for t in takes[-limit:]]))
        return
    if not takes:
        click.echo("No takes yet. Start with: voicecoach practice")
        return
    render_history(takes[-limit:], trends(takes, by="question_id" if by == "question" else "category"), by=by)


COMMANDS = (history,)
