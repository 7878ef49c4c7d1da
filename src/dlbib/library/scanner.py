"""bibtexparser's splitter, fast for well-formed text: the very blocks it would give, or None.

bibtexparser 2's :class:`~bibtexparser.splitter.Splitter` walks every mark of the file — each
newline, comma, brace, quote and ``=`` — one Python step at a time: in a 10,000-entry library
that is about two thirds of dlbib's load, and of a cold ``dlbib update``. :func:`scan` reads the
same text a field at a time with regular expressions that match the usual shapes whole
(``name = {value}``, ``"value"``, numbers, macros, braces nested three deep), and each unusual
value mark by mark with the splitter's own rules. It follows the splitter's semantics exactly
(which character is a mark, a ``\\`` before one, ``{"}`` in a quoted value, an ``@`` starting a
line inside a value, its line count, which skips a newline after a backslash) and gives up —
returns None, and the caller runs bibtexparser — on anything the splitter would not read as a
well-formed block: a parse failure of any kind, a ``(``-delimited block, a ``@`` where a key or
field name should be. So whatever it returns is what bibtexparser returns, and whatever
bibtexparser would complain about is bibtexparser's to report. ``tests/test_scanner.py``
compares the two on every real library in the tests and on thousands of mutated ones.

Offsets and lines are those of the text given (bibtexparser's 0-based lines).
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

_BLOCK: Final = r"@\w*[ \t]*(?=[{(])"
"""The splitter's block start: ``@type`` right before ``{`` or ``(`` (anywhere between blocks;
inside one, only at a line's start does it end the block — as a failure)."""
_START: Final = re.compile(_BLOCK)
_ESCAPED: Final = re.compile(r"\\[{}]")
_ESCAPED_NEWLINE: Final = re.compile(r"\\\n")
_MARK: Final = re.compile(r'(?<!\\)[{}",=]|' + _BLOCK)
"""The splitter's marks but the newline (lines are counted from offsets)."""
_VALUE_MARK: Final = re.compile(r'(?<!\\)[{}",]|' + _BLOCK)
_BRACE_MARK: Final = re.compile(r"(?<!\\)[{}]|" + _BLOCK)
_QUOTE_MARK: Final = re.compile(r'(?<!\\)"|' + _BLOCK)

_PLAIN: Final = r'[^{}",@\\]*'
"""Value text outside braces and quotes holding no mark (``=`` is one the splitter ignores
there), no ``@`` and no backslash (which may escape a mark)."""
_IN: Final = r"[^{}@]*"
_GROUP: Final = rf"\{{{_IN}(?:\{{{_IN}(?:\{{{_IN}\}}{_IN})*\}}{_IN})*\}}"
"""A brace group nested at most three deep with no ``@``: inside braces only braces count
(written so that each run of other characters is one loop of the regex engine, with nothing to
try again on a mismatch)."""
_QUOTED: Final = r'"[^"\\@]*(?<!\{)"'
"""A quoted value with no backslash, no ``@``, and not ending in ``{"}`` (the splitter reads a
``"`` there as part of the value)."""
_FIELD: Final = re.compile(
    rf"({_PLAIN.replace(',', ',=')})=({_PLAIN}(?:(?:{_GROUP}|{_QUOTED}){_PLAIN})*)(?=[,}}])"
)
"""One field, name and value, as it usually is; its end is a ``,`` or ``}`` at depth 0."""
_KEY: Final = re.compile(r'[^{}",=@\\]*(?=[,}])')


class Scanned(NamedTuple):
    """One block as bibtexparser's splitter reads it (its ``kind``: ``entry``, ``string``,
    ``preamble``, ``comment`` for ``@comment`` or ``text`` for what lies between blocks)."""

    kind: str
    line: int
    """0-based line of the block's start, as bibtexparser counts."""
    raw: str
    """The block's text (between blocks: stripped)."""
    name: str = ""
    """Entry: the lower-cased type; ``@string``: the macro name."""
    key: str = ""
    """Entry: the citation key."""
    value: str = ""
    """``@string``, ``@preamble``: the value; ``@comment``: the comment."""
    fields: tuple[tuple[str, str], ...] = ()
    """Entry: (name, raw value) as written, in order, repeats included."""
    start: int = 0
    """Where ``raw`` begins in the text (bibtexparser does not say)."""


def scan(text: str) -> list[Scanned] | None:
    """The blocks bibtexparser's splitter finds in ``text``, in order — None when the text is
    not plainly well-formed (bibtexparser then says what it makes of it), or holds a ``\\{``
    or ``\\}`` (which the splitter does not count: the loader masks them first)."""
    if _ESCAPED.search(text):
        return None
    return scan_masked(text)


