"""``interview``: a spoken mock interview with follow-up questions."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .common import (
    CONFIG_OPTION,
    DATA_DIR_OPTION,
    DECODING_OPTION,
    DEVICE_OPTION,
    INTERVIEW_SILENCE_OPTION,
    JSON_OPTION,
    MODEL_OPTION,
    QUESTIONS_OPTION,
    VOICE_OPTION,
    Command,
    bank,
    hint_words,
    settings,
)

if TYPE_CHECKING:
    from ..interview.run import Interview
    from ..practice.session import Outcome


class TerminalListener:
    """The interview on stderr: the interviewer's lines, one line as each recording starts
    (``recording: Q<n>`` or ``recording: Q<n> follow-up``) and ends, and a level meter in a
    terminal."""

    def __init__(self, device_label: str, *, prep_s: float) -> None:
        from .practice import Meter

        self.prep_s = prep_s
        self.meter = Meter(sys.stderr, device=device_label) if sys.stderr.isatty() else None

    def interviewer(self, text: str, role: str) -> None:
        click.echo(f"Interviewer: {text}", err=True)

    def recording(self, label: str, started: bool, outcome: Outcome | None = None) -> None:
        from .practice import wait_for_enter

        if started:
            for left in range(int(self.prep_s), 0, -1):
                click.echo(f"\rYour answer starts in {left} s (Enter: start now)... ", nl=False, err=True)
                if wait_for_enter(1.0):
                    break
            click.echo(f"recording: {label}", err=True)
            return
        if self.meter is not None:
            self.meter.done()
        said = f"{outcome.status}, {outcome.duration_s:.1f} s" if outcome is not None else "ended"
        click.echo(f"recorded: {label} ({said})", err=True)
        if outcome is not None and outcome.status != "scored":
            hint = hint_words(outcome.hint)
            click.echo(f"  {outcome.message}" + (f" To score it: {hint}" if hint else ""), err=True)

    def should_stop(self) -> bool:
        from .practice import enter_pressed

        return enter_pressed()

    def on_block(self, elapsed_s: float, level_db: float) -> None:
        if self.meter is not None:
            self.meter.update(elapsed_s, level_db)


@click.command(cls=Command)
@click.option(
    "--kind",
    default="mixed",
    show_default=True,
    help="behavioural, motivation, mixed (a motivation question, then stories, then others), or any bank category.",
)
@click.option("-n", "--count", type=click.IntRange(1, 12), default=4, show_default=True, help="How many questions.")
@click.option(
    "--question", "-q", "fixed", multiple=True, metavar="ID|TEXT", help="Ask this question (repeatable, in order)."
)
@click.option(
    "--answer-seconds", type=click.FloatRange(min=5), default=150.0, show_default=True, help="The longest answer."
)
@click.option(
    "--prep-seconds", type=click.IntRange(min=0), default=0, show_default=True, help="A countdown before each answer."
)
@INTERVIEW_SILENCE_OPTION
@VOICE_OPTION
@click.option("--output-device", metavar="NAME", help="Where the interviewer speaks (default: the system's output).")
@click.option("--resume", "resume_id", type=int, metavar="ID", help="Go on with a stopped interview.")
@click.option(
    "--report",
    "report_id",
    type=int,
    metavar="ID",
    help="Show the report of interview ID from the history (nothing is recorded); `history --interviews` lists them.",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    metavar="FILE",
    help="Also write the interview's report as one self-contained HTML page, with the audio of every answer.",
)
@click.option("--seed", type=int, hidden=True, help="Fix the choice of questions and wordings.")
@DEVICE_OPTION
@JSON_OPTION
@MODEL_OPTION
@DECODING_OPTION
@CONFIG_OPTION
@DATA_DIR_OPTION
@QUESTIONS_OPTION
def interview(
    kind: str,
    count: int,
    fixed: tuple[str, ...],
    answer_seconds: float,
    prep_seconds: int,
    stop_on_silence: float,
    voice: str,
    output_device: str | None,
    resume_id: int | None,
    report_id: int | None,
    html_path: Path | None,
    seed: int | None,
    device: str | None,
    as_json: bool,
    model: str | None,
    decoding: str | None,
    config: Path | None,
    data_dir: Path | None,
    question_files: tuple[Path, ...],
) -> None:
    """A mock interview, spoken: the interviewer asks each question aloud, you answer, and
    one follow-up comes where the answer left something out (no result, general talk
    where a story was asked, far too long). Each answer ends on Enter, on a silence once
    you have spoken, or at --answer-seconds; the report covers every question and the
    interview as a whole. Every answer is kept in the history as it is recorded."""
    import random

    from ..core.paths import data_dir as resolve_data_dir
    from ..interview.plan import FIXED, plan_questions
    from ..interview.run import Conductor, Interviewer, InterviewOptions, latencies, resume
    from ..interview.summary import keep_summary
    from ..interview.voice import Voice, resolve_voice
    from ..practice.history import History
    from ..practice.record import device_name, resolve_device

    s = settings(config, model, decoding)
    questions_bank = bank(question_files)
    if report_id is not None:
        if resume_id is not None:
            raise click.UsageError("give --report or --resume, not both")
        show_report(report_id, s, questions_bank, resolve_data_dir(data_dir), as_json=as_json, html_path=html_path)
        return
    resolve_device(device)
    engine = resolve_voice(voice)
    if engine != "none":
        resolve_device(output_device, "output")  # a wrong name fails before the first question
    rng = random.Random(seed)
    directory = resolve_data_dir(data_dir)
    resumed = None
    if resume_id is not None:
        h = History.open(directory)
        try:
            resumed, questions = resume(h, resume_id, questions_bank, s)
        finally:
            h.close()
        kind = resumed.kind
    else:
        questions = plan_questions(questions_bank, kind=kind, count=count, fixed=fixed, rng=rng)
        if fixed:
            kind = FIXED
    options = InterviewOptions(
        answer_s=answer_seconds,
        stop_on_silence_s=stop_on_silence or None,
        device=device,
        output_device=output_device,
    )
    listener = TerminalListener(device_name(device), prep_s=prep_seconds)
    h = History.open(directory)
    try:
        conductor = Conductor(questions, s, directory=directory, kind=kind, history=h, rng=rng, resumed=resumed)
        runner = Interviewer(conductor, voice=Voice(engine), options=options, listener=listener)
        done = runner.run()
        summary = keep_summary(done, h, turn_taking_s=latencies(runner.timeline))
    finally:
        h.close()
    show(done, summary, as_json=as_json, html_path=html_path)
    if done.status == "stopped":
        click.echo(f"The interview is stopped; go on with: voicecoach interview --resume {done.id}", err=True)
        raise SystemExit(130)


def show(done: Interview, summary: dict[str, Any], *, as_json: bool, html_path: Path | None) -> None:
    """The interview's report: in the terminal or as JSON, and as a page in ``html_path``."""
    from ..core.files import atomic_write_text
    from ..interview.summary import audio_paths, interview_json
    from ..present.interview_html import render_interview_html

    obj = interview_json(done, summary)
    if html_path is not None:
        try:
            atomic_write_text(html_path, render_interview_html(obj, audio_paths=audio_paths(done)))
        except OSError as exc:
            raise click.ClickException(f"cannot write {html_path}: {exc.strerror or exc}") from exc
        click.echo(f"Interview report: {html_path}", err=True)
    if as_json:
        click.echo(json.dumps(obj, ensure_ascii=False))
    else:
        render(done, summary)


