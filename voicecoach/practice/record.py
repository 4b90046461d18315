"""Recording from a microphone straight to disk.

Samples go from the PortAudio callback through a queue to the main thread, which appends
them to a 16-bit mono WAV file (:class:`TakeWriter`) whose header's sizes are patched
after every block, so the file on disk is a complete, valid WAV holding everything
recorded so far at every moment: a Ctrl-C, a crash or ``kill -9`` loses at most the last
block (0.1 s). The file is fsync'ed every second against power loss. A full disk stops
the take with the blocks written before kept, and a device that stops sending audio ends
the take rather than leaving it waiting.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import queue
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import DeviceError, Hint, TakeWriteError

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
    no_audio_s: stop when the device has sent no audio for this long (it was unplugged,
        or the sound server stopped).
    """

    device: str | None = None
    sample_rate_hz: int = 16_000
    max_seconds: float = 180.0
    stop_on_silence_s: float | None = None
    silence_db: float = -45.0
    block_s: float = 0.1
    no_audio_s: float = 4.0


@dataclass(frozen=True)
class Recording:
    """A closed take. ``stopped_by``: "enter", "max_seconds", "silence", "interrupt",
    "device_lost" (no audio came for a while) or "write_error"; ``error`` says what went
    wrong for the last two."""

    path: Path
    duration_s: float
    stopped_by: str
    error: str | None = None


def _sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as exc:  # raised at import when libportaudio is missing
        raise DeviceError(
            "PortAudio is not installed, so voicecoach cannot record; install it (Debian/Ubuntu: apt-get install "
            "libportaudio2)"
        ) from exc
    return sounddevice


def input_devices(kind: str = "input") -> list[dict[str, Any]]:
    """The ``kind`` ("input" or "output") devices PortAudio sees: name, index, channels,
    default rate, is_default."""
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
        default = sd.default.device[0 if kind == "input" else 1]
    except sd.PortAudioError as exc:
        raise DeviceError(f"cannot list audio devices ({exc})") from exc
    channels = f"max_{kind}_channels"
    return [
        {
            "index": i,
            "name": d["name"],
            "channels": d[channels],
            "default_rate_hz": d["default_samplerate"],
            "is_default": i == default,
        }
        for i, d in enumerate(devices)
        if d[channels] > 0
    ]


def resolve_device(name: str | None, kind: str = "input") -> int | None:
    """The PortAudio index of ``kind`` ("input" or "output") device ``name`` (exact name,
    else a unique part of it, else its index); None for the system's default."""
    devices = input_devices(kind)
    setting = "device" if kind == "input" else "output_device"
    if not devices:
        what = "connect a microphone" if kind == "input" else "connect loudspeakers or headphones"
        raise DeviceError(
            f"no audio {kind} device found; {what}", hint=Hint("devices"), setting=None if kind == "input" else setting
        )
    if name is None:
        if not any(d["is_default"] for d in devices):
            return devices[0]["index"]
        return None
    exact = [d for d in devices if d["name"] == name or str(d["index"]) == name]
    partial = [d for d in devices if name.lower() in d["name"].lower()]
    match = exact or partial
    if len(match) == 1 or exact:
        return match[0]["index"]
    names = ", ".join(repr(d["name"]) for d in devices)
    if not match:
        raise DeviceError(f"{kind} device {name!r}: no such {kind} device; available: {names}", setting=setting)
    raise DeviceError(
        f"{kind} device {name!r} matches several devices ({', '.join(repr(d['name']) for d in match)}); give the "
        "full name",
        setting=setting,
    )


def device_name(name: str | None) -> str:
    """How to name the input device ``name`` (None: the default input) to a person."""
    try:
        index = resolve_device(name)
        devices = input_devices()
    except DeviceError:
        return name or "the default input"
    found = next((d for d in devices if d["index"] == index or (index is None and d["is_default"])), None)
    return found["name"] if found else (name or "the default input")


def _lock(fd: int) -> None:
    """Mark an open take file as being written (an advisory lock, released when the file
    is closed or the process ends, however it ends)."""
    with contextlib.suppress(ImportError, OSError):
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def being_written(path: str | Path) -> bool:
    """Whether a take's file is open in a :class:`TakeWriter` of any process now (False
    when the file is missing: nothing is writing it)."""
    try:
        import fcntl
    except ImportError:  # no advisory locks here: assume it is, and change nothing
        return True
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # also releases the lock just taken
    return False


