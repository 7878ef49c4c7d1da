"""Where an entry's PDF comes from: the arXiv PDF of the recorded version, an open-access
``pdfurl``, or a ``url`` ending in ``.pdf``. Decides nothing about where the file goes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dlbib.library.model import Reference
from dlbib.library.state import SyncState


@dataclass(frozen=True)
class PdfSource:
    """Where an entry's PDF comes from."""

    url: str
    arxiv: str | None = None
    """The arXiv id (without version) when the source is arXiv."""
    version: int | None = None
    """The arXiv version fetched; None when unknown (arXiv then serves the latest)."""

    def same_as(self, record: dict[str, Any]) -> bool:
        """True when ``record`` (a sidecar ``pdf`` section) came from this source."""
        if self.arxiv is not None:
            return record.get("arxiv") == self.arxiv and record.get("version") == self.version
        return record.get("arxiv") is None and record.get("url") == self.url


def pdf_source(ref: Reference, state: SyncState, arxiv_pdf_url: str) -> PdfSource | None:
    """The entry's PDF source, or None when it has none.

    arXiv entries: ``<arxiv_pdf_url>/<id>v<N>`` for the version the library records — a version
    cited in ``eprint`` (``{1706.03762v5}``), else ``arxivversion`` (``{v5}``, the version sync
    took the metadata from), else the sidecar's ``arxiv.version``; with none of them
    ``<arxiv_pdf_url>/<id>`` (arXiv's latest). Other entries: ``pdfurl``, else a ``url`` ending
    in ``.pdf``.
    """
    arxiv = ref.arxiv_id
    if arxiv is None and "pdfurl" not in ref.fields and "url" not in ref.fields:
        return None  # most entries of a library without arXiv ids or links
    if arxiv is not None:
        version = arxiv.version or _version(ref.get("arxivversion"))
        if version is None:
            recorded = (state.get(ref.key, "arxiv") or {}).get("version")
            version = recorded if isinstance(recorded, int) else None
        name = f"{arxiv.id}v{version}" if version else arxiv.id
        return PdfSource(f"{arxiv_pdf_url.rstrip('/')}/{name}", arxiv.id, version)
    url = ref.get("pdfurl")
    if url:
        return PdfSource(url.strip())
    url = ref.get("url")
    if url and url.split("?")[0].split("#")[0].lower().endswith(".pdf"):
        return PdfSource(url.strip())
    return None


def _version(text: str | None) -> int | None:
    """``v3`` or ``3`` → 3; None for anything else."""
    if not text:
        return None  # most entries: no arxivversion
    match = re.fullmatch(r"v?(\d+)", (text or "").strip(), re.IGNORECASE)
    return int(match.group(1)) if match else None
