"""`dlbib export` and the export step of `dlbib update`, through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from dlbib.cli import cli
from dlbib.exports import EXPORTERS, export_references
from dlbib.library.bibfile import load_library

from .conftest import DATA

FILES = sorted(e.filename for e in EXPORTERS.values())

CLEAN = """@article{lecun2015deep,
  author = {LeCun, Yann and Bengio, Yoshua and Hinton, Geoffrey},
  title = {Deep learning},
  journal = {Nature},
  volume = {521},
  pages = {436--444},
  year = {2015},
  doi = {10.1038/nature14539},
}
"""


@pytest.fixture
def cases_bib(tmp_path: Path) -> Path:
    target = tmp_path / "library.bib"
    target.write_bytes((DATA / "export_cases.bib").read_bytes())
    return target


def test_default_writes_the_five_exports_beside_the_library(
    sample_bib: Path, runner: CliRunner
) -> None:
    result = runner.invoke(cli, ["--library", str(sample_bib), "export"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    exports = sample_bib.parent / "exports"
    assert sorted(p.name for p in exports.iterdir()) == FILES
    assert result.stdout.splitlines() == [
        f"{exports / EXPORTERS[f].filename}: {f}"
        for f in ("bibtex", "biblatex", "csljson", "ris", "zotero")
    ]
    library = load_library(sample_bib)
    ris = export_references(
        library.references,
        "ris",
        strings=library.strings,
        base_dir=exports,
        library_root=sample_bib.parent,
    )
    assert (exports / "library.ris").read_bytes() == ris.encode("utf-8")
    assert "L1  - ../papers/2017/vaswani2017attention.pdf\r\n" in ris


def test_export_twice_gives_the_same_bytes(sample_bib: Path, runner: CliRunner) -> None:
    exports = sample_bib.parent / "exports"
    runner.invoke(cli, ["--library", str(sample_bib), "export"], catch_exceptions=False)
    first = {p.name: p.read_bytes() for p in exports.iterdir()}
    runner.invoke(cli, ["--library", str(sample_bib), "export"], catch_exceptions=False)
    assert {p.name: p.read_bytes() for p in exports.iterdir()} == first


def test_stdout_with_keys(sample_bib: Path, runner: CliRunner) -> None:
    result = runner.invoke(
        cli,
        ["--library", str(sample_bib), "export", "--format", "ris", "-o", "-", "he2017mask"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"TY  - CONF\r\nID  - he2017mask\r\n")
    assert result.stdout.count("TY  - ") == 1
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("mode", "line"),
    [
        ("relative", "L1  - ../library/papers/2017/vaswani2017attention.pdf"),
        ("none", None),
    ],
    ids=["relative", "none"],
)
def test_output_file_and_attachment_paths(
    sample_bib: Path, runner: CliRunner, tmp_path: Path, mode: str, line: str | None
) -> None:
    library = tmp_path / "library" / "library.bib"
    library.parent.mkdir()
    sample_bib.rename(library)
    out = tmp_path / "out" / "refs.ris"
    out.parent.mkdir()
    args = ["--library", str(library), "export", "--format", "ris", "-o", str(out)]
    result = runner.invoke(cli, [*args, "--attachments", mode], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout == f"{out}: ris\n"
    l1 = [x for x in out.read_bytes().decode().split("\r\n") if x.startswith("L1")]
    assert l1 == ([line] if line else [])


def test_unknown_format_is_a_usage_error(sample_bib: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--library", str(sample_bib), "export", "--format", "endnote"])
    assert result.exit_code == 2
    assert "Invalid value for '--format': 'endnote' is not one of" in result.stderr
    assert not (sample_bib.parent / "exports").exists()


def test_output_needs_a_single_format(sample_bib: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--library", str(sample_bib), "export", "-o", "x.ris"])
    assert result.exit_code == 2
    assert "Error: -o/--output needs a single --format" in result.stderr


def test_unknown_key(sample_bib: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--library", str(sample_bib), "export", "he2017mas"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no entry with key 'he2017mas' in the library (did you mean he2017mask?)\n"
    )
    assert not (sample_bib.parent / "exports").exists()


def test_unparsable_library_writes_nothing(tmp_path: Path, runner: CliRunner) -> None:
    library = tmp_path / "library.bib"
    library.write_text("@article{broken,\n  title = {Unclosed\n", encoding="utf-8")
    result = runner.invoke(cli, ["--library", str(library), "export"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {library}: 1 block failed to parse (line 1")
    assert not (tmp_path / "exports").exists()


def test_unwritable_exports_folder(sample_bib: Path, runner: CliRunner) -> None:
    (sample_bib.parent / "exports").write_text("a file, not a folder", encoding="utf-8")
    result = runner.invoke(cli, ["--library", str(sample_bib), "export", "--format", "ris"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {sample_bib.parent / 'exports' / 'library.ris'}: ")
    assert "cannot be written" in result.stderr


def test_failed_write_leaves_no_partial_file(sample_bib: Path, runner: CliRunner) -> None:
    target = sample_bib.parent / "taken"
    target.mkdir()  # a folder where the file should go: the final rename fails
    args = ["--library", str(sample_bib), "export", "--format", "csljson", "-o", str(target)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {target}: cannot be written")
    assert sorted(p.name for p in sample_bib.parent.iterdir()) == ["library.bib", "taken"]


def test_every_entry_is_exported_and_bibtex_warnings_are_shown(
    cases_bib: Path, runner: CliRunner
) -> None:
    result = runner.invoke(cli, ["--library", str(cases_bib), "export", "--format", "bibtex"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [
        "warning: zhang2021chinese: title: character U+6DF1 has no LaTeX spelling; "
        "written as anyascii's 'Shen'",
        "warning: zhang2021chinese: title: character U+5EA6 has no LaTeX spelling; "
        "written as anyascii's 'Du'",
        "warning: zhang2021chinese: title: character U+5B66 has no LaTeX spelling; "
        "written as anyascii's 'Xue'",
        "warning: zhang2021chinese: title: character U+4E60 has no LaTeX spelling; "
        "written as anyascii's 'Xi'",
    ]
    written = (cases_bib.parent / "exports" / "library-bibtex.bib").read_text(encoding="ascii")
    assert "@phdthesis{graves2008supervised," in written
    assert "title        = {{ShenDuXueXi} (Deep Learning)}" in written


def test_report_says_where_each_field_went(cases_bib: Path, runner: CliRunner) -> None:
    args = ["--library", str(cases_bib), "export", "--format", "ris", "--report", "ioffe2015batch"]
    result = runner.invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    line = result.stdout.splitlines()[0]
    assert line.startswith("ris ioffe2015batch: title → TI, author → AU, editor → A2,")
    assert "booktitle → C3" in line
    assert "pdfurl → L4" in line
    assert not (cases_bib.parent / "exports").exists()


@pytest.fixture
def offline(unused_port: int) -> dict[str, str]:
    """arXiv and PDF hosts on a closed local port: update's sync steps say so and carry on."""
    closed = f"http://127.0.0.1:{unused_port}"
    return {
        "DLBIB_ARXIV_API_URL": f"{closed}/api/query",
        "DLBIB_ARXIV_PDF_URL": f"{closed}/pdf",
        "DLBIB_ARXIV_DELAY": "0",
        "DLBIB_PDF_DELAY": "0",
    }


