"""One practice take from start to outcome, the same for every front end.

A :class:`PracticeSession` is opened for a question (the history row and the WAV file
exist before the first sample), fed samples (from the microphone with :meth:`record`, or
chunk by chunk from the browser with :meth:`feed`) while a
:class:`~voicecoach.scoring.stream.StreamingTranscriber` transcribes them, and stopped;
:meth:`stop` returns an :class:`Outcome` that says what happened to the take (scored,
empty, interrupted, failed) with the report and the one message the user is told. The
terminal ``practice``, the browser room and a spoken interview only drive it and render
the outcome.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..audio.decode import SAMPLE_RATE_HZ
from ..core.errors import DeviceError, Hint, HistoryError, TakeWriteError
from ..core.questions import Question
from ..scoring.result import Report
from ..settings.config import Settings
from .history import History, borrowed
from .record import Recording, RecordOptions, record
from .takes import is_empty_take, nothing_recorded, open_take, score_saved_take, score_streamed_take

Status = Literal["scored", "empty", "interrupted", "failed"]


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """How a take ended.

    ``status``: "scored" (``report`` is set), "empty" (nothing to score; the take is not
    kept), "interrupted" (kept, to be scored later) or "failed" (kept; ``error`` says why
    the analysis failed). ``cut_short`` says why recording ended before the speaker
    stopped (the device or the disk failed, the tab slept), when it did; ``store_error``
    that the report could not be stored in the history (it is kept beside the audio).
    ``message`` is what to tell the user when the take was not scored, and ``hint`` what
    they can do next (score the kept take).
    """

    status: Status
    take_id: int
    path: Path
    duration_s: float
    report: Report | None = None
    error: str | None = None
    store_error: str | None = None
    cut_short: str | None = None
    streamed: bool = True  # scored from the streamed transcript (else from the saved file)

    @property
    def kept(self) -> bool:
        return self.status != "empty"

    @property
    def hint(self) -> Hint | None:
        return Hint("score-take", self.take_id) if self.status in ("interrupted", "failed") else None

    @property
    def message(self) -> str:
        """The sentence for a take that was not scored ("" for a scored one)."""
        if self.status == "empty":
            return nothing_recorded(self.duration_s)
        if self.status == "interrupted":
            return f"The take is saved as #{self.take_id} ({self.duration_s:.1f} s, {self.path})."
        if self.status == "failed":
            return f"{self.error}. The take is saved as #{self.take_id} ({self.duration_s:.1f} s, {self.path})."
        return ""

    @property
    def note(self) -> str | None:
        """What the report of a take cut short covers."""
        if self.cut_short is None:
            return None
        return f"{self.cut_short}; the report covers the {self.duration_s:.1f} s recorded before."


class PracticeSession:
    """One take of one question: :meth:`open`, then :meth:`record` (microphone) or
    :meth:`feed` (chunks), then :meth:`stop`. Safe to feed and stop from different threads.

    The history is opened for each step unless one is given (a front end that holds one).
    """

    def __init__(
        self,
        take_id: int,
        writer: Any,
        question: Question | None,
        settings: Settings,
        *,
        directory: Path,
        history: History | None = None,
        streamer: Any = None,
    ) -> None:
        self.take_id = take_id
        self.writer = writer
        self.question = question
        self.settings = settings
        self.directory = directory
        self._history = history
        self.streamer = streamer
        self.lock = threading.Lock()
        self.write_error: str | None = None
        self.cut_short: str | None = None
        self.stopped_by: str | None = None

    @classmethod
    def open(
        cls,
        question: Question | None,
        settings: Settings,
        *,
        directory: Path,
        history: History | None = None,
        sample_rate_hz: int = SAMPLE_RATE_HZ,
        stream: bool | None = None,
    ) -> PracticeSession:
        """Create the take (history row and WAV file) and start transcribing as it comes
        (``stream``: default the ``[practice] stream`` setting)."""
        from ..scoring.pipeline import prepare_analysis
        from ..scoring.stream import StreamingTranscriber

        with borrowed(history, directory) as h:
            take_id, writer = open_take(h, question, directory=directory, sample_rate_hz=sample_rate_hz)
        streaming = settings.practice.stream if stream is None else stream
        streamer = None
        if streaming and sample_rate_hz == SAMPLE_RATE_HZ:
            prepare = functools.partial(prepare_analysis, settings, question)
            streamer = StreamingTranscriber(settings, prepare=prepare).start()
        return cls(take_id, writer, question, settings, directory=directory, history=history, streamer=streamer)

    # ---------------------------------------------------------------- while recording
    @property
    def path(self) -> Path:
        return Path(self.writer.path)

    @property
    def duration_s(self) -> float:
        return float(self.writer.duration_s)

    @property
    def closed(self) -> bool:
        return bool(self.writer.closed)

    def cue(self) -> str | None:
        """The live cue to show now (too many fillers, too fast), if any."""
        return self.streamer.cue() if self.streamer is not None else None

    def feed(self, samples: np.ndarray, *, max_s: float | None = None) -> float:
        """Append int16 samples (at most up to ``max_s`` of audio in all) and return the
        seconds recorded.

        Raises:
            TakeWriteError: the disk refused them; the take ends there (``stop`` scores
                what was written before).
        """
        with self.lock:
            if max_s is not None:
                samples = samples[: max(0, int(max_s * self.writer.sample_rate_hz) - self.writer.frames)]
            try:
                self.writer.append(samples)
            except TakeWriteError as exc:
                self.write_error = str(exc)
                raise
            if self.streamer is not None:
                self.streamer.feed(samples)
            return float(self.writer.duration_s)

    def record(
        self,
        options: RecordOptions,
        *,
        should_stop: Callable[[], bool] = lambda: False,
        on_block: Callable[[float, float], None] | None = None,
    ) -> Recording:
        """Record from the input device until ``should_stop()``, the limit, a silence or
        Ctrl-C (``stopped_by="interrupt"``, then :meth:`stop` keeps the take unscored).

        Raises:
            DeviceError: the device could not be opened; nothing is kept.
        """
        try:
            rec = record(
                self.writer,
                options=options,
                should_stop=should_stop,
                on_block=on_block,
                on_samples=self.streamer.feed if self.streamer is not None else None,
            )
        except DeviceError:
            self._end_streaming()
            with borrowed(self._history, self.directory) as h:
                h.delete_take(self.take_id)  # nothing was recorded
            raise
        except BaseException:
            self._end_streaming()
            raise
        self.stopped_by = rec.stopped_by
        self.cut_short = rec.error
        return rec

    # ---------------------------------------------------------------- the end
    def stop(
        self,
        *,
        interrupted: bool = False,
        cut_short: str | None = None,
        on_saved_scoring: Callable[[str], None] | None = None,
        on_progress: Any = None,
    ) -> Outcome:
        """Close the take and say what became of it: an empty take is deleted; an
        interrupted one is kept unscored; any other is scored from the streamed transcript
        (or from the saved file when streaming could not keep up: ``on_saved_scoring(why)``
        is told first) and its report stored. ``cut_short``: why recording ended early, when
        the front end knows (the tab slept)."""
        with self.lock:
            self.writer.close()
        interrupted = interrupted or self.stopped_by == "interrupt"
        self.cut_short = cut_short or self.cut_short or self.write_error
        rec = Recording(self.path, self.duration_s, self.stopped_by or "enter", self.cut_short)
        if interrupted:
            self._end_streaming()
            return self._kept_unscored(rec)
        streamer, self.streamer = self.streamer, None
        streamed = streamer.finish() if streamer is not None else None
        speech_s = streamer.speech_s if streamer is not None and streamed is not None else None
        with borrowed(self._history, self.directory) as h:
            if is_empty_take(rec, streamed, speech_s=speech_s):
                h.delete_take(self.take_id)
                return self._outcome("empty", rec)
            _settle(h, self.take_id, rec.duration_s)
            try:
                if streamed is not None:
                    scored = score_streamed_take(
                        h, self.take_id, self.question, self.settings, *streamed, speech_s=speech_s
                    )
                else:
                    if on_saved_scoring is not None:
                        on_saved_scoring((streamer.gave_up if streamer is not None else None) or "")
                    scored = score_saved_take(h, self.take_id, self.question, self.settings, on_progress=on_progress)
            except KeyboardInterrupt:  # Ctrl-C while analysing: the take is kept, recorded
                return self._outcome("interrupted", rec)
        if scored.report is None:
            return self._outcome("failed", rec, error=scored.error, store_error=scored.store_error)
        return self._outcome(
            "scored", rec, report=scored.report, store_error=scored.store_error, streamed=streamed is not None
        )

    def abandon(self) -> Outcome:
        """Close the take without scoring it (the tab went away, the server stopped): kept
        for later unless it holds nothing."""
        with self.lock:
            self.writer.close()
        self._end_streaming()
        rec = Recording(self.path, self.duration_s, "abandoned", self.write_error)
        return self._kept_unscored(rec)

    def _outcome(self, status: Status, rec: Recording, **found: Any) -> Outcome:
        return Outcome(
            status=status,
            take_id=self.take_id,
            path=self.path,
            duration_s=rec.duration_s,
            cut_short=self.cut_short if rec.stopped_by != "abandoned" else None,
            **found,
        )

    def _end_streaming(self) -> None:
        if self.streamer is not None:
            with contextlib.suppress(Exception):
                self.streamer.finish()
        self.streamer = None

    def _kept_unscored(self, rec: Recording) -> Outcome:
        with borrowed(self._history, self.directory) as h:
            if is_empty_take(rec):
                h.delete_take(self.take_id)
                return self._outcome("empty", rec)
            _settle(h, self.take_id, rec.duration_s)
        return self._outcome("interrupted", rec)


def _settle(history: History, take_id: int, duration_s: float) -> None:
    try:
        history.finish_recording(take_id, duration_s)
    except HistoryError:  # the audio is safe on disk; the next open of the history settles the row
        import logging

        logging.getLogger(__name__).warning(
            "take %d: the history is busy; it is marked recorded the next time it is opened", take_id
        )
