"""The committed exports/ are the exports of the committed library.bib (issue 5, point 6)."""

from __future__ import annotations

import pytest

from dlbib.exporters import EXPORTERS, export_references
from dlbib.library import load_library

from .conftest import REPO

LIBRARY = REPO / "library.bib"
EXPORTS = REPO / "exports"


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_committed_exports_match_the_library(fmt: str) -> None:
    path = EXPORTS / EXPORTERS[fmt].filename
    if not LIBRARY.exists():  # no library committed yet: then there must be no exports either
        assert not path.exists()
        return
    library = load_library(LIBRARY)
    text = export_references(
        library.references,
        fmt,
        strings=library.strings,
        base_dir=EXPORTS,
        library_root=REPO,
    )
    assert path.read_bytes() == text.encode("utf-8"), (
        f"{path.relative_to(REPO)} is stale: run `dlbib export` (or `dlbib update`) and commit it"
    )
