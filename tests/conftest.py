"""Shared fixtures: data paths, a temporary library, a CLI runner, golden files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

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


# --- dlbib import (issue 7) ---------------------------------------------------------------------


@pytest.fixture
def import_arxiv(httpserver):
    """A fake arXiv API on 127.0.0.1 answering from tests/data/arxiv (``.api.requests`` lists
    the queries, ``.url`` is the endpoint, ``.env`` the CLI environment pointing at it)."""
    from types import SimpleNamespace

    from .arxiv_server import FakeArxiv, werkzeug_handler

    api = FakeArxiv.from_folder(DATA / "arxiv")
    httpserver.expect_request("/api/query").respond_with_handler(werkzeug_handler(api))
    url = httpserver.url_for("/api/query")
    env = {"DLBIB_ARXIV_API_URL": url, "DLBIB_ARXIV_DELAY": "0"}
    return SimpleNamespace(api=api, url=url, env=env, server=httpserver)
