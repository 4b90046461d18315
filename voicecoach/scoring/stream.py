"""Transcribing a take while it is being recorded, so that the report is ready the moment
the speaker stops.

The recorder hands every block to :meth:`StreamingTranscriber.feed`. A worker thread cuts
the audio received so far into pieces at pauses (a silence of at least ``cut_pause_s``
once a piece is ``min_piece_s`` long, 10 s by default; at the quietest 0.2 s if a piece reaches
``max_piece_s`` without one, which is one Whisper window) and transcribes each piece as
it is cut, exactly as :func:`voicecoach.asr.transcribe.transcribe` transcribes a file (the
decoding in force, then re-listening), unprompted (see ``PROMPT_WORDS``). A
cut falls inside a silence, so no word or filler straddles a seam. When recording stops,
only the piece after the last cut is left to transcribe (nothing, if it holds no speech).

If the machine cannot keep up (a large model on a small CPU: more than ``max_backlog_s``
of audio waiting), the worker stops and :meth:`finish` returns None: the caller scores
the saved take after recording instead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..audio.acoustics import frame_power, quietest
from ..audio.decode import SAMPLE_RATE_HZ, Audio
from ..core.datatypes import Transcript, Word
from ..settings.config import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamOptions:
    """Attributes:
    min_piece_s: a piece is cut at the first pause once it is at least this long.
    max_piece_s: a piece that reaches this without a pause is cut at its quietest 0.2 s.
    cut_pause_s: a silence at least this long is a pause a piece may be cut in.
    guard_s: the newest audio is never cut (a word may be starting in it).
    max_backlog_s: more audio than this waiting to be transcribed: stop streaming.
    last_piece_min_s: the last piece (what is left when recording stops) is heard from the
        latest earlier cut that makes it at least this long; only its own words are kept
        (0: heard alone).
    """

    #: Whisper hears a short piece worse than the same words inside a 30 s window (and
    #: writes outros over a hesitant opening); at 10 s the streamed words are nearly those
    #: of the whole file. Only the piece after the last cut is left when the speaker
    #: stops, so this bounds the wait for the report (the figures: docs/practice.md).
    min_piece_s: float = 10.0
    max_piece_s: float = 28.0
    cut_pause_s: float = 0.3
    guard_s: float = 0.3
    max_backlog_s: float = 45.0
    #: A last piece of a few seconds heard alone loses words ("between the old and new
    #: ledgers" became "that we need to hold and do the edges"): it is heard with what came
    #: before it.
    last_piece_min_s: float = 10.0


#: The words of the pieces before that prompt the plain pass of the next. None: a prompt
#: made a short piece's decoding several times slower (a long prompt sets off the
#: temperature fallback) and brought no accuracy.
PROMPT_WORDS = 0
#: Frames below this are digital silence (the device sent zeros).
DIGITAL_SILENCE_DB = -90.0
#: Silence kept at each edge of a piece (the rest is not transcribed).
EDGE_S = 0.3
#: A piece with less speech than this (by the voice activity detector) is not transcribed.
MIN_PIECE_SPEECH_S = 0.25
HOP = SAMPLE_RATE_HZ // 100  # 10 ms frames for finding cuts


def _frame_db(samples: np.ndarray) -> np.ndarray:
    return 10 * np.log10(np.maximum(frame_power(samples, HOP), 1e-10))


def find_cut(samples: np.ndarray, start: int, end: int, *, options: StreamOptions, floor_db: float) -> int | None:
    """Where to cut ``samples[start:end]``: the middle of its first silence of at least
    ``cut_pause_s`` that begins after ``min_piece_s``; at the quietest 0.2 s of its last 8 s
    when it is ``max_piece_s`` long without one; else None (wait for more audio).
    ``floor_db``: frames below it are silent."""
    sr = SAMPLE_RATE_HZ
    if end - start < options.min_piece_s * sr:
        return None
    levels = _frame_db(samples[start:end])
    silent = levels < floor_db
    first = int(options.min_piece_s * 100)
    need = max(1, int(round(options.cut_pause_s * 100)))
    run = 0
    for i in range(len(silent)):
        run = run + 1 if silent[i] else 0
        if run >= need and i - run + 1 >= first:
            # the middle of the silence so far (it may go on; half of it is on each side)
            return start + (i - run // 2) * HOP
    if end - start >= options.max_piece_s * sr:
        tail = levels[-800:]
        return start + (len(levels) - len(tail) + quietest(tail)) * HOP
    return None


class StreamingTranscriber:
    """Transcribes audio piece by piece while it arrives (see the module docstring)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        options: StreamOptions | None = None,
        on_piece: Callable[[list[Word]], None] | None = None,
    ):
        self.settings = settings or Settings()
        self.options = options or StreamOptions()
        self.on_piece = on_piece
        self._buf = np.zeros(SAMPLE_RATE_HZ * 60, dtype=np.float32)
        self._n = 0
        self._cut = 0  # samples before this are transcribed
        self._cuts: list[int] = [0]  # where each piece began
        self._words: list[Word] = []
        self._cond = threading.Condition()
        self._done = False
        self._thread = threading.Thread(target=self._run, name="voicecoach-stream", daemon=True)
        self.gave_up: str | None = None  # why streaming stopped early
        self.pieces = 0
        self.busy_s = 0.0  # time spent transcribing
        self.speech_s = 0.0  # speech heard by the voice activity detector, piece by piece
        self._cue: tuple[str, float] | None = None  # (text, when shown)
        self._cue_since_s = 0.0  # words before this time were judged by the last cue

    # ---------------------------------------------------------------- the recorder's side
    def start(self) -> StreamingTranscriber:
        self._thread.start()
        return self

    def feed(self, block: np.ndarray) -> None:
        """Append a block of int16 (or float in [-1, 1]) mono samples at 16 kHz."""
        x = block.astype(np.float32) / 32768.0 if block.dtype == np.int16 else block.astype(np.float32)
        with self._cond:
            if self._n + len(x) > len(self._buf):
                grown = np.zeros(max(2 * len(self._buf), self._n + len(x)), dtype=np.float32)
                grown[: self._n] = self._buf[: self._n]
                self._buf = grown
            self._buf[self._n : self._n + len(x)] = x
            self._n += len(x)
            self._cond.notify()

    @property
    def words(self) -> list[Word]:
        """The words transcribed so far (for a live cue)."""
        with self._cond:
            return list(self._words)

    @property
    def transcribed_s(self) -> float:
        return self._cut / SAMPLE_RATE_HZ

    def cue(self, *, show_s: float = 6.0) -> str | None:
        """The live cue to show now, if any: one at a time, shown for ``show_s``, and the
        next no sooner than CUE_GAP_S later, judged on words said since."""
        now = time.monotonic()
        if self._cue is not None:
            text, shown = self._cue
            if now - shown < show_s:
                return text
            if now - shown < CUE_GAP_S:
                return None
        with self._cond:
            since = self._cue_since_s
            words = [w for w in self._words if w.start_s >= since]
            done_s = self._cut / SAMPLE_RATE_HZ
        found = live_cue(words, done_s, settings=self.settings)
        if found is not None:
            self._cue = (found, now)
            self._cue_since_s = done_s
        return found

    def finish(self) -> tuple[Audio, Transcript] | None:
        """Stop: transcribe what is left and return the whole take's audio and transcript,
        or None when streaming gave up (then score the saved take instead)."""
        with self._cond:
            self._done = True
            self._cond.notify()
        if self._thread.ident is not None:
            self._thread.join()
        if self.gave_up:
            return None
        samples = self._buf[: self._n].copy()
        if self._cut < self._n:
            self._transcribe(samples, self._cut, self._n, context_from=self._context_start(self._n))
        audio = Audio(samples, SAMPLE_RATE_HZ, "take")
        t = self.settings.transcription
        transcript = Transcript(
            tuple(self._words), round(len(samples) / SAMPLE_RATE_HZ, 3), t.language, t.model, t.decoding
        )
        return audio, transcript

    # ---------------------------------------------------------------- the worker
    def _run(self) -> None:
        from ..asr.models import load_model

        try:
            t = self.settings.transcription
            load_model(t.model, cpu_threads=t.cpu_threads)  # while the speaker starts
            while True:
                with self._cond:
                    while not self._done and self._n - self._cut < self.options.min_piece_s * SAMPLE_RATE_HZ:
                        self._cond.wait(0.2)
                    if self._done:
                        return
                if self.gave_up:
                    return
                if not self.step():
                    with self._cond:
                        if not self._done:
                            self._cond.wait(0.2)
        except Exception as exc:  # noqa: BLE001 - any failure falls back to scoring the saved take
            self.gave_up = f"{type(exc).__name__}: {exc}"
            logger.info("streaming stopped: %s", self.gave_up)

    def step(self) -> bool:
        """Transcribe the next piece if the audio received so far holds one; False if it
        does not (yet). The worker thread's loop calls it; without :meth:`start`, calling
        it after each :meth:`feed` drives the transcriber in the caller's thread, with cuts
        that do not depend on timing (``benchmarks/bench_stream.py``)."""
        with self._cond:
            n = self._n
            samples = self._buf[:n]  # the buffer only grows at the end; this view is stable up to n
        backlog_s = (n - self._cut) / SAMPLE_RATE_HZ
        if backlog_s > self.options.max_backlog_s:
            self.gave_up = f"transcription fell {backlog_s:.0f} s behind the recording"
            logger.info("streaming stopped: %s", self.gave_up)
            return False
        end = n - int(self.options.guard_s * SAMPLE_RATE_HZ)
        cut = find_cut(samples, self._cut, end, options=self.options, floor_db=self._floor_db(samples))
        if cut is None:
            return False
        self._transcribe(samples, self._cut, cut)
        return True

    def _sounding(self, samples: np.ndarray, start: int, end: int) -> tuple[int, int]:
        """``[start, end)`` without the silence at its edges beyond EDGE_S: Whisper invents
        words ("Thank you.") in a long silence at the end of what it hears."""
        levels = _frame_db(samples[start:end])
        loud = np.flatnonzero(levels >= self._floor_db(samples))
        if loud.size == 0:
            return start, start
        edge = int(EDGE_S * 100)
        lo = start + max(0, int(loud[0]) - edge) * HOP
        hi = min(end, start + (int(loud[-1]) + 1 + edge) * HOP)
        return lo, hi

    def _floor_db(self, samples: np.ndarray) -> float:
        """The silence threshold of the take so far, set as :mod:`voicecoach.audio.acoustics`
        sets it (between the noise floor and the speech level), with digital silence left
        out of the floor: a device delivers exact zeros before the speaker starts, and a
        floor at -100 dB would make every real pause too loud to be a pause."""
        from ..audio.acoustics import silence_threshold_db

        levels = _frame_db(samples[-SAMPLE_RATE_HZ * 60 :])
        sounding = levels[levels > DIGITAL_SILENCE_DB]
        if sounding.size < 50:
            return DIGITAL_SILENCE_DB
        return silence_threshold_db(sounding, self.settings.silence)

    def _context_start(self, end: int) -> int:
        """Where the last piece, ``[self._cut, end)``, is heard from: the latest earlier cut
        that makes it at least ``last_piece_min_s`` long (the words before ``self._cut``
        are already transcribed; those heard again are dropped). Whisper hears a short
        piece alone worse than with the speech before it."""
        need = int(self.options.last_piece_min_s * SAMPLE_RATE_HZ)
        if end - self._cut >= need:
            return self._cut
        earlier = [c for c in self._cuts if c < self._cut]
        return next((c for c in reversed(earlier) if end - c >= need), earlier[0] if earlier else self._cut)

    def _transcribe(self, samples: np.ndarray, start: int, end: int, *, context_from: int | None = None) -> None:
        """Transcribe ``samples[start:end]`` (heard from ``context_from``, an earlier cut,
        when given: only the words after ``start`` are kept)."""
        from ..asr.transcribe import MIN_VOICED_SHARE, transcribe
        from ..audio.acoustics import voiced_share
        from ..audio.voice import speech_seconds

        t0 = time.perf_counter()
        words: list[Word] = []
        lo, hi = self._sounding(samples, start, end)
        piece = Audio(np.ascontiguousarray(samples[lo:hi]), SAMPLE_RATE_HZ, "take")
        heard = speech_seconds(piece) if piece.duration_s >= 0.5 else 0.0
        self.speech_s += heard
        if heard >= MIN_PIECE_SPEECH_S:
            s = self.settings
            if context_from is not None and context_from < start:
                lo = self._sounding(samples, context_from, end)[0]
                piece = Audio(np.ascontiguousarray(samples[lo:hi]), SAMPLE_RATE_HZ, "take")
            prompt = " ".join(w.text for w in self._words[-PROMPT_WORDS:]) if PROMPT_WORDS else None
            got = transcribe(piece, options=s.transcription, relisten=s.relisten, silence=s.silence, prompt=prompt)
            offset = lo / SAMPLE_RATE_HZ
            after_s = start / SAMPLE_RATE_HZ
            # Whisper fills the silence after the last word of a short piece with words
            # ("Thank you for watching.") or bare "."s: a word must be heard
            words = [
                Word(w.text, round(w.start_s + offset, 3), round(w.end_s + offset, 3), w.probability, w.source)
                for w in got.words
                if w.norm
                and (w.start_s + w.end_s) / 2 + offset >= after_s
                and voiced_share(piece, w.start_s, w.end_s, options=s.silence) >= MIN_VOICED_SHARE
            ]
        with self._cond:
            self._words.extend(words)
            self._cut = end
            self._cuts.append(end)
        self.pieces += 1
        took = time.perf_counter() - t0
        self.busy_s += took
        logger.debug(
            "piece %.2f-%.2f s: %d words in %.2f s", start / SAMPLE_RATE_HZ, end / SAMPLE_RATE_HZ, len(words), took
        )
        if self.on_piece is not None and words:
            self.on_piece(words)


