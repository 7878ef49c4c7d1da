"""Exporters: golden files, round trips through independent parsers, LaTeX validators."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from dlbib.errors import ExportError
from dlbib.exports import EXPORTERS, export_references
from dlbib.library.bibfile import Library, load_library
from dlbib.library.model import Reference
from dlbib.library.names import Name, names_to_text
from dlbib.library.text import latex_to_text

from .conftest import DATA, require_tool
from .exportcheck import unexpected_biber_warnings

CASES = ("sample", "export_cases")
SUFFIX = {
    "ris": ".ris",
    "csljson": ".json",
    "bibtex": "-bibtex.bib",
    "biblatex": "-biblatex.bib",
    "zotero": ".rdf",
}
ROOT = Path("/library")  # goldens: library.bib in /library, exports in /library/exports
SKIPPED: dict[str, dict[str, str]] = {fmt: {} for fmt in SUFFIX}
"""Entries each format must leave out: none (every type goes everywhere; see test_all_types)."""


def _load(case: str) -> Library:
    return load_library(DATA / f"{case}.bib")


def _export(case: str, fmt: str, **kwargs: object) -> tuple[str, list[ExportError]]:
    library = _load(case)
    skipped: list[ExportError] = []
    text = export_references(
        library.references,
        fmt,
        strings=library.strings,
        base_dir=ROOT / "exports",
        library_root=ROOT,
        on_skip=skipped.append,
        **kwargs,  # type: ignore[arg-type]
    )
    return text, skipped


def _exported_refs(case: str, fmt: str) -> list[Reference]:
    skip = SKIPPED[fmt] if case == "export_cases" else {}
    return [r for r in _load(case).references if r.key not in skip]


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, fmt: str, golden: Callable[[str, str], None]) -> None:
    text, _ = _export(case, fmt)
    golden(f"export/{case}{SUFFIX[fmt]}", text)


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_every_awkward_entry_is_exported(fmt: str) -> None:
    _, skipped = _export("export_cases", fmt)
    assert skipped == []


def test_without_on_skip_the_first_problem_is_raised() -> None:
    ref = Reference("müller2020", "misc", {"title": "{T}"})
    with pytest.raises(ExportError, match=r"müller2020: the citation key is not ASCII"):
        export_references([ref], "bibtex")


def test_unknown_format_is_an_export_error() -> None:
    with pytest.raises(ExportError, match=r"unknown export format 'endnote'"):
        export_references([], "endnote")


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_output_is_deterministic(fmt: str) -> None:
    assert _export("export_cases", fmt)[0] == _export("export_cases", fmt)[0]


def test_undefined_string_macro_is_exported_empty_with_a_warning() -> None:
    """BibTeX warns about an undefined @string and reads it as empty: so does the export."""
    ref = Reference("x2020", "article", {"title": "{T}", "journal": 'nosuchmacro # " Letters"'})
    warnings: list[tuple[str, str]] = []
    text = export_references([ref], "csljson", on_warning=lambda k, m: warnings.append((k, m)))
    assert json.loads(text)[0]["container-title"] == "Letters"
    assert warnings == [("x2020", "journal: undefined @string 'nosuchmacro' read as empty")]


def test_a_trailing_comma_in_a_name_list_is_exported_with_a_warning() -> None:
    ref = Reference("y2020", "article", {"title": "{T}", "author": "{Smith, John, and Doe, Jane}"})
    warnings: list[str] = []
    text = export_references([ref], "ris", on_warning=lambda k, m: warnings.append(m))
    assert "AU  - Smith, John\r\n" in text
    assert "AU  - Doe, Jane\r\n" in text
    assert len(warnings) == 1


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("relative", "L1  - ../papers/2017/vaswani2017attention.pdf"),
        ("absolute", "L1  - /library/papers/2017/vaswani2017attention.pdf"),
        ("none", None),
    ],
    ids=["relative", "absolute", "none"],
)
def test_attachment_modes(mode: str, expected: str | None) -> None:
    text, _ = _export("sample", "ris", attachments=mode)
    lines = [line for line in text.split("\r\n") if line.startswith(("L1", "L4"))]
    assert lines == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("file_field", "expected"),
    [
        ("{:/srv/pdfs/x.pdf:PDF}", "L1  - /srv/pdfs/x.pdf"),
        ("{:https\\://example.org/x.pdf:PDF}", "L4  - https://example.org/x.pdf"),
        # biblatex-examples.bib (padhye): a bare URL, any scheme
        (
            "{ftp://gaia.cs.umass.edu/pub/Padhey99-markov.ps}",
            "L4  - ftp://gaia.cs.umass.edu/pub/Padhey99-markov.ps",
        ),
        ("{http://h.org/t?IDX=E1}", "L4  - http://h.org/t?IDX=E1"),
        # Mendeley Desktop on Windows: a drive letter is absolute, never ../C:/…
        ("{:C\\:/Users/me/Mendeley/A B.pdf:pdf}", "L1  - C:/Users/me/Mendeley/A B.pdf"),
        # Mendeley's LaTeX-escaped form (05michaelallen/mend.bib)
        (
            "{:C$\\backslash$:/Users/me/Dyce{\\_}2014{\\_}A b.pdf:pdf}",
            "L1  - C:/Users/me/Dyce_2014_A b.pdf",
        ),
    ],
    ids=[
        "absolute-in-library-stays-absolute",
        "url-is-a-link-not-a-file",
        "bare-ftp-url",
        "bare-http-url",
        "windows-drive",
        "mendeley-latex-escaped",
    ],
)
def test_attachment_paths_the_library_chose(file_field: str, expected: str) -> None:
    ref = Reference("k2020", "misc", {"title": "{T}", "year": "{2020}", "file": file_field})
    text = export_references([ref], "ris", base_dir=Path("/lib/exports"), library_root=Path("/lib"))
    assert [line for line in text.split("\r\n") if line.startswith(("L1", "L4"))] == [expected]


# --- RIS through rispy, field by field -------------------------------------------------------


def _plain(value: str | None) -> str:
    return latex_to_text(value) if value else ""


def _ris_name(name: Name) -> str:
    if name.literal:
        return name.literal
    return ", ".join(p for p in (name.family, name.given, name.suffix) if p)


@pytest.mark.parametrize("case", CASES)
def test_ris_round_trip_with_rispy(case: str, tmp_path: Path) -> None:
    rispy = pytest.importorskip("rispy")
    text, _ = _export(case, "ris")
    path = tmp_path / "library.ris"
    path.write_bytes(text.encode("utf-8"))
    assert not text.startswith("\ufeff")
    assert "\n" not in text.replace("\r\n", "")
    records = rispy.load(path, encoding="utf-8-sig")
    refs = _exported_refs(case, "ris")
    assert [r["id"] for r in records] == [r.key for r in refs]
    for record, ref in zip(records, refs, strict=True):
        title = ref.get("title")
        assert record.get("title") == _plain(title)
        authors = ref.get("author")
        expected = [_ris_name(n) for n in names_to_text(authors)] if authors else []
        assert record.get("authors", []) == expected
        assert record.get("year") == ref.year
        keywords = [k.strip() for k in (ref.get("keywords") or "").split(",") if k.strip()]
        assert record.get("keywords", []) == keywords
        if ref.arxiv_id:
            m2 = record.get("unknown_tag", {}).get("M2", [])  # rispy has no name for M2
            assert any(v.startswith(f"arXiv:{ref.arxiv_id.id}") for v in m2)
        if ref.pdf_path:
            assert record["file_attachments1"] == "../" + ref.pdf_path


# --- CSL-JSON against the schema, field by field ----------------------------------------------


def _csl_name(name: Name) -> dict[str, str]:
    if name.literal:
        return {"literal": name.literal}
    parts = (("family", name.family), ("given", name.given), ("suffix", name.suffix))
    return {k: v for k, v in parts if v}


@pytest.mark.parametrize("case", CASES)
def test_csl_json_is_schema_valid_and_faithful(case: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((DATA / "csl-data.json").read_text(encoding="utf-8"))
    text, _ = _export(case, "csljson")
    items = json.loads(text)
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(items)]
    assert errors == []
    refs = _exported_refs(case, "csljson")
    assert [i["id"] for i in items] == [r.key for r in refs]
    for item, ref in zip(items, refs, strict=True):
        assert item["citation-key"] == item["id"]
        assert item["title"] == _plain(ref.get("title"))
        names = names_to_text(ref.get("author") or "") if ref.get("author") else []
        expected = [_csl_name(n) for n in names]
        assert item.get("author", []) == expected
        year = ref.year
        assert (item["issued"]["date-parts"][0][0] if "issued" in item else None) == (
            int(year) if year else None
        )
        if ref.arxiv_id and item["type"] == "article":
            assert item["number"] == f"arXiv:{ref.arxiv_id.id}"
            assert item["publisher"] == "arXiv"


# --- both .bib flavours through bibtexparser ----------------------------------------------------


def _bibtexparser_names(value: str) -> list[tuple[str, str]]:
    from bibtexparser.middlewares.names import (
        parse_single_name_into_parts,
        split_multiple_persons_names,
    )

    out = []
    for person in split_multiple_persons_names(value):
        parts = parse_single_name_into_parts(person)
        family = latex_to_text(" ".join(parts.von + parts.last))
        out.append((family, latex_to_text(" ".join(parts.first))))
    return out


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex"])
@pytest.mark.parametrize("case", CASES)
def test_bib_round_trip_with_bibtexparser(case: str, fmt: str) -> None:
    from bibtexparser.entrypoint import parse_string

    text, _ = _export(case, fmt)
    if fmt == "bibtex":
        assert text.isascii()
    parsed = parse_string(text)
    assert parsed.failed_blocks == []
    refs = _exported_refs(case, fmt)
    assert [e.key for e in parsed.entries] == [r.key for r in refs]
    for entry, ref in zip(parsed.entries, refs, strict=True):
        fields = {f.key: f.value for f in entry.fields}
        title = _plain(ref.get("title"))
        assert latex_to_text(fields["title"]) == (_ascii(title) if fmt == "bibtex" else title)
        if ref.get("author"):
            assert _bibtexparser_names(fields["author"]) == _bibtexparser_names(
                ref.get("author") or ""
            )
        if ref.year:
            assert (fields.get("year") or fields["date"][:4]) == ref.year
        for name in ("url", "doi"):
            if ref.get(name):
                assert "\\_" not in fields[name]
        if ref.arxiv_id:
            assert fields["eprint"] == ref.arxiv_id.id
            prefix = fields.get("archivePrefix") or fields.get("eprinttype")
            assert (prefix or "").lower() == "arxiv"
            if fmt == "bibtex":  # natbib reads archivePrefix, Zotero only eprinttype: both
                assert fields["eprinttype"] == "arxiv"
                assert fields["archivePrefix"] == "arXiv"
            else:
                assert "archivePrefix" not in fields


def _ascii(text: str) -> str:
    """What the BibTeX flavour makes of characters with no LaTeX spelling: anyascii's ASCII."""
    from anyascii import anyascii

    from dlbib.library.text import UnencodableError, unicode_to_latex

    out = []
    for char in text:
        try:
            unicode_to_latex(char)
            out.append(char)
        except UnencodableError:
            out.append(anyascii(char))
    return "".join(out)


