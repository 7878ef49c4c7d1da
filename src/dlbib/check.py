"""``dlbib check``: find problems in a library without changing it.

Checks parse failures, duplicate keys, two entries for one work, required fields per entry
type, malformed DOIs and arXiv ids, LaTeX-escaped ``_`` in URLs/DOIs, and ``file`` paths that
do not exist, and (with :func:`pdf_files_check`) downloaded PDFs that are missing or altered.
It reads files; it never writes and never touches the network.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from dlbib.errors import DuplicateKeyError, LibraryError
from dlbib.library.bibfile import Library
from dlbib.library.cache import load_cached
from dlbib.library.keys import family_name
from dlbib.library.model import ArxivId, Reference, is_valid_doi, is_valid_value, normalize_doi
from dlbib.library.state import SyncState
from dlbib.library.text import normalize_title

REQUIRED_FIELDS: Final[dict[str, tuple[tuple[str, ...], ...]]] = {
    # Each inner tuple is one requirement; any field in it satisfies it (BibTeX's "author or
    # editor"). From btxdoc's entry type table; biblatex's @online needs a url.
    "article": (("author",), ("title",), ("journal", "journaltitle"), ("year", "date")),
    "book": (("author", "editor"), ("title",), ("publisher",), ("year", "date")),
    "incollection": (("author",), ("title",), ("booktitle",), ("publisher",), ("year", "date")),
    "inproceedings": (("author",), ("title",), ("booktitle",), ("year", "date")),
    "conference": (("author",), ("title",), ("booktitle",), ("year", "date")),
    "inbook": (("author", "editor"), ("title",), ("chapter", "pages"), ("publisher",),
               ("year", "date")),
    "phdthesis": (("author",), ("title",), ("school", "institution"), ("year", "date")),
    "mastersthesis": (("author",), ("title",), ("school", "institution"), ("year", "date")),
    "techreport": (("author",), ("title",), ("institution",), ("year", "date")),
    "manual": (("title",),),
    "unpublished": (("author",), ("title",), ("note",)),
    "online": (("title",), ("url", "doi", "eprint")),
    "misc": (("title",),),
}  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One problem ``dlbib check`` reports."""

    code: str
    """A stable identifier: ``parse``, ``syntax``, ``duplicate-key``, ``duplicate-work``,
    ``missing-field``, ``bad-doi``, ``bad-arxiv-id``, ``escaped-underscore``, ``missing-file``,
    ``altered-file``."""
    message: str
    key: str | None = None
    line: int = 0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    def format(self, path: Path) -> str:
        """``library.bib:12: key: message``."""
        where = f"{path}:{self.line}" if self.line else str(path)
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


Check = Callable[[Library], Iterable[Finding]]


def check_library(path: Path, extra: Iterable[Check] = ()) -> list[Finding]:
    """Load ``path`` and run every check; a file that does not parse yields its parse findings.

    :param extra: more checks to run (sync adds its PDF-hash check).
    :raises LibraryError: only when the file cannot be read at all (missing, not UTF-8).
    """
    try:
        library = load_cached(path)
    except DuplicateKeyError as exc:
        return [Finding("duplicate-key", exc.message, exc.key)]
    except LibraryError as exc:
        if not exc.problems or exc.message == "is not UTF-8":
            raise
        return [Finding("parse", p.reason, line=p.line) for p in exc.problems]
    return lint_library(library, extra)


def lint_library(library: Library, extra: Iterable[Check] = ()) -> list[Finding]:
    """Every finding for an already-loaded library, sorted by line."""
    findings: list[Finding] = []
    for check in (_duplicate_works, _entry_checks, _missing_files, *extra):
        findings.extend(check(library))
    return sorted(findings, key=lambda f: (f.line, f.code, f.key or ""))


def _duplicate_works(library: Library) -> Iterator[Finding]:
    seen: dict[tuple[str, str], str] = {}
    for ref in library.references:
        for ident in _identities(ref):
            first = seen.setdefault(ident, ref.key)
            if first != ref.key:
                what = {"doi": "DOI", "arxiv": "arXiv id", "work": "title, first author and year"}
                yield Finding(
                    "duplicate-work",
                    f"same {what[ident[0]]} as {first!r} ({ident[1]})",
                    ref.key,
                    library.lines.get(ref.key, 0),
                )
                break


