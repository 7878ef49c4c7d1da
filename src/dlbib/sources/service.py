"""What the four venue/DOI clients share: one bounded transport each, JSON answers checked.

Each client (:mod:`~dlbib.sources.semanticscholar`, :mod:`~dlbib.sources.dblp`,
:mod:`~dlbib.sources.openreview`, :mod:`~dlbib.sources.crossref`) is a :class:`ServiceClient`:
it builds URLs, sends them through its own :class:`~dlbib.sources.http.HttpClient` (deadline,
size cap, redirects, throttle at the service's interval, ``Retry-After`` and backoff) and
reads the JSON through :func:`~dlbib.sources.answers.json_of`, so every answer that is not
usable JSON is a typed :class:`~dlbib.errors.ServiceError` and never read as "no match": an
HTML bot-check page served with 200 (``BotCheckError``), a truncated body
(``BadResponseError``), 429s after the retries (``ServiceBusyError``), no connection
(``ServiceUnreachableError``). A 404 is "not known" (None).

A client whose service was busy, unreachable or answered a bot check is *down* for the rest
of the run: every later call raises at once, so one unreachable service costs one connection
attempt, not one per entry, and the total time of a sync stays bounded.

The transport is anything with the :class:`Http` methods (``HttpClient``'s), so tests and
benchmarks can pass an ``HttpClient`` with an injected clock and sleep.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any, Final, Protocol

from dlbib.errors import (
    BotCheckError,
    ServiceBusyError,
    ServiceError,
    ServiceUnreachableError,
)
from dlbib.sources.answers import HttpResponse, json_of
from dlbib.sources.http import DEFAULT_DEADLINE, HttpClient, Throttle

MAX_BODY: Final = 16 * 1024 * 1024
MAX_QUERY: Final = 4000
"""Longest query string sent (characters): beyond it a GET is answered as "not found" unsent
(URLs over about 8 KB are refused by servers; no real title or author list comes near)."""
"""The largest answer read (S2 caps a batch answer at 10 MB)."""
MAX_RETRY_AFTER: Final = 60.0
"""A ``Retry-After`` longer than this is not waited for: the service is down for this run."""
RETRIES: Final = 2
MAX_WAIT: Final = 90.0
"""Seconds one request may take in all, retries included: the bound per service and run."""


class Http(Protocol):
    """The transport a client sends through (:class:`~dlbib.sources.http.HttpClient`)."""

    def get(
        self,
        path_or_url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse: ...

    def post(
        self,
        path_or_url: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse: ...


def advertised_interval(headers: Mapping[str, str]) -> float | None:
    """The seconds between requests a service advertises (Crossref's ``x-rate-limit-limit``
    requests per ``x-rate-limit-interval``, e.g. 10 per ``1s``), or None."""
    lower = {k.lower(): v for k, v in headers.items()}
    limit, interval = lower.get("x-rate-limit-limit", ""), lower.get("x-rate-limit-interval", "")
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*", interval)
    if not limit.strip().isdigit() or int(limit) <= 0 or m is None:
        return None
    seconds = float(m.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0}[m.group(2) or "s"]
    return seconds / int(limit)


def service_http(
    name: str, delay: float, user_agent: str | None = None, deadline: float = DEFAULT_DEADLINE
) -> HttpClient:
    """The default transport of one service: its politeness interval, bounded retries, and the
    per-request wall-clock ``deadline`` (``DLBIB_HTTP_DEADLINE``)."""
    return HttpClient(
        name,
        min_interval=delay,
        deadline=deadline,
        max_bytes=MAX_BODY,
        user_agent=user_agent,
        headers={"Accept": "application/json"},
        retries=RETRIES,
        backoff=2.0,
        max_retry_after=MAX_RETRY_AFTER,
        max_wait=MAX_WAIT,
        connect_timeout=10.0,
    )


class ServiceClient:
    """The shared part of each venue/DOI client: one transport, counted requests, JSON checks.

    :param base_url: the API root (no trailing slash).
    :param http: the transport (default: :func:`service_http` at ``delay``).
    :param delay: minimum seconds between this service's requests.
    :param deadline: seconds one request may take however slowly bytes arrive.
    """

    name: str = "service"

    def __init__(
        self,
        base_url: str,
        http: Http | None = None,
        *,
        delay: float = 1.0,
        user_agent: str | None = None,
        deadline: float = DEFAULT_DEADLINE,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http: Http = (
            http if http is not None else service_http(self.name, delay, user_agent, deadline)
        )
        self.requests_made = 0
        self.down: ServiceError | None = None
        """The error that took this service down for the run (busy, unreachable, bot check)."""
        clock = getattr(self.http, "clock", time.monotonic)
        self.advertised = Throttle(0.0, clock, getattr(self.http, "sleep", time.sleep))
        """Spaces requests as the service's own rate-limit headers ask (0 until it says)."""

    def headers(self) -> dict[str, str]:
        """Extra headers for every request (an API key)."""
        return {}

    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """GET ``base_url + path`` and return its JSON (None for a 404).

        :raises ServiceError: (or a subclass) for anything but usable JSON.
        """
        return self._call("GET", path, params, None)

    def post_json(self, path: str, body: Any, params: Mapping[str, str] | None = None) -> Any:
        """POST JSON to ``base_url + path`` and return its JSON answer.

        :raises ServiceError: (or a subclass) for anything but usable JSON.
        """
        return self._call("POST", path, params, body)

    def _call(self, method: str, path: str, params: Mapping[str, str] | None, body: Any) -> Any:
        if self.down is not None:
            raise self.down
        if method == "GET" and sum(len(k) + len(v) for k, v in (params or {}).items()) > MAX_QUERY:
            return None  # a fuzzed 50 MB title: no service could answer it, so none is asked
        url = self.base_url + path
        sent_before = getattr(self.http, "requests_made", None)
        self.advertised.wait()
        try:
            if method == "GET":
                answer = self.http.get(url, params=params, headers=self.headers())
            else:
                answer = self.http.post(url, json=body, params=params, headers=self.headers())
            interval = advertised_interval(answer.headers)
            if interval is not None and interval > self.advertised.min_interval:
                self.advertised.min_interval = interval
            if answer.status == 404:
                return None
            if answer.status == 429:
                raise ServiceBusyError(self.name, "is rate-limiting dlbib (429)", url, 429)
            return json_of(answer, self.name)
        except (ServiceUnreachableError, ServiceBusyError, BotCheckError) as exc:
            self.down = exc
            raise
        finally:  # every try counts (a 429 storm is three requests, not one)
            sent_after = getattr(self.http, "requests_made", None)
            if isinstance(sent_before, int) and isinstance(sent_after, int):
                self.requests_made += max(sent_after - sent_before, 1)
            else:
                self.requests_made += 1
