"""Parsing only what changed (library/reparse.py) gives exactly what a parse of the whole file
gives — blocks, each key's line, notes in order, the layout a save edits — on generated edits
of real libraries; when it cannot be sure it says so (None) and the whole file is parsed.
And the parse cache uses it: an edited library is parsed again only where it changed."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from dlbib.errors import LibraryError
from dlbib.library.bibfile import load_library, save_library
from dlbib.library.cache import load_cached
from dlbib.library.collection import Library
from dlbib.library.model import Reference
from dlbib.library.parse import parse_library
from dlbib.library.reparse import reparse

DATA = Path(__file__).parent / "data"
LIBRARIES = [
    DATA / "sample.bib",
    DATA / "export_types.bib",
    DATA / "export_cases.bib",
    DATA / "cite" / "library.bib",
    DATA / "bibs" / "bibdesk-crossref-bbt3514.bib",
    DATA / "bibs" / "biblatex-software-jabref-testbib.bib",
    DATA / "bibs" / "jabref-5.1-groups-bbt1641.bib",
    DATA / "bibs" / "crossref-theses-dupkeys-bbt873.bib",
    DATA / "bibs" / "bibdesk-goerz-refs.bib",
    DATA / "bibs" / "jabref-2.2-iso8859-1-UserManual_de.bib",
]
SNIPPETS = [
    "@article{inserted2024, author = {Doe, Jane}, title = {Inserted}, year = 2024}\n",
    "@string{jn = {A Journal}}\n",
    "@STRING{Jn = {Again}}\n",
    "}\n",
    "% a comment line\n",
    "\n\n",
    "@comment{a comment block}\n",
    "stray text between entries\n",
    "@misc{, title = {No key}}\n",
    "@article{dup, title = {One}, title = {Two}}\n",
    "@ misc{spaced, title = {S}}\n",
    '@preamble{"\\newcommand{\\x}{x}"}\n',
    "  note = {a field outside any entry},\n",
    "@book{open, title = {Unclosed\n",
    "\\{",
    "{",
    "@",
]


def same(a: Library, b: Library) -> None:
    assert a.blocks == b.blocks
    assert a.lines == b.lines
    assert a.notes == b.notes
    assert a.layout == b.layout


def full(text: str, path: Path) -> Library | None:
    try:
        return parse_library(text, path)
    except LibraryError:
        return None


def edit(text: str, rng: random.Random) -> str:
    at = rng.randrange(len(text) + 1)
    kind = rng.randrange(7)
    if kind == 0:  # one character replaced
        return text[:at] + rng.choice('{}@\n%,"=a \\') + text[at + 1 :]
    if kind == 1:  # a span deleted
        return text[:at] + text[at + rng.randrange(1, 60) :]
    if kind == 2:  # a snippet inserted at a line start
        line = text.rfind("\n", 0, at) + 1
        return text[:line] + rng.choice(SNIPPETS) + text[line:]
    if kind == 3:  # a field value edited
        found = text.find("= {", at)
        found = found if found >= 0 else text.find("= {")
        return text if found < 0 else text[: found + 3] + "Edited " + text[found + 3 :]
    if kind == 4:  # a whole entry removed, or repeated (a repeated key)
        start = text.find("\n@", at)
        end = text.find("\n@", start + 2)
        if start < 0 or end < 0:
            return text + "\n"
        entry = text[start:end]
        return text[:start] + (entry * 2 if rng.random() < 0.5 else "") + text[end:]
    if kind == 5:  # at the very start or end
        return rng.choice(SNIPPETS) + text if rng.random() < 0.5 else text + rng.choice(SNIPPETS)
    return text[:at] + rng.choice(SNIPPETS) + text[at:]  # a snippet anywhere, mid-line


@pytest.mark.parametrize("source", LIBRARIES, ids=lambda p: p.name)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_parsing_the_change_equals_parsing_the_file(source: Path, newline: str) -> None:
    text = source.read_bytes().decode("utf-8", "surrogateescape").replace("\r\n", "\n")
    text = text.replace("\n", newline)
    path = source
    old = parse_library(text, path)
    rng = random.Random(f"{source.name}{newline!r}")
    reused = tried = 0
    for _ in range(60):
        new = edit(text, rng)
        if new == text:
            continue
        expected = full(new, path)
        got = reparse(old, new, path)
        if expected is None:
            assert got is None, "a text that does not parse must be parsed whole"
            continue
        tried += 1
        if got is not None:
            reused += 1
            same(got, expected)
    assert tried >= 20
    if any(n.code == "escaped-brace" for n in old.notes):
        assert reused == 0  # read with the fallback: always parsed whole
    else:
        assert reused >= tried * 0.6  # the cases it gives up on are the rare, odd ones


def test_chains_of_edits_stay_exact() -> None:
    """Each reparse is the next one's start, as the parse cache chains them."""
    path = DATA / "bibs" / "jabref-5.1-groups-bbt1641.bib"
    text = path.read_text(encoding="utf-8")
    current = parse_library(text, path)
    rng = random.Random(7)
    for _ in range(40):
        new = edit(text, rng)
        expected = full(new, path)
        if expected is None:
            continue
        got = reparse(current, new, path)
        if got is not None:
            same(got, expected)
        current, text = expected if got is None else got, new


