"""A document's own .bib: the library entries it cites, and a report of what is missing.

Takes the cited keys (:mod:`dlbib.citations`) and the library, selects the cited entries plus
their ``crossref``/``xdata`` parents and the ``@string`` macros they use, and copies them
*verbatim* — each block exactly as the library file has it, in the library's order and encoding,
so BibTeX or biber builds the same bibliography from it as from the library — or, when asked,
renders them in a flavour (``bibtex`` or ``biblatex``); it writes the file atomically. It also
says which cited keys the library lacks, with the closest keys as suggestions, and which entries
go uncited.
It does not parse LaTeX and never changes the library.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from dlbib.errors import CitationError
from dlbib.latex.citations import Citation, CitedKeys, check_key
from dlbib.library.bibfile import Block, Library, RawBlock, render_block
from dlbib.library.files import atomic_write
from dlbib.library.model import Reference, split_concatenation
from dlbib.library.published import KnownPublication

FLAVOURS: Final = ("verbatim", "bibtex", "biblatex")
"""What ``dlbib cite --format`` writes: the library's own text (default), or a flavour."""
DLBIB_HEADER: Final = b"% dlbib "
"""How every .bib dlbib writes begins (the exporters' header comment)."""


@dataclass(frozen=True)
class Missing:
    """A cited key the library does not have."""

    citation: Citation
    suggestions: tuple[str, ...]
    """Library keys that look like what was meant, best first."""


@dataclass(frozen=True)
class DocumentBib:
    """What ``dlbib cite`` makes of a document: the .bib text and the report."""

    cited: CitedKeys
    flavour: str
    references: tuple[Reference, ...]
    """The entries written, in file order (verbatim: the library's order; a flavour: cited ones
    in citation order, crossref/xdata-linked ones, children before parents, last)."""
    text: str
    """The .bib file's content."""
    missing: tuple[Missing, ...]
    uncited: tuple[str, ...]
    """Library keys the document does not cite (nor pulls in as a parent), in library order."""
    encoding: str = "utf-8"
    """The codec the file is written in (the library's, for a verbatim copy)."""
    repeated: tuple[tuple[str, tuple[int, ...]], ...] = ()
    """Written keys the library has more than once, with the lines of every occurrence; the
    first occurrence is the one written (as BibTeX uses it)."""
    output: Path | None = None
    """Where the .bib was written (None when nothing was written)."""
    preprints: tuple[KnownPublication, ...] = ()
    """Cited entries that read as preprints although sync confirmed a published version."""


def cite_document(
    document: Path,
    library_path: Path,
    *,
    output: Path | None = None,
    flavour: str | None = None,
    write: bool = True,
) -> DocumentBib:
    """Read what ``document`` cites, build its .bib from the library and (``write``) write it.

    :param document: a ``.tex`` (read before any run), ``.aux`` or ``.bcf``.
    :param output: the .bib to write; default :func:`default_output`.
    :param flavour: ``verbatim`` (default: entries exactly as the library has them), ``bibtex``
        or ``biblatex``.
    :param write: False checks only (``--check``): nothing is written.

    The default output is never a hand-written file: an existing one is overwritten only when
    dlbib wrote it (its first line says so) or when ``output`` names it explicitly.
    :raises CitationError: the document cannot be read, or a key cannot be used (nothing written).
    :raises LibraryError: the library cannot be loaded.
    """
    from dlbib.latex.citations import extract_citations
    from dlbib.library.cache import load_cached

    cited = extract_citations(document)
    library = load_cached(library_path)
    bib = build_document_bib(cited, library, flavour or "verbatim")
    bib = replace(bib, preprints=cited_preprints(bib, library_path))
    if not write:
        return bib
    target = output or default_output(cited)
    _refuse_library(target, library_path)
    if output is None and not _written_by_dlbib(target):
        raise CitationError(
            target,
            "exists and was not written by dlbib; pass -o to overwrite it or to write elsewhere",
        )
    write_document_bib(bib, target, library_path)
    return replace(bib, output=target)


