"""``dlbib check``: find problems in a library without changing it.

Checks parse failures, repeated keys (all at once, with which one BibTeX uses), two entries for
one work (entries linked by ``related``/``ids``/``crossref``/``@set`` are not), required fields
per entry type (with what a ``crossref``/``xdata`` parent supplies), values BibTeX would refuse,
undefined ``@string`` macros, malformed DOIs and arXiv ids, LaTeX-escaped ``_`` in URLs/DOIs,
``file`` paths that do not exist (JabRef, Mendeley and Zotero forms, JabRef's ``fileDirectory``),
NUL and other control characters (they would go into every export), ``@string`` macros that
refer to themselves through others (an export would loop), (with :func:`pdf_files_check`)
downloaded PDFs that are missing or altered, and (with :func:`published_versions_check`) entries
cited as preprints whose published version sync confirmed. Things BibTeX accepts silently — a
repeated ``@string``, a stray ``}`` — and known published versions are *notes*, which do not
fail a check.
It reads files; it never writes and never touches the network.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from dlbib.errors import LibraryEncodingError, LibraryError
from dlbib.library.attachments import attachment_paths, file_bases, is_url, resolve_attachment
from dlbib.library.bibfile import Library, RawBlock
from dlbib.library.cache import load_cached
from dlbib.library.keys import family_name
from dlbib.library.layout import scan_value
from dlbib.library.model import (
    ArxivId,
    Reference,
    is_valid_doi,
    normalize_doi,
    split_concatenation,
)
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
    """A stable identifier: ``parse``, ``syntax``, ``duplicate-key``, ``duplicate-field``,
    ``duplicate-work``, ``missing-field``, ``bad-crossref``, ``undefined-string``, ``bad-doi``,
    ``bad-arxiv-id``, ``escaped-underscore``, ``missing-file``, ``altered-file``,
    ``control-char``, ``string-cycle``; notes: ``repeated-string``, ``stray-text``, ``no-key``,
    ``published-version`` (and ``unread-entry``, an error: an entry BibTeX reads that
    bibtexparser cannot, ``@ misc{``)."""
    message: str
    key: str | None = None
    line: int = 0
    severity: str = "error"
    """``error`` (BibTeX warns or fails; ``dlbib check`` exits 1) or ``note`` (BibTeX accepts
    it silently; reported, not failed)."""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)

    def format(self, path: Path) -> str:
        """``library.bib:12: key: message``."""
        where = f"{path}:{self.line}" if self.line else str(path)
        if self.severity == "note":
            where += ": note"
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


Check = Callable[[Library], Iterable[Finding]]


NOTE_CODES: Final = frozenset({"repeated-string", "stray-text", "no-key", "published-version"})
"""Load notes for what BibTeX accepts without a word."""


def check_library(
    path: Path, extra: Iterable[Check] = (), *, include_notes: bool = False
) -> list[Finding]:
    """Load ``path`` and run every check; a file that does not parse yields its parse findings.

    :param extra: more checks to run (sync adds its PDF-hash check).
    :param include_notes: also return notes (what BibTeX accepts silently).
    :raises LibraryError: only when the file cannot be read at all (missing, wrong encoding).
    """
    try:
        library = load_cached(path)
    except LibraryEncodingError:
        raise  # unreadable as text: raised, not a finding
    except LibraryError as exc:
        if not exc.problems:
            raise
        return [Finding("parse", p.reason, line=p.line) for p in exc.problems]
    findings = lint_library(library, extra)
    return [f for f in findings if include_notes or f.severity != "note"]


def lint_library(library: Library, extra: Iterable[Check] = ()) -> list[Finding]:
    """Every finding for an already-loaded library (notes included), sorted by line."""
    findings: list[Finding] = [
        Finding(n.code, n.message, n.key, n.line, "note" if n.code in NOTE_CODES else "error")
        for n in library.notes
    ]
    checks = (_duplicate_works, _entry_checks, _missing_files, _control_chars, _string_cycles)
    for check in (*checks, *extra):
        findings.extend(check(library))
    return sorted(findings, key=lambda f: (f.line, f.code, f.key or ""))


LINK_FIELDS: Final = ("crossref", "xdata", "related", "ids", "entryset", "xref", "set")
"""Fields naming other entries: entries linked through them are not duplicates of each other."""
MONTHS: Final = frozenset(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
)
STYLE_MACROS: Final = MONTHS | frozenset(
    [
        "acmcs",
        "acta",
        "cacm",
        "ibmjrd",
        "ibmsj",
        "ieeese",
        "ieeetc",
        "ieeetcad",
        "ipl",
        "jacm",
        "jcss",
        "scp",
        "sicomp",
        "tcs",
        "tocs",
        "tods",
        "tog",
        "toms",
        "toois",
        "toplas",
    ]
)
"""Macros BibTeX's standard styles (and biber) define, so a .bib may use them undefined."""
_FIELD_NAME_RE: Final = re.compile(r"[^\s\"#%'(),={}0-9][^\s\"#%'(),={}]*")
_INHERITED_TITLE: Final = {"booktitle": ("title", "booktitle"), "maintitle": ("title",)}


def _links(ref: Reference) -> set[str]:
    keys: set[str] = set()
    for name in LINK_FIELDS:
        value = ref.get(name)
        if value:
            keys.update(k.strip().lower() for k in value.split(",") if k.strip())
    return keys


def _link_groups(refs: list[Reference]) -> dict[str, str]:
    """Each key → a representative of the entries linked to it, directly or through others
    (``related``, ``crossref``, ``ids``, ``@set`` members…): one group per linked family."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for ref in refs:
        for other in _links(ref):
            parent[root(other)] = root(ref.key.lower())
    return {ref.key.lower(): root(ref.key.lower()) for ref in refs}


def _duplicate_works(library: Library) -> Iterator[Finding]:
    seen: dict[tuple[str, str], Reference] = {}
    group = _link_groups(library.references)
    for ref in library.references:
        if ref.entry_type == "set" or not ref.key.strip() or "related" in ref.fields:
            continue  # a set, or an entry that records its relation to another edition
        for ident in _identities(ref):
            first = seen.setdefault(ident, ref)
            if first is ref or first.key.lower() == ref.key.lower():
                continue  # the same entry, or a repeated key (reported as duplicate-key)
            if group[ref.key.lower()] == group[first.key.lower()]:
                continue  # related, an alias, a crossref family or members of one set
            what = {"doi": "DOI", "arxiv": "arXiv id", "work": "title, first author and year"}
            yield Finding(
                "duplicate-work",
                f"same {what[ident[0]]} as {first.key!r} ({ident[1]})",
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
    strings = set(library.strings)
    by_key: dict[str, Reference] = {}
    for ref in library.references:
        by_key.setdefault(ref.key.lower(), ref)  # BibTeX uses the first of a repeated key
    for ref in library.references:
        line = library.lines.get(ref.key, 0)
        for message, code in _problems(ref, _ancestors(ref, by_key), strings):
            yield Finding(code, message, ref.key, line)


def _ancestors(ref: Reference, by_key: dict[str, Reference]) -> list[Reference | str]:
    """The entries ``ref`` inherits from (crossref, xdata; transitively), or the key of a missing
    one (as a str)."""
    out: list[Reference | str] = []
    todo, seen = [ref], {ref.key.lower()}
    while todo:
        current = todo.pop(0)
        for name in ("crossref", "xdata"):
            value = current.get(name)
            for key in (k.strip() for k in (value or "").split(",") if k.strip()):
                if key.lower() in seen:
                    continue
                seen.add(key.lower())
                parent = by_key.get(key.lower())
                out.append(parent if parent is not None else key)
                if parent is not None:
                    todo.append(parent)
    return out


def _present(raw: str | None) -> bool:
    return bool(raw and raw.strip('{}" \t\n'))


def _supplied(name: str, ref: Reference, parents: list[Reference]) -> bool:
    if _present(ref.fields.get(name)):
        return True
    inherited = _INHERITED_TITLE.get(name, (name,))
    return any(_present(p.fields.get(n)) for p in parents for n in (name, *inherited))


def is_valid_value(raw: str) -> bool:
    """True when BibTeX accepts ``raw`` as a field value: ``{…}`` (balanced), ``"…"`` (braces
    balanced inside, so ``"M{\\"a}ller"`` is fine), a number or macro name, or such pieces
    joined by ``#``. Catches a missing comma (``{x} year = 2000``)."""
    text = raw.strip()
    return bool(text) and scan_value(text, 0) == len(text)


def _macros(raw: str) -> Iterator[str]:
    for piece in split_concatenation(raw):
        if piece and piece[0] not in '{"' and not piece.isdigit():
            yield piece


def _field_problems(ref: Reference, strings: set[str]) -> Iterator[tuple[str, str]]:
    """Field names and values BibTeX would refuse, and @string macros defined nowhere."""
    for name, raw in ref.fields.items():
        if not _FIELD_NAME_RE.fullmatch(name):
            message = f"field name {name!r} is not valid BibTeX (a % comment inside an entry?)"
            yield (message, "syntax")
            continue
        if not is_valid_value(raw):
            yield (f"field {name} is not a valid BibTeX value (a missing comma?): {raw}", "syntax")
            continue
        for macro in _macros(raw):
            if macro.lower() not in strings and macro.lower() not in STYLE_MACROS:
                yield (
                    f"field {name} uses @string {macro}, which is not defined",
                    "undefined-string",
                )


def _problems(
    ref: Reference, ancestors: list[Reference | str], strings: set[str]
) -> Iterator[tuple[str, str]]:
    yield from _field_problems(ref, strings)
    for missing in (a for a in ancestors if isinstance(a, str)):
        message = f"crossref/xdata names {missing!r}, which is not in the library"
        yield (message, "bad-crossref")
    parents = [a for a in ancestors if isinstance(a, Reference)]
    for alternatives in REQUIRED_FIELDS.get(ref.entry_type, ()):
        if not any(_supplied(name, ref, parents) for name in alternatives):
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
    comments = [b.text for b in library.blocks if isinstance(b, RawBlock)]
    bases = file_bases(library.path.parent, comments)
    for ref in library.references:
        value = ref.get("file")
        for path in attachment_paths(value) if value else []:
            if is_url(path) or resolve_attachment(path, bases) is not None:
                continue
            yield Finding(
                "missing-file",
                f"file {path!r} does not exist",
                ref.key,
                library.lines.get(ref.key, 0),
            )


_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _control_chars(library: Library) -> Iterator[Finding]:
    """NUL and other C0 control characters (tab and line breaks are fine) in keys and values."""
    for ref in library.references:
        line = library.lines.get(ref.key, 0)
        for name, raw in (("key", ref.key), *ref.fields.items()):
            found = _CONTROL.search(raw)
            if found:
                char = found.group()
                label = "NUL" if char == "\0" else f"U+{ord(char):04X}"
                yield Finding(
                    "control-char",
                    f"{'the key' if name == 'key' else f'field {name}'} contains a control"
                    f" character ({label}); remove it (it would go into every export)",
                    ref.key,
                    line,
                )
    for block in library.blocks:
        if isinstance(block, RawBlock) and _CONTROL.search(block.text):
            where = f"@string {block.name}" if block.kind == "string" else f"a {block.kind} block"
            yield Finding("control-char", f"{where} contains a control character; remove it")


def _macro_refs(expression: str) -> set[str]:
    """The macro names a value expression uses: bare words outside braces and quotes."""
    outside: list[str] = []
    depth, quoted = 0, False
    for char in expression:
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1)
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif depth == 0 and not quoted:
            outside.append(char)
            continue
        outside.append(" ")
    return {m.lower() for m in re.findall(r"[A-Za-z_][\w\-:.+/']*", "".join(outside))}


