"""``practice`` and ``devices``: answer a question into the microphone and get feedback."""

from __future__ import annotations

import json
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .common import (
    CONFIG_OPTION,
    DATA_DIR_OPTION,
    DECODING_OPTION,
    DEVICE_OPTION,
    JSON_OPTION,
    MODEL_OPTION,
    QUESTIONS_OPTION,
    Command,
    bank,
    settings,
)

if TYPE_CHECKING:
    from ..core.questions import Question
    from ..practice.history import History
    from ..practice.session import Outcome
    from ..settings.config import Settings


@click.command(cls=Command)
@JSON_OPTION
def devices(as_json: bool) -> None:
    """List audio input devices (for practice --device)."""
    from ..practice.record import input_devices

    found = input_devices()
    if as_json:
        click.echo(json.dumps(found))
        return
    if not found:
        raise click.ClickException("no audio input device found; connect a microphone")
    for d in found:
        click.echo(
            f"{'*' if d['is_default'] else ' '} {d['name']:<40} {d['channels']} ch, {d['default_rate_hz']:.0f} Hz"
        )


@click.command(cls=Command)
@click.option(
    "--question",
    "-q",
    "question",
    metavar="ID|TEXT",
    help="Practise this question: a bank id (`voicecoach questions`) or any question's text.",
)
@click.option("--category", "-c", help="Pick a random question from this category.")
@click.option("--next", "next_unpractised", is_flag=True, help="Pick the next question you have not practised yet.")
@DEVICE_OPTION
@click.option(
    "--prep-seconds",
    type=click.IntRange(min=0),
    help="Preparation countdown before recording; Enter starts at once (default 5 in a terminal, 0 otherwise).",
)
@click.option(
    "--max-seconds",
    type=click.FloatRange(min=1),
    default=180.0,
    show_default=True,
    help="Stop recording after this long.",
)
@click.option(
    "--stop-on-silence",
    type=click.FloatRange(min=0.5),
    metavar="SECONDS",
    help="Stop after this long a silence once you have started speaking.",
)
@click.option(
    "--hints/--no-hints",
    default=None,
    help="Show the points a strong answer covers before you answer (default: on a first try; [practice] hints).",
)
@click.option(
    "--live", is_flag=True, default=None, help="Show one live cue while you speak (too many fillers, too fast)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the score as JSON (as score --json, plus take_id).")
@MODEL_OPTION
@DECODING_OPTION
@CONFIG_OPTION
@DATA_DIR_OPTION
@QUESTIONS_OPTION
def practice(
    question: str | None,
    category: str | None,
    next_unpractised: bool,
    device: str | None,
    prep_seconds: int | None,
    max_seconds: float,
    stop_on_silence: float | None,
    hints: bool | None,
    live: bool | None,
    as_json: bool,
    model: str | None,
    decoding: str | None,
    config: Path | None,
    data_dir: Path | None,
    question_files: tuple[Path, ...],
) -> None:
    """Answer an interview question out loud and get feedback.

    Shows the question and what to aim for, counts down (Enter starts at once), records
    until you press Enter (or --max-seconds, or a long silence with --stop-on-silence)
    while transcribing what you say, then shows the report and how it compares with your
    previous and best takes of the question. Every take is saved in the history before it
    is analysed.
    """
    import threading

    from ..asr.models import load_model
    from ..core.paths import data_dir as resolve_data_dir
    from ..core.questions import pick_question
    from ..practice.history import History
    from ..practice.record import device_name, resolve_device

    interactive = sys.stdin.isatty()
    s = settings(config, model, decoding)
    questions = bank(question_files)
    resolve_device(device)  # a missing device or PortAudio fails before anything is shown
    directory = resolve_data_dir(data_dir)
    history = History.open(directory)
    t = s.transcription
    threading.Thread(
        target=lambda: _quietly(load_model, t.model, cpu_threads=t.cpu_threads), daemon=True
    ).start()  # while the question is read
    summary = RunSummary()
    code = 0
    ended_by = _TerminateAsInterrupt()
    try:
        with ended_by:
            q = pick_question(
                questions,
                category=category,
                question_id=question,
                next_unpractised=next_unpractised,
                practised_ids=history.practised_question_ids(),
            )
            take = TerminalTake(
                history,
                directory,
                s,
                device_name(device),
                interactive=interactive,
                as_json=as_json,
                live=s.practice.live if live is None else live,
            )
            while True:
                _show_question(q, history, s, hints, max_seconds)
                result = take.run(
                    q,
                    prep_seconds if prep_seconds is not None else (5 if interactive else 0),
                    max_seconds,
                    stop_on_silence,
                    device,
                )
                if result.report is not None:
                    summary.add(q, result.report)
                if result.interrupted:
                    code = 128 + ended_by.signum
                    break
                if result.cut_short:  # the device or the disk failed: the take is kept, the session ends
                    code = 1
                    break
                if result.status == "empty":
                    if (
                        interactive
                        and not as_json
                        and click.confirm("Nothing recorded: try again?", default=True, err=True)
                    ):
                        continue
                    break
                if not (
                    interactive and not as_json and click.confirm("Try this question again?", default=False, err=True)
                ):
                    break
    except KeyboardInterrupt:
        code = 128 + ended_by.signum
    finally:
        history.close()
        line = summary.summary()
        if line:
            click.echo(line, err=True)
    if code:
        raise SystemExit(code)


