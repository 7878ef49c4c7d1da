"""Export library entries as RIS, CSL-JSON, BibTeX or BibLaTeX text (FORMATS.md).

:data:`EXPORTERS` maps each format name to its :class:`Exporter`; :func:`export_references` is
the one call a user needs. Output is deterministic: entries in library order, fixed field order,
no timestamps. An entry a format cannot represent raises :class:`~dlbib.errors.ExportError`, or,
with ``on_skip``, is reported there and left out. Writes no files (the CLI does, atomically).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from dlbib.errors import ExportError
from dlbib.exports import bibtex, csl_json, ris
from dlbib.exports._options import ATTACHMENT_MODES, AttachmentMode, ExportOptions
from dlbib.exports._record import Record, build_record
from dlbib.library.files import atomic_write, write_together
from dlbib.library.model import Reference

__all__ = [
    "ATTACHMENT_MODES",
    "EXPORTERS",
    "AttachmentMode",
    "ExportOptions",
    "ExportedFile",
    "Exporter",
    "export_library",
    "export_references",
    "write_export",
    "write_exports",
]


@dataclass(frozen=True, slots=True)
class Exporter:
    """One output format."""

    name: str
    filename: str
    """The default file name in the exports folder."""
    render: Callable[[Record, ExportOptions], str]
    """One record → its text in the file."""
    assemble: Callable[[list[str]], str]
    """The rendered records → the whole file."""
    description: str


EXPORTERS: Final[Mapping[str, Exporter]] = {
    "ris": Exporter("ris", "library.ris", ris.render, ris.assemble, "RIS (Zotero, Mendeley)"),
    "csljson": Exporter(
        "csljson", "library.json", csl_json.render, csl_json.assemble, "CSL-JSON (Zotero, pandoc)"
    ),
    "bibtex": Exporter(
        "bibtex",
        "library-bibtex.bib",
        bibtex.render_bibtex,
        bibtex.assemble_bibtex,
        "BibTeX, ASCII (natbib, Mendeley)",
    ),
    "biblatex": Exporter(
        "biblatex",
        "library-biblatex.bib",
        bibtex.render_biblatex,
        bibtex.assemble_biblatex,
        "BibLaTeX, UTF-8 (biber)",
    ),
}
"""Format name → exporter, for ``dlbib export --format``."""


def export_references(
    refs: Iterable[Reference],
    format: str,
    *,
    strings: Mapping[str, str] | None = None,
    base_dir: Path | None = None,
    attachments: AttachmentMode = "relative",
    library_root: Path | None = None,
    on_skip: Callable[[ExportError], None] | None = None,
) -> str:
    """The text of ``refs`` in ``format``.

    :param refs: the entries, in the order to write them.
    :param format: a key of :data:`EXPORTERS`.
    :param strings: ``@string`` macros (lower-case name → raw value), e.g. ``library.strings``.
    :param base_dir: the folder the export will be written to (default: current folder); relative
        attachment paths start there.
    :param attachments: ``relative`` (default), ``absolute`` or ``none``.
    :param library_root: the folder of library.bib, against which its ``file`` paths are
        relative (default: ``base_dir``).
    :param on_skip: called with the error for each entry the format cannot represent, which is
        then left out; when None, the first such error is raised.
    :raises ExportError: for an unknown format or attachment mode, or (without ``on_skip``) an
        entry the format cannot represent.
    """
    exporter = EXPORTERS.get(format)
    if exporter is None:
        known = ", ".join(sorted(EXPORTERS))
        raise ExportError(f"unknown export format {format!r} (choose from {known})", format=format)
    if attachments not in ATTACHMENT_MODES:
        raise ExportError(f"unknown attachment mode {attachments!r}", format=format)
    base = base_dir or Path(".")
    options = ExportOptions(base, library_root or base, attachments)
    entries: list[str] = []
    for ref in refs:
        try:
            entries.append(exporter.render(build_record(ref, strings or {}), options))
        except ExportError as exc:
            if on_skip is None:
                raise
            on_skip(exc if exc.format else ExportError(_reason(exc), exc.key, format))
    return exporter.assemble(entries)


def _reason(exc: ExportError) -> str:
    text = str(exc)
    prefix = f"{exc.key}: "
    return text[len(prefix) :] if exc.key and text.startswith(prefix) else text


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


@dataclass(frozen=True)
class ExportedFile:
    """One export made by :func:`export_library`: its format, target (None: stdout), text."""

    format: str
    path: Path | None
    text: str


def export_library(
    library_path: Path,
    formats: Iterable[str],
    *,
    exports_root: Path,
    output: Path | None = None,
    keys: Iterable[str] = (),
    attachments: AttachmentMode = "relative",
    to_stdout: bool = False,
) -> tuple[list[ExportedFile], list[ExportError]]:
    """Export a library file to each format; nothing is written yet (see :func:`write_exports`).

    Every text is made before any file is written, so a failure leaves no file half-updated.

    :param exports_root: where default-named files go (``exports/`` beside the library).
    :param output: one file instead of the default names (with a single format).
    :param keys: only these entries (default: all, in library order).
    :param to_stdout: relative attachment paths start at the current folder.
    :returns: the exports, and the entries each format had to leave out (with why).
    :raises LibraryError: when the library cannot be loaded.
    :raises ReferenceNotFoundError: for an unknown key.
    """
    from dlbib.library.bibfile import load_library

    if output is not None and _is_kept_file(output, library_path):
        raise ExportError(
            f"{output}: refusing to overwrite the library or its sync state with an export"
        )
    library = load_library(library_path)
    wanted = list(keys)
    refs = [library.get(key) for key in wanted] if wanted else library.references
    skipped: list[ExportError] = []
    files: list[ExportedFile] = []
    for name in formats:
        target = None if to_stdout else (output or exports_root / EXPORTERS[name].filename)
        text = export_references(
            refs,
            name,
            strings=library.strings,
            base_dir=Path.cwd() if target is None else target.parent,
            attachments=attachments,
            library_root=library_path.parent,
            on_skip=skipped.append,
        )
        files.append(ExportedFile(name, target, text))
    return files, skipped


def _is_kept_file(output: Path, library_path: Path) -> bool:
    """True when ``output`` is library.bib, its sidecar or its dlbib.toml (symlinks followed)."""
    kept = [
        library_path,
        library_path.with_name(library_path.stem + ".dlbib.json"),
        library_path.with_name("dlbib.toml"),
    ]
    target = output.resolve()
    return any(target == path.resolve() for path in kept)


def write_exports(files: Iterable[ExportedFile]) -> None:
    """Write the exports with a path as one set: all new files, or (on an error) all old ones.

    Each file is written completely beside its target first; then all are renamed into place
    together (:func:`~dlbib.library.files.write_together`), so a failure — a full disk, an
    unwritable ``exports/`` — never leaves two new and two old files.

    :raises ExportError: when a file cannot be written (every export is then as it was).
    """
    pending = [(f.path, f.text.encode("utf-8")) for f in files if f.path is not None]
    if not pending:
        return
    where: Path | str = pending[0][0]
    try:
        for path, _ in pending:
            where = path
            path.parent.mkdir(parents=True, exist_ok=True)
        where = ""
        write_together(pending)
    except OSError as exc:
        where = where or exc.filename or pending[0][0]
        raise ExportError(
            f"{where}: cannot be written: {exc.strerror or exc}; no export was changed"
        ) from exc
