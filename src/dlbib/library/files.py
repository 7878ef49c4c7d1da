"""The platform seam: atomic file writes, an inter-process lock, Ctrl-C deferral, the cache folder.

Everything dlbib does that differs between POSIX and Windows goes through here: the lock
(``filelock``: ``flock`` on POSIX, ``msvcrt.locking`` on Windows), permission bits (POSIX only;
Windows keeps its ACLs), ``os.replace`` over a file another program holds open (refused on
Windows, so it is retried briefly), and signal handling (only the main thread may install a
handler). It imports nothing from dlbib; ``tests/test_platform.py`` runs these paths with the
POSIX-only modules hidden, so a Windows-only break shows up on Linux too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import Any, Final

IS_WINDOWS: Final = sys.platform == "win32"
REPLACE_RETRIES: Final = 20
"""How often a refused ``os.replace`` is tried again on Windows (a virus scanner or an editor
holding the file open), :data:`REPLACE_PAUSE` seconds apart."""
REPLACE_PAUSE: Final = 0.05

_held: dict[Path, tuple[Any, int]] = {}  # lock path -> (lock, depth): re-entrant in one process


def _new_file_mode() -> int:
    """What a new file gets: 0666 less the umask (``mkstemp`` alone would give 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def replace_file(
    source: str | Path,
    target: str | Path,
    *,
    rename: Callable[[str | Path, str | Path], None] = os.replace,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """``os.replace(source, target)``; on Windows a refusal because another program has
    ``target`` open is retried a few times before it is raised.

    :raises OSError: when the rename fails for good.
    """
    for attempt in range(REPLACE_RETRIES + 1):
        try:
            rename(source, target)
            return
        except PermissionError:
            if not IS_WINDOWS or attempt == REPLACE_RETRIES:
                raise
            sleep(REPLACE_PAUSE)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    Readers see the old bytes or the new bytes, never a mix; on any error the temporary file is
    removed and ``path`` is untouched. An existing file's permission bits are kept (POSIX);
    a symlink stays a symlink (its target is replaced).

    :raises OSError: when the folder is not writable or the disk is full.
    """
    path = Path(os.path.realpath(path))  # through a symlink: replace its target, keep the link
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if not IS_WINDOWS:
            try:
                mode = os.stat(path).st_mode & 0o7777
            except FileNotFoundError:
                mode = _new_file_mode()
            os.chmod(tmp, mode)
        replace_file(tmp, path)
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
    """Hold an exclusive, non-blocking lock on the lock file beside ``path``.

    Re-entrant within one process, so a save inside an edit does not deadlock on itself.

    :raises LockHeldError: when another process holds it.
    :raises OSError: when the folder does not exist or is not writable.
    """
    import filelock  # a well-kept cross-platform lock; imported late to keep start-up light

    lock_file = lock_path_for(path).resolve()
    if lock_file in _held:
        lock, depth = _held[lock_file]
        _held[lock_file] = (lock, depth + 1)
        try:
            yield
        finally:
            lock, depth = _held[lock_file]
            _held[lock_file] = (lock, depth - 1)
        return
    if not lock_file.parent.is_dir():  # filelock would create the folder; a lock never does
        raise FileNotFoundError(2, "No such file or directory", str(lock_file.parent))
    lock = filelock.FileLock(str(lock_file), timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout as exc:
        raise LockHeldError(str(lock_file)) from exc
    _held[lock_file] = (lock, 1)
    try:
        yield
    finally:
        del _held[lock_file]
        lock.release()


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


def user_cache_dir(app: str, environ: Mapping[str, str] | None = None) -> Path:
    """The per-user cache folder for ``app``, where each platform keeps caches.

    Linux and other POSIX: ``$XDG_CACHE_HOME/<app>`` (default ``~/.cache/<app>``); macOS:
    ``~/Library/Caches/<app>``; Windows: ``%LOCALAPPDATA%\\<app>\\Cache``.
    """
    env = os.environ if environ is None else environ
    if IS_WINDOWS:
        base = env.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / app / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / app
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / app