class _TerminateAsInterrupt:
    """While practising, SIGTERM ends the session as Ctrl-C does (the take being recorded
    is kept and marked recorded, and the message says how to score it); ``signum`` is the
    signal that ended it."""

    def __init__(self) -> None:
        self.signum: int = signal.SIGINT

    def __enter__(self) -> _TerminateAsInterrupt:
        def stop(signum: int, frame: object) -> None:
            self.signum = signum
            raise KeyboardInterrupt

        self.previous = signal.signal(signal.SIGTERM, stop)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGTERM, self.previous)


def _quietly(fn: Any, *args: Any, **kwargs: Any) -> None:
    try:
        fn(*args, **kwargs)
    except Exception:  # noqa: BLE001, S110
        pass


def _show_question(q: Question, history: History, s: Settings, hints: bool | None, max_seconds: float) -> None:
    from ..core.datatypes import format_mmss
    from ..core.questions import category_name
    from ..practice.takes import guidance, practised_before

    kind = "your own question" if q.custom else f"{category_name(q.category)}, {q.difficulty}"
    click.echo(f"\nQuestion ({kind}): {q.text}", err=True)
    g = guidance(q, s)
    click.echo(
        f"Aim for {g.min_s:.0f}-{g.max_s:.0f} s (recording stops at {format_mmss(max_seconds).removesuffix('.0')}).",
        err=True,
    )
    mode = s.practice.hints
    show = hints if hints is not None else (mode == "always" or (mode == "first" and not practised_before(history, q)))
    if show and g.points:
        click.echo("A strong answer covers: " + "; ".join(g.points) + ".", err=True)


class RunSummary:
    """The takes of this run, for the line printed when it ends."""

    def __init__(self) -> None:
        self.takes: list[tuple[str, int | None]] = []

    def add(self, q: Question, report: dict) -> None:
        self.takes.append((q.id or q.text, (report.get("scores") or {}).get("overall")))

    def summary(self) -> str:
        if not self.takes:
            return ""
        scores = [str(v) for _, v in self.takes if v is not None]
        n_q = len({k for k, _ in self.takes})
        overall = f"; overall {' -> '.join(scores)}" if scores else ""
        return (
            f"Session: {len(self.takes)} take{'s' if len(self.takes) != 1 else ''} of {n_q} "
            f"question{'s' if n_q != 1 else ''}{overall}. Your takes are in `voicecoach history`."
        )


@dataclass(frozen=True)
class TakeResult:
    """How a take in the terminal ended: its outcome's status, its report's JSON object
    when there is one, whether Ctrl-C ended it (the session ends) and whether the device
    or the disk cut it short (the session ends too)."""

    status: str
    report: dict | None = None
    interrupted: bool = False
    cut_short: bool = False


