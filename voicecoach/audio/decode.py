"""Reading audio: any format PyAV (FFmpeg) decodes, at any rate and channel count,
validated once here and handed on as 16 kHz mono float32.

Only regular files are read: a FIFO, a device such as ``/dev/zero`` or a socket would
block or never end, so each is refused by what it is before a byte is read. Answers
longer than :data:`MAX_DURATION_S` are refused too, from the container's own duration
before decoding where it states one, and otherwise as soon as the decoder has produced
that much audio, so memory stays bounded whatever the input claims or holds.
"""

from __future__ import annotations

import io
import itertools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import AudioError
from ..core.files import check_regular_file

logger = logging.getLogger(__name__)

SAMPLE_RATE_HZ = 16_000
MIN_DURATION_S = 1.0
#: The longest answer voicecoach scores: 30 minutes. An interview answer runs 30 s to
#: 3 minutes; 30 minutes takes a whole mock interview. Decoded in windows, memory still
#: grows with the decoded audio and the transcript, so the limit keeps it under 1 GB
#: (docs/how-it-works.md, "One pass").
MAX_DURATION_S = 30 * 60.0
#: A container that claims more than MAX_DURATION_S is believed only if the file is big
#: enough to hold it at this bitrate (bytes a second; 8 kbit/s is below any speech codec
#: in use), so a lying header does not turn a short file away.
MIN_PLAUSIBLE_BYTES_PER_S = 1000
AUDIO_SUFFIXES = frozenset(
    {".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".webm", ".mp4", ".wma", ".aiff", ".aif"}
)
SUPPORTED = "supported: wav, flac, mp3, ogg, m4a"


@dataclass(frozen=True, eq=False)
class Audio:
    """Decoded audio: mono float32 samples in [-1, 1] at ``sample_rate_hz``."""

    samples: np.ndarray
    sample_rate_hz: int
    source: str

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate_hz


def check_input_file(path: str | Path) -> int:
    """Check that ``path`` is a readable, non-empty regular file; return its size in bytes.

    Never opens anything that could block (FIFOs, devices, sockets).

    Raises:
        AudioError: missing, a broken link or a link loop, a directory, not a regular
            file, unreadable, or empty.
    """
    return check_regular_file(path, kind="an audio file (wav, flac, mp3, ogg, m4a)", error=AudioError)


def load_audio(
    path: str | Path,
    *,
    min_duration_s: float = MIN_DURATION_S,
    max_duration_s: float = MAX_DURATION_S,
    data: bytes | None = None,
) -> Audio:
    """Decode ``path`` (or, when given, the file's bytes ``data``) to 16 kHz mono.

    Raises:
        AudioError: the file is missing, not a regular file, unreadable, empty, not
            decodable as audio, shorter than ``min_duration_s`` or longer than
            ``max_duration_s``.
    """
    path = Path(path)
    if data is not None:
        if not data:
            raise AudioError(f"{path}: the file is empty (0 bytes)")
        return _decode(io.BytesIO(data), path, len(data), min_duration_s, max_duration_s)
    size = check_input_file(path)
    return _decode(str(path), path, size, min_duration_s, max_duration_s)


def _too_long(path: Path, duration_s: float, max_duration_s: float, how: str) -> AudioError:
    return AudioError(
        f"{path}: the audio is {_hms(duration_s)} long{how}; voicecoach scores answers of up to "
        f"{_hms(max_duration_s)}; cut it into parts (e.g. with sox or ffmpeg)"
    )


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _decode(
    source: str | io.BytesIO, path: Path, size_bytes: int, min_duration_s: float, max_duration_s: float
) -> Audio:
    # PyAV is what faster-whisper decodes with; importing it here keeps start-up fast.
    import av

    max_samples = int(max_duration_s * SAMPLE_RATE_HZ)
    chunks: list[np.ndarray] = []
    n = 0
    try:
        with av.open(source, mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError(f"{path}: holds no audio stream; {SUPPORTED}")
            stream = container.streams.audio[0]
            claimed_s = _claimed_duration_s(container, stream)
            if (
                claimed_s is not None
                and claimed_s > max_duration_s
                and size_bytes >= max_duration_s * MIN_PLAUSIBLE_BYTES_PER_S
            ):
                raise _too_long(path, claimed_s, max_duration_s, " (by its header)")
            resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE_HZ)
            for frame in itertools.chain(_frames(container), [None]):  # None flushes the resampler
                for out in resampler.resample(frame):
                    block = out.to_ndarray().reshape(-1)
                    chunks.append(block)
                    n += len(block)
                    if n > max_samples:
                        raise _too_long(path, max_duration_s, max_duration_s, " or more")
    except AudioError:
        raise
    except (av.error.FFmpegError, ValueError, IndexError, StopIteration, OSError, MemoryError) as exc:
        raise AudioError(f"{path}: not a readable audio file ({_short(exc)}); {SUPPORTED}") from exc
    samples = (np.concatenate(chunks).astype(np.float32) / 32768.0) if chunks else np.zeros(0, dtype=np.float32)
    return validate_samples(samples, source=str(path), min_duration_s=min_duration_s)


def _frames(container: Any) -> Any:
    """Decoded frames of the first audio stream, skipping corrupt packets."""
    import av

    it = container.decode(audio=0)
    while True:
        try:
            yield next(it)
        except StopIteration:
            return
        except av.error.InvalidDataError:
            continue


def _claimed_duration_s(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000  # av.time_base
    return None


def validate_samples(
    samples: np.ndarray, *, source: str, sample_rate_hz: int = SAMPLE_RATE_HZ, min_duration_s: float = MIN_DURATION_S
) -> Audio:
    """Check decoded samples and wrap them; the single place audio is validated."""
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1:
        raise AudioError(f"{source}: expected mono samples, got shape {samples.shape}")
    if not np.all(np.isfinite(samples)):
        raise AudioError(f"{source}: the audio holds NaN or infinite samples (corrupt file?)")
    duration_s = len(samples) / sample_rate_hz
    if duration_s < min_duration_s:
        raise AudioError(
            f"{source}: the audio is {duration_s:.2f} s long; voicecoach needs at least {min_duration_s:g} s"
        )
    return Audio(samples=samples, sample_rate_hz=sample_rate_hz, source=source)


def is_audio_path(path: Path) -> bool:
    return path.suffix.lower() in AUDIO_SUFFIXES


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]
