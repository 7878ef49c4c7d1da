"""The one bounded, polite HTTP layer every service client uses: :class:`HttpClient`.

One :class:`HttpClient` per service (arXiv API, PDF hosts, Semantic Scholar, DBLP, OpenReview,
Crossref). It owns a ``requests.Session``, one :class:`Throttle` per host and the policy:

* **a wall-clock deadline per request** (``deadline`` seconds from the first byte sent to the
  last byte read) that holds however slowly bytes arrive: the body is read in small pieces
  (``read1``: whatever one socket read returns), the deadline is checked after each, and the
  socket's read timeout is never longer than the time left;
* **a cap on the decoded body** (``max_bytes``): gzip/deflate are counted after decompression
  (urllib3 inflates at most one piece at a time), so a small gzip bomb stops at the cap;
* **redirects by hand**, each hop checked: http/https only; ``redirects="origin"`` (API answers)
  follows only within the same host and port (http → https on the same host allowed);
  ``redirects="cross-host"`` (PDFs: publishers redirect) allows other hosts, but never from a
  public address to a loopback, link-local or private one, and never to another port of a
  loopback host;
* **retries** on 429/5xx and on transfers broken mid-way: ``Retry-After`` (seconds or an HTTP
  date) is honoured up to ``max_retry_after``, otherwise exponential backoff with jitter; at most
  ``retries`` times and never past ``max_wait`` seconds in all;
* **no idle waits offline**: a refused, unroutable or unresolvable host (or a connect timeout) is
  unreachable at once — no retry, no sleep — and later requests to it fail immediately;
* a descriptive ``User-Agent`` (:func:`user_agent`), injectable ``clock``/``sleep``.

Failures raise :class:`~dlbib.errors.ServiceError` subclasses with one-line messages. Answers are
decoded by :mod:`dlbib.sources.answers` (JSON, XML with entities refused). A new service::

    s2 = HttpClient("Semantic Scholar", base_url="https://api.semanticscholar.org/graph/v1/",
                    min_interval=3.0, deadline=config.http_deadline, max_bytes=10 << 20)
    papers = s2.post_json("paper/batch", params={"fields": "title"}, json={"ids": ids})
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions

from dlbib.errors import (
    BadResponseError,
    DeadlineExceededError,
    RedirectRefusedError,
    ResponseTooLargeError,
    ServiceBusyError,
    ServiceError,
    ServiceUnreachableError,
)
from dlbib.sources.answers import BodySink, HttpResponse, json_of
from dlbib.sources.netpolicy import (
    Attempt,
    Redirects,
    Retry,
    Throttle,
    announced_length,
    check_redirect,
    check_scheme,
    is_unreachable,
    parse_retry_after,
    reason_of,
    set_read_timeout,
    user_agent,
)
from dlbib.sources.watchdog import POOL_CLASSES, Watch

__all__ = ["DEFAULT_DEADLINE", "RETRY_STATUSES", "HttpClient", "HttpResponse", "Throttle",
           "parse_retry_after", "user_agent"]  # fmt: skip

log = logging.getLogger(__name__)

RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
"""Statuses worth retrying after a wait: rate limiting and server trouble."""
REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS: Final = 10
DEFAULT_DEADLINE: Final = 30.0
"""Seconds one API request may take, first byte to last (``DLBIB_HTTP_DEADLINE``)."""
READ_SIZE: Final = 64 * 1024
"""The most one read returns; a slow server returns less (whatever one socket read gives)."""

_default_user_agent = user_agent


class HttpClient:
    """A bounded, polite HTTP client for one service; see the module docstring for the policy.

    :param service: the service's name, used in every message (``"Crossref"``).
    :param base_url: relative paths given to :meth:`get`/:meth:`post` are joined to it.
    :param min_interval: seconds between two requests to the same host.
    :param deadline: seconds one attempt may take from connect to the last body byte.
    :param max_bytes: the cap on the decoded body (an announced larger length fails at once).
    :param user_agent: the ``User-Agent`` (default :func:`user_agent`).
    :param headers: headers sent with every request (an API key, ``Accept``).
    :param retries: retries of one request on 429/5xx and broken transfers.
    :param backoff: the first backoff in seconds, doubled each retry, plus ``jitter() * backoff``.
    :param max_retry_after: the longest ``Retry-After`` honoured; longer gives up at once.
    :param max_wait: seconds one request may take in all, retries and waits included.
    :param connect_timeout: seconds to wait for a connection (never more than the time left).
    :param read_timeout: seconds one socket read may wait (never more than the time left).
    :param redirects: ``"origin"`` (API answers) or ``"cross-host"`` (PDFs); see module doc.
    :param session: the ``requests.Session`` (default: a new one).
    :param sleep: how to wait (tests pass a recorder).
    :param clock: a monotonic clock in seconds.
    :param jitter: a number in [0, 1) added to backoffs (default random; tests pass a constant).
    """

    def __init__(
        self,
        service: str,
        *,
        base_url: str = "",
        min_interval: float,
        deadline: float = DEFAULT_DEADLINE,
        max_bytes: int,
        user_agent: str | None = None,
        headers: Mapping[str, str] | None = None,
        retries: int = 3,
        backoff: float = 1.0,
        max_retry_after: float = 120.0,
        max_wait: float = 300.0,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        redirects: Redirects = "origin",
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.service = service
        self.base_url = base_url
        self.min_interval = min_interval
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.user_agent = user_agent or _default_user_agent()
        self.headers = dict(headers or {})
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.max_wait = max_wait
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.redirects: Redirects = redirects
        self.session = session or requests.Session()
        for prefix in ("http://", "https://"):  # so a Watch can cut a request at its deadline
            self.session.mount(prefix, _WatchedAdapter())
        self.sleep = sleep
        self.clock = clock
        self.jitter = jitter
        self.requests_made = 0
        """Requests sent so far (every try and every redirect hop counts)."""
        self.bytes_received = 0
        """Decoded body bytes received so far."""
        self._throttles: dict[str, Throttle] = {}
        self._unreachable: dict[str, str] = {}

    # --- public -------------------------------------------------------------------------

    def get(
        self,
        path_or_url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        sink: BodySink | None = None,
    ) -> HttpResponse:
        """GET with the full policy; any final status is returned (429/5xx only after retries).

        :param sink: when given, a 2xx body goes to it as it arrives (the response's ``body``
            is then empty) and a transfer broken mid-way is not retried.
        :raises ServiceError: unreachable, busy, deadline, too large, refused redirect, broken.
        """
        return self.request("GET", path_or_url, params=params, headers=headers, sink=sink)

    def post(
        self,
        path_or_url: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """POST a JSON body with the full policy (see :meth:`get`)."""
        return self.request("POST", path_or_url, json=json, params=params, headers=headers)

    def get_json(
        self,
        path_or_url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """GET and decode JSON; a non-2xx raises :class:`~dlbib.errors.HttpStatusError`."""
        return json_of(self.get(path_or_url, params=params, headers=headers), self.service)

    def post_json(
        self,
        path_or_url: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """POST JSON and decode the JSON answer (see :meth:`get_json`)."""
        answer = self.post(path_or_url, json=json, params=params, headers=headers)
        return json_of(answer, self.service)

    def is_unreachable(self, url: str) -> str:
        """Why ``url``'s host was found unreachable in this run (``""`` when it was not)."""
        return self._unreachable.get(_netloc(url), "")

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        sink: BodySink | None = None,
    ) -> HttpResponse:
        """One logical request: redirects, retries and waits included (see :meth:`get`)."""
        url = urljoin(self.base_url, path_or_url) if self.base_url else path_or_url
        check_scheme(self.service, url, url)
        state = Attempt(url, self.clock())
        while True:
            try:
                return self._follow(method, url, params, json, headers, sink, state)
            except Retry as retry:
                self._wait_or_give_up(retry, state)

    # --- one logical request ---------------------------------------------------------------

    def _wait_or_give_up(self, retry: Retry, state: Attempt) -> None:
        state.tries += 1
        if retry.wait is not None and retry.wait > self.max_retry_after:
            raise ServiceBusyError(
                self.service,
                f"{retry.problem}; the server asks to retry after {retry.wait:.0f} s",
                state.url,
                retry.status,
                attempts=state.tries,
                retry_after=retry.wait,
                content_type=retry.content_type,
            ) from state.cause
        if state.tries > self.retries:
            raise ServiceBusyError(
                self.service,
                f"failed {state.tries} times, giving up: {retry.problem}",
                state.url,
                retry.status,
                attempts=state.tries,
                content_type=retry.content_type,
            ) from state.cause
        wait = retry.wait
        if wait is None:
            wait = self.backoff * 2 ** (state.tries - 1) + self.jitter() * self.backoff
        if self.clock() + wait > state.started + self.max_wait:
            raise ServiceBusyError(
                self.service,
                f"not answering ({retry.problem}); gave up rather than wait {wait:.0f} s more"
                f" (limit {self.max_wait:.0f} s); try again later",
                state.url,
                retry.status,
                attempts=state.tries,
                retry_after=retry.wait,
                content_type=retry.content_type,
            ) from state.cause
        log.info("%s: %s; retrying in %.1f s", self.service, retry.problem, wait)
        self.sleep(wait)

    def _follow(
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        json: Any,
        headers: Mapping[str, str] | None,
        sink: BodySink | None,
        state: Attempt,
    ) -> HttpResponse:
        """One try: the request and its redirects, each hop checked; the body read bounded."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            netloc = _netloc(current)
            if netloc in self._unreachable:
                reason = self._unreachable[netloc]
                raise ServiceUnreachableError(self.service, reason, current, earlier=True)
            self._throttles.setdefault(
                netloc, Throttle(self.min_interval, self.clock, self.sleep)
            ).wait()
            with Watch(self.deadline) as watch:
                try:
                    hop = self._hop(method, current, params, json, headers, sink, state)
                except (Retry, ServiceError) as exc:
                    if watch.fired:
                        raise self._too_slow(current) from exc
                    raise
                if watch.fired:
                    raise self._too_slow(current)
            if isinstance(hop, HttpResponse):
                return hop
            if hop[0] == 303 or (hop[0] in (301, 302) and method == "POST"):
                method, json = "GET", None
            current, params = hop[1], None
        raise RedirectRefusedError(self.service, f"more than {MAX_REDIRECTS} redirects", url)

    def _hop(
        self,
        method: str,
        current: str,
        params: Mapping[str, str] | None,
        json: Any,
        headers: Mapping[str, str] | None,
        sink: BodySink | None,
        state: Attempt,
    ) -> HttpResponse | tuple[int, str]:
        """One request: its answer, or (status, target) of a redirect the policy allows."""
        response, deadline = self._send(method, current, params, json, headers, state)
        with response:
            status = response.status_code
            if status in REDIRECT_STATUSES and "Location" in response.headers:
                target = urljoin(current, response.headers["Location"])
                check_redirect(self.service, self.redirects, current, target, state.url)
                return status, target
            if status in RETRY_STATUSES:
                wait = parse_retry_after(response.headers.get("Retry-After"))
                kind = response.headers.get("Content-Type")
                raise Retry(f"HTTP {status}", status, wait, kind)
            body = self._read(response, current, deadline, sink, state)
            return HttpResponse(status, response.headers, body, current)

    def _too_slow(self, url: str) -> DeadlineExceededError:
        return DeadlineExceededError(
            self.service,
            f"took longer than {self.deadline:g} s (the server is sending too slowly)",
            url,
        )

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        json: Any,
        headers: Mapping[str, str] | None,
        state: Attempt,
    ) -> tuple[requests.Response, float]:
        netloc = _netloc(url)
        deadline = self.clock() + self.deadline
        left = max(0.001, deadline - self.clock())
        sent = {"User-Agent": self.user_agent, **self.headers, **(headers or {})}
        self.requests_made += 1
        log.info("%s %s", method, url)
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=json,
                headers=sent,
                timeout=(min(self.connect_timeout, left), min(self.read_timeout, left)),
                stream=True,
                allow_redirects=False,
            )
        except requests.exceptions.SSLError as exc:  # not transient: a retry would fail alike
            raise BadResponseError(self.service, f"TLS failed: {reason_of(exc)}", url) from exc
        except (requests.ConnectTimeout, requests.ConnectionError) as exc:
            if isinstance(exc, requests.ConnectTimeout) or is_unreachable(exc):
                reason = reason_of(exc)
                self._unreachable[netloc] = reason
                raise ServiceUnreachableError(self.service, reason, url) from exc
            state.cause = exc
            raise Retry(f"the connection failed ({reason_of(exc)})", None, None) from exc
        except requests.Timeout as exc:
            state.cause = exc
            waited = min(self.read_timeout, left)
            raise Retry(f"no answer within {waited:g} s", None, None) from exc
        except requests.RequestException as exc:
            raise BadResponseError(self.service, f"request failed: {reason_of(exc)}", url) from exc
        return response, deadline

    def _read(
        self,
        response: requests.Response,
        url: str,
        deadline: float,
        sink: BodySink | None,
        state: Attempt,
    ) -> bytes:
        """The decoded body, bounded by the deadline and the size cap."""
        announced = announced_length(response.headers)
        if announced is not None and announced > self.max_bytes:
            raise ResponseTooLargeError(
                self.service,
                f"answer too large: {announced} bytes announced, cap {self.max_bytes}",
                url,
                response.status_code,
            )
        if sink is not None and 200 <= response.status_code < 300:
            sink.begin(HttpResponse(response.status_code, response.headers, b"", url))
        else:
            sink = None
        pieces: list[bytes] = []
        size = 0
        for piece in self._pieces(response, url, deadline, state=state):
            size += len(piece)
            self.bytes_received += len(piece)
            if size > self.max_bytes:
                raise ResponseTooLargeError(
                    self.service,
                    f"answer too large: over the cap of {self.max_bytes} bytes"
                    " (counted after decompression)",
                    url,
                    response.status_code,
                )
            if sink is None:
                pieces.append(piece)
            else:
                sink.write(piece)
        return b"".join(pieces)

    def _pieces(
        self,
        response: requests.Response,
        url: str,
        deadline: float,
        *,
        state: Attempt,
    ) -> Iterator[bytes]:
        """The decoded body piece by piece; the deadline checked and the socket bounded each."""
        raw = response.raw
        while True:
            left = deadline - self.clock()
            if left <= 0:
                raise DeadlineExceededError(
                    self.service,
                    f"took longer than {self.deadline:g} s (the server is sending too slowly)",
                    url,
                    response.status_code,
                )
            set_read_timeout(raw, min(self.read_timeout, left))
            try:
                piece = raw.read1(READ_SIZE, decode_content=True)
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                if deadline - self.clock() <= 0:
                    raise DeadlineExceededError(
                        self.service,
                        f"took longer than {self.deadline:g} s (no answer in time)",
                        url,
                        response.status_code,
                    ) from exc
                state.cause = exc  # a streamed body's sink starts over (BodySink.begin)
                raise Retry(f"the transfer broke off ({reason_of(exc)})", None, None) from exc
            if not piece:
                return
            yield piece


class _WatchedAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter, with pools whose connections a :class:`Watch` can cut."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(POOL_CLASSES)


def _netloc(url: str) -> str:
    return urlsplit(url).netloc.lower()
