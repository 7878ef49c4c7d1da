"""Parse library text into a :class:`~dlbib.library.collection.Library` (bibtexparser v2 inside).

A well-formed file is split by :mod:`dlbib.library.scanner` (the same blocks, about four times
as fast); anything else by bibtexparser itself, which reports what fails.

What BibTeX accepts loads — repeated keys and ``@string``s, a stray ``}``, a repeated field — and
is listed in :attr:`Library.notes`; the text each block came from is kept for minimal-diff saves.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Final

from dlbib.errors import LibraryError, Problem
from dlbib.library.blocks import Block, LoadNote, RawBlock
from dlbib.library.collection import Library
from dlbib.library.layout import build_layout, placed_layout
from dlbib.library.limits import check_nesting
from dlbib.library.model import Reference
from dlbib.library.scanner import Scanned, scan_masked

_log = logging.getLogger(__name__)


def parse_library(text: str, path: Path) -> Library:
    """Parse library text; ``path`` names the file in errors.

    What BibTeX accepts loads — repeated keys and ``@string``s, a stray ``}``, a repeated field —
    and is listed in :attr:`Library.notes`; the file's layout is kept for minimal-diff saves.

    :raises LibraryError: listing every block that failed to parse, with line and reason.
    """
    check_nesting(text, path)  # before bibtexparser and pylatexenc, which recurse per brace
    # Parsing makes hundreds of thousands of small objects and no reference cycles; the cyclic
    # GC would rescan the growing heap again and again (about 8% of a 10,000-entry load).
    with gc_paused():
        library = _parse_library(text, path)
    _log.debug("%s: parsed %d blocks", path, len(library.blocks))
    return library


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """The cycle collector off meanwhile (and on again after, if it was): a parse or a step over
    every entry allocates a great deal and makes no cycles worth collecting, while each full
    collection would walk the whole library."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            _enable_aged()


