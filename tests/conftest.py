"""Shared fixtures: data paths, a temporary library, a CLI runner, golden files."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dlbib.errors import LibraryError
from dlbib.library.bibfile import Library, load_library
from dlbib.pdfs.fetch import PdfFetcher

from .pdfserver import PdfServer

DATA = Path(__file__).parent / "data"


def real_libraries() -> Iterator[tuple[Path, Library]]:
    """Every real library in tests/data that loads, with its path (the shortcut tests compare
    a fast path with the general one on these)."""
    for bib in sorted(DATA.rglob("*.bib")):
        try:
            yield bib, load_library(bib)
        except LibraryError:
            continue


GOLDEN = Path(__file__).parent / "golden"
REPO = Path(__file__).resolve().parents[1]
SEED_LIST = REPO / "examples" / "readinglist" / "readinglist.md"
"""The seed reading list (also the README's example), committed with its provenance."""
READINGLISTS = DATA / "readinglists"
BIBS = DATA / "bibs"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite tests/golden/ from current output"
    )


@pytest.fixture(autouse=True)
def parse_cache_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test's own parse cache folder: the suite never reads or fills the user's cache."""
    folder = tmp_path_factory.mktemp("parse-cache")
    monkeypatch.setenv("DLBIB_CACHE_DIR", str(folder))
    monkeypatch.delenv("DLBIB_NO_CACHE", raising=False)
    return folder


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


# --- LaTeX tools (export and cite tests) ---------------------------------------------------------


def require_tool(name: str, *tex_files: str) -> str:
    """The path of executable ``name``; skip the test when it is missing, or when TeX cannot
    find one of ``tex_files`` (``kpsewhich``: a BibTeX style such as ``plainnat.bst``, which
    a minimal TeX install may lack though it has ``bibtex``).

    Skips only when something is absent *and* ``DLBIB_REQUIRE_LATEX`` is unset: CI sets it, so
    a missing TeX Live there fails the test instead of hiding it.
    """
    import shutil

    path = shutil.which(name)
    if path and _tex_finds(tex_files):
        return path
    missing = (f"TeX cannot find {', '.join(tex_files)} (kpsewhich)" if path
               else f"{name} not found on PATH")  # fmt: skip
    if os.environ.get("DLBIB_REQUIRE_LATEX"):
        pytest.fail(f"{missing}, and DLBIB_REQUIRE_LATEX is set")
    pytest.skip(f"{missing} (install TeX Live; DLBIB_REQUIRE_LATEX=1 makes this a failure)")


def _tex_finds(files: tuple[str, ...]) -> bool:
    """Whether ``kpsewhich`` finds every one of ``files`` (True for none)."""
    import shutil
    import subprocess

    if not files:
        return True
    kpsewhich = shutil.which("kpsewhich")
    if kpsewhich is None:
        return False
    found = subprocess.run(
        [kpsewhich, *files], capture_output=True, text=True, check=False, timeout=60
    )
    return len(found.stdout.split()) == len(files)


@pytest.fixture
def latex_tool() -> Callable[[str], str]:
    """``require_tool`` as a fixture: ``latex_tool("biber")`` → path, or skip/fail."""
    return require_tool


# --- arXiv sync (issue 3) -----------------------------------------------------------------

ARXIV_DATA = DATA / "arxiv"


@pytest.fixture
def fake_arxiv(httpserver):
    """The recorded arXiv answers served at ``httpserver.url_for("/api/query")``."""
    from tests.arxiv_server import FakeArxiv, werkzeug_handler

    api = FakeArxiv.from_folder(ARXIV_DATA)
    httpserver.expect_request("/api/query").respond_with_handler(werkzeug_handler(api))
    return api


@pytest.fixture
def arxiv_url(httpserver) -> str:
    return str(httpserver.url_for("/api/query"))


@pytest.fixture
def sleeps() -> list[float]:
    """A sleep recorder: pass ``sleeps.append`` as ``sleep`` (nothing really waits)."""
    return []


@pytest.fixture
def make_source(arxiv_url: str, sleeps: list[float]):
    """ArxivSource factory on the local server, recording sleeps, no jitter, fake clock."""
    from dlbib.sources.arxiv import ArxivSource

    def make(**options):
        clock = [0.0]

        def sleep(seconds: float) -> None:
            sleeps.append(seconds)
            clock[0] += seconds

        defaults: dict[str, Any] = {"api_url": arxiv_url, "delay": 0.0, "sleep": sleep,
                    "clock": lambda: clock[0], "jitter": lambda: 0.0}  # fmt: skip
        defaults.update(options)
        return ArxivSource(**defaults)

    return make


@pytest.fixture
def unused_port() -> int:
    """A local port nothing listens on (connection refused)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture
def hanging_url():
    """A URL whose server accepts connections and never answers."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    yield f"http://127.0.0.1:{s.getsockname()[1]}/api/query"
    s.close()


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


# --- PDFs (issue 4) -------------------------------------------------------------------------


@pytest.fixture
def pdf_server() -> Iterator[PdfServer]:
    """A real HTTP server on 127.0.0.1 serving PDFs and faults (see tests/pdfserver.py)."""
    server = PdfServer()
    yield server
    server.close()


@pytest.fixture
def fetcher(sleeps: list[float]) -> PdfFetcher:
    """A PdfFetcher for local servers: no per-host delay, short timeouts, recorded sleeps."""
    return PdfFetcher(timeout=(2, 2), min_interval=0, sleep=sleeps.append)


@pytest.fixture(autouse=True)
def _no_real_arxiv_pdfs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that syncs without pointing PDFs at a local server must not reach arxiv.org."""
    monkeypatch.setenv("DLBIB_ARXIV_PDF_URL", "http://127.0.0.1:9/no-real-arxiv-in-tests")


# --- published versions (issue 15) ------------------------------------------------------------

SERVICE_VARS = ("DLBIB_S2_API_URL", "DLBIB_DBLP_API_URL", "DLBIB_OPENREVIEW_API_URL",
                "DLBIB_CROSSREF_API_URL")  # fmt: skip


@pytest.fixture(autouse=True)
def _no_real_venue_services(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reaches Semantic Scholar, DBLP, OpenReview or Crossref: they point at a closed
    port, and published versions are off unless a test turns them on (``DLBIB_PUBLISHED``)."""
    for var in SERVICE_VARS:
        monkeypatch.setenv(var, "http://127.0.0.1:9/no-real-services-in-tests")
    monkeypatch.setenv("DLBIB_PUBLISHED", "off")


@pytest.fixture
def services(httpserver):
    """The four stand-ins (tests/services_server.py) on the local server: ``.api`` holds the
    answers and the request log, ``.env`` points the CLI at them (published = report)."""
    from types import SimpleNamespace

    from werkzeug.wrappers import Response

    from .services_server import FakeServices, service_env

    api = FakeServices.standard()

    def handler(request) -> Response:
        return api.handle(request)

    import re

    httpserver.expect_request(re.compile(r"^/(s2|dblp|openreview|crossref)/")).respond_with_handler(
        handler
    )
    base = httpserver.url_for("/").rstrip("/")
    env = {**service_env(base), "DLBIB_PUBLISHED": "report"}
    return SimpleNamespace(api=api, env=env, base=base, server=httpserver)
