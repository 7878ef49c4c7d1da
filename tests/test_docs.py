"""The README stays honest: every command and exporter is documented; the two commands are there."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import click

from dlbib.cli import cli

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme() -> None:
    for name in cli.list_commands(click.Context(cli)):
        assert re.search(rf"`dlbib {name}\b", README), name


def test_readme_opens_with_the_two_commands() -> None:
    blocks = re.findall(r"```console\n(.*?)\n```", README, flags=re.S)
    assert blocks[0].endswith("pip install . && dlbib update")
    assert blocks[1].endswith("pip install -e '.[dev]' && pytest")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -q -e '.[dev]' && pytest" in ci


def test_the_readme_library_snippet_runs(tmp_path: Path) -> None:
    """The "Using dlbib as a library" snippet, run as written on a copy of the committed library
    (arXiv and the PDF hosts on a closed local port, so nothing leaves the machine)."""
    section = README.split("## Using dlbib as a library", 1)[1]
    snippet = re.search(r"```python\n(.*?)\n```", section, flags=re.S)
    assert snippet is not None
    for name in ("library.bib", "library.dlbib.json"):
        shutil.copy(REPO / name, tmp_path / name)
    closed = f"http://127.0.0.1:{_closed_port()}"
    env = {
        **os.environ,
        "DLBIB_ARXIV_API_URL": f"{closed}/api/query",
        "DLBIB_ARXIV_PDF_URL": f"{closed}/pdf",
        "DLBIB_ARXIV_DELAY": "0",
        "DLBIB_PDF_DELAY": "0",
    }
    proc = subprocess.run(
        [sys.executable, "-c", snippet.group(1)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "vaswani2017attention" in (tmp_path / "library.bib").read_text(encoding="utf-8")
    # ok, and sync skipped with its reason (offline)
    assert proc.stdout.splitlines()[-1].startswith("True arXiv could not be reached")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_docs_tests_and_benchmarks_speak_of_the_project_alone() -> None:
    """No absolute path of one machine, no words about who wrote what (issue 10, item 4)."""
    banned = re.compile(r"/work/|research helper|\bthe lead\b", re.IGNORECASE)
    me = Path(__file__).resolve()
    roots = [REPO / "README.md", REPO / "docs", REPO / "tests", REPO / "benchmarks"]
    hits = []
    for root in roots:
        for path in [root] if root.is_file() else sorted(root.rglob("*")):
            if not path.is_file() or path.resolve() == me or path.suffix not in {
                ".md", ".py", ".json", ".txt", ".toml", ".bib", ".tex", ".yaml",
            }:  # fmt: skip
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            hits += [f"{path.relative_to(REPO)}: {m.group(0)}" for m in banned.finditer(text)]
    assert hits == []
