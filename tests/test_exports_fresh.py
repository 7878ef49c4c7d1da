"""The committed exports/ are the exports of the committed library.bib (issue 5, point 6)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from dlbib.exports import EXPORTERS, export_references
from dlbib.library.bibfile import load_library

from .conftest import REPO, require_tool
from .exportcheck import unexpected_biber_warnings

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


@pytest.mark.latex
def test_committed_biblatex_export_passes_biber_without_warnings(tmp_path: Path) -> None:
    path = EXPORTS / EXPORTERS["biblatex"].filename
    if not path.exists():
        assert not LIBRARY.exists()
        return
    biber = require_tool("biber")
    (tmp_path / "lib.bib").write_bytes(path.read_bytes())  # biber writes its .blg beside it
    result = subprocess.run(
        [biber, "--tool", "--validate-datamodel", "--output-file=o.bib", "lib.bib"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    assert unexpected_biber_warnings(result.stdout, load_library(LIBRARY).references) == []


@pytest.mark.latex
def test_committed_bibtex_export_runs_through_plainnat_without_warnings(tmp_path: Path) -> None:
    path = EXPORTS / EXPORTERS["bibtex"].filename
    if not path.exists():
        assert not LIBRARY.exists()
        return
    bibtex = require_tool("bibtex", "plainnat.bst")
    (tmp_path / "lib.bib").write_bytes(path.read_bytes())
    (tmp_path / "t.aux").write_text(
        "\\relax\n\\citation{*}\n\\bibstyle{plainnat}\n\\bibdata{lib}\n", encoding="ascii"
    )
    result = subprocess.run(
        [bibtex, "t"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout
    assert "Warning--" not in result.stdout
    bbl = (tmp_path / "t.bbl").read_text(encoding="ascii")
    assert bbl.count("\\bibitem") == len(load_library(LIBRARY).references)
