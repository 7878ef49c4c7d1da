"""dlbib: a reading list's papers as a canonical, verified BibTeX library.

The public API is re-exported here lazily, so ``dlbib --help`` does not pay for importing
bibtexparser, arxiv or requests.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("dlbib")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

_EXPORTS = {
    "ArxivId": "model",
    "Reference": "model",
    "Library": "library",
    "load_library": "library",
    "save_library": "library",
    "edit_library": "library",
    "generate_key": "keys",
    "check_library": "lint",
    "Config": "config",
    "load_config": "config",
    "DlbibError": "errors",
    "EXPORTERS": "exporters",
    "export_references": "exporters",
    "export_library": "exporters",
    "run_update": "update",
    "UpdateReport": "update",
    "import_reading_list": "importer",
    "read_reading_list": "readinglist",
    "PdfFetcher": "pdf",
    "PdfDownloadError": "errors",
    "pdf_path": "pdfpaths",
    "sync_pdfs": "pdfsync",
    "sync_library_pdfs": "pdfsync",
    "PdfReport": "pdfsync",
    "CitedKeys": "citations",
    "extract_citations": "citations",
    "cite_document": "docbib",
    "build_document_bib": "docbib",
    "suggest_keys": "suggest",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
