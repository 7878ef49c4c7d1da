"""Download one PDF over HTTP(S) into a verified file: :class:`PdfFetcher`, :class:`Throttle`.

A download streams to ``<dest>.part``, hashing as it goes, and is renamed onto ``dest`` only when
the bytes are a PDF (``%PDF-`` first, ``%%EOF`` near the end), as long as the server announced, and
under the size cap. On any failure — HTTP error, timeout, HTML served with 200, truncated body,
full disk, Ctrl-C — the partial file is removed and ``dest`` is left as it was.

Politeness: downloads run one after another (so never two connections to one host; a per-host
lock also serialises requests should a fetcher be shared between threads), a minimum interval
between requests to the same host, and retries with backoff on 429/5xx that honour
``Retry-After``. Redirects are followed by hand so that every hop is checked (http/https only)
and throttled.

This module does not decide file names, parse BibTeX or record anything; see ``pdfpaths`` and
``pdfsync``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import urljoin, urlsplit

from dlbib.errors import PdfDownloadError, PdfUnreachableError
from dlbib.library.files import replace_file
from dlbib.sources.http import RETRY_STATUSES, Throttle, parse_retry_after, user_agent

if TYPE_CHECKING:
    import requests

ARXIV_PDF_URL: Final = "https://arxiv.org/pdf"
DEFAULT_TIMEOUT: Final = (5.0, 60.0)
DEFAULT_MAX_BYTES: Final = 200 * 1024 * 1024
CHUNK_SIZE: Final = 256 * 1024
"""Read size: larger chunks mean fewer Python-level steps per MB (hashing, checks, writes)."""
ALLOWED_SCHEMES: Final = ("http", "https")
EOF_WINDOW: Final = 1024
"""``%%EOF`` must appear in the last this many bytes (what PDF readers tolerate)."""
MAX_REDIRECTS: Final = 10


def default_user_agent() -> str:
    """``dlbib/<version> (+https://github.com/dlbib/dlbib)``."""
    return user_agent()


@dataclass(frozen=True)
class PdfFile:
    """A verified PDF on disk, as :meth:`PdfFetcher.download` leaves it."""

    path: Path
    """Where it was written."""
    url: str
    """The URL asked for."""
    final_url: str
    """The URL the bytes came from, after redirects."""
    sha256: str
    """Hex SHA-256 of the file's bytes."""
    size: int
    """Size in bytes."""
    content_type: str | None = None
    """The server's ``Content-Type``."""


@dataclass
class _Host:
    lock: threading.Lock
    throttle: Throttle
    unreachable: str = ""
    """Why connecting failed for good in this run (then the host is not tried again)."""


class PdfFetcher:
    """Downloads PDFs politely and verifies them; one instance per command, reused for every file.

    :param session: the ``requests.Session`` to use (a new one by default).
    :param timeout: ``(connect, read)`` seconds for every request; read is per socket read.
    :param max_bytes: the size cap; larger files are rejected (announced or streamed).
    :param min_interval: seconds between two requests to the same host (arXiv asks for 3).
    :param retries: how many times a 429/5xx or a refused/dropped connection is retried. A host
        that cannot be reached (not found, connect timeout, refused after the retries) is not
        tried again by this fetcher: its later downloads fail at once.
    :param backoff: the first backoff in seconds (doubled each retry) when no ``Retry-After``.
    :param max_retry_after: the longest ``Retry-After`` honoured; longer waits give up.
    :param max_seconds: a whole download may take at most this long (a trickling server).
    :param sleep: the sleep function (tests pass one that records instead of waiting).
    :param clock: a monotonic clock in seconds.
    :param user_agent: the ``User-Agent`` header.
    :param fsync: flush each file to disk before the rename. Off by default: a PDF is
        re-fetchable and its SHA-256 is recorded, so a file torn by a power cut is found (not a
        complete PDF, wrong hash) and fetched again on the next sync; fsync would roughly double
        the time of a fast local download.
    """

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        min_interval: float = 3.0,
        retries: int = 3,
        backoff: float = 1.0,
        max_retry_after: float = 120.0,
        max_seconds: float = 900.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        user_agent: str | None = None,
        fsync: bool = False,
    ) -> None:
        if session is None:
            import requests

            session = requests.Session()
        self.session = session
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.min_interval = min_interval
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.max_seconds = max_seconds
        self.sleep = sleep
        self.clock = clock
        self.user_agent = user_agent or default_user_agent()
        self.fsync = fsync
        self.bytes_received = 0
        """Body bytes received by this fetcher so far (all downloads, kept or not)."""
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()

    def _host(self, url: str) -> _Host:
        netloc = urlsplit(url).netloc.lower()
        with self._hosts_lock:
            if netloc not in self._hosts:
                throttle = Throttle(self.min_interval, self.clock, self.sleep)
                self._hosts[netloc] = _Host(threading.Lock(), throttle)
            return self._hosts[netloc]

    def download(
        self, url: str, dest: Path, progress: Callable[[int], None] | None = None
    ) -> PdfFile:
        """Download ``url`` to ``dest`` (parent folders created), verified, atomically.

        :param progress: called with the size of each chunk received.
        :returns: the file's path, hash and size.
        :raises PdfDownloadError: on any failure; ``dest`` is then untouched and no ``.part``
            file remains. ``KeyboardInterrupt`` is re-raised after the same cleanup.
        """
        _check_scheme(url, url)
        part = dest.with_name(dest.name + ".part")
        response = self._get(url)
        content_type = response.headers.get("Content-Type")
        created: list[Path] = []
        try:
            created = _make_parents(dest.parent)
            digest, size = self._stream(response, url, part, progress)
            replace_file(part, dest)
        except OSError as exc:
            _cleanup(part, created)
            raise PdfDownloadError(
                f"cannot write {part}: {_oserror(exc)}", url, response.status_code, content_type
            ) from exc
        except BaseException:
            _cleanup(part, created)
            raise
        finally:
            response.close()
        return PdfFile(dest, url, response.url, digest, size, content_type)

    def _get(self, url: str) -> requests.Response:
        """GET with per-host locking and throttling, retries and checked redirects."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            response = self._get_with_retries(current, url)
            if not response.is_redirect:
                return response
            location = response.headers.get("Location", "")
            response.close()
            current = urljoin(current, location)
            _check_scheme(current, url)
        raise PdfDownloadError(f"more than {MAX_REDIRECTS} redirects", url)

    def _get_with_retries(self, current: str, url: str) -> requests.Response:
        import requests

        attempt = 0
        while True:
            host = self._host(current)
            if host.unreachable:
                raise PdfUnreachableError(f"cannot connect: {host.unreachable} (earlier)", url)
            try:
                with host.lock:
                    host.throttle.wait()
                    response = self.session.get(
                        current,
                        headers={"User-Agent": self.user_agent, "Accept-Encoding": "identity"},
                        timeout=self.timeout,
                        stream=True,
                        allow_redirects=False,
                    )
            except requests.ConnectionError as exc:
                reason = _reason(exc)
                final = reason == "host not found" or isinstance(exc, requests.ConnectTimeout)
                if final or attempt >= self.retries:
                    # Every later request to this host would fail the same way: fail them fast.
                    host.unreachable = reason
                    raise PdfUnreachableError(f"cannot connect: {reason}", url) from exc
                wait = self.backoff * 2.0**attempt
            except requests.Timeout as exc:
                raise PdfDownloadError(f"timed out: {_reason(exc)}", url) from exc
            except requests.RequestException as exc:
                raise PdfDownloadError(f"request failed: {_reason(exc)}", url) from exc
            else:
                if response.status_code in RETRY_STATUSES and attempt < self.retries:
                    wait = self._retry_wait(response, attempt, url)
                    response.close()
                elif response.status_code >= 400:
                    response.close()
                    raise PdfDownloadError(
                        f"HTTP {response.status_code} {response.reason or ''}".rstrip(),
                        url,
                        response.status_code,
                        response.headers.get("Content-Type"),
                    )
                else:
                    return response
            self.sleep(wait)
            attempt += 1

    def _retry_wait(self, response: requests.Response, attempt: int, url: str) -> float:
        """Seconds to wait before retrying: ``Retry-After`` when given, else backoff."""
        header = response.headers.get("Retry-After")
        wait = parse_retry_after(header)
        if wait is None:
            return self.backoff * 2.0**attempt
        if wait > self.max_retry_after:
            response.close()
            raise PdfDownloadError(
                f"HTTP {response.status_code}; server asks to retry after {wait:.0f} s",
                url,
                response.status_code,
                response.headers.get("Content-Type"),
            )
        return wait

    def _stream(
        self,
        response: requests.Response,
        url: str,
        part: Path,
        progress: Callable[[int], None] | None,
    ) -> tuple[str, int]:
        """Write the body to ``part`` while hashing and checking it; returns (sha256, size)."""
        import requests

        status = response.status_code
        content_type = response.headers.get("Content-Type")

        def fail(message: str) -> PdfDownloadError:
            return PdfDownloadError(message, url, status, content_type)

        announced = _content_length(response)
        if announced is not None and announced > self.max_bytes:
            raise fail(f"file too large: {announced} bytes announced, cap {self.max_bytes}")
        body = _Body()
        started = self.clock()
        with open(part, "wb") as handle:
            try:
                for chunk in response.iter_content(CHUNK_SIZE):
                    self.bytes_received += len(chunk)
                    body.add(chunk)
                    if body.size > self.max_bytes:
                        raise fail(f"file too large: over the cap of {self.max_bytes} bytes")
                    if len(body.head) == 5 and body.head != b"%PDF-":
                        raise fail(_not_pdf(body.head, content_type))
                    handle.write(chunk)
                    if progress is not None:
                        progress(len(chunk))
                    if self.clock() - started > self.max_seconds:
                        raise fail(f"download took longer than {self.max_seconds:.0f} s")
            except requests.RequestException as exc:
                raise fail(f"download broke off: {_reason(exc)}") from exc
            if self.fsync:
                handle.flush()
                os.fsync(handle.fileno())
        problem = body.problem(announced, content_type)
        if problem:
            raise fail(problem)
        return body.digest.hexdigest(), body.size


class _Body:
    """Running facts about a body being streamed: size, hash, first 5 and last bytes."""

    def __init__(self) -> None:
        self.size = 0
        self.digest = hashlib.sha256()
        self.head = b""
        self.tail = b""

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self.digest.update(chunk)
        if len(self.head) < 5:
            self.head = (self.head + chunk)[:5]
        # Slice before joining: copying every 64 KiB chunk would cost more than hashing it.
        self.tail = (self.tail[-EOF_WINDOW:] + chunk[-EOF_WINDOW:])[-EOF_WINDOW:]

    def problem(self, announced: int | None, content_type: str | None) -> str | None:
        """Why the complete body is not an acceptable PDF, or None when it is."""
        if announced is not None and self.size != announced:
            return f"truncated: got {self.size} of {announced} announced bytes"
        if self.head != b"%PDF-":
            return "empty response" if self.size == 0 else _not_pdf(self.head, content_type)
        if b"%%EOF" not in self.tail:
            return "not a complete PDF: no %%EOF near the end (truncated?)"
        return None


def _check_scheme(target: str, url: str) -> None:
    scheme = urlsplit(target).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = scheme or "no"
        where = "" if target == url else f" (redirected to {target})"
        raise PdfDownloadError(f"refusing {shown} URL scheme: only http and https{where}", url)


def _content_length(response: requests.Response) -> int | None:
    if response.headers.get("Content-Encoding", "identity").lower() != "identity":
        return None  # the length is of the encoded body, not of what iter_content yields
    value = response.headers.get("Content-Length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _not_pdf(head: bytes, content_type: str | None) -> str:
    kind = content_type.split(";")[0].strip() if content_type else "unknown type"
    return f"not a PDF: starts with {head[:5]!r} ({kind})"


def _reason(exc: BaseException) -> str:
    """A short phrase for a requests/urllib3 error (their messages nest reprs several deep)."""
    text = str(exc)
    cut = re.search(r"IncompleteRead\((\d+) bytes read, (\d+) more expected\)", text)
    if cut:
        return f"body cut short ({cut[1]} bytes read, {cut[2]} more expected)"
    for needle, phrase in _REASONS:
        if needle in text.lower():
            return phrase
    return text.split(": ")[-1].strip(" ')\"") or type(exc).__name__


_REASONS: Final = (
    ("timed out", "timed out"),
    ("connection refused", "connection refused"),
    ("name or service not known", "host not found"),
    ("nodename nor servname", "host not found"),
    ("temporary failure in name resolution", "host not found"),
    ("connection reset", "connection reset by the server"),
    ("remote end closed connection", "the server closed the connection"),
    ("certificate verify failed", "TLS certificate not trusted"),
)


def _oserror(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and missing parents; returns those created, deepest first."""
    missing: list[Path] = []
    current = folder
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def _cleanup(part: Path, created: list[Path]) -> None:
    """Remove a partial file and the folders made for it (when still empty)."""
    with contextlib.suppress(FileNotFoundError):
        part.unlink()
    for folder in created:
        with contextlib.suppress(OSError):
            folder.rmdir()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes.

    :raises OSError: when it cannot be read.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def looks_like_pdf(path: Path) -> bool:
    """True when the file starts with ``%PDF-`` and has ``%%EOF`` near its end.

    A PDF someone annotated still does; a download torn by a crash usually does not.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(5)
            handle.seek(max(0, handle.seek(0, os.SEEK_END) - EOF_WINDOW))
            tail = handle.read()
    except OSError:
        return False
    return head == b"%PDF-" and b"%%EOF" in tail