class TerminalTake:
    """One take in the terminal: countdown, recording with a meter (and a live cue),
    streaming transcription, the report, the comparison with earlier takes."""

    def __init__(
        self,
        history: History,
        directory: Path,
        s: Settings,
        device_label: str,
        *,
        interactive: bool,
        as_json: bool,
        live: bool,
    ) -> None:
        self.history, self.directory, self.settings = history, directory, s
        self.device_label = device_label
        self.interactive, self.as_json, self.live = interactive, as_json, live

    def run(
        self, q: Question, prep: int, max_seconds: float, stop_on_silence: float | None, device: str | None
    ) -> TakeResult:
        """Countdown, recording, report. Every way the take ends leaves a status on disk
        that the message states: scored, recorded (interrupted, or the device or the disk
        failed; score it later) or nothing (an empty take is not kept)."""
        from ..core.datatypes import format_mmss
        from ..practice.record import RecordOptions
        from ..practice.session import PracticeSession

        err = sys.stderr
        for left in range(prep, 0, -1):
            click.echo(f"\rRecording starts in {left} s (Enter: start now)... ", nl=False, err=True)
            if wait_for_enter(1.0):
                break
        limit = format_mmss(max_seconds, tenths=False)
        click.echo(
            "\rRecording: speak now. "
            + ("Press Enter to stop. " if self.interactive else "")
            + f"It stops at {limit}.          ",
            err=True,
        )
        session = PracticeSession.open(q, self.settings, directory=self.directory, history=self.history)
        meter = Meter(err, limit=limit, device=self.device_label, cue=session.cue if self.live else None)
        options = RecordOptions(device=device, max_seconds=max_seconds, stop_on_silence_s=stop_on_silence)
        with _no_echo_of_ctrl_c():
            rec = session.record(options, should_stop=enter_pressed, on_block=meter.update)
        stopped = time.monotonic()
        meter.done()
        if rec.stopped_by == "interrupt":
            outcome = session.stop(interrupted=True)
            click.echo(f"Interrupted. {_said(outcome)}", err=True)
            return TakeResult("interrupted" if outcome.kept else "empty", interrupted=True)
        if rec.error:
            click.echo(
                f"Error: {rec.error}. The take stops here (#{session.take_id}, {rec.duration_s:.1f} s).", err=True
            )

        saved_path: list[bool] = []

        def analysing(why: str) -> None:
            saved_path.append(True)
            click.echo(
                f"Recorded {rec.duration_s:.1f} s (take #{session.take_id}); analysing{f' ({why})' if why else ''}...",
                err=True,
            )

        outcome = session.stop(on_saved_scoring=analysing, on_progress=_progress_bar(rec.duration_s))
        if saved_path:
            click.echo("", err=True)  # end the progress line
        if outcome.status == "interrupted":
            click.echo(f"\nInterrupted while analysing. {_said(outcome)}", err=True)
            return TakeResult("interrupted", interrupted=True)
        if outcome.status == "empty":
            click.echo(_said(outcome), err=True)
            return TakeResult("empty", cut_short=bool(rec.error))
        if outcome.status == "failed":
            raise click.ClickException(_said(outcome))
        if outcome.note:
            click.echo(outcome.note, err=True)
        return TakeResult("scored", self._show(outcome, stopped), cut_short=bool(rec.error))

    def _show(self, outcome: Outcome, stopped: float) -> dict:
        from ..practice.takes import progress_since
        from ..present.terminal import render_comparison, render_terminal
        from ..scoring.result import report_to_dict

        report = outcome.report
        assert report is not None  # a scored outcome
        d = report_to_dict(report)
        if self.as_json:
            click.echo(json.dumps({**d, "take_id": outcome.take_id}, ensure_ascii=False))
        else:
            render_terminal(report)
            click.echo(
                f"Take #{outcome.take_id}, {outcome.duration_s:.1f} s; report ready {time.monotonic() - stopped:.1f} s "
                "after you stopped.",
                err=True,
            )
        if outcome.store_error:
            click.echo(f"Warning: {outcome.store_error}", err=True)
        elif not self.as_json and report.scored:
            previous, best = progress_since(self.history, outcome.take_id, d)
            render_comparison(previous, best)
        return d


