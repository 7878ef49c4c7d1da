"""Shared fixtures: data paths, a temporary library, a CLI runner, golden files."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from dlbib.pdf import PdfFetcher

from .pdfserver import PdfServer

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"
SHARED = Path(__file__).resolve().parents[2] / "shared"
REPO = Path(__file__).resolve().parents[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite tests/golden/ from current output"
    )


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with tests/golden/<name> byte for byte (``--update-golden`` rewrites)."""

    def check(name: str, actual: str) -> None:
        path = GOLDEN / name
        if request.config.getoption("--update-golden") or os.environ.get("DLBIB_UPDATE_GOLDEN"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(actual.encode("utf-8"))
        assert actual.encode("utf-8") == path.read_bytes()

    return check


@pytest.fixture
def sample_bib(tmp_path: Path) -> Path:
    """A copy of tests/data/sample.bib (the awkward cases) in a fresh folder."""
    target = tmp_path / "library.bib"
    target.write_bytes((DATA / "sample.bib").read_bytes())
    return target


# --- PDFs (issue 4) -------------------------------------------------------------------------


@pytest.fixture
def pdf_server() -> Iterator[PdfServer]:
    """A real HTTP server on 127.0.0.1 serving PDFs and faults (see tests/pdfserver.py)."""
    server = PdfServer()
    yield server
    server.close()


@pytest.fixture
def sleeps() -> list[float]:
    """The sleeps a :class:`PdfFetcher` built by ``fetcher`` asked for (nobody really waits)."""
    return []


@pytest.fixture
def fetcher(sleeps: list[float]) -> PdfFetcher:
    """A PdfFetcher for local servers: no per-host delay, short timeouts, recorded sleeps."""
    return PdfFetcher(timeout=(2, 2), min_interval=0, sleep=sleeps.append)
