"""Decide whether an arXiv search result is the same work as a library entry.

A wrong match is worse than none (peers have turned Nature's "Deep learning" review into an
unrelated arXiv paper), so a candidate is accepted only when three independent checks agree:

* **title**: the normalised titles (plain ASCII, lower case, words only) are equal, or nearly so
  (``difflib`` ratio ≥ :data:`TITLE_THRESHOLD`, which still tolerates a typo or a subtitle
  punctuation change but not a different title that merely shares words);
* **authors**: the family names overlap: the first author's family name is among the
  candidate's and at least half of the shorter author list is shared;
* **year**: the candidate's first version appeared between :data:`YEARS_BEFORE` years before
  and :data:`YEARS_AFTER` year after the entry's year (preprints precede publication).

The same rule (:func:`check_work`) accepts a published version of a preprint, with the year
window :data:`PUBLISHED_WINDOW` (publication follows the preprint by up to three years).

An entry without authors or year cannot be verified and never matches. Exactly one candidate
must pass; two passing candidates are reported as ambiguous. No I/O here.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from dlbib.library.model import split_names
from dlbib.library.text import fold_ascii, latex_to_text, normalize_title
from dlbib.sources.arxiv_record import ArxivRecord

TITLE_THRESHOLD: Final = 0.93
YEARS_BEFORE: Final = 2
YEARS_AFTER: Final = 1
PUBLISHED_WINDOW: Final = (1, 3)
"""A published version appears from a year before to three years after its preprint's year."""


@dataclass(frozen=True)
class MatchResult:
    """The outcome of matching one entry against search results."""

    record: ArxivRecord | None
    """The accepted candidate, or None."""
    candidates: tuple[ArxivRecord, ...] = field(default=())
    """Every candidate considered (for reporting when none was accepted)."""
    reason: str = ""
    """Why the best candidate was accepted or rejected, as a sentence fragment."""


def family_name(name: str) -> str:
    """The folded family name of ``Family, Given`` or ``Given Family`` (``maaten`` style words
    are kept whole: ``van der maaten``)."""
    text = fold_ascii(latex_to_text(name)).strip().strip("{}")
    if "," in text:
        family = text.split(",", 1)[0]
    else:
        family = text.rsplit(" ", 1)[-1] if " " in text else text
    return " ".join(normalize_title(family).split())


def title_similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two titles after normalisation."""
    na, nb = normalize_title(a), normalize_title(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    return difflib.SequenceMatcher(None, na, nb, autojunk=False).ratio()


def author_overlap(entry_authors: Sequence[str], candidate_authors: Sequence[str]) -> bool:
    """True when the first author is shared and at least half the shorter list overlaps."""
    mine = [family_name(a) for a in entry_authors if family_name(a)]
    theirs = [family_name(a) for a in candidate_authors if family_name(a)]
    if not mine or not theirs:
        return False

    # A family name may be split differently ("van der Maaten" vs "Maaten"): compare last words.
    def last(word: str) -> str:
        return word.rsplit(" ", 1)[-1]

    their_set = {last(n) for n in theirs}
    if last(mine[0]) not in their_set:
        return False
    shared = len({last(n) for n in mine} & their_set)
    return shared * 2 >= min(len(set(mine)), len(their_set))


def check_work(
    title: str,
    authors: Sequence[str],
    year: int,
    candidate_title: str,
    candidate_authors: Sequence[str],
    candidate_year: int | None,
    *,
    window: tuple[int, int] = (YEARS_BEFORE, YEARS_AFTER),
    source: str = "arXiv",
) -> tuple[bool, str]:
    """The one rule: title similarity, first author and author overlap, and a year window.

    :param window: how many years the candidate may be (before, after) the entry's year.
    :param source: the candidate's service, for the reason text.
    :returns: whether all three agree, and why (a sentence fragment).
    """
    similarity = title_similarity(title, candidate_title)
    if similarity < TITLE_THRESHOLD:
        return False, f"title differs ({similarity:.0%} similar)"
    if not author_overlap(authors, candidate_authors):
        return False, "title matches but the authors differ"
    before, after = window
    if candidate_year is None or not year - before <= candidate_year <= year + after:
        return False, (
            f"title and authors match but {source}'s year {candidate_year} is far from {year}"
        )
    return True, f"title ({similarity:.0%}), authors and year agree"


def _check(
    title: str, authors: Sequence[str], year: int, candidate: ArxivRecord
) -> tuple[bool, str]:
    return check_work(
        title, authors, year, candidate.title, candidate.authors, candidate.published.year
    )


def accept_match(
    title: str | None,
    authors: Sequence[str],
    year: int | str | None,
    candidates: Sequence[ArxivRecord],
) -> MatchResult:
    """Pick the one candidate that is the same work as an entry, or none.

    :param title: the entry's title (LaTeX allowed).
    :param authors: the entry's authors (``Family, Given`` or ``Given Family``), or an
        ``author`` field value to split on ``and``.
    :param year: the entry's year.
    :param candidates: arXiv search results.
    """
    found = tuple(candidates)
    if isinstance(authors, str):
        authors = split_names(authors)
    if not title or not authors or not year or not str(year).isdigit():
        return MatchResult(None, found, "the entry lacks a title, authors or year to verify")
    if not found:
        return MatchResult(None, found, "arXiv has no paper with this title")
    verdicts = [(_check(title, authors, int(year), c), c) for c in found]
    accepted = [c for (ok, _), c in verdicts if ok]
    if len({c.arxiv_id.id for c in accepted}) > 1:
        ids = ", ".join(c.arxiv_id.id for c in accepted)
        return MatchResult(None, found, f"several arXiv papers match ({ids})")
    if accepted:
        (_ok, why), record = next(v for v in verdicts if v[1] is accepted[0])
        return MatchResult(record, found, why)
    best = max(verdicts, key=lambda v: title_similarity(title, v[1].title))
    why = f"no candidate agrees: best {best[1].arxiv_id.id}: {best[0][1]}"
    return MatchResult(None, found, why)
