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

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from dlbib.errors import ExportError
from dlbib.exports import bibtex, csl_json, ris, zotero_file, zotero_rdf
from dlbib.exports._options import ATTACHMENT_MODES, AttachmentMode, ExportOptions
from dlbib.exports._record import Record, build_record
from dlbib.exports.inherit import resolve
from dlbib.library.files import atomic_write, write_together
from dlbib.library.model import Reference

if TYPE_CHECKING:
    from dlbib.library.bibfile import Library

__all__ = [
    "ATTACHMENT_MODES",
    "EXPORTERS",
    "AttachmentMode",
    "EntryReport",
    "ExportOptions",
    "ExportedFile",
    "Exporter",
    "export_library",
    "export_loaded_library",
    "export_references",
    "field_report",
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
    place: Callable[[Record, ExportOptions], dict[str, str]] | None = None
    """One record → where each of its fields went (None: every field kept under its name)."""
    keeps_crossref: bool = False
    """A .bib flavour: ``crossref`` stays, and the parents are added to the file."""


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
    return _render(exporter, refs, strings, options, on_skip, library_refs, on_warning, {})


_Memo = dict[int, tuple[Reference, "Record | ExportError"]]
"""id(entry) → (the entry, its record or why it has none): one build per entry for every format
of a run (the entry is kept, so its id cannot be reused by another object meanwhile)."""


def _record(ref: Reference, strings: Mapping[str, str], memo: _Memo) -> Record:
    hit = memo.get(id(ref))
    if hit is None or hit[0] is not ref:
        try:
            hit = (ref, build_record(ref, strings))
        except ExportError as exc:
            hit = (ref, exc)
        memo[id(ref)] = hit
    if isinstance(hit[1], ExportError):
        raise hit[1]
    return hit[1]


def _render(
    exporter: Exporter,
    refs: Iterable[Reference],
    strings: Mapping[str, str] | None,
    options: ExportOptions,
    on_skip: Callable[[ExportError], None] | None,
    library_refs: Iterable[Reference] | None,
    on_warning: Callable[[str, str], None] | None,
    memo: _Memo,
) -> str:
    format = exporter.name
    entries: list[str] = []
    for ref in _with_parents(refs, library_refs, exporter.keeps_crossref):
        try:
            record = _record(ref, strings or {}, memo)
            entries.append(exporter.render(record, options))
        except ExportError as exc:
            if on_skip is None:
                raise
            on_skip(exc if exc.format else ExportError(_reason(exc), exc.key, format))
            continue
        if on_warning is not None:
            for message in record.warnings:
                on_warning(ref.key, message)
    return exporter.assemble(entries)


def _with_parents(
    refs: Iterable[Reference], library_refs: Iterable[Reference] | None, keep: bool
) -> list[Reference]:
    """``refs`` with crossref/xdata resolved (``keep``: unresolved, missing parents appended)."""
    wanted = list(refs)
    if not any("crossref" in r.fields or "xdata" in r.fields for r in wanted):
        return wanted
    pool = wanted if library_refs is None else list(library_refs)
    by_key: dict[str, Reference] = {}
    for ref in pool:
        by_key.setdefault(ref.key.lower(), ref)  # BibTeX uses the first of repeated keys
    if not keep:
        return [resolve(ref, by_key) for ref in wanted]
    have = {ref.key.lower() for ref in wanted}
    extra: list[Reference] = []
    queue = list(wanted)
    while queue:
        ref = queue.pop(0)
        for name in ("crossref", "xdata"):
            raw = ref.fields.get(name, "").strip().strip('{}"')
            for key in (k.strip().lower() for k in raw.split(",") if k.strip()):
                parent = by_key.get(key)
                if parent is not None and key not in have:
                    have.add(key)
                    extra.append(parent)
                    queue.append(parent)
    return wanted + extra


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
    for ref in _with_parents(refs, library_refs, exporter.keeps_crossref):
        record = build_record(ref, strings or {})
        if exporter.place is not None:
            where = exporter.place(record, options)
        else:
            where = bibtex.placement(record, format)
        reports.append(EntryReport(ref.key, format, where, list(record.warnings)))
    return reports


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

    if output is not None and _is_kept_file(output, library_path):
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
    refs = [library.get(key) for key in wanted] if wanted else library.references
    skipped: list[ExportError] = []
    files: list[ExportedFile] = []
    memo: _Memo = {}
    for name in formats:
        exporter = EXPORTERS.get(name)
        if exporter is None or attachments not in ATTACHMENT_MODES:  # the checks and their errors
            export_references([], name, attachments=attachments)
        assert exporter is not None
        target = None if to_stdout else (output or exports_root / exporter.filename)
        base = Path.cwd() if target is None else target.parent
        options = ExportOptions(base, library.path.parent, attachments)
        text = _render(
            exporter, refs, library.strings, options, skipped.append, library.references,
            on_warning, memo,
        )  # fmt: skip
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