#: A live cue: (what it says, the rule that raised it). At most one is shown at a time,
#: and a new one no sooner than CUE_GAP_S after the last: a single sparse nudge helps a
#: speaker, a busy live display distracts.
CUE_FILLERS = "pause instead of um"
CUE_FAST = "slow down"
CUE_GAP_S = 20.0
CUE_FILLER_COUNT = 3
CUE_FILLER_WINDOW_S = 30.0
CUE_PACE_WINDOW_S = 20.0


def live_cue(words: list[Word], transcribed_s: float, *, settings: Settings | None = None) -> str | None:
    """The cue the words transcribed so far call for, if any: three vocal fillers within
    30 s, or a pace above the target band over the last 20 s."""
    from ..core.lexicon import lexicon_for

    s = settings or Settings()
    fillers = s.analysers.get("fillers")
    lexicon = lexicon_for(fillers.vocal) if fillers is not None else lexicon_for(None)
    recent = [w for w in words if w.start_s >= transcribed_s - CUE_FILLER_WINDOW_S]
    if sum(lexicon.is_vocal(w.norm) for w in recent) >= CUE_FILLER_COUNT:
        return CUE_FILLERS
    pacing = s.analysers.get("pacing")
    if pacing is not None and transcribed_s >= CUE_PACE_WINDOW_S:
        window = [w for w in words if w.start_s >= transcribed_s - CUE_PACE_WINDOW_S and not lexicon.is_vocal(w.norm)]
        if window and len(window) / (CUE_PACE_WINDOW_S / 60) > pacing.target_max_wpm:
            return CUE_FAST
    return None
