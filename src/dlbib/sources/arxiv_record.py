"""What arXiv says about one paper (:class:`ArxivRecord`) and the library fields it maps to.

:func:`record_fields` is the one place that decides the field convention for arXiv metadata
(FORMATS.md §1, §4): BibTeX ``eprint`` (no version) + ``archiveprefix = {arXiv}`` +
``primaryclass``, never biblatex's ``eprinttype`` (exporters derive that), plus ``title``,
``author`` (``Family, Given and …``), ``year``/``month`` of the first version, ``url`` (the
abstract page), ``abstract``, and ``arxivversion`` (``v3``: the version the metadata came from).
When arXiv knows the published version it adds ``doi`` and ``journal-ref`` (arXiv's own name for
the field); it never writes ``journal``/``booktitle``, so a venue the user curated stays.
Titles and abstracts are unfolded and LaTeX-safe: ``& % # _ ~ ^`` and unpaired ``$``/braces are
escaped, ``$…$`` math and TeX commands the authors wrote are kept, and title words whose case
must survive style recasing (``{ImageNet}``, ``{LSTM}``, ``{R-CNN}``) are brace-protected.

This module does no I/O; :mod:`dlbib.arxiv_source` builds records from the API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from dlbib.library.model import ArxivId

MONTHS: Final = ("jan", "feb", "mar", "apr", "may", "jun",
                 "jul", "aug", "sep", "oct", "nov", "dec")  # fmt: skip
"""BibTeX's month macros; ``month`` is written bare (``month = jun``), as FORMATS.md §4.2 asks."""

_PARTICLES: Final = frozenset(
    {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "dos", "das", "le",
     "la", "ter", "ten", "zu", "y"}
)  # fmt: skip
_SUFFIXES: Final = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_GROUP_WORDS: Final = frozenset({"collaboration", "team", "consortium", "group", "project"})
_ESCAPES: Final = {
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "~": r"{\textasciitilde}",
    "^": r"{\textasciicircum}",
}


@dataclass(frozen=True, slots=True)
class ArxivRecord:
    """One arXiv paper as the API describes its latest (or requested) version."""

    arxiv_id: ArxivId
    """The id, with the version this metadata describes (``1502.03167v3``)."""
    title: str
    """The title as arXiv has it (whitespace unfolded; may hold TeX the authors wrote)."""
    authors: tuple[str, ...]
    """Author names as arXiv writes them: ``"Given Family"``."""
    abstract: str
    """The abstract, whitespace unfolded."""
    published: date
    """When version 1 appeared."""
    updated: date
    """When this version appeared."""
    primary_class: str
    """The primary category: ``cs.LG``."""
    categories: tuple[str, ...] = field(default=())
    """Every category, the primary one included."""
    doi: str | None = None
    """The DOI of the published version, when the authors reported one (bare ``10.…``)."""
    journal_ref: str | None = None
    """The journal reference of the published version, when reported."""
    comment: str | None = None
    """The authors' comment (pages, figures, venue)."""

    @property
    def version(self) -> int | None:
        """The version number this metadata describes."""
        return self.arxiv_id.version

    @property
    def abs_url(self) -> str:
        """The abstract page without version: ``https://arxiv.org/abs/1502.03167``."""
        return self.arxiv_id.abs_url


@dataclass
class FetchResult:
    """What a batch look-up found: records keyed by unversioned id, and the ids arXiv lacks."""

    records: dict[str, ArxivRecord] = field(default_factory=dict)
    """Unversioned id (``1502.03167``, ``cs/0112017``) → record of its latest version."""
    missing: list[str] = field(default_factory=list)
    """Unversioned ids the API did not return, in the order asked."""


def unfold(text: str) -> str:
    """Collapse every run of whitespace (arXiv wraps long titles and abstracts) to one space."""
    return " ".join(text.split())


_SPECIAL: Final = re.compile("[" + re.escape("".join(_ESCAPES)) + r"$\\{}]")
"""Characters :func:`latex_safe` treats specially; text without any is only unfolded."""
_WORD: Final = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_UPPER: Final = re.compile(r"[A-Z]")
_DIGIT: Final = re.compile(r"\d")
_MAYBE_PROTECTED: Final = re.compile(r"[A-Za-z0-9][A-Z]|[A-Z][A-Za-z0-9]*\d|\d[A-Za-z0-9]*[A-Z]")
"""What a word :func:`_protect_word` braces must contain (an upper-case letter after a letter
or digit, or one beside a digit): text without it has no such word."""
_MATH_SPLIT: Final = re.compile(r"((?<!\\)\$[^$]*(?<!\\)\$)")
_GROUPS: Final = re.compile(r"(\\[A-Za-z]+\*?|\\.|\{[^{}]*\})")
r"""TeX commands (``\emph``, ``\&``) and brace groups the authors wrote: they stay as is."""
_COMMANDS: Final = re.compile(r"(\\[A-Za-z]+|\\.)")


def latex_safe(text: str, *, protect_case: bool = False) -> str:
    """Make arXiv text safe as a BibTeX literal field value.

    ``$…$`` math and TeX commands are kept; ``& % # _ ~ ^`` outside math are escaped (unless
    already escaped), as are unpaired ``$`` and unbalanced braces. With ``protect_case``, words
    whose case must survive recasing are wrapped in braces.
    """
    text = unfold(text)
    if not _SPECIAL.search(text):  # the common case: nothing to escape or keep apart
        if protect_case and _MAYBE_PROTECTED.search(text):
            return _WORD.sub(_protect_word, text)
        return text
    if "$" not in text and "\\" not in text and "{" not in text and "}" not in text:
        # only signs to escape (``4.9% error``): no math, command or brace group to keep
        # apart, which is all the general steps below would find
        return _escape_text(text, True, protect_case)
    return _latex_safe_general(text, protect_case)


