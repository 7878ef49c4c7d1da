"""The in-memory library: :class:`Library`, the blocks of one file in order, and key look-ups.

It holds what :mod:`.parse` read and what a save writes (:mod:`.bibfile`); it reads no file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import is_
from pathlib import Path

from dlbib.errors import DuplicateKeyError, ReferenceNotFoundError
from dlbib.library.blocks import Block, LoadNote, RawBlock
from dlbib.library.encoding import TextEncoding
from dlbib.library.keyindex import KeyIndex
from dlbib.library.layout import Layout
from dlbib.library.model import Reference
from dlbib.library.render import block_source


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
    _as_read: tuple[list[Block], Layout | None, TextEncoding] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    """The blocks, layout and encoding whose text the file holds (:meth:`mark_as_file`)."""

    def mark_as_file(self) -> None:
        """Remember that the file holds exactly this library's text now (after a load or a
        save): until a block, the layout or the encoding changes, a save has nothing to do."""
        self._as_read = (list(self.blocks), self.layout, self.encoding)

    def is_as_file(self) -> bool:
        """True when nothing changed since :meth:`mark_as_file` (the blocks compared by
        identity: they are immutable, so an edit is a new block in the list)."""
        known = self._as_read
        return (
            known is not None
            and known[1] is self.layout
            and known[2] == self.encoding
            and len(known[0]) == len(self.blocks)
            and all(map(is_, known[0], self.blocks))
        )

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
        return find_duplicate_keys(self)

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


def find_duplicate_keys(library: Library) -> list[tuple[str, list[int]]]:
    """See :meth:`Library.duplicate_keys`."""
    keys = [b.key.lower() for b in library.blocks if isinstance(b, Reference) and b.key.strip()]
    if len(set(keys)) == len(keys):
        return []  # (the usual case, found without a list of lines per key)
    lines: dict[str, list[int]] = {}
    spelled: dict[str, str] = {}
    layout_lines = _block_lines(library)
    for block in library.blocks:
        if isinstance(block, Reference) and block.key.strip():
            folded = block.key.lower()
            spelled.setdefault(folded, block.key)
            lines.setdefault(folded, []).append(layout_lines.get(id(block), 0))
    return [(spelled[k], v) for k, v in lines.items() if len(v) > 1]


def _block_lines(library: Library) -> dict[int, int]:
    if library.layout is None:
        return {}
    return {id(s.block): s.line for s in library.layout.segments}
