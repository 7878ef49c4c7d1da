"""BibTeX person names → structured names (family, given, suffix, or an organisation's literal).

Splitting follows BibTeX's own rules (``First von Last``, ``von Last, First``,
``von Last, Jr, First``), done by bibtexparser's name functions
``split_multiple_persons_names`` and ``parse_single_name_into_parts`` (plain string in, parts
out; no bibtexparser types leave this module). Particles stay inside ``family``
(``van der Maaten``): Zotero's CSL importer reads only family/given/literal (FORMATS.md §1).
A name that is one braced group with no other parts (``{ACME Corp}``) is an organisation.

Names are split *first* and each part is decoded afterwards: decoding LaTeX before splitting
would strip the braces that keep ``{ACME Corp}`` whole (STYLE.md, "Getting plain text and split
names"). So ``M{\\"u}ller`` and ``Müller`` give the same :class:`Name` once decoded.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from dlbib.library.model import unbrace
from dlbib.library.text import latex_to_text

_AND: Final = re.compile(r"\s+and\s+", re.IGNORECASE)


class NameSplitError(ValueError):
    """A name BibTeX cannot split (too many commas, an unbalanced brace)."""


@dataclass(frozen=True, slots=True)
class Name:
    """One person or organisation; every part is a LaTeX or a plain-text string."""

    family: str = ""
    """The family name with its particles: ``van der Maaten``."""
    given: str = ""
    """Given names and initials: ``Laurens``, ``Geoffrey E.``."""
    suffix: str = ""
    """``Jr.``, ``III``."""
    literal: str = ""
    """An organisation's full name (then every other part is empty): ``ACME Corp``."""

    def map(self, fn: Callable[[str], str]) -> Name:
        """The same name with ``fn`` applied to every non-empty part."""
        return Name(*(fn(part) if part else "" for part in self.parts()))

    def parts(self) -> tuple[str, str, str, str]:
        """``(family, given, suffix, literal)``."""
        return (self.family, self.given, self.suffix, self.literal)


@functools.lru_cache(maxsize=16384)
def split_name(name: str) -> Name:
    """Split one BibTeX name, keeping its LaTeX: ``Doll{\\'a}r, Piotr`` → family ``Doll{\\'a}r``.

    :raises NameSplitError: when BibTeX could not split it either.
    """
    from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts

    stripped = " ".join(name.split())
    try:
        parts = parse_single_name_into_parts(stripped, strict=True)
    except InvalidNameError as exc:
        raise NameSplitError(f"cannot split the name {name!r}: {exc}") from exc
    if not (parts.first or parts.von or parts.jr) and len(parts.last) == 1:
        only = parts.last[0]
        inner = unbrace(only)
        if inner != only:  # "{ACME Corp}": one braced group is an organisation
            return Name(literal=inner)
    return Name(
        family=" ".join(parts.von + parts.last),
        given=" ".join(parts.first),
        suffix=" ".join(parts.jr),
    )


def split_names(value: str) -> list[Name]:
    """Split an ``author``/``editor`` value (LaTeX content, macros resolved) into names.

    :raises NameSplitError: when one of them cannot be split.
    """
    persons = _AND.split(value.strip())
    if "{" in value and not all(_balanced(p) for p in persons):
        # an " and " inside braces ({Barnes and Noble}) was split: let BibTeX's rules decide
        from bibtexparser.middlewares.names import split_multiple_persons_names

        persons = split_multiple_persons_names(value)
    return [split_name(person) for person in persons if person]


def _balanced(text: str) -> bool:
    return text.count("{") == text.count("}")


OTHERS: Final = Name(family="others")
"""BibTeX's ``and others`` (printed "et al."); plain-text formats leave it out."""


@functools.lru_cache(maxsize=16384)
def decode_name(name: Name) -> Name:
    """The name with every part turned from LaTeX into plain Unicode (for RIS and CSL-JSON)."""
    return name.map(latex_to_text)


def names_to_text(value: str) -> list[Name]:
    """Split, then decode: the plain-text names of an ``author``/``editor`` value.

    :raises NameSplitError: when one of them cannot be split.
    """
    return [decode_name(name) for name in split_names(value)]


def format_bibtex_name(name: Name) -> str:
    """Write a (LaTeX) name back as BibTeX: ``van der Maaten, Laurens``, ``Smith, Jr., John``.

    Organisations are double-braced so that no importer splits them (``{{Stanford University}}``
    inside the field's own braces; FORMATS.md §4.2).
    """
    if name.literal:
        return "{" + name.literal + "}"
    if name.suffix:
        return f"{name.family}, {name.suffix}, {name.given}"
    if name.given:
        return f"{name.family}, {name.given}"
    return name.family


def format_ris_name(name: Name) -> str:
    """RIS ``AU`` value: ``Family, Given[, Suffix]``; an organisation has no comma at all."""
    if name.literal:
        # Zotero splits an AU value at its first comma: "Google Brain, Inc." would become
        # family "Google Brain", given "Inc." (FORMATS.md §2.3), so the comma goes.
        return " ".join(name.literal.replace(",", " ").split())
    return ", ".join(part for part in (name.family, name.given, name.suffix) if part)
