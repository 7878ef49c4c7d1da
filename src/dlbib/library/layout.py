"""Where each block of a library file sits, so a save rewrites only what changed.

A :class:`Layout` keeps the exact text of every block as loaded and the white space before it.
:func:`render_with_layout` writes the blocks back: a block that did not change is its original
text, byte for byte; a changed entry is the original text with only the changed fields edited
(the field's value replaced, its line removed, or a new line in the style of its neighbours);
a new block is written canonically. Nothing is reformatted that the caller did not change.
This module knows BibTeX's entry syntax; it does not decide the canonical layout (``render``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, NamedTuple, Protocol

_BARE_STOP: Final = frozenset(' \t\r\n#,{}"()=')
_FIELD_NAME_RE: Final = re.compile(r"[^\s=,{}()\"#%']+")
_SPACE_RE: Final = re.compile(r"[ \t\r\n]*")
_SEPARATOR_RE: Final = re.compile(r"[ \t\r\n]*(?:,[ \t\r\n]*)*")
"""White space and the commas between fields (any number of them)."""
_FIELD_HEAD_RE: Final = re.compile(r"([^\s=,{}()\"#%']+)[ \t\r\n]*=[ \t\r\n]*")
"""A field's name, ``=`` and the white space up to its value."""
_SHORTCUT_HEAD_RE: Final = re.compile(
    r"[ \t\r\n]*(?:,[ \t\r\n]*)*([^\s=,{}()\"#%']+)[ \t\r\n]*=[ \t\r\n]*"
)
"""Separator, name, ``=`` and the space up to the value, in one match: :func:`scan_entry`'s
shortcut for a field whose value is one brace group without a brace inside or one bare word,
not joined to more by ``#`` (most fields), which its general steps would find the same."""
_BARE_RE: Final = re.compile(r"[^ \t\r\n#,{}\"()=]+")
_LINE_END_RE: Final = re.compile(r"[ \t]*,?[ \t]*(\r?\n)")
_COMMA_RE: Final = re.compile(r"\s*,[ \t]*")
_TRAILING_COMMA_RE: Final = re.compile(r"[ \t]*,")
_HEAD_RE: Final = re.compile(r"@\s*(?P<type>[^\s{(]+)\s*(?P<open>[{(])")


class _Ref(Protocol):
    """What the layout needs of an entry (``Reference``, without importing the model)."""

    @property
    def key(self) -> str: ...
    @property
    def entry_type(self) -> str: ...
    @property
    def fields(self) -> Mapping[str, str]: ...


@dataclass(frozen=True, slots=True)
class Segment:
    """One block as it was in the file."""

    block: object
    """The block parsed from this text (a ``Reference`` or ``RawBlock``)."""
    text: str
    """The block's exact text."""
    gap: str
    """The white space between the previous block and this one."""
    line: int
    """1-based line where the block starts."""


@dataclass
class Layout:
    """The blocks of a file as loaded: their text, the space between them, the file's end."""

    segments: list[Segment] = field(default_factory=list)
    tail: str = ""
    """What follows the last block (usually one newline)."""
    newline: str = "\n"
    """The file's line ending (``\\r\\n`` when its first line ends so)."""
    _by_id: dict[int, Segment] = field(default_factory=dict, repr=False, compare=False)

    def segment_of(self, block: object) -> Segment | None:
        """The segment this very block object was loaded from, or None."""
        if not self._by_id and self.segments:
            self._by_id.update((id(s.block), s) for s in self.segments)
        found = self._by_id.get(id(block))
        return found if found is not None and found.block is block else None

    def original(self) -> str:
        """The file's text as loaded."""
        pieces = [s.gap + s.text for s in self.segments]
        pieces.append(self.tail)  # (joined once: a whole file's text is not copied twice)
        return "".join(pieces)


