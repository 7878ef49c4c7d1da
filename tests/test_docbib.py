"""The per-document .bib: selection, parents, @strings, suggestions, output, and `dlbib cite`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dlbib.cli import cli
from dlbib.errors import CitationError
from dlbib.latex.citations import extract_citations
from dlbib.latex.docbib import build_document_bib, cite_document, default_output
from dlbib.latex.suggest import suggest_keys
from dlbib.library.bibfile import load_library, parse_library

DATA = Path(__file__).parent / "data"


@pytest.fixture
def library(tmp_path: Path) -> Path:
    target = tmp_path / "library.bib"
    target.write_bytes((DATA / "cite" / "library.bib").read_bytes())
    return target


def write_doc(folder: Path, body: str, name: str = "paper.tex") -> Path:
    doc = folder / name
    doc.write_text(body, encoding="utf-8")
    return doc


def build(doc: Path, library: Path, flavour: str = "bibtex"):
    return build_document_bib(extract_citations(doc), load_library(library), flavour)


def test_only_cited_entries_in_citation_order(tmp_path: Path, library: Path) -> None:
    doc = write_doc(tmp_path, r"\citep{ioffe2015batch,lecun2015deep} \cite{ioffe2015batch}")
    bib = build(doc, library)
    assert [r.key for r in bib.references] == ["ioffe2015batch", "lecun2015deep"]
    written = parse_library(bib.text, tmp_path / "out.bib")
    assert written.keys() == ["ioffe2015batch", "lecun2015deep"]
    original = load_library(library)
    assert written.references[1] == original.get("lecun2015deep")  # keys and fields unchanged
    assert bib.missing == ()
    assert "sutskever2014sequence" in bib.uncited
    assert "lecun2015deep" not in bib.uncited


def test_crossref_parent_and_strings_come_along(tmp_path: Path, library: Path) -> None:
    doc = write_doc(tmp_path, r"\cite{icml2015, child2015a, lecun2015deep}")
    bib = build(doc, library)
    # linked entries are written as the library has them, the parent after its child even when
    # cited first (BibTeX needs that order)
    assert [r.key for r in bib.references] == ["lecun2015deep", "child2015a", "icml2015"]
    assert "crossref = {icml2015}" in bib.text
    assert "@string{icml = " in bib.text
    assert "@string{pmlr = " in bib.text
    assert "unused" not in bib.text
    assert bib.text.index("@string{icml") < bib.text.index("@inproceedings{child2015a")


def test_xdata_parent_comes_along(tmp_path: Path, library: Path) -> None:
    bib = build(write_doc(tmp_path, r"\autocite{xchild2015b}"), library, "biblatex")
    assert [r.key for r in bib.references] == ["xchild2015b", "pmlrdata"]
    assert "pmlrdata" not in bib.uncited


@pytest.mark.parametrize(
    ("flavour", "header", "lecun_date"),
    [
        ("bibtex", "% dlbib BibTeX export", "month     = may"),
        ("biblatex", "% dlbib BibLaTeX export", "date         = {2015-05}"),
    ],
)
def test_flavour_comes_from_the_exporters(
    tmp_path: Path, library: Path, flavour: str, header: str, lecun_date: str
) -> None:
    bib = build(write_doc(tmp_path, r"\cite{lecun2015deep,doe2019thesis}"), library, flavour)
    assert bib.text.startswith(header)
    assert lecun_date in bib.text
    # every entry type goes through the flavour (issue 12): @phdthesis, biblatex's @thesis
    thesis = "@phdthesis{doe2019thesis," if flavour == "bibtex" else "@thesis{doe2019thesis,"
    assert thesis in bib.text
    assert [r.key for r in bib.references] == ["lecun2015deep", "doe2019thesis"]


def test_nocite_star_writes_the_whole_library(tmp_path: Path, library: Path) -> None:
    bib = build(write_doc(tmp_path, "\\nocite{*}\\cite{lecun2015deep,nothere2020x}"), library)
    keys = [r.key for r in bib.references]
    assert sorted(keys) == sorted(load_library(library).keys())
    assert keys.index("child2015a") < keys.index("icml2015")
    assert bib.uncited == ()
    assert [m.citation.key for m in bib.missing] == ["nothere2020x"]


def test_missing_keys_get_suggestions(tmp_path: Path, library: Path) -> None:
    doc = write_doc(tmp_path, "\\cite{lecun2015deep}\n\\citep{sutskever2014seq}\n")
    bib = build(doc, library)
    assert [r.key for r in bib.references] == ["lecun2015deep"]
    (missing,) = bib.missing
    assert (missing.citation.key, missing.citation.path, missing.citation.line) == (
        "sutskever2014seq",
        doc,
        2,
    )
    assert missing.suggestions[0] == "sutskever2014sequence"


SUGGESTIONS = [
    ("truncated title word", "sutskever2014seq", "sutskever2014sequence"),
    ("wrong year", "zaremba2015recurrent", "zaremba2014recurrent"),
    ("case differs", "LeCun2015Deep", "lecun2015deep"),
    ("co-author's name", "hinton2015deep", "lecun2015deep"),
    ("missing title word", "goodfellow2016", "goodfellow2016deep"),
    ("longer title word", "ioffe2015batchnorm", "ioffe2015batch"),
    ("title word only", "dropout", "srivastava2014dropout"),
    ("typo", "srivastava2014droput", "srivastava2014dropout"),
]


@pytest.mark.parametrize(
    ("key", "best"), [s[1:] for s in SUGGESTIONS], ids=[s[0] for s in SUGGESTIONS]
)
def test_suggestion_ranking(library: Path, key: str, best: str) -> None:
    suggestions = suggest_keys(key, load_library(library).references)
    assert suggestions[0] == best
    assert len(suggestions) <= 3


def test_no_suggestion_for_an_unrelated_key(library: Path) -> None:
    assert suggest_keys("krizhevsky2012imagenet", load_library(library).references) == []


def test_non_ascii_key_rejected_for_bibtex_only(tmp_path: Path, library: Path) -> None:
    doc = write_doc(tmp_path, "\n\\cite{müller2020}\n")
    with pytest.raises(CitationError) as info:
        build(doc, library, "bibtex")
    assert (info.value.path, info.value.line) == (doc, 2)
    assert "not ASCII" in str(info.value)
    assert build(doc, library, "biblatex").missing[0].citation.key == "müller2020"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (r"\bibliography{refs}", "refs.bib"),
        (r"\addbibresource{sub/refs.bib}", "sub/refs.bib"),
        (r"\bibliography{a,b}", "paper.bib"),
        ("", "paper.bib"),
    ],
    ids=["bibliography", "addbibresource", "ambiguous", "none"],
)
def test_default_output(tmp_path: Path, body: str, expected: str) -> None:
    assert default_output(extract_citations(write_doc(tmp_path, body))) == tmp_path / expected


def test_cite_document_writes_the_named_bib(tmp_path: Path, library: Path) -> None:
    doc = write_doc(tmp_path, "\\cite{lecun2015deep}\\bibliography{refs}")
    bib = cite_document(doc, library)
    assert bib.output == tmp_path / "refs.bib"
    assert load_library(tmp_path / "refs.bib").keys() == ["lecun2015deep"]
    assert bib.flavour == "verbatim"  # the default: entries as the library has them


def test_cite_document_picks_biblatex_for_biblatex_documents(tmp_path: Path, library: Path):
    doc = write_doc(tmp_path, "\\usepackage{biblatex}\\addbibresource{r.bib}\\cite{müller2020}")
    bib = cite_document(doc, library, write=False)
    assert bib.flavour == "verbatim"
    assert bib.cited.biblatex
    assert bib.output is None
    assert not (tmp_path / "r.bib").exists()


def test_refuses_to_overwrite_the_library(tmp_path: Path, library: Path) -> None:
    before = library.read_bytes()
    doc = write_doc(tmp_path, "\\cite{lecun2015deep}\\bibliography{library}")
    with pytest.raises(CitationError, match="is the library itself"):
        cite_document(doc, library)
    with pytest.raises(CitationError, match="is the library itself"):
        cite_document(write_doc(tmp_path, "\\cite{lecun2015deep}"), library, output=library)
    assert library.read_bytes() == before


def test_unknown_flavour(tmp_path: Path, library: Path) -> None:
    with pytest.raises(ValueError, match="unknown flavour"):
        build(write_doc(tmp_path, ""), library, "ris")


# ----------------------------------------------------------------- CLI


def invoke(runner: CliRunner, library: Path, *args: str):
    return runner.invoke(cli, ["--library", str(library), "cite", *args])


def test_cli_writes_and_reports(tmp_path: Path, library: Path, runner: CliRunner) -> None:
    doc = write_doc(tmp_path, r"\cite{lecun2015deep,child2015a}")
    result = invoke(runner, library, str(doc))
    assert result.exit_code == 0, result.output
    out = tmp_path / "paper.bib"
    assert result.stdout == (
        f"{out}: 3 entries (verbatim; 2 cited)\n12 library entries not cited (--json lists them)\n"
    )
    assert result.stderr == ""
    keys = load_library(out).keys()  # verbatim: the library's order, the crossref parent after
    assert sorted(keys) == ["child2015a", "icml2015", "lecun2015deep"]
    assert keys.index("icml2015") > keys.index("child2015a")


def test_cli_missing_key_still_writes_and_exits_1(
    tmp_path: Path, library: Path, runner: CliRunner
) -> None:
    doc = write_doc(tmp_path, "\\cite{lecun2015deep}\n\\cite{sutskever2014seq}\n")
    out = tmp_path / "out" / "refs.bib"
    out.parent.mkdir()
    result = invoke(runner, library, str(doc), "-o", str(out), "--format", "biblatex")
    assert result.exit_code == 1
    assert result.stderr == (
        f"{doc}:2: sutskever2014seq: not in the library; did you mean "
        "sutskever2014sequence, sutskever2014sequencea, zaremba2014recurrent?\n"
    )
    assert result.stdout.startswith(f"{out}: 1 entry (biblatex; 2 cited)\n")
    assert load_library(out).keys() == ["lecun2015deep"]


def test_cli_check_writes_nothing(tmp_path: Path, library: Path, runner: CliRunner) -> None:
    doc = write_doc(tmp_path, "\\cite{lecun2015deep}\n\\cite{sutskever2014seq}\n")
    result = invoke(runner, library, str(doc), "--check")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{doc}: 2 cited, 1 missing; nothing written\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["library.bib", "paper.tex"]
    clean = write_doc(tmp_path, "\\cite{lecun2015deep}", "clean.tex")
    assert invoke(runner, library, str(clean), "--check").exit_code == 0
    assert not (tmp_path / "clean.bib").exists()


def test_cli_json(tmp_path: Path, library: Path, runner: CliRunner) -> None:
    doc = write_doc(tmp_path, "\\cite{lecun2015deep}\n\\cite{sutskever2014seq}\n")
    result = invoke(runner, library, str(doc), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["output"] == str(tmp_path / "paper.bib")
    assert report["format"] == "verbatim"
    assert report["cited"] == [
        {"key": "lecun2015deep", "file": str(doc), "line": 1},
        {"key": "sutskever2014seq", "file": str(doc), "line": 2},
    ]
    assert report["written"] == ["lecun2015deep"]
    assert report["missing"][0]["key"] == "sutskever2014seq"
    assert report["missing"][0]["suggestions"][0] == "sutskever2014sequence"
    assert "zaremba2014recurrent" in report["uncited"]
    assert "lecun2015deep" not in report["uncited"]
    assert report["cite_all"] is False


@pytest.mark.parametrize(
    ("files", "doc", "where", "message"),
    [
        ({}, "nope.tex", "nope.tex", "no such file"),
        ({"paper.tex": "\\cite{a,b\n\nText"}, "paper.tex", "paper.tex:1", "never closed"),
        ({"paper.tex": "x\n\\input{gone}"}, "paper.tex", "paper.tex:2", "no such file"),
        ({"paper.tex": "\\input{paper}"}, "paper.tex", "paper.tex:1", "cycle"),
        ({"paper.tex": "\\cite{a b}"}, "paper.tex", "paper.tex:1", "whitespace"),
        ({"paper.aux": "\\relax \n\\citation{a}\n"}, "paper.aux", "paper.aux:3", "did not finish"),
    ],
    ids=["missing", "unbalanced", "missing-include", "cycle", "bad-key", "aborted-aux"],
)
def test_cli_bad_input(
    tmp_path: Path,
    library: Path,
    runner: CliRunner,
    files: dict[str, str],
    doc: str,
    where: str,
    message: str,
) -> None:
    for name, text in files.items():
        write_doc(tmp_path, text, name)
    result = invoke(runner, library, str(tmp_path / doc))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {tmp_path / where}: ")
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "paper.bib").exists()  # no partial .bib


def test_default_output_never_overwrites_a_hand_written_bib(
    tmp_path: Path, library: Path, runner: CliRunner
) -> None:
    doc = write_doc(tmp_path, "\\cite{lecun2015deep}\\bibliography{mine}")
    mine = tmp_path / "mine.bib"
    mine.write_text("@misc{handmade, title = {Mine}}\n")
    result = invoke(runner, library, str(doc))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {mine}: exists and was not written by dlbib; "
        "pass -o to overwrite it or to write elsewhere\n"
    )
    assert mine.read_text() == "@misc{handmade, title = {Mine}}\n"
    assert invoke(runner, library, str(doc), "-o", str(mine)).exit_code == 0
    assert load_library(mine).keys() == ["lecun2015deep"]
    assert invoke(runner, library, str(doc)).exit_code == 0  # now dlbib's own: rewritten
