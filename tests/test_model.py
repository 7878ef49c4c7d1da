"""ArxivId parsing, raw-value helpers, name splitting and file fields."""

from __future__ import annotations

import pytest

from dlbib.errors import DlbibError, InvalidArxivIdError
from dlbib.library.model import (
    ArxivId,
    FileRecord,
    Reference,
    format_file_field,
    is_valid_doi,
    normalize_doi,
    parse_file_field,
    split_names,
    unbrace,
)


@pytest.mark.parametrize(
    ("text", "ident", "version"),
    [
        ("1502.03167", "1502.03167", None),
        ("1502.03167v3", "1502.03167", 3),
        ("arXiv:1502.03167v3", "1502.03167", 3),
        ("arxiv: 1409.3215", "1409.3215", None),
        ("http://arxiv.org/pdf/1502.01852v1.pdf", "1502.01852", 1),
        ("https://arxiv.org/abs/1506.00019v4", "1506.00019", 4),
        ("https://export.arxiv.org/abs/1206.5533", "1206.5533", None),
        ("https://arxiv.org/abs/1706.03762?context=cs", "1706.03762", None),
        ("https://arxiv.org/pdf/1706.03762/", "1706.03762", None),
        ("10.48550/arXiv.1706.03762", "1706.03762", None),
        ("https://doi.org/10.48550/arXiv.1706.03762", "1706.03762", None),
        ("cs/0112017", "cs/0112017", None),
        ("quant-ph/0201082v1", "quant-ph/0201082", 1),
        ("math.GT/0309136", "math.GT/0309136", None),
        ("http://arxiv.org/abs/hep-th/9901001v2", "hep-th/9901001", 2),
        ("2301.12345", "2301.12345", None),
    ],
    ids=lambda v: str(v),
)
def test_arxiv_id_parses_every_form(text: str, ident: str, version: int | None) -> None:
    parsed = ArxivId.parse(text)
    assert (parsed.id, parsed.version) == (ident, version)


@pytest.mark.parametrize(
    "text",
    ["", "1502.0316", "1502.031677", "1513.03167", "0703.1234", "1412.12345", "hello", "12/3456"],
    ids=["empty", "short", "long", "month13", "pre-0704", "5digits-2014", "word", "junk"],
)
def test_arxiv_id_rejects_invalid(text: str) -> None:
    with pytest.raises(InvalidArxivIdError) as info:
        ArxivId.parse(text)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, DlbibError)
    assert info.value.value == text
    assert ArxivId.find(text) is None


def test_arxiv_id_derived_values() -> None:
    old = ArxivId.parse("math/0211159v2")
    assert old.doi == "10.48550/arXiv.math/0211159"
    assert old.versioned == "math/0211159v2"
    assert ArxivId("1502.03167").abs_url == "https://arxiv.org/abs/1502.03167"
    assert str(ArxivId("1502.03167").with_version(4)) == "1502.03167v4"


def test_reference_helpers_find_ids_and_content() -> None:
    ref = Reference(
        "k",
        "misc",
        {
            "title": "{Mask {R-CNN}}",
            "author": "{He, Kaiming and {ACME and Sons} and Doll{\\'a}r, Piotr}",
            "date": "{2017-03-20}",
            "note": '"Preprint arXiv:1703.06870v3, revised"',
            "doi": "{https://doi.org/10.1109/ICCV.2017.322}",
            "month": "mar",
        },
    )
    assert ref.title == "Mask {R-CNN}"
    assert ref.authors == ["He, Kaiming", "{ACME and Sons}", "Doll{\\'a}r, Piotr"]
    assert ref.year == "2017"
    assert ref.doi == "10.1109/ICCV.2017.322"
    assert ref.arxiv_id == ArxivId("1703.06870", 3)
    assert ref.get("month") == "mar"
    updated = ref.with_fields({"title": "New", "note": None})
    assert updated.get("title") == "New"
    assert "note" not in updated.fields
    assert ref.get("title") == "Mask {R-CNN}"  # the original is unchanged


def test_eprint_of_other_archive_is_not_arxiv() -> None:
    ref = Reference("k", "misc", {"eprint": "{12345}", "eprinttype": "{pubmed}"})
    assert ref.arxiv_id is None


def test_unbrace_keeps_bare_and_concatenated_values() -> None:
    assert unbrace("{a}") == "a"
    assert unbrace('"a {b}"') == "a {b}"
    assert unbrace("{a} # {b}") == "{a} # {b}"
    assert unbrace("jun") == "jun"


def test_split_names_respects_braces_and_case() -> None:
    assert split_names("A and B AND C") == ["A", "B", "C"]
    assert split_names("{Barnes and Noble} and Smith, J.") == ["{Barnes and Noble}", "Smith, J."]
    assert split_names("Alexander Andrews") == ["Alexander Andrews"]


def test_doi_helpers() -> None:
    assert normalize_doi(" doi:10.1038/nature14539 ") == "10.1038/nature14539"
    assert is_valid_doi("10.1038/nature14539")
    assert not is_valid_doi("https://doi.org/10.1038/nature14539")
    assert not is_valid_doi("10.10/x")


def test_file_field_round_trip_with_escapes() -> None:
    records = [
        FileRecord("", "papers/2015/a;b:c.pdf", "PDF"),
        FileRecord("Slides", "C:\\Users\\u\\x.pdf", "application/pdf"),
    ]
    text = format_file_field(records)
    assert (
        text == ":papers/2015/a\\;b\\:c.pdf:PDF;Slides:C\\:\\\\Users\\\\u\\\\x.pdf:application/pdf"
    )
    assert parse_file_field(text) == records
    assert parse_file_field("papers/x.pdf") == [FileRecord("", "papers/x.pdf", "")]
    assert parse_file_field("a:b;::") == []  # bad and empty records are skipped, as Zotero does
    ref = Reference("k", "misc", {"file": "{" + text + "}"})
    assert ref.pdf_path == "papers/2015/a;b:c.pdf"


@pytest.mark.parametrize(
    ("text", "records"),
    [
        ("http://h.org/t?IDX=E1", [FileRecord("", "http://h.org/t?IDX=E1", "")]),
        ("https://h.org:8080/x.pdf", [FileRecord("", "https://h.org:8080/x.pdf", "")]),
        (":C\\:/Users/me/A B.pdf:pdf", [FileRecord("", "C:/Users/me/A B.pdf", "pdf")]),
        (
            ":C$\\backslash$:/Users/me/Dyce{\\_}2014{\\_}A.pdf:pdf",
            [FileRecord("", "C:/Users/me/Dyce_2014_A.pdf", "pdf")],
        ),
    ],
    ids=["bare-url", "bare-url-with-port", "mendeley-windows", "mendeley-latex-escaped"],
)
def test_parse_file_field_real_forms(text: str, records: list[FileRecord]) -> None:
    """biblatex-examples' bare URLs and Mendeley Desktop's two Windows forms (05michaelallen)."""
    assert parse_file_field(text) == records
