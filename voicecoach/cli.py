"""The ``voicecoach`` command: a thin shell over the library. Heavy imports stay inside
the commands so that ``voicecoach --help`` starts fast."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import VoicecoachError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


#: Where the model in force was named when that was not --model (e.g. the config file),
#: so that an error about it names the place the user wrote it.
_model_origin: str | None = None


def _fail(exc: VoicecoachError) -> click.ClickException:
    """The one place a library error becomes the CLI's one-line ``Error: ...``."""
    from .errors import ModelNotFoundError

    message = " ".join(str(exc).split())  # one line, whatever the message held
    if isinstance(exc, ModelNotFoundError) and _model_origin:
        message += f" (the model is set in {_model_origin})"
    return click.ClickException(message)


class _Progress:
    """Transcription progress on stderr, for answers over a minute: a line every 5 s."""

    MIN_AUDIO_S = 60.0
    EVERY_S = 5.0

    def __init__(self, label: str) -> None:
        self.label = label
        self.last = float("-inf")
        self.stage = ""

    def __call__(self, stage: str, done_s: float, total_s: float) -> None:
        from .datatypes import format_mmss

        if total_s < self.MIN_AUDIO_S:
            return
        now = time.monotonic()
        if stage == self.stage and now - self.last < self.EVERY_S:
            return
        self.stage, self.last = stage, now
        click.echo(f"{self.label}: {stage}, {format_mmss(done_s)} of {format_mmss(total_s)}", err=True)


