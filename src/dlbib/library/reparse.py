"""Parse an edited library again without parsing the blocks that did not change.

After an edit (by hand, in an editor, by another tool) a library of 10,000 entries differs from
the one dlbib last parsed in a few blocks. :func:`reparse` takes the library as it was parsed
before (the parse cache keeps it) and the new text, finds the one stretch of text that differs
(common prefix and suffix), widens it to whole blocks — one more block on each side, and
further until both ends sit on a line boundary between blocks, where bibtexparser's scanner
is in the same state as in a parse of the whole file — and parses only that stretch. The
blocks before it are kept as they are, the blocks after it are kept with their lines moved,
and everything that depends on more than one block (repeated ``@string``\\ s, repeated keys,
each key's line) is worked out again over the whole library, in the order a full parse gives.

It is an optimisation with a proof obligation, so it is conservative: whenever it cannot be
sure to produce exactly what :func:`~dlbib.library.parse.parse_library` would — the stretch
fails to parse (the full parse reports it, with the right lines), the file was read with the
escaped-brace fallback, two blocks share a line next to a note, the layout would not give the
file back byte for byte — it returns None and the caller parses the whole file.
``tests/test_reparse.py`` compares it with a full parse on thousands of generated edits of real
libraries.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Final

from dlbib.errors import LibraryError
from dlbib.library.blocks import LoadNote, RawBlock
from dlbib.library.collection import Library
from dlbib.library.layout import Layout, Segment
from dlbib.library.limits import check_nesting
from dlbib.library.model import Reference
from dlbib.library.parse import _note_string, _parse_library, duplicate_key_note, gc_paused

_ACROSS: Final = frozenset({"repeated-string", "duplicate-key"})
"""Notes that depend on more than one block: worked out again over the whole library."""
_CRLF: Final = re.compile(r"[^\n]*\r\n")


def reparse(old: Library, text: str, path: Path) -> Library | None:
    """The library ``text`` parses to, reusing ``old`` (a parse of an earlier version of the
    same file) for every block outside the stretch that changed; None when it cannot be sure
    (the caller then parses the whole text). ``encoding`` and ``digest`` are left to the caller.
    """
    layout = old.layout
    if layout is None or not layout.segments or any(n.code == "escaped-brace" for n in old.notes):
        return None
    segments = layout.segments
    starts = _starts(segments)
    # the earlier text, in its pieces: not joined (a whole file's copy, at the load's peak)
    pieces = [piece for s in segments for piece in (s.gap, s.text)]
    pieces.append(layout.tail)
    size = starts[-1] + len(segments[-1].gap) + len(segments[-1].text) + len(layout.tail)
    first, last = _changed_pieces(pieces, size, text)
    if first == size == len(text):
        return None  # the same text
    a, b = _stretch(segments, starts, first, last)
    begin = starts[a]
    end = starts[b + 1] if b + 1 < len(segments) else size
    shift = len(text) - size
    old_stretch = "".join(pieces[2 * a : 2 * b + 2]) + (layout.tail if end == size else "")
    with gc_paused():
        try:
            # the whole text: a '{' left open before the stretch and a '}' after it nest
            # everything in the stretch one level deeper for the check (a stretch fine alone
            # can make the whole file too deep)
            check_nesting(text, path)
            part = _parse_library(text[begin : end + shift], path)
        except LibraryError:
            return None  # the whole file's parse says what is wrong, with its lines
    if part.layout is None or any(n.code == "escaped-brace" for n in part.notes):
        return None
    if b + 1 < len(segments) and (part.layout.tail or text.endswith("\\", 0, end + shift)):
        return None  # the stretch's end would change how the next block's gap is read
    offset = _lines(text, 0, begin)
    moved = part.layout.segments
    later = _lines(text, begin, end + shift) - _lines(old_stretch, 0, len(old_stretch))
    tail = part.layout.tail if b + 1 >= len(segments) else layout.tail
    pieces = [s.gap + s.text for s in moved]
    pieces.append(tail if b + 1 >= len(segments) else "")
    stretch = "".join(pieces)
    if stretch != text[begin : end + shift]:
        return None  # before and after it the text is the old one, so this is the whole check
    after = segments[b + 1 :]
    new_segments = [
        *segments[:a],
        *(Segment(s.block, s.text, s.gap, s.line + offset) for s in moved),
        *(after if not later else (Segment(s.block, s.text, s.gap, s.line + later) for s in after)),
    ]
    new_layout = Layout(new_segments, tail, "\r\n" if _CRLF.match(text) else "\n")
    return _assembled(path, new_layout, _block_notes(old, part, segments, a, b, offset, later))


def _lines(text: str, start: int, end: int) -> int:
    """The line breaks bibtexparser counts in ``text[start:end]``: every newline except one
    right after a backslash (its scanner's newline mark may not follow a backslash), so after a
    line that ends in a backslash the lines it reports are one short — and so are these."""
    return text.count("\n", start, end) - text.count("\\\n", start, end)


def _starts(segments: list[Segment]) -> list[int]:
    """Each segment's offset (where its gap begins) in the text it was parsed from."""
    starts, pos = [], 0
    for seg in segments:
        starts.append(pos)
        pos += len(seg.gap) + len(seg.text)
    return starts


def _changed_pieces(pieces: list[str], size: int, text: str) -> tuple[int, int]:
    """(first differing offset, end of the differing stretch in the earlier text): what lies
    outside is the same in both (common prefix and suffix, not overlapping) — the earlier text
    given as its ``pieces`` (``size`` characters in all), never joined."""
    limit = min(size, len(text))
    prefix = 0
    for piece in pieces:
        n = len(piece)
        if prefix + n <= limit and text.startswith(piece, prefix):
            prefix += n
            continue
        m = min(n, limit - prefix)
        prefix += _common(piece[:m], text[prefix : prefix + m], m, _head)
        break
    room, suffix, end = limit - prefix, 0, len(text)
    for piece in reversed(pieces):
        n = len(piece)
        if suffix + n <= room and text.endswith(piece, 0, end - suffix):
            suffix += n
            continue
        m = min(n, room - suffix)
        suffix += _common(piece[n - m :], text[end - suffix - m : end - suffix], m, _last)
        break
    return prefix, size - suffix


def _head(t: str, i: int, j: int) -> str:
    return t[i:j]


def _last(t: str, i: int, j: int) -> str:
    return t[len(t) - j : len(t) - i]


def _common(a: str, b: str, limit: int, part: Callable[[str, int, int], str]) -> int:
    """How many characters ``a`` and ``b`` share, counted by ``part`` (their first or last
    characters), at most ``limit``: 64 KB steps, then halving inside the step that differs."""
    lo, step = 0, 1 << 16
    while lo < limit and part(a, lo, min(lo + step, limit)) == part(b, lo, min(lo + step, limit)):
        lo += step
    hi = min(lo + step, limit)
    lo = min(lo, limit)
    while lo < hi:  # part(.., lo) equal; find the first differing character before hi
        mid = (lo + hi + 1) // 2
        if part(a, lo, mid) == part(b, lo, mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _stretch(segments: list[Segment], starts: list[int], first: int, last: int) -> tuple[int, int]:
    """The first and last segment to parse again: those the change touches, one more on each
    side, widened until the stretch begins and ends on a line boundary between blocks."""
    a = max(bisect.bisect_right(starts, first) - 2, 0)
    b = min(bisect.bisect_right(starts, max(last - 1, first)), len(segments) - 1)
    while a > 0 and not _clean_start(segments, a):
        a -= 1
    while b + 1 < len(segments) and not _clean_start(segments, b + 1):
        b += 1
    return a, b


def _clean_start(segments: list[Segment], i: int) -> bool:
    """True when the scanner is in its start state where segment ``i``'s gap begins: the gap
    opens a new line (so no mark there depends on the character before it), the block before
    does not end in a backslash (which would hide that newline from the scanner), and the two
    blocks start on different lines (so a note's line names one block)."""
    seg, prev = segments[i], segments[i - 1]
    return seg.gap.startswith("\n") and not prev.text.endswith("\\") and seg.line > prev.line


def _block_notes(
    old: Library,
    part: Library,
    segments: list[Segment],
    a: int,
    b: int,
    offset: int,
    later: int,
) -> list[LoadNote]:
    """The notes about single blocks: the old ones before and after the stretch (the latter
    with their lines moved) and the stretch's own, in file order."""
    first_line = segments[a].line
    after_line = segments[b + 1].line if b + 1 < len(segments) else None
    before_notes, after_notes = [], []
    for note in old.notes:
        if note.code in _ACROSS:
            continue
        if note.line < first_line:
            before_notes.append(note)
        elif after_line is not None and note.line >= after_line:
            after_notes.append(LoadNote(note.code, note.line + later, note.message, note.key))
    inside = [
        LoadNote(n.code, n.line + offset, n.message, n.key)
        for n in part.notes
        if n.code not in _ACROSS
    ]
    return [*before_notes, *inside, *after_notes]


def _assembled(path: Path, layout: Layout, block_notes: list[LoadNote]) -> Library | None:
    """The library of ``layout``'s blocks with the notes a full parse makes, in its order:
    each block's own notes, a repeated ``@string`` right after its block, repeated keys last."""
    lib = Library(path)
    lib.layout = layout
    by_line: dict[int, list[LoadNote]] = {}
    for note in block_notes:
        by_line.setdefault(note.line, []).append(note)
    first_string: dict[str, int] = {}
    keys: dict[str, list[int]] = {}
    spelled: dict[str, str] = {}
    previous = -1
    blocks = lib.blocks
    for seg in layout.segments:  # in file order: lines never decrease
        block = seg.block
        line = seg.line
        if line == previous:
            if line in by_line:
                return None  # two blocks on one line, one with a note: which comes first?
        elif line in by_line:
            lib.notes.extend(by_line[line])
        previous = line
        if type(block) is Reference:
            lib.lines.setdefault(block.key, line)
            if block.key.strip():
                folded = block.key.lower()
                if folded in keys:
                    keys[folded].append(line)
                else:
                    keys[folded] = [line]
                    spelled[folded] = block.key
        elif isinstance(block, RawBlock) and block.kind == "string":
            _note_string(block, line, first_string, lib)
        blocks.append(block)  # type: ignore[arg-type]
    if sum(len(v) for v in by_line.values()) != sum(1 for n in lib.notes if n.code not in _ACROSS):
        return None  # a note whose line is no block's start
    lib.notes.extend(duplicate_key_note(spelled[k], v) for k, v in keys.items() if len(v) > 1)
    return lib
