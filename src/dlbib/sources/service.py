"""What the four venue/DOI clients share: the HTTP seam, JSON answers checked, a time budget.

Each client (:mod:`~dlbib.sources.semanticscholar`, :mod:`~dlbib.sources.dblp`,
:mod:`~dlbib.sources.openreview`, :mod:`~dlbib.sources.crossref`) is a :class:`ServiceClient`:
it builds URLs, sends them through an :class:`Http` transport and reads the JSON. This module
turns every answer that is not usable JSON into a typed error, so a bot-check page served with
status 200, a truncated body or a 429 is never read as "no match":

* 429 (after the transport's retries) → :class:`~dlbib.errors.ServiceThrottledError`;
* no connection at all → :class:`~dlbib.errors.ServiceUnreachableError`;
* any other non-2xx, an HTML page, a body that is not JSON → :class:`~dlbib.errors.ServiceError`.

A client that was throttled or could not be reached is *down* for the rest of the run: every
later call raises at once, so one unreachable service costs one connection attempt, not one per
entry, and the total time of a sync stays bounded.

The transport is anything with ``get(url, *, params, headers)`` and ``post(url, *, json,
params, headers)`` returning an object with ``status``, ``headers``, ``body`` and ``url`` — the
shape of the bounded layer's ``HttpClient``. :class:`UrllibHttp` is a small stand-in with the
same methods (standard library only: a deadline per request, a size cap, a minimum interval,
``Retry-After`` and backoff with an injected clock and sleep).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from dlbib.errors import ServiceError, ServiceThrottledError, ServiceUnreachableError
from dlbib.sources.http import RETRY_STATUSES, Throttle, parse_retry_after, user_agent

MAX_BODY: Final = 16 * 1024 * 1024
"""The largest answer read (S2 caps a batch answer at 10 MB)."""
DEFAULT_TIMEOUT: Final = 20.0
MAX_RETRY_WAIT: Final = 60.0
"""A ``Retry-After`` longer than this is not waited for: the service is down for this run."""


@dataclass(frozen=True)
class HttpResponse:
    """One HTTP answer: status, headers (case-insensitive look-up via :meth:`header`), body."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str

    def header(self, name: str) -> str:
        """The header's value, or ``""``."""
        lower = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lower), "")


class Http(Protocol):
    """The transport a client sends through (the bounded HTTP layer's method names)."""

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any: ...

    def post(
        self,
        url: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any: ...


class _Unreachable(Exception):
    """Raised by :class:`UrllibHttp` when no connection could be made."""


@dataclass
class UrllibHttp:
    """A bounded transport on the standard library: deadline, size cap, throttle, Retry-After.

    :param delay: minimum seconds between requests (the service's politeness).
    :param timeout: seconds for connecting and for each read.
    :param retries: retries of a 429/5xx answer, waiting ``Retry-After`` or a doubling backoff.
    """

    delay: float = 1.0
    timeout: float = DEFAULT_TIMEOUT
    retries: int = 2
    backoff: float = 2.0
    user_agent: str = field(default_factory=user_agent)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        self.throttle = Throttle(self.delay, self.clock, self.sleep)

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """GET ``url`` with ``params``; retries 429/5xx; raises only when nothing answered."""
        return self._send("GET", url, None, params, headers)

    def post(
        self,
        url: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """POST ``json`` to ``url``; as :meth:`get`."""
        data = None if json is None else _dumps(json)
        return self._send("POST", url, data, params, headers)

    def _send(
        self,
        method: str,
        url: str,
        data: bytes | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
    ) -> HttpResponse:
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        sent = {"User-Agent": self.user_agent, "Accept": "application/json", **(headers or {})}
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        wait = self.backoff
        for attempt in range(self.retries + 1):
            self.throttle.wait()
            response = self._once(method, url, data, sent)
            if response.status not in RETRY_STATUSES or attempt == self.retries:
                return response
            after = parse_retry_after(response.header("Retry-After"))
            if after is not None and after > MAX_RETRY_WAIT:
                return response
            self.sleep(wait if after is None else after)
            wait *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(
        self, method: str, url: str, data: bytes | None, headers: dict[str, str]
    ) -> HttpResponse:
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                body = answer.read(MAX_BODY + 1)
                return HttpResponse(answer.status, dict(answer.headers), body, url)
        except urllib.error.HTTPError as exc:
            body = exc.read(MAX_BODY + 1) if exc.fp else b""
            return HttpResponse(exc.code, dict(exc.headers or {}), body, url)
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise _Unreachable(str(reason)) from exc


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")


class ServiceClient:
    """The shared part of each venue/DOI client: one transport, counted requests, JSON checks.

    :param name: the display name in messages (``DBLP``).
    :param base_url: the API root (no trailing slash).
    :param http: the transport (default: :class:`UrllibHttp` at ``delay``).
    :param delay: minimum seconds between this service's requests.
    """

    name: str = "service"

    def __init__(self, base_url: str, http: Http | None = None, *, delay: float = 1.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http: Http = http if http is not None else UrllibHttp(delay=delay)
        self.requests_made = 0
        self.down: ServiceError | None = None
        """The error that took this service down for the run (throttled, unreachable)."""

    def headers(self) -> dict[str, str]:
        """Extra headers for every request (an API key, a contact address)."""
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
        url = self.base_url + path
        self.requests_made += 1
        try:
            if method == "GET":
                answer = self.http.get(url, params=params, headers=self.headers())
            else:
                answer = self.http.post(url, json=body, params=params, headers=self.headers())
        except _Unreachable as exc:
            self.down = ServiceUnreachableError(self.name, f"cannot be reached ({exc})", url)
            raise self.down from exc
        except ServiceError as exc:  # a transport that raises dlbib's errors itself
            self.down = exc
            raise
        return self._read(answer, url)

    def _read(self, answer: Any, url: str) -> Any:
        status = int(answer.status)
        if status == 404:
            return None
        if status == 429:
            wait = parse_retry_after(_header(answer, "Retry-After"))
            self.down = ServiceThrottledError(
                self.name, "is rate-limiting dlbib (429); try again later", url, 429, wait
            )
            raise self.down
        body: bytes = answer.body
        ctype = _header(answer, "Content-Type").lower()
        if status >= 500:
            raise ServiceError(self.name, f"server error {status}", url, status)
        if status >= 300:
            raise ServiceError(self.name, f"answered {status}: {_snippet(body)}", url, status)
        if "html" in ctype or body.lstrip()[:1] == b"<":
            self.down = ServiceError(
                self.name, "answered with an HTML page (a bot check or block?), not JSON", url
            )
            raise self.down
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ServiceError(self.name, f"answered broken JSON ({exc})", url, status) from exc


def _header(answer: Any, name: str) -> str:
    getter = getattr(answer, "header", None)
    if callable(getter):
        return str(getter(name))
    headers: Mapping[str, str] = answer.headers
    lower = name.lower()
    return next((str(v) for k, v in headers.items() if k.lower() == lower), "")


def _snippet(body: bytes) -> str:
    text = body[:200].decode("utf-8", "replace")
    return " ".join(text.split()) or "(empty)"