def _string_cycles(library: Library) -> Iterator[Finding]:
    """``@string`` macros that refer back to themselves (``a = b``, ``b = a``)."""
    graph = {name: _macro_refs(text) for name, text in library.strings.items()}
    reported: set[frozenset[str]] = set()
    for start in graph:
        path = _cycle_from(start, graph)
        if path and frozenset(path) not in reported:
            reported.add(frozenset(path))
            loop = " → ".join([*path, path[0]])
            yield Finding("string-cycle", f"@string macros refer to each other in a loop: {loop}")


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str]:
    """A cycle through ``start`` (its names in order), or ``[]``; iterative, no recursion."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        name, path = stack.pop()
        for used in sorted(graph.get(name, ())):
            if used == start:
                return path
            if used in graph and used not in seen:
                seen.add(used)
                stack.append((used, [*path, used]))
    return []


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


def published_versions_check(state: SyncState) -> Check:
    """A check for :func:`check_library`'s ``extra``: entries that read as preprints although
    sync confirmed their published version (``published-version``; the sidecar's record)."""

    def check(library: Library) -> Iterator[Finding]:
        from dlbib.library.published import known_publication

        for ref in library.references:
            known = known_publication(state, ref)
            if known is not None:
                line = library.lines.get(ref.key, 0)
                yield Finding("published-version", known.message(), ref.key, line, "note")

    return check
