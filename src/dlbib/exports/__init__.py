"""Export library entries as RIS, CSL-JSON, BibTeX, BibLaTeX or Zotero RDF text (FORMATS.md).

:data:`EXPORTERS` maps each format name to its :class:`Exporter`; :func:`export_references` is
the one call a user needs. Every entry type goes to every format (the one type table:
:mod:`dlbib.exports.types`), and every field either has a place in the format or goes to its
free-text slot (:func:`field_report` says which). Output is deterministic: entries in library
order, fixed field order, no timestamps. The only entry a format cannot represent — a non-ASCII
key in the BibTeX flavour — raises :class:`~dlbib.errors.ExportError`, or, with ``on_skip``, is
reported there and left out. Writes no files (the CLI does, atomically).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, NamedTuple

from dlbib.errors import ExportError
from dlbib.exports import bibtex, csl_json, ris, zotero_file, zotero_rdf
from dlbib.exports._options import ATTACHMENT_MODES, AttachmentMode, ExportOptions
from dlbib.exports._pieces import Piece, encoded, joined
from dlbib.exports._record import Record, build_record
from dlbib.exports.rendering import Exporter, Memo, render_file, results_table, with_parents
from dlbib.exports.writing import is_kept_file, write_export, write_set
from dlbib.library.model import Reference

if TYPE_CHECKING:
    from dlbib.library.bibfile import Library

_log = logging.getLogger(__name__)

__all__ = [
    "ATTACHMENT_MODES",
    "EXPORTERS",
    "AttachmentMode",
    "EntryReport",
    "ExportOptions",
    "ExportedFile",
    "Exporter",
    "WrittenExport",
    "export_library",
    "export_loaded_library",
    "export_references",
    "export_to_files",
    "field_report",
    "write_export",
    "write_exports",
]


def _csl_place(record: Record, options: ExportOptions) -> dict[str, str]:
    return csl_json.place(record)[1]


def _ris_place(record: Record, options: ExportOptions) -> dict[str, str]:
    return ris.place(record, options)[1]


def _zotero_place(record: Record, options: ExportOptions) -> dict[str, str]:
    return zotero_rdf.zotero_item(record, options)[1]


EXPORTERS: Final[Mapping[str, Exporter]] = {
    "ris": Exporter(
        "ris", "library.ris", ris.render, ris.assemble, "RIS (Mendeley, EndNote)", _ris_place
    ),
    "csljson": Exporter(
        "csljson",
        "library.json",
        csl_json.render,
        csl_json.assemble,
        "CSL-JSON (pandoc, citeproc)",
        _csl_place,
    ),
    "bibtex": Exporter(
        "bibtex",
        "library-bibtex.bib",
        bibtex.render_bibtex,
        bibtex.assemble_bibtex,
        "BibTeX, ASCII (natbib, Mendeley)",
        keeps_crossref=True,
    ),
    "biblatex": Exporter(
        "biblatex",
        "library-biblatex.bib",
        bibtex.render_biblatex,
        bibtex.assemble_biblatex,
        "BibLaTeX, UTF-8 (biber)",
        keeps_crossref=True,
    ),
    "zotero": Exporter(
        "zotero",
        "library.rdf",
        zotero_rdf.render,
        zotero_file.assemble,
        "Zotero RDF (Zotero: types, tags, collections, notes, PDFs)",
        _zotero_place,
        index=zotero_file.index,
        assemble_indexed=zotero_file.assemble_indexed,
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
    library_refs: Iterable[Reference] | None = None,
    on_warning: Callable[[str, str], None] | None = None,
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
    :param library_refs: every entry of the library, where ``crossref``/``xdata`` parents are
        looked up (default: ``refs``).
    :param on_warning: called with (key, message) for what BibTeX would only warn about (an
        undefined ``@string``, a name with a trailing comma, a dropped character).
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
    pieces = render_file(exporter, refs, strings, options, on_skip, library_refs, on_warning, {})
    return joined(pieces)


@dataclass(frozen=True)
class EntryReport:
    """Where one entry's fields went in one format (``dlbib export --report``)."""

    key: str
    format: str
    where: dict[str, str]
    """Library field → the format's field, or its free-text slot (``N1``, ``note``, ``extra``)."""
    warnings: list[str]


def field_report(
    refs: Iterable[Reference],
    format: str,
    *,
    strings: Mapping[str, str] | None = None,
    library_refs: Iterable[Reference] | None = None,
) -> list[EntryReport]:
    """Per entry, where each of its fields goes in ``format`` (same rules as the export)."""
    exporter = EXPORTERS[format]
    options = ExportOptions(Path("."), Path("."), "relative")
    reports = []
    for ref in with_parents(refs, library_refs, exporter.keeps_crossref):
        record = build_record(ref, strings or {})
        if exporter.place is not None:
            where = exporter.place(record, options)
        else:
            where = bibtex.placement(record, format)
        reports.append(EntryReport(ref.key, format, where, list(record.warnings)))
    return reports


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
    on_warning: Callable[[str, str], None] | None = None,
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
    from dlbib.library.cache import load_cached

    if output is not None and is_kept_file(output, library_path):
        raise ExportError(
            f"{output}: refusing to overwrite the library or its sync state with an export"
        )
    return export_loaded_library(
        load_cached(library_path),
        formats,
        exports_root=exports_root,
        output=output,
        keys=keys,
        attachments=attachments,
        to_stdout=to_stdout,
        on_warning=on_warning,
    )


