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
@click.option("--interviews", is_flag=True, help="List the mock interviews instead, with their overall trend.")
@DATA_DIR_OPTION
def history(
    question_id: str | None,
    category: str | None,
    by: str,
    limit: int,
    as_json: bool,
    interviews: bool,
    data_dir: Path | None,
) -> None:
    """List past takes and how your key figures moved over time."""
    from ..practice.history import History
    from ..practice.progress import trends
    from ..present.terminal import render_history

    h = History.open(data_dir)
    try:
        if interviews:
            _interviews(h.interviews()[-limit:], as_json=as_json)
            return
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


def _interviews(found: list[dict], *, as_json: bool) -> None:
    """The mock interviews, oldest first: when, kind, status, questions, follow-ups and the
    mean overall score, then its trend per kind (first -> latest)."""
    import datetime

    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False))
        return
    if not found:
        click.echo("No interviews yet. Start with: voicecoach interview")
        return
    click.echo(f"{'#':>4}  {'when':<16}  {'kind':<14} {'status':<9} questions  follow-ups  mean overall")
    for i in found:
        when = datetime.datetime.fromtimestamp(i["created_at"]).strftime("%Y-%m-%d %H:%M")
        s = i["summary"] or {}
        mean = s.get("overall_mean")
        answered = len({t["position"] for t in i["turns"] if t["role"] == "answer"})
        follow = sum(t["role"] == "follow-up" for t in i["turns"])
        click.echo(
            f"{i['id']:>4}  {when:<16}  {i['kind']:<14} {i['status']:<9} {answered:>3} of {len(i['plan']):<3}  "
            f"{follow:>10}  {mean if mean is not None else '-':>12}"
        )
    by_kind: dict[str, list[float]] = {}
    for i in found:
        mean = (i["summary"] or {}).get("overall_mean")
        if mean is not None:
            by_kind.setdefault(i["kind"], []).append(mean)
    for kind, means in by_kind.items():
        if len(means) >= 2:
            click.echo(f"{kind}: mean overall {means[0]} -> {means[-1]} over {len(means)} interviews")


COMMANDS = (history,)
