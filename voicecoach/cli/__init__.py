"""The ``voicecoach`` command: a thin shell over the library. Each command parses its
options and makes one library call; the library's errors become one line in
:mod:`voicecoach.cli.common`. Heavy imports stay inside the commands so that
``voicecoach --help`` starts fast."""

from __future__ import annotations

import click

from .. import __version__
from .common import CONTEXT_SETTINGS, Group


@click.group(cls=Group, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="voicecoach")
def cli() -> None:
    """Practise spoken interview answers, privately: voicecoach transcribes on this
    machine and reports pacing, filler words, pauses, answer structure and repeated
    words."""


from . import batch, cohort, history, info, interview, practice, scoring, serve  # noqa: E402 - the commands register on `cli`

for _module in (scoring, batch, cohort, practice, interview, serve, history, info):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    cli(prog_name="voicecoach")


__all__ = ["cli", "main"]
