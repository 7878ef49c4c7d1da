"""The exception hierarchy of dlbib, and nothing else.

Every error dlbib raises on purpose derives from :class:`DlbibError`; the CLI turns any of them
into one ``Error: ...`` line and exit code 1. Lower-level exceptions are wrapped with ``from``.

::

    DlbibError                      base
    ├── LibraryError                library.bib cannot be read/parsed/written; .path, .problems
    │   ├── DuplicateKeyError       .key (.groups: every repeated key with its lines)
    │   ├── LibraryEncodingError    the bytes are not valid in the file's encoding
    │   └── LockedError             another dlbib process holds the library's lock
    ├── ConfigError                 dlbib.toml or an environment setting is invalid; .path
    ├── ReferenceNotFoundError      .key
    ├── InvalidArxivIdError         also a ValueError; .value
    ├── SourceError                 remote metadata/PDF problems; .url
    │   ├── ServiceError            the HTTP layer (sources/http.py) failed; .service, .status
    │   │   ├── ServiceUnreachableError no connection at all (DNS, refused, unroutable)
    │   │   ├── ServiceBusyError        429/5xx after the retries, or a Retry-After too long
    │   │   ├── HttpStatusError         any other non-2xx answer where one was required
    │   │   ├── DeadlineExceededError   the request's wall-clock deadline passed
    │   │   ├── ResponseTooLargeError   the decoded body passed the service's size cap
    │   │   ├── RedirectRefusedError    a redirect the policy does not allow
    │   │   ├── BadResponseError        broken transfer, not JSON/XML, entities refused
    │   │   └── BotCheckError           an HTML page where data was expected (a bot check?)
    │   ├── ArxivLookupError        the arXiv API failed; .status, .retry
    │   │   └── ArxivUnreachableError   no connection at all (DNS, refused)
    │   └── PdfDownloadError        HTTP status, timeout, not-a-PDF, size limit; .status
    │       └── PdfUnreachableError     the host could not be reached at all (DNS, refused)
    ├── ExportError                 unknown format, or an entry a format cannot represent
    ├── StepFailedError             a later step of sync/update failed; .step, .saved, .cause
    ├── CitationError               a LaTeX document cannot be read; .path, .line
    └── ReadingListError            a reading list cannot be read; .path, .line
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class DlbibError(Exception):
    """Base class of every error dlbib raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One located problem in a file: 1-based ``line`` (0 when unknown) and a ``reason``."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" if self.line else self.reason


class LibraryError(DlbibError):
    """library.bib cannot be read, parsed or written.

    :param path: the library file.
    :param message: what went wrong, as a sentence fragment.
    :param problems: located problems (parse failures), listed in the message.
    """

    def __init__(self, path: Path, message: str, problems: Sequence[Problem] = ()) -> None:
        self.path = path
        self.message = message
        self.problems = tuple(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}"
        if self.problems:
            text += " (" + "; ".join(str(p) for p in self.problems) + ")"
        return text


class DuplicateKeyError(LibraryError):
    """Two entries share a citation key (BibTeX compares keys case-insensitively)."""

    def __init__(self, path: Path, key: str, lines: Sequence[int]) -> None:
        self.key = key
        self.groups: tuple[tuple[str, tuple[int, ...]], ...] = ((key, tuple(lines)),)
        where = ", ".join(f"line {n}" for n in lines)
        super().__init__(path, f"duplicate citation key {key!r} ({where})")

    @classmethod
    def of_groups(
        cls, path: Path, groups: Sequence[tuple[str, Sequence[int]]]
    ) -> DuplicateKeyError:
        """One error naming every repeated key (``groups``: key and the lines of its entries)."""
        error = cls(path, groups[0][0], groups[0][1])
        error.groups = tuple((k, tuple(v)) for k, v in groups)
        listed = "; ".join(f"{k!r} at " + ", ".join(map(str, v)) for k, v in error.groups)
        noun = "key is" if len(groups) == 1 else "keys are"
        error.message = (
            f"{len(groups)} citation {noun} repeated ({listed}); nothing was written — "
            "rename or delete the extra entries (`dlbib check` lists them)"
        )
        error.args = (str(error),)
        return error


class LibraryEncodingError(LibraryError):
    """The library's bytes are not valid in its encoding (or a save cannot encode a character)."""


class LockedError(LibraryError):
    """Another dlbib process is writing the same library."""


