"""Crossref REST API: DOI records, and bibliographic search for papers without an arXiv id.

``GET {api}/works/{doi}`` answers ``{"status": "ok", "message-type": "work", "message": {…}}``
(a 404 with a plain-text body for an unknown DOI); ``GET {api}/works?query.bibliographic=…``
answers a ``work-list``. A work becomes a :class:`~dlbib.sources.venue.Publication` with source
``Crossref`` and its DOI: ``proceedings-article`` → conference (workshop when its container or
event says so), ``journal-article`` → journal, ``book-chapter`` → chapter with the *book* as
container (``container-title`` is ``[series, book]``), ``posted-content`` → preprint. DOIs are
compared case-insensitively (IEEE deposits them in lower case). When no author carries
``sequence: first`` the deposit's order is not trusted (some list authors alphabetically), so
the first author cannot be confirmed from it.

Politeness: Crossref's polite pool wants a contact address, sent as ``mailto=`` and in the
User-Agent (``DLBIB_CONTACT_EMAIL`` or ``contact_email`` in dlbib.toml). It advertises
10 requests/s there (5 without an address); the default interval is 0.5 s with an address and
1 s without (``DLBIB_CROSSREF_DELAY``).
"""

from __future__ import annotations

import urllib.parse
from typing import Any, Final

from dlbib.sources.http import DEFAULT_DEADLINE
from dlbib.sources.service import Http, ServiceClient
from dlbib.sources.venue import Publication, VenueClass, classify_venue

CROSSREF_API_URL: Final = "https://api.crossref.org"
DELAY_POLITE: Final = 0.5
DELAY_PUBLIC: Final = 1.0

_KINDS: Final = {
    "proceedings-article": "conference",
    "journal-article": "journal",
    "book-chapter": "chapter",
    "book-part": "chapter",
    "book-section": "chapter",
}
_TYPES: Final = {"conference": "inproceedings", "journal": "article", "chapter": "incollection"}


class Crossref(ServiceClient):
    """DOI records and bibliographic search in Crossref.

    :param mailto: a contact address for the polite pool (None: the public pool).
    :param delay: seconds between requests (default 0.5 with an address, 1 without).
    """

    name = "Crossref"

    def __init__(
        self,
        api_url: str = CROSSREF_API_URL,
        http: Http | None = None,
        *,
        mailto: str | None = None,
        delay: float | None = None,
        deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        if delay is None:
            delay = DELAY_POLITE if mailto else DELAY_PUBLIC
        from dlbib.sources.http import user_agent

        super().__init__(
            api_url, http, delay=delay, deadline=deadline, user_agent=user_agent(mailto)
        )
        self.mailto = mailto

    def _params(self, **params: str) -> dict[str, str]:
        return {**params, "mailto": self.mailto} if self.mailto else params

    def work(self, doi: str) -> Publication | None:
        """The record of ``doi``, or None when Crossref does not know it.

        :raises ServiceError: when Crossref fails or answers something other than its JSON.
        """
        path = "/works/" + urllib.parse.quote(doi, safe="/:;()._-")
        answer = self.get_json(path, self._params())
        if not isinstance(answer, dict) or not isinstance(answer.get("message"), dict):
            return None
        return work_publication(answer["message"])

    def search(self, query: str, rows: int = 5) -> list[Publication]:
        """Works matching a bibliographic query (title and author names), best first."""
        answer = self.get_json("/works", self._params(**{"query.bibliographic": query,
                                                          "rows": str(rows)}))  # fmt: skip
        message = answer.get("message") if isinstance(answer, dict) else None
        items = message.get("items") if isinstance(message, dict) else None
        return [work_publication(w) for w in items or [] if isinstance(w, dict)]


def _year(work: dict[str, Any]) -> int | None:
    for name in ("published-print", "published-online", "issued", "published"):
        parts = (work.get(name) or {}).get("date-parts") or [[None]]
        first = parts[0][0] if parts and parts[0] else None
        if isinstance(first, int):
            return first
    return None


def _names(people: Any) -> tuple[str, ...]:
    out = []
    for person in people or []:
        if isinstance(person, dict):
            name = " ".join(str(person.get(k) or "") for k in ("given", "family")).strip()
            out.append(name or str(person.get("name") or ""))
    return tuple(n for n in out if n)


def work_publication(work: dict[str, Any]) -> Publication:
    """One Crossref work as a publication (pure)."""
    kind = _KINDS.get(str(work.get("type") or ""), "")
    containers = [str(c) for c in work.get("container-title") or []]
    event = str((work.get("event") or {}).get("name") or "")
    container = containers[-1] if containers else event
    series = containers[0] if kind == "chapter" and len(containers) > 1 else ""
    venue_class: VenueClass
    if work.get("type") == "posted-content":
        venue_class = "preprint"
    elif kind == "conference" and "workshop" in f"{container} {event}".lower():
        venue_class = "workshop"
    else:
        venue_class = classify_venue(container or str(work.get("publisher") or ""), kind)
    authors = work.get("author") or []
    ordered = any(isinstance(a, dict) and a.get("sequence") == "first" for a in authors)
    page = str(work.get("page") or "")
    titles = work.get("title") or [""]
    return Publication(
        title=str(titles[0] if titles else ""),
        authors=_names(authors),
        year=_year(work),
        venue=container,
        venue_class=venue_class,
        source="Crossref",
        source_id=str(work.get("DOI") or ""),
        container=container,
        volume=str(work.get("volume") or ""),
        number=str(work.get("issue") or ""),
        pages=page.replace("-", "--") if page.count("-") == 1 else page,
        publisher=str(work.get("publisher") or ""),
        series=series,
        doi=str(work.get("DOI") or ""),
        author_order_known=ordered or len(authors) <= 1,
        extra={"entry_type": _TYPES.get(kind, "")},
    )