# --- pandoc reads all four ---------------------------------------------------------------------

PANDOC_READER = {"ris": "ris", "csljson": "csljson", "bibtex": "bibtex", "biblatex": "biblatex"}


@pytest.mark.parametrize("fmt", sorted(PANDOC_READER))
@pytest.mark.parametrize("case", CASES)
def test_pandoc_reads_the_export(case: str, fmt: str) -> None:
    pypandoc = pytest.importorskip("pypandoc")
    text, _ = _export(case, fmt)
    out = pypandoc.convert_text(text, "csljson", format=PANDOC_READER[fmt])
    items = json.loads(out)
    assert sorted(i["id"] for i in items) == sorted(r.key for r in _exported_refs(case, fmt))


# --- LaTeX tools: biber's data model and BibTeX with plainnat ----------------------------------


def _undated(case: str, fmt: str) -> set[str]:
    return {r.key for r in _exported_refs(case, fmt) if not r.year}


@pytest.mark.latex
@pytest.mark.parametrize("case", CASES)
def test_biblatex_flavour_passes_biber_validation(case: str, tmp_path: Path) -> None:
    biber = require_tool("biber")
    text, _ = _export(case, "biblatex")
    (tmp_path / "lib.bib").write_text(text, encoding="utf-8")
    result = subprocess.run(
        [biber, "--tool", "--validate-datamodel", "--output-file=out.bib", "lib.bib"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert unexpected_biber_warnings(result.stdout, _load(case).references) == []


@pytest.mark.latex
@pytest.mark.parametrize("case", CASES)
def test_bibtex_flavour_runs_through_plainnat(case: str, tmp_path: Path) -> None:
    bibtex = require_tool("bibtex", "plainnat.bst")
    text, _ = _export(case, "bibtex")
    (tmp_path / "lib.bib").write_text(text, encoding="ascii")
    (tmp_path / "t.aux").write_text(
        "\\relax\n\\citation{*}\n\\bibstyle{plainnat}\n\\bibdata{lib}\n", encoding="ascii"
    )
    result = subprocess.run(
        [bibtex, "t"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode in (0, 1), result.stdout  # 1 = warnings only
    warnings = re.findall(r"^Warning--(.*)$", result.stdout, re.MULTILINE)
    assert sorted(warnings) == sorted(f"empty year in {k}" for k in _undated(case, "bibtex"))
    bbl = (tmp_path / "t.bbl").read_text(encoding="ascii")
    assert bbl.count("\\bibitem") == len(_exported_refs(case, "bibtex"))


# --- the pieces: case protection, escaping, values, kinds --------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("ImageNet Classification", "{ImageNet} Classification"),
        ("Mask R-CNN and t-SNE", "Mask {R-CNN} and {t-SNE}"),
        ("CS231n: LSTMs on GPUs", "{CS231n}: {LSTMs} on {GPUs}"),
        ("Random Search for Hyper-Parameter Optimization",
         "Random Search for Hyper-Parameter Optimization"),
        ("Already {ImageNet} and $\\mathcal{O}(N)$ and \\LaTeX",
         "Already {ImageNet} and $\\mathcal{O}(N)$ and \\LaTeX"),
    ],
    ids=["camel", "hyphenated", "digits", "title-case-compound", "braces-math-macros"],
)  # fmt: skip
def test_protect_case(title: str, expected: str) -> None:
    from dlbib.exports.bibtex import protect_case

    assert protect_case(title) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("R&D 50% #1 my_var", "R\\&D 50\\% \\#1 my\\_var"),
        ("already \\& escaped \\_", "already \\& escaped \\_"),
        ("math $x_1$ stays", "math $x_1$ stays"),
    ],
    ids=["bare", "escaped", "math"],
)
def test_escape_specials(value: str, expected: str) -> None:
    from dlbib.exports.bibtex import escape_specials

    assert escape_specials(value) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("{Deep learning}", "Deep learning"),
        ('"quoted {B}"', "quoted {B}"),
        ("2015", "2015"),
        ("jmlr", "Journal of Machine Learning Research"),
        ('jmlr # ", " # {vol. 9}', "Journal of Machine Learning Research, vol. 9"),
        ("jun", "June"),
    ],
    ids=["braced", "quoted", "number", "macro", "concatenation", "month-macro"],
)
def test_resolve_value(raw: str, expected: str) -> None:
    from dlbib.exports._record import resolve_value

    strings = {"jmlr": "{Journal of Machine Learning Research}"}
    assert resolve_value(raw, strings) == expected


