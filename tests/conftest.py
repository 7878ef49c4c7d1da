"""Shared fixtures: data paths, a temporary library, a CLI runner, golden files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"
# /work/shared from /work/main/tests and from a worktree /work/wt/<name>/tests alike.
SHARED = next(
    (
        p / "shared"
        for p in Path(__file__).resolve().parents
        if (p / "shared" / "STYLE.md").is_file()
    ),
    Path(__file__).resolve().parents[2] / "shared",
)
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


# --- LaTeX tools (export issue; the cite helper reuses require_tool) ---------------------------


def require_tool(name: str) -> str:
    """The path of executable ``name``; skip the test when it is missing.

    Skips only when the tool is absent *and* ``DLBIB_REQUIRE_LATEX`` is unset: CI sets it, so a
    missing TeX Live there fails the test instead of hiding it.
    """
    import shutil

    path = shutil.which(name)
    if path:
        return path
    if os.environ.get("DLBIB_REQUIRE_LATEX"):
        pytest.fail(f"{name} not found on PATH, and DLBIB_REQUIRE_LATEX is set")
    pytest.skip(f"{name} not installed (set DLBIB_REQUIRE_LATEX=1 to make this a failure)")


@pytest.fixture
def latex_tool() -> Callable[[str], str]:
    """``require_tool`` as a fixture: ``latex_tool("biber")`` → path, or skip/fail."""
    return require_tool
