"""What a reading list cites: :class:`Candidate` works (with their line, section, links and what
the list's text says about them) and :class:`Ignored` links, with the reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from dlbib.library.model import ArxivId
from dlbib.readinglist.citation import Citation
from dlbib.readinglist.urls import Proceedings

Kind = Literal["arxiv", "doi", "paper", "citation", "web"]
MENTION: Final = "a name mentioned in passing (person, organisation or product), not a cited work"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One work a reading list cites, with everything the list says about it."""

    line: int
    """1-based line of the link (or of the citation when there is no link)."""
    text: str
    """The source line, stripped, for reports."""
    section: str | None
    """The nearest heading above it."""
    kind: Kind
    """``arxiv`` (has an arXiv id), ``paper`` (a citation with a non-arXiv link or DOI),
    ``citation`` (no link), ``doi`` (a bare DOI) or ``web`` (any other page)."""
    url: str | None = None
    """The work's link as written (cleaned), or None."""
    urls: tuple[str, ...] = ()
    """Every link the list gives for this work."""
    arxiv_id: ArxivId | None = None
    doi: str | None = None
    proceedings: Proceedings | None = None
    citation: Citation | None = None
    """What the list's own text says: title, authors, year, venue."""
    title: str | None = None
    """The title: the citation's, else the link text or one made from the URL."""
    links: tuple[tuple[str, str], ...] = ()
    """Secondary links kept on the work as fields: (``codeurl``, url), (``slidesurl``, url)…"""


@dataclass(frozen=True, slots=True)
class Ignored:
    """A link or line that is not a work, and why."""

    line: int
    text: str
    reason: str
    url: str | None = None
