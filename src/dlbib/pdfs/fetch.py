"""Download one PDF over HTTP(S) into a verified file: :class:`PdfFetcher`, :class:`Throttle`.

A download streams to ``<dest>.part``, hashing as it goes, and is renamed onto ``dest`` only when
the bytes are a PDF (``%PDF-`` first, ``%%EOF`` near the end), as long as the server announced, and
under the size cap. On any failure — HTTP error, timeout, HTML served with 200, truncated body,
full disk, Ctrl-C — the partial file is removed and ``dest`` is left as it was.

The HTTP goes through the bounded :class:`~dlbib.sources.http.HttpClient` ("PDF host" mode):
downloads run one after another (a per-host lock also serialises requests should a fetcher be
shared between threads), a minimum interval between requests to the same host, retries with
backoff on 429/5xx that honour ``Retry-After`` and on a transfer broken mid-way (the partial
file starts over), a whole-download deadline (``max_seconds``) that
holds against a server sending a byte a second, and redirects checked hop by hop: http/https
only, another host allowed (publishers redirect) but never from a public address to a loopback,
link-local or private one, nor to another port of a loopback host. A host that refuses the
connection, cannot be resolved or routed is unreachable at once: no retry, no sleep, and the
fetcher's later downloads from it fail immediately.

This module does not decide file names, parse BibTeX or record anything; see ``pdfpaths`` and
``pdfsync``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final
from urllib.parse import urlsplit

from dlbib.errors import (
    DeadlineExceededError,
    PdfDownloadError,
    PdfUnreachableError,
    ResponseTooLargeError,
    ServiceBusyError,
    ServiceError,
    ServiceUnreachableError,
)
from dlbib.library.files import replace_file
from dlbib.sources.http import HttpClient, HttpResponse, user_agent

if TYPE_CHECKING:
    import requests

ARXIV_PDF_URL: Final = "https://arxiv.org/pdf"
DEFAULT_TIMEOUT: Final = (5.0, 60.0)
DEFAULT_MAX_BYTES: Final = 200 * 1024 * 1024
EOF_WINDOW: Final = 1024
"""``%%EOF`` must appear in the last this many bytes (what PDF readers tolerate)."""


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


class PdfFetcher:
    """Downloads PDFs politely and verifies them; one instance per command, reused for every file.

    :param session: the ``requests.Session`` to use (a new one by default).
    :param timeout: ``(connect, read)`` seconds for every request; read is per socket read.
    :param max_bytes: the size cap; larger files are rejected (announced or streamed).
    :param min_interval: seconds between two requests to the same host (arXiv asks for 3).
    :param retries: how many times a 429/5xx or a dropped connection is retried. A host that
        cannot be reached (not found, refused, unroutable, connect timeout) is not retried and
        not tried again by this fetcher: its later downloads fail at once, without waiting.
    :param backoff: the first backoff in seconds (doubled each retry) when no ``Retry-After``.
    :param max_retry_after: the longest ``Retry-After`` honoured; longer waits give up.
    :param max_seconds: a whole download may take at most this long, however slowly the bytes
        arrive (``pdf_max_seconds``; separate from the API deadline ``DLBIB_HTTP_DEADLINE``).
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
        self.max_bytes = max_bytes
        self.max_seconds = max_seconds
        self.fsync = fsync
        self.http = HttpClient(
            "PDF host",
            min_interval=min_interval,
            deadline=max_seconds,
            max_bytes=max_bytes,
            user_agent=user_agent or default_user_agent(),
            headers={"Accept-Encoding": "identity"},
            retries=retries,
            backoff=backoff,
            max_retry_after=max_retry_after,
            max_wait=max_seconds + max_retry_after * (retries + 1),
            connect_timeout=timeout[0],
            read_timeout=timeout[1],
            redirects="cross-host",
            session=session,
            sleep=sleep,
            clock=clock,
            jitter=lambda: 0.0,
        )
        self.session = self.http.session
        self.user_agent = self.http.user_agent
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    @property
    def bytes_received(self) -> int:
        """Body bytes received by this fetcher so far (all downloads, kept or not)."""
        return self.http.bytes_received

    def _lock(self, url: str) -> threading.Lock:
        netloc = urlsplit(url).netloc.lower()
        with self._locks_lock:
            return self._locks.setdefault(netloc, threading.Lock())

    def known_unreachable(self, url: str, probe: str | None = None) -> PdfUnreachableError | None:
        """The error :meth:`download` would raise at once, without a request, because ``url``'s
        host was found unreachable earlier in this run; None when it would try.

        :param probe: a URL with ``url``'s scheme and host, looked at instead of ``url`` (one
            that many URLs share, so that its parse is cached).
        """
        asked = probe or url
        scheme = urlsplit(asked).scheme.lower()
        reason = self.http.is_unreachable(asked) if scheme in ("http", "https") else ""
        if not reason or self.http.base_url:
            return None
        return PdfUnreachableError(f"cannot connect: {reason} (earlier)", url)

    def download(
        self, url: str, dest: Path, progress: Callable[[int], None] | None = None
    ) -> PdfFile:
        """Download ``url`` to ``dest`` (parent folders created), verified, atomically.

        :param progress: called with the size of each chunk received.
        :returns: the file's path, hash and size.
        :raises PdfDownloadError: on any failure; ``dest`` is then untouched and no ``.part``
            file remains. ``KeyboardInterrupt`` is re-raised after the same cleanup.
        """
        part = dest.with_name(dest.name + ".part")
        sink = _PartFile(self, url, part, dest.parent, progress)
        try:
            with self._lock(url):
                answer = self.http.get(url, sink=sink)
            if not answer.ok:
                raise PdfDownloadError(
                    _status_text(answer.status),
                    url,
                    answer.status,
                    answer.headers.get("Content-Type"),
                )
            digest, size = sink.finish()
            replace_file(part, dest)
        except OSError as exc:
            sink.cleanup()
            raise PdfDownloadError(
                f"cannot write {part}: {_oserror(exc)}", url, sink.status, sink.content_type
            ) from exc
        except ServiceError as exc:
            sink.cleanup()
            raise _pdf_error(exc, url, sink, self.max_seconds) from (exc.__cause__ or exc)
        except BaseException:
            sink.cleanup()
            raise
        return PdfFile(dest, url, answer.url, digest, size, sink.content_type)