def test_update_checks_then_exports(
    tmp_path: Path, runner: CliRunner, offline: dict[str, str]
) -> None:
    library = tmp_path / "library.bib"
    library.write_text(CLEAN, encoding="utf-8")
    args = ["--library", str(library), "update"]
    result = runner.invoke(cli, args, env=offline, catch_exceptions=False)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[0] == "check: library is clean"
    assert result.stdout.splitlines()[-5:] == [
        f"{tmp_path / 'exports' / EXPORTERS[f].filename}: {f}"
        for f in ("bibtex", "biblatex", "csljson", "ris", "zotero")
    ]
    assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == FILES


def test_update_exports_even_when_check_finds_problems(
    tmp_path: Path, runner: CliRunner, offline: dict[str, str]
) -> None:
    library = tmp_path / "library.bib"
    library.write_text(
        CLEAN.replace("  year = {2015},", "  year = {2015},\n  file = {:papers/gone.pdf:PDF},"),
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["--library", str(library), "update"], env=offline)
    assert result.exit_code == 1
    assert "file 'papers/gone.pdf' does not exist" in result.stderr
    assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == FILES
    ris = (tmp_path / "exports" / "library.ris").read_bytes()
    assert b"L1  - ../papers/gone.pdf\r\n" in ris


@pytest.mark.parametrize("name", ["library.bib", "library.dlbib.json", "link.bib"])
def test_export_never_overwrites_the_library(tmp_path: Path, runner: CliRunner, name: str) -> None:
    library = tmp_path / "library.bib"
    library.write_text(CLEAN, encoding="utf-8")
    (tmp_path / "link.bib").symlink_to(library)
    before = library.read_bytes()
    target = tmp_path / name
    result = runner.invoke(
        cli, ["--library", str(library), "export", "--format", "bibtex", "-o", str(target)]
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {target}: refusing to overwrite the library or its sync state with an export\n"
    )
    assert library.read_bytes() == before


def test_a_field_over_ten_megabytes_exports_to_every_format(tmp_path: Path) -> None:
    """libxml2 refuses text nodes over 10 MB by default; the RDF export re-reads its own XML."""
    lib = tmp_path / "library.bib"
    lib.write_text(
        "@article{k, author={Quill, Ada}, title={" + "a" * 11_000_000 + "}, year={2020}}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--library", str(lib), "export", "--format", "all"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "exports" / "library.rdf").stat().st_size > 11_000_000
