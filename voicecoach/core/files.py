"""Reading and writing user files safely: the one check that a path is a regular file
(before anything opens it, since a FIFO or a device would block or never end) and the one
atomic writer."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path

from .errors import VoicecoachError

#: Control characters, written as escapes when a name is shown (a newline in a file name
#: must not split a line of output).
_CONTROL = {c: f"\\x{c:02x}" for c in range(32)} | {9: "\\t", 10: "\\n", 13: "\\r", 127: "\\x7f"}


def readable(text: str | Path) -> str:
    """``text`` (a path, or a message naming one) as a person reads it and as any UTF-8
    file or database can hold it: bytes of a file name that are not UTF-8 (kept by Python
    as surrogate escapes) become ``\\xff``, control characters ``\\n``, ``\\t``..."""
    try:
        raw = os.fsencode(text) if isinstance(text, Path) else str(text).encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate no file name decodes to
        raw = str(text).encode("utf-8", "backslashreplace")
    return raw.decode("utf-8", "backslashreplace").translate(_CONTROL)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a uniquely named temporary file in the same
    folder, fsync'ed, then renamed over ``path``: readers see the old file or the new
    one, and two writers never share a temporary file.

    Raises:
        VoicecoachError: the folder is missing or not writable.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise VoicecoachError(f"{path}: cannot write it (the folder {path.parent} does not exist)")
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise VoicecoachError(f"{path}: cannot write it ({exc.strerror or exc})") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # what open() would have given it
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise VoicecoachError(f"{path}: cannot write it ({exc.strerror or exc})") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_user_text(path: Path, *, kind: str, error: type[VoicecoachError] = VoicecoachError) -> str:
    """The text of a file the user gave (a config, question or result file), after
    :func:`check_regular_file`; any read or decoding failure is ``error``."""
    check_regular_file(path, kind=kind, error=error, allow_empty=True)
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: cannot read it (not UTF-8 text: {exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise error(f"{path}: cannot read it ({exc.strerror or exc})") from None


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_regular_file(
    path: str | Path, *, kind: str = "a file", error: type[VoicecoachError] = VoicecoachError, allow_empty: bool = False
) -> int:
    """Check that ``path`` is a readable, non-empty regular file; return its size.

    Raises:
        ``error``: missing, a broken link or a link loop, a directory, not a regular
            file (FIFO, device, socket), unreadable, or empty; the message names the
            path, what it is, and what to give instead (``kind``).
    """
    path = Path(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise error(f"{path}: a symbolic link loop; point it at {kind}") from exc
        if exc.errno == errno.ENOENT and path.is_symlink():
            raise error(f"{path}: a broken symbolic link (its target {os.readlink(path)} does not exist)") from exc
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise error(f"{path}: no such file") from exc
        if exc.errno == errno.EACCES:
            raise error(f"{path}: cannot read it (permission denied)") from exc
        raise error(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    if stat.S_ISDIR(st.st_mode):
        raise error(f"{path}: is a directory; give {kind}")
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{path}: is {_kind(st.st_mode)}, not a regular file; give {kind}")
    if not os.access(path, os.R_OK):
        raise error(f"{path}: cannot read it (permission denied)")
    if st.st_size == 0 and not allow_empty:
        raise error(f"{path}: the file is empty (0 bytes)")
    return st.st_size
