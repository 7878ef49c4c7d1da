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
It reads files and never touches the network; it writes nothing but its per-entry table in the
user's cache folder (:mod:`dlbib.entry_checks`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from dlbib.entry_checks import (
    CONTROL,
    REQUIRED_FIELDS,
    EntryFacts,
    entry_facts,
    is_valid_value,
    problems,
)
from dlbib.errors import LibraryEncodingError, LibraryError
from dlbib.library.attachments import attachment_paths, file_bases, is_url, resolve_attachment
from dlbib.library.bibfile import Library, RawBlock
from dlbib.library.cache import load_cached
from dlbib.library.model import Reference
from dlbib.library.parse import gc_paused
from dlbib.library.state import SyncState


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


__all__ = ["REQUIRED_FIELDS", "Finding", "check_library", "is_valid_value", "lint_library"]

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
    """Every finding for an already-loaded library (notes included), sorted by line.

    What each entry holds on its own is worked out once per entry content and kept between runs
    (:mod:`dlbib.entry_checks`); duplicates, parents and files are looked at every run.
    """
    findings: list[Finding] = [
        Finding(n.code, n.message, n.key, n.line, "note" if n.code in NOTE_CODES else "error")
        for n in library.notes
    ]
    # Tens of thousands of small tuples made, no reference cycles among them, and all gone when
    # _findings returns: the cyclic GC would only rescan the loaded library.
    with gc_paused():
        findings.extend(_findings(library, extra))
    return sorted(findings, key=lambda f: (f.line, f.code, f.key or ""))


def _findings(library: Library, extra: Iterable[Check]) -> list[Finding]:
    refs = library.references
    facts = entry_facts(library, refs)
    findings = [
        *_duplicate_works(library, refs, facts),
        *_entry_checks(library, refs, facts),
        *_missing_files(library, refs),
        *_control_chars(library, refs, facts),
        *_string_cycles(library),
    ]
    for check in extra:
        findings.extend(check(library))
    return findings


def _link_groups(refs: list[Reference], facts: list[EntryFacts]) -> Callable[[str], str]:
    """A function from each key (lower-case) to a representative of the entries linked to it,
    directly or through others (``related``, ``crossref``, ``ids``, ``@set`` members…): one
    per linked family."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for ref, fact in zip(refs, facts, strict=True):
        for other in fact.links:
            parent[root(other)] = root(ref.key.lower())
    return root  # asked only for the keys of two entries sharing an identity


_WHAT: Final = {"doi": "DOI", "arxiv": "arXiv id", "work": "title, first author and year"}


def _duplicate_works(
    library: Library, refs: list[Reference], facts: list[EntryFacts]
) -> Iterator[Finding]:
    seen: dict[tuple[str, str], Reference] = {}
    group: Callable[[str], str] | None = None  # worked out at the first shared identity
    for ref, fact in zip(refs, facts, strict=True):
        idents = fact.identities
        if not idents or ref.entry_type == "set" or not ref.key.strip() or "related" in ref.fields:
            continue  # none; a set, or an entry that records its relation to another edition
        for ident in idents:
            first = seen.setdefault(ident, ref)
            if first is ref or first.key.lower() == ref.key.lower():
                continue  # the same entry, or a repeated key (reported as duplicate-key)
            group = _link_groups(refs, facts) if group is None else group
            if group(ref.key.lower()) == group(first.key.lower()):
                continue  # related, an alias, a crossref family or members of one set
            yield Finding(
                "duplicate-work",
                f"same {_WHAT[ident[0]]} as {first.key!r} ({ident[1]})",
                ref.key,
                library.lines.get(ref.key, 0),
            )
            break


def _entry_checks(
    library: Library, refs: list[Reference], facts: list[EntryFacts]
) -> Iterator[Finding]:
    by_key: dict[str, Reference] | None = None  # for the few entries with a parent
    strings: set[str] = set()
    for ref, fact in zip(refs, facts, strict=True):
        found = fact.problems
        if found == ():
            continue  # most entries
        if found is None:
            if by_key is None:
                strings, by_key = set(library.strings), {}
                for other in refs:  # BibTeX uses the first of a repeated key
                    by_key.setdefault(other.key.lower(), other)
            found = tuple(problems(ref, _ancestors(ref, by_key), strings))
        line = library.lines.get(ref.key, 0)
        for message, code in found:
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


def _missing_files(library: Library, refs: list[Reference]) -> Iterator[Finding]:
    with_files = [ref for ref in refs if "file" in ref.fields]
    if not with_files:
        return  # no file field: no folder to look in (JabRef's fileDirectory) worked out
    comments = [b.text for b in library.blocks if isinstance(b, RawBlock)]
    bases = file_bases(library.path.parent, comments)
    for ref in with_files:
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


def _control_chars(
    library: Library, refs: list[Reference], facts: list[EntryFacts]
) -> Iterator[Finding]:
    """NUL and other C0 control characters (tab and line breaks are fine) in keys and values."""
    for ref, fact in zip(refs, facts, strict=True):
        if fact.control:
            line = library.lines.get(ref.key, 0)
            for message in fact.control:
                yield Finding("control-char", message, ref.key, line)
    for block in library.blocks:
        if isinstance(block, RawBlock) and CONTROL.search(block.text):
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
        root = library.path.parent
        entries = state.entries
        for ref in library.references if entries else ():  # an empty sidecar: none looked at
            record = state.get(ref.key, "pdf") if ref.key in entries else None
            if not record:
                continue
            # here, at the first record: the fetcher's module brings the HTTP stack with it
            from dlbib.pdfs.fetch import looks_like_pdf, sha256_file
            from dlbib.pdfs.paths import recorded_file

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
