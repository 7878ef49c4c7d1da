"""Batching titles for arXiv's title search: how many ``ti:"…" OR ti:"…"`` terms fit one
request, and whether an answer belongs to a title. Pure string work; the requests are
:meth:`dlbib.sources.arxiv.ArxivSource.search_titles`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from dlbib.library.text import normalize_title

__all__ = ["RESULTS_PER_TITLE", "TITLES_PER_QUERY", "TITLE_QUERY_CHARS", "title_batches"]

TITLE_QUERY_CHARS: Final = 1800
"""Longest ``search_query`` per request: with the URL's other parts, well under the 4 KB that
proxies and servers reliably accept (arXiv answers 414 beyond about 8 KB)."""
TITLES_PER_QUERY: Final = 20
"""Titles per OR query: with :data:`RESULTS_PER_TITLE` each, one page of 100 results."""
RESULTS_PER_TITLE: Final = 5


def title_batches(titles: Sequence[str]) -> list[list[str]]:
    """Titles grouped for :meth:`ArxivSource.search_titles`, in order (titles without words, or
    too long for any one request, are left out): T titles make about ⌈T/k⌉ groups."""
    batches: list[list[str]] = []
    length = 0
    for title in titles:
        words = normalize_title(title)
        if not words or len(words) > TITLE_QUERY_CHARS:
            continue
        term = len(words) + 6 + 4  # ti:"…" and " OR "
        if not batches or len(batches[-1]) >= TITLES_PER_QUERY or length + term > TITLE_QUERY_CHARS:
            batches.append([])
            length = 0
        batches[-1].append(title)
        length += term
    return batches


def contains_phrase(record_title: str, title: str) -> bool:
    """True when a record's title holds ``title``'s words in order (what ``ti:"…"`` matched)."""
    return f" {normalize_title(title)} " in f" {normalize_title(record_title)} "
