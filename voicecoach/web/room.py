"""What the practice room keeps between requests: the settings, the question bank, where
takes live, the session key, the hosts it answers to, the takes being recorded (each a
:class:`~voicecoach.practice.session.PracticeSession` fed chunk by chunk), and the mock
interviews under way (each a :class:`~voicecoach.interview.run.Conductor`, its answers
recorded as the room's takes)."""

from __future__ import annotations

import collections
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import VoicecoachError
from ..core.paths import data_dir
from ..core.questions import Question
from ..interview.run import Conductor, Line
from ..interview.voice import Voice
from ..practice.history import History, Take
from ..practice.session import Outcome, PracticeSession
from ..settings.config import Settings

logger = logging.getLogger(__name__)

#: The largest audio chunk accepted: 2 s of 16 kHz 16-bit mono (the page sends 0.25 s).
MAX_CHUNK_BYTES = 64_000
#: At most this many chunks a second per take (the page sends 4).
MAX_CHUNKS_PER_S = 20
#: The largest JSON body accepted.
MAX_JSON_BYTES = 16_384
#: A take that has had no audio for this long (the tab was closed) is closed and kept.
ABANDONED_AFTER_S = 20.0


@dataclass
class OpenTake:
    """A take being recorded from the browser: its session, when its last audio came, and
    the times of the last second's chunks (the rate limit)."""

    session: PracticeSession
    last_audio: float = field(default_factory=time.monotonic)
    recent: collections.deque = field(default_factory=collections.deque)

    @property
    def take_id(self) -> int:
        return self.session.take_id


@dataclass
class OpenInterview:
    """A mock interview in the browser: its course, every line the interviewer has said (a
    line's number is its audio's address), the take answering now, and, once it has ended,
    its summary."""

    conductor: Conductor
    lines: list[Line] = field(default_factory=list)
    take_id: int | None = None
    summary: dict | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def id(self) -> int:
        return self.conductor.interview.id


def _log_kept(outcome: Outcome, why: str) -> None:
    logger.info("take %d: %s after %.1f s of audio; kept, to be scored later", outcome.take_id, why, outcome.duration_s)