def settle_take_file(path: str | Path) -> float | None:
    """For a take file no writer has open any more (its process crashed or was killed, or
    the disk filled): make the header's sizes match the samples on disk (a crash can leave
    it one block behind) and return the seconds it holds. None when it is being written
    now, or is missing or not a take file.
    """
    if being_written(path):
        return None
    try:
        with open(path, "r+b") as f:
            header = f.read(WAV_HEADER_BYTES)
            if len(header) < WAV_HEADER_BYTES or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
                return None
            (rate,) = struct.unpack("<I", header[24:28])
            size = os.fstat(f.fileno()).st_size
            frames = (size - WAV_HEADER_BYTES) // 2
            if rate <= 0:
                return None
            if size != WAV_HEADER_BYTES + frames * 2:
                f.truncate(WAV_HEADER_BYTES + frames * 2)
            f.seek(0)
            f.write(_wav_header(frames, rate))
    except OSError:
        return None
    return frames / rate


#: The size of the WAV header :class:`TakeWriter` writes (RIFF, fmt, data: 44 bytes).
WAV_HEADER_BYTES = 44


def _wav_header(frames: int, sample_rate_hz: int) -> bytes:
    data = frames * 2
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, sample_rate_hz, sample_rate_hz * 2, 2, 16)
        + b"data"
        + struct.pack("<I", data)
    )


