"""ArxivSource: looks papers up in the arXiv API through the ``arxiv`` package, politely.

The ``arxiv`` package's :class:`arxiv.Client` builds the query URLs, pages through results and
parses the Atom feed into :class:`arxiv.Result`; this module turns those into
:class:`~dlbib.arxiv_record.ArxivRecord`. The HTTP itself is done here, through a
``requests.Session`` handed to the client (its ``_session``), because arxiv 4.0's own loop cannot
do what dlbib needs: it sends no timeout (a hanging connection hangs forever), sets its own
User-Agent, retries at once without backoff and ignores ``Retry-After``, sleeps with the global
``time.sleep``, retries a 400 error feed as if it were transient, and parses with
``recover=True`` so a truncated feed silently loses entries and an HTML page reads as "no
results". So every request made through the client goes through :meth:`ArxivSource._get`, and
from there through the bounded :class:`~dlbib.sources.http.HttpClient`:

* at most one request every ``delay`` seconds (arXiv's terms ask for 3), with an injected
  ``clock``/``sleep``; a descriptive User-Agent; a (connect, read) timeout on every request, a
  wall-clock ``deadline`` per request however slowly bytes arrive, a cap on the decoded body
  (``max_bytes``, gzip counted inflated) and redirects only within the API's own origin;
* 429 and 5xx are retried with exponential backoff and jitter, honouring ``Retry-After``, up to
  ``max_retries`` times and never past ``max_wait`` seconds in total, then
  :class:`~dlbib.errors.ArxivLookupError`;
* the feed is checked with ``defusedxml`` first: entity declarations (billion laughs) and
  external entities (XXE) are refused with a message saying so;
* the API's known empty pages (``totalResults`` says there is more, no ``<entry>``) are retried
  twice, then taken as empty; the client never pages past an id_list batch's single page (when
  some ids do not exist arXiv may count them anyway, and the next page repeats or is empty);
* an answer that is HTML, truncated or not an Atom feed, and arXiv's error feeds (HTTP 400),
  raise :class:`~dlbib.errors.ArxivLookupError` with arXiv's own message;
* no connection at all (DNS failure, refused) raises
  :class:`~dlbib.errors.ArxivUnreachableError` at once.

Ids are looked up in ``id_list`` batches of up to 100, so N ids cost ⌈N/100⌉ requests.
The source knows nothing of library files; :mod:`dlbib.sync` decides what to look up.
"""

from __future__ import annotations

import logging
import random
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

import arxiv
import requests

from dlbib.errors import (
    ArxivLookupError,
    ArxivUnreachableError,
    InvalidArxivIdError,
    ServiceBusyError,
    ServiceError,
    ServiceUnreachableError,
)
from dlbib.library.model import ArxivId, normalize_doi
from dlbib.library.text import normalize_title
from dlbib.sources.answers import looks_like_html, parse_xml
from dlbib.sources.arxiv_record import ArxivRecord, FetchResult, record_fields, unfold
from dlbib.sources.arxiv_titles import (
    RESULTS_PER_TITLE,
    TITLE_QUERY_CHARS,
    contains_phrase,
    title_batches,
)
from dlbib.sources.http import DEFAULT_DEADLINE, RETRY_STATUSES, HttpClient, user_agent

__all__ = [
    "ARXIV_API_URL",
    "BATCH_SIZE",
    "USER_AGENT",
    "ArxivRecord",
    "ArxivSource",
    "FetchResult",
    "record_fields",
]

log = logging.getLogger(__name__)

ARXIV_API_URL: Final = "https://export.arxiv.org/api/query"
USER_AGENT: Final = user_agent()
BATCH_SIZE: Final = 100
"""Ids per ``id_list`` request (the arXiv API's page size for one polite request)."""
DEFAULT_TIMEOUT: Final = (5.0, 30.0)
DEFAULT_MAX_BYTES: Final = 20 * 1024 * 1024
"""The largest (decoded) answer accepted: 100 entries with abstracts are about 300 KB."""

EMPTY_PAGE_RETRIES: Final = 2
"""Retries of an empty page that announced results, before taking it as really empty."""

