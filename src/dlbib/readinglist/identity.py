"""Identity tokens: the ways one work can be recognised in a library or a reading list.

A work's tokens are its arXiv id, DOI, proceedings id, the comparison forms of its URLs and its
normalised title + first author's family name + year. Two works are the same when they share a
token. Library entries also yield the URLs quoted in their ``note`` ("the reading list links
http://…"), so an entry whose canonical URL moved is still found under its old address. No I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Final

from dlbib.library.model import ArxivId, Reference, normalize_doi
from dlbib.library.text import normalize_title
from dlbib.readinglist.urls import arxiv_id_in_url, clean_url, doi_in_url, proceedings_of, url_key
from dlbib.sources.match import family_name

_NOTE_URL: Final = re.compile(r"https?://[^\s{}\\]+")
URL_FIELDS: Final = ("url", "pdfurl", "howpublished")

DESCRIPTIONS: Final = {
    "arxiv": "same arXiv id",
    "doi": "same DOI",
    "url": "same URL",
    "t": "same title, first author and year",
    "t0": "same title and first author",
}
DESCRIPTIONS_PROC: Final = "same proceedings paper"


def describe(token: str) -> str:
    """``arxiv:1502.03167`` → ``same arXiv id 1502.03167``."""
    kind, _, value = token.partition(":")
    if kind in ("t", "t0"):
        return DESCRIPTIONS[kind]
    if kind in DESCRIPTIONS:
        return f"{DESCRIPTIONS[kind]} ({value})"
    return f"{DESCRIPTIONS_PROC} ({token})"


def url_tokens(url: str) -> list[str]:
    """Tokens of one URL: arXiv id, DOI, proceedings id, comparison form."""
    tokens = []
    arxiv = arxiv_id_in_url(url)
    if arxiv:
        tokens.append(f"arxiv:{arxiv.id.lower()}")
    doi = doi_in_url(url)
    if doi:
        tokens.append(f"doi:{doi.lower()}")
    proc = proceedings_of(url)
    if proc:
        tokens.append(proc.token)
    key = url_key(url)
    if key:
        tokens.append(f"url:{key}")
    return tokens


def title_tokens(
    title: str | None, authors: Sequence[str], year: str | None, *, both: bool = False
) -> list[str]:
    """``t:<title>|<family>|<year>`` (and ``t0:`` without year when ``both`` or no year)."""
    # spaces dropped too: lists that strip hyphens write "GradientBased" for "Gradient-Based"
    words = normalize_title(title or "").replace(" ", "")
    if not words or not authors:
        return []
    family = family_name(authors[0]).rsplit(" ", 1)[-1]
    if not family:
        return []
    tokens = [f"t:{words}|{family}|{year}"] if year else []
    if both or not year:
        tokens.append(f"t0:{words}|{family}")
    return tokens


def reference_tokens(ref: Reference) -> list[str]:
    """Every token of a library entry, strongest first."""
    tokens: list[str] = []
    arxiv = ref.arxiv_id
    if arxiv:
        tokens.append(f"arxiv:{arxiv.id.lower()}")
    if ref.doi:
        doi = normalize_doi(ref.doi)
        found = ArxivId.find(doi)
        tokens.append(f"arxiv:{found.id.lower()}" if found else f"doi:{doi.lower()}")
    for url in _reference_urls(ref):
        tokens.extend(url_tokens(url))
    tokens.extend(title_tokens(ref.title, ref.authors, ref.year, both=True))
    return list(dict.fromkeys(tokens))


def _reference_urls(ref: Reference) -> Iterable[str]:
    for name in URL_FIELDS:
        value = ref.get(name)
        if value and re.match(r"https?://", value.strip()):
            yield value.strip()
    note = ref.get("note") or ""
    for m in _NOTE_URL.finditer(note):
        yield clean_url(m.group(0))


class Index:
    """Token → citation key, for finding a work among known ones."""

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}

    def add(self, key: str, tokens: Iterable[str]) -> None:
        """Remember ``tokens`` as ``key``'s (earlier keys win)."""
        for token in tokens:
            self._keys.setdefault(token, key)

    def find(self, tokens: Iterable[str]) -> tuple[str, str] | None:
        """The (key, token) of the first token known, or None."""
        for token in tokens:
            if token in self._keys:
                return self._keys[token], token
        return None


def library_index(
    references: Iterable[Reference], tokens: Callable[[Reference], list[str]] = reference_tokens
) -> Index:
    """An index of every entry's tokens (``tokens``: :func:`reference_tokens`, or a function
    that gives the same, e.g. from what an earlier run worked out)."""
    index = Index()
    for ref in references:
        index.add(ref.key, tokens(ref))
    return index
