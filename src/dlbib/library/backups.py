"""Editors never lose work: rotating backups, the last-write record, and a read that waits.

Everything lives in ``.dlbib/`` beside the library (a folder with its own ``.gitignore`` of
``*``, so git ignores it without touching the user's)::

    .dlbib/backups/library.bib.20261201T221503.123456Z.bak   the versions dlbib replaced
    .dlbib/backups/library.bib.20261201T221503.123999Z.written.bak   copies of what it wrote
    .dlbib/written.json                                      size + hash of dlbib's last writes

* :func:`keep_backup` runs immediately before each rename over library.bib (or its sidecar):
  it hard-links the file about to be replaced into ``backups/`` (a copy where links are not
  possible), so even an editor writing into that file *after* dlbib's last check writes into
  the backup, not into nothing; the oldest backups beyond :func:`backup_count` are removed.
* :func:`read_trusted` reads a library; when it is empty or shorter than at dlbib's last write
  while another process has it open for writing (Linux can tell; elsewhere: modified within
  :data:`SETTLE` seconds) — an editor truncates, then writes a second later — it waits until
  the writer is done (or the file has been still for :data:`SETTLE` s) and reads again; if it
  keeps changing for :data:`MAX_SETTLE` seconds, it refuses with a clear message.
* :func:`lost_entries` tells which backups hold entries the current file lacks (for
  ``dlbib check`` and ``dlbib restore``); :func:`restore_backup` puts one back.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final

from dlbib.errors import LibraryError
from dlbib.library.files import TEMP_PREFIX, atomic_write, open_for_writing

DLBIB_DIR: Final = ".dlbib"
DEFAULT_BACKUPS: Final = 5
SETTLE: Final = 2.0
"""Seconds a suspicious (empty or shrunken) library must have been unchanged to be trusted."""
MAX_SETTLE: Final = 8.0
"""Seconds :func:`read_trusted` waits for a changing library before refusing."""

_count = DEFAULT_BACKUPS
_KEY: Final = re.compile(
    r"@\s*(?!string\b|preamble\b|comment\b)\w+\s*[{(]\s*([^,\s{}()]+)\s*,", re.I
)


def set_backup_count(count: int) -> None:
    """How many previous versions of each file to keep (``[library] backups``; 0: none)."""
    global _count
    _count = max(0, count)


def backup_count() -> int:
    """The number set by :func:`set_backup_count` (default :data:`DEFAULT_BACKUPS`)."""
    return _count


def dlbib_dir(library: Path) -> Path:
    """``.dlbib/`` beside ``library``, created with a ``.gitignore`` of ``*`` when missing."""
    folder = library.parent / DLBIB_DIR
    if not folder.is_dir():
        (folder / "backups").mkdir(parents=True, exist_ok=True)
        (folder / ".gitignore").write_text("# dlbib's backups and records: not for git\n*\n")
    (folder / "backups").mkdir(exist_ok=True)
    return folder


@dataclass(frozen=True)
class Backup:
    """One kept version: its file, when it was kept, and which kind it is."""

    path: Path
    taken: datetime
    kind: str = "replaced"
    """``replaced``: the file dlbib replaced; ``written``: a copy of what dlbib wrote (so an
    editor saving a stale buffer over dlbib's output cannot take dlbib's changes with it)."""


def backups_of(target: Path) -> list[Backup]:
    """The backups of ``target`` (any file dlbib writes beside it), newest first."""
    folder = target.parent / DLBIB_DIR / "backups"
    found: list[Backup] = []
    with contextlib.suppress(OSError):
        for candidate in folder.iterdir():
            name = candidate.name
            if not name.startswith(target.name + ".") or not name.endswith(".bak"):
                continue
            stamp = name[len(target.name) + 1 : -len(".bak")]
            kind = "written" if stamp.endswith(".written") else "replaced"
            stamp = stamp.removesuffix(".written")
            try:
                taken = datetime.strptime(stamp, "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=timezone.utc)
            except ValueError:
                continue
            found.append(Backup(candidate, taken, kind))
    return sorted(found, key=lambda b: b.taken, reverse=True)


def keep_backup(target: Path) -> None:
    """:func:`backup_file` with the configured count, as ``atomic_write``'s last step."""
    backup_file(target)


def backup_file(target: Path, count: int | None = None) -> Path | None:
    """Keep the file about to be replaced as the newest backup; prune beyond ``count``.

    :returns: the backup, or None when there was nothing to keep (no file, or count 0).
    :raises OSError: when the backup cannot be made (the write is then aborted).
    """
    keep = _count if count is None else count
    if keep <= 0 or not target.is_file():
        return None
    folder = dlbib_dir(target) / "backups"
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    backup = folder / f"{target.name}.{stamp}.bak"
    try:
        os.link(target, backup)  # the same file: a later in-place write lands in the backup
    except OSError:
        shutil.copy2(target, backup)
    _prune(target, "replaced", keep)
    return backup