def _enable_aged() -> None:
    """The cycle collector on again, with what was made while it was off counted as old.

    Everything allocated meanwhile and still alive (the result: a sync's report holds an
    outcome and a change for each entry) sits in the youngest generation, whose next
    collection — at the first allocation — would walk all of it (~50 ms at 10,000 entries) to
    find next to nothing. Freezing and unfreezing hands it to the oldest generation as it is,
    where the next full collection (Python's usual schedule) looks at it; only when nothing
    else froze objects (their owner's freeze is left alone)."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
    gc.enable()


@contextlib.contextmanager
def gc_on_for_new() -> Iterator[None]:
    """The cycle collector on meanwhile for what is made meanwhile only: everything made before
    (the loaded library) is out of its sight (``gc.freeze``). For a step that may run long —
    downloads — inside :func:`gc_paused`: its cycles are collected, without each full
    collection walking the whole library."""
    freeze = gc.get_freeze_count() == 0  # (not inside another freeze, which is its owner's)
    if freeze:
        gc.freeze()
    enabled = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not enabled:
            gc.disable()
        if freeze:
            gc.unfreeze()


def _parse_library(text: str, path: Path) -> Library:
    masked, sentinel = _mask_escaped_braces(text)
    scanned = scan_masked(masked)  # the usual, well-formed file: read fast, to the same blocks
    if scanned is None:
        return _split_library(text, path, masked, sentinel)
    lib = Library(path)
    problems: list[Problem] = []
    pieces: list[tuple[object, str, int, int]] = []
    first_string: dict[str, int] = {}
    for got in scanned:
        if sentinel:
            got = _unmasked(got, sentinel)
        line = got.line + 1
        kind = got.kind
        block: Block | None
        if kind == "entry":
            block = _reference(got.key, got.name, got.fields, line, lib)
        elif kind == "text":
            block = _text_block(got.raw, line, lib, problems)
            if block is None:
                continue
        elif kind == "string":
            block = RawBlock("string", got.value, got.name)
            _note_string(block, line, first_string, lib)
        elif kind == "preamble":
            block = RawBlock("preamble", got.value)
        else:
            block = RawBlock("comment", got.raw.strip())
        lib.blocks.append(block)
        pieces.append((block, got.raw, line, got.start))
    _raise_problems(lib, problems)
    lib.layout = placed_layout(text, pieces)
    lib.notes.extend(duplicate_key_notes(lib))
    return lib


def _unmasked(got: Scanned, sentinel: str) -> Scanned:
    """``got`` with the backslashes :func:`_mask_escaped_braces` replaced put back."""
    if sentinel not in got.raw:
        return got
    fields = tuple((n.replace(sentinel, "\\"), v.replace(sentinel, "\\")) for n, v in got.fields)
    return got._replace(
        raw=got.raw.replace(sentinel, "\\"), name=got.name.replace(sentinel, "\\"),
        key=got.key.replace(sentinel, "\\"), value=got.value.replace(sentinel, "\\"),
        fields=fields,
    )  # fmt: skip


def _split_library(text: str, path: Path, masked: str, sentinel: str) -> Library:
    """The library bibtexparser's own parse gives (for text :func:`scan` does not read)."""
    from bibtexparser.entrypoint import parse_string

    # An empty parse stack keeps raw values: braces, quotes, @string references untouched.
    # bibtexparser also logs each failure (with 0-based lines); the LibraryError says it once.
    quiet = logging.getLogger("bibtexparser")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    differs: int | None = None
    try:
        parsed = parse_string(masked, parse_stack=[])
        if sentinel:
            differs = _first_failure(parsed.blocks)
            if differs is None:
                for raw_block in parsed.blocks:
                    _unmask(raw_block, sentinel)
            else:  # BibTeX's brace count breaks the file: load it as bibtexparser reads it
                parsed = parse_string(text, parse_stack=[])
    finally:
        quiet.setLevel(level)
    lib = Library(path)
    if differs is not None:
        lib.notes.append(
            LoadNote("escaped-brace", differs, "a '\\{' or '\\}' here unbalances the braces "
                     "for BibTeX, which counts every brace: BibTeX reads this entry (and perhaps "
                     "the rest of the file) differently; write the brace as \\textbraceleft "
                     "or balance it")
        )  # fmt: skip
    problems: list[Problem] = []
    pieces: list[tuple[object, str, int]] = []
    first_string: dict[str, int] = {}
    for raw_block in parsed.blocks:
        line = (raw_block.start_line or 0) + 1
        block = _accepted(raw_block, line, lib, problems)
        if block is None:
            continue
        if isinstance(block, RawBlock) and block.kind == "string":
            _note_string(block, line, first_string, lib)
        lib.blocks.append(block)
        pieces.append((block, raw_block.raw or "", line))
    _raise_problems(lib, problems)
    lib.layout = build_layout(text, pieces)
    lib.notes.extend(duplicate_key_notes(lib))
    return lib


def _raise_problems(lib: Library, problems: list[Problem]) -> None:
    """:raises LibraryError: listing ``problems``, if any."""
    if problems:
        noun = "block" if len(problems) == 1 else "blocks"
        raise LibraryError(lib.path, f"{len(problems)} {noun} failed to parse", problems)


def duplicate_key_notes(lib: Library) -> list[LoadNote]:
    """A note for each key that more than one entry has (at the second), in file order."""
    return [duplicate_key_note(key, lines) for key, lines in lib.duplicate_keys()]


def duplicate_key_note(key: str, lines: list[int]) -> LoadNote:
    """The note for ``key``, which the entries at ``lines`` share."""
    where = ", ".join(f"line {n}" for n in lines)
    message = f"key {key!r} is repeated ({where}); BibTeX uses the first (line {lines[0]})"
    return LoadNote("duplicate-key", lines[1], message, key)


