"""The fast splitter (library/scanner.py) gives exactly the blocks bibtexparser's splitter gives
— types, keys, fields as written, raw texts, lines — or None, and the loader built on it gives
exactly the library bibtexparser's parse gives: on every real library in tests/data, on
generated libraries full of the shapes the splitter treats specially, and on thousands of
random edits of both."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest
from bibtexparser import model as bm
from bibtexparser.splitter import Splitter

from dlbib.errors import LibraryError
from dlbib.library.collection import Library
from dlbib.library.parse import _mask_escaped_braces, _parse_library, _split_library
from dlbib.library.scanner import Scanned, scan

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[1]
REAL = [*sorted(DATA.rglob("*.bib")), REPO / "library.bib"]


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "surrogateescape")


def splitter(text: str) -> list[Scanned] | None:
    """bibtexparser's splitter's blocks as :class:`Scanned` (None: a block failed)."""
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    out = []
    for split in Splitter(text).split().blocks:
        block: bm.Block | None = split
        if isinstance(block, (bm.DuplicateBlockKeyBlock, bm.DuplicateFieldKeyBlock)):
            block = block.ignore_error_block  # a repeated key or field name: read all the same
        if block is None or isinstance(block, bm.ParsingFailedBlock):
            return None
        line, raw = block.start_line, block.raw
        assert line is not None  # (the splitter sets both)
        assert raw is not None
        if isinstance(block, bm.Entry):
            fields = tuple((f.key, f.value) for f in block.fields)
            out.append(Scanned("entry", line, raw, block.entry_type, block.key, "", fields))
        elif isinstance(block, bm.String):
            out.append(Scanned("string", line, raw, block.key, "", block.value))
        elif isinstance(block, bm.Preamble):
            out.append(Scanned("preamble", line, raw, value=block.value))
        elif isinstance(block, bm.ExplicitComment):
            out.append(Scanned("comment", line, raw, value=block.comment))
        else:
            assert isinstance(block, bm.ImplicitComment)
            out.append(Scanned("text", line, raw))
    return out


def agrees(text: str) -> bool:
    """Whether :func:`scan` read ``text`` (True) or declined (False); fails when it read it
    other than bibtexparser's splitter does."""
    got = scan(text)
    if got is None:
        return False
    expected = splitter(text)
    assert expected is not None, "scanned a text bibtexparser fails on"
    assert len(got) == len(expected)
    pos = 0
    for mine, theirs in zip(got, expected, strict=True):
        assert mine._replace(start=0) == theirs
        assert text.find(mine.raw, pos) == mine.start  # where it is, and nothing between
        assert not text[pos : mine.start].strip()  # but white space
        pos = mine.start + len(mine.raw)
    return True


def same_library(text: str) -> bool:
    """The loader's library of ``text`` equals the one bibtexparser's parse gives (or both
    fail alike); True when the fast path read it."""
    masked, sentinel = _mask_escaped_braces(text)
    path = Path("library.bib")
    try:
        slow: Library | str = _split_library(text, path, masked, sentinel)
    except LibraryError as err:
        slow = str(err)
    try:
        fast: Library | str = _parse_library(text, path)
    except LibraryError as err:
        fast = str(err)
    if isinstance(slow, str) or isinstance(fast, str):
        assert fast == slow
    else:
        assert fast.blocks == slow.blocks
        assert fast.lines == slow.lines
        assert fast.notes == slow.notes
        assert fast.layout == slow.layout
    return scan(masked) is not None


# --------------------------------------------------------------------------- generated text

