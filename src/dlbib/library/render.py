"""How blocks are written: the canonical form, and a save's text that keeps the file's own.

:func:`render_library` is the canonical layout (``dlbib format``, new files); :func:`render_text`
is what a save writes — every unchanged block as the file had it, changed entries edited field
by field (:mod:`.layout`), new blocks canonical. No I/O here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from dlbib.library.blocks import Block
from dlbib.library.layout import Layout, Segment, edit_entry
from dlbib.library.model import Reference

FIELD_ORDER: Final = (
    "author", "editor", "title", "booktitle", "journal", "series", "volume", "number", "pages",
    "publisher", "organization", "institution", "school", "address", "edition", "howpublished",
    "type", "year", "month", "date", "doi", "isbn", "issn", "eprint", "archiveprefix",
    "primaryclass", "url", "pdfurl", "urldate", "file", "keywords", "note", "abstract",
)  # fmt: skip
"""Canonical field order; fields not listed follow in the order they had."""

_RANK: Final = {name: i for i, name in enumerate(FIELD_ORDER)}


def canonical_order(names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` in canonical order: ranked ones by :data:`FIELD_ORDER`, the others after them
    in the order they had. Memoised: a library's entries share a few dozen sets of names."""
    found = _ORDERS.get(names)
    if found is None:
        last = len(_RANK)
        found = tuple(
            n for _, _, n in sorted([(_RANK.get(n, last), i, n) for i, n in enumerate(names)])
        )
        if len(_ORDERS) < 4096 and sum(map(len, names)) <= 2048:  # (not a hostile file's)
            _ORDERS[names] = found
    return found


_ORDERS: dict[tuple[str, ...], tuple[str, ...]] = {}


def render_reference(ref: Reference) -> str:
    """One entry in canonical form: lower-case type, canonical field order, one field a line."""
    fields = ref.fields
    body = "".join([f"  {name} = {fields[name]},\n" for name in canonical_order(tuple(fields))])
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
    """The whole file in canonical form: blocks separated by one blank line, ending with a
    newline (what ``dlbib format`` writes)."""
    out: list[str] = []
    for block in blocks:
        out.append(render_block(block))
        out.append("\n\n")
    if out:
        out[-1] = "\n"
    # joined once: ``join(...) + "\n"`` would copy the whole file's text once more
    return "".join(out) or "\n"


def render_text(blocks: list[Block], layout: Layout | None) -> str:
    """The file's text for a save: unchanged blocks as they were, changed entries edited field
    by field, new blocks canonical (see :mod:`.layout`); all canonical without a layout."""
    if layout is not None and not layout.segments and not blocks:
        return layout.tail  # an empty (or blank) file stays as it was
    if layout is None or not layout.segments:
        return render_library(blocks)
    matched = _match_segments(blocks, layout)
    out: list[str] = []
    for block, segment in zip(blocks, matched, strict=True):
        if segment is None:
            text = render_block(block).replace("\n", layout.newline)
            out.append(("" if not out else layout.newline * 2) + text)
        else:
            out.append(segment.gap + _segment_text(segment, block, layout))
    out.append(layout.tail)  # (``join(out) + tail`` would copy the whole text once more)
    return "".join(out)


def _segment_text(segment: Segment, block: Block, layout: Layout) -> str:
    if block is segment.block or block == segment.block:
        return segment.text
    old = segment.block
    if (
        isinstance(block, Reference)
        and isinstance(old, Reference)
        and not _edits_canonically(segment, old, block, layout.newline)
    ):
        edited = edit_entry(segment.text, old, block, _RANK.get, layout.newline)
        if edited is not None:
            return edited
    return render_block(block).replace("\n", layout.newline)


def _edits_canonically(segment: Segment, old: Reference, new: Reference, newline: str) -> bool:
    """True when editing the entry's text field by field gives the canonical text of ``new``,
    so rendering that is the same save at a third of the cost (no scan of the old text).

    That holds when the text is the canonical text of ``old`` (an entry dlbib wrote) and the
    fields ``new`` adds come in canonical order: the edit keeps the other lines as they are
    (canonical, in canonical order), changes a value in place, removes a field's line, and
    puts each new field before the first field ranking after it (else last), each in the
    canonical ``  name = value,`` of its neighbours; fields added at one place keep their
    order, which is the canonical one when their ranks do not decrease (unranked last).
    tests/test_render_canonical.py compares the two on every edit of real libraries."""
    if new.key != old.key or not segment.text.endswith("," + newline + "}"):
        return False  # (a quick no for most text another program wrote)
    last = -1
    for name in new.fields:
        if name not in old.fields:
            rank = _RANK.get(name, len(_RANK))
            if rank < last:
                return False
            last = rank
    if newline != "\n" and any("\r" in value for value in new.fields.values()):
        return False  # (the edit writes a CR LF inside a value as is, the canonical text not)
    text = render_reference(old)
    return segment.text == (text if newline == "\n" else text.replace("\n", newline))


def _match_segments(blocks: list[Block], layout: Layout) -> list[Segment | None]:
    """For each block, the segment it was loaded from (same object, else the same key or the
    same raw block not yet taken), or None for a new block."""
    by_id = {id(s.block): i for i, s in enumerate(layout.segments)}
    taken: set[int] = set()
    result: list[int | None] = []
    for block in blocks:
        i = by_id.get(id(block))
        if i is not None and i not in taken and layout.segments[i].block is block:
            taken.add(i)
            result.append(i)
        else:
            result.append(None)
    spare: dict[object, list[int]] = {}
    for i, s in enumerate(layout.segments):
        if i not in taken:
            spare.setdefault(_identity(s.block), []).append(i)
    for n, block in enumerate(blocks):
        if result[n] is None:
            free = spare.get(_identity(block))
            if free:
                result[n] = free.pop(0)
    return [None if i is None else layout.segments[i] for i in result]


def _identity(block: object) -> object:
    if isinstance(block, Reference):
        return ("entry", block.key.lower())
    return block


def block_source(layout: Layout | None, block: Block) -> str:
    """The block as the file has it (verbatim when unchanged since loading), else canonical."""
    if layout is not None:
        segment = layout.segment_of(block)
        if segment is not None:
            return segment.text
        if isinstance(block, Reference):
            for segment in layout.segments:
                if isinstance(segment.block, Reference) and segment.block.key == block.key:
                    return _segment_text(segment, block, layout)
    return render_block(block)
