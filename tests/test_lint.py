"""`dlbib check` findings: each rule on a small library, and the committed library is clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlbib.check import check_library
from dlbib.errors import LibraryError

from .conftest import REPO


def findings_for(tmp_path: Path, text: str) -> list[tuple[str, str | None, int]]:
    path = tmp_path / "library.bib"
    path.write_text(text, encoding="utf-8")
    return [(f.code, f.key, f.line) for f in check_library(path)]


GOOD = "@article{a,\n  author = {A, B},\n  title = {T},\n  journal = {J},\n  year = {2000},\n}\n"

RULES = {
    "parse-failure": ("@misc{a, title = {x}\n\n@misc{b, title={y}}\n", [("parse", None, 1)]),
    "duplicate-key": ("@misc{a, title={x}}\n@misc{A, title={y}}\n", [("duplicate-key", "a", 2)]),
    "repeated-field": ("@misc{a, title={x}, title={y}}\n", [("duplicate-field", "a", 1)]),
    "repeated-field-in-another-case": ("@misc{a, title={x}, TITLE={y}, Note={n}, note={m}}\n",
                                       [("duplicate-field", "a", 1)]),
    "missing-comma": ("@misc{a,\n  title = {x} year = 2000,\n}\n", [("syntax", "a", 1)]),
    "missing-required": ("@article{a,\n  title = {T},\n}\n",
                         [("missing-field", "a", 1)] * 3),
    "book-needs-author-or-editor": ("@book{b, editor={E}, title={T}, publisher={P}, year=1}\n",
                                    []),
    "bad-doi": ("@misc{a, title={T}, doi={https//doi.org/10.1/x}}\n", [("bad-doi", "a", 1)]),
    "doi-url-is-fine": ("@misc{a, title={T}, doi={https://doi.org/10.1038/nature14539}}\n", []),
    "bad-arxiv": ("@misc{a, title={T}, eprint={1513.0001}, archiveprefix={arXiv}}\n",
                  [("bad-arxiv-id", "a", 1)]),
    "other-eprint-ok": ("@misc{a, title={T}, eprint={PMC123}, eprinttype={pubmed}}\n", []),
    "escaped-underscore": ("@misc{a, title={T}, url={https://x.org/a\\_b}}\n",
                           [("escaped-underscore", "a", 1)]),
    "same-doi": ("@misc{a, title={T}, doi={10.1234/x}}\n@misc{b, title={U}, doi={10.1234/X}}\n",
                 [("duplicate-work", "b", 2)]),
    "same-arxiv": ("@misc{a, title={T}, eprint={1502.03167}}\n"
                   "@misc{b, title={U}, url={https://arxiv.org/abs/1502.03167v2}}\n",
                   [("duplicate-work", "b", 2)]),
    "same-title-author-year": (
        "@misc{a, author={He, Kaiming}, title={Deep {Residual} Learning}, year=2016}\n"
        "@misc{b, author={Kaiming He}, title={Deep residual learning.}, year={2016}}\n",
        [("duplicate-work", "b", 2)]),
    "missing-file": ("@misc{a, title={T}, file={:papers/none.pdf:PDF}}\n",
                     [("missing-file", "a", 1)]),
    "clean": (GOOD, []),
}  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), RULES.values(), ids=RULES.keys())
def test_rule(tmp_path: Path, text: str, expected: list[tuple[str, str | None, int]]) -> None:
    assert findings_for(tmp_path, text) == expected


def test_existing_file_is_not_reported(tmp_path: Path) -> None:
    (tmp_path / "papers").mkdir()
    (tmp_path / "papers" / "x.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    assert findings_for(tmp_path, "@misc{a, title={T}, file={:papers/x.pdf:PDF}}\n") == []


def test_unreadable_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "library.bib"
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(LibraryError, match="not UTF-8"):
        check_library(path)


def test_committed_library_is_clean() -> None:
    assert check_library(REPO / "library.bib") == []


def test_check_is_read_only(tmp_path: Path) -> None:
    path = tmp_path / "library.bib"
    path.write_text("@ARTICLE{a,title={T}}")
    check_library(path)
    assert path.read_text() == "@ARTICLE{a,title={T}}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["library.bib"]
