"""Load and save library.bib: bibtexparser v2 for parsing, a canonical writer, locked atomic saves.

The :class:`Library` keeps every block of the file in order — entries as :class:`Reference`,
``@string``, ``@preamble`` and comments as :class:`RawBlock` — so a round trip loses nothing.
It does not fetch metadata, generate keys or lint; those live in their own modules.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal, Protocol

from dlbib.errors import (
    DuplicateKeyError,
    LibraryError,
    LockedError,
    Problem,
    ReferenceNotFoundError,
)
from dlbib.library.files import LockHeldError, atomic_write, file_lock
from dlbib.library.model import Reference

FIELD_ORDER: Final = (
    "author", "editor", "title", "booktitle", "journal", "series", "volume", "number", "pages",
    "publisher", "organization", "institution", "school", "address", "edition", "howpublished",
    "type", "year", "month", "date", "doi", "isbn", "issn", "eprint", "archiveprefix",
    "primaryclass", "url", "pdfurl", "urldate", "file", "keywords", "note", "abstract",
)  # fmt: skip
"""Canonical field order; fields not listed follow in the order they had."""

_log = logging.getLogger(__name__)

_RANK: Final = {name: i for i, name in enumerate(FIELD_ORDER)}

BlockKind = Literal["string", "preamble", "comment", "text"]


@dataclass(frozen=True, slots=True)
class RawBlock:
    """A non-entry block kept verbatim: ``@string``, ``@preamble``, ``@comment`` or free text."""

    kind: BlockKind
    text: str
    """The block as written (for ``string``: the raw value expression)."""
    name: str = ""
    """The macro name of a ``@string`` block."""


Block = Reference | RawBlock


@dataclass
class Library:
    """The blocks of one library file, in file order.

    Keys are found through an index (case-folded key → position in :attr:`blocks`), so
    :meth:`find`, :meth:`add` and :meth:`replace` cost the same at any size.
    """

    path: Path
    blocks: list[Block] = field(default_factory=list)
    """Every block in file order. Append to it freely (the index follows); other edits in place
    go through :meth:`add` and :meth:`replace`, or are followed by :meth:`reindex`."""
    lines: dict[str, int] = field(default_factory=dict)
    """Citation key → 1-based line of its entry in the file it was loaded from."""
    digest: str = ""
    """SHA-256 of the file's bytes when loaded (empty for a library built in memory): a save
    refuses to replace a file that changed on disk since, e.g. in an editor."""
    on_save: SaveListener | None = field(default=None, repr=False, compare=False)
    """Told about each successful save (the parse cache uses it to stay warm)."""
    _index: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    _indexed: int = field(default=0, init=False, repr=False, compare=False)
    """How many leading blocks :attr:`_index` covers."""

    @property
    def references(self) -> list[Reference]:
        """Every entry, in file order."""
        return [b for b in self.blocks if isinstance(b, Reference)]

    @property
    def strings(self) -> dict[str, str]:
        """``@string`` macros: lower-case name → raw value expression."""
        return {
            b.name.lower(): b.text
            for b in self.blocks
            if isinstance(b, RawBlock) and b.kind == "string"
        }

    def keys(self) -> list[str]:
        """Every citation key, in file order."""
        return [r.key for r in self.references]

    def reindex(self) -> None:
        """Rebuild the key index from :attr:`blocks` (after editing them in place)."""
        self._index = {}
        self._indexed = 0
        self._catch_up()

    def _catch_up(self) -> None:
        """Index blocks appended since the last look-up; rebuild when the list shrank."""
        blocks = self.blocks
        if len(blocks) < self._indexed:
            self.reindex()
            return
        index = self._index
        for i in range(self._indexed, len(blocks)):
            block = blocks[i]
            if isinstance(block, Reference):
                index.setdefault(block.key.lower(), i)  # the first of repeated keys, as BibTeX
        self._indexed = len(blocks)

    def _position(self, key: str) -> int | None:
        """Where the entry with ``key`` (case-insensitively) is in :attr:`blocks`, or None."""
        self._catch_up()
        folded = key.lower()
        pos = self._index.get(folded)
        if pos is None:
            return None
        block = self.blocks[pos]
        if not (isinstance(block, Reference) and block.key.lower() == folded):
            self.reindex()  # blocks were moved by hand: look again
            pos = self._index.get(folded)
        return pos

    def find(self, key: str) -> Reference | None:
        """The entry with this key (compared case-insensitively, as BibTeX does), or None."""
        pos = self._position(key)
        if pos is None:
            return None
        block = self.blocks[pos]
        assert isinstance(block, Reference)
        return block

    def get(self, key: str) -> Reference:
        """The entry with this key.

        :raises ReferenceNotFoundError: when there is none (with close keys as suggestions).
        """
        ref = self.find(key)
        if ref is None:
            import difflib

            close = difflib.get_close_matches(key, self.keys(), n=3, cutoff=0.6)
            raise ReferenceNotFoundError(key, close)
        return ref

    def add(self, ref: Reference) -> None:
        """Append a new entry.

        :raises DuplicateKeyError: when the key (case-insensitively) is taken.
        """
        present = self.find(ref.key)
        if present is not None:
            raise DuplicateKeyError(self.path, ref.key, [self.lines.get(present.key, 0)])
        self.blocks.append(ref)

    def replace(self, ref: Reference) -> None:
        """Replace the entry with the same key in place; the key itself never changes.

        :raises ReferenceNotFoundError: when no entry has that key.
        """
        pos = self._position(ref.key)
        current = None if pos is None else self.blocks[pos]
        if pos is None or not isinstance(current, Reference) or current.key != ref.key:
            raise ReferenceNotFoundError(ref.key)
        self.blocks[pos] = ref


class SaveListener(Protocol):
    """Something told when a library was saved (see :attr:`Library.on_save`)."""

    def saved(self, library: Library, path: Path, data: bytes) -> None:
        """``library`` was written to ``path`` as ``data``."""


def parse_library(text: str, path: Path) -> Library:
    """Parse library text; ``path`` names the file in errors.

    :raises LibraryError: listing every block that failed to parse, with line and reason.
    :raises DuplicateKeyError: when two keys are equal ignoring case.
    """
    # Parsing makes hundreds of thousands of small objects and no reference cycles; the cyclic
    # GC would rescan the growing heap again and again (about 8% of a 10,000-entry load).
    with _gc_paused():
        library = _parse_library(text, path)
    _log.debug("%s: parsed %d blocks", path, len(library.blocks))
    return library


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse_library(text: str, path: Path) -> Library:
    from bibtexparser import model as bm
    from bibtexparser.entrypoint import parse_string

    # An empty parse stack keeps raw values: braces, quotes, @string references untouched.
    # bibtexparser also logs each failure (with 0-based lines); the LibraryError says it once.
    quiet = logging.getLogger("bibtexparser")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        parsed = parse_string(text, parse_stack=[])
    finally:
        quiet.setLevel(level)
    if parsed.failed_blocks:
        problems = [_problem(b) for b in parsed.failed_blocks]
        noun = "block" if len(problems) == 1 else "blocks"
        raise LibraryError(path, f"{len(problems)} {noun} failed to parse", problems)
    lib = Library(path)
    seen: dict[str, tuple[str, int]] = {}
    for block in parsed.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, bm.Entry):
            folded = block.key.lower()
            if folded in seen:
                raise DuplicateKeyError(path, block.key, [seen[folded][1], line])
            seen[folded] = (block.key, line)
            fields = {f.key.lower(): f.value for f in block.fields}
            lib.blocks.append(Reference(block.key, block.entry_type.lower(), fields))
            lib.lines[block.key] = line
        elif isinstance(block, bm.String):
            lib.blocks.append(RawBlock("string", block.value, block.key))
        elif isinstance(block, bm.Preamble):
            lib.blocks.append(RawBlock("preamble", block.value))
        elif isinstance(block, bm.ExplicitComment):
            lib.blocks.append(RawBlock("comment", (block.raw or "").strip()))
        elif (block.raw or "").strip():
            text = (block.raw or "").strip()
            stray = _stray_entry_text(text)
            if stray:
                raise LibraryError(path, "1 block failed to parse", [Problem(line, stray)])
            lib.blocks.append(RawBlock("text", text))
    return lib


_LOST_FIELD = re.compile(r"^\s*,?\s*[A-Za-z][\w\-:.]*\s*=\s*[{\"\w]", re.MULTILINE)


def _stray_entry_text(text: str) -> str | None:
    """Why text between entries is really a torn entry (a ``}`` too many closed it early).

    bibtexparser keeps such leftovers as a comment; saving would then move the fields out of
    their entry, so they count as a parse failure. ``%`` comment lines are not looked at.
    """
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("%"))
    if body.count("}") > body.count("{"):
        return "unbalanced braces: a '}' closes an entry early (fields left outside it)"
    if _LOST_FIELD.search(body):
        return "a field outside any entry (a '}' too many, or a missing '@type{key,')"
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


def read_library_text(path: Path) -> str:
    """Read a library file as UTF-8.

    :raises LibraryError: when it is missing, unreadable, or not valid UTF-8 (with the line).
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise LibraryError(path, "no such file (create it, or pass --library PATH)") from exc
    except IsADirectoryError as exc:
        raise LibraryError(path, "is a folder, not a .bib file") from exc
    except OSError as exc:
        raise LibraryError(path, f"cannot be read: {exc.strerror}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LibraryError(
            path, "is not UTF-8", [Problem(line, f"byte 0x{data[exc.start]:02x} is not UTF-8")]
        ) from exc


