"""The layout rules of the README's development section (STYLE.md B2/B5), checked on the source.

Data flows one way: sources → the library model → sinks. These tests keep the arrows true:
which package may import which, where each third-party library may be used, no cycles, and
module sizes a reader can take in.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "dlbib"

# third-party library -> the only modules (relative to src/dlbib) that may import it
ALLOWED = {
    "click": {"cli/"},
    "requests": {"sources/http.py", "sources/arxiv.py", "pdfs/fetch.py"},
    "arxiv": {"sources/arxiv.py"},
    "bibtexparser": {
        "library/parse.py",
        "library/bibfile.py",
        "library/names.py",
        "exports/bibtex.py",
    },
}

# package (first component under dlbib) -> the dlbib packages it may import
LAYERS: dict[str, set[str]] = {
    "errors": set(),
    "library": {"errors"},
    "config": {"errors"},
    "sources": {"errors", "library", "config"},
    "sync": {"errors", "library", "sources", "config"},
    "pdfs": {"errors", "library", "sources", "config"},
    "readinglist": {"errors", "library", "sources", "config"},
    "exports": {"errors", "library", "config"},
    "latex": {"errors", "library", "config", "exports"},
    "entry_checks": {"errors", "library"},
    "check": {"errors", "library", "pdfs", "config", "entry_checks"},
    "update": {"errors", "library", "config", "check", "sync", "pdfs", "exports", "sources"},
    "cli": {"*"},
    "__init__": {"*"},
    "__main__": {"cli"},
}
# library/ modules that sources/ may use: value types and text, never the file or the sidecar
SOURCE_VISIBLE_LIBRARY = {"library.model", "library.text", "library.names"}
MAX_LINES = 480


def _modules() -> dict[str, Path]:
    found = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        found[".".join(parts) or "__init__"] = path
    return found


def _dlbib_imports(path: Path) -> set[str]:
    """Every ``dlbib.x.y`` module that ``path`` imports (absolute or relative)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(SRC).with_suffix("").parts
    package = list(rel[:-1])  # the package a relative import starts from
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name[6:] for a in node.names if a.name.startswith("dlbib."))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            elif node.module and (node.module == "dlbib" or node.module.startswith("dlbib.")):
                module = node.module[6:]
            else:
                continue
            out.add(module)
            out.update(f"{module}.{a.name}".lstrip(".") for a in node.names)
    known = _modules()
    return {m for m in out if m in known}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _allowed(rel: str, places: set[str]) -> bool:
    return any(rel == p or (p.endswith("/") and rel.startswith(p)) for p in places)


@pytest.mark.parametrize("module", sorted(ALLOWED))
def test_third_party_imports_stay_in_their_modules(module: str) -> None:
    users = {str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if module in imported_modules(p)}
    assert {u for u in users if not _allowed(u, ALLOWED[module])} == set()


def test_every_package_has_a_layer() -> None:
    tops = {name.split(".")[0] for name in _modules()}
    assert tops <= set(LAYERS), tops - set(LAYERS)


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_imports_flow_one_way(package: str) -> None:
    """sources → library model → sinks: a package imports only the layers beneath it."""
    allowed = LAYERS[package]
    wrong = []
    for name, path in _modules().items():
        if name.split(".")[0] != package or "*" in allowed:
            continue
        for target in _dlbib_imports(path):
            top = target.split(".")[0]
            if top in (package, "__init__") and target != "__init__":
                continue
            if target == "__init__":  # `from dlbib import __version__` only
                continue
            if top not in allowed:
                wrong.append(f"{name} -> {target}")
    assert wrong == []


def test_sources_see_only_the_value_types_of_the_library() -> None:
    wrong = [
        f"{name} -> {target}"
        for name, path in _modules().items()
        if name.startswith("sources")
        for target in _dlbib_imports(path)
        if target.startswith("library.") and target not in SOURCE_VISIBLE_LIBRARY
    ]
    assert wrong == []


def test_sinks_use_each_other_only_through_the_package() -> None:
    """latex/ may call exports' public functions (``dlbib.exports``), never its private modules."""
    wrong = [
        f"{name} -> {target}"
        for name, path in _modules().items()
        if name.split(".")[0] in {"sync", "pdfs", "readinglist", "exports", "latex"}
        for target in _dlbib_imports(path)
        if target.split(".")[0] != name.split(".")[0]
        and target.split(".")[0] in {"sync", "pdfs", "readinglist", "exports", "latex"}
        and target.count(".") > 1
    ]
    assert wrong == []


def test_no_import_cycles_between_packages() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in _modules().items():
        top = name.split(".")[0]
        if top in ("cli", "__init__", "__main__"):
            continue
        for target in _dlbib_imports(path):
            other = target.split(".")[0]
            if other != top and other != "__init__":
                graph[top].add(other)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in graph[start]:
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    assert [p for p in list(graph) if reaches(p, p, {p})] == []


def test_nothing_imports_the_cli() -> None:
    users = [
        name
        for name, path in _modules().items()
        if not name.startswith(("cli", "__main__"))
        and any(t.startswith("cli") for t in _dlbib_imports(path))
    ]
    assert users == []


def test_no_utils_module() -> None:
    assert not list(SRC.rglob("utils.py"))


def test_modules_stay_readable() -> None:
    """No module grows past what a reader takes in at once (STYLE.md: about 400 lines)."""
    long = {
        str(p.relative_to(SRC)): n
        for p in SRC.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_core_modules_import_nothing_from_dlbib_but_errors() -> None:
    for name in ("errors.py", "library/files.py", "library/model.py"):
        targets = _dlbib_imports(SRC / name)
        assert targets <= {"errors"}, name


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