class TakeWriter:
    """A take's WAV file as it grows: 16-bit mono, each block written straight to the file
    and the header's sizes patched in place after it (so the file is a complete, valid WAV
    at every moment), fsync'ed every second. The microphone recorder and the browser
    practice room both write takes with it.

    A write that fails (a full disk) is undone: the file is cut back to the blocks written
    before, which stay a valid WAV, and :class:`~voicecoach.core.errors.TakeWriteError` says so.
    A file removed while it is written (its folder deleted) is written back in place from
    the open file at the next second's check, so the take is not lost with it.
    """

    def __init__(self, path: Path, *, sample_rate_hz: int = 16_000, exclusive: bool = False) -> None:
        self.path = Path(path)
        self.sample_rate_hz = sample_rate_hz
        self.frames = 0
        self.closed = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_RDWR | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC) | getattr(os, "O_CLOEXEC", 0)
            self._fd = os.open(self.path, flags, 0o666)
        except FileExistsError:
            raise
        except OSError as exc:
            raise TakeWriteError(
                f"{self.path}: cannot write the take ({exc.strerror or exc}); free some space or choose another data "
                "folder",
                setting="data_dir",
            ) from exc
        try:
            self._write_at(0, _wav_header(0, sample_rate_hz))  # the header exists from the first moment
        except OSError as exc:
            os.close(self._fd)
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            raise TakeWriteError(
                f"{self.path}: cannot write the take ({exc.strerror or exc}); free some space or choose another data "
                "folder",
                setting="data_dir",
            ) from exc
        _lock(self._fd)
        self._last_sync = time.monotonic()

    @classmethod
    def create(cls, directory: Path, stem: str, *, sample_rate_hz: int = 16_000) -> TakeWriter:
        """A new take file ``directory/stem.wav`` (``stem-2.wav``... when that name is
        taken), created exclusively: two takes started at once never share a file."""
        for n in itertools.count(1):
            try:
                return cls(
                    directory / (f"{stem}.wav" if n == 1 else f"{stem}-{n}.wav"),
                    sample_rate_hz=sample_rate_hz,
                    exclusive=True,
                )
            except FileExistsError:
                continue
        raise AssertionError("unreachable")

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate_hz

    def _write_at(self, offset: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.pwrite(self._fd, view, offset)
            view, offset = view[n:], offset + n

    def append(self, block: np.ndarray) -> None:
        """Append int16 samples.

        Raises:
            TakeWriteError: the block could not be written (the file keeps the blocks
                before it, as a valid WAV).
        """
        if self.closed:
            raise TakeWriteError(f"{self.path}: the take is closed")
        data = np.asarray(block, dtype="<i2").tobytes()
        frames = self.frames + len(data) // 2
        try:
            self._write_at(WAV_HEADER_BYTES + self.frames * 2, data)
            self._write_at(0, _wav_header(frames, self.sample_rate_hz))
        except OSError as exc:
            kept = self.duration_s
            with contextlib.suppress(OSError):  # cutting back and patching in place need no new space
                os.ftruncate(self._fd, WAV_HEADER_BYTES + self.frames * 2)
                self._write_at(0, _wav_header(self.frames, self.sample_rate_hz))
                os.fsync(self._fd)
            raise TakeWriteError(
                f"{self.path}: cannot write the take ({exc.strerror or exc}); the {kept:.1f} s recorded before are kept"
            ) from exc
        self.frames = frames
        if time.monotonic() - self._last_sync > 1.0:
            self._sync()

    def _sync(self) -> None:
        os.fsync(self._fd)
        self._last_sync = time.monotonic()
        if os.fstat(self._fd).st_nlink == 0:
            self._write_back()

    def _write_back(self) -> None:
        """The file was removed while open (its folder deleted): write what it holds back
        to its path, and go on writing there."""
        size = WAV_HEADER_BYTES + self.frames * 2
        content = os.pread(self._fd, size, 0)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError as exc:
            raise TakeWriteError(
                f"{self.path}: the take's file was removed and cannot be written back ({exc.strerror or exc})"
            ) from exc
        _lock(fd)
        old, self._fd = self._fd, fd
        try:
            self._write_at(0, content)
            os.fsync(fd)
        except OSError as exc:
            raise TakeWriteError(
                f"{self.path}: the take's file was removed and cannot be written back ({exc.strerror or exc})"
            ) from exc
        finally:
            os.close(old)
        logger.warning("%s was removed while recording; written back (%.1f s)", self.path, self.duration_s)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            with contextlib.suppress(OSError, TakeWriteError):  # the warning is logged; nothing more can be done
                if os.fstat(self._fd).st_nlink == 0:
                    self._write_back()
            with contextlib.suppress(OSError):
                os.fsync(self._fd)
        finally:
            os.close(self._fd)

    def discard(self) -> None:
        """Close and remove the file (a take that will not be kept)."""
        self.close()
        with contextlib.suppress(OSError):
            self.path.unlink()


def level_db(block: np.ndarray) -> float:
    x = block.astype(np.float64) / 32768.0
    return float(10 * np.log10(max(float(np.mean(x * x)), 1e-10)))


def record(
    take: TakeWriter,
    *,
    options: RecordOptions | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    on_block: Callable[[float, float], None] | None = None,
    on_samples: Callable[[np.ndarray], None] | None = None,
) -> Recording:
    """Record from the input device into ``take`` until ``should_stop()``, the time limit
    (wall time since the stream started), a long silence, or the device going quiet (no
    audio for ``options.no_audio_s``: unplugged, or the sound server stopped); Ctrl-C stops
    it too (``stopped_by="interrupt"``), and so does a write error (``"write_error"``,
    ``Recording.error`` says why). The audio is kept in every case, and ``take`` is closed.
    ``on_block(elapsed_s, level_db)`` is called for every block (a meter);
    ``on_samples(block)`` gets every block's int16 samples once they are on disk (a
    transcriber working while the speaker speaks).

    Raises:
        DeviceError: PortAudio is missing, or the device is missing, busy or unusable
            (nothing was recorded).
    """
    o = options or RecordOptions()
    blocks: queue.Queue[np.ndarray] = queue.Queue()

    def callback(indata: Any, frames: Any, time_info: Any, status: Any) -> Any:
        if status:
            logger.debug("input status: %s", status)
        blocks.put(indata[:, 0].copy())

    stopped_by = "max_seconds"
    error: str | None = None
    heard_speech = False
    silent_s = 0.0

    def keep(block: np.ndarray) -> None:
        take.append(block)
        if on_samples:
            on_samples(block)

    try:
        sd = _sounddevice()
        device = resolve_device(o.device)
        try:
            stream = sd.InputStream(
                samplerate=o.sample_rate_hz,
                channels=1,
                dtype="int16",
                device=device,
                blocksize=int(o.block_s * o.sample_rate_hz),
                callback=callback,
            )
            stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            raise DeviceError(
                f"cannot open the input device {o.device or 'default'!r} ({exc}); is it busy or unplugged?",
                setting="device",
                hint=Hint("devices"),
            ) from exc
        started = last_audio = time.monotonic()
        try:
            while True:
                try:
                    block = blocks.get(timeout=0.05)
                except queue.Empty:
                    block = None
                now = time.monotonic()
                if block is not None:
                    last_audio = now
                    keep(block)
                    level = level_db(block)
                    if on_block:
                        on_block(take.duration_s, level)
                    if level > o.silence_db:
                        heard_speech, silent_s = True, 0.0
                    else:
                        silent_s += len(block) / o.sample_rate_hz
                    if o.stop_on_silence_s and heard_speech and silent_s >= o.stop_on_silence_s:
                        stopped_by = "silence"
                        break
                if take.duration_s >= o.max_seconds or now - started >= o.max_seconds:
                    stopped_by = "max_seconds"
                    break
                if now - last_audio >= o.no_audio_s:
                    stopped_by = "device_lost"
                    error = (
                        f"the microphone stopped sending sound {take.duration_s:.1f} s into the take (unplugged, "
                        "or the sound system stopped)"
                    )
                    break
                if should_stop():
                    stopped_by = "enter"
                    break
        except KeyboardInterrupt:
            stopped_by = "interrupt"
        except TakeWriteError as exc:
            stopped_by, error = "write_error", str(exc)
        finally:
            with contextlib.suppress(Exception):  # a device that is gone may fail to stop
                stream.stop()
                stream.close()
        try:
            while (
                not blocks.empty() and stopped_by != "write_error"
            ):  # what the callback delivered before the stream stopped
                keep(blocks.get_nowait())
        except TakeWriteError as exc:
            stopped_by, error = "write_error", str(exc)
    finally:
        take.close()
    return Recording(take.path, take.duration_s, stopped_by, error)