class ConfigError(DlbibError):
    """A configuration file or environment setting is invalid."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class ReferenceNotFoundError(DlbibError):
    """No entry has this citation key."""

    def __init__(self, key: str, suggestions: Sequence[str] = ()) -> None:
        self.key = key
        self.suggestions = tuple(suggestions)
        text = f"no entry with key {key!r} in the library"
        if self.suggestions:
            text += " (did you mean " + ", ".join(self.suggestions) + "?)"
        super().__init__(text)


class InvalidArxivIdError(DlbibError, ValueError):
    """Not an arXiv identifier (new style ``1502.03167`` or old style ``cs/0112017``)."""

    def __init__(self, value: str) -> None:
        self.value = value
        super().__init__(f"not an arXiv identifier: {value!r}")


class SourceError(DlbibError):
    """A remote source (arXiv API, a PDF host) failed.

    :param message: what went wrong.
    :param url: the URL involved, appended to the message.
    :param status: the HTTP status, when there was one.
    """

    def __init__(self, message: str, url: str | None = None, status: int | None = None) -> None:
        self.message = message
        self.url = url
        self.status = status
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.message} ({self.url})" if self.url else self.message


class ServiceError(SourceError):
    """The bounded HTTP layer could not get a usable answer from a service.

    :param service: who was asked (``"arXiv"``, ``"Crossref"``, ``"PDF host"``...).
    :param message: one line saying what went wrong (the service name is prepended).
    :param url: the URL involved.
    :param status: the HTTP status, when there was one.
    """

    def __init__(
        self, service: str, message: str, url: str | None = None, status: int | None = None
    ) -> None:
        self.service = service
        super().__init__(f"{service}: {message}", url, status)


class ServiceUnreachableError(ServiceError):
    """Nothing answered at all: DNS failure, connection refused, unroutable, connect timeout.

    :param reason: a short phrase (``connection refused``, ``host not found``).
    :param earlier: True when the host failed earlier in this run and was not tried again.
    """

    def __init__(
        self, service: str, reason: str, url: str | None = None, *, earlier: bool = False
    ) -> None:
        self.reason = reason
        self.earlier = earlier
        note = ", earlier" if earlier else ""
        super().__init__(service, f"could not be reached ({reason}{note})", url)


class ServiceBusyError(ServiceError):
    """429/5xx (or a broken transfer) after every retry, or a ``Retry-After`` beyond the cap."""

    def __init__(
        self,
        service: str,
        message: str,
        url: str | None = None,
        status: int | None = None,
        *,
        attempts: int = 1,
        retry_after: float | None = None,
        content_type: str | None = None,
    ) -> None:
        self.attempts = attempts
        self.retry_after = retry_after
        self.content_type = content_type
        super().__init__(service, message, url, status)


class HttpStatusError(ServiceError):
    """A non-2xx answer (other than the retried ones) where a 2xx was required."""


class DeadlineExceededError(ServiceError):
    """The request's wall-clock deadline passed (however slowly the bytes were arriving)."""


class ResponseTooLargeError(ServiceError):
    """The body, counted after decompression, passed the service's size cap."""


class RedirectRefusedError(ServiceError):
    """A redirect the policy refuses: another scheme, origin, port or a private address."""


class BadResponseError(ServiceError):
    """The answer is unusable: the transfer broke off, not JSON/XML, or entities were refused."""


class BotCheckError(BadResponseError):
    """An HTML page came back with 200 where JSON or XML was expected (a bot check, a portal)."""


class ArxivLookupError(SourceError):
    """The arXiv API failed: an HTTP error, a malformed feed, or too many retries."""

    def __init__(
        self, message: str, url: str | None = None, status: int | None = None, retry: int = 0
    ) -> None:
        self.retry = retry
        super().__init__(message, url, status)


class ArxivUnreachableError(ArxivLookupError):
    """arXiv could not be reached at all (DNS failure, connection refused, no network)."""


class PdfDownloadError(SourceError):
    """A PDF could not be downloaded or failed verification."""

    def __init__(
        self,
        message: str,
        url: str | None = None,
        status: int | None = None,
        content_type: str | None = None,
    ) -> None:
        self.content_type = content_type
        super().__init__(message, url, status)


class PdfUnreachableError(PdfDownloadError):
    """A PDF host could not be reached at all (DNS failure, connection refused, no network)."""


class ExportError(DlbibError):
    """An export failed: unknown format, unwritable output, or an entry it cannot represent."""

    def __init__(self, message: str, key: str | None = None, format: str | None = None) -> None:
        self.key = key
        self.format = format
        super().__init__(f"{key}: {message}" if key else message)


class StepFailedError(DlbibError):
    """A step of a multi-step command failed after earlier steps were saved.

    :param step: what failed (``"PDFs"``, ``"exports"``).
    :param saved: what was saved before it, in order (``"arXiv metadata (library.bib)"``).
    :param cause: the step's own error; its message comes first.
    """

    def __init__(self, step: str, saved: Sequence[str], cause: DlbibError) -> None:
        self.step = step
        self.saved = tuple(saved)
        self.cause = cause
        done = "saved before it: " + ", ".join(self.saved) if self.saved else "nothing was saved"
        super().__init__(f"{cause} — the {step} step failed; {done}")


class CitationError(DlbibError):
    """A LaTeX document (or its .aux/.bcf) cannot be read."""

    def __init__(self, path: Path, message: str, line: int = 0) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


class ReadingListError(DlbibError):
    """A reading list cannot be read (missing, binary, not UTF-8, empty)."""

    def __init__(self, path: Path, message: str, line: int = 0) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")
