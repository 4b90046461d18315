"""``cohort``: a coach's view of a batch's results, or of two batches of the same group."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .common import Command, page_option


@click.command(cls=Command)
@click.argument("results", nargs=-1, required=True, type=click.Path(path_type=Path, file_okay=False))
@page_option("Write the cohort page: one self-contained HTML file (with two folders, the comparison on top).")
@click.option("--json", "as_json", is_flag=True, help="Print the cohort (and the comparison) as JSON.")
def cohort(results: tuple[Path, ...], html_path: Path | None, as_json: bool) -> None:
    """How a cohort did, from batch results folders (the --out of `voicecoach batch`).

    With one folder: each headline figure across the group, and how each question and
    each student did against the group. With two (OLD NEW, the same group later): who
    improved, who needs attention, and which figures moved for each student and each
    question, beyond each figure's noise. Answers are matched by student and question.
    """
    from ..batch.cohort import compare_cohorts, comparison_to_dict, describe, load_answers
    from ..core.errors import VoicecoachError
    from ..core.files import readable
    from ..present.terminal import render_cohort_comparison, render_cohort_summary

    if len(results) > 2:
        raise VoicecoachError(
            f"give one results folder, or two (OLD NEW) to compare; got {len(results)}", setting="results"
        )
    answers = [load_answers(r) for r in results]
    names = [readable(r.name or str(r)) for r in results]
    if len(names) == 2 and names[0] == names[1]:
        names = [readable(str(r)) for r in results]
    now = answers[-1]
    comparison = compare_cohorts(answers[0], now, names=(names[0], names[1])) if len(results) == 2 else None
    if as_json:
        obj = {"cohort": names[-1], **describe(now)}
        if comparison is not None:
            obj["comparison"] = comparison_to_dict(comparison)
        click.echo(json.dumps(obj, indent=1, ensure_ascii=False))
    else:
        render_cohort_summary(describe(now), title=names[-1])
        if comparison is not None:
            render_cohort_comparison(comparison)
    if html_path is not None:
        from ..present.cohort_page import write_cohort_page

        write_cohort_page(now, html_path, title=names[-1], out_dir=results[-1], comparison=comparison)
        click.echo(f"cohort page: {html_path}", err=as_json)


COMMANDS = (cohort,)
