"""The dependency rules of STYLE.md B2/B5, checked on the source."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "dlbib"

ALLOWED = {
    "click": {"cli.py"},
    "requests": {"arxiv_source.py", "pdf.py"},
    "arxiv": {"arxiv_source.py", "cli.py"},
    "bibtexparser": {"library.py", "names.py", "exporters/bibtex.py"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("module", sorted(ALLOWED))
def test_third_party_imports_stay_in_their_modules(module: str) -> None:
    users = {str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if module in imported_modules(p)}
    assert users <= ALLOWED[module]


def test_no_utils_module() -> None:
    assert not list(SRC.rglob("utils.py"))


def test_core_modules_import_nothing_from_dlbib_but_errors() -> None:
    for name in ("errors.py", "_fs.py"):
        tree = ast.parse((SRC / name).read_text())
        relative = [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level]
        assert relative == [], name


def test_help_imports_nothing_heavy() -> None:
    """`dlbib --help` must not import bibtexparser, arxiv, requests or pylatexenc."""
    code = (
        "import sys\n"
        "from dlbib.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('bibtexparser', 'arxiv', 'requests', 'pylatexenc', 'lxml')"
        " if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines()[-1] == "HEAVY="