def _setup_logging() -> None:
    """voicecoach's own log messages (downloads, warnings) go to stderr, once."""
    import logging

    log = logging.getLogger("voicecoach")
    if not any(getattr(h, "_voicecoach", False) for h in log.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler._voicecoach = True  # type: ignore[attr-defined]
        log.addHandler(handler)
        log.setLevel(logging.INFO)


class _Command(click.Command):
    """Every command: a library error becomes one line, ``Error: ...``, and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VoicecoachError as exc:
            raise _fail(exc) from None


class _Group(click.Group):
    command_class = _Command


@click.group(cls=_Group, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="voicecoach")
def cli() -> None:
    """Practise spoken interview answers, privately: voicecoach transcribes on this
    machine and reports pacing, filler words, pauses and answer structure."""


def _settings(config: Path | None, model: str | None, decoding: str | None):
    import dataclasses

    from .config import default_config_path, load_settings

    global _model_origin
    _setup_logging()
    settings = load_settings(config, required=config is not None)
    transcription = settings.transcription
    _model_origin = None
    if model:
        if not model.strip():
            raise VoicecoachError("--model must not be empty; `voicecoach models` lists the models")
        transcription = dataclasses.replace(transcription, model=model)
    elif transcription.model != "default":
        _model_origin = f"{config or default_config_path()}, [transcription] model"
    if decoding:
        transcription = dataclasses.replace(transcription, decoding=decoding)
    return dataclasses.replace(settings, transcription=transcription)


MODEL_OPTION = click.option(
    "--model",
    "-m",
    metavar="NAME|PATH",
    help="Whisper model: 'default' (embedded tiny.en), a CTranslate2 folder, or a faster-whisper size such as base.en (downloaded when online); see `voicecoach models`.",
)
DECODING_OPTION = click.option(
    "--decoding",
    type=click.Choice(["merge", "plain", "hotwords"]),
    help="How fillers are kept: merge (default), plain or hotwords (README, 'Keeping the fillers').",
)
CONFIG_OPTION = click.option(
    "--config", type=click.Path(path_type=Path, dir_okay=False), help="A TOML settings file (default: the user config file, if any; `voicecoach config-path`)."
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


def _bank(question_files: tuple[Path, ...]):
    from .questions import load_bank

    return load_bank(question_files)


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, readable=False))  # checked when read: one-line errors
@click.option("--take", "take_id", type=int, help="Score (again) a practice take from the history, by its id.")
@click.option("--question-id", metavar="ID", help="Judge the answer against a bank question (see `voicecoach questions`).")
@DATA_DIR_OPTION
@QUESTIONS_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file (schema in the README).")
@click.option("--question", "-q", metavar="TEXT", help="The question the answer responds to (judges structure for its type).")
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
    from .pipeline import score_file
    from .terminal import render_json, render_terminal

    if bool(files) == bool(take_id):
        raise click.UsageError("give either FILES or --take ID")
    settings = _settings(config, model, decoding)
    asked: Any = question
    if question_id:
        from .questions import pick_question

        asked = pick_question(_bank(question_files), question_id=question_id)
    if take_id:
        _score_take(take_id, data_dir, question_files, settings, as_json)
        return
    failed = 0
    for i, path in enumerate(files):
        try:
            report = score_file(path, settings=settings, question=asked, on_progress=_Progress(str(path)))
        except VoicecoachError as exc:
            if len(files) == 1:
                raise
            click.echo(f"Error: {_fail(exc).format_message()}", err=True)
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


def _score_take(take_id: int, data_dir: Path | None, question_files: tuple[Path, ...], settings, as_json: bool) -> None:  # noqa: ANN001
    """Score a saved take and store the result in the history."""
    from .history import History
    from .pipeline import report_to_dict
    from .practice import score_saved_take
    from .questions import pick_question
    from .terminal import render_terminal

    history = History.open(data_dir)
    try:
        take = history.get(take_id)
        question: Any = take.question_text
        if take.question_id:
            try:
                question = pick_question(_bank(question_files), question_id=take.question_id)
            except VoicecoachError:
                pass  # the question left the bank; judge against its text
        scored = score_saved_take(history, take_id, question, settings)
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

    settings = _settings(config, model, decoding)
    found = b.collect_inputs(list(inputs), exclude=out_dir, on_skip=lambda m: click.echo(m, err=True))
    if not found:
        raise click.ClickException("no audio files found in the inputs")
    cores = os.cpu_count() or 1
    workers = workers or cores
    if not scheduler and settings.transcription.cpu_threads == 0:
        # share the cores between the workers instead of oversubscribing them
        settings = dataclasses.replace(settings, transcription=dataclasses.replace(settings.transcription, cpu_threads=max(1, cores // workers)))
    store = b.Store(out_dir / "results.sqlite")
    jobs = b.plan_jobs(found, question=question, fingerprint=b.settings_fingerprint(settings))
    for job in jobs:
        if job.error:
            click.echo(f"failed: {job.error}", err=True)
    done = store.done_keys()
    readable = [j for j in jobs if j.key is not None]
    todo = list({j.key: j for j in readable if j.key not in done}.values())  # identical bytes are scored once
    already = sum(j.key in done for j in readable)
    if already:
        click.echo(f"{already} of {len(jobs)} files already scored with these settings; scoring the other {len(jobs) - already}", err=True)
    import signal

    interrupted = 0

    def _terminated(signum, frame):  # noqa: ANN001, ARG001
        nonlocal interrupted
        interrupted = signum
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _terminated)  # a SIGTERM saves and stops like Ctrl-C
    try:
        _run_batch_with_progress(b, store, todo, settings, workers, scheduler, send_audio)
    except KeyboardInterrupt:
        interrupted = interrupted or signal.SIGINT
    finally:
        signal.signal(signal.SIGTERM, previous)
        try:
            rows = b.write_outputs(store, jobs, out_dir)
        finally:
            store.close()
    if interrupted:
        click.echo("Interrupted: finished results are saved; run the same command again to score the rest.", err=True)
        raise SystemExit(128 + interrupted)
    summary = b.summarise(rows)
    _print_summary(summary, out_dir)
    if summary["failed"]:
        sys.exit(1)


def _run_batch_with_progress(b, store, todo, settings, workers, scheduler, send_audio) -> None:  # noqa: ANN001
    import contextlib

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
        with contextlib.closing(outcomes):  # closing the generator stops the workers at once
            for outcome in outcomes:
                store.put(outcome, questions[outcome.key])
                if outcome.status == "failed":
                    failures += 1
                    progress.console.print(f"failed: {outcome.reason}", markup=False)
                if outcome.result:
                    audio_min += outcome.result["duration_s"] / 60
                progress.update(task, advance=1, minutes=audio_min, failed=failures)


def _print_summary(summary: dict, out_dir: Path) -> None:
    click.echo(
        f"{summary['files']} files: {summary['ok']} scored, {summary['no_speech']} without speech, "
        f"{summary['not_english']} not English or unclear, {summary['failed']} failed"
    )
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


@cli.command()
@click.option("--category", "-c", help="List only this category.")
@click.option("--difficulty", type=click.Choice(["easy", "medium", "hard"]), help="List only this difficulty.")
@click.option("--search", "-s", metavar="TEXT", help="List questions whose text or id contains TEXT.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--where", is_flag=True, help="Print the folder your own question files are read from, and exit.")
@QUESTIONS_OPTION
def questions(category: str | None, difficulty: str | None, search: str | None, as_json: bool, where: bool, question_files: tuple[Path, ...]) -> None:
    """List the interview questions (built-in and your own files)."""
    import dataclasses

    from .questions import filter_questions, user_questions_dir

    if where:
        click.echo(str(user_questions_dir()))
        return
    bank = _bank(question_files)
    shown = filter_questions(bank, category=category, difficulty=difficulty, search=search)
    if category and not shown and not any(q.category == category for q in bank):
        raise click.ClickException(f"--category {category}: no such category; categories: {', '.join(sorted({q.category for q in bank}))}")
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(q) for q in shown]))
        return
    for q in shown:
        click.echo(f"{q.id:<24} {q.category:<21} {q.difficulty:<7} {q.text}")
    click.echo(f"\n{len(shown)} of {len(bank)} questions. Practise one with: voicecoach practice --question ID", err=True)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def devices(as_json: bool) -> None:
    """List audio input devices (for practice --device)."""
    from .record import input_devices

    found = input_devices()
    if as_json:
        click.echo(json.dumps(found))
        return
    if not found:
        raise click.ClickException("no audio input device found; connect a microphone")
    for d in found:
        click.echo(f"{'*' if d['is_default'] else ' '} {d['name']:<40} {d['channels']} ch, {d['default_rate_hz']:.0f} Hz")


@cli.command()
@click.option("--question", "question_id", metavar="ID", help="Practise this question (ids: `voicecoach questions`).")
@click.option("--category", "-c", help="Pick a random question from this category.")
@click.option("--next", "next_unpractised", is_flag=True, help="Pick the next question you have not practised yet.")
@click.option("--device", "-d", metavar="NAME", help="Input device name or a unique part of it (default: the system default input).")
@click.option("--prep-seconds", type=click.IntRange(min=0), help="Preparation countdown before recording (default 5 in a terminal, 0 otherwise).")
@click.option("--max-seconds", type=click.FloatRange(min=1), default=180.0, show_default=True, help="Stop recording after this long.")
@click.option("--stop-on-silence", type=click.FloatRange(min=0.5), metavar="SECONDS", help="Stop after this long a silence once you have started speaking.")
@click.option("--json", "as_json", is_flag=True, help="Print the score as JSON (as score --json, plus take_id).")
@MODEL_OPTION
@DECODING_OPTION
@CONFIG_OPTION
@DATA_DIR_OPTION
@QUESTIONS_OPTION
def practice(
    question_id: str | None,
    category: str | None,
    next_unpractised: bool,
    device: str | None,
    prep_seconds: int | None,
    max_seconds: float,
    stop_on_silence: float | None,
    as_json: bool,
    model: str | None,
    decoding: str | None,
    config: Path | None,
    data_dir: Path | None,
    question_files: tuple[Path, ...],
) -> None:
    """Answer an interview question out loud and get feedback.

    Shows a question, counts down, records until you press Enter (or --max-seconds, or a
    long silence with --stop-on-silence), then scores the take. Every take is saved in
    the history before it is analysed.
    """
    from .history import History
    from .history import data_dir as resolve_data_dir
    from .pipeline import report_to_dict
    from .practice import record_take, score_saved_take
    from .questions import pick_question
    from .record import RecordOptions, resolve_device
    from .terminal import render_terminal

    interactive = sys.stdin.isatty()
    err = sys.stderr
    settings = _settings(config, model, decoding)
    bank = _bank(question_files)
    resolve_device(device)  # a missing device or PortAudio fails before anything is shown
    directory = resolve_data_dir(data_dir)
    history = History.open(directory)
    try:
        q = pick_question(bank, category=category, question_id=question_id, next_unpractised=next_unpractised, practised_ids=history.practised_question_ids())
        while True:
            click.echo(f"\nQuestion ({q.category}, {q.difficulty}): {q.text}", err=True)
            prep = prep_seconds if prep_seconds is not None else (5 if interactive else 0)
            for left in range(prep, 0, -1):
                click.echo(f"\rRecording starts in {left} s... ", nl=False, err=True)
                time.sleep(1)
            click.echo("\rRecording: speak now. " + ("Press Enter to stop." if interactive else f"Stops after {max_seconds:g} s."), err=True)
            meter = _Meter(err)
            options = RecordOptions(device=device, max_seconds=max_seconds, stop_on_silence_s=stop_on_silence)
            take_id, rec = record_take(history, q, directory=directory, options=options, should_stop=_enter_pressed, on_block=meter.update)
            meter.done()
            if rec.stopped_by == "interrupt":
                click.echo(
                    f"Interrupted. The take is saved as #{take_id} ({rec.duration_s:.1f} s, {rec.path}); score it with: voicecoach score --take {take_id}",
                    err=True,
                )
                raise SystemExit(130)
            click.echo(f"Recorded {rec.duration_s:.1f} s (take #{take_id}); analysing...", err=True)
            scored = score_saved_take(history, take_id, q, settings)
            if scored.report is None:
                raise click.ClickException(f"{scored.error}. The take is saved as #{take_id}; retry with: voicecoach score --take {take_id}")
            report = scored.report
            if scored.store_error:
                click.echo(f"Warning: {scored.store_error}", err=True)
            if as_json:
                click.echo(json.dumps({**report_to_dict(report), "take_id": take_id}, ensure_ascii=False))
            else:
                render_terminal(report)
            if not (interactive and not as_json and click.confirm("Try this question again?", default=False, err=True)):
                break
    finally:
        history.close()


class _Meter:
    """Elapsed time and an input-level bar on stderr, redrawn in place."""

    def __init__(self, stream) -> None:  # noqa: ANN001
        self.stream = stream
        self.tty = stream.isatty()
        self.last = 0.0

    def update(self, elapsed_s: float, level_db: float) -> None:
        if not self.tty and elapsed_s - self.last < 5:
            return
        self.last = elapsed_s
        filled = int(max(0.0, min(1.0, (level_db + 60) / 60)) * 30)
        bar = "#" * filled + "-" * (30 - filled)
        end = "\r" if self.tty else "\n"
        self.stream.write(f"  REC {int(elapsed_s // 60)}:{elapsed_s % 60:04.1f} [{bar}] {level_db:6.1f} dB{end}")
        self.stream.flush()

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")


def _enter_pressed() -> bool:
    """True once a line (Enter) is waiting on stdin; never blocks."""
    import select

    if sys.stdin is None or sys.stdin.closed:
        return False
    try:
        ready, _, _ = select.select([sys.stdin], [], [], 0)
    except (OSError, ValueError):
        return False
    if not ready:
        return False
    line = sys.stdin.readline()
    if line == "":  # end of input (e.g. /dev/null): never a stop signal
        sys.stdin.close()
        return False
    return True


@cli.command()
@click.option("--question", "question_id", metavar="ID", help="Only takes of this question.")
@click.option("--category", "-c", help="Only takes of this category.")
@click.option("--by", type=click.Choice(["question", "category"]), default="question", show_default=True, help="Group the trends by question or by category.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="How many recent takes to list.")
@click.option("--json", "as_json", is_flag=True, help="Print the takes as JSON (with their reports).")
@DATA_DIR_OPTION
def history(question_id: str | None, category: str | None, by: str, limit: int, as_json: bool, data_dir: Path | None) -> None:
    """List past takes and how your key figures moved over time."""
    from .history import History, trends
    from .terminal import sparkline

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
    click.echo(f"{'take':>5}  {'when':<16}  {'question':<24} {'status':<9} {'len s':>6} {'overall':>7} {'fill/min':>8} {'wpm':>5} {'pause%':>6} {'struct':>6}")
    for t in takes[-limit:]:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(t.created_at))

        def fmt(v, spec):  # noqa: ANN001, ANN202
            return format(v, spec) if v is not None else "-"

        click.echo(
            f"{t.id:>5}  {when:<16}  {(t.question_id or '-'):<24} {t.status:<9} {fmt(t.duration_s, '6.1f'):>6} {fmt(t.overall, 'd'):>7} "
            f"{fmt(t.fillers_per_min, '8.1f'):>8} {fmt(t.wpm, '5.0f'):>5} {fmt(t.pause_ratio and 100 * t.pause_ratio, '6.0f'):>6} {fmt(t.structure_score, 'd'):>6}"
        )
    groups = trends(takes, by="question_id" if by == "question" else "category")
    if groups:
        click.echo(f"\nTrends by {by} (first -> latest, with every scored take):")
        for g in groups:
            name = g[by]
            parts = []
            for metric, label, spec in (
                ("fillers_per_min", "fillers/min", ".1f"),
                ("wpm", "wpm", ".0f"),
                ("pause_ratio", "pause ratio", ".2f"),
                ("structure_score", "structure", ".0f"),
            ):
                m = g[metric]
                if m["first"] is None:
                    continue
                parts.append(f"{label} {format(m['first'], spec)} -> {format(m['latest'], spec)} {sparkline(m['series'])}")
            click.echo(f"  {name} ({g['takes']} takes): " + "; ".join(parts))


@cli.command()
@click.argument("target")
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write a self-contained HTML report (figures, transcript, audio) to this file.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the HTML report in the browser.")
@click.option("--question", "-q", metavar="TEXT", help="The question answered (when TARGET is an audio file).")
@MODEL_OPTION
@CONFIG_OPTION
@DATA_DIR_OPTION
def report(
    target: str, html_path: Path | None, open_browser: bool, question: str | None, model: str | None, config: Path | None, data_dir: Path | None
) -> None:
    """Filler-word report for TARGET: an audio file, a saved take (its id, e.g. 12 or
    take:12) or a JSON result of `score --json`."""
    from .audio import load_audio
    from .files import atomic_write_text
    from .history import History
    from .history import data_dir as resolve_data_dir
    from .terminal import render_filler_report

    if open_browser and not html_path:
        raise click.UsageError("--open needs --html FILE")
    if html_path and not html_path.resolve().parent.is_dir():
        raise click.ClickException(f"{html_path}: cannot write it (the folder {html_path.parent} does not exist)")
    d, audio_path = _resolve_report_target(target, data_dir, question, model, config)
    takes: list = []
    db = resolve_data_dir(data_dir) / "history.sqlite"
    if db.exists():
        try:
            h = History(db)
            try:
                takes = [t.as_dict() for t in h.takes(question_id=d.get("question_id"), limit=20)]
            finally:
                h.close()
        except VoicecoachError as exc:  # the trend is extra: report without it
            click.echo(f"Warning: no practice trend ({exc})", err=True)
    render_filler_report(d, trend=[t for t in takes if t["status"] == "scored"])
    if html_path:
        from .html_report import render_html

        if not d.get("speech_found") or d.get("english") is False:
            raise click.ClickException("nothing was scored (no speech, or not English), so there is no HTML report to write")
        audio = load_audio(audio_path) if audio_path and Path(audio_path).exists() else None
        page = render_html(d, audio=audio, history=takes)
        atomic_write_text(html_path, page)
        click.echo(f"HTML report: {html_path}", err=True)
        if open_browser:
            import webbrowser

            webbrowser.open(html_path.resolve().as_uri())


def _resolve_report_target(target: str, data_dir: Path | None, question: str | None, model: str | None, config: Path | None) -> tuple[dict, str | None]:
    """(score --json object, audio path) for an audio file, a take id or a JSON result."""
    import re

    from .history import History
    from .result import check_result, load_result_file

    path = Path(target)
    take = re.fullmatch(r"(?:take:|#)?(\d+)", target)
    if take and not path.exists():
        h = History.open(data_dir)
        try:
            t = h.get(int(take.group(1)))
        finally:
            h.close()
        if t.report is None:
            raise VoicecoachError(f"take {t.id} has no report yet (status {t.status}); score it with: voicecoach score --take {t.id}")
        return check_result(t.report, source=f"take {t.id}"), t.audio_path
    if path.suffix.lower() in (".json", ".jsonl"):
        d = load_result_file(path)
        return d, d["file"]
    from .pipeline import report_to_dict, score_file

    settings = _settings(config, model, None)
    return report_to_dict(score_file(path, settings=settings, question=question, on_progress=_Progress(str(path)))), str(path)


@cli.command("config-path")
def config_path() -> None:
    """Print where the user config file is read from."""
    from .config import default_config_path

    click.echo(str(default_config_path()))


def main() -> None:
    cli(prog_name="voicecoach")
