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

That last piece is guessed ahead: once the speaker has been silent for
``speculate_after_s``, the worker transcribes what follows the last cut as if recording had
stopped there. If nothing more is said before the stop, the guess is the last piece and
the report waits for no decoding; if the speaker goes on, the guess is dropped. While the
speaker is silent the worker has nothing else to do, so a guess costs the recording no
time, only a core that would have idled. The worker also loads what the analysis needs
(``prepare``) while the speaker starts.

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
    speculate_after_s: after a silence this long, the last piece is transcribed ahead.
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
    #: A silence this long at the end of the audio so far: transcribe the last piece already
    #: (kept if nothing more is said before the stop). Longer than most pauses inside an
    #: answer, shorter than the time a speaker takes to reach for Enter or Stop. 0: never.
    speculate_after_s: float = 0.5


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


@dataclass(frozen=True)
class _Heard:
    """A transcribed piece: the samples it began after (``start``: earlier words are not
    kept), its sounding span ``[lo, hi)``, where it was heard from (``context_lo``), the
    speech the voice activity detector heard in it and the words kept."""

    start: int
    lo: int
    hi: int
    context_lo: int
    speech_s: float
    words: tuple[Word, ...]


@dataclass(frozen=True)
class _Guess:
    """The last piece transcribed ahead, at ``n`` samples, with the silence threshold then."""

    n: int
    floor_db: float
    heard: _Heard


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
        prepare: Callable[[], None] | None = None,
    ):
        """``on_piece``: told each piece's words as they come. ``prepare``: run once in
        the worker after the model has loaded (warm what the analysis will need)."""
        self.settings = settings or Settings()
        self.options = options or StreamOptions()
        self.on_piece = on_piece
        self.prepare = prepare
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
        self._guess: _Guess | None = None
        self.guesses = 0  # last pieces transcribed ahead
        self.guessed = False  # the last piece was one transcribed ahead
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
            t0 = time.perf_counter()
            heard = self._guessed_last_piece(samples)
            self.guessed = heard is not None
            if heard is None:
                heard = self._hear(samples, *self._last_piece_span(samples, floor_db=self._floor_db(samples)))
            self._keep(heard, self._n, took_s=None if self.guessed else time.perf_counter() - t0)
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
            if self.prepare is not None:
                try:
                    self.prepare()
                except Exception as exc:  # noqa: BLE001 - only a head start: the analysis loads it later
                    logger.info("preparing the analysis failed: %s", exc)
            while True:
                with self._cond:
                    if self._done:
                        return
                    ready = self._n - self._cut >= self.options.min_piece_s * SAMPLE_RATE_HZ
                if self.gave_up:
                    return
                if (ready and self.step()) or self.speculate():
                    continue
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
        floor = self._floor_db(samples)
        cut = find_cut(samples, self._cut, end, options=self.options, floor_db=floor)
        if cut is None:
            return False
        t0 = time.perf_counter()
        lo, hi = self._sounding(samples, self._cut, cut, floor_db=floor)
        self._keep(self._hear(samples, self._cut, lo, hi, lo), cut, took_s=time.perf_counter() - t0)
        return True

    def speculate(self) -> bool:
        """Transcribe the last piece ahead if the speaker has been silent for
        ``speculate_after_s`` since saying something after the last cut, and has said
        nothing since the last guess; False if there was nothing to do. The worker calls it
        when no piece is due; :meth:`step`'s callers may call it to do the same."""
        need = int(self.options.speculate_after_s * SAMPLE_RATE_HZ)
        if need <= 0:
            return False
        with self._cond:
            n = self._n
            samples = self._buf[:n]
        if n - self._cut < need:
            return False
        guess = self._guess
        if guess is not None and self._still(samples, guess):
            return False  # nothing said since
        floor = self._floor_db(samples)
        if _frame_db(samples[n - need : n]).max(initial=-200.0) >= floor:
            return False  # still speaking
        start, lo, hi, context_lo = self._last_piece_span(samples, floor_db=floor)
        if hi <= lo:
            return False  # nothing said after the last cut
        t0 = time.perf_counter()
        self._guess = _Guess(n, floor, self._hear(samples, start, lo, hi, context_lo))
        self.guesses += 1
        self.busy_s += time.perf_counter() - t0
        logger.debug("last piece guessed at %.2f s in %.2f s", n / SAMPLE_RATE_HZ, time.perf_counter() - t0)
        return True

    def _still(self, samples: np.ndarray, guess: _Guess) -> bool:
        """Whether ``guess`` still holds: the same last cut, and silence since it was made."""
        if guess.heard.start != self._cut:
            return False
        since = samples[max(self._cut, guess.n - HOP) :]
        return since.size < HOP or bool(_frame_db(since).max(initial=-200.0) < guess.floor_db)

    def _guessed_last_piece(self, samples: np.ndarray) -> _Heard | None:
        """The guess, if it is exactly the last piece: nothing said since it was made, and
        so the same span heard from the same place."""
        guess = self._guess
        if guess is None or not self._still(samples, guess):
            return None
        span = self._last_piece_span(samples, floor_db=guess.floor_db)
        h = guess.heard
        return h if span == (h.start, h.lo, h.hi, h.context_lo) else None

    def _last_piece_span(self, samples: np.ndarray, *, floor_db: float) -> tuple[int, int, int, int]:
        """(start, lo, hi, context_lo) of the piece after the last cut: its sounding span,
        and where it is heard from (see :meth:`_context_start`)."""
        start = self._cut
        lo, hi = self._sounding(samples, start, len(samples), floor_db=floor_db)
        if hi <= lo:
            return start, lo, hi, lo
        context_from = self._context_start(hi)
        context_lo = self._sounding(samples, context_from, hi, floor_db=floor_db)[0] if context_from < start else lo
        return start, lo, hi, min(context_lo, lo)

    def _sounding(self, samples: np.ndarray, start: int, end: int, *, floor_db: float) -> tuple[int, int]:
        """``[start, end)`` without the silence at its edges beyond EDGE_S: Whisper invents
        words ("Thank you.") in a long silence at the end of what it hears."""
        levels = _frame_db(samples[start:end])
        loud = np.flatnonzero(levels >= floor_db)
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
        """Where the last piece, ``[self._cut, end)`` (``end``: where its sound ends), is
        heard from: the latest earlier cut
        that makes it at least ``last_piece_min_s`` long (the words before ``self._cut``
        are already transcribed; those heard again are dropped). Whisper hears a short
        piece alone worse than with the speech before it."""
        need = int(self.options.last_piece_min_s * SAMPLE_RATE_HZ)
        if end - self._cut >= need:
            return self._cut
        earlier = [c for c in self._cuts if c < self._cut]
        return next((c for c in reversed(earlier) if end - c >= need), earlier[0] if earlier else self._cut)

    def _hear(self, samples: np.ndarray, start: int, lo: int, hi: int, context_lo: int) -> _Heard:
        """Transcribe the sounding span ``samples[lo:hi]`` of the piece that begins at
        ``start`` (heard from ``context_lo`` when that is earlier: only the words after
        ``start`` are kept)."""
        from ..asr.transcribe import MIN_VOICED_SHARE, transcribe
        from ..audio.acoustics import voiced_share
        from ..audio.voice import speech_seconds

        piece = Audio(np.ascontiguousarray(samples[lo:hi]), SAMPLE_RATE_HZ, "take")
        heard = speech_seconds(piece) if piece.duration_s >= 0.5 else 0.0
        if heard < MIN_PIECE_SPEECH_S:
            return _Heard(start, lo, hi, context_lo, heard, ())
        s = self.settings
        if context_lo < lo:
            piece = Audio(np.ascontiguousarray(samples[context_lo:hi]), SAMPLE_RATE_HZ, "take")
        prompt = " ".join(w.text for w in self._words[-PROMPT_WORDS:]) if PROMPT_WORDS else None
        got = transcribe(piece, options=s.transcription, relisten=s.relisten, silence=s.silence, prompt=prompt)
        offset = context_lo / SAMPLE_RATE_HZ
        after_s = start / SAMPLE_RATE_HZ
        # Whisper fills the silence after the last word of a short piece with words
        # ("Thank you for watching.") or bare "."s: a word must be heard
        words = tuple(
            Word(w.text, round(w.start_s + offset, 3), round(w.end_s + offset, 3), w.probability, w.source)
            for w in got.words
            if w.norm
            and (w.start_s + w.end_s) / 2 + offset >= after_s
            and voiced_share(piece, w.start_s, w.end_s, options=s.silence) >= MIN_VOICED_SHARE
        )
        return _Heard(start, lo, hi, context_lo, heard, words)

    def _keep(self, heard: _Heard, end: int, *, took_s: float | None) -> None:
        """Add a transcribed piece, which ends at ``end`` (the next cut); ``took_s``: the
        time it took, None for a guess (counted when it was made)."""
        with self._cond:
            self._words.extend(heard.words)
            self._cut = end
            self._cuts.append(end)
        self.speech_s += heard.speech_s
        self.pieces += 1
        if took_s is not None:
            self.busy_s += took_s
        logger.debug(
            "piece %.2f-%.2f s: %d words%s",
            heard.start / SAMPLE_RATE_HZ,
            end / SAMPLE_RATE_HZ,
            len(heard.words),
            " (guessed ahead)" if took_s is None else f" in {took_s:.2f} s",
        )
        if self.on_piece is not None and heard.words:
            self.on_piece(list(heard.words))


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
