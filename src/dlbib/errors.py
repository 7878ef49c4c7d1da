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
    │   ├── ArxivLookupError        the arXiv API failed; .status, .retry
    │   │   └── ArxivUnreachableError   no connection at all (DNS, refused)
    │   └── PdfDownloadError        HTTP status, timeout, not-a-PDF, size limit; .status
    │       └── PdfUnreachableError     the host could not be reached at all (DNS, refused)
    ├── ExportError                 unknown format, or an entry a format cannot represent
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