@pytest.mark.parametrize(
    ("entry_type", "fields", "kind"),
    [
        ("misc", {"eprint": "{1706.03762}", "archiveprefix": "{arXiv}"}, "preprint"),
        ("article", {"journal": "{arXiv preprint arXiv:1706.03762}"}, "preprint"),
        ("article", {"journal": "{CoRR}", "eprint": "{1706.03762}"}, "preprint"),
        ("article", {"journal": "{Nature}", "eprint": "{1706.03762}"}, "article"),
        ("inproceedings", {"booktitle": "{ICML}"}, "inproceedings"),
        ("inbook", {"booktitle": "{Tricks}"}, "chapter"),
        ("book", {}, "book"),
        ("misc", {"type": "{Blog post}"}, "blog"),
        ("online", {"type": "{Online course}"}, "webpage"),
        ("misc", {"type": "{Video lecture}"}, "video"),
        ("misc", {"type": "{GitHub repository}"}, "software"),
        ("misc", {"url": "{https://x.org}"}, "webpage"),
        ("misc", {}, "document"),
        ("phdthesis", {}, "thesis"),
        ("techreport", {}, "report"),
        ("unpublished", {}, "manuscript"),
        ("mvbook", {}, "book"),
        ("customa", {}, "document"),
    ],
    ids=["misc-eprint", "arxiv-journal", "corr", "published", "proceedings", "inbook", "book",
         "blog", "course", "video", "software", "web-misc", "bare-misc", "phdthesis",
         "techreport", "unpublished", "mvbook", "unknown"],
)  # fmt: skip
def test_kinds(entry_type: str, fields: dict[str, str], kind: str) -> None:
    from dlbib.exports._record import build_record

    record = build_record(Reference("k", entry_type, {"title": "{T}", **fields}), {})
    assert record.kind == kind


