"""Braces after a backslash count for BibTeX (``\\{`` opens a group), so they decide where a value
and an entry end exactly as in BibTeX — and a file whose ``\\{`` breaks BibTeX's count still
loads, with a check finding at its line.

Shapes from real files: Better BibTeX's import fixture ``Better BibTeX.014.bib``
(retorquere/zotero-better-bibtex, ``title = {\\textbackslash\\textbackslash\\{\\}: \\\\{}}``), and
the 1990s AI bibliography of tests/data/bibs/crossref-theses-dupkeys-bbt873.bib, whose
``Thi\\{'ebaux`` makes BibTeX swallow the rest of the file ("Illegal end of database file").
"""

from __future__ import annotations

import shutil
from pathlib import Path

from dlbib.check import check_library
from dlbib.latex.docbib import cite_document
from dlbib.library.bibfile import load_library, save_library

from .conftest import BIBS

ESCAPED = (
    "@article{BibTeXEscapeTest1,\n  title = {\\textbackslash\\textbackslash\\{\\}: \\\\{}}\n}\n"
)


def test_a_brace_after_a_backslash_counts_as_in_bibtex(tmp_path: Path) -> None:
    path = tmp_path / "lib.bib"
    path.write_text(ESCAPED)
    library = load_library(path)
    assert library.notes == []  # no stray '}' after the entry: the entry ends where BibTeX ends it
    (ref,) = library.references
    assert ref.fields["title"] == "{\\textbackslash\\textbackslash\\{\\}: \\\\{}}"
    library.replace(ref.with_raw_fields({"note": "{x}"}))
    save_library(library)
    assert path.read_text() == ESCAPED.replace("{}}\n}", "{}},\n  note = {x}\n}")


def test_cite_copies_the_whole_entry(tmp_path: Path) -> None:
    lib = tmp_path / "lib.bib"
    lib.write_text(ESCAPED)
    tex = tmp_path / "doc.tex"
    tex.write_text("\\cite{BibTeXEscapeTest1}\n\\bibliography{doc}\n")
    cite_document(tex, lib, output=tmp_path / "doc.bib")
    assert ESCAPED in (tmp_path / "doc.bib").read_text()


def test_a_file_bibtex_cannot_balance_still_loads_and_check_says_where(tmp_path: Path) -> None:
    path = tmp_path / "ai.bib"
    shutil.copyfile(BIBS / "crossref-theses-dupkeys-bbt873.bib", path)
    library = load_library(path)
    assert len(library.references) > 900
    assert library.find("Thiebaux:93") is not None
    found = [f for f in check_library(path) if f.code == "escaped-brace"]
    assert [(f.line, f.severity) for f in found] == [(6523, "error")]
    assert "BibTeX reads this entry" in found[0].message


def test_an_eprint_without_a_prefix_is_arxiv_only_when_it_looks_like_an_id(tmp_path: Path) -> None:
    # Shape of biblatex-apa's examples (Better BibTeX's fixture "Import error with character '+'
    # in BibTeX field name #2660.bib"): @online entries with eprint = {Reddit}, no eprinttype.
    path = tmp_path / "apa.bib"
    path.write_text(
        "@online{a, author = {A}, title = {T}, date = {2018}, url = {https://x.org}, "
        "eprint = {Reddit}}\n"
        "@misc{b, author = {B}, title = {T}, year = {2017}, eprint = {1706.0376}}\n"
        "@misc{c, author = {C}, title = {T}, year = {2017}, eprint = {Reddit},"
        " eprinttype = {arxiv}}\n"
    )
    bad = sorted(f.key or "" for f in check_library(path) if f.code == "bad-arxiv-id")
    assert bad == ["b", "c"]