def cited_preprints(bib: DocumentBib, library_path: Path) -> tuple[KnownPublication, ...]:
    """The cited entries that read as preprints although their published version is known
    (the library's sidecar, as ``dlbib sync`` recorded it)."""
    from dlbib.library.published import known_publication
    from dlbib.library.state import load_state

    state = load_state(library_path.with_name(library_path.stem + ".dlbib.json"))
    found = (known_publication(state, ref) for ref in bib.references)
    return tuple(k for k in found if k is not None)


def _refuse_library(output: Path, library_path: Path) -> None:
    if output.resolve() == library_path.resolve():
        raise CitationError(
            output, "is the library itself; pass -o OUT.bib to write the document's .bib elsewhere"
        )


def _written_by_dlbib(path: Path) -> bool:
    """True when ``path`` is absent or starts with the header dlbib's .bib files carry."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(DLBIB_HEADER)) == DLBIB_HEADER
    except FileNotFoundError:
        return True
    except OSError as exc:
        raise CitationError(path, f"cannot be read: {exc.strerror}") from exc


def default_output(cited: CitedKeys) -> Path:
    """Where the .bib goes: the one ``.bib`` the document names, else ``DOC.bib`` beside it."""
    resources = [p for p in cited.bib_resources if p.suffix == ".bib"]
    if len(resources) == 1:
        return resources[0]
    return cited.source.with_suffix(".bib")


def build_document_bib(
    cited: CitedKeys, library: Library, flavour: str = "verbatim"
) -> DocumentBib:
    """Select the cited entries and render them; nothing is written.

    :raises CitationError: when a key cannot be used with the flavour (non-ASCII for BibTeX).
    :raises ValueError: for an unknown flavour.
    """
    if flavour not in FLAVOURS:
        raise ValueError(f"unknown flavour {flavour!r} (expected one of {', '.join(FLAVOURS)})")
    if flavour == "bibtex":
        for c in cited.citations:
            check_key(c.key, c.path, c.line, ascii_only=True)
    by_key: dict[str, Reference] = {}
    for ref in library.references:
        by_key.setdefault(ref.key, ref)  # a repeated key: BibTeX uses the first
        if not cited.biblatex:  # BibTeX finds keys ignoring case; biber does not
            by_key.setdefault(ref.key.lower(), ref)
    if cited.biblatex:  # biber also finds an entry by the aliases in its ids field
        for ref in library.references:
            for alias in _keys_in(ref.get("ids")):
                by_key.setdefault(alias, ref)
    fold = (lambda k: k) if cited.biblatex else str.lower

    def lookup(key: str) -> Reference | None:
        return by_key.get(key) or by_key.get(fold(key))

    found = by_key.values() if cited.cite_all is not None else map(lookup, cited.keys)
    chosen = list({id(r): r for r in found if r is not None}.values())
    missing = [c for c in cited.citations if lookup(c.key) is None]
    links = _verbatim_links if flavour == "verbatim" else _parents
    selected = _with_parents(chosen, library, links)
    taken = {r.key for r in selected}
    encoding = "utf-8"
    if flavour == "verbatim":
        written, text = render_verbatim(selected, library)
        encoding = library.encoding.name
    else:
        written, text = render_bibliography(selected, library, flavour)
    return DocumentBib(
        cited=cited,
        flavour=flavour,
        references=tuple(written),
        text=text,
        missing=_with_suggestions(missing, library),
        uncited=tuple(
            r.key for r in {id(r): r for r in by_key.values()}.values() if r.key not in taken
        ),
        encoding=encoding,
        repeated=_repeated(written, library),
    )


def _repeated(
    written: list[Reference], library: Library
) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """The written keys the library has more than once, with the lines of each occurrence."""
    wanted = {r.key.lower() for r in written}
    seen: set[str] = set()
    for ref in library.references:  # a cheap pass first: most libraries repeat no cited key
        folded = ref.key.lower()
        if folded in wanted:
            if folded in seen:
                break
            seen.add(folded)
    else:
        return ()
    return tuple(
        (key, tuple(lines)) for key, lines in library.duplicate_keys() if key.lower() in wanted
    )


def write_document_bib(bib: DocumentBib, output: Path, library_path: Path) -> None:
    """Write the .bib atomically; refuses to overwrite the library itself.

    :raises CitationError: when ``output`` is the library, or cannot be written.
    """
    _refuse_library(output, library_path)
    try:
        atomic_write(output, bib.text.encode(bib.encoding))
    except OSError as exc:
        raise CitationError(output, f"cannot be written: {exc.strerror or exc}") from exc


def render_verbatim(refs: list[Reference], library: Library) -> tuple[list[Reference], str]:
    """``refs`` (and the ``@preamble`` and ``@string`` blocks they use), each exactly as the
    library file has it, in the file's order — so crossref parents stay after their children
    and a redefined ``@string`` means what it meant there. The header names the encoding.

    :returns: the entries in file order, and the text.
    """
    chosen = {id(r) for r in refs}
    wanted = _wanted_strings(refs, library)
    kept = [
        b
        for b in library.blocks
        if id(b) in chosen
        or (isinstance(b, RawBlock) and b.kind == "preamble")
        or (isinstance(b, RawBlock) and b.kind == "string" and b.name.lower() in wanted)
    ]
    body = "\n\n".join(library.block_text(b) for b in kept)
    label = "ASCII" if body.isascii() else library.encoding.label
    entries = [b for b in kept if isinstance(b, Reference)]
    noun = "entry" if len(entries) == 1 else "entries"
    header = (
        f"% dlbib cite: {len(entries)} {noun} of {library.path.name}, copied verbatim "
        f"(encoding: {label})\n\n"
    )
    return entries, header + body + "\n"


def render_bibliography(
    refs: list[Reference], library: Library, flavour: str
) -> tuple[list[Reference], str]:
    """The .bib text of ``refs`` in ``flavour``; the one place the flavour is chosen.

    Entries go through the exporter of that flavour (:data:`dlbib.exporters.EXPORTERS`), which
    writes stand-alone entries: macros resolved, no ``file`` field (a paper's .bib does not carry
    local PDF paths). Entries linked by ``crossref``/``xdata``, and entries the exporter cannot
    represent (``@phdthesis``, ``@proceedings``…), are written as the library has them, after
    the others, with the ``@string`` macros they use, so the links and every cited entry survive.

    :returns: the entries in file order, and the text.
    """
    from dlbib.errors import ExportError
    from dlbib.exports import export_references

    linked = _linked_keys(refs)
    exportable = [r for r in refs if r.key not in linked]
    skipped: list[ExportError] = []
    text = export_references(
        exportable, flavour, strings=library.strings, attachments="none", on_skip=skipped.append
    )
    rejected = {e.key for e in skipped}
    kept = [r for r in refs if r.key in linked or r.key in rejected]
    if not kept:
        return exportable, text
    written = [r for r in exportable if r.key not in rejected]
    if rejected:
        text = export_references(written, flavour, strings=library.strings, attachments="none")
    blocks = _blocks(kept, library)
    return [*written, *kept], text + "\n" + "\n\n".join(render_block(b) for b in blocks) + "\n"


def _linked_keys(refs: list[Reference]) -> set[str]:
    """Keys of entries with a crossref/xdata parent among ``refs``, and of those parents."""
    keys = {r.key.lower(): r.key for r in refs}
    linked: set[str] = set()
    for ref in refs:
        parents = [keys[k.lower()] for k in _parents(ref) if k.lower() in keys]
        if parents:
            linked.add(ref.key)
            linked.update(parents)
    return linked


# --------------------------------------------------------------------------- selection


def _parents(ref: Reference) -> Iterator[str]:
    crossref = ref.get("crossref")
    if crossref:
        yield crossref.strip()
    yield from _keys_in(ref.get("xdata"))


def _keys_in(value: str | None) -> list[str]:
    return [k.strip() for k in (value or "").split(",") if k.strip()]


def _verbatim_links(ref: Reference) -> Iterator[str]:
    """What a verbatim copy brings along: crossref/xdata parents, and the entries biblatex
    prints with it — ``@set`` members (``entryset``), ``related`` entries and ``xref`` targets."""
    yield from _parents(ref)
    for name in ("entryset", "related", "xref"):
        yield from _keys_in(ref.get(name))


def _with_parents(
    chosen: list[Reference],
    library: Library,
    links: Callable[[Reference], Iterable[str]] = _parents,
) -> list[Reference]:
    """``chosen`` followed by every ``crossref``/``xdata`` ancestor, each after its children.

    BibTeX only resolves a crossref when the parent comes after the entries that use it.
    """
    level = chosen
    seen = {r.key for r in chosen}
    expanded: set[str] = set()  # each entry's links are followed once: cycles end
    order: dict[str, Reference] = {r.key: r for r in chosen}
    while level:
        expanded.update(r.key for r in level)
        parents: list[Reference] = []
        for ref in level:
            for key in links(ref):
                parent = library.find(key)
                if parent is None:
                    continue
                if parent.key in seen:  # cited too: move it after its children
                    order.pop(parent.key, None)
                elif any(p.key == parent.key for p in parents):
                    continue
                seen.add(parent.key)
                parents.append(parent)
        for parent in parents:
            order.pop(parent.key, None)
            order[parent.key] = parent
        level = [p for p in parents if p.key not in expanded]
    return list(order.values())


def _macros(raw: str) -> set[str]:
    """Macro names a raw value uses: bare words in a ``#`` concatenation (``jmlr # 2012``)."""
    if "#" not in raw:  # one piece (what split_concatenation would return, without the scan)
        part = raw.strip()
        return {part.lower()} if part and part[0] not in '{"' and not part.isdigit() else set()
    names = set()
    for part in split_concatenation(raw):
        part = part.strip()
        if part and part[0] not in '{"' and not part.isdigit():
            names.add(part.lower())
    return names