def _identities(ref: Reference) -> Iterator[tuple[str, str]]:
    doi = ref.doi
    arxiv = ref.arxiv_id
    if doi and not doi.lower().startswith("10.48550/arxiv."):
        yield ("doi", doi.lower())
    if arxiv:
        yield ("arxiv", arxiv.id)
    title, year = ref.title, ref.year
    authors = ref.authors if title and year else []
    if title and authors:
        first = normalize_title(family_name(authors[0]))
        yield ("work", f"{normalize_title(title)} / {first} / {year}")


def _entry_checks(library: Library) -> Iterator[Finding]:
    for ref in library.references:
        line = library.lines.get(ref.key, 0)
        for message, code in _problems(ref):
            yield Finding(code, message, ref.key, line)


def _present(raw: str | None) -> bool:
    return bool(raw and raw.strip('{}" \t\n'))


def _problems(ref: Reference) -> Iterator[tuple[str, str]]:
    for name, raw in ref.fields.items():
        if not is_valid_value(raw):
            yield (f"field {name} is not a valid BibTeX value (a missing comma?): {raw}", "syntax")
    fields = ref.fields
    for alternatives in REQUIRED_FIELDS.get(ref.entry_type, ()):
        # the raw value is enough to see presence; only a near-empty one needs unbracing
        if not any(_present(fields.get(name)) for name in alternatives):
            yield (f"@{ref.entry_type} needs {' or '.join(alternatives)}", "missing-field")
    raw_doi = ref.get("doi")
    if raw_doi and not is_valid_doi(normalize_doi(raw_doi).replace("\\_", "_")):
        yield (f"malformed DOI {raw_doi!r} (expected a bare 10.xxxx/… DOI)", "bad-doi")
    eprint = ref.get("eprint")
    prefix = (ref.get("archiveprefix") or ref.get("eprinttype") or "").lower()
    if eprint and prefix in ("arxiv", "") and ArxivId.find(eprint) is None:
        yield (f"malformed arXiv id {eprint!r} in eprint", "bad-arxiv-id")
    for name in ("url", "doi", "pdfurl"):
        value = ref.get(name)
        if value and "\\_" in value:
            yield (
                f"{name} has a LaTeX-escaped underscore (\\_); write it raw",
                "escaped-underscore",
            )


def _missing_files(library: Library) -> Iterator[Finding]:
    root = library.path.parent
    for ref in library.references:
        for record in ref.files:
            if record.path.startswith(("http://", "https://")):
                continue
            if not (root / record.path).is_file():
                yield Finding(
                    "missing-file",
                    f"file {record.path!r} does not exist",
                    ref.key,
                    library.lines.get(ref.key, 0),
                )


def pdf_files_check(state: SyncState) -> Check:
    """A check for :func:`check_library`'s ``extra``: PDFs the sync sidecar records are present
    and unchanged (same size and SHA-256 as when downloaded).

    A recorded file that is missing is reported as ``missing-file`` (unless the entry's ``file``
    field already names it, which the built-in check reports); a changed one as ``altered-file``.
    """

    def check(library: Library) -> Iterator[Finding]:
        from dlbib.pdfs.fetch import looks_like_pdf, sha256_file
        from dlbib.pdfs.paths import recorded_file

        root = library.path.parent
        for ref in library.references:
            record = state.get(ref.key, "pdf")
            if not record:
                continue
            rel = record.get("path")
            line = library.lines.get(ref.key, 0)
            path = recorded_file(root, rel, root)
            if path is None or not isinstance(rel, str):
                message = f"the sync record's PDF path {rel!r} leaves the library's folder; ignored"
                yield Finding("bad-record", message, ref.key, line)
                continue
            try:
                size = path.stat().st_size
                digest = sha256_file(path) if size == record.get("size") else ""
            except OSError:
                if rel not in {r.path for r in ref.files}:
                    yield Finding(
                        "missing-file", f"recorded PDF {rel!r} does not exist", ref.key, line
                    )
                continue
            if digest != record.get("sha256"):
                if looks_like_pdf(path):
                    message = (
                        f"PDF {rel!r} changed since it was downloaded (SHA-256 differs from "
                        "the sync record); delete it and run `dlbib sync` to fetch it again"
                    )
                else:
                    message = f"PDF {rel!r} is damaged (not a complete PDF); run `dlbib sync`"
                yield Finding("altered-file", message, ref.key, line)

    return check
