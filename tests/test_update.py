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


SLEEP_RECORDER = """
import atexit, sys, time
slept = []
time.sleep = slept.append  # before dlbib is imported, so every default ``sleep=`` is this
atexit.register(lambda: print("slept:", slept, file=sys.stderr))
from dlbib.cli import cli
cli()
"""


def test_offline_update_never_sleeps(tmp_path: Path, unused_port: int) -> None:
    """Every service refused, default politeness delays: no throttle or backoff sleep at all."""
    import os
    import subprocess
    import sys

    library = tmp_path / "library.bib"
    library.write_bytes((DATA / "sample.bib").read_bytes())
    dead = f"http://127.0.0.1:{unused_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DLBIB_")}
    env.update(
        DLBIB_ARXIV_API_URL=f"{dead}/api/query",
        DLBIB_ARXIV_PDF_URL=f"{dead}/pdf",
        DLBIB_S2_API_URL=f"{dead}/s2",
        DLBIB_DBLP_API_URL=f"{dead}/dblp",
        DLBIB_OPENREVIEW_API_URL=f"{dead}/openreview",
        DLBIB_CROSSREF_API_URL=f"{dead}/crossref",
        DLBIB_CACHE_DIR=str(tmp_path / "cache"),
    )
    done = subprocess.run(
        [sys.executable, "-c", SLEEP_RECORDER, "--library", str(library), "update"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert "could not be reached" in done.stdout + done.stderr
    assert "slept: []" in done.stderr, done.stderr


def test_the_collector_is_paused_over_an_update_but_on_for_the_pdf_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unused_port: int
) -> None:
    """An update does not run the cycle collector over the loaded library, but the PDF step
    (downloads may run long) has its own garbage collected, the library frozen out of sight;
    afterwards the collector is as it was and nothing stays frozen."""
    import gc
    from dataclasses import replace
    from typing import Any

    import dlbib.update as update_module

    seen: list[tuple[bool, int]] = []
    real = update_module.sync_pdfs  # type: ignore[attr-defined]

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append((gc.isenabled(), gc.get_freeze_count()))
        return real(*args, **kwargs)

    original_lint = update_module.lint_library  # type: ignore[attr-defined]

    def lint(*args: Any, **kwargs: Any) -> Any:
        seen.append((gc.isenabled(), gc.get_freeze_count()))
        return original_lint(*args, **kwargs)

    monkeypatch.setattr(update_module, "sync_pdfs", watched)
    monkeypatch.setattr(update_module, "lint_library", lint)
    library = tmp_path / "library.bib"
    library.write_bytes((DATA / "sample.bib").read_bytes())
    dead = f"http://127.0.0.1:{unused_port}"
    config = replace(load_config(library), arxiv_api_url=f"{dead}/api", published="off",
                     arxiv_pdf_url=f"{dead}/pdf", arxiv_delay=0.0, pdf_delay=0.0)  # fmt: skip
    assert gc.isenabled()
    update_module.run_update(config)
    assert seen[0] == (False, 0)  # the check step: collector off, nothing frozen
    assert seen[1][0] is True  # the PDF step: the collector on ...
    assert seen[1][1] > 0  # ... with the library frozen out of its sight
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


class _Node:
    """An object a weak reference can follow (a list cannot)."""

    me: object = None


def test_what_a_paused_run_made_is_counted_old_when_the_collector_is_back() -> None:
    """After a paused run the collector is on, but its first collection does not walk
    everything the run made and left alive (a sync's report: an outcome per entry): that is
    handed to the oldest generation, whose next full collection still finds its cycles."""
    import gc
    import weakref

    from dlbib.library.parse import gc_paused

    gc.collect()
    with gc_paused():
        kept = [[i] for i in range(20_000)]  # alive after the run
        node = _Node()
        node.me = node  # a cycle made meanwhile, garbage after
        gone = weakref.ref(node)
        del node
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    assert gc.get_count()[0] < 100  # nothing young for the next collection to walk
    gc.collect(0)
    gc.collect(1)
    assert gone() is not None  # old: the young collections leave it
    gc.collect()
    assert gone() is None  # the full collection finds it
    assert len(kept) == 20_000


def test_an_outer_freeze_is_left_alone() -> None:
    import gc

    from dlbib.library.parse import gc_paused

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with gc_paused():
            made = [[i] for i in range(1000)]
        assert gc.get_freeze_count() == frozen  # the owner's freeze, not unfrozen here
        assert gc.isenabled()
        assert len(made) == 1000
    finally:
        gc.unfreeze()
