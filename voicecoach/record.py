"""Recording from a microphone straight to disk.

Samples go from the PortAudio callback through a queue to the main thread, which appends
them to a 16-bit mono WAV file opened unbuffered. Python's ``wave`` writer rewrites the
header's sizes after every append, so the file on disk is a complete, valid WAV holding
everything recorded so far at every moment: a Ctrl-C, a crash or ``kill -9`` loses at
most the last block (0.1 s). The file is fsync'ed every second against power loss.
"""

from __future__ import annotations

import logging
import os
import queue
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DeviceError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordOptions:
    """Attributes:
    device: input device name (or a unique part of it); None for the default input.
    sample_rate_hz: recording rate.
    max_seconds: stop after this long.
    stop_on_silence_s: stop after this long a silence once speech has started (None: off).
    silence_db: a block below this level (dBFS) is silent, for ``stop_on_silence_s``.
    block_s: audio block length.
    """

    device: str | None = None
    sample_rate_hz: int = 16_000
    max_seconds: float = 180.0
    stop_on_silence_s: float | None = None
    silence_db: float = -45.0
    block_s: float = 0.1


@dataclass(frozen=True)
class Recording:
    path: Path
    duration_s: float
    stopped_by: str  # "enter", "max_seconds", "silence" or "interrupt"


def _sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as exc:  # raised at import when libportaudio is missing
        raise DeviceError("PortAudio is not installed, so voicecoach cannot record; install it (Debian/Ubuntu: apt-get install libportaudio2)") from exc
    return sounddevice


def input_devices() -> list[dict[str, Any]]:
    """The input devices PortAudio sees: name, index, channels, default rate, is_default."""
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
        default_in = sd.default.device[0]
    except sd.PortAudioError as exc:
        raise DeviceError(f"cannot list audio devices ({exc})") from exc
    return [
        {"index": i, "name": d["name"], "channels": d["max_input_channels"], "default_rate_hz": d["default_samplerate"], "is_default": i == default_in}
        for i, d in enumerate(devices)
        if d["max_input_channels"] > 0
    ]


def resolve_device(name: str | None) -> int | None:
    """The PortAudio index of input device ``name`` (exact name, else a unique part of it)."""
    devices = input_devices()
    if not devices:
        raise DeviceError("no audio input device found; connect a microphone (voicecoach devices lists what is seen)")
    if name is None:
        if not any(d["is_default"] for d in devices):
            return devices[0]["index"]
        return None
    exact = [d for d in devices if d["name"] == name]
    partial = [d for d in devices if name.lower() in d["name"].lower()]
    match = exact or partial
    if len(match) == 1 or exact:
        return match[0]["index"]
    names = ", ".join(repr(d["name"]) for d in devices)
    if not match:
        raise DeviceError(f"input device {name!r}: no such input device; available: {names}", setting="device")
    raise DeviceError(f"input device {name!r} matches several devices ({', '.join(repr(d['name']) for d in match)}); give the full name", setting="device")


def device_name(name: str | None) -> str:
    """How to name the input device ``name`` (None: the default input) to a person."""
    try:
        index = resolve_device(name)
        devices = input_devices()
    except DeviceError:
        return name or "the default input"
    found = next((d for d in devices if d["index"] == index or (index is None and d["is_default"])), None)
    return found["name"] if found else (name or "the default input")


class TakeWriter:
    """A take's WAV file as it grows: 16-bit mono, opened unbuffered, its header rewritten
    after every append (so the file is a complete, valid WAV at every moment) and fsync'ed
    every second. The microphone recorder and the browser practice room both write takes
    with it."""

    def __init__(self, path: Path, *, sample_rate_hz: int = 16_000) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.sample_rate_hz = sample_rate_hz
        self.frames = 0
        self._raw = open(path, "wb", buffering=0)  # noqa: SIM115 - closed by close(); unbuffered so every block reaches the OS
        self._writer = wave.open(self._raw, "wb")
        self._writer.setnchannels(1)
        self._writer.setsampwidth(2)
        self._writer.setframerate(sample_rate_hz)
        self._writer.writeframes(b"")  # the header exists from the first moment
        self._last_sync = time.monotonic()
        self.closed = False

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate_hz

    def append(self, block: np.ndarray) -> None:
        """Append int16 samples."""
        self._writer.writeframes(np.asarray(block, dtype="<i2").tobytes())
        self.frames += len(block)
        if time.monotonic() - self._last_sync > 1.0:
            os.fsync(self._raw.fileno())
            self._last_sync = time.monotonic()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self._writer.close()
            os.fsync(self._raw.fileno())
        finally:
            self._raw.close()


def level_db(block: np.ndarray) -> float:
    x = block.astype(np.float64) / 32768.0
    return float(10 * np.log10(max(float(np.mean(x * x)), 1e-10)))


def record(
    path: Path,
    *,
    options: RecordOptions | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    on_block: Callable[[float, float], None] | None = None,
    on_samples: Callable[[np.ndarray], None] | None = None,
) -> Recording:
    """Record from the input device to ``path`` (WAV) until ``should_stop()``, the time
    limit or a long silence; Ctrl-C stops it too (``stopped_by="interrupt"``) and the
    audio is kept. ``on_block(elapsed_s, level_db)`` is called for every block (a meter);
    ``on_samples(block)`` gets every block's int16 samples once they are on disk (a
    transcriber working while the speaker speaks).

    Raises:
        DeviceError: PortAudio is missing, or the device is missing, busy or unusable.
    """
    o = options or RecordOptions()
    sd = _sounddevice()
    device = resolve_device(o.device)
    blocks: queue.Queue[np.ndarray] = queue.Queue()

    def callback(indata, frames, time_info, status):  # noqa: ANN001 - PortAudio's signature
        if status:
            logger.debug("input status: %s", status)
        blocks.put(indata[:, 0].copy())

    take = TakeWriter(path, sample_rate_hz=o.sample_rate_hz)
    stopped_by = "max_seconds"
    heard_speech = False
    silent_s = 0.0
    try:
        try:
            stream = sd.InputStream(
                samplerate=o.sample_rate_hz, channels=1, dtype="int16", device=device, blocksize=int(o.block_s * o.sample_rate_hz), callback=callback
            )
            stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            raise DeviceError(
                f"cannot open the input device {o.device or 'default'!r} ({exc}); is it busy or unplugged? (voicecoach devices lists inputs)"
            ) from exc
        try:
            while True:
                try:
                    block = blocks.get(timeout=0.05)
                except queue.Empty:
                    block = None
                if block is not None:
                    take.append(block)
                    if on_samples:
                        on_samples(block)
                    level = level_db(block)
                    elapsed = take.duration_s
                    if on_block:
                        on_block(elapsed, level)
                    if level > o.silence_db:
                        heard_speech, silent_s = True, 0.0
                    else:
                        silent_s += len(block) / o.sample_rate_hz
                    if elapsed >= o.max_seconds:
                        stopped_by = "max_seconds"
                        break
                    if o.stop_on_silence_s and heard_speech and silent_s >= o.stop_on_silence_s:
                        stopped_by = "silence"
                        break
                if should_stop():
                    stopped_by = "enter"
                    break
        except KeyboardInterrupt:
            stopped_by = "interrupt"
        finally:
            stream.stop()
            stream.close()
        while not blocks.empty():  # what the callback delivered before the stream stopped
            block = blocks.get_nowait()
            take.append(block)
            if on_samples:
                on_samples(block)
    finally:
        take.close()
    return Recording(path, take.duration_s, stopped_by)
