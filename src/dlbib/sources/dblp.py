"""DBLP: the authority for computer-science venues, pages and PMLR/NeurIPS volumes.

``GET {api}/search/publ/api?q=<title>&format=json&h=<hits>&c=0`` answers
``{"result": {"hits": {"@total": "2", "hit": [{"info": {…}}]}}}``; every number is a string,
``hit`` is absent when nothing matched, ``authors.author`` is a list or a single object (or a
plain string in older answers), names may carry a disambiguation suffix (``Jian Sun 0001``),
titles end in ``.``, ``ee`` is a string or a list. Each hit becomes a
:class:`~dlbib.sources.venue.Publication` with source ``DBLP`` and its record key; the venue
class comes from the record type and the venue (``ICML Workshop …`` is a workshop, ``CoRR`` a
preprint). Volumes DBLP keeps in the link (``proceedings.mlr.press/v37/…``) or implies
(NeurIPS volume = year - 1987) are filled in.

Politeness: DBLP answers fast callers with an HTML 429 page; bulk users report 5–7 s between
requests works, so the default interval is 3 s (``DLBIB_DBLP_DELAY``) and dlbib asks DBLP
only to confirm a candidate that claims a publication.
"""

from __future__ import annotations

import html
import re
from typing import Any, Final

from dlbib.sources.http import DEFAULT_DEADLINE
from dlbib.sources.service import Http, ServiceClient
from dlbib.sources.venue import VENUES, Publication, classify_venue, venue_abbreviation

DBLP_API_URL: Final = "https://dblp.org"
DEFAULT_DELAY: Final = 3.0
HITS: Final = 10

_KINDS: Final = {
    "Conference and Workshop Papers": "conference",
    "Journal Articles": "journal",
    "Parts in Books or Collections": "chapter",
    "Informal and Other Publications": "preprint",
    "Informal Publications": "preprint",
}
_SUFFIX = re.compile(r"\s+\d{4}$")
_PMLR = re.compile(r"proceedings\.mlr\.press/v(\d+)/|jmlr\.org/proceedings/papers/v(\d+)/")
_TRACK = re.compile(r"Datasets_and_Benchmarks|datasets-benchmarks-proceedings", re.IGNORECASE)
"""A NeurIPS Datasets & Benchmarks paper's link (``…-Abstract-Datasets_and_Benchmarks.html``)."""
_FINDINGS = re.compile(r"(ACL|EMNLP|NAACL|EACL|AACL|IJCNLP)\b[^()]*\(Findings\)$", re.IGNORECASE)
"""DBLP's venue for an ACL Findings volume: ``EMNLP (Findings)``, ``NAACL-HLT (Findings)``."""
_SERIES: Final = {"lncs": ("Lecture Notes in Computer Science", "Springer")}


class Dblp(ServiceClient):
    """Publication search in DBLP.

    :param api_url: DBLP's root (default ``https://dblp.org``; mirrors work too).
    :param delay: seconds between requests.
    """

    name = "DBLP"

    def __init__(
        self,
        api_url: str = DBLP_API_URL,
        http: Http | None = None,
        *,
        delay: float = DEFAULT_DELAY,
        deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        super().__init__(api_url, http, delay=delay, deadline=deadline)

    def search(self, query: str, hits: int = HITS) -> list[Publication]:
        """The records DBLP finds for ``query`` (a title), best first.

        :raises ServiceError: when DBLP fails or answers something other than its JSON.
        """
        params = {"q": query, "format": "json", "h": str(hits), "c": "0"}
        answer = self.get_json("/search/publ/api", params)
        return parse_search(answer)


def parse_search(answer: Any) -> list[Publication]:
    """The hits of a ``/search/publ/api`` JSON answer as publications (pure)."""
    if not isinstance(answer, dict):
        return []
    hits = (answer.get("result") or {}).get("hits") or {}
    found = hits.get("hit") or []
    if isinstance(found, dict):
        found = [found]
    return [hit_publication(h["info"]) for h in found if isinstance(h.get("info"), dict)]


def _names(info: dict[str, Any]) -> tuple[str, ...]:
    authors = (info.get("authors") or {}).get("author") or []
    if not isinstance(authors, list):
        authors = [authors]
    names = [a.get("text", "") if isinstance(a, dict) else str(a) for a in authors]
    return tuple(_SUFFIX.sub("", html.unescape(n)).strip() for n in names if n)


def _first(value: Any) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value or "")


def _short_venue(abbr: str | None, venue: str, year: str) -> str:
    if abbr == "NEURIPS":  # renamed in 2018
        return "NeurIPS" if year.isdigit() and int(year) >= 2018 else "NIPS"
    return abbr or venue


def hit_publication(info: dict[str, Any]) -> Publication:
    """One hit's ``info`` object as a publication (pure)."""
    venue = html.unescape(_first(info.get("venue")))
    key = str(info.get("key") or "")
    kind = _KINDS.get(str(info.get("type") or ""), "")
    venue_class = classify_venue(venue, kind) if kind != "preprint" else "preprint"
    if key.startswith("journals/corr/"):
        venue_class = "preprint"
    year = str(info.get("year") or "")
    ee = info.get("ee") or []
    links = ee if isinstance(ee, list) else [ee]
    if venue_class == "conference" and any(_TRACK.search(str(link)) for link in links):
        venue_class = "datasets"  # DBLP files the NeurIPS D&B track under NeurIPS; its link not
    abbr = venue_abbreviation(venue)
    full, publisher, series = VENUES.get(abbr or "", ("", "", ""))
    volume = str(info.get("volume") or "")
    for link in links:
        m = _PMLR.search(str(link))
        if m and not volume:
            volume, publisher = m.group(1) or m.group(2), "PMLR"
            series = "Proceedings of Machine Learning Research"
    if abbr == "NEURIPS" and year.isdigit() and not volume:
        volume = str(int(year) - 1987)  # NIPS 1 was 1988
        full = f"{full} {volume}"
    parts = key.split("/")
    if parts[0] == "series" and len(parts) > 1 and parts[1] in _SERIES:
        series, publisher = _SERIES[parts[1]]
    container = full or venue
    short = _short_venue(abbr, venue, year)
    findings = _FINDINGS.match(venue)
    if venue_class == "findings" and findings:  # DBLP's "EMNLP (Findings)": ACL's own title
        conference = findings.group(1).upper()
        short = f"Findings of {conference}"
        container = f"Findings of the Association for Computational Linguistics: {conference}"
        container += f" {year}" if year else ""
        publisher = "Association for Computational Linguistics"
    if parts[0] == "series":
        container = re.sub(r"\s*\([^)]*ed\.\)$", "", venue)
    pages = str(info.get("pages") or "")
    doi = str(info.get("doi") or "")
    for link in links:  # DBLP upper-cases DOIs; its doi.org link keeps the registered case
        text = str(link)
        if doi and text.lower().endswith(doi.lower()) and "doi.org/" in text:
            doi = text[len(text) - len(doi) :]
    title = html.unescape(str(info.get("title") or "")).rstrip(".")
    return Publication(
        title=title,
        authors=_names(info),
        year=int(year) if year.isdigit() else None,
        venue=short,
        venue_class=venue_class,
        source="DBLP",
        source_id=key,
        container=container,
        volume=volume if venue_class != "preprint" else "",
        number=str(info.get("number") or ""),
        pages=pages.replace("-", "--") if pages.count("-") == 1 else pages,
        publisher=publisher,
        series=series,
        doi=doi,
        url=_first(links),
        dblp_key=key,
    )
