"""OpenReview API v2: whether a paper was *accepted* at ICLR, NeurIPS or TMLR.

``GET {api}/notes?content.title=<title>`` answers ``{"count": n, "notes": [...]}`` with every
content field wrapped (``content.venue.value``). A note is a publication only when its
``venueid`` is the venue itself (``ICLR.cc/2024/Conference``, ``TMLR``) — never
``…/Submission``, ``…/Rejected_Submission``, ``…/Withdrawn_Submission``,
``…/Desk_Rejected_Submission``, ``…/Under_Review`` — and its ``venue`` does not read
"Submitted to …"; such notes become :class:`~dlbib.sources.venue.Publication` objects of class
``submission``, so they can be reported but never accepted. Notes OpenReview imported from
DBLP (``venueid`` ``dblp.org/…``) were not reviewed there and are skipped. The venue is never
derived from ``invitations`` (every submission has ``…/-/Submission``).

Politeness: guest search is limited to about 20 requests a minute, so the default interval is
3 s (``DLBIB_OPENREVIEW_DELAY``).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Final

from dlbib.sources.http import DEFAULT_DEADLINE
from dlbib.sources.service import Http, ServiceClient
from dlbib.sources.venue import VENUES, Publication, VenueClass, classify_venue

OPENREVIEW_API_URL: Final = "https://api2.openreview.net"
DEFAULT_DELAY: Final = 3.0

_NOT_ACCEPTED = re.compile(
    r"/(?:Submission|Rejected_Submission|Withdrawn_Submission|Desk_Rejected_Submission|"
    r"Under_Review|Rejected)$"
)
_YEAR = re.compile(r"\b(19|20)\d{2}\b")


class OpenReview(ServiceClient):
    """Note look-ups by title in OpenReview's API v2.

    :param api_url: the API root (default ``https://api2.openreview.net``).
    :param delay: seconds between requests.
    """

    name = "OpenReview"

    def __init__(
        self,
        api_url: str = OPENREVIEW_API_URL,
        http: Http | None = None,
        *,
        delay: float = DEFAULT_DELAY,
        deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        super().__init__(api_url, http, delay=delay, deadline=deadline)

    def notes_by_title(self, title: str) -> list[Publication]:
        """The notes with this title, as publications or submissions: ``/notes`` by exact
        title, else (nothing found) one full-text ``/notes/search``.

        :raises ServiceError: when OpenReview fails or answers something other than its JSON.
        """
        answer = self.get_json("/notes", {"content.title": title, "limit": "25"})
        found = parse_notes(answer)
        if found:
            return found
        # content.title matches exactly (case, punctuation); the full-text search does not
        params = {"term": title, "content": "all", "group": "all", "source": "forum",
                  "limit": "10"}  # fmt: skip
        return parse_notes(self.get_json("/notes/search", params))


def _value(content: dict[str, Any], name: str) -> Any:
    wrapped = content.get(name)
    return wrapped.get("value") if isinstance(wrapped, dict) else wrapped


def parse_notes(answer: Any) -> list[Publication]:
    """The notes of a ``/notes`` answer as publications (pure); DBLP imports are skipped."""
    notes = answer.get("notes") if isinstance(answer, dict) else None
    out = []
    for note in notes or []:
        if isinstance(note, dict):
            publication = note_publication(note)
            if publication is not None:
                out.append(publication)
    return out


def note_publication(note: dict[str, Any]) -> Publication | None:
    """One note as a publication; None for a note OpenReview did not review (a DBLP import)."""
    content = note.get("content") or {}
    venue = str(_value(content, "venue") or "")
    venueid = str(_value(content, "venueid") or "")
    if venueid.startswith("dblp.org"):
        return None
    domain = str(note.get("domain") or "")
    accepted = bool(venueid) and not _NOT_ACCEPTED.search(venueid)
    accepted = accepted and not venue.lower().startswith(("submitted to", "under review"))
    accepted = accepted and (venueid == domain or venueid == "TMLR" or not domain)
    venue_class: VenueClass
    if not accepted:
        venue_class = "submission"
    elif venueid == "TMLR":
        venue_class = "journal"
    else:
        venue_class = classify_venue(venue or venueid, "")
        if "Datasets_and_Benchmarks" in venueid:
            venue_class = "datasets"
        elif "/Workshop" in venueid:
            venue_class = "workshop"
    short = venueid.split(".", 1)[0] if venueid else venue
    if venueid == "TMLR":
        short = "TMLR"
    year_m = _YEAR.search(venueid) or _YEAR.search(venue)
    year = int(year_m.group(0)) if year_m else _pdate_year(note)
    full = VENUES.get(short.upper(), (venue, "", ""))[0]
    if venue_class == "journal":
        full = "Transactions on Machine Learning Research"
    return Publication(
        title=str(_value(content, "title") or ""),
        authors=tuple(str(a) for a in _value(content, "authors") or []),
        year=year,
        venue=short,
        venue_class=venue_class,
        source="OpenReview",
        source_id=str(note.get("id") or ""),
        container=full,
        publisher="OpenReview.net" if short == "ICLR" else "",
        url=f"https://openreview.net/forum?id={note.get('forum') or note.get('id')}",
        extra={"venue": venue, "venueid": venueid},
    )


def _pdate_year(note: dict[str, Any]) -> int | None:
    stamp = note.get("pdate") or note.get("odate") or note.get("cdate")
    if not isinstance(stamp, int):
        return None
    return datetime.fromtimestamp(stamp / 1000, tz=timezone.utc).year
