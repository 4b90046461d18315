"""``batch``: score many recorded answers into one table, with progress, resumable."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import click

from .common import (
    CONFIG_OPTION,
    DECODING_OPTION,
    MODEL_OPTION,
    QUESTIONS_OPTION,
    Command,
    bank,
    page_option,
    settings,
)


@click.command(cls=Command)
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--out",
    "-o",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("voicecoach-results"),
    show_default=True,
    help="Folder for results.csv, results.jsonl and the resumable store.",
)
@click.option(
    "--workers",
    "-w",
    type=click.IntRange(min=1),
    help="Worker processes, each loading the model once (default: number of cores).",
)
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    help="Run on an existing Dask distributed cluster instead of local processes.",
)
@click.option(
    "--send-audio",
    is_flag=True,
    help="With --scheduler: send each file's bytes to the workers (no shared storage needed).",
)
@click.option(
    "--question",
    "-q",
    metavar="ID|TEXT",
    help="The question every answer responds to: a bank id, or any question's text (a manifest CSV can give one per "
    "file).",
)
@page_option("Also write the cohort page: one self-contained HTML file with every answer, by student and by question.")
@click.option(
    "--reports",
    is_flag=True,
    help="Also write each scored answer's own HTML report to OUT/reports/ (linked from the CSV and the cohort page).",
)
@QUESTIONS_OPTION
@MODEL_OPTION
@DECODING_OPTION
@CONFIG_OPTION
def batch(
    inputs: tuple[str, ...],
    out_dir: Path,
    workers: int | None,
    scheduler: str | None,
    send_audio: bool,
    question: str | None,
    html_path: Path | None,
    reports: bool,
    question_files: tuple[Path, ...],
    model: str | None,
    decoding: str | None,
    config: Path | None,
) -> None:
    """Score many recorded answers into one table.

    INPUTS are audio files, folders (searched recursively), globs, or manifest CSVs with
    columns file and question (a bank id or a question's text) or question_id. A question
    id the bank does not hold makes that file's row failed, with the ids it may mean.
    A manifest may also name each answer's student and session (columns student and
    session or date); without them the folder a file is in is its student. Results go to
    OUT/results.csv and OUT/results.jsonl; a rerun skips what is already done. See also
    `voicecoach cohort` for the page and for two batches compared.
    """
    from ..batch import run as b
    from ..core.files import readable
    from ..core.questions import resolve_question
    from ..present.terminal import render_batch_summary

    s = settings(config, model, decoding)
    questions = bank(question_files)
    if question is not None:
        resolve_question(questions, question)  # a mistyped --question id stops here, not in every row
    workers = workers or os.cpu_count() or 1
    plan = b.plan_batch(
        list(inputs),
        out_dir=out_dir,
        settings=s,
        question=question,
        workers=workers,
        local=not scheduler,
        on_skip=lambda m: click.echo(m, err=True),
        bank=questions,
    )
    interrupted = 0

    def stop(signum: Any, frame: Any) -> Any:
        nonlocal interrupted
        interrupted = signum
        raise KeyboardInterrupt

    def remember(signum: Any, frame: Any) -> Any:
        nonlocal interrupted
        interrupted = interrupted or signum

    def check() -> None:
        # a KeyboardInterrupt raised where a library swallows it (a finaliser, say) is raised
        # again at the next result: the flag outlives the exception
        if interrupted:
            raise KeyboardInterrupt

    # SIGTERM saves and stops like Ctrl-C; Ctrl-C is remembered as well as raised. A SIGINT
    # ignored when the batch started (nohup, a background job) stays ignored.
    previous = {signal.SIGTERM: signal.signal(signal.SIGTERM, stop)}
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, stop)
    try:
        for job in plan.jobs:
            if job.error:
                click.echo(f"failed: {readable(job.error)}", err=True)
        if plan.already:
            click.echo(
                f"{plan.already} of {len(plan.jobs)} files already scored with these settings; scoring the other "
                f"{len(plan.jobs) - plan.already}",
                err=True,
            )
        _run_with_progress(b, plan, workers, scheduler, send_audio, check)
    except KeyboardInterrupt:
        interrupted = interrupted or signal.SIGINT
    finally:
        for signum in previous:  # a second Ctrl-C cannot cut the results tables short
            signal.signal(signum, remember)
        try:
            rows = b.write_outputs(plan.store, plan.jobs, out_dir)
            if reports and not interrupted:
                rows = _write_reports(b, plan, out_dir, check)
        except KeyboardInterrupt:
            interrupted = interrupted or signal.SIGINT
        finally:
            plan.store.close()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
    if interrupted:
        click.echo("Interrupted: finished results are saved; run the same command again to score the rest.", err=True)
        raise SystemExit(128 + interrupted)
    summary = b.summarise(rows)
    render_batch_summary(summary)
    click.echo(f"results: {out_dir / 'results.csv'}, {out_dir / 'results.jsonl'}")
    if reports:
        click.echo(f"reports: {out_dir / 'reports'}")
    if html_path is not None:
        from ..batch.cohort import load_answers
        from ..present.cohort_page import write_cohort_page

        write_cohort_page(load_answers(out_dir), html_path, title=readable(out_dir.name), out_dir=out_dir)
        click.echo(f"cohort page: {html_path}")
    if summary["failed"]:
        sys.exit(1)


def _write_reports(b: Any, plan: Any, out_dir: Path, check: Any) -> list[dict[str, Any]]:
    """Each scored answer's report, with a progress line; then the tables again, linking them."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ..present.cohort_page import write_reports

    todo = sum(j.key is not None for j in plan.jobs)
    with Progress(
        TextColumn("reports"), BarColumn(), MofNCompleteColumn(), console=Console(stderr=True), transient=True
    ) as progress:
        task = progress.add_task("reports", total=todo)

        def done(_name: str) -> None:
            check()
            progress.advance(task)

        write_reports(plan.store, plan.jobs, out_dir, on_report=done)
    return b.write_outputs(plan.store, plan.jobs, out_dir)


def _run_with_progress(b: Any, plan: Any, workers: Any, scheduler: Any, send_audio: Any, check: Any) -> None:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from ..core.files import readable

    if not plan.todo:
        return
    columns = (
        TextColumn("scoring"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[minutes]:.1f} audio min, {task.fields[failed]} failed"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    state = {"failed": 0, "minutes": 0.0}
    progress = Progress(*columns, console=Console(stderr=True), transient=False)
    task = progress.add_task("batch", total=len(plan.todo), minutes=0.0, failed=0)

    def on_outcome(outcome: Any) -> None:
        check()
        if outcome.status == "failed":
            state["failed"] += 1
            progress.console.print(f"failed: {readable(outcome.reason)}", markup=False)
        if outcome.result:
            state["minutes"] += outcome.result["duration_s"] / 60
        progress.update(task, advance=1, minutes=state["minutes"], failed=state["failed"])

    try:  # the bar appears once the work has started (a scheduler that does not answer is one line)
        b.run_plan(
            plan,
            workers=workers,
            scheduler=scheduler,
            send_audio=send_audio,
            on_start=progress.start,
            on_outcome=on_outcome,
        )
    finally:
        progress.stop()


COMMANDS = (batch,)
