"""Semantic Scholar Graph API: candidates for where arXiv papers were published, 500 per request.

``POST {api}/paper/batch?fields=…`` with ``{"ids": ["ARXIV:1502.03167", "DOI:…", …]}`` answers
an array in request order, ``null`` for an id S2 does not know (kept aligned here, never
dropped). Each paper becomes a *candidate* :class:`~dlbib.sources.venue.Publication` (source
``Semantic Scholar``): its venue, year, authors, external ids (DBLP key, DOI). A candidate is
not a confirmation: S2 merges workshops into their main venue and marks conference papers
``journal: ArXiv``, so :mod:`dlbib.sync.published` asks the service that owns the venue.

Politeness: with a key (``x-api-key``) S2 allows one request per second, without one all
anonymous callers share a pool, so the default interval is 1.1 s with a key and 3 s without
(``DLBIB_S2_DELAY``). S2 sends no rate-limit headers; a 429 takes the service down for the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from dlbib.sources.http import DEFAULT_DEADLINE
from dlbib.sources.service import Http, ServiceClient
from dlbib.sources.venue import Publication, VenueClass, classify_venue, venue_display

S2_API_URL: Final = "https://api.semanticscholar.org/graph/v1"
BATCH_SIZE: Final = 500
"""Ids per ``/paper/batch`` request (the API's limit)."""
FIELDS: Final = "externalIds,venue,publicationVenue,year,authors,title,publicationTypes,journal"
DELAY_WITH_KEY: Final = 1.1
DELAY_ANONYMOUS: Final = 3.0


class SemanticScholar(ServiceClient):
    """Batch look-ups of papers by arXiv id or DOI.

    :param api_url: the Graph API root (default: S2's).
    :param api_key: sent as ``x-api-key`` when given.
    :param delay: seconds between requests (default: 1.1 with a key, 3 without).
    """

    name = "Semantic Scholar"

    def __init__(
        self,
        api_url: str = S2_API_URL,
        http: Http | None = None,
        *,
        api_key: str | None = None,
        delay: float | None = None,
        deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        if delay is None:
            delay = DELAY_WITH_KEY if api_key else DELAY_ANONYMOUS
        super().__init__(api_url, http, delay=delay, deadline=deadline)
        self.api_key = api_key

    def headers(self) -> dict[str, str]:
        return {"x-api-key": self.api_key} if self.api_key else {}

    def batch(self, ids: Sequence[str]) -> list[Publication | None]:
        """Candidates for ``ids`` (``ARXIV:…``/``DOI:…``), aligned with them; None = unknown.

        Sends ⌈len(ids)/500⌉ requests.

        :raises ServiceError: when a request fails (nothing is returned for any id then).
        """
        out: list[Publication | None] = []
        for start in range(0, len(ids), BATCH_SIZE):
            chunk = list(ids[start : start + BATCH_SIZE])
            answer = self.post_json("/paper/batch", {"ids": chunk}, {"fields": FIELDS})
            if not isinstance(answer, list) or len(answer) != len(chunk):
                from dlbib.errors import ServiceError

                raise ServiceError(self.name, "the batch answer does not list every id asked")
            out.extend(paper_candidate(p) if isinstance(p, dict) else None for p in answer)
        return out


def paper_candidate(paper: dict[str, Any]) -> Publication:
    """One S2 paper object as a candidate publication (pure)."""
    ids = paper.get("externalIds") or {}
    venue_obj = paper.get("publicationVenue") or {}
    journal = paper.get("journal") or {}
    venue = str(paper.get("venue") or venue_obj.get("name") or "")
    kind = str(venue_obj.get("type") or "")
    types = paper.get("publicationTypes") or []
    dblp = str(ids.get("DBLP") or "")
    venue_class: VenueClass
    if not kind:
        kind = "journal" if types == ["JournalArticle"] and journal.get("name") else ""
    venue_class = classify_venue(venue, kind)
    if venue_obj.get("issn") == "2331-8422":
        venue_class = "preprint"  # arXiv.org (its S2 venue has that ISSN)
    if dblp.startswith("journals/corr/"):
        # S2 often keeps the CoRR key of a paper it places at a venue (Adam: ICLR 2015, key
        # journals/corr/KingmaB14): the key says nothing of the venue, the venue still does
        dblp = ""
    journal_name = str(journal.get("name") or "")
    pages = "" if journal_name == "ArXiv" else str(journal.get("pages") or "")
    doi = str(ids.get("DOI") or "")
    return Publication(
        title=str(paper.get("title") or ""),
        authors=tuple(str(a.get("name") or "") for a in paper.get("authors") or []),
        year=paper.get("year") if isinstance(paper.get("year"), int) else None,
        venue=venue_display(venue),
        venue_class=venue_class,
        source="Semantic Scholar",
        source_id=str(paper.get("paperId") or ""),
        container="" if journal_name == "ArXiv" else journal_name,
        pages=pages.replace("-", "--") if pages.count("-") == 1 else pages,
        doi="" if doi.lower().startswith("10.48550/") else doi,
        dblp_key=dblp,
        extra={"arxiv": str(ids.get("ArXiv") or ""), "acl": str(ids.get("ACL") or "")},
    )
