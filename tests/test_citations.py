"""Citation extraction from .tex, .aux and .bcf (the .aux/.bcf fixtures come from real LaTeX runs:
tests/data/latex/regenerate.sh rewrites them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlbib.errors import CitationError, DlbibError
from dlbib.latex.citations import (
    CITE_COMMANDS,
    MULTICITE_COMMANDS,
    Citation,
    citations_from_tex,
    extract_citations,
)
from dlbib.latex.texscan import mask_tex

from .conftest import require_tool

LATEX = Path(__file__).parent / "data" / "latex"


def keys_of(tmp_path: Path, body: str) -> list[str]:
    doc = tmp_path / "doc.tex"
    doc.write_text(body, encoding="utf-8")
    return extract_citations(doc).keys


@pytest.mark.parametrize("command", sorted(CITE_COMMANDS))
def test_every_cite_command(tmp_path: Path, command: str) -> None:
    body = f"Text \\{command}{{alpha}} and \\{command}*{{beta, gamma}}.\n"
    assert keys_of(tmp_path, body) == ["alpha", "beta", "gamma"]


@pytest.mark.parametrize("command", sorted(MULTICITE_COMMANDS))
def test_every_multicite_command(tmp_path: Path, command: str) -> None:
    body = f"\\{command}(pre)(post)[see][1]{{k1}}[2]{{k2,k3}}{{k4}} and text [x].\n"
    assert keys_of(tmp_path, body) == ["k1", "k2", "k3", "k4"]


CASES = [
    ("cite", r"\cite{a}", ["a"]),
    ("several keys", r"\cite{a,b,c}", ["a", "b", "c"]),
    ("keys with spaces", r"\citep{ a , b,c }", ["a", "b", "c"]),
    ("keys across lines", "\\citep{a,\n    b}", ["a", "b"]),
    ("one optional", r"\citep[p.~3]{a}", ["a"]),
    ("two optionals", r"\citep[see][ch.~2]{a}", ["a"]),
    ("empty optionals", r"\parencite[][]{a}", ["a"]),
    ("bracket inside braces", r"\textcite[{[x]}][]{a}", ["a"]),
    ("space before arguments", "\\citet [see] {a}", ["a"]),
    ("starred natbib", r"\citet*{a} \citeauthor*{b}", ["a", "b"]),
    ("capitalised", r"\Citet{a} \Textcite{b} \Parencite{c} \Autocite{d}", ["a", "b", "c", "d"]),
    ("nocite", r"\nocite{a,b}", ["a", "b"]),
    ("duplicates keep first", r"\cite{b,a} \citep{a,c} \cite{b}", ["b", "a", "c"]),
    ("comment line", "% \\cite{x}\n\\cite{a}", ["a"]),
    ("trailing comment", r"\cite{a} % \cite{x}", ["a"]),
    ("escaped percent", r"50\% of \cite{a} % \cite{x}", ["a"]),
    ("cite before an escaped percent", r"\cite{a} gives 50\% more. \cite{b}", ["a", "b"]),
    ("table rows with linebreaks", "\\cite{a} \\\\\n\\cite{b} \\\\\n", ["a", "b"]),
    ("cite, linebreak, comment", "\\cite{a}\\\\% \\cite{x}\n\\cite{b,%\n c}", ["a", "b", "c"]),
    ("linebreak then comment", "a\\\\% \\cite{x}\n\\cite{a}", ["a"]),
    ("comment inside keys", "\\cite{a,% \\cite{x}\n b}", ["a", "b"]),
    ("verbatim", "\\begin{verbatim}\n\\cite{x}\n\\end{verbatim}\n\\cite{a}", ["a"]),
    ("verbatim star", "\\begin{verbatim*}\\cite{x}\\end{verbatim*}\\cite{a}", ["a"]),
    ("lstlisting", "\\begin{lstlisting}[language=TeX]\n\\cite{x}\\end{lstlisting}\\cite{a}", ["a"]),
    ("minted", "\\begin{minted}{latex}\n\\cite{x}\n\\end{minted}\n\\cite{a}", ["a"]),
    ("comment environment", "\\begin{comment}\n\\cite{x}\n\\end{comment}\n\\cite{a}", ["a"]),
    ("Verbatim (fancyvrb)", "\\begin{Verbatim}\n\\cite{x}\n\\end{Verbatim}\n\\cite{a}", ["a"]),
    ("verb", r"\verb|\cite{x}| \verb*+\cite{y}+ \cite{a}", ["a"]),
    ("after end document", "\\cite{a}\n\\end{document}\n\\cite{x}", ["a"]),
    ("macro parameter", r"\newcommand{\mycite}[1]{\citep{#1}} \mycite{x} \cite{a}", ["x", "a"]),
    ("not a cite command", r"\citestyle{x} \citename{y} \cite{a}", ["a"]),
    ("command without argument", r"\let\oldcite\cite \cite{a}", ["a"]),
    ("empty key", r"\cite{} \cite{a,}", ["a"]),
    ("keys with colon and dash", r"\autocite{doe:2020, smi-21_b}", ["doe:2020", "smi-21_b"]),
    ("utf-8 key (biber)", r"\textcite{müller2020}", ["müller2020"]),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_extraction_table(tmp_path: Path, body: str, expected: list[str]) -> None:
    assert keys_of(tmp_path, body) == expected


def test_lines_stay_right_after_escapes(tmp_path: Path) -> None:
    doc = tmp_path / "doc.tex"
    doc.write_text("We use \\cite{a} and get 50\\% better.\\\\\n\\cite{b}\n", encoding="utf-8")
    assert [(c.key, c.line) for c in extract_citations(doc).citations] == [("a", 1), ("b", 2)]


def test_lines_and_files_of_each_key(tmp_path: Path) -> None:
    (tmp_path / "ch").mkdir()
    (tmp_path / "main.tex").write_text(
        "\\documentclass{article}\n\\begin{document}\n\\cite{a}\n\\input{ch/one}\n\\cite{b,a}\n"
    )
    (tmp_path / "ch" / "one.tex").write_text("\n\n\\citep{c}\n")
    cited = extract_citations(tmp_path / "main.tex")
    assert cited.citations == (
        Citation("a", tmp_path / "main.tex", 3),
        Citation("c", tmp_path / "ch" / "one.tex", 3),
        Citation("b", tmp_path / "main.tex", 5),
    )


def test_nocite_star_means_everything(tmp_path: Path) -> None:
    doc = tmp_path / "doc.tex"
    doc.write_text("\\cite{a}\n\\nocite{*}\n")
    cited = extract_citations(doc)
    assert cited.keys == ["a"]
    assert cited.cite_all == Citation("*", doc, 2)


def test_includes_follow_document_order(tmp_path: Path) -> None:
    (tmp_path / "chapters").mkdir()
    (tmp_path / "sub").mkdir()
    (tmp_path / "main.tex").write_text(
        "\\cite{k0}\n\\input{intro}\n\\include{chapters/two}\n\\input{three.tex}\n"
        "\\subfile{sub/four}\n\\input five\n\\import{sub/}{six}\n\\cite{k7}\n"
    )
    (tmp_path / "intro.tex").write_text("\\cite{k1}")
    # a nested \input is relative to the main document's folder, as LaTeX resolves it
    (tmp_path / "chapters" / "two.tex").write_text("\\cite{k2}\\input{chapters/nested}")
    (tmp_path / "chapters" / "nested.tex").write_text("\\cite{k2b}")
    (tmp_path / "three.tex").write_text("\\cite{k3}")
    (tmp_path / "sub" / "four.tex").write_text(
        "\\documentclass[../main]{subfiles}\n\\begin{document}\\cite{k4}\\end{document}"
    )
    (tmp_path / "five.tex").write_text("\\cite{k5}")
    (tmp_path / "sub" / "six.tex").write_text("\\cite{k6}")
    cited = extract_citations(tmp_path / "main.tex")
    assert cited.keys == ["k0", "k1", "k2", "k2b", "k3", "k4", "k5", "k6", "k7"]
    assert len(cited.files) == 8


def test_include_in_a_macro_definition_is_not_followed(tmp_path: Path) -> None:
    doc = tmp_path / "doc.tex"
    doc.write_text("\\newcommand{\\chap}[1]{\\include{#1}}\\input{\\jobname.tmp}\\cite{a}")
    assert extract_citations(doc).keys == ["a"]


def test_include_without_extension_and_document_without_suffix(tmp_path: Path) -> None:
    (tmp_path / "paper.tex").write_text("\\include{part}")
    (tmp_path / "part.tex").write_text("\\cite{a}")
    assert extract_citations(tmp_path / "paper").keys == ["a"]


def test_input_of_a_not_yet_generated_bbl_is_skipped(tmp_path: Path) -> None:
    doc = tmp_path / "doc.tex"
    doc.write_text("\\cite{a}\n\\input{doc.bbl}\n")
    assert extract_citations(doc).keys == ["a"]


@pytest.mark.latex
def test_input_of_a_tex_distribution_file_is_skipped(tmp_path: Path) -> None:
    require_tool("kpsewhich")
    doc = tmp_path / "doc.tex"
    doc.write_text("\\input{glyphtounicode}\n\\cite{a}\n")
    assert extract_citations(doc).keys == ["a"]


@pytest.mark.parametrize(
    ("body", "resources", "biblatex"),
    [
        (r"\bibliography{refs}", ["refs.bib"], False),
        (r"\bibliography{a,b.bib}", ["a.bib", "b.bib"], False),
        ("\\usepackage[style=numeric]{biblatex}\n\\addbibresource{x.bib}", ["x.bib"], True),
        (r"\addbibresource[location=remote]{http://example.org/x.bib}", [], True),
        (r"\addbibresource[label=main]{y.bib}", ["y.bib"], True),
        (r"\usepackage{natbib}", [], False),
        (r"\bibliography{\jobname}", [], False),
    ],
    ids=["bibliography", "two", "addbibresource", "remote", "options", "none", "macro"],
)
def test_bib_resources(tmp_path: Path, body: str, resources: list[str], biblatex: bool) -> None:
    doc = tmp_path / "doc.tex"
    doc.write_text(body)
    cited = extract_citations(doc)
    assert cited.bib_resources == tuple(tmp_path / r for r in resources)
    assert cited.biblatex is biblatex


def test_mask_keeps_offsets() -> None:
    text = "a % b\n\\verb|x| \\begin{comment}\nyy\n\\end{comment}\n"
    masked = mask_tex(text)
    assert len(masked) == len(text)
    assert masked.count("\n") == text.count("\n")


# ----------------------------------------------------------------- fixtures from real LaTeX runs

NATBIB_KEYS = [
    "lecun2015deep",
    "goodfellow2016deep",
    "bishop2006pattern",
    "bengio2012practical",
    "he2015delving",
    "srivastava2014dropout",
    "ioffe2015batch",
    "sutskever2014sequence",
]
BIBLATEX_KEYS = [
    "lecun2015deep",
    "goodfellow2016deep",
    "bishop2006pattern",
    "bengio2012practical",
    "he2015delving",
    "ioffe2015batch",
    "srivastava2014dropout",
]


@pytest.mark.parametrize(
    ("doc", "expected", "files"),
    [
        ("natbib/main.aux", NATBIB_KEYS, 3),
        ("natbib/main.tex", NATBIB_KEYS, 3),
        ("biblatex/main.aux", BIBLATEX_KEYS, 2),
        ("biblatex/main.bcf", BIBLATEX_KEYS, 1),
        ("biblatex/main.tex", BIBLATEX_KEYS, 2),
    ],
    ids=["natbib-aux", "natbib-tex", "biblatex-aux", "biblatex-bcf", "biblatex-tex"],
)
def test_real_runs_agree_with_the_source(doc: str, expected: list[str], files: int) -> None:
    # the sources themselves (a fresh .aux beside a .tex would otherwise be the authority)
    cited = (
        citations_from_tex(LATEX / doc) if doc.endswith(".tex") else extract_citations(LATEX / doc)
    )
    assert cited.keys == expected
    assert len(cited.files) == files
    assert cited.cite_all is None


def test_aux_follows_chapter_aux_with_lines() -> None:
    cited = extract_citations(LATEX / "natbib" / "main.aux")
    intro = LATEX / "natbib" / "chapters" / "intro.aux"
    assert cited.citations[2] == Citation("bishop2006pattern", intro, 2)
    assert cited.bib_resources == (LATEX / "natbib" / "refs.bib",)
    assert not cited.biblatex


def test_bcf_names_its_datasource_and_lines() -> None:
    cited = extract_citations(LATEX / "biblatex" / "main.bcf")
    assert cited.biblatex
    assert cited.bib_resources == (LATEX / "biblatex" / "refs.bib",)
    assert cited.citations[0].line > 1


@pytest.mark.parametrize(
    "doc", ["nociteall/bibtex.aux", "nociteall/biblatex.aux", "nociteall/biblatex.bcf"]
)
def test_nocite_star_in_real_runs(doc: str) -> None:
    cited = extract_citations(LATEX / doc)
    assert cited.keys == ["lecun2015deep"]
    assert cited.cite_all is not None


# ----------------------------------------------------------------- bad input


def error_of(path: Path) -> CitationError:
    with pytest.raises(CitationError) as info:
        extract_citations(path)
    assert isinstance(info.value, DlbibError)
    return info.value


def test_missing_document(tmp_path: Path) -> None:
    err = error_of(tmp_path / "nope.tex")
    assert str(err) == f"{tmp_path / 'nope.tex'}: no such file"


def test_aborted_run_aux() -> None:
    err = error_of(LATEX / "aborted" / "main.aux")
    assert err.path == LATEX / "aborted" / "part2.aux"
    assert err.line == 3
    assert "did not finish" in str(err)


def test_aux_without_end_marker(tmp_path: Path) -> None:
    aux = tmp_path / "doc.aux"
    aux.write_text("\\relax \n\\citation{a}\n")
    assert "no \\@abspage@last" in str(error_of(aux))


def test_truncated_bcf(tmp_path: Path) -> None:
    text = (LATEX / "biblatex" / "main.bcf").read_text()
    bcf = tmp_path / "main.bcf"
    bcf.write_text(text[: len(text) // 2])
    err = error_of(bcf)
    assert err.line > 0
    assert "not a complete biblatex control file" in str(err)


BAD = [
    ("unclosed keys", "Text.\n\\cite{a,b\n\nNext paragraph.\n", 2, "never closed"),
    ("unclosed at end", "\\citep{a", 1, "never closed"),
    ("unclosed optional", "\n\\citep[see{a}\n", 2, "optional argument of \\citep is never closed"),
    ("space in key", "\n\n\\cite{a b}", 3, "'a b' contains whitespace"),
    ("brace in key", "\\cite{a{b}c}", 1, "contains '{' '}'"),
    ("hash in key", "\\cite{a#b}", 1, "contains '#'"),
    ("tilde in key", "\\cite{a~b}", 1, "contains '~'"),
    ("backslash in key", "\\cite{\\mykey}", 1, "contains '\\\\'"),
    ("quote in key", '\\cite{a"b}', 1, "contains '\"'"),
]


@pytest.mark.parametrize(("body", "line", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_cite_commands(tmp_path: Path, body: str, line: int, message: str) -> None:
    doc = tmp_path / "doc.tex"
    doc.write_text(body)
    err = error_of(doc)
    assert (err.path, err.line) == (doc, line)
    assert message in str(err)
    assert str(err).startswith(f"{doc}:{line}: ")


def test_bad_key_in_aux(tmp_path: Path) -> None:
    aux = tmp_path / "doc.aux"
    aux.write_text("\\relax \n\\citation{ok}\n\\citation{a%b}\n\\gdef \\@abspage@last{1}\n")
    err = error_of(aux)
    assert (err.path, err.line) == (aux, 3)


def test_missing_included_file(tmp_path: Path) -> None:
    doc = tmp_path / "main.tex"
    doc.write_text("\\cite{a}\n\\include{chapters/missing}\n")
    err = error_of(doc)
    assert (err.path, err.line) == (doc, 2)
    assert "\\include{chapters/missing}: no such file" in str(err)


def test_input_cycle(tmp_path: Path) -> None:
    (tmp_path / "main.tex").write_text("\\input{a}\n")
    (tmp_path / "a.tex").write_text("\\cite{x}\n\\input{b}\n")
    (tmp_path / "b.tex").write_text("\n\\input{a.tex}\n")
    err = error_of(tmp_path / "main.tex")
    assert (err.path, err.line) == (tmp_path / "b.tex", 2)
    assert "cycle: a.tex → b.tex → a.tex" in str(err)


def test_same_file_twice_is_not_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "main.tex").write_text("\\input{snippet}\\cite{b}\\input{snippet}")
    (tmp_path / "snippet.tex").write_text("\\cite{a}")
    assert extract_citations(tmp_path / "main.tex").keys == ["a", "b"]


def test_document_is_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "dir.tex"
    folder.mkdir()
    assert "is a folder" in str(error_of(folder))


def test_aux_key_with_white_space_is_an_error(tmp_path: Path) -> None:
    """What natbib writes for `\\citep{a , b}`; BibTeX would stop on it."""
    aux = tmp_path / "paper.aux"
    aux.write_text(
        "\\relax\n\\citation{bergstra2012random ,zaremba2014recurrent }\n"
        "\\gdef \\@abspage@last{1}\n",
        encoding="utf-8",
    )
    with pytest.raises(CitationError) as info:
        extract_citations(aux)
    assert info.value.line == 2
    assert "'bergstra2012random ' has white space, which BibTeX rejects" in str(info.value)