def load_library(path: Path) -> Library:
    """Load and fully parse a library file.

    :raises LibraryError: when the file is missing, not UTF-8, or any block fails to parse.
    """
    text = read_library_text(path)
    library = parse_library(text, path)
    library.digest = _digest(text.encode("utf-8"))
    return library


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _field_sort_key(item: tuple[int, str]) -> tuple[int, int]:
    index, name = item
    return (_RANK.get(name, len(_RANK)), index)


def render_reference(ref: Reference) -> str:
    """One entry in canonical form: lower-case type, canonical field order, one field a line."""
    names = sorted(enumerate(ref.fields), key=_field_sort_key)
    body = "".join(f"  {name} = {ref.fields[name]},\n" for _, name in names)
    return f"@{ref.entry_type}{{{ref.key},\n{body}}}"


def render_block(block: Block) -> str:
    """One block in canonical form."""
    if isinstance(block, Reference):
        return render_reference(block)
    if block.kind == "string":
        return f"@string{{{block.name} = {block.text}}}"
    if block.kind == "preamble":
        return f"@preamble{{{block.text}}}"
    return block.text


def render_library(blocks: Iterable[Block]) -> str:
    """The whole file: blocks separated by one blank line, ending with a newline."""
    return "\n\n".join(render_block(b) for b in blocks) + "\n"


