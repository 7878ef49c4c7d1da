"""Load and save library.bib: bibtexparser v2 for parsing, a canonical writer, locked atomic saves.

The :class:`Library` keeps every block of the file in order — entries as :class:`Reference`,
``@string``, ``@preamble`` and comments as :class:`RawBlock` — and, in its :class:`Layout`, the
exact text each came from, so a save rewrites only the blocks that changed (:mod:`.layout`) and
writes the file back in the encoding it was read in (:mod:`.encoding`). It loads what BibTeX
loads: a repeated ``@string`` (the later one wins), a stray ``}`` between entries, repeated keys
(BibTeX uses the first; writing such a library is refused) — and says so in :attr:`Library.notes`.
It does not fetch metadata, generate keys or lint; those live in their own modules.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from dlbib.errors import (
    DuplicateKeyError,
    LibraryError,
    LockedError,
    Problem,
    ReferenceNotFoundError,
)
from dlbib.library.blocks import Block, BlockKind, LoadNote, RawBlock
from dlbib.library.encoding import TextEncoding, check_codec, decode_library, encode_library
from dlbib.library.files import LockHeldError, atomic_write, file_lock
from dlbib.library.keyindex import KeyIndex, repeated_keys
from dlbib.library.layout import Layout, build_layout
from dlbib.library.model import Reference
from dlbib.library.render import (
    FIELD_ORDER,
    block_source,
    render_block,
    render_library,
    render_reference,
    render_text,
)

__all__ = [
    "FIELD_ORDER", "Block", "BlockKind", "Library", "LoadNote", "RawBlock", "edit_library",
    "format_library", "library_lock", "load_library", "parse_library", "render_block",
    "render_library", "render_reference", "save_library",
]  # fmt: skip

_log = logging.getLogger(__name__)


@dataclass
class Library:
    """The blocks of one library file, in file order; entries found by key through an index."""

    path: Path
    blocks: list[Block] = field(default_factory=list)
    """Append freely (the key index follows); after other edits in place, :meth:`reindex`."""
    lines: dict[str, int] = field(default_factory=dict)
    """Citation key → 1-based line of its entry in the file it was loaded from."""
    digest: str = ""
    """SHA-256 of the file's bytes when loaded (empty for a library built in memory): a save
    refuses to replace a file that changed on disk since, e.g. in an editor."""
    layout: Layout | None = None
    """The text each loaded block came from (None: render every block canonically)."""
    encoding: TextEncoding = field(default_factory=TextEncoding)
    """The file's encoding; a save writes it back the same way."""
    notes: list[LoadNote] = field(default_factory=list)
    """What BibTeX would accept or warn about, found while loading (for ``dlbib check``)."""
    on_save: Callable[[Library, Path, bytes], None] | None = field(default=None, compare=False)
    """Called with (library, path, bytes) after each save that wrote (the parse cache's hook)."""
    _index: KeyIndex = field(default_factory=KeyIndex, init=False, repr=False, compare=False)

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
        self._index.rebuild(self.blocks)

    def duplicate_keys(self) -> list[tuple[str, list[int]]]:
        """Keys that more than one entry has (compared ignoring case, as BibTeX does), each with
        the lines of all its entries; BibTeX uses the first. Empty keys are not counted."""
        return repeated_keys(self.blocks, self.layout.segments if self.layout else ())

    def block_text(self, block: Block) -> str:
        """The block as the file has it (verbatim when unchanged since loading), else canonical."""
        return block_source(self.layout, block)

    def find(self, key: str) -> Reference | None:
        """The entry with this key (compared case-insensitively, as BibTeX does), or None."""
        pos = self._index.position(self.blocks, key)
        found = None if pos is None else self.blocks[pos]
        return found if isinstance(found, Reference) else None

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
        pos = self._index.position(self.blocks, ref.key)
        if pos is None or getattr(self.blocks[pos], "key", None) != ref.key:
            raise ReferenceNotFoundError(ref.key)
        self.blocks[pos] = ref