def test_a_save_after_a_reparse_changes_only_the_edited_field(tmp_path: Path) -> None:
    library = tmp_path / "library.bib"
    library.write_bytes((DATA / "bibs" / "jabref-authors.bib").read_bytes())
    first = load_library(library)
    text = library.read_text(encoding="utf-8")
    edited = text.replace("title", "title", 1)
    at = text.index("title", len(text) // 2)
    edited = text[:at] + "note = {added by hand},\n  " + text[at:]
    library.write_text(edited, encoding="utf-8")
    again = load_library(library, previous=first)
    expected = load_library(library)
    same(again, expected)
    key = again.references[-1].key
    ref = again.get(key)
    again.replace(Reference(ref.key, ref.entry_type, {**ref.fields, "year": "{1999}"}))
    save_library(again)
    saved = library.read_text(encoding="utf-8")
    expected.replace(Reference(ref.key, ref.entry_type, {**ref.fields, "year": "{1999}"}))
    save_library(expected, tmp_path / "expected.bib")
    assert saved == (tmp_path / "expected.bib").read_text(encoding="utf-8")


def parses(caplog: pytest.LogCaptureFixture) -> Callable[[], tuple[int, int]]:
    def count() -> tuple[int, int]:
        whole = sum("parsed" in r.getMessage() and "again" not in r.getMessage()
                    for r in caplog.records if r.name == "dlbib.library.parse")  # fmt: skip
        part = sum("parsed again where it changed" in r.getMessage() for r in caplog.records)
        return whole, part

    return count


def test_the_parse_cache_parses_an_edited_library_only_where_it_changed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    library = tmp_path / "library.bib"
    library.write_bytes((DATA / "bibs" / "d2l.bib").read_bytes())
    count = parses(caplog)
    with caplog.at_level(logging.DEBUG, logger="dlbib"):
        load_cached(library)
        assert count() == (1, 0)
        text = library.read_text(encoding="utf-8")
        at = text.index("title", len(text) // 3)
        library.write_text(text[:at] + "note = {x},\n  " + text[at:], encoding="utf-8")
        edited = load_cached(library)
        assert count() == (1, 1)
        again = load_cached(library)  # the reparse was cached in turn
        assert count() == (1, 1)
    same(edited, load_library(library))
    same(again, load_library(library))


def test_a_broken_edit_is_reported_as_a_whole_parse_reports_it(tmp_path: Path) -> None:
    library = tmp_path / "library.bib"
    library.write_bytes((DATA / "sample.bib").read_bytes())
    load_cached(library)
    text = library.read_text(encoding="utf-8")
    at = text.index("@", 10)
    library.write_text(text[:at] + "@book{open, title = {Unclosed\n" + text[at:], "utf-8")
    with pytest.raises(LibraryError) as cached:
        load_cached(library)
    with pytest.raises(LibraryError) as whole:
        load_library(library)
    assert str(cached.value) == str(whole.value)


SMALL = """% a library with every kind of block
@string{jn = {Journal of Tests}}
@preamble{"\\newcommand{\\noop}[1]{}"}

@article{first, author = {Doe, Jane}, title = {First}, journal = jn, year = 2020}
% between entries
@comment{jabref-meta: groups}
@misc{second,
  title = {Second {With} Braces},
  year = {2021},
}
stray words
@book(third, title = "Third", year = 1999)
@string{jn = {Journal Again}}
@article{First, title = {Repeated key}}
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_every_one_character_edit_of_a_small_library(newline: str) -> None:
    """Exhaustive at the places where blocks meet: every deletion of one character and every
    insertion of a character that matters to the scanner, at every offset."""
    text = SMALL.replace("\n", newline)
    path = Path("small.bib")
    old = parse_library(text, path)
    reused = 0
    for at in range(len(text) + 1):
        variants = [text[:at] + text[at + 1 :]]
        variants += [text[:at] + c + text[at:] for c in ("x", "\n", "}", "{", "@", "%", "\\")]
        for new in variants:
            expected = full(new, path)
            got = reparse(old, new, path)
            if expected is None:
                assert got is None
            elif got is not None:
                reused += 1
                same(got, expected)
    assert reused > len(text) * 3


def test_braces_left_open_around_the_change_count_for_the_nesting_limit() -> None:
    """A '{' left open far before the edited entry and a '}' far after it wrap the entry for the
    nesting check: an entry nested 31 deep inside 40 open braces is too deep for the whole file,
    though not alone (the stretch parsed again)."""
    path = Path("library.bib")
    head = "{" * 40 + "\n\n@misc{p1, title={1}}\n@misc{p2, title={2}}\n"
    tail = "@misc{p3, title={3}}\n@misc{p4, title={4}}\n\n" + "}" * 40 + "\n"
    old = parse_library(head + "@misc{a, title = {x}}\n" + tail, path)
    new = head + "@misc{a, title = " + "{" * 30 + "x" + "}" * 30 + "}\n" + tail
    with pytest.raises(LibraryError, match="nested this deep"):
        parse_library(new, path)
    assert reparse(old, new, path) is None


def _reference_span(before: str, after: str) -> tuple[int, int]:
    """Common prefix and suffix (not overlapping) the plain way."""
    limit = min(len(before), len(after))
    prefix = 0
    while prefix < limit and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and before[-1 - suffix] == after[-1 - suffix]:
        suffix += 1
    return prefix, len(before) - suffix


def test_the_changed_stretch_is_found_in_the_pieces_as_in_the_joined_text() -> None:
    from dlbib.library.reparse import _changed_pieces

    rng = random.Random(5)
    source = (DATA / "sample.bib").read_text(encoding="utf-8")
    for _ in range(3000):
        start = rng.randrange(len(source))
        before = source[start : start + rng.randrange(0, 400)]
        cuts = sorted(rng.randrange(len(before) + 1) for _ in range(rng.randrange(0, 8)))
        pieces = [before[i:j] for i, j in zip([0, *cuts], [*cuts, len(before)], strict=True)]
        after = before
        for _ in range(rng.randrange(0, 3)):
            at = rng.randrange(len(after) + 1)
            after = after[:at] + rng.choice(["", "x", "\n", "}", "ab"]) + after[at + 1 :]
        got = _changed_pieces(pieces, len(before), after)
        assert got == _reference_span(before, after), (pieces, after)