@pytest.mark.parametrize(
    ("fields", "issued", "accessed"),
    [
        ({"year": "{2017}", "month": "jun"}, [2017, 6], None),
        ({"year": "{2017}", "month": "{June}", "day": "{12}"}, [2017, 6, 12], None),
        ({"date": "{2015-05-28}"}, [2015, 5, 28], None),
        ({"year": "2020", "urldate": "{2024-05-01}"}, [2020], [2024, 5, 1]),
        ({}, None, None),
    ],
    ids=["month-macro", "month-name-day", "iso-date", "urldate", "no-date"],
)
def test_dates(
    fields: dict[str, str], issued: list[int] | None, accessed: list[int] | None
) -> None:
    from dlbib.exports._record import build_record

    record = build_record(Reference("k", "misc", {"title": "{T}", **fields}), {})
    assert (record.issued.parts() if record.issued else None) == issued
    assert (record.accessed.parts() if record.accessed else None) == accessed


@pytest.mark.parametrize("case", CASES)
def test_csl_json_layout_is_json_dumps_indent_2(case: str) -> None:
    text, _ = _export(case, "csljson")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


def test_require_tool_skips_locally_and_fails_in_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no biber here
    monkeypatch.delenv("DLBIB_REQUIRE_LATEX", raising=False)
    with pytest.raises(pytest.skip.Exception, match="biber not found on PATH"):
        require_tool("biber")
    monkeypatch.setenv("DLBIB_REQUIRE_LATEX", "1")
    with pytest.raises(pytest.fail.Exception, match="biber not found on PATH"):
        require_tool("biber")
    (tmp_path / "biber").write_text("#!/bin/sh\n", encoding="ascii")
    (tmp_path / "biber").chmod(0o755)
    assert require_tool("biber") == str(tmp_path / "biber")