VALUES = [
    "{plain}", "{}", '""', '"quoted"', "42", "jmlr", 'jmlr # " and " # {x}', "{a {b} c}",
    "{a {b {c} d} e}", "{a {b {c {d} e} f} g}", "{a {b {c {d {e} f} g} h} i}",
    '{say "hi"}', '"{B}ayesian"', '"a {"} b"', '"a \\" b"', '"{\\"o}"', '{\\"o}',
    "{a, b = c}", "{x @ y}", "{mail me@host.org}", "{line\\\nbreak}", "{two\nlines}",
    "{@ at start}", "{a\n@misc{inner, x = 1}}", "{a\n  @book{b}", '"a\n@misc{q}"', "{\\,}",
    "{6.\\,} # mar", "{a\\,b}", "{\u00a0nbsp\u00a0}", "\u2003{em}\u2003", "{x}\\", "a\\,b",
    '"open', "{open", "{a}}", "(paren)", "{=}", "{%not a comment}", "{x} # \"y\" # z",
    '"\\"{ "', '"a@b { c"', '"x\\"} y"', '"{a@b"',
    "{\\{escaped\\}}", "{\\}}", '"a,b"', '"a}b"', '"a{b"', "{\U0001f600}", "{\udcfc}",
]  # fmt: skip
NAMES = ["title", "TITLE", "author", "x-y", "a.b", "a:b", "note", " spaced ", "", "a\\b",
         "a@b", "@x", "a b"]  # fmt: skip
INDENTS = ["", " ", "  ", "\t", "\n  "]
KEYS = ["key", "Key:2020", "k-1", "", " spaced ", "a\\b", "a@b", "ü", "k\n", "{k}", 'k"']
TYPES = ["article", "ARTICLE", "misc", "comment", "Comment", "commentary", "preamble",
         "string", "STRING", "stringx", "", "in proceedings", "book  ", "book\t"]  # fmt: skip
GAPS = ["\n\n", "\n", "", " ", "% a comment\n", "stray text\n", "}\n", "  {\n", "\t\n",
        "a@b.org\n", "@ misc{spaced, title = {S}}\n", "  note = {lost},\n", "\\\n", "\r\n",
        "@misc", "x @misc{y, title = {z}}\n", "@{nokind, title = {t}}\n"]  # fmt: skip


