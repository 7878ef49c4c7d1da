"""What ``dlbib check`` finds in one entry on its own, worked out once per entry content.

:func:`entry_facts` gives, for each entry, what :mod:`dlbib.check` needs of it alone: its own
findings (field syntax, undefined ``@string`` macros, required fields, malformed DOI and arXiv
id, escaped underscores), the control characters in its key and values, the identities it is
compared by for duplicates (DOI, arXiv id, title/first author/year) and the keys it links to.
They depend on nothing but the entry and the ``@string`` names, so they are kept between runs
in a :mod:`~dlbib.library.derived` table (keyed by each entry's content digest, valid for the
``@string`` names and the code): an unchanged entry is not checked again. An entry with a
``crossref``/``xdata`` parent gets its own findings each run (they depend on the parent).

What depends on other entries (duplicates, repeated keys, parents) or on the file system (a
``file`` field's PDF) is not decided here: :mod:`dlbib.check` does it each run from these facts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import chain
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from dlbib.library.bibfile import Library
from dlbib.library.keys import family_name
from dlbib.library.layout import scan_value
from dlbib.library.model import ArxivId, Reference, is_valid_doi, normalize_doi, split_concatenation
from dlbib.library.parse import gc_paused
from dlbib.library.text import normalize_title

if TYPE_CHECKING:
    from dlbib.library.derived import Results

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
_ARXIV_LIKE: Final = re.compile(r"(?i)arxiv|^\s*\d{4}\.\d|^\s*[a-z-]+(?:\.[a-z]{2})?/\d")
"""An eprint without a prefix that is meant as an arXiv id (``1706.0376``, ``hep-th/99…``)."""
LINK_FIELDS: Final = ("crossref", "xdata", "related", "ids", "entryset", "xref", "set")
"""Fields naming other entries: entries linked through them are not duplicates of each other."""
PARENT_FIELDS: Final = ("crossref", "xdata")
"""Fields naming the entries one inherits from."""
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
CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""NUL and the other C0 control characters but tab and line breaks, and DEL."""

Problem = tuple[str, str]
"""A finding about one entry, before it has a line: (message, code)."""


class EntryFacts(NamedTuple):
    """What ``dlbib check`` needs of one entry, from the entry alone (kept as a plain tuple)."""

    problems: tuple[Problem, ...] | None
    """Its own findings, in check order; None for an entry with a crossref/xdata parent."""
    control: tuple[str, ...]
    """A message for each control character found (in the key, then each field)."""
    identities: tuple[tuple[str, str], ...]
    """What it is compared by for duplicates: (``doi``/``arxiv``/``work``, value)."""
    links: tuple[str, ...]
    """Lower-case keys its link fields name (:data:`LINK_FIELDS`)."""


def entry_facts(library: Library, refs: list[Reference]) -> list[EntryFacts]:
    """The facts of each of ``refs`` (the library's entries), in order: an entry checked before
    with the same content (and the same ``@string`` names, and code) is not checked again."""
    from dlbib.library.derived import entry_digest, open_results

    strings = set(library.strings)
    # Tens of thousands of small tuples and no reference cycles: the cyclic GC would only
    # rescan the loaded library again and again.
    with gc_paused():
        table = open_results(library.path, "check", tuple(sorted(strings)))
        digests = [entry_digest(ref) for ref in refs]
        kept = list(map(table.get, digests))
        if all_facts(kept):  # every kept value has the shape: none looked at one by one
            out = [
                _as_facts(value) if value is not None else _worked_out(table, digest, ref, strings)
                for value, digest, ref in zip(kept, digests, refs, strict=True)
            ]
        else:
            out = []
            for value, digest, ref in zip(kept, digests, refs, strict=True):
                facts = _kept(value)
                out.append(facts if facts is not None else _worked_out(table, digest, ref, strings))
    table.save()
    return out


def _worked_out(table: Results, digest: str, ref: Reference, strings: set[str]) -> EntryFacts:
    facts = work_out(ref, strings)
    table.put(digest, tuple(facts))
    return facts


_as_facts: Final[Callable[[tuple[object, ...]], EntryFacts]] = partial(tuple.__new__, EntryFacts)
"""A kept value (four-tuple) as :class:`EntryFacts`, without the Python-level constructor."""


