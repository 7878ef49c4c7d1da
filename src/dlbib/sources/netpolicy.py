"""The HTTP layer's rules: User-Agent, throttle, Retry-After, redirects, failure classes.

:mod:`dlbib.sources.http` applies them; they live here so each can be read (and tested) alone.
"""

from __future__ import annotations

import email.utils
import ipaddress
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Final, Literal
from urllib.parse import urlsplit

import urllib3.exceptions

from dlbib.errors import RedirectRefusedError

Redirects = Literal["origin", "cross-host"]
"""``origin``: same host and port only (http → https allowed); ``cross-host``: PDFs."""


def user_agent(contact: str | None = None) -> str:
    """``dlbib/<version> (+https://github.com/dlbib/dlbib)``: who is asking, and where to read.

    :param contact: an e-mail address, added as ``mailto:`` (Crossref's polite pool asks so).
    """
    from dlbib import __version__

    extra = f"; mailto:{contact}" if contact else ""
    return f"dlbib/{__version__} (+https://github.com/dlbib/dlbib{extra})"


class Throttle:
    """Spaces calls at least ``min_interval`` seconds apart, with an injected clock and sleep."""

    def __init__(
        self,
        min_interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.min_interval = min_interval
        self.clock = clock
        self.sleep = sleep
        self._last: float | None = None

    def wait(self) -> float:
        """Sleep until ``min_interval`` has passed since the previous call, then mark now.

        :returns: the seconds slept.
        """
        slept = 0.0
        if self._last is not None:
            remaining = self.min_interval - (self.clock() - self._last)
            if remaining > 0:
                self.sleep(remaining)
                slept = remaining
        self._last = self.clock()
        return slept


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date); None when absent or invalid."""
    if not value:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():  # str.isdigit alone accepts "²", which float refuses
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def check_scheme(service: str, target: str, url: str) -> None:
    scheme = urlsplit(target).scheme.lower()
    if scheme not in ("http", "https"):
        shown = scheme or "no"
        where = "" if target == url else f" (redirected to {target})"
        raise RedirectRefusedError(
            service, f"refusing {shown} URL scheme: only http and https{where}", url
        )


def _port(parts: Any) -> int:
    return int(parts.port or (443 if parts.scheme == "https" else 80))


def _address_kind(host: str | None) -> str:
    """``loopback``, ``link-local``, ``private`` or ``public`` for a host (resolved if a name)."""
    if not host:
        return "public"
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None)
        except OSError:
            return "public"  # the request itself will then fail as unreachable
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    kinds = {_kind_of(address) for address in addresses}
    for kind in ("loopback", "link-local", "private"):
        if kind in kinds:
            return kind
    return "public"


def _kind_of(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """One address's kind; an IPv4-mapped IPv6 address (``::ffff:127.0.0.1``) counts as IPv4."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback or address.is_unspecified:
        return "loopback"  # a connection to 0.0.0.0 or :: reaches this machine
    if address.is_link_local:
        return "link-local"
    if not address.is_global:
        return "private"  # RFC 1918, shared (100.64/10), reserved, documentation ranges
    return "public"


def check_redirect(service: str, mode: Redirects, current: str, target: str, url: str) -> None:
    """Raise :class:`RedirectRefusedError` unless ``mode`` allows ``current`` → ``target``."""
    check_scheme(service, target, url)
    old, new = urlsplit(current), urlsplit(target)
    old_port, new_port = _port(old), _port(new)
    same_host = (old.hostname or "").lower() == (new.hostname or "").lower()
    if mode == "origin":
        upgrade = old.scheme == "http" and new.scheme == "https" and new_port == 443
        if not same_host or (old_port != new_port and not upgrade):
            raise RedirectRefusedError(
                service,
                f"refusing a redirect to another origin ({new.scheme}://{new.netloc})",
                url,
            )
        return
    before, after = _address_kind(old.hostname), _address_kind(new.hostname)
    if before == "public" and after != "public":
        raise RedirectRefusedError(
            service,
            f"refusing a redirect from a public address to a {after} one ({new.netloc})",
            url,
        )
    if after == "loopback" and not (same_host and old_port == new_port):
        raise RedirectRefusedError(
            service,
            f"refusing a redirect to another port of a loopback host ({new.netloc})",
            url,
        )


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(e for e in current.args if isinstance(e, BaseException))
        for attr in ("reason", "__cause__", "__context__"):
            nxt = getattr(current, attr, None)
            if isinstance(nxt, BaseException):
                stack.append(nxt)


_UNROUTABLE: Final = frozenset({"ENETUNREACH", "EHOSTUNREACH", "ENETDOWN", "EHOSTDOWN"})


def is_unreachable(exc: BaseException) -> bool:
    """True for DNS failures, refused and unroutable connections (nothing answered at all)."""
    for e in _chain(exc):
        if isinstance(e, (urllib3.exceptions.NewConnectionError, socket.gaierror)):
            return True
        if isinstance(e, ConnectionRefusedError):
            return True
        if isinstance(e, OSError) and e.errno is not None:
            import errno

            if errno.errorcode.get(e.errno, "") in _UNROUTABLE:
                return True
    return False


_REASONS: Final = (
    ("timed out", "timed out"),
    ("connection refused", "connection refused"),
    ("name or service not known", "host not found"),
    ("nodename nor servname", "host not found"),
    ("temporary failure in name resolution", "host not found"),
    ("no address associated", "host not found"),
    ("network is unreachable", "network unreachable"),
    ("no route to host", "no route to host"),
    ("connection reset", "connection reset by the server"),
    ("remote end closed connection", "the server closed the connection"),
    ("certificate verify failed", "TLS certificate not trusted"),
    ("wrong version number", "the server does not speak TLS on that port"),
    ("handshake failure", "the TLS handshake failed"),
)


def reason_of(exc: BaseException) -> str:
    """A short phrase for a requests/urllib3 error (their messages nest reprs several deep)."""
    import re

    text = " ".join(str(e) for e in _chain(exc))
    cut = re.search(r"IncompleteRead\((\d+) bytes read, (\d+) more expected\)", text)
    if cut:
        return f"body cut short ({cut[1]} bytes read, {cut[2]} more expected)"
    for needle, phrase in _REASONS:
        if needle in text.lower():
            return phrase
    return str(exc).split(": ")[-1].strip(" ')\"") or type(exc).__name__


def announced_length(headers: Mapping[str, str]) -> int | None:
    """The announced decoded length (None when absent, invalid or of a compressed body)."""
    if headers.get("Content-Encoding", "identity").lower() not in ("", "identity"):
        return None  # the length is of the encoded body, not of the decoded one
    try:
        return int(headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def set_read_timeout(raw: Any, seconds: float) -> None:
    """Make the next socket read wait at most ``seconds`` (best effort, urllib3 2 internals)."""
    connection = getattr(raw, "_connection", None) or getattr(raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        sock.settimeout(max(0.001, seconds))


class Retry(Exception):
    """(HttpClient inside.) A try failed in a way worth retrying; ``wait`` None: backoff."""

    def __init__(
        self, problem: str, status: int | None, wait: float | None, content_type: str | None = None
    ) -> None:
        self.problem = problem
        self.status = status
        self.wait = wait
        self.content_type = content_type
        super().__init__(problem)


@dataclass
class Attempt:
    """Bookkeeping of one logical request across its retries."""

    url: str
    started: float
    tries: int = 0
    cause: BaseException | None = field(default=None, repr=False)