def build_layout(text: str, pieces: Iterable[tuple[object, str, int]]) -> Layout | None:
    """A layout from each block with its raw text and line, in file order.

    :returns: None when a block's text cannot be found in order (the layout would not be exact).
    """
    placed: list[tuple[object, str, int, int]] = []
    pos = 0
    for block, raw, line in pieces:
        at = text.find(raw, pos)
        if at < 0:
            return None
        placed.append((block, raw, line, at))
        pos = at + len(raw)
    layout = placed_layout(text, placed)
    return layout if layout.original() == text else None


def placed_layout(text: str, pieces: Iterable[tuple[object, str, int, int]]) -> Layout:
    """A layout from blocks whose offsets are known (block, raw text, line, offset), in file
    order: what lies between them is each one's gap (:func:`build_layout` finds the offsets;
    the fast splitter knows them)."""
    layout = Layout(newline="\r\n" if re.match(r"[^\n]*\r\n", text) else "\n")
    segments = layout.segments
    pos = 0
    for block, raw, line, at in pieces:
        segments.append(Segment(block, raw, text[pos:at], line))
        pos = at + len(raw)
    layout.tail = text[pos:]
    return layout


# --------------------------------------------------------------------------- entry syntax


class FieldSpan(NamedTuple):
    """Where one field sits in an entry's text (a tuple: a save makes one per field of every
    changed entry, and a frozen dataclass costs three times as much to build)."""

    name: str
    """The field name, lower-cased."""
    start: int
    """Offset of the field name."""
    value_start: int
    value_end: int


@dataclass(frozen=True, slots=True)
class EntrySpans:
    """The parts of an entry's text: its type, its fields (in order) and its closing delimiter."""

    type_start: int
    type_end: int
    fields: tuple[FieldSpan, ...]
    close: int
    """Offset of the closing ``}`` or ``)``."""


def scan_value(text: str, pos: int, close: str = "}") -> int | None:
    """The end of the BibTeX value starting at ``pos``: ``{…}``, ``"…"``, a number or macro name,
    or such pieces joined by ``#``. None when there is no well-formed value there."""
    space = _SPACE_RE.match
    size = len(text)
    while True:
        pos = space(text, pos).end()  # type: ignore[union-attr]  # matches the empty string
        if pos >= size:
            return None
        ch = text[pos]
        if ch == "{":
            stop = _balanced(text, pos)
        elif ch == '"':
            stop = _quoted(text, pos)
        elif ch not in _BARE_STOP and ch != close:
            stop = pos
            while stop < size and text[stop] not in _BARE_STOP and text[stop] != close:
                stop += 1
        else:
            return None
        if stop is None:
            return None
        after = space(text, stop).end()  # type: ignore[union-attr]
        if after < size and text[after] == "#":
            pos = after + 1
            continue
        return stop


def _balanced(text: str, pos: int) -> int | None:
    # Jumps from brace to brace (str.find) rather than walking every character: abstracts are
    # long and have few braces, and check runs this on every field of every entry.
    depth = 0
    i = pos
    while True:
        close = text.find("}", i)
        if close < 0:
            return None
        opening = text.find("{", i, close)
        if opening >= 0:
            depth += 1
            i = opening + 1
            continue
        depth -= 1
        i = close + 1
        if depth == 0:
            return i


def _quoted(text: str, pos: int) -> int | None:
    depth = 0
    for i in range(pos + 1, len(text)):
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return None
        elif ch == '"' and depth == 0:
            return i + 1
    return None


def _simple_value_end(text: str, start: int) -> int:
    """The end of the value at ``start`` when it is one brace group without a brace inside or
    one bare word, not joined to more by ``#`` (what :func:`scan_value` would find); else 0."""
    if text.startswith("{", start):
        # two str.find (memchr) rather than a regex walking the value: five times faster
        # on an abstract
        end = text.find("}", start) + 1
        if end and text.find("{", start + 1, end) >= 0:
            return 0
    else:
        word = _BARE_RE.match(text, start)
        if word is None:
            return 0
        end = word.end()
    after = _SPACE_RE.match(text, end).end()  # type: ignore[union-attr]  # matches ""
    return end if after >= len(text) or text[after] != "#" else 0