def parse_library(text: str, path: Path) -> Library:
    """Parse library text; ``path`` names the file in errors.

    What BibTeX accepts loads — repeated keys and ``@string``s, a stray ``}``, a repeated field —
    and is listed in :attr:`Library.notes`; the file's layout is kept for minimal-diff saves.

    :raises LibraryError: listing every block that failed to parse, with line and reason.
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
    lib = Library(path)
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
    if problems:
        noun = "block" if len(problems) == 1 else "blocks"
        raise LibraryError(path, f"{len(problems)} {noun} failed to parse", problems)
    lib.layout = build_layout(text, pieces)
    for key, lines in lib.duplicate_keys():
        where = ", ".join(f"line {n}" for n in lines)
        lib.notes.append(
            LoadNote("duplicate-key", lines[1], f"key {key!r} is repeated ({where}); "
                     f"BibTeX uses the first (line {lines[0]})", key)
        )  # fmt: skip
    return lib


def _accepted(block: object, line: int, lib: Library, problems: list[Problem]) -> Block | None:
    """The library block for one parsed block; failures BibTeX would not accept go to
    ``problems``; what BibTeX accepts silently or with a warning goes to ``lib.notes``."""
    from bibtexparser import model as bm

    if isinstance(block, bm.DuplicateFieldKeyBlock):
        names = ", ".join(sorted(block.duplicate_keys))
        block = block.ignore_error_block
        key = block.key if isinstance(block, bm.Entry) else None
        message = f"field repeated in one entry: {names}; BibTeX uses the first"
        lib.notes.append(LoadNote("duplicate-field", line, message, key))
    elif isinstance(block, bm.DuplicateBlockKeyBlock):
        block = block.ignore_error_block  # a repeated key or @string: noted below
    elif isinstance(block, bm.ParsingFailedBlock):
        problems.append(_problem(block))
        return None
    if isinstance(block, bm.Entry):
        fields: dict[str, str] = {}
        for f in block.fields:
            fields.setdefault(f.key.lower(), f.value)  # a repeated field: BibTeX keeps the first
        lib.lines.setdefault(block.key, line)
        if not block.key.strip():
            lib.notes.append(LoadNote("no-key", line, "entry without a citation key (BibTeX "
                                      "skips it; it cannot be cited)"))  # fmt: skip
        return Reference(block.key, block.entry_type.lower(), fields)
    if isinstance(block, bm.String):
        return RawBlock("string", block.value, block.key)
    if isinstance(block, bm.Preamble):
        return RawBlock("preamble", block.value)
    if isinstance(block, bm.ExplicitComment):
        return RawBlock("comment", (block.raw or "").strip())
    raw = getattr(block, "raw", None) or ""
    text = raw.strip()
    stray = _stray_entry_text(text)
    if stray == _LOST:
        problems.append(Problem(line, stray))
        return None
    if stray:
        lib.notes.append(
            LoadNote("unread-entry" if stray == _UNREAD else "stray-text", line, stray)
        )
    return RawBlock("text", text) if text else None


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


def read_library_bytes(path: Path) -> bytes:
    """The bytes of a library file.

    :raises LibraryError: when it is missing or unreadable.
    """
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise LibraryError(path, "no such file (create it, or pass --library PATH)") from exc
    except IsADirectoryError as exc:
        raise LibraryError(path, "is a folder, not a .bib file") from exc
    except OSError as exc:
        raise LibraryError(path, f"cannot be read: {exc.strerror}") from exc


def read_library_text(path: Path, encoding: str | None = None) -> str:
    """Read a library file as text, in its encoding (BOM, JabRef header, ``encoding``, UTF-8).

    :raises LibraryError: when it is missing, unreadable, or not valid in its encoding.
    """
    return decode_library(read_library_bytes(path), path, encoding)[0]


def load_library(path: Path, *, encoding: str | None = None) -> Library:
    """Load and fully parse a library file.

    :param encoding: the file's encoding when it has no BOM or JabRef header (default: the
        ``--encoding`` override, ``DLBIB_ENCODING``, else UTF-8).
    :raises LibraryError: when the file is missing, not in its encoding, or a block fails to
        parse the way BibTeX would refuse it too.
    """
    data = read_library_bytes(path)
    text, enc = decode_library(data, path, encoding)
    library = parse_library(text, path)
    library.encoding = enc
    library.digest = _digest(data)
    return library


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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
    """Write the library atomically, under the lock, changing only what changed since loading
    (:func:`render_text`), in the encoding it was read in.

    :returns: True when the file changed, False when its bytes were already the same.
    :raises DuplicateKeyError: when keys repeat (every repeated key listed; nothing written).
    :raises LibraryError: when the file cannot be written (the old bytes stay).
    :raises LockedError: when another process holds the lock.
    """
    target = path or library.path
    refuse_duplicate_keys(library)
    text = encode_library(render_text(library.blocks, library.layout), library.encoding, target)
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
        library.on_save(library, target, text)
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
        refuse_duplicate_keys(library)
        yield library
        save_library(library, path)


def refuse_duplicate_keys(library: Library) -> None:
    """Refuse to write a library whose keys repeat, naming every repeated key at once.

    :raises DuplicateKeyError: listing each repeated key with all its lines.
    """
    groups = library.duplicate_keys()
    if groups:
        raise DuplicateKeyError.of_groups(library.path, groups)


def format_library(path: Path, *, encoding: str | None = None, write: bool = True) -> bool:
    """``dlbib format``: rewrite the whole file in the canonical layout (and, with ``encoding``,
    convert it, updating a JabRef ``Encoding:`` header to match).

    :param write: False only reports whether the file would change.
    :returns: True when the file changed (or would).
    :raises DuplicateKeyError: when keys repeat (nothing written).
    :raises LibraryError: when the file cannot be read, parsed, encoded or written.
    """
    with library_lock(path):
        library = load_library(path)
        refuse_duplicate_keys(library)
        if encoding is not None:
            try:
                name = check_codec(encoding)
            except LookupError as exc:
                raise LibraryError(path, f"unknown encoding {encoding!r}") from exc
            if name != library.encoding.name:
                library.encoding = TextEncoding(name, b"", "option")
                library.blocks = [_relabel(b, library.encoding) for b in library.blocks]
        library.layout = None
        if write:
            return save_library(library, path)
        text = encode_library(render_text(library.blocks, None), library.encoding, path)
        return _digest(text) != library.digest


_HEADER_RE: Final = re.compile(r"(?m)^(\s*%?\s*Encoding:\s*)\S+")


def _relabel(block: Block, enc: TextEncoding) -> Block:
    if isinstance(block, RawBlock) and block.kind in ("text", "comment"):
        return RawBlock(block.kind, _HEADER_RE.sub(lambda m: m.group(1) + enc.label, block.text))
    return block