def test_require_tool_needs_the_tex_files_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bibtex without plainnat.bst (a minimal TeX install) skips locally, fails in CI."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("DLBIB_REQUIRE_LATEX", raising=False)
    for name, script in [
        ("bibtex", ""),
        ("kpsewhich", 'for f; do [ "$f" = plain.bst ] && echo /t/$f; done'),
    ]:
        (tmp_path / name).write_text(f"#!/bin/sh\n{script}\n", encoding="ascii")
        (tmp_path / name).chmod(0o755)
    assert require_tool("bibtex", "plain.bst") == str(tmp_path / "bibtex")
    with pytest.raises(pytest.skip.Exception, match=r"TeX cannot find plainnat\.bst"):
        require_tool("bibtex", "plainnat.bst")
    monkeypatch.setenv("DLBIB_REQUIRE_LATEX", "1")
    with pytest.raises(pytest.fail.Exception, match=r"TeX cannot find plain\.bst, plainnat\.bst"):
        require_tool("bibtex", "plain.bst", "plainnat.bst")


@pytest.mark.parametrize(
    "authors",
    ["{}", "Plato", "{ACME Corp} and van der Maaten, Laurens and Smith, Jr., John"],
    ids=["empty-name", "mononym", "mixed"],
)
def test_csl_json_layout_of_names(authors: str) -> None:
    ref = Reference("k", "misc", {"title": "{T}", "author": "{" + authors + "}"})
    text = export_references([ref], "csljson")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