class _PartFile:
    """The download's sink: checks the first bytes, hashes, writes ``<dest>.part``."""

    def __init__(
        self,
        fetcher: PdfFetcher,
        url: str,
        part: Path,
        folder: Path,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.fetcher, self.url, self.part, self.folder = fetcher, url, part, folder
        self.progress = progress
        self.status: int | None = None
        self.content_type: str | None = None
        self.announced: int | None = None
        self.body = _Body()
        self.created: list[Path] = []
        self.handle: IO[bytes] | None = None

    def fail(self, message: str) -> PdfDownloadError:
        return PdfDownloadError(message, self.url, self.status, self.content_type)

    def begin(self, response: HttpResponse) -> None:
        """Start the file; again from nothing when a retry follows a transfer that broke off."""
        self.status = response.status
        self.content_type = response.headers.get("Content-Type")
        self.announced = _content_length(response.headers)
        self.body = _Body()
        if self.handle is None:
            self.created = _make_parents(self.folder)
        else:
            self.handle.close()
        self.handle = open(self.part, "wb")  # noqa: SIM115 - closed by finish() or cleanup()

    def write(self, piece: bytes) -> None:
        body = self.body
        body.add(piece)
        if len(body.head) == 5 and body.head != b"%PDF-":
            raise self.fail(_not_pdf(body.head, self.content_type))
        assert self.handle is not None
        self.handle.write(piece)
        if self.progress is not None:
            self.progress(len(piece))

    def finish(self) -> tuple[str, int]:
        """Close the file and verify the whole body; returns (sha256, size)."""
        if self.handle is None:  # a 2xx answer always begins; be safe anyway
            raise self.fail("empty response")
        if self.fetcher.fsync:
            self.handle.flush()
            os.fsync(self.handle.fileno())
        self.handle.close()
        problem = self.body.problem(self.announced, self.content_type)
        if problem:
            raise self.fail(problem)
        return self.body.digest.hexdigest(), self.body.size

    def cleanup(self) -> None:
        """Remove the partial file and the folders made for it (when still empty)."""
        if self.handle is not None:
            self.handle.close()
        _cleanup(self.part, self.created)


def _pdf_error(
    exc: ServiceError, url: str, sink: _PartFile, max_seconds: float
) -> PdfDownloadError:
    """The HTTP layer's error as a :class:`PdfDownloadError`, in the fetcher's words."""
    text = exc.message.removeprefix(f"{exc.service}: ")
    kind = sink.content_type
    if isinstance(exc, ServiceUnreachableError):
        note = " (earlier)" if exc.earlier else ""
        return PdfUnreachableError(f"cannot connect: {exc.reason}{note}", url)
    if isinstance(exc, DeadlineExceededError):
        text = f"download took longer than {max_seconds:.0f} s"
    elif isinstance(exc, ResponseTooLargeError):
        text = text.replace("answer too large", "file too large")
    elif isinstance(exc, ServiceBusyError):
        kind = exc.content_type
        if exc.retry_after is not None and "retry after" in text:
            text = f"HTTP {exc.status}; server asks to retry after {exc.retry_after:.0f} s"
    return PdfDownloadError(text, url, exc.status or sink.status, kind)


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


def _content_length(headers: Mapping[str, str]) -> int | None:
    if headers.get("Content-Encoding", "identity").lower() != "identity":
        return None  # the length is of the encoded body, not of the decoded one
    value = headers.get("Content-Length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _not_pdf(head: bytes, content_type: str | None) -> str:
    kind = content_type.split(";")[0].strip() if content_type else "unknown type"
    return f"not a PDF: starts with {head[:5]!r} ({kind})"


def _status_text(status: int) -> str:
    """``HTTP 404 Not Found`` (the standard phrase, whatever the server wrote)."""
    import http

    try:
        return f"HTTP {status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


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
