"""``practice`` and ``devices``: answer a question into the microphone and get feedback."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from .common import CONFIG_OPTION, DATA_DIR_OPTION, DECODING_OPTION, JSON_OPTION, MODEL_OPTION, QUESTIONS_OPTION, Command, bank, settings


@click.command(cls=Command)
@JSON_OPTION
def devices(as_json: bool) -> None:
    """List audio input devices (for practice --device)."""
    from ..record import input_devices

    found = input_devices()
    if as_json:
        click.echo(json.dumps(found))
        return
    if not found:
        raise click.ClickException("no audio input device found; connect a microphone")
    for d in found:
        click.echo(f"{'*' if d['is_default'] else ' '} {d['name']:<40} {d['channels']} ch, {d['default_rate_hz']:.0f} Hz")


@click.command(cls=Command)
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
    from ..history import History
    from ..paths import data_dir as resolve_data_dir
    from ..practice import record_take, score_saved_take
    from ..questions import pick_question
    from ..record import RecordOptions, resolve_device
    from ..result import report_to_dict
    from ..terminal import render_terminal

    interactive = sys.stdin.isatty()
    err = sys.stderr
    s = settings(config, model, decoding)
    questions = bank(question_files)
    resolve_device(device)  # a missing device or PortAudio fails before anything is shown
    directory = resolve_data_dir(data_dir)
    history = History.open(directory)
    try:
        q = pick_question(
            questions, category=category, question_id=question_id, next_unpractised=next_unpractised, practised_ids=history.practised_question_ids()
        )
        while True:
            click.echo(f"\nQuestion ({q.category}, {q.difficulty}): {q.text}", err=True)
            prep = prep_seconds if prep_seconds is not None else (5 if interactive else 0)
            for left in range(prep, 0, -1):
                click.echo(f"\rRecording starts in {left} s... ", nl=False, err=True)
                time.sleep(1)
            click.echo("\rRecording: speak now. " + ("Press Enter to stop." if interactive else f"Stops after {max_seconds:g} s."), err=True)
            meter = Meter(err)
            options = RecordOptions(device=device, max_seconds=max_seconds, stop_on_silence_s=stop_on_silence)
            take_id, rec = record_take(history, q, directory=directory, options=options, should_stop=enter_pressed, on_block=meter.update)
            meter.done()
            if rec.stopped_by == "interrupt":
                click.echo(
                    f"Interrupted. The take is saved as #{take_id} ({rec.duration_s:.1f} s, {rec.path}); score it with: voicecoach score --take {take_id}",
                    err=True,
                )
                raise SystemExit(130)
            click.echo(f"Recorded {rec.duration_s:.1f} s (take #{take_id}); analysing...", err=True)
            scored = score_saved_take(history, take_id, q, s)
            if scored.report is None:
                raise click.ClickException(f"{scored.error}. The take is saved as #{take_id}; retry with: voicecoach score --take {take_id}")
            if scored.store_error:
                click.echo(f"Warning: {scored.store_error}", err=True)
            if as_json:
                click.echo(json.dumps({**report_to_dict(scored.report), "take_id": take_id}, ensure_ascii=False))
            else:
                render_terminal(scored.report)
            if not (interactive and not as_json and click.confirm("Try this question again?", default=False, err=True)):
                break
    finally:
        history.close()


class Meter:
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


def enter_pressed() -> bool:
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


COMMANDS = (practice, devices)