def scan_masked(text: str) -> list[Scanned] | None:
    """:func:`scan` of text known to hold no backslash before a brace (as the loader's mask
    leaves it; each such check is a pass over the whole text)."""
    blocks: list[Scanned] = []
    append = blocks.append
    count = text.count
    # bibtexparser does not count a newline right after a backslash; most files have none
    escaped_newlines = _ESCAPED_NEWLINE.search(text) is not None
    pos = 0  # where the text between blocks begins
    line = 0  # bibtexparser's line at ``counted``
    counted = 0
    # the splitter's line at the end of the last block, where the text between blocks begins
    gap_line = 0
    while True:
        m = _START.search(text, pos)
        at = m.start() if m else len(text)
        gap = text[pos:at]
        if gap and not gap.isspace():
            raw = gap.strip()
            lead = len(gap) - len(gap.lstrip())
            append(Scanned("text", gap_line + count("\n", pos, pos + lead), raw, start=pos + lead))
        if m is None:
            return blocks
        line += count("\n", counted, at)
        if escaped_newlines:
            line -= count("\\\n", counted, at)
        counted = at
        head = m.group().lower()
        opened = m.end()
        if text.startswith("(", opened):
            return None  # a (…) block: rare, left to bibtexparser
        start = opened + 1
        if head.startswith(("@comment", "@preamble", "@string")):  # as the splitter tells them
            got = _special(text, at, start, head, line)
        else:
            got = _entry(text, at, start, head[1:].strip(), line)
        if got is None:
            return None
        append(got)
        end = at + len(got.raw)
        # the splitter resumes after the closing brace; its line there is the brace's line
        gap_line = line + count("\n", counted, end)
        if escaped_newlines:
            gap_line -= count("\\\n", counted, end)
        line, counted = gap_line, end
        pos = end


def _special(text: str, at: int, start: int, head: str, line: int) -> Scanned | None:
    """The ``@comment``, ``@preamble`` or ``@string`` whose ``{`` is just before ``start``."""
    if head.startswith("@comment"):
        end = _closing(text, start)
        if end is None:
            return None
        return Scanned("comment", line, text[at : end + 1], "", "", text[start:end].strip(), (), at)
    if head.startswith("@preamble"):
        end = _closing(text, start)
        if end is None:
            return None
        return Scanned("preamble", line, text[at : end + 1], "", "", text[start:end], (), at)
    eq = _MARK.search(text, start)
    if eq is None or eq.group() != "=":
        return None
    end = _closing(text, eq.end())
    if end is None:
        return None
    name = text[start : eq.start()].strip()
    return Scanned(
        "string", line, text[at : end + 1], name, "", text[eq.end() : end].strip(), (), at
    )


def _entry(text: str, at: int, start: int, entry_type: str, line: int) -> Scanned | None:
    """The entry whose ``{`` is just before ``start``, or None when it is not well-formed."""
    k = _KEY.match(text, start)
    if k is None:
        return None
    key = k.group().strip()
    end = k.end()
    if text[end] == "}":  # no comma after the key: an entry without fields (RefTeX writes it)
        return Scanned("entry", line, text[at : end + 1], entry_type, key, "", (), at)
    fields: list[tuple[str, str]] = []
    field = _FIELD.match
    append = fields.append
    while True:  # ``end`` is at the ``,`` after the key or after a field's value
        f = field(text, end + 1)
        if f is not None:
            name, value = f.groups()
            append((name.strip(), value.strip()))
            end = f.end()
        else:
            m = _MARK.search(text, end + 1)
            if m is None:
                return None
            mark = m.group()
            if mark == "}":  # the closing brace, after a trailing comma
                if text[end + 1 : m.start()].strip():
                    return None  # a name with no value: bibtexparser fails the entry
                end = m.start()
            elif mark != "=":
                return None
            else:
                value_end = _value_end(text, m.end())
                if value_end is None:
                    return None
                fields.append(
                    (text[end + 1 : m.start()].strip(), text[m.end() : value_end].strip())
                )
                end = value_end
        if text[end] == "}":
            return Scanned(
                "entry", line, text[at : end + 1], entry_type, key, "", tuple(fields), at
            )


def _value_end(text: str, start: int) -> int | None:
    """Where the value starting at ``start`` ends (its ``,`` or the entry's ``}``), by the
    splitter's rules mark by mark; None where the splitter would fail the entry."""
    depth = 0
    quoted = False
    pos = start
    while True:  # the marks looked for say the state: in braces, in quotes, or neither
        pattern = _BRACE_MARK if depth else _QUOTE_MARK if quoted else _VALUE_MARK
        m = pattern.search(text, pos)
        if m is None:
            return None
        mark = m.group()
        here = m.start()
        pos = m.end()
        if mark == '"':  # (found outside braces only)
            if (
                quoted
                and here > 0
                and here + 2 < len(text)
                and text[here - 1] == "{"
                and text[here + 1] == "}"
            ):
                continue  # {"} inside quotes: a literal quote
            quoted = not quoted
        elif mark == "{":  # (not looked for inside quotes, where braces do not count)
            depth += 1
        elif mark == "}":
            if not depth:
                return here  # the entry's end
            depth -= 1
        elif mark == ",":  # (looked for outside braces and quotes only)
            return here
        elif _line_start(text, here):  # an ``@type{`` starting a line: the splitter gives up
            return None


def _closing(text: str, start: int) -> int | None:
    """The ``}`` closing a ``@comment``, ``@preamble`` or ``@string`` whose content starts at
    ``start`` (braces nest; quotes do not count); None where the splitter would fail it."""
    depth = 0
    pos = start
    while True:
        m = _BRACE_MARK.search(text, pos)
        if m is None:
            return None
        mark = m.group()
        pos = m.end()
        if mark == "{":
            depth += 1
        elif mark == "}":
            if not depth:
                return m.start()
            depth -= 1
        elif _line_start(text, m.start()):
            return None


def _line_start(text: str, at: int) -> bool:
    """Whether only white space lies between the line's start and ``at`` (the splitter's
    test for an ``@`` that ends an unclosed block), looked at backwards as the splitter does:
    usually one character (a search for the line's start would cross the whole line, again
    for each ``@`` on it)."""
    i = at - 1
    while i >= 0:
        char = text[i]
        if char == "\n":
            return True
        if not char.isspace():
            return False
        i -= 1
    return True
