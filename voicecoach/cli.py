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
@click.option("--workers", "-w", type=click.IntRange(min=1), help="Worker processes, each loading the model once (default: number of cores).")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Run on an existing Dask distributed cluster instead of local processes.")
@click.option("--send-audio", is_flag=True, help="With --scheduler: send each file's bytes to the workers (no shared storage needed).")
@click.option("--question", "-q", metavar="TEXT", help="The question every answer responds to (a manifest CSV can give one per file).")
@click.option("--model", "-m", metavar="NAME|PATH", help="Whisper model (see `voicecoach models`).")
@click.option("--decoding", type=click.Choice(["merge", "plain", "hotwords"]), help="How fillers are kept (default merge).")
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False), help="A TOML settings file.")
def batch(
    inputs: tuple[str, ...],
    out_dir: Path,
    workers: int | None,
    scheduler: str | None,
    send_audio: bool,
    question: str | None,
    model: str | None,
    decoding: str | None,
    config: Path | None,
) -> None:
    """Score many recorded answers into one table.

    INPUTS are audio files, folders (searched recursively), globs, or manifest CSVs with
    columns file,question. Results go to OUT/results.csv and OUT/results.jsonl; a rerun
    skips what is already done.
    """
    import dataclasses
    import os

    from . import batch as b

    try:
        settings = _settings(config, model, decoding)
        pairs = b.collect_inputs(list(inputs), on_skip=lambda m: click.echo(m, err=True))
    except VoicecoachError as exc:
        raise _fail(exc) from None
    if not pairs:
        raise click.ClickException("no audio files found in the inputs")
    cores = os.cpu_count() or 1
    workers = workers or cores
    if not scheduler and settings.transcription.cpu_threads == 0:
        # share the cores between the workers instead of oversubscribing them
        settings = dataclasses.replace(settings, transcription=dataclasses.replace(settings.transcription, cpu_threads=max(1, cores // workers)))
    fingerprint = b.settings_fingerprint(settings)
    jobs = [b.Job(str(p), question if q is None else q, b.job_key(p, question if q is None else q, fingerprint)) for p, q in pairs]
    store = b.Store(out_dir / "results.sqlite")
    done = store.done_keys()
    todo = [j for j in jobs if j.key not in done]
    if len(todo) < len(jobs):
        click.echo(f"{len(jobs) - len(todo)} of {len(jobs)} files already scored with these settings; scoring the other {len(todo)}", err=True)
    try:
        _run_batch_with_progress(b, store, todo, settings, workers, scheduler, send_audio)
    except VoicecoachError as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:
        click.echo("Interrupted: finished results are saved; run the same command again to score the rest.", err=True)
        raise SystemExit(130) from None
    finally:
        rows = b.write_outputs(store, list(dict.fromkeys(j.key for j in jobs)), out_dir)
        store.close()
    summary = b.summarise(rows)
    _print_summary(summary, out_dir)
    if summary["failed"]:
        sys.exit(1)


def _run_batch_with_progress(b, store, todo, settings, workers, scheduler, send_audio) -> None:  # noqa: ANN001
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    if not todo:
        return
    questions = {j.key: j.question for j in todo}
    failures = 0
    audio_min = 0.0
    columns = (
        TextColumn("scoring"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[minutes]:.1f} audio min, {task.fields[failed]} failed"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        task = progress.add_task("batch", total=len(todo), minutes=0.0, failed=0)
        outcomes = b.run_dask(todo, settings, scheduler, send_audio=send_audio) if scheduler else b.run_local(todo, settings, workers)
        for outcome in outcomes:
            store.put(outcome, questions[outcome.key])
            if outcome.status == "failed":
                failures += 1
                progress.console.print(f"failed: {outcome.reason}", markup=False)
            if outcome.result:
                audio_min += outcome.result["duration_s"] / 60
            progress.update(task, advance=1, minutes=audio_min, failed=failures)


def _print_summary(summary: dict, out_dir: Path) -> None:
    click.echo(f"{summary['files']} files: {summary['ok']} scored, {summary['no_speech']} without speech, {summary['failed']} failed")
    if summary["metrics"]:
        click.echo(f"{'metric':<26}{'mean':>10}{'median':>10}")
        for name, m in summary["metrics"].items():
            click.echo(f"{name:<26}{m['mean']:>10.2f}{m['median']:>10.2f}")
    if summary["most_fillers"]:
        click.echo("most fillers per minute: " + "; ".join(f"{Path(f).name} {v:.1f}" for f, v in summary["most_fillers"]))
        click.echo("lowest overall scores:   " + "; ".join(f"{Path(f).name} {v}" for f, v in summary["lowest_overall"]))
    click.echo(f"results: {out_dir / 'results.csv'}, {out_dir / 'results.jsonl'}")


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
