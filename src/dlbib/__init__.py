"""dlbib: a reading list's papers as a canonical, verified BibTeX library.

The public API is re-exported here lazily, so ``dlbib --help`` does not pay for importing
bibtexparser, arxiv or requests; ``__version__`` too is looked up only when asked for
(``importlib.metadata`` alone costs more than the rest of the start-up).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ArxivId": "library.model",
    "Reference": "library.model",
    "Library": "library.bibfile",
    "load_library": "library.bibfile",
    "save_library": "library.bibfile",
    "edit_library": "library.bibfile",
    "generate_key": "library.keys",
    "check_library": "check",
    "Config": "config",
    "load_config": "config",
    "DlbibError": "errors",
    "EXPORTERS": "exports",
    "export_references": "exports",
    "export_library": "exports",
    "run_update": "update",
    "UpdateReport": "update",
    "import_reading_list": "readinglist.importer",
    "read_reading_list": "readinglist.read",
    "PdfFetcher": "pdfs.fetch",
    "PdfDownloadError": "errors",
    "pdf_path": "pdfs.paths",
    "sync_pdfs": "pdfs.sync",
    "sync_library_pdfs": "pdfs.sync",
    "PdfReport": "pdfs.sync",
    "CitedKeys": "latex.citations",
    "extract_citations": "latex.citations",
    "cite_document": "latex.docbib",
    "build_document_bib": "latex.docbib",
    "suggest_keys": "latex.suggest",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dlbib")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()["__version__"] = found = _version()
        return found
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
