"""The main job as a library call: every step runs, unreachable services are not failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlbib.config import load_config
from dlbib.errors import StepFailedError
from dlbib.library.bibfile import load_library, save_library
from dlbib.update import run_update

from .conftest import DATA


def test_run_update_offline_does_the_rest(tmp_path: Path, unused_port: int) -> None:
    library = tmp_path / "library.bib"
    library.write_bytes((DATA / "sample.bib").read_bytes())
    dead = f"http://127.0.0.1:{unused_port}"
    env = {
        "DLBIB_ARXIV_API_URL": f"{dead}/api/query",
        "DLBIB_ARXIV_PDF_URL": f"{dead}/pdf",
        "DLBIB_ARXIV_DELAY": "0",
        "DLBIB_PDF_DELAY": "0",
        "DLBIB_PUBLISHED": "off",  # environ= replaces the tests' closed-port service URLs
    }
    save_library(load_library(library))  # canonical form, as dlbib keeps it
    before = library.read_bytes()
    report = run_update(load_config(library, environ=env))
    assert report.sync is None
    assert report.sync_skipped is not None
    assert "could not be reached" in report.sync_skipped
    assert report.pdfs is not None
    assert report.pdfs.unreachable_hosts == ["127.0.0.1"]
    assert report.pdfs.failed_reachable == []
    assert [f.format for f in report.exports] == ["bibtex", "biblatex", "csljson", "ris", "zotero"]
    assert all(f.path is not None and f.path.is_file() for f in report.exports)
    # the sample's PDF does not exist: check says so, and that (only) makes the job fail
    assert [f.code for f in report.findings] == ["missing-file"]
    assert not report.ok
    assert library.read_bytes() == before
    assert len(load_library(library).references) == 6


def test_unwritable_exports_after_a_sync_says_what_was_saved(
    tmp_path: Path, unused_port: int, fake_arxiv, arxiv_url: str
) -> None:
    library = tmp_path / "library.bib"
    library.write_bytes((DATA / "sample.bib").read_bytes())
    (tmp_path / "exports").write_text("a file where the folder should be")
    env = {
        "DLBIB_ARXIV_API_URL": arxiv_url,
        "DLBIB_ARXIV_PDF_URL": f"http://127.0.0.1:{unused_port}/pdf",
        "DLBIB_ARXIV_DELAY": "0",
        "DLBIB_PDF_DELAY": "0",
        "DLBIB_PUBLISHED": "off",  # environ= replaces the tests' closed-port service URLs
    }
    with pytest.raises(StepFailedError) as info:
        run_update(load_config(library, environ=env))
    assert info.value.step == "exports"
    assert info.value.saved == ("the arXiv metadata (library.bib and its sidecar)",)
    assert "cannot be written" in str(info.value)
    assert "saved before it: the arXiv metadata" in str(info.value)
    assert (tmp_path / "library.dlbib.json").is_file()
