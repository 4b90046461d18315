"""Reading audio: any format PyAV (FFmpeg) decodes, at any rate and channel count,
validated once here and handed on as 16 kHz mono float32."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import AudioError

logger = logging.getLogger(__name__)

SAMPLE_RATE_HZ = 16_000
MIN_DURATION_S = 1.0
AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".webm", ".mp4", ".wma", ".aiff", ".aif"})


@dataclass(frozen=True, eq=False)
class Audio:
    """Decoded audio: mono float32 samples in [-1, 1] at ``sample_rate_hz``."""

    samples: np.ndarray
    sample_rate_hz: int
    source: str

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate_hz


def load_audio(path: str | Path, *, min_duration_s: float = MIN_DURATION_S, data: bytes | None = None) -> Audio:
    """Decode ``path`` (or, when given, the file's bytes ``data``) to 16 kHz mono.

    Raises:
        AudioError: the file is missing, a directory, empty, not decodable as audio, or
            shorter than ``min_duration_s``.
    """
    path = Path(path)
    if data is not None:
        if not data:
            raise AudioError(f"{path}: the file is empty (0 bytes)")
        return _decode(io.BytesIO(data), path, min_duration_s)
    if not path.exists():
        raise AudioError(f"{path}: no such file")
    if path.is_dir():
        raise AudioError(f"{path}: is a directory; give an audio file (wav, flac, mp3, ogg, m4a)")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: the file is empty (0 bytes)")
    return _decode(str(path), path, min_duration_s)


def _decode(source: str | io.BytesIO, path: Path, min_duration_s: float) -> Audio:
    # PyAV is what faster-whisper decodes with; importing it here keeps start-up fast.
    import av

    try:
        from faster_whisper.audio import decode_audio

        samples = decode_audio(source, sampling_rate=SAMPLE_RATE_HZ)
    except (av.error.FFmpegError, ValueError, IndexError, StopIteration, OSError) as exc:
        raise AudioError(f"{path}: not a readable audio file ({_short(exc)}); supported: wav, flac, mp3, ogg, m4a") from exc
    return validate_samples(samples, source=str(path), min_duration_s=min_duration_s)


def validate_samples(samples: np.ndarray, *, source: str, sample_rate_hz: int = SAMPLE_RATE_HZ, min_duration_s: float = MIN_DURATION_S) -> Audio:
    """Check decoded samples and wrap them; the single place audio is validated."""
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1:
        raise AudioError(f"{source}: expected mono samples, got shape {samples.shape}")
    if not np.all(np.isfinite(samples)):
        raise AudioError(f"{source}: the audio holds NaN or infinite samples (corrupt file?)")
    duration_s = len(samples) / sample_rate_hz
    if duration_s < min_duration_s:
        raise AudioError(f"{source}: the audio is {duration_s:.2f} s long; voicecoach needs at least {min_duration_s:g} s")
    return Audio(samples=samples, sample_rate_hz=sample_rate_hz, source=source)


def is_audio_path(path: Path) -> bool:
    return path.suffix.lower() in AUDIO_SUFFIXES


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]
