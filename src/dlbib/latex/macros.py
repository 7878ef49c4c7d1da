"""A document's own citation macros: ``\\newcommand{\\inlinecite}[1]{\\citen{#1}}`` and friends.

Finds ``\\newcommand``, ``\\renewcommand``, ``\\providecommand``, ``\\DeclareRobustCommand``,
``\\def`` (``\\gdef``, ``\\edef``, ``\\xdef``) and ``\\NewDocumentCommand`` (and its
Renew/Provide/Declare forms) definitions whose body passes a parameter to a citation command,
plus ``\\let``/``\\NewCommandCopy`` copies of one and biblatex's ``\\DeclareCiteCommand``, so
calls of the macro can be read as citations; and names commands that look like citation
commands (``cite`` in the name) that neither dlbib nor the document defines. Works on masked
LaTeX text; reads no files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, MutableMapping, Set
from dataclasses import dataclass
from typing import Final

from dlbib.latex.texscan import Args, scan_group

_DEF_RE: Final = re.compile(
    r"\\(?:(?P<nc>(?:re)?newcommand|providecommand|DeclareRobustCommand)\*?"
    r"\s*\{?\s*\\(?P<ncname>[A-Za-z@]+)\s*\}?"
    r"\s*(?:\[(?P<n>\d)\])?\s*(?P<opt>\[)?"
    r"|(?P<def>[gex]?def)\s*\\(?P<defname>[A-Za-z@]+)(?P<params>(?:\s*#\d)*)\s*(?=\{)"
    r"|(?P<ndc>(?:New|Renew|Provide|Declare)DocumentCommand)\s*\{?\s*\\(?P<ndcname>[A-Za-z@]+)"
    r"\s*\}?\s*(?=\{))"
)
_ALIAS_RE: Final = re.compile(
    r"\\(?:let\s*\\(?P<let>[A-Za-z@]+)\s*=?\s*\\(?P<of>[A-Za-z@]+)"
    r"|NewCommandCopy\s*\{?\s*\\(?P<copy>[A-Za-z@]+)\s*\}?\s*\{?\s*\\(?P<from>[A-Za-z@]+)"
    r"|DeclareCiteCommand\*?\s*\{?\s*\\(?P<declared>[A-Za-z@]+))"
)
_CITE_LIKE: Final = ("o", "o", "m")
"""``\\cite``'s own arguments: ``[pre][post]{keys}``."""
_CITE_NAME_RE: Final = re.compile(r"\\(?P<name>[A-Za-z]*[Cc]ite[A-Za-z]*)(?![A-Za-z@])")
_PARAM_RE: Final = re.compile(r"#(\d)")
_XPARSE_KINDS: Final = {"m": "m", "o": "o", "O": "o", "s": "s", "t": "s", "g": "m", "G": "m"}


@dataclass(frozen=True, slots=True)
class MacroSpec:
    """A document macro that cites: its argument kinds and which of them hold keys."""

    name: str
    args: tuple[str, ...]
    """One letter per parameter: ``m`` mandatory ``{…}``, ``o`` optional ``[…]``, ``s`` a star."""
    key_params: frozenset[int]
    """1-based parameter numbers whose argument is passed as citation keys."""
    offset: int
    """Where the definition starts (for the first line that defines it)."""


def _group(text: str, pos: int) -> tuple[str, int] | None:
    """The content of the ``{…}`` group starting at ``pos`` and the offset after it."""
    if pos >= len(text) or text[pos] != "{":
        return None
    end, depth = scan_group(text, pos, "}")
    if end >= len(text) or depth < 0:
        return None
    return text[pos + 1 : end], end + 1


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _xparse_args(spec: str) -> tuple[str, ...]:
    args: list[str] = []
    i = 0
    while i < len(spec):
        ch = spec[i]
        i += 1
        if ch in " +!":
            continue
        if ch in "OGDRE" and i < len(spec) and spec[i] == "{":  # a default value follows
            found = _group(spec, i)
            i = found[1] if found else len(spec)
        if ch in "dDrR":
            i += 2  # the two delimiter tokens
        args.append(
            {"m": "m", "o": "o", "O": "o", "s": "s", "t": "s", "g": "m", "G": "m"}.get(ch, "m")
        )
    return tuple(args)


