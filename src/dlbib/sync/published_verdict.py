"""The verdict on what a confirming service returned: which record, if any, is the published
version of an entry.

Every record passes through the one acceptance rule (:func:`dlbib.sources.match.check_work`:
title, first author and author overlap, a year window); a deposit whose author order is not
known must list the entry's authors in order. Among the records that pass, the one the
candidate named (DBLP key, DOI) wins, a main-venue record wins over its workshop twin, two
different main venues are ambiguous, and submissions and preprints are never published. No I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from dlbib.library.model import Reference
from dlbib.sources.match import PUBLISHED_WINDOW, check_work, family_name
from dlbib.sources.venue import Publication

Verdict = Literal[
    "published", "preprint", "unknown", "submission", "ambiguous", "unconfirmed", "enriched",
    "failed",
]  # fmt: skip


def choose(
    ref: Reference, found: Sequence[Publication], dblp_key: str, doi: str
) -> tuple[Verdict, Publication | None, str, list[str]]:
    """The verdict on what a confirming service returned for ``ref``.

    :returns: verdict, the accepted publication (or None), the reason, and the rejected or
        competing candidates (``source id: venue: title``) for the report.
    """
    year = int(ref.year) if ref.year and ref.year.isdigit() else None
    if not ref.title or not ref.authors or year is None:
        return "unconfirmed", None, "the entry lacks a title, authors or year to verify", []
    passing, rejected = _same_work(ref, year, found)
    published = [p for p in passing if p.is_published]
    listed = rejected + [describe_candidate(p) for p in published]
    pub, why = _pick(published, dblp_key, doi)
    if pub is not None:
        return "published", pub, "", []
    if why:
        return "ambiguous", None, why, listed
    subs = [p for p in passing if p.venue_class == "submission"]
    if subs:
        venue = subs[0].extra.get("venue") or "a submission"
        return "submission", None, f"not published: {venue} ({subs[0].source})", listed
    if passing:
        return "preprint", None, f"a preprint: {passing[0].source} lists only the preprint", []
    return "unknown", None, "no published version confirmed", listed


def _same_work(
    ref: Reference, year: int, found: Sequence[Publication]
) -> tuple[list[Publication], list[str]]:
    """The candidates the acceptance rule takes, and the others with the reason."""
    passing: list[Publication] = []
    rejected: list[str] = []
    for pub in found:
        ok, why = check_work(ref.title or "", ref.authors, year, pub.title, pub.authors,
                             pub.year, window=PUBLISHED_WINDOW, source=pub.source)  # fmt: skip
        if ok and not pub.author_order_known and len(pub.authors) > 1:
            ok, why = _first_author_in_order(ref, pub)
        if ok:
            passing.append(pub)
        else:
            rejected.append(f"{describe_candidate(pub)}: {why}")
    return passing, rejected


def _pick(published: list[Publication], dblp_key: str, doi: str) -> tuple[Publication | None, str]:
    """The one published version (main venue over its workshop twin), or why there is none."""
    exact = [p for p in published if (dblp_key and p.source_id == dblp_key)
             or (doi and p.doi.lower() == doi.lower())]  # fmt: skip
    mains = [p for p in published if p.venue_class != "workshop"]
    if len(exact) == 1 and exact[0].venue_class == "workshop" and len(mains) == 1:
        exact = mains  # a key or DOI naming the workshop twin of the one main paper
    if len(exact) == 1:
        return exact[0], ""
    if mains:
        if len({(p.venue, p.year) for p in mains}) == 1:
            return mains[0], ""
        return None, "ambiguous: several published versions match"
    if len(published) == 1:
        return published[0], ""
    if published:
        return None, "ambiguous: several workshop versions match"
    return None, ""


def _first_author_in_order(ref: Reference, pub: Publication) -> tuple[bool, str]:
    """A deposit without ``sequence: first``: accept only when its order is the entry's."""
    mine = [family_name(a) for a in ref.authors]
    theirs = [family_name(a) for a in pub.authors]
    if mine[: len(theirs)] == theirs[: len(mine)]:
        return True, "authors agree in order"
    return False, "the deposit's authors are in another order (alphabetical?) with no first author"


def plain(title: str | None) -> str:
    """A title as a service's search box wants it: Unicode, no braces or LaTeX."""
    from dlbib.library.text import latex_to_text

    return " ".join(latex_to_text(title or "").replace("{", "").replace("}", "").split())


def family(name: str) -> str:
    """The family name as written, in plain text (``He`` of ``He, Kaiming``), for a query."""
    text = plain(name)
    if "," in text:
        return text.split(",", 1)[0].strip()
    return text.rsplit(" ", 1)[-1] if text else family_name(name)


def describe_candidate(pub: Publication) -> str:
    """``DBLP conf/icml/IoffeS15: ICML 2015 (…): title`` for reports."""
    return f"{pub.source} {pub.source_id or pub.venue}: {pub.describe()}: {pub.title}"
