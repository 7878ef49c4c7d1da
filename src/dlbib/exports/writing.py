"""Writing exports: one file atomically, or a set of files that all change or none does.

Each file of a set is written completely beside its target (fsynced), then all are renamed into
place together (:func:`~dlbib.library.files.write_together`), so a failure — a full disk, an
unwritable ``exports/`` — never leaves two new and two old files. The files may be made while
the set is written (an iterator), so a caller holds one file's bytes at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from dlbib.errors import ExportError
from dlbib.library.files import atomic_write, write_together


def write_export(text: str, path: Path) -> None:
    """Write an export atomically (readers see the old file or the new one, never a part).

    The folder is created when missing.

    :raises ExportError: when the folder or file cannot be written.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text.encode("utf-8"))
    except OSError as exc:
        raise ExportError(f"{path}: cannot be written: {exc.strerror or exc}") from exc


def write_set(files: Iterable[tuple[Path, bytes | Iterable[bytes]]]) -> None:
    """Write ``(target, bytes)`` pairs as one set (folders created as needed); the bytes may
    come in chunks (an iterable), made while they are written.

    :raises ExportError: naming the file that could not be written; every target is then as
        it was.
    """
    where: list[Path] = []

    def folders_made() -> Iterator[tuple[Path, bytes | Iterable[bytes]]]:
        for path, data in files:
            where.append(path)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                exc.filename = str(path)  # the export that cannot be written, as for a file
                raise
            yield path, data

    try:
        write_together(folders_made())
    except OSError as exc:
        target = exc.filename or (where[-1] if where else "exports")
        raise ExportError(
            f"{target}: cannot be written: {exc.strerror or exc}; no export was changed"
        ) from exc


def is_kept_file(output: Path, library_path: Path) -> bool:
    """True when ``output`` is library.bib, its sidecar or its dlbib.toml (symlinks followed)."""
    kept = [
        library_path,
        library_path.with_name(library_path.stem + ".dlbib.json"),
        library_path.with_name("dlbib.toml"),
    ]
    target = output.resolve()
    return any(target == path.resolve() for path in kept)