def _key_params(body: str, citing: Set[str]) -> frozenset[int]:
    """Parameter numbers the body passes to a citing command's arguments."""
    params: set[int] = set()
    for m in re.finditer(r"\\([A-Za-z@]+)\*?", body):
        if m.group(1) not in citing:
            continue
        pos = m.end()
        while True:
            pos = _skip(body, pos)
            if pos < len(body) and body[pos] == "[":
                close = body.find("]", pos)
                pos = close + 1 if close > 0 else len(body)
                continue
            found = _group(body, pos)
            if found is None:
                break
            params.update(int(p) for p in _PARAM_RE.findall(found[0]))
            pos = found[1]
    return frozenset(params)


def find_macros(text: str, citing: Set[str]) -> Iterator[MacroSpec]:
    """The macros defined in ``text`` whose body cites one of their parameters.

    :param citing: command names that cite (dlbib's and the document macros found so far);
        a macro citing through another document macro is found when that one is in ``citing``.
    """
    for m in _DEF_RE.finditer(text):
        pos = m.end()
        if m.group("nc"):
            name = m.group("ncname")
            count = int(m.group("n") or 0)
            if m.group("opt"):
                close = text.find("]", pos)
                pos = close + 1 if close >= 0 else len(text)
            args = tuple(("o" if i == 0 and m.group("opt") else "m") for i in range(count))
        elif m.group("def"):
            name = m.group("defname")
            args = tuple("m" for _ in _PARAM_RE.findall(m.group("params") or ""))
        else:
            name = m.group("ndcname")
            spec = _group(text, _skip(text, pos))
            if spec is None:
                continue
            args, pos = _xparse_args(spec[0]), spec[1]
        body = _group(text, _skip(text, pos))
        if body is None:
            continue
        keys = _key_params(body[0], citing)
        if keys:
            yield MacroSpec(name, args, keys, m.start())
    for m in _ALIAS_RE.finditer(text):  # \let\mycite\citep, \DeclareCiteCommand{\mycite}
        name = m.group("let") or m.group("copy") or m.group("declared")
        if m.group("declared") or (m.group("of") or m.group("from")) in citing:
            yield MacroSpec(name, _CITE_LIKE, frozenset({3}), m.start())


def defined_names(text: str) -> set[str]:
    """Every command name ``text`` defines (citing or not)."""
    names = {
        m.group("ncname") or m.group("defname") or m.group("ndcname")
        for m in _DEF_RE.finditer(text)
    }
    names.update(m.group("let") or m.group("copy") or m.group("declared")
                 for m in _ALIAS_RE.finditer(text))  # fmt: skip
    return names


def unknown_cite_commands(text: str, known: Set[str]) -> Iterator[tuple[str, int]]:
    """Commands with ``cite`` in their name that are not in ``known``: (name, offset)."""
    for m in _CITE_NAME_RE.finditer(text):
        if m.group("name") not in known:
            yield m.group("name"), m.start()


def learn_macros(text: str, citing: Set[str], macros: MutableMapping[str, MacroSpec]) -> set[str]:
    """Add the citing macros ``text`` defines to ``macros`` (following macros that cite through
    other document macros); return every name ``text`` defines."""
    for _ in range(3):
        known = {*citing, *macros}
        found = [spec for spec in find_macros(text, known) if spec.name not in macros]
        if not found:
            break
        macros.update((spec.name, spec) for spec in found)
    return defined_names(text)


def command_regex(names: Iterable[str]) -> re.Pattern[str]:
    """A regex matching ``\\name`` (then an optional star) for any of ``names``."""
    ordered = sorted(set(names), key=len, reverse=True)
    return re.compile(
        r"\\(?P<name>" + "|".join(map(re.escape, ordered)) + r")(?![A-Za-z@])(?P<star>\s*\*)?"
    )


def macro_keys(scanner: Args, spec: MacroSpec, line: int) -> list[str]:
    """Read a call's arguments as ``spec`` says; the keys in its key parameters."""
    values: list[str | None] = []
    for kind in spec.args:
        if kind == "s":
            star = re.compile(r"\s*\*").match(scanner.text, scanner.pos)
            values.append("*" if star else None)
            scanner.pos = star.end() if star else scanner.pos
        elif kind == "o":
            values.append(scanner.optional(spec.name, line))
        else:
            values.append(scanner.mandatory(spec.name, line))
    keys: list[str] = []
    for number in sorted(spec.key_params):
        value = values[number - 1] if number <= len(values) else None
        if value:
            keys.extend(value.split(","))
    return keys