def scan_entry(text: str) -> EntrySpans | None:
    """The spans of an entry's text (``@type{key, name = value, …}`` or with parentheses).

    :returns: None when the text is not an entry this scanner can follow exactly.
    """
    head = _HEAD_RE.match(text)
    if head is None:
        return None
    close = "}" if head.group("open") == "{" else ")"
    comma = text.find(",", head.end())
    if comma < 0:
        return None
    pos, spans = comma + 1, list[FieldSpan]()
    separator, field_head, size = _SEPARATOR_RE.match, _FIELD_HEAD_RE.match, len(text)
    shortcut = _SHORTCUT_HEAD_RE.match
    while True:
        found = shortcut(text, pos)
        if found is not None:  # the general steps below, for the usual field, in fewer steps
            value_start = found.end()
            end = _simple_value_end(text, value_start)
            if end:
                spans.append(FieldSpan(found.group(1).lower(), found.start(1), value_start, end))
                pos = end
                continue
        pos = separator(text, pos).end()  # type: ignore[union-attr]  # matches the empty string
        if pos >= size:
            return None
        if text[pos] == close:
            return EntrySpans(head.start("type"), head.end("type"), tuple(spans), pos)
        name = field_head(text, pos)  # the name, "=" and the space after it
        if name is None:
            return None
        value_start = name.end()
        value_end = scan_value(text, value_start, close)
        if value_end is None:
            return None
        spans.append(FieldSpan(name.group(1).lower(), pos, value_start, value_end))
        pos = value_end


def first_spans(spans: EntrySpans) -> dict[str, FieldSpan]:
    """Each field name's first span."""
    first: dict[str, FieldSpan] = {}
    for span in spans.fields:
        if span.name not in first:
            first[span.name] = span
    return first


def matches_fields(text: str, first: Mapping[str, FieldSpan], fields: Mapping[str, str]) -> bool:
    """True when the fields' first spans (:func:`first_spans`) hold exactly the parsed
    ``fields`` values."""
    if first.keys() != fields.keys():
        return False
    for name, span in first.items():
        value, start, end = fields[name], span.value_start, span.value_end
        if end - start == len(value) and text.startswith(value, start):
            continue  # (compared in place: no copy of a long value)
        found = text[start:end]
        if " ".join(found.split()) != " ".join(value.split()):
            return False
    return True


# --------------------------------------------------------------------------- minimal edits

Edit = tuple[int, int, str]


def edit_entry(
    text: str, old: _Ref, new: _Ref, rank: Callable[[str], int | None], newline: str = "\n"
) -> str | None:
    """``text`` (the entry ``old`` was parsed from) made into ``new``, touching only what differs.

    :param rank: a field's place in the canonical order (None: unranked), so a new field goes
        where the canonical writer would put it when its neighbours are in that order.
    :returns: None when the text cannot be edited exactly (the caller renders ``new`` instead).
    """
    spans = scan_entry(text)
    if spans is None or new.key != old.key:
        return None
    old_fields, new_fields = old.fields, new.fields
    first = first_spans(spans)
    if not matches_fields(text, first, old_fields):
        return None
    edits: list[Edit] = []
    if new.entry_type != old.entry_type:
        edits.append((spans.type_start, spans.type_end, new.entry_type))
    for name, span in first.items():
        if name not in new_fields:
            edits.append(_removal(text, span, spans))
        elif new_fields[name] != old_fields[name]:
            edits.append((span.value_start, span.value_end, _nl(new_fields[name], newline)))
    kept = [s for s in spans.fields if s.name in new_fields]
    added = [n for n in new_fields if n not in old_fields]
    column = _aligned_column(text, kept) if added else None
    ranks = [rank(s.name) for s in kept] if added else []
    for name in added:
        value = _nl(new_fields[name], newline)
        insert = _insertion(text, kept, ranks, name, value, rank(name), newline, column)
        if insert is None:
            return None
        edits.append(insert)
    return _apply(text, edits)