_EMPTY_PAGE: Final = "an empty page although results were announced (a known arXiv API glitch)"
_ATOM: Final = "{http://www.w3.org/2005/Atom}"
_OPENSEARCH: Final = "{http://a9.com/-/spec/opensearch/1.1/}"


class _BeyondIdList(Exception):
    """Raised to stop the client paging past the single page of an id_list batch."""


def _is_later_id_list_page(url: str) -> bool:
    query = parse_qs(urlsplit(url).query)
    return bool(query.get("id_list")) and query.get("start", ["0"])[0] not in ("", "0")


@dataclass(frozen=True)
class _Answer:
    """What :class:`arxiv.Client` reads of a response: the status and the body."""

    status_code: int
    content: bytes


class _ClientSession:
    """What :class:`arxiv.Client` sees as its session: every GET goes through the source."""

    def __init__(self, source: ArxivSource) -> None:
        self._source = source

    def get(self, url: str, **_ignored: Any) -> _Answer:
        return self._source._get(url)


class ArxivSource:
    """Batch and title look-ups in the arXiv API, through one :class:`arxiv.Client`.

    :param client: the client to use (default ``arxiv.Client(page_size=100, num_retries=3)``).
        Its own throttle is switched off (``delay_seconds = 0``); ``delay`` replaces it.
    :param api_url: the API endpoint (default: arXiv's; tests and mirrors point elsewhere).
    :param delay: seconds between requests (default: the client's ``delay_seconds``, 3).
    :param session: the ``requests.Session`` for the HTTP (default: a new one).
    :param timeout: (connect, read) seconds for every request.
    :param max_retries: retries of one request on 429/5xx/empty pages/read timeouts.
    :param backoff: the first backoff in seconds, doubled on each retry, plus jitter.
    :param max_wait: seconds one request may take in total, retries included, before giving up.
    :param deadline: seconds one try may take, connect to last byte (``DLBIB_HTTP_DEADLINE``).
    :param max_bytes: the cap on one decoded answer.
    :param sleep: how to wait (tests pass a recorder).
    :param clock: a monotonic clock in seconds.
    :param jitter: a random number in [0, 1) (tests pass a constant).
    :param user_agent: the User-Agent header.
    """

    def __init__(
        self,
        client: arxiv.Client | None = None,
        *,
        api_url: str | None = None,
        delay: float | None = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_retries: int = 4,
        backoff: float = 1.0,
        max_wait: float = 120.0,
        deadline: float = DEFAULT_DEADLINE,
        max_bytes: int = DEFAULT_MAX_BYTES,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.client = client or arxiv.Client(page_size=BATCH_SIZE, delay_seconds=3.0, num_retries=3)
        self.delay = self.client.delay_seconds if delay is None else delay
        # The client's own throttle sleeps with time.sleep; ours is injectable.
        self.client.delay_seconds = 0
        if api_url:
            self.client.query_url_format = api_url + "?{}"
        self.api_url = self.client.query_url_format.split("?")[0]
        self.session = session or requests.Session()
        self.client._session = _ClientSession(self)
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.sleep = sleep
        self.clock = clock
        self.jitter = jitter
        self.user_agent = user_agent
        self.http = HttpClient(
            "arXiv",
            min_interval=self.delay,
            deadline=deadline,
            max_bytes=max_bytes,
            user_agent=user_agent,
            retries=max_retries,
            backoff=backoff,
            max_retry_after=max_wait,
            max_wait=max_wait,
            connect_timeout=timeout[0],
            read_timeout=timeout[1],
            redirects="origin",
            session=self.session,
            sleep=sleep,
            clock=clock,
            jitter=jitter,
        )

    @property
    def requests_made(self) -> int:
        """HTTP requests sent to the API so far, retries included."""
        return self.http.requests_made

    def fetch(self, ids: Iterable[ArxivId]) -> FetchResult:
        """Look up the latest version of every id, ⌈N/100⌉ requests for N distinct ids.

        Versions in ``ids`` are ignored: the API is asked for the unversioned id, which answers
        with the latest version.

        :raises ArxivUnreachableError: when arXiv cannot be reached at all.
        :raises ArxivLookupError: when the API fails (after retries) or answers nonsense.
        """
        wanted = list(dict.fromkeys(i.id for i in ids))
        result = FetchResult()
        for start in range(0, len(wanted), BATCH_SIZE):
            batch = wanted[start : start + BATCH_SIZE]
            found = {
                _match_key(r.arxiv_id.id): r
                for r in self._run(arxiv.Search(id_list=batch, max_results=len(batch)))
            }
            for ident in batch:
                record = found.get(_match_key(ident))
                if record is None:
                    result.missing.append(ident)
                else:
                    result.records[ident] = record
        return result

    def search_title(self, title: str, max_results: int = 10) -> list[ArxivRecord]:
        """Papers whose title contains ``title``'s words as a phrase (one request).

        :raises ArxivUnreachableError: when arXiv cannot be reached at all.
        :raises ArxivLookupError: when the API fails.
        """
        words = normalize_title(title)
        if not words or len(words) > TITLE_QUERY_CHARS:  # no request could carry it
            return []
        query = f'ti:"{words}"'
        return self._run(arxiv.Search(query=query, max_results=max_results))

    def search_titles(self, titles: Sequence[str]) -> dict[str, list[ArxivRecord]]:
        """Candidates for many titles, as few requests as fit: ``ti:"…" OR ti:"…"`` queries of
        at most :data:`TITLE_QUERY_CHARS` characters and :data:`TITLES_PER_QUERY` titles
        (:func:`title_batches`); the answers are sorted back to the titles whose words they
        contain. Callers still accept a candidate only through ``accept_match``.

        :raises ArxivUnreachableError: when arXiv cannot be reached at all.
        :raises ArxivLookupError: when the API fails.
        """
        found: dict[str, list[ArxivRecord]] = {t: [] for t in titles}
        for batch in title_batches(titles):
            query = " OR ".join(f'ti:"{normalize_title(t)}"' for t in batch)
            size = min(BATCH_SIZE, RESULTS_PER_TITLE * len(batch))
            for record in self._run(arxiv.Search(query=query, max_results=size)):
                for title in batch:
                    if contains_phrase(record.title, title):
                        found[title].append(record)
        return found

    def _run(self, search: arxiv.Search) -> list[ArxivRecord]:
        self.client.page_size = min(BATCH_SIZE, search.max_results or BATCH_SIZE)
        records: dict[str, ArxivRecord] = {}
        try:
            for result in self.client.results(search):
                record = _to_record(result)
                if record is not None:
                    records.setdefault(record.arxiv_id.versioned, record)
        except _BeyondIdList:
            pass  # the first page held every id arXiv has; see _get
        except arxiv.HTTPError as exc:
            raise ArxivLookupError(
                f"arXiv answered HTTP {exc.status}", exc.url, exc.status, exc.retry
            ) from exc
        except arxiv.UnexpectedEmptyPageError as exc:
            raise ArxivLookupError(
                "arXiv kept answering with an empty page", exc.url, None, exc.retry
            ) from exc
        except arxiv.ArxivError as exc:
            raise ArxivLookupError(f"arXiv lookup failed: {exc.message}", exc.url) from exc
        return list(records.values())

    def _get(self, url: str) -> _Answer:
        """One API GET through the bounded client, plus arXiv's answer checks (module doc)."""
        if _is_later_id_list_page(url):
            # An id_list batch fits one page, so the first page holds every id arXiv has. When
            # some ids do not exist, arXiv may still count them in totalResults and the client
            # would ask for a next page that repeats entries or is empty (arxiv.py issue #82).
            raise _BeyondIdList(url)
        empty_pages = 0
        while True:
            try:
                resp = self.http.get(url)
            except ServiceUnreachableError as exc:
                reason = str(exc.message).partition("(")[2].rstrip(")") or "no connection"
                if "timed out" in reason:
                    reason = f"no answer to connect within {self.timeout[0]} s"
                raise ArxivUnreachableError(
                    f"arXiv could not be reached ({reason})", _origin(url)
                ) from (exc.__cause__ or exc)
            except ServiceBusyError as exc:
                raise ArxivLookupError(
                    _plain(exc), url, exc.status, max(0, exc.attempts - 1)
                ) from (exc.__cause__ or exc)
            except ServiceError as exc:
                raise ArxivLookupError(_plain(exc), url, exc.status) from (exc.__cause__ or exc)
            problem = _check_answer(resp.status, resp.body, url)
            if problem is None:
                return _Answer(resp.status, resp.body)
            empty_pages += 1
            if empty_pages > EMPTY_PAGE_RETRIES:
                log.warning("%s, %d times; taking it as empty", problem, empty_pages)
                return _Answer(resp.status, resp.body)
            log.info("%s; asking again", problem)


def _check_answer(status: int, body: bytes, url: str) -> str | None:
    """None when the answer is a usable feed; the empty-page glitch; or raise a hard error."""
    if status in RETRY_STATUSES:  # pragma: no cover - the HTTP layer retries these
        raise ArxivLookupError(f"arXiv answered HTTP {status}", url, status)
    if status != 200:
        message = _error_feed_message(body)
        detail = f": {message}" if message else ""
        raise ArxivLookupError(f"arXiv rejected the query with HTTP {status}{detail}", url, status)
    if looks_like_html(body):
        raise ArxivLookupError("arXiv answered with an HTML page, not an Atom feed", url, 200)
    try:
        root = parse_xml(body, "arXiv", url)
    except ServiceError as exc:
        raise ArxivLookupError(_plain(exc), url, 200) from exc
    if root.tag != f"{_ATOM}feed":
        raise ArxivLookupError(f"arXiv's answer is not an Atom feed (<{root.tag}>)", url, 200)
    message = _error_feed_message(body, root)
    if message:
        raise ArxivLookupError(f"arXiv rejected the query: {message}", url, 200)
    total = _int(root.findtext(f"{_OPENSEARCH}totalResults"))
    start = _int(root.findtext(f"{_OPENSEARCH}startIndex"))
    if total > start and root.find(f"{_ATOM}entry") is None:
        return _EMPTY_PAGE
    return None


def _error_feed_message(body: bytes, root: ET.Element | None = None) -> str | None:
    """arXiv's error text from an error feed (an entry whose id is under ``/api/errors``)."""
    if root is None:
        try:
            root = parse_xml(body, "arXiv")
        except ServiceError:
            return None
    for entry in root.iter(f"{_ATOM}entry"):
        ident = entry.findtext(f"{_ATOM}id") or ""
        if "/api/errors" in ident:
            return unfold(entry.findtext(f"{_ATOM}summary") or ident.rpartition("#")[2])
    return None


def _int(text: str | None) -> int:
    try:
        return int((text or "0").strip())
    except ValueError:
        return 0


def _plain(exc: ServiceError) -> str:
    """The HTTP layer's message as a sentence about arXiv (``arXiv failed 4 times...``)."""
    text = exc.message.removeprefix(f"{exc.service}: ")
    if text.startswith("the answer "):
        return "arXiv's answer " + text.removeprefix("the answer ")
    return f"arXiv: {text}" if text.startswith("refusing") else f"arXiv {text}"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _match_key(ident: str) -> str:
    """Old-style ids lose their subject class (``math.GT/0309136`` → ``math/0309136``)."""
    return re.sub(r"^([a-z\-]+)\.[A-Z]{2}/", r"\1/", ident)


def _to_record(result: arxiv.Result) -> ArxivRecord | None:
    """An :class:`ArxivRecord` for a parsed entry; None for entries that are not papers."""
    try:
        ident = ArxivId.parse(result.entry_id)
    except InvalidArxivIdError:
        log.warning("skipping an entry that is not an arXiv paper: %s", result.entry_id)
        return None
    return ArxivRecord(
        arxiv_id=ident,
        title=unfold(result.title),
        authors=tuple(unfold(a.name) for a in result.authors),
        abstract=unfold(result.summary),
        published=result.published.date(),
        updated=result.updated.date(),
        primary_class=result.primary_category or (result.categories or [""])[0],
        categories=tuple(result.categories),
        doi=normalize_doi(result.doi) if result.doi else None,
        journal_ref=unfold(result.journal_ref) if result.journal_ref else None,
        comment=unfold(result.comment) if result.comment else None,
    )