def test_bibtex_flavour_refuses_a_non_ascii_key() -> None:
    ref = Reference("müller2020", "misc", {"title": "{T}"})
    with pytest.raises(ExportError, match=r"müller2020: the citation key is not ASCII"):
        export_references([ref], "bibtex")
    assert "@misc{müller2020," in export_references([ref], "biblatex")


@pytest.mark.parametrize(
    ("library_path", "l1"),
    [
        ("papers/What is it? #1 100%.pdf", "../papers/What is it%3F %231 100%25.pdf"),
        ("papers/plain name.pdf", "../papers/plain name.pdf"),
    ],
    ids=["uri-characters", "plain"],
)
def test_ris_paths_climbing_out_are_uri_safe(library_path: str, l1: str) -> None:
    ref = Reference("k", "misc", {"title": "{T}", "file": "{:" + library_path + ":PDF}"})
    text = export_references([ref], "ris", base_dir=ROOT / "exports", library_root=ROOT)
    assert f"L1  - {l1}\r\n" in text
    bib = export_references([ref], "biblatex", base_dir=ROOT / "exports", library_root=ROOT)
    assert "= {:../" + library_path + ":PDF}\n" in bib


def test_and_others_stays_in_bib_but_not_in_plain_text_formats() -> None:
    ref = Reference("k", "misc", {"title": "{T}", "author": "{Hinton, Geoffrey and others}"})
    assert "AU  - others" not in export_references([ref], "ris")
    assert "AU  - Hinton, Geoffrey\r\n" in export_references([ref], "ris")
    assert json.loads(export_references([ref], "csljson"))[0]["author"] == [
        {"family": "Hinton", "given": "Geoffrey"}
    ]
    assert "{Hinton, Geoffrey and others}" in export_references([ref], "bibtex")


def test_translators_have_their_own_ris_tag_and_csl_variable() -> None:
    ref = Reference(
        "a1929", "book", {"title": "{P}", "year": "{1929}", "translator": "{Doe, Jane}"}
    )
    assert "A4  - Doe, Jane\r\n" in export_references([ref], "ris")
    (item,) = json.loads(export_references([ref], "csljson"))
    assert item["translator"] == [{"family": "Doe", "given": "Jane"}]
    assert "translator" not in item.get("note", "")