def _mask_escaped_braces(text: str) -> tuple[str, str]:
    """``text`` with each backslash before a brace replaced by a one-character sentinel absent
    from the text, and that sentinel ("" when there is nothing to mask).

    BibTeX counts every brace, ``\\{`` and ``\\}`` included; bibtexparser skips a brace after a
    backslash, so ``{a \\\\{b}}`` or ``{\\{}}`` would end (or not end) a value elsewhere than
    BibTeX does. Offsets and lines stay the same: one character replaces one character.
    """
    if _ESCAPED_BRACE.search(text) is None:  # (a regex: six times as fast as two ``in``)
        return text, ""
    sentinel = next(chr(c) for c in range(0xE000, 0xF8FF) if chr(c) not in text)
    return _ESCAPED_BRACE.sub(sentinel, text), sentinel


_ESCAPED_BRACE: Final = re.compile(r"\\(?=[{}])")


def _first_failure(blocks: Sequence[object]) -> int | None:
    """The 1-based line of the first block that failed to parse (not a repeated key or field)."""
    from bibtexparser import model as bm

    for block in blocks:
        ok = (bm.DuplicateBlockKeyBlock, bm.DuplicateFieldKeyBlock)
        if isinstance(block, bm.ParsingFailedBlock) and not isinstance(block, ok):
            return (block.start_line or 0) + 1
    return None


def _unmask(block: object, sentinel: str) -> None:
    """Put the backslashes :func:`_mask_escaped_braces` replaced back into a parsed block."""
    from bibtexparser import model as bm

    def back(value: str) -> str:
        return value.replace(sentinel, "\\") if isinstance(value, str) else value

    inner = getattr(block, "ignore_error_block", None)
    if inner is not None:
        _unmask(inner, sentinel)
    if isinstance(block, bm.Block) and block.raw:
        block._raw = back(block.raw)  # bibtexparser gives raw no setter
    if isinstance(block, bm.Entry):
        block.key = back(block.key)
        for f in block.fields:
            f.value = back(f.value)
    elif isinstance(block, bm.String):
        block.key, block.value = back(block.key), back(block.value)
    elif isinstance(block, bm.Preamble):
        block.value = back(block.value)
    elif isinstance(block, (bm.ExplicitComment, bm.ImplicitComment)):
        block.comment = back(block.comment)


def _accepted(block: object, line: int, lib: Library, problems: list[Problem]) -> Block | None:
    """The library block for one parsed block; failures BibTeX would not accept go to
    ``problems``; what BibTeX accepts silently or with a warning goes to ``lib.notes``."""
    from bibtexparser import model as bm

    if isinstance(block, bm.DuplicateFieldKeyBlock):  # (noted with the fields, below)
        block = block.ignore_error_block
    elif isinstance(block, bm.DuplicateBlockKeyBlock):
        block = block.ignore_error_block  # a repeated key or @string: noted below
    elif isinstance(block, bm.ParsingFailedBlock):
        problems.append(_problem(block))
        return None
    if isinstance(block, bm.Entry):
        named = [(f.key, f.value) for f in block.fields]
        return _reference(block.key, block.entry_type, named, line, lib)
    if isinstance(block, bm.String):
        return RawBlock("string", block.value, block.key)
    if isinstance(block, bm.Preamble):
        return RawBlock("preamble", block.value)
    if isinstance(block, bm.ExplicitComment):
        return RawBlock("comment", (block.raw or "").strip())
    return _text_block((getattr(block, "raw", None) or "").strip(), line, lib, problems)


def _text_block(text: str, line: int, lib: Library, problems: list[Problem]) -> Block | None:
    """The block for (stripped) text between blocks, if any; a field outside any entry goes
    to ``problems``, other odd text to ``lib.notes``."""
    stray = _stray_entry_text(text)
    if stray == _LOST:
        problems.append(Problem(line, stray))
        return None
    if stray:
        lib.notes.append(
            LoadNote("unread-entry" if stray == _UNREAD else "stray-text", line, stray)
        )
    return RawBlock("text", text) if text else None


