"""Hand-built transcripts and synthetic signals with a known truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from voicecoach.audio.decode import SAMPLE_RATE_HZ, Audio, validate_samples
from voicecoach.core.datatypes import Transcript, Word


def sigint_as_in_a_terminal() -> None:
    """``preexec_fn`` for a child that a test interrupts with SIGINT: Ctrl-C's default
    action, even where the test itself runs with SIGINT ignored (a background job in a
    shell without job control, as some CI runners start it), which a child inherits."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def words_from(text: str, *, start_s: float = 0.0, word_s: float = 0.3, gap_s: float = 0.1) -> tuple[Word, ...]:
    """Words evenly spaced: each ``word_s`` long, ``gap_s`` apart."""
    out, t = [], start_s
    for token in text.split():
        out.append(Word(token, round(t, 3), round(t + word_s, 3), 0.9))
        t += word_s + gap_s
    return tuple(out)


def transcript_of(text: str, **kw) -> Transcript:
    words = words_from(text, **kw)
    return Transcript(words, duration_s=words[-1].end_s + 0.5 if words else 1.0, language="en")


def tone_audio(
    spans: list[tuple[float, float]], duration_s: float, *, f0_hz: float = 150.0, noise_db: float | None = None
) -> Audio:
    """Harmonic tone inside ``spans`` (seconds), silence (or noise) elsewhere."""
    t = np.arange(int(duration_s * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    y = np.zeros_like(t)
    for a, b in spans:
        m = (t >= a) & (t < b)
        y[m] = 0.3 * np.sin(2 * np.pi * f0_hz * t[m]) + 0.1 * np.sin(4 * np.pi * f0_hz * t[m])
    if noise_db is not None:
        y += np.random.default_rng(0).normal(0, 10 ** (noise_db / 20), len(y))
    return validate_samples(y.astype(np.float32), source="synthetic")


def audio_for(transcript: Transcript) -> Audio:
    """A tone exactly where the transcript's words are."""
    return tone_audio([(w.start_s, w.end_s) for w in transcript.words], transcript.duration_s)


def align(recorded: Path, source: Path) -> tuple[float, float]:
    """(offset of ``source`` inside ``recorded`` in seconds, correlation once aligned)."""
    from scipy.signal import correlate

    from voicecoach.audio.decode import load_audio

    rec = load_audio(recorded).samples
    src = load_audio(source).samples
    lag = int(np.argmax(correlate(rec, src[: 16000 * 10], mode="valid", method="fft")))
    a, b = rec[lag : lag + len(src)], src[: len(rec) - lag]
    n = min(len(a), len(b))
    return lag / 16000, float(np.corrcoef(a[:n], b[:n])[0, 1])
