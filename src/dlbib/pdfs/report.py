"""What a PDF sync did: each entry's :class:`PdfOutcome`, and the :class:`PdfReport` of a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from dlbib.errors import PdfDownloadError, PdfUnreachableError

Status = Literal["downloaded", "moved", "skipped", "failed"]
STATUSES: tuple[Status, ...] = ("downloaded", "moved", "skipped", "failed")
_set = object.__setattr__


@dataclass(frozen=True, init=False)
class PdfOutcome:
    """What happened to one entry's PDF (frozen; the constructor takes the fields in order)."""

    key: str
    status: Status
    reason: str = ""
    """Why it was skipped or failed, or what was done, as a short phrase."""
    path: str | None = None
    """The file, relative to library.bib's folder, when there is one."""
    url: str | None = None
    bytes: int = 0
    """Bytes downloaded for this entry."""
    error: PdfDownloadError | None = None

    def __init__(
        self,
        key: str,
        status: Status,
        reason: str = "",
        path: str | None = None,
        url: str | None = None,
        bytes: int = 0,
        error: PdfDownloadError | None = None,
    ) -> None:
        # What the generated one does, with object.__setattr__ looked up once rather than per
        # field (a run makes one outcome per entry of the library).
        _set(self, "key", key)
        _set(self, "status", status)
        _set(self, "reason", reason)
        _set(self, "path", path)
        _set(self, "url", url)
        _set(self, "bytes", bytes)
        _set(self, "error", error)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (without the exception object)."""
        return {
            "key": self.key,
            "status": self.status,
            "reason": self.reason,
            "path": self.path,
            "url": self.url,
            "bytes": self.bytes,
        }


@dataclass
class PdfReport:
    """Per-entry outcomes of one :func:`sync_pdfs` run, in library order."""

    outcomes: list[PdfOutcome] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Entries per status (every status present, zero or not)."""
        counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
        for outcome in self.outcomes:
            counts[outcome.status] += 1
        return counts

    @property
    def failed(self) -> list[PdfOutcome]:
        """The outcomes that failed."""
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def unreachable_hosts(self) -> list[str]:
        """Hosts that could not be reached at all (offline?), in first-failure order."""
        from urllib.parse import urlsplit

        hosts = [
            urlsplit(o.url or "").hostname or "?"
            for o in self.failed
            if isinstance(o.error, PdfUnreachableError)
        ]
        return list(dict.fromkeys(hosts))

    @property
    def failed_reachable(self) -> list[PdfOutcome]:
        """Failures other than an unreachable host: real problems with a file or a server."""
        return [o for o in self.failed if not isinstance(o.error, PdfUnreachableError)]

    @property
    def bytes_downloaded(self) -> int:
        """Bytes of PDFs downloaded and kept."""
        return sum(o.bytes for o in self.outcomes)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: counts, bytes and every outcome."""
        return {
            "counts": self.counts,
            "bytes": self.bytes_downloaded,
            "outcomes": [o.as_dict() for o in self.outcomes],
        }
