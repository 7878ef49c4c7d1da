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
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import Any, Final

IS_WINDOWS: Final = sys.platform == "win32"
REPLACE_RETRIES: Final = 20
"""How often a refused ``os.replace`` is tried again on Windows (a virus scanner or an editor
holding the file open), :data:`REPLACE_PAUSE` seconds apart."""
REPLACE_PAUSE: Final = 0.05
TEMP_PREFIX: Final = ".dlbib-tmp-"
"""Every temporary file dlbib makes starts with this (``.dlbib-tmp-<pid>-<name>.<random>.tmp``),
so one ``.gitignore`` line covers them and :func:`sweep_temp_files` knows its own."""
STALE_AFTER: Final = 3600.0
"""A temporary file of a process that may still run is swept once this many seconds old."""

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


def temp_name_prefix(name: str) -> str:
    """The prefix of this process's temporary files for ``name``."""
    return f"{TEMP_PREFIX}{os.getpid()}-{name}."


def atomic_write(
    path: Path, data: bytes, *, before_replace: Callable[[Path], None] | None = None
) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    Readers see the old bytes or the new bytes, never a mix; on any error the temporary file is
    removed and ``path`` is untouched. An existing file's permission bits are kept (POSIX);
    a symlink stays a symlink (its target is replaced).

    :param before_replace: called with the real target after the data is on disk (fsync) and
        immediately before the rename: the last moment to check the target did not change
        meanwhile, or to keep a backup of it. Whatever it raises aborts the write.
    :raises OSError: when the folder is not writable or the disk is full.
    """
    path = Path(os.path.realpath(path))  # through a symlink: replace its target, keep the link
    tmp = ""
    try:
        tmp = _write_temp(path, data)
        if before_replace is not None:
            before_replace(path)
        replace_file(tmp, path)
    except BaseException:
        if tmp:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise


def _write_temp(
    real: Path, data: bytes | Iterable[bytes], written: list[tuple[Path, str]] | None = None
) -> str:
    """``data`` in a new, fsynced temporary file beside ``real`` with ``real``'s permission bits
    (POSIX; a new file gets 0666 less the umask); its name is added to ``written`` as soon as it
    exists, so a caller can clean up after a failed write."""
    fd, tmp = tempfile.mkstemp(prefix=temp_name_prefix(real.name), suffix=".tmp", dir=real.parent)
    if written is not None:
        written.append((real, tmp))
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in (data,) if isinstance(data, bytes) else data:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if not IS_WINDOWS:
            try:
                mode = os.stat(real).st_mode & 0o7777
            except FileNotFoundError:
                mode = _new_file_mode()
            os.chmod(tmp, mode)
    except BaseException:
        if written is None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise
    return tmp


def write_together(files: Iterable[tuple[Path, bytes | Iterable[bytes]]]) -> None:
    """Replace several files as one set: all new, or (on an error) all as they were.

    Every new file is written and fsynced as a temporary file first; only then are they
    renamed into place, one right after another. A rename that fails puts the files already
    replaced back (their old versions were kept as hard links or copies). Only a crash in the
    microseconds between two renames can leave a mix — the platform offers no atomic rename
    of several files.

    :raises OSError: when a file cannot be written (``filename`` names its target); every
        target is then as it was.
    """
    written: list[tuple[Path, str]] = []
    target = ""
    try:
        for path, data in files:
            target = str(path)
            _write_temp(Path(os.path.realpath(path)), data, written)
            del data  # written: not kept while the next file is made
        _rename_all(written)
    except OSError as exc:
        if exc.filename is None or TEMP_PREFIX in str(exc.filename):
            exc.filename = getattr(exc, "target", target)
        raise
    finally:
        for _, tmp in written:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def _rename_all(written: list[tuple[Path, str]]) -> None:
    """Rename each temporary file over its target; undo the renames done when one fails."""
    kept: list[tuple[Path, str | None]] = []  # target -> its old version (None: it was new)
    try:
        for real, tmp in written:
            old: str | None = None
            if real.exists():
                old = tmp + ".old"
                try:
                    os.link(real, old)
                except OSError:
                    shutil.copy2(real, old)
            kept.append((real, old))
            try:
                replace_file(tmp, real)
            except OSError as exc:
                exc.target = str(real)  # type: ignore[attr-defined]
                raise
    except BaseException:
        for real, old in reversed(kept):
            with contextlib.suppress(OSError):
                if old is None:
                    os.unlink(real)
                else:
                    replace_file(old, real)
        raise
    finally:
        for _, old in kept:
            if old is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(old)


def sweep_temp_files(folder: Path, *, now: float | None = None) -> list[Path]:
    """Remove dlbib's stale temporary files in ``folder`` (not below it).

    A file is stale when the process that made it is gone (POSIX: its pid is checked), or when
    it is older than :data:`STALE_AFTER` (everywhere; on Windows the only test). The caller
    holds the library's lock, so no other dlbib run is writing this library meanwhile.

    :returns: the files removed.
    """
    removed: list[Path] = []
    moment = time.time() if now is None else now
    try:
        candidates = [p for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX)]
    except OSError:
        return removed
    for candidate in candidates:
        try:
            age = moment - candidate.lstat().st_mtime
            if candidate.is_dir() or not (age > STALE_AFTER or _owner_gone(candidate.name)):
                continue
            candidate.unlink()
            removed.append(candidate)
        except OSError:
            continue
    return removed


def _owner_gone(name: str) -> bool:
    """True when the pid in a temporary file's name is no process (POSIX only; else False)."""
    pid_text = name[len(TEMP_PREFIX) :].split("-", 1)[0]
    if IS_WINDOWS or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def open_for_writing(path: Path) -> bool | None:
    """Whether another process has ``path`` open for writing (an editor mid-save).

    Linux only (``/proc/<pid>/fd`` and ``fdinfo``; processes of other users are not visible,
    and need not be); None where the platform cannot tell, and the caller goes by time.
    """
    proc = Path("/proc")
    if not sys.platform.startswith("linux") or not (proc / "self" / "fdinfo").is_dir():
        return None
    try:
        target = os.stat(path)
    except OSError:
        return False
    me = str(os.getpid())
    for pid in os.listdir(proc):
        if not pid.isdigit() or pid == me:
            continue
        try:
            fds = os.listdir(proc / pid / "fd")
        except OSError:
            continue
        for fd in fds:
            try:
                st = os.stat(proc / pid / "fd" / fd)
                if (st.st_ino, st.st_dev) != (target.st_ino, target.st_dev):
                    continue
                info = (proc / pid / "fdinfo" / fd).read_text()
            except OSError:
                continue
            flags = next(
                (line.split()[1] for line in info.splitlines() if line.startswith("flags")), "0"
            )
            if int(flags, 8) & (os.O_WRONLY | os.O_RDWR):
                return True
    return False


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