def all_facts(values: list[Any]) -> bool:
    """True when each of ``values`` (kept results; None: not kept) that is not None has the exact
    shape of facts (tuples of str; ``problems`` may be None), checked over all of them at once;
    False when any may not (:func:`_kept` then looks at each). True implies :func:`_kept` takes
    every one (it accepts what this does, and more)."""
    found = [v for v in values if v is not None]
    if _types(found) - {tuple} or set(map(len, found)) - {4}:
        return False
    if not found:
        return True
    own, control, idents, links_ = zip(*found, strict=True)
    own_kept = [o for o in own if o is not None]
    if any(_types(group) - {tuple} for group in (own_kept, control, idents, links_)):
        return False
    pairs = [*chain.from_iterable(own_kept), *chain.from_iterable(idents)]
    if _types(pairs) - {tuple} or set(map(len, pairs)) - {2}:
        return False
    texts = chain(
        chain.from_iterable(pairs), chain.from_iterable(control), chain.from_iterable(links_)
    )
    return not _types(texts) - {str}


def _types(items: Iterable[object]) -> set[type]:
    return set(map(type, items))


def _kept(value: object) -> EntryFacts | None:
    """``value`` as facts when it has their shape, else None (worked out again): a table is
    plain data from a file, and one whose header and trailer match may still hold anything."""
    if not (isinstance(value, tuple) and len(value) == len(EntryFacts._fields)):
        return None
    own, control, idents, links_ = value

    def strs(items: object, size: int | None = None) -> bool:
        if not isinstance(items, tuple):
            return False
        if size is None:
            return all(isinstance(i, str) for i in items)
        return all(
            isinstance(i, tuple) and len(i) == size and all(isinstance(p, str) for p in i)
            for i in items
        )

    if (own is None or strs(own, 2)) and strs(control) and strs(idents, 2) and strs(links_):
        return EntryFacts(own, control, idents, links_)
    return None


def work_out(ref: Reference, strings: set[str]) -> EntryFacts:
    """The facts of one entry (``strings``: the library's lower-case ``@string`` names)."""
    own = None
    if not any(name in ref.fields for name in PARENT_FIELDS):
        own = tuple(problems(ref, [], strings))
    return EntryFacts(
        own, tuple(_control_chars(ref)), tuple(identities(ref)), tuple(sorted(links(ref)))
    )


def links(ref: Reference) -> set[str]:
    """The keys (lower-case) the entry's :data:`LINK_FIELDS` name."""
    keys: set[str] = set()
    for name in LINK_FIELDS:
        value = ref.get(name)
        if value:
            keys.update(k.strip().lower() for k in value.split(",") if k.strip())
    return keys


def identities(ref: Reference) -> Iterator[tuple[str, str]]:
    """What two entries for one work share: a DOI (not arXiv's), an arXiv id, or title, first
    author and year."""
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


def _field_problems(ref: Reference, strings: set[str]) -> Iterator[Problem]:
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


def problems(
    ref: Reference, ancestors: list[Reference | str], strings: set[str]
) -> Iterator[Problem]:
    """The entry's own findings, given its ``ancestors`` (crossref/xdata parents, or the key of
    a missing one as a str) and the library's lower-case ``@string`` names."""
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
    # Without archiveprefix/eprinttype an eprint is arXiv's only when it looks like an id
    # (biblatex prints any other as it is: APA examples use eprint = {Reddit}).
    arxiv = prefix == "arxiv" or (not prefix and _ARXIV_LIKE.search(eprint or "") is not None)
    if eprint and arxiv and ArxivId.find(eprint) is None:
        yield (f"malformed arXiv id {eprint!r} in eprint", "bad-arxiv-id")
    for name in ("url", "doi", "pdfurl"):
        value = ref.get(name)
        if value and "\\_" in value:
            yield (
                f"{name} has a LaTeX-escaped underscore (\\_); write it raw",
                "escaped-underscore",
            )


def _control_chars(ref: Reference) -> Iterator[str]:
    """NUL and other C0 control characters (tab and line breaks are fine) in key and values."""
    for name, raw in (("key", ref.key), *ref.fields.items()):
        found = CONTROL.search(raw)
        if found:
            char = found.group()
            label = "NUL" if char == "\0" else f"U+{ord(char):04X}"
            yield (
                f"{'the key' if name == 'key' else f'field {name}'} contains a control"
                f" character ({label}); remove it (it would go into every export)"
            )
