"""The key index of a library: case-folded citation key → position of its entry in the blocks.

It lets :class:`~dlbib.library.bibfile.Library` find, add and replace entries at the same
cost at any size. It follows blocks appended to the list; it notices a position that no longer
holds its key (blocks moved by hand) and rebuilds. It knows nothing of files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from dlbib.library.model import Reference


@dataclass
class KeyIndex:
    """Positions of entries in a block list, by key compared ignoring case (as BibTeX does)."""

    positions: dict[str, int] = field(default_factory=dict)
    covered: int = 0
    """How many leading blocks :attr:`positions` covers."""

    def rebuild(self, blocks: Sequence[object]) -> None:
        """Index ``blocks`` from scratch (after editing them in place)."""
        self.positions = {}
        self.covered = 0
        self._catch_up(blocks)

    def _catch_up(self, blocks: Sequence[object]) -> None:
        """Index blocks appended since the last look-up; rebuild when the list shrank."""
        if len(blocks) < self.covered:
            self.rebuild(blocks)
            return
        positions = self.positions
        for i in range(self.covered, len(blocks)):
            block = blocks[i]
            if isinstance(block, Reference):
                positions.setdefault(block.key.lower(), i)  # the first of repeated keys
        self.covered = len(blocks)

    def position(self, blocks: Sequence[object], key: str) -> int | None:
        """Where the entry with ``key`` (case-insensitively) is in ``blocks``, or None."""
        self._catch_up(blocks)
        folded = key.lower()
        pos = self.positions.get(folded)
        if pos is None:
            return None
        block = blocks[pos]
        if not (isinstance(block, Reference) and block.key.lower() == folded):
            self.rebuild(blocks)  # blocks were moved by hand: look again
            pos = self.positions.get(folded)
        return pos