@contextlib.contextmanager
def library_lock(path: Path) -> Iterator[None]:
    """Hold the library's lock, so no second dlbib process writes it meanwhile.

    :raises LockedError: when another process holds it.
    """
    try:
        lock = file_lock(path)
        lock.__enter__()
    except LockHeldError as exc:
        raise LockedError(path, "another dlbib process is using this library; try again") from exc
    except OSError as exc:
        raise LibraryError(path, f"cannot be written: {exc.strerror or exc}") from exc
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


def save_library(library: Library, path: Path | None = None) -> bool:
    """Write the library canonically and atomically, under the lock.

    :returns: True when the file changed, False when its bytes were already canonical.
    :raises LibraryError: when the file cannot be written (the old bytes stay).
    :raises LockedError: when another process holds the lock.
    """
    target = path or library.path
    text = render_library(library.blocks).encode("utf-8")
    with library_lock(target):
        try:
            on_disk: bytes | None = target.read_bytes()
        except OSError:
            on_disk = None
        if on_disk == text:
            library.digest = _digest(text)
            return False
        edited = on_disk is not None and _digest(on_disk) != library.digest
        if library.digest and target == library.path and edited:
            raise LibraryError(
                target,
                "changed on disk since dlbib read it (edited meanwhile?); nothing was "
                "written, run the command again",
            )
        try:
            atomic_write(target, text)
        except OSError as exc:
            raise LibraryError(target, f"cannot be written: {exc.strerror or exc}") from exc
    library.digest = _digest(text)
    if library.on_save is not None:
        library.on_save.saved(library, target, text)
    return True


@contextlib.contextmanager
def edit_library(path: Path) -> Iterator[Library]:
    """Lock, load, let the caller change the library, then save it if nothing raised.

    On an exception the file is left exactly as it was.

    :raises LockedError: when another process holds the lock.
    :raises LibraryError: when the file cannot be loaded or written.
    """
    with library_lock(path):
        library = load_library(path)
        yield library
        save_library(library, path)