def _reference(
    key: str, entry_type: str, named: Sequence[tuple[str, str]], line: int, lib: Library
) -> Reference:
    """The library entry for a parsed one: its key, type and (name, value) fields as written
    (its notes in ``lib``)."""
    # Names and types are interned: one string per name in memory, and the parse cache's
    # pickle writes each once
    fields = {_NAMES.get(name) or _name(name): value for name, value in named}
    if len(fields) < len(named):  # a name repeated (as BibTeX compares names: case aside)
        fields = {}
        for name, value in named:
            fields.setdefault(_NAMES.get(name) or _name(name), value)  # BibTeX keeps the first
        _note_repeated_fields(key, [name for name, _ in named], line, lib)
    lib.lines.setdefault(key, line)
    if not key.strip():
        lib.notes.append(LoadNote("no-key", line, "entry without a citation key (BibTeX "
                                  "skips it; it cannot be cited)"))  # fmt: skip
    return Reference(key, sys.intern(entry_type.lower()), fields)


_NAMES: dict[str, str] = {}
"""Field name as written → its interned lower-case form (a few dozen names in a library)."""


def _name(name: str) -> str:
    low = sys.intern(name.lower())
    if len(_NAMES) < 4096 and len(name) <= 64:  # (a hostile file's names are not all kept)
        _NAMES[name] = low
    return low


def _note_repeated_fields(key: str, names: list[str], line: int, lib: Library) -> None:
    """The note for an entry naming a field twice (``title`` and ``TITLE`` too: bibtexparser
    tells only names repeated exactly; BibTeX ignores case and keeps the first)."""
    seen: set[str] = set()
    again: set[str] = set()
    for name in (n.lower() for n in names):
        (again if name in seen else seen).add(name)
    message = f"field repeated in one entry: {', '.join(sorted(again))}; BibTeX uses the first"
    lib.notes.append(LoadNote("duplicate-field", line, message, key))


def _note_string(block: RawBlock, line: int, first: dict[str, int], lib: Library) -> None:
    name = block.name.lower()
    if name in first:
        lib.notes.append(
            LoadNote("repeated-string", line, f"@string {block.name} is defined again (first at "
                     f"line {first[name]}); BibTeX uses this later value from here on")
        )  # fmt: skip
    else:
        first[name] = line


_LOST_FIELD = re.compile(r"^\s*,?\s*[A-Za-z][\w\-:.]*\s*=\s*[{\"\w]", re.MULTILINE)
_LOST: Final = "a field outside any entry (a '}' too many, or a missing '@type{key,')"
_SPACED_ENTRY = re.compile(r"^\s*@\s+[A-Za-z][\w\-]*\s*[{(]", re.MULTILINE)
_UNREAD: Final = (
    "an entry with a space after '@': BibTeX reads it, dlbib cannot (it is kept as text, "
    "but cannot be cited or synced); write '@type{' without the space"
)


def _stray_entry_text(text: str) -> str | None:
    """What is odd about text between entries: a field outside any entry (a ``}`` too many
    closed it early: a parse failure, since saving would move the field out of its entry), or
    a stray ``}`` alone (BibTeX ignores it; kept byte for byte). ``%`` lines are not looked at.
    """
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("%"))
    if _SPACED_ENTRY.search(body):
        return _UNREAD
    if _LOST_FIELD.search(body):
        return _LOST
    if body.count("}") > body.count("{"):
        return "a stray '}' between entries (BibTeX ignores it; kept as it is)"
    return None


def _problem(block: object) -> Problem:
    from bibtexparser import model as bm

    assert isinstance(block, bm.ParsingFailedBlock)
    line = (block.start_line or 0) + 1
    error = block.error
    if isinstance(block, bm.DuplicateBlockKeyBlock):
        reason = f"duplicate citation key {block.key!r}"
    elif isinstance(block, bm.DuplicateFieldKeyBlock):
        reason = f"field repeated in one entry: {', '.join(sorted(block.duplicate_keys))}"
    else:
        abort = getattr(error, "abort_reason", None)  # bibtexparser's own words, when it has them
        detail = " ".join(str(abort or error).split())
        reason = detail or f"{type(error).__name__}: entry is not closed (unbalanced braces?)"
    return Problem(line, reason)
