"""Export library entries as RIS, CSL-JSON, BibTeX or BibLaTeX text (FORMATS.md).

:data:`EXPORTERS` maps each format name to its :class:`Exporter`; :func:`export_references` is
the one call a user needs. Output is deterministic: entries in library order, fixed field order,
no timestamps. An entry a format cannot represent raises :class:`~dlbib.errors.ExportError`, or,
with ``on_skip``, is reported there and left out. Writes no files (the CLI does, atomically).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from dlbib.errors import ExportError
from dlbib.exports import bibtex, csl_json, ris
from dlbib.exports._options import ATTACHMENT_MODES, AttachmentMode, ExportOptions
from dlbib.exports._record import Record, build_record
from dlbib.library.files import atomic_write
from dlbib.library.model import Reference

if TYPE_CHECKING:
    from dlbib.library.bibfile import Library

__all__ = [
    "ATTACHMENT_MODES",
    "EXPORTERS",
    "AttachmentMode",
    "ExportOptions",
    "ExportedFile",
    "Exporter",
    "export_library",
    "export_loaded_library",
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
    return _render(exporter, _records(refs, strings or {}), options, on_skip)


def _records(
    refs: Iterable[Reference], strings: Mapping[str, str]
) -> Iterator[Record | ExportError]:
    """Each entry's record, or why it has none (the same for every format)."""
    for ref in refs:
        try:
            yield build_record(ref, strings)
        except ExportError as exc:
            yield exc


def _render(
    exporter: Exporter,
    records: Iterable[Record | ExportError],
    options: ExportOptions,
    on_skip: Callable[[ExportError], None] | None,
) -> str:
    entries: list[str] = []
    for record in records:
        _render_one(exporter, record, options, entries, on_skip)
    return exporter.assemble(entries)


def _render_one(
    exporter: Exporter,
    record: Record | ExportError,
    options: ExportOptions,
    entries: list[str],
    on_skip: Callable[[ExportError], None] | None,
) -> None:
    """Append ``record``'s text to ``entries``, or report why the format leaves it out."""
    try:
        if isinstance(record, ExportError):
            raise record
        entries.append(exporter.render(record, options))
    except ExportError as exc:
        if on_skip is None:
            raise
        on_skip(exc if exc.format else ExportError(_reason(exc), exc.key, exporter.name))


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
) -> tuple[list[ExportedFile], list[ExportError]]:
    """:func:`export_library` on a library already in memory (``dlbib update``'s one load).

    Each entry's record is built once and shared by every format.

    :raises ReferenceNotFoundError: for an unknown key.
    """
    wanted = list(keys)
    refs = [library.get(key) for key in wanted] if wanted else library.references
    jobs: list[tuple[str, Exporter, Path | None, ExportOptions, list[str], list[ExportError]]] = []
    for name in formats:
        exporter = EXPORTERS.get(name)
        if exporter is None or attachments not in ATTACHMENT_MODES:  # the checks and their errors
            export_references([], name, attachments=attachments)
        assert exporter is not None
        target = None if to_stdout else (output or exports_root / exporter.filename)
        base = Path.cwd() if target is None else target.parent
        options = ExportOptions(base, library.path.parent, attachments)
        jobs.append((name, exporter, target, options, [], []))
    # One pass: each record is built once and rendered in every format, then dropped (holding
    # every record for a second format would cost as much memory as the library).
    for record in _records(refs, library.strings):
        for _, exporter, _, options, entries, skips in jobs:
            _render_one(exporter, record, options, entries, skips.append)
    files: list[ExportedFile] = []
    for name, exporter, target, _, entries, _ in jobs:
        files.append(ExportedFile(name, target, exporter.assemble(entries)))
        entries.clear()  # the pieces go as soon as their file's text is whole
    return files, [skip for job in jobs for skip in job[5]]


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
    """Write each export with a path, atomically.

    :raises ExportError: when a file cannot be written.
    """
    for exported in files:
        if exported.path is not None:
            write_export(exported.text, exported.path)