def _latex_safe_general(text: str, protect_case: bool) -> str:
    """:func:`latex_safe`'s steps for unfolded text with math, commands or braces."""
    if text.count("$") % 2:
        text = re.sub(r"(?<!\\)\$", r"\\$", text)
    balanced = _braces_balanced(text)
    out: list[str] = []
    for part in _MATH_SPLIT.split(text):
        if part.startswith("$") and part.endswith("$") and len(part) > 1:
            out.append(part)
        else:
            out.append(_escape_text(part, balanced, protect_case))
    return "".join(out)


def _braces_balanced(text: str) -> bool:
    if "{" not in text and "}" not in text:
        return True
    depth = 0
    for ch in re.sub(r"\\[{}]", "", text):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _escape_text(part: str, balanced: bool, protect_case: bool) -> str:
    # Split off TeX commands (\emph, \&) and brace groups the authors wrote: they stay as is.
    if "\\" in part or (balanced and "{" in part):
        pieces = (_GROUPS if balanced else _COMMANDS).split(part)
    else:
        pieces = [part]
    out: list[str] = []
    for piece in pieces:
        if piece.startswith("\\") or (balanced and piece.startswith("{")):
            out.append(piece)
            continue
        if not balanced:
            piece = piece.replace("{", r"\{").replace("}", r"\}")
        if protect_case:
            piece = _WORD.sub(_protect_word, piece)
        for ch, escaped in _ESCAPES.items():  # no escape contains a later key: one pass each
            if ch in piece:
                piece = piece.replace(ch, escaped)
        out.append(piece)
    return "".join(out)


def _protect_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if word.islower() or not _UPPER.search(word):  # cheap: most words need no braces
        return word
    for part in word.split("-"):
        if _UPPER.search(part, 1) or (_DIGIT.search(part) and _UPPER.search(part)):
            return "{" + word + "}"
    return word


def bibtex_name(name: str) -> str:
    """``Given Family`` → ``Family, Given``; particles stay with the family name
    (``van der Maaten, Laurens``), suffixes get their own part (``Smith, Jr., John``), and
    collaborations are double-braced (``{ATLAS Collaboration}``)."""
    tokens = unfold(name).split(" ")
    if len(tokens) == 2:  # ``Given Family``: no suffix or particle can apply
        given, family = tokens
        if given.lower() not in _GROUP_WORDS and family.lower() not in _GROUP_WORDS:
            return f"{family}, {given}"
    return _bibtex_name_general(tokens)


def _bibtex_name_general(tokens: list[str]) -> str:
    """:func:`bibtex_name` of a name's space-separated tokens (after unfolding)."""
    if not tokens or tokens == [""]:
        return ""
    if any(t.lower() in _GROUP_WORDS for t in tokens):
        return "{" + " ".join(tokens) + "}"
    suffix = ""
    if len(tokens) > 2 and tokens[-1].lower().rstrip(",") in _SUFFIXES:
        suffix = tokens.pop().rstrip(",")
        tokens[-1] = tokens[-1].rstrip(",")
    if len(tokens) == 1:
        return tokens[0]
    start = len(tokens) - 1
    for i in range(1, len(tokens) - 1):
        if tokens[i].lower() in _PARTICLES:
            start = i
            break
    family, given = " ".join(tokens[start:]), " ".join(tokens[:start])
    return f"{family}, {suffix}, {given}" if suffix else f"{family}, {given}"


def record_fields(record: ArxivRecord) -> dict[str, str]:
    """The library fields (their *content*, not raw values) for an arXiv record.

    See the module docstring for the convention. ``month`` is a macro name (``jun``) to be
    written bare; every other value is to be written in braces.
    """
    return _fields(record, "", "")


def record_raw_fields(record: ArxivRecord) -> dict[str, str]:
    """:func:`record_fields` as raw values (what an entry holds): ``month`` bare, every other
    value in braces — ``raw_value`` of each, built in one pass (sync asks for every record)."""
    return _fields(record, "{", "}")


def _fields(record: ArxivRecord, open_: str, close: str) -> dict[str, str]:
    """The fields of :func:`record_fields`, each non-empty value but ``month`` wrapped in
    ``open_`` … ``close``."""
    fields: dict[str, str] = {}
    author = " and ".join(b for b in (bibtex_name(a) for a in record.authors) if b)
    if author:
        fields["author"] = open_ + author + close
    title = latex_safe(record.title, protect_case=True)
    if title:
        fields["title"] = open_ + title + close
    fields["year"] = f"{open_}{record.published.year}{close}"
    fields["month"] = MONTHS[record.published.month - 1]
    eprint, primary, url = record.arxiv_id.id, record.primary_class, record.abs_url
    if eprint:
        fields["eprint"] = open_ + eprint + close
    fields["archiveprefix"] = open_ + "arXiv" + close
    if primary:
        fields["primaryclass"] = open_ + primary + close
    if url:
        fields["url"] = open_ + url + close
    abstract = latex_safe(record.abstract)
    if abstract:
        fields["abstract"] = open_ + abstract + close
    if record.version:
        fields["arxivversion"] = f"{open_}v{record.version}{close}"
    if record.doi:
        fields["doi"] = open_ + record.doi + close
    journal_ref = latex_safe(record.journal_ref) if record.journal_ref else ""
    if journal_ref:
        fields["journal-ref"] = open_ + journal_ref + close
    return fields


def raw_value(name: str, content: str) -> str:
    """The raw BibTeX value for a field's content: bare for month macros, braced otherwise."""
    if name == "month" and content in MONTHS:
        return content
    return "{" + content + "}"