class Room:
    """The practice room's state. ``on_kept(outcome, why)`` is told of each take closed
    without a report (the tab went away, the server stopped), to say how to score it."""

    def __init__(
        self,
        settings: Settings,
        bank: list[Question],
        *,
        directory: Path | None = None,
        token: str | None = None,
        max_take_s: float = 180.0,
        abandon_after_s: float = ABANDONED_AFTER_S,
        on_kept: Callable[[Outcome, str], None] = _log_kept,
        voice: Voice | None = None,
        stop_on_silence_s: float = 3.0,
    ) -> None:
        self.settings = settings
        self.abandon_after_s = abandon_after_s
        self.bank = bank
        self.directory = data_dir(directory)
        self.token = token or secrets.token_urlsafe(24)
        self.max_take_s = max_take_s
        self.on_kept = on_kept
        self.voice = voice or Voice("none")
        self.stop_on_silence_s = stop_on_silence_s
        self.interviews: dict[int, OpenInterview] = {}
        self.hosts: set[str] = set()
        self.open: dict[int, OpenTake] = {}
        #: Takes closed for want of audio (a closed or suspended tab), kept so that a late
        #: chunk or Stop can say what happened to them (and Stop can score them).
        self.abandoned: dict[int, OpenTake] = {}
        self.lock = threading.Lock()
        self.history().close()  # a history that cannot be used is refused now, in one line, not at the first request

    def allow(self, host: str, port: int) -> None:
        """Answer to ``host:port`` (and, for the loopback address, ``localhost``)."""
        self.hosts.add(f"{host}:{port}".lower())
        if host in ("127.0.0.1", "::1", "localhost"):
            self.hosts.update({f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"})

    def history(self) -> History:
        return History.open(self.directory)

    def take(self, take_id: int) -> Take | None:
        """The take ``take_id`` from the history, or None when there is none."""
        h = self.history()
        try:
            return h.get(take_id)
        except VoicecoachError:
            return None
        finally:
            h.close()

    def begin(self, question: Question) -> int:
        """Open a take of ``question`` (a question of your own has no id)."""
        session = PracticeSession.open(question, self.settings, directory=self.directory)
        with self.lock:
            self.open[session.take_id] = OpenTake(session)
        return session.take_id

    def close_abandoned(self, *, older_than_s: float | None = None, why: str = "abandoned") -> list[int]:
        """Close the takes that have had no audio for ``older_than_s`` (default: the
        room's ``abandon_after_s``; 0: all): their audio stays on disk and in the history,
        to be scored later; one with no speech is not kept."""
        older_than_s = self.abandon_after_s if older_than_s is None else older_than_s
        now = time.monotonic()
        with self.lock:
            gone = [t for t in self.open.values() if now - t.last_audio >= older_than_s]
            for t in gone:
                del self.open[t.take_id]
                self.abandoned[t.take_id] = t  # before the history says so, so that a late chunk finds it
        for t in gone:
            try:
                outcome = t.session.abandon()
            except VoicecoachError as exc:
                logger.warning("take %d: %s; the history settles it the next time it is opened", t.take_id, exc)
                continue
            if not outcome.kept:
                with self.lock:
                    self.abandoned.pop(t.take_id, None)
                logger.info("take %d: %s with no speech; not kept", t.take_id, why)
                continue
            self.on_kept(outcome, why)
            self._answered_when_abandoned(t.take_id, outcome)
        return [t.take_id for t in gone]

    def _answered_when_abandoned(self, take_id: int, outcome: Outcome) -> None:
        """A take of an interview closed for want of audio is its answer, kept: the
        interview is then stopped (to be resumed in the terminal, or its report read)."""
        with self.lock:
            found = next((i for i in self.interviews.values() if i.take_id == take_id), None)
        if found is None:
            return
        with found.lock:
            if found.take_id != take_id:  # Stop came first and answered with it
                return
            found.take_id = None
            found.conductor.answered(outcome)
            self.end_interview(found)

    def begin_interview(self, questions: list[Question], kind: str) -> tuple[OpenInterview, list[Line]]:
        """A new interview of ``questions``: its record, and the greeting and first question."""
        conductor = Conductor(questions, self.settings, directory=self.directory, kind=kind)
        found = OpenInterview(conductor)
        lines = conductor.opening()
        found.lines.extend(lines)
        with self.lock:
            self.interviews[found.id] = found
        return found, lines

    def end_interview(self, found: OpenInterview, status: str | None = None) -> dict:
        """Close ``found``'s record with its summary (``status``: "stopped" when it ended
        early); its report is then at ``/interviews/<id>``."""
        from ..interview.summary import keep_summary

        if found.summary is None:
            interview = found.conductor.end(status)
            h = self.history()
            try:
                found.summary = keep_summary(interview, h)
            finally:
                h.close()
        return found.summary

    def close_interviews(self) -> None:
        """Stop every interview still under way (the server is stopping)."""
        with self.lock:
            under_way = [i for i in self.interviews.values() if i.summary is None]
        for found in under_way:
            with found.lock:
                try:
                    self.end_interview(found, "stopped")
                except VoicecoachError as exc:
                    logger.warning("interview %d: %s", found.id, exc)

    def not_recording(self, take_id: int) -> str:
        """Why a chunk or a Stop for ``take_id`` finds no take being recorded."""
        with self.lock:
            late = self.abandoned.get(take_id)
        if late is None:
            return f"take {take_id} is not being recorded"
        return (
            f"take {take_id} was closed after {self.abandon_after_s:.0f} s without audio (was the tab asleep?); "
            f"the {late.session.duration_s:.1f} s recorded before are kept: press Stop for their report"
        )