def export_loaded_library(
    library: Library,
    formats: Iterable[str],
    *,
    exports_root: Path,
    output: Path | None = None,
    keys: Iterable[str] = (),
    attachments: AttachmentMode = "relative",
    to_stdout: bool = False,
    on_warning: Callable[[str, str], None] | None = None,
) -> tuple[list[ExportedFile], list[ExportError]]:
    """:func:`export_library` on a library already in memory (``dlbib update``'s one load).

    Each entry's record is built once and shared by every format (an entry a format resolves
    through its ``crossref`` parent is a new entry, built for that format).

    :raises ExportError: for an unknown format or attachment mode.
    :raises ReferenceNotFoundError: for an unknown key.
    """
    wanted = list(keys)
    every = _entries(library)
    refs = [library.get(key) for key in wanted] if wanted else every.references
    skipped: list[ExportError] = []
    files: list[ExportedFile] = []
    memo: Memo = {}
    for name in formats:
        exporter = EXPORTERS.get(name)
        if exporter is None or attachments not in ATTACHMENT_MODES:  # the checks and their errors
            export_references([], name, attachments=attachments)
        assert exporter is not None
        target = None if to_stdout else (output or exports_root / exporter.filename)
        pieces = _export_format(
            every, name, refs, target, attachments, skipped, memo, on_warning, whole=not wanted
        )
        files.append(ExportedFile(name, target, joined(pieces)))
    return files, skipped


class _Entries(NamedTuple):
    """A library's entries and ``@string`` values, listed once for every format of a run."""

    path: Path
    references: list[Reference]
    strings: dict[str, str]


def _entries(library: Library) -> _Entries:
    return _Entries(library.path, library.references, library.strings)


def _export_format(
    library: _Entries,
    name: str,
    refs: Iterable[Reference],
    target: Path | None,
    attachments: AttachmentMode,
    skipped: list[ExportError],
    memo: Memo,
    on_warning: Callable[[str, str], None] | None,
    *,
    whole: bool,
) -> list[Piece]:
    """One format's text, in pieces, for :func:`export_loaded_library` (``whole``: every
    entry of the library, through the per-entry results of the last such export)."""
    exporter = EXPORTERS[name]
    base = Path.cwd() if target is None else target.parent
    options = ExportOptions(base, library.path.parent, attachments)
    table = results_table(library.path, library.strings, exporter, options) if whole else None
    pieces = render_file(
        exporter, refs, library.strings, options, skipped.append, library.references,
        on_warning, memo, table,
    )  # fmt: skip
    if table is not None:
        _log.debug("%s: %s: %d entries as the last export made them", library.path, name,
                   table.hits)  # fmt: skip
        table.save()
    return pieces


def write_exports(files: Iterable[ExportedFile]) -> None:
    """Write the exports with a path as one set: all new files, or (on an error) all old ones.

    Each file is written completely beside its target first; then all are renamed into place
    together (:func:`~dlbib.library.files.write_together`), so a failure — a full disk, an
    unwritable ``exports/`` — never leaves two new and two old files.

    :raises ExportError: when a file cannot be written (every export is then as it was).
    """
    write_set((f.path, f.text.encode("utf-8")) for f in files if f.path is not None)


@dataclass(frozen=True)
class WrittenExport:
    """One file :func:`export_to_files` wrote."""

    format: str
    path: Path


def export_to_files(
    library: Library, formats: Iterable[str], *, exports_root: Path
) -> tuple[list[WrittenExport], list[ExportError]]:
    """:func:`export_loaded_library` and :func:`write_exports` in one (``dlbib update``): each
    format is made and written beside its target before the next is made, so only one file's
    text is in memory at a time; then all are renamed into place together, as by
    :func:`write_exports`.

    :returns: the files written, and the entries each format had to leave out (with why).
    :raises ExportError: for an unknown format (before anything is written), or when a file
        cannot be written (every export is then as it was).
    """
    formats = list(formats)
    for name in formats:
        if name not in EXPORTERS:
            export_references([], name)  # its error names the format and the known ones
    written: list[WrittenExport] = []
    skipped: list[ExportError] = []
    memo: Memo = {}

    every = _entries(library)

    def made() -> Iterator[tuple[Path, Iterator[bytes]]]:
        for name in formats:
            target = exports_root / EXPORTERS[name].filename
            exported = _export_format(
                every, name, every.references, target, "relative", skipped, memo, None,
                whole=True,
            )  # fmt: skip
            written.append(WrittenExport(name, target))
            yield target, encoded(exported)  # written piece by piece, never joined
            del exported

    write_set(made())
    return written, skipped
