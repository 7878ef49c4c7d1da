"""Atomic file writes and an inter-process lock. Private and tiny; imports nothing from dlbib."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

_held: dict[Path, tuple[int, int]] = {}  # lock path -> (fd, depth): re-entrant in one process


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    Readers see the old bytes or the new bytes, never a mix; on any error the temporary file is
    removed and ``path`` is untouched. An existing file's permission bits are kept;
    a symlink stays a symlink (its target is replaced).

    :raises OSError: when the folder is not writable or the disk is full.
    """
    path = Path(os.path.realpath(path))  # through a symlink: replace its target, keep the link
    folder = path.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:  # a new file gets the usual 0666 less the umask, not 0600
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def lock_path_for(path: Path) -> Path:
    """The lock file that guards ``path``: ``.<name>.lock`` beside it."""
    return path.with_name(f".{path.name}.lock")


class LockHeldError(Exception):
    """Another process holds the lock (the caller turns this into a user-facing error)."""


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive, non-blocking ``flock`` on the lock file beside ``path``.

    Re-entrant within one process, so a save inside an edit does not deadlock on itself.

    :raises LockHeldError: when another process holds it.
    """
    lock = lock_path_for(path).resolve()
    if lock in _held:
        fd, depth = _held[lock]
        _held[lock] = (fd, depth + 1)
        try:
            yield
        finally:
            fd, depth = _held[lock]
            _held[lock] = (fd, depth - 1)
        return
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        os.close(fd)
        raise LockHeldError(str(lock)) from exc
    _held[lock] = (fd, 1)
    try:
        yield
    finally:
        del _held[lock]
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) until the block ends, so two files are written together or not."""
    pending: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        pending.append(signum)

    try:
        previous = signal.signal(signal.SIGINT, hold)
    except ValueError:  # not the main thread: signals cannot be handled here anyway
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if pending:
            raise KeyboardInterrupt
