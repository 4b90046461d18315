"""``serve``: the practice room in the browser, on this machine only."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .common import (
    CONFIG_OPTION,
    DATA_DIR_OPTION,
    DECODING_OPTION,
    INTERVIEW_SILENCE_OPTION,
    MODEL_OPTION,
    QUESTIONS_OPTION,
    VOICE_OPTION,
    Command,
    bank,
    settings,
)

if TYPE_CHECKING:
    from ..practice.session import Outcome


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command(cls=Command)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on; anything but loopback lets other machines reach your takes.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port to listen on (default: a free one).")
@click.option(
    "--open/--no-open", "open_browser", default=True, help="Open the practice room in the web browser (default: yes)."
)
@click.option(
    "--max-seconds",
    type=click.FloatRange(min=1),
    default=180.0,
    show_default=True,
    help="The longest take the room records.",
)
@click.option(
    "--abandon-after-s",
    type=click.FloatRange(min=0.5),
    default=20.0,
    hidden=True,
    help="Close a take that has had no audio this long.",
)
@VOICE_OPTION
@INTERVIEW_SILENCE_OPTION
@MODEL_OPTION
@DECODING_OPTION
@CONFIG_OPTION
@DATA_DIR_OPTION
@QUESTIONS_OPTION
def serve(
    host: str,
    port: int,
    open_browser: bool,
    max_seconds: float,
    abandon_after_s: float,
    voice: str,
    stop_on_silence: float,
    model: str | None,
    decoding: str | None,
    config: Path | None,
    data_dir: Path | None,
    question_files: tuple[Path, ...],
) -> None:
    """Practise in the web browser: a local page with the question, one button to record,
    and the report when you stop; and a spoken mock interview on the Interview page. It
    listens on this machine only (127.0.0.1) and prints a link with this session's key;
    nothing leaves the machine. Ctrl-C stops it (takes being recorded are kept)."""
    import threading
    import webbrowser

    from ..asr.models import load_model
    from ..interview.voice import Voice, resolve_voice
    from ..web import Room, run
    from .common import hint_words

    if not _is_loopback(host):
        click.echo(
            f"Warning: listening on {host}: other machines on the network can reach the practice room (the link's key "
            "still guards it).",
            err=True,
        )
    s = settings(config, model, decoding)

    def kept(outcome: Outcome, why: str) -> None:
        said = f"Take #{outcome.take_id} {why} after {outcome.duration_s:.1f} s of audio; kept"
        click.echo(f"{said}: {hint_words(outcome.hint)}", err=True)

    room = Room(
        s,
        bank(question_files),
        directory=data_dir,
        max_take_s=max_seconds,
        abandon_after_s=abandon_after_s,
        on_kept=kept,
        voice=Voice(resolve_voice(voice)),
        stop_on_silence_s=stop_on_silence,
    )
    t = s.transcription
    threading.Thread(
        target=lambda: load_model(t.model, cpu_threads=t.cpu_threads), daemon=True
    ).start()  # while the page loads

    def ready(url: str) -> None:
        click.echo(f"voicecoach practice room: {url}", err=True)
        click.echo("Press Ctrl-C to stop.", err=True)
        if open_browser:
            webbrowser.open(url)

    run(room, host=host, port=port, on_ready=ready)


COMMANDS = (serve,)