def _wanted_strings(selected: list[Reference], library: Library) -> set[str]:
    """Lower-case names of the @string macros the entries use, transitively (every definition
    of a repeated one counts)."""
    strings: dict[str, list[RawBlock]] = {}
    for b in library.blocks:
        if isinstance(b, RawBlock) and b.kind == "string":
            strings.setdefault(b.name.lower(), []).append(b)
    wanted: set[str] = set()
    if not strings:
        return wanted
    todo = [name for ref in selected for raw in ref.fields.values() for name in _macros(raw)]
    while todo:
        name = todo.pop()
        if name in strings and name not in wanted:
            wanted.add(name)
            todo.extend(m for b in strings[name] for m in _macros(b.text))
    return wanted


def _blocks(selected: list[Reference], library: Library) -> list[Block]:
    """@preamble blocks, the @string macros the entries use (transitively), then the entries."""
    wanted = _wanted_strings(selected, library)
    head: list[Block] = [
        b
        for b in library.blocks
        if isinstance(b, RawBlock)
        and (b.kind == "preamble" or (b.kind == "string" and b.name.lower() in wanted))
    ]
    return [*head, *selected]


def _with_suggestions(missing: list[Citation], library: Library) -> tuple[Missing, ...]:
    if not missing:
        return ()
    from dlbib.latex.suggest import KeyIndex  # here: only a document with missing keys needs it

    index = KeyIndex(library.references)
    return tuple(Missing(c, tuple(index.suggest(c.key))) for c in missing)