def block(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.08:
        return f"@comment{{{rng.choice(VALUES)}}}"
    if kind < 0.14:
        return f"@string{{{rng.choice(NAMES)} = {rng.choice(VALUES)}}}"
    if kind < 0.18:
        return f"@preamble{{{rng.choice(VALUES)}}}"
    if kind < 0.2:
        return f"@misc({rng.choice(KEYS)}, title = {rng.choice(VALUES)})"
    fields = [
        rng.choice(INDENTS) + rng.choice(NAMES) + rng.choice(["", " "]) + "="
        + rng.choice(["", " ", "\n"]) + rng.choice(VALUES)
        for _ in range(rng.randrange(0, 6))
    ]  # fmt: skip
    end = rng.choice(["", ",", ",\n", "\n", " , "])
    body = ",".join(fields) + end
    head = "@" + rng.choice(TYPES) + rng.choice(["", " ", "\t"]) + "{" + rng.choice(KEYS)
    return head + ("," + body if fields or rng.random() < 0.5 else "") + "}"


def library_text(rng: random.Random, plain: float) -> str:
    """A library of a few blocks; with chance ``plain`` per block a well-formed entry."""
    parts = []
    for i in range(rng.randrange(1, 8)):
        parts.append(rng.choice(GAPS) if rng.random() < 0.3 else "\n\n")
        if rng.random() < plain:
            parts.append(f"@article{{k{i},\n  title = {{T {i}}},\n  year = {2000 + i},\n}}")
        else:
            parts.append(block(rng))
    return "".join(parts) + rng.choice(["", "\n", "\n% end\n", "}"])


def mutated(text: str, rng: random.Random) -> str:
    for _ in range(rng.randrange(1, 4)):
        at = rng.randrange(len(text) + 1)
        if rng.random() < 0.6:
            text = text[:at] + rng.choice('{}"@,=\\\n()#% x') + text[at:]
        else:
            text = text[:at] + text[at + rng.randrange(1, 4) :]
    return text


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("source", REAL, ids=lambda p: p.name)
def test_real_libraries_scan_as_bibtexparser_splits_them(source: Path) -> None:
    text = read(source)
    masked = _mask_escaped_braces(text)[0]
    scanned = agrees(masked)
    assert same_library(text) == scanned
    if "(" not in text.replace("{(", ""):  # (…)-delimited blocks are left to bibtexparser
        assert scanned, f"{source.name}: the fast path should read this well-formed library"


def test_the_fast_path_reads_nearly_every_real_library() -> None:
    read_fast = [agrees(_mask_escaped_braces(read(p))[0]) for p in REAL]
    assert sum(read_fast) >= len(REAL) - 2


def test_generated_libraries_with_every_special_shape() -> None:
    rng = random.Random(16)
    read_fast = 0
    for _ in range(4000):
        text = library_text(rng, plain=0.5)
        read_fast += agrees(text)
        read_fast += agrees(_mask_escaped_braces(text)[0])
    assert read_fast > 1500  # the generator makes well-formed texts often enough


def test_generated_libraries_load_as_bibtexparser_parses_them() -> None:
    rng = random.Random(17)
    read_fast = sum(same_library(library_text(rng, plain=0.6)) for _ in range(1500))
    assert read_fast > 400


@pytest.mark.parametrize("seed", range(4))
def test_random_edits_of_real_libraries(seed: int) -> None:
    rng = random.Random(seed)
    texts = [read(p) for p in REAL]
    read_fast = 0
    for _ in range(600):
        text = rng.choice(texts)
        start = rng.randrange(max(1, len(text) - 4000))
        piece = text[start : start + rng.randrange(100, 4000)]
        piece = piece[piece.find("\n@") + 1 :] if rng.random() < 0.5 else piece
        if rng.random() < 0.8:
            piece = mutated(piece, rng)
        read_fast += agrees(_mask_escaped_braces(piece)[0])
        if rng.random() < 0.1:
            same_library(piece)
    assert read_fast > 60


def test_random_edits_of_generated_libraries() -> None:
    rng = random.Random(18)
    for _ in range(3000):
        agrees(mutated(library_text(rng, plain=0.7), rng))


def test_what_it_leaves_to_bibtexparser() -> None:
    assert scan("@misc(a, title = {T})") is None  # a (…) block
    assert scan("@misc{a, title = {T}") is None  # not closed
    assert scan("@misc{a, title = {T\n@book{b, title = {U}}") is None  # an entry breaks off
    assert scan("@misc{a, title}") is None  # a name without a value
    assert scan("@misc{a, title = {\\}}}") is None  # an escaped brace: masked by the loader
    assert scan("@string{x}") is None


def test_what_it_reads() -> None:
    first = '@Article{k1,\n  title = {A {B} "c"},\n  year = 2020,\n}'
    second = '@misc{k2, note = "x {"} y", title = {mail@host}}'
    text = f"% head\n{first}\n\\\n{second}\n@misc{{k3}}\n"
    assert [s._replace(start=0) for s in scan(text) or []] == [
        Scanned("text", 0, "% head"),
        Scanned("entry", 1, first, "article", "k1", "",
                (("title", '{A {B} "c"}'), ("year", "2020"))),
        Scanned("text", 5, "\\"),  # a backslash between entries is text
        # the newline after that backslash is not counted (bibtexparser's line count)
        Scanned("entry", 5, second, "misc", "k2", "",
                (("note", '"x {"} y"'), ("title", "{mail@host}"))),
        Scanned("entry", 6, "@misc{k3}", "misc", "k3"),
    ]  # fmt: skip
    assert agrees(text)
    assert agrees("@misc{a, note = {" + "x @b{} " * 300 + "}}")  # @ mid-line: content
    assert agrees("@misc{a, note = {" + "x \t @b{} " * 300 + "}}")  # (space before: still)
    assert scan("@misc{a, note = {x\n \t @b{} }}") is None  # at a line's start: a failure
    assert agrees('@misc{a, b = "x{"}')  # {"} at the very end: the quote closes there
    assert agrees('@misc{a, b = "x{"} y"}')  # {"} inside: a literal quote
    assert agrees('@misc{a, b = "x@y {\\"o}", c = {@ {x}}}')  # each mark by the rules