def show_report(
    interview_id: int, s: Any, questions_bank: list[Any], directory: Path, *, as_json: bool, html_path: Path | None
) -> None:
    """The report of an interview in the history, its two answers of a question heard as one."""
    from ..interview.run import hear_as_one, load_interview
    from ..interview.summary import summarise
    from ..practice.history import History

    h = History.open(directory)
    try:
        done, _ = load_interview(h, interview_id, questions_bank, s)
        summary = h.interview(interview_id)["summary"]
    finally:
        h.close()
    hear_as_one(done, s)
    show(done, summary or summarise(done), as_json=as_json, html_path=html_path)


def render(done: Interview, summary: dict[str, Any]) -> None:
    """The interview report in the terminal."""
    from ..interview.plan import kind_words
    from ..interview.summary import filled

    click.echo(f"\nInterview #{done.id} ({done.kind}, {len(done.turns)} questions): {done.status}")
    for t in done.turns:
        report = t.report
        overall = report.scores.overall if report is not None and report.scores is not None else None
        click.echo(f"\nQ{t.position}. {t.question.text}")
        click.echo(f"   overall {overall if overall is not None else '-'}" + _parts(report))
        if t.follow_up is not None:
            answered = filled(t)
            given = f"; {', '.join(t.given_when_asked)} given when asked" if t.given_when_asked else ""
            verdict = {True: "answered", False: "not answered", None: "no answer"}[answered]
            click.echo(f"   follow-up ({t.follow_up.trigger}): {t.follow_up.text} {verdict}{given}")
        if report is not None and report.tips:
            click.echo(f"   top tip: {report.tips[0].message}")
    if not summary.get("scored"):
        return
    click.echo("\nAcross the interview:")
    f, w = summary["fillers_per_min"], summary["wpm"]
    if summary["scored"] >= 2:
        click.echo(f"   fillers a minute {f['first']} -> {f['last']}; pace {w['first']} -> {w['last']} words a minute")
        st, we = summary["strongest"], summary["weakest"]
        click.echo(
            f"   strongest answer Q{st['position']} ({st['overall']}), weakest Q{we['position']} ({we['overall']})"
        )
    else:
        click.echo(f"   {f['first']} fillers a minute, {w['first']} words a minute")
    fi = summary.get("first_impression")
    if fi is not None:
        how = "a direct opening" if fi["direct_opening"] else "an opening that stalls"
        click.echo(f"   first impression: {how}" + (f': "{fi["opening"]}"' if fi.get("opening") else ""))
    if summary.get("work_on_next"):
        click.echo(f"   work on next ({summary['work_on_next']['area']}): {summary['work_on_next']['tip']}")
    if summary.get("previous"):
        p = summary["previous"]
        click.echo(
            f"   since your last {kind_words(done.kind)} (#{p['interview_id']}): mean overall {p['overall_mean']} -> "
            f"{summary['overall_mean']} ({p['change']:+.1f})"
        )


def _parts(report: Any) -> str:
    if report is None or report.scores is None:
        return ""
    return " (" + ", ".join(f"{k} {v}" for k, v in report.scores.parts.items()) + ")"


COMMANDS = (interview,)