def _said(outcome: Outcome) -> str:
    """An outcome's message and what to do next, as the terminal says them."""
    from .common import hint_words

    hint = hint_words(outcome.hint)
    return f"{outcome.message[:-1]}; {hint}" if hint else outcome.message


def _progress_bar(total_s: float) -> Any:
    """A one-line progress indicator on stderr for scoring after the take."""
    last = {"t": 0.0}

    def on_progress(stage: str, done_s: float, total: float) -> None:
        now = time.monotonic()
        if now - last["t"] < 0.5:
            return
        last["t"] = now
        width = 30
        filled = int(width * min(1.0, done_s / max(total, 1e-9)))
        click.echo(
            f"\r  {stage:<20} [{'#' * filled}{'-' * (width - filled)}] {done_s:5.1f} / {total:.1f} s",
            nl=False,
            err=True,
        )

    return on_progress


class _no_echo_of_ctrl_c:  # noqa: N801 - used as a context manager
    """While recording, Ctrl-C is not echoed as ^C (it would break the meter line)."""

    def __enter__(self) -> None:
        self.saved = None
        try:
            import termios

            if sys.stdin.isatty():
                fd = sys.stdin.fileno()
                self.saved = termios.tcgetattr(fd)
                quiet = termios.tcgetattr(fd)
                quiet[3] &= ~termios.ECHOCTL
                termios.tcsetattr(fd, termios.TCSANOW, quiet)
        except (ImportError, OSError, ValueError, AttributeError):
            self.saved = None

    def __exit__(self, *exc: object) -> None:
        if self.saved is not None:
            import termios

            try:
                termios.tcsetattr(sys.stdin.fileno(), termios.TCSANOW, self.saved)
            except (OSError, ValueError):
                pass


class Meter:
    """Elapsed time against the limit, an input-level bar, and one line of warning or
    cue, on stderr, redrawn in place."""

    #: A block below this level (dBFS) is digital silence: nothing reaches the device.
    NO_SOUND_DB = -80.0
    #: How soon a device that delivers no sound is reported.
    NO_SOUND_AFTER_S = 3.0

    def __init__(self, stream: Any, *, limit: str = "", device: str = "the microphone", cue: Any = None) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last = 0.0
        self.limit = limit
        self.device = device
        self.cue = cue
        self.loudest = -200.0
        self.warned = False

    def update(self, elapsed_s: float, level_db: float) -> None:
        self.loudest = max(self.loudest, level_db)
        note = ""
        if elapsed_s >= self.NO_SOUND_AFTER_S and self.loudest < self.NO_SOUND_DB:
            note = f"no sound from {self.device}: check the microphone"
            if not self.tty and not self.warned:
                self.warned = True
                self.stream.write(f"  {note}\n")
                self.stream.flush()
        elif self.cue is not None:
            note = self.cue() or ""
        if not self.tty and elapsed_s - self.last < 5:
            return
        self.last = elapsed_s
        filled = int(max(0.0, min(1.0, (level_db + 60) / 60)) * 30)
        bar = "#" * filled + "-" * (30 - filled)
        level = f"{level_db:6.1f} dB" if level_db > -99 else "  silent "
        line = f"  REC {int(elapsed_s // 60)}:{elapsed_s % 60:04.1f} / {self.limit} [{bar}] {level}  {note}"
        if self.tty:
            self.stream.write("\r" + line.ljust(100)[:100])
        else:
            self.stream.write(line.rstrip() + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")


def wait_for_enter(timeout_s: float) -> bool:
    """Wait up to ``timeout_s`` for a line (Enter) on stdin; True if one came."""
    import select

    if sys.stdin is None or sys.stdin.closed:
        time.sleep(timeout_s)
        return False
    try:
        ready, _, _ = select.select([sys.stdin], [], [], timeout_s)
    except (OSError, ValueError):
        time.sleep(timeout_s)
        return False
    if not ready:
        return False
    line = sys.stdin.readline()
    if line == "":  # end of input: never a signal
        sys.stdin.close()
        return False
    return True


def enter_pressed() -> bool:
    """True once a line (Enter) is waiting on stdin; never blocks."""
    if sys.stdin is None or sys.stdin.closed:
        return False
    return wait_for_enter(0.0)


COMMANDS = (practice, devices)