def keep_written(target: Path, data: bytes, count: int | None = None) -> Path | None:
    """Keep a copy of what dlbib just wrote to ``target`` (best effort; a copy, not a link:
    an editor overwriting the file in place must not change it too)."""
    keep = _count if count is None else count
    if keep <= 0:
        return None
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    backup = dlbib_dir(target) / "backups" / f"{target.name}.{stamp}.written.bak"
    partial = backup.with_name(TEMP_PREFIX + backup.name)
    try:
        partial.write_bytes(data)
        os.replace(partial, backup)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink()
        return None
    _prune(target, "written", keep)
    return backup


def _prune(target: Path, kind: str, keep: int) -> None:
    for old in [b for b in backups_of(target) if b.kind == kind][keep:]:
        with contextlib.suppress(OSError):
            old.path.unlink()


def _record_path(library: Path) -> Path:
    return library.parent / DLBIB_DIR / "written.json"


def _records(library: Path) -> dict[str, Any]:
    try:
        data = json.loads(_record_path(library).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record_write(library: Path, data: bytes, sha256: str | None = None) -> None:
    """Remember the size and hash of what dlbib just wrote to ``library`` (best effort);
    ``sha256``: the data's, when the caller has it already."""
    records = _records(library)
    digest = sha256 or hashlib.sha256(data).hexdigest()
    records[library.name] = {"size": len(data), "sha256": digest}
    with contextlib.suppress(OSError):
        dlbib_dir(library)
        atomic_write(_record_path(library), json.dumps(records, indent=1).encode("utf-8"))


def last_write(library: Path) -> dict[str, Any] | None:
    """What :func:`record_write` remembered for ``library``, or None."""
    record = _records(library).get(library.name)
    return record if isinstance(record, dict) else None


def read_trusted(
    path: Path,
    read: Callable[[Path], bytes],
    *,
    settle: float = SETTLE,
    max_settle: float = MAX_SETTLE,
    writers: Callable[[Path], bool | None] = open_for_writing,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> bytes:
    """``read(path)``, re-read after a wait when the file looks like an editor mid-save.

    Suspicious: empty, or shorter than dlbib's last write. Such a file is used at once when no
    other process has it open for writing (``writers``; Linux can tell) or it has not changed
    for ``settle`` seconds; otherwise dlbib waits until one of those holds and reads again.

    :raises LibraryError: when it is still changing after ``max_settle`` seconds.
    """
    data = read(path)
    record = last_write(path) or {}
    if data and len(data) >= int(record.get("size", 0)):
        return data
    started = clock()
    while True:
        writing = writers(path)
        try:
            age = clock() - path.stat().st_mtime
        except OSError:
            return data
        if writing is False or age >= settle:
            again = read(path)
            if writing is False or again == data or clock() - path.stat().st_mtime >= settle:
                return again  # nobody is writing it (Linux can tell), or it has settled
            data = again
        elif clock() - started > max_settle:
            raise LibraryError(
                path,
                f"is being written by another program (it is {len(data)} bytes, dlbib last"
                f" wrote {record.get('size', 'nothing')}, and it keeps changing); nothing was"
                " done: save it in your editor, then run the command again",
            )
        sleep(min(0.25, max(0.05, settle - age)))


def entry_keys(text: str) -> list[str]:
    """The citation keys in BibTeX text, found leniently (a backup need not parse)."""
    return [m.group(1) for m in _KEY.finditer(text)]


@dataclass(frozen=True)
class LostEntries:
    """A backup and the keys it holds that the current library lacks."""

    backup: Backup
    keys: tuple[str, ...]


def lost_entries(library: Path) -> list[LostEntries]:
    """Backups of ``library`` holding entries the current file lacks, newest first."""
    try:
        current = {k.lower() for k in entry_keys(library.read_text("utf-8", "replace"))}
    except OSError:
        current = set()
    found: list[LostEntries] = []
    for backup in backups_of(library):
        try:
            keys = entry_keys(backup.path.read_text("utf-8", "replace"))
        except OSError:
            continue
        missing = tuple(dict.fromkeys(k for k in keys if k.lower() not in current))
        if missing:
            found.append(LostEntries(backup, missing))
    return found


def restore_backup(library: Path, backup: Path) -> Path | None:
    """Put ``backup`` back as ``library``; the current file is kept as a backup first.

    :returns: the backup of the file that was replaced.
    :raises LibraryError: when the backup cannot be read or the library not written.
    """
    try:
        data = backup.read_bytes()
    except OSError as exc:
        raise LibraryError(library, f"cannot read the backup {backup}: {exc.strerror}") from exc
    kept: list[Path | None] = [None]

    def before(target: Path) -> None:
        kept[0] = backup_file(target, max(_count, 1) + 1)

    try:
        atomic_write(library, data, before_replace=before)
    except OSError as exc:
        raise LibraryError(library, f"cannot be written: {exc.strerror or exc}") from exc
    record_write(library, data)
    return kept[0]