def _nl(value: str, newline: str) -> str:
    return value.replace("\r\n", "\n").replace("\n", newline) if newline != "\n" else value


def _apply(text: str, edits: Sequence[Edit]) -> str:
    out, pos = [], 0
    # insertions at one offset keep their order; a removal ending there comes first
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1] != e[0])):
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(replacement)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _line_start(text: str, pos: int) -> int | None:
    """The start of ``pos``'s line when only spaces precede ``pos`` on it, else None."""
    start = text.rfind("\n", 0, pos) + 1
    return start if not text[start:pos].strip(" \t") else None


def _removal(text: str, span: FieldSpan, spans: EntrySpans) -> Edit:
    start = _line_start(text, span.start)
    m = _LINE_END_RE.match(text, span.value_end)
    if start is not None and m is not None:
        return (start, m.end(), "")
    comma = _COMMA_RE.match(text, span.value_end)
    if comma is not None:
        return (span.start, comma.end(), "")
    index = spans.fields.index(span)
    if index > 0:  # the last field, without a trailing comma: take the comma before it
        return (spans.fields[index - 1].value_end, span.value_end, "")
    return (span.start, span.value_end, "")


def _eq_column(text: str, span: FieldSpan) -> int | None:
    """The column of a field's ``=`` within its line (None when it is not on the name's line)."""
    eq = text.find("=", span.start, span.value_start)
    start = text.rfind("\n", 0, span.start) + 1
    return eq - start if eq >= 0 and "\n" not in text[span.start : eq] else None


def _aligned_column(text: str, kept: list[FieldSpan]) -> int | None:
    """The column every field's ``=`` is in, when they are aligned (JabRef, BibDesk), else
    None; names of one length align without meaning to, so they do not count."""
    if len({len(s.name) for s in kept}) <= 1:
        return None
    first = _eq_column(text, kept[0])
    if first is None or any(_eq_column(text, s) != first for s in kept[1:]):
        return None  # (the usual case: the second field's "=" is elsewhere already)
    return first


def _style(
    text: str, span: FieldSpan, new_name: str, column: int | None, start: int | None
) -> tuple[str, str]:
    """The indentation before ``span`` (its line starting at ``start``, None: not at a line's
    start) and the text between its name and value, for a new field ``new_name`` written like
    it: when every field's ``=`` is in one ``column``, the new one is padded to that column."""
    indent = text[start : span.start] if start is not None else "  "
    name = _FIELD_NAME_RE.match(text, span.start)
    name_end = name.end() if name else span.start
    eq = text[name_end : span.value_start]
    if column is not None and eq.startswith(" "):
        eq = " " * max(1, column - len(indent) - len(new_name)) + eq.lstrip(" ")
    return indent, eq


def _insertion(
    text: str,
    kept: list[FieldSpan],
    ranks: list[int | None],
    name: str,
    value: str,
    own: int | None,
    newline: str,
    column: int | None,
) -> Edit | None:
    """Where and how field ``name`` (canonical rank ``own``) is inserted among the ``kept``
    fields (ranks ``ranks``): before the first that ranks after it, else after the last."""
    if not kept:
        return None
    if own is not None:
        for span, other in zip(kept, ranks, strict=True):
            if other is None or other > own:
                start = _line_start(text, span.start)
                if start is None:
                    break
                indent, eq = _style(text, span, name, column, start)
                return (start, start, f"{indent}{name}{eq}{value},{newline}")
    last = kept[-1]
    indent, eq = _style(text, last, name, column, _line_start(text, last.start))
    line = f"{newline}{indent}{name}{eq}{value}"
    comma = _TRAILING_COMMA_RE.match(text, last.value_end)
    if comma is not None:
        return (comma.end(), comma.end(), line + ",")
    return (last.value_end, last.value_end, "," + line)
