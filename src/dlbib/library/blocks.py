"""The blocks of a library file besides entries (:class:`RawBlock`), and loader notes.

Value types only; no I/O, no parsing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dlbib.library.model import Reference

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


@dataclass(frozen=True, slots=True)
class LoadNote:
    """Something BibTeX accepts (perhaps with a warning) that the loader noticed."""

    code: str
    """``repeated-string``, ``stray-text``, ``unread-entry``, ``duplicate-key``,
    ``duplicate-field``, ``no-key`` or ``escaped-brace``."""
    line: int
    message: str
    key: str | None = None
