"""The examples build cleanly: pdflatex, `dlbib cite`, bibtex/biber, pdflatex twice (issue 6).

Also: the whole library builds with ``\\nocite{*}`` under natbib/plainnat and biblatex/biber.
These tests need TeX Live; they skip only when its binaries are absent and DLBIB_REQUIRE_LATEX
is unset (CI sets it, so there they fail instead).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from dlbib.cli import cli
from dlbib.library.bibfile import load_library
from dlbib.library.model import Reference

from .conftest import require_tool

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
LIBRARY = REPO / "library.bib"
TOOLS = ("pdflatex", "bibtex", "biber", "pdftotext")

pytestmark = pytest.mark.latex


@pytest.fixture(autouse=True)
def latex_tools() -> None:
    """Skip when TeX Live is absent, fail instead when DLBIB_REQUIRE_LATEX is set (CI)."""
    for tool in TOOLS:
        require_tool(tool)


def run(cmd: list[str], cwd: Path) -> str:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=180, check=False)
    # TeX prints overfull-box text in the font's 8-bit encoding, so decode leniently
    output = (done.stdout + done.stderr).decode("utf-8", errors="replace")
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{output}"
    return output


LOG_PROBLEMS = re.compile(
    r"Citation .* undefined|There were undefined|Please \(re\)run|Rerun to get|"
    r"Empty bibliography|Package biblatex Warning"
)


def build(folder: Path, stem: str, backend: str, library: Path) -> str:
    """Build ``stem.tex`` the way a user does; return the PDF's text. Asserts a clean build."""
    pdflatex = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", stem]
    run(pdflatex, folder)
    cite = CliRunner().invoke(cli, ["--library", str(library), "cite", str(folder / f"{stem}.tex")])
    assert cite.exit_code == 0, cite.output
    if backend == "bibtex":
        output = run(["bibtex", stem], folder) + (folder / f"{stem}.blg").read_text()
        assert "Warning--" not in output, output
        assert not re.search(r"\(There (were \d+ warnings|was 1 warning)\)", output), output
    else:
        output = run(["biber", stem], folder) + (folder / f"{stem}.blg").read_text()
        assert not re.search(r"\b(WARN|ERROR)\b", output), output
    run(pdflatex, folder)
    run(pdflatex, folder)
    log = (folder / f"{stem}.log").read_text(errors="replace")
    problems = [line for line in log.splitlines() if LOG_PROBLEMS.search(line)]
    assert problems == []
    return run(["pdftotext", "-enc", "UTF-8", f"{stem}.pdf", "-"], folder)


def squash(text: str) -> str:
    """Letters and digits only, lower case: robust to hyphenation, line breaks and recasing."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def assert_references_visible(text: str, refs: list[Reference]) -> None:
    text = re.sub(r"(?m)^\f?\d+$", "", text)  # page numbers break into the flow of the text
    squashed, nospace = squash(text), re.sub(r"\s+", "", text)
    for ref in refs:
        title = re.sub(r"\\[A-Za-z]+|[{}]", "", ref.title or "")
        assert squash(title) in squashed, f"{ref.key}: title not in the PDF"
        arxiv = ref.arxiv_id
        if arxiv and ref.entry_type in ("misc", "online", "unpublished"):  # a preprint
            assert f"arXiv:{arxiv.id}" in nospace, f"{ref.key}: arXiv id not in the PDF"


@pytest.mark.parametrize("backend", ["natbib", "biblatex"])
def test_example_builds_cleanly(tmp_path: Path, backend: str) -> None:
    folder = tmp_path / backend
    shutil.copytree(EXAMPLES / backend, folder)
    text = build(folder, "paper", "bibtex" if backend == "natbib" else "biber", LIBRARY)
    written = load_library(folder / "references.bib")
    assert len(written.references) >= 12
    assert_references_visible(text, written.references)
    assert "commented2020out" not in (folder / "references.bib").read_text()


@pytest.mark.parametrize("backend", ["natbib", "biblatex"])
def test_whole_library_builds_with_nocite_star(tmp_path: Path, backend: str) -> None:
    preamble = {
        "natbib": "\\usepackage[round]{natbib}\n\\usepackage{url}\n",
        "biblatex": "\\usepackage[backend=biber]{biblatex}\n\\addbibresource{all.bib}\n",
    }[backend]
    ending = {
        "natbib": "\\bibliographystyle{plainnat}\n\\bibliography{all}\n",
        "biblatex": "\\printbibliography\n",
    }[backend]
    (tmp_path / "all.tex").write_text(
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{lmodern}\n"
        f"{preamble}\\begin{{document}}\n\\nocite{{*}}\n{ending}\\end{{document}}\n"
    )
    text = build(tmp_path, "all", "bibtex" if backend == "natbib" else "biber", LIBRARY)
    library = load_library(LIBRARY)
    assert load_library(tmp_path / "all.bib").keys() == library.keys()
    assert_references_visible(text, library.references)
