"""record_fields: arXiv records → library field content (golden), escaping and names."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from dlbib.library.model import ArxivId
from dlbib.sources.arxiv_record import (
    ArxivRecord,
    bibtex_name,
    latex_safe,
    raw_value,
    record_fields,
)


def test_six_recorded_papers_map_to_golden_fields(fake_arxiv, make_source, golden) -> None:
    from tests.test_arxiv_source import SIX, ids

    records = make_source().fetch(ids(*SIX)).records
    fields = {key: record_fields(records[key]) for key in SIX}
    golden("arxiv-fields.json", json.dumps(fields, indent=2, ensure_ascii=False) + "\n")


def record(**changes: object) -> ArxivRecord:
    base = ArxivRecord(
        arxiv_id=ArxivId("1502.01852", 2),
        title="Delving Deep into Rectifiers",
        authors=("Kaiming He", "Laurens van der Maaten"),
        abstract="We get 4.94%\n  top-5 error.",
        published=dt.date(2015, 2, 6),
        updated=dt.date(2015, 3, 1),
        primary_class="cs.CV",
        categories=("cs.CV", "cs.LG"),
    )
    from dataclasses import replace

    return replace(base, **changes)  # type: ignore[arg-type]


def test_fields_of_a_preprint() -> None:
    assert record_fields(record()) == {
        "author": "He, Kaiming and van der Maaten, Laurens",
        "title": "Delving Deep into Rectifiers",
        "year": "2015",
        "month": "feb",
        "eprint": "1502.01852",
        "archiveprefix": "arXiv",
        "primaryclass": "cs.CV",
        "url": "https://arxiv.org/abs/1502.01852",
        "abstract": r"We get 4.94\% top-5 error.",
        "arxivversion": "v2",
    }


def test_published_version_adds_doi_and_journal_ref() -> None:
    fields = record_fields(record(doi="10.1109/ICCV.2015.123", journal_ref="ICCV 2015 & more"))
    assert fields["doi"] == "10.1109/ICCV.2015.123"
    assert fields["journal-ref"] == r"ICCV 2015 \& more"
    assert "journal" not in fields
    assert "booktitle" not in fields


@pytest.mark.parametrize(
    ("text", "protect", "expected"),
    [
        ("Mask R-CNN", True, "Mask {R-CNN}"),
        ("ImageNet Classification with LSTMs", True, "{ImageNet} Classification with {LSTMs}"),
        ("Self-Attention Is All", True, "Self-Attention Is All"),
        ("A CS231n note", True, "A {CS231n} note"),
        ("50% of $\\ell_1$ & x_y #1", False, r"50\% of $\ell_1$ \& x\_y \#1"),
        ("costs ~ 5^2", False, r"costs {\textasciitilde} 5{\textasciicircum}2"),
        ("a lone $ sign", False, r"a lone \$ sign"),
        ("keep \\emph{this} and {BERT}", True, "keep \\emph{this} and {BERT}"),
        ("unbalanced } brace", False, r"unbalanced \} brace"),
        ("already \\& escaped", False, r"already \& escaped"),
        ("wrapped\n  over   lines", False, "wrapped over lines"),
    ],
    ids=["hyphen-acronym", "camel-and-caps", "title-case-hyphen", "digits", "specials",
         "tilde-caret", "lone-dollar", "commands-kept", "unbalanced", "pre-escaped", "unfold"],
)  # fmt: skip
def test_latex_safe(text: str, protect: bool, expected: str) -> None:
    assert latex_safe(text, protect_case=protect) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Sergey Ioffe", "Ioffe, Sergey"),
        ("Laurens van der Maaten", "van der Maaten, Laurens"),
        ("John Smith Jr.", "Smith, Jr., John"),
        ("Łukasz Kaiser", "Kaiser, Łukasz"),
        ("Quoc V. Le", "Le, Quoc V."),
        ("Yoshua  Bengio", "Bengio, Yoshua"),
        ("Plato", "Plato"),
        ("The ATLAS Collaboration", "{The ATLAS Collaboration}"),
    ],
    ids=["plain", "particle", "suffix", "unicode", "initial", "spaces", "mononym", "group"],
)
def test_bibtex_name(name: str, expected: str) -> None:
    assert bibtex_name(name) == expected


def test_raw_value_month_is_bare() -> None:
    assert raw_value("month", "jun") == "jun"
    assert raw_value("title", "jun") == "{jun}"


def test_case_protection_shortcut_changes_nothing() -> None:
    import itertools
    from pathlib import Path

    from dlbib.errors import LibraryError
    from dlbib.library.bibfile import load_library
    from dlbib.sources.arxiv_record import _SPECIAL, _WORD, _protect_word, latex_safe, unfold

    texts = ["Deep Learning", "ResNet and GANs", "BERT-base", "Layer 2 of 3D-CNNs", "iPhone",
             "x86 Kernels", "A5 paper", "abc-Def", "\u00dcber", "GPT-4o", "e2E"]  # fmt: skip
    for bib in sorted((Path(__file__).parent / "data").rglob("*.bib")):
        try:
            texts.extend(r.title or "" for r in load_library(bib).references)
        except LibraryError:  # a file of parse failures: no titles from it
            continue
    texts.extend("".join(p) for p in itertools.product("aB1- ", repeat=5))
    checked = 0
    for text in texts:
        folded = unfold(text)
        if not _SPECIAL.search(folded):  # the path with the shortcut
            assert latex_safe(text, protect_case=True) == _WORD.sub(_protect_word, folded), text
            checked += 1
    assert checked > 3000


def _arxiv_texts() -> list[str]:
    """Every title, abstract and author name of the recorded feeds in tests/data/arxiv."""
    import xml.etree.ElementTree as ET
    from pathlib import Path

    texts: list[str] = []
    for path in sorted((Path(__file__).parent / "data" / "arxiv").glob("*.xml")):
        for elem in ET.parse(path).iter():
            if elem.tag.rsplit("}", 1)[-1] in ("title", "summary", "name") and elem.text:
                texts.append(elem.text)
    return texts


def _generated_texts(count: int) -> list[str]:
    import random

    rng = random.Random(16)
    pieces = ["Deep", "net", "4.9", "%", "&", "#", "_", "~", "^", "$", "$x_1$", "\\emph{a}", "{",
              "}", "{GAN}", "\\%", "\\", " ", "  ", "\n", "ResNet50", "van", "der", "Jr.",
              "Collaboration", "ATLAS", "-", "x2", "A", "a"]  # fmt: skip
    return ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 9))) for _ in range(count)]


def test_the_signs_only_shortcut_is_the_general_escaping() -> None:
    from dlbib.sources.arxiv_record import _SPECIAL, _latex_safe_general, unfold

    texts = [t for t in _arxiv_texts() + _generated_texts(20_000) if _SPECIAL.search(unfold(t))]
    assert len(texts) > 5000
    for text in texts:
        for protect_case in (False, True):
            expected = _latex_safe_general(unfold(text), protect_case)
            assert latex_safe(text, protect_case=protect_case) == expected, text


def test_the_two_word_name_shortcut_is_the_general_rule() -> None:
    from dlbib.sources.arxiv_record import _bibtex_name_general, unfold

    names = _arxiv_texts() + _generated_texts(20_000)
    assert sum(len(unfold(n).split(" ")) == 2 for n in names) > 1000
    for name in names:
        assert bibtex_name(name) == _bibtex_name_general(unfold(name).split(" ")), name


def test_record_raw_fields_are_raw_value_of_each_record_field() -> None:
    from dlbib.sources.arxiv_record import raw_value, record_fields, record_raw_fields

    records = [
        record(),
        *[record(arxiv_id=ArxivId(f"cs/0112{n:03d}", None)) for n in range(2)],
        record(
            doi="10.1/x",
            journal_ref="J. 100% Good & Fast (2020)",
            arxiv_id=ArxivId("1502.01852", None),
        ),
        record(title="", abstract="", authors=()),
    ]
    for each in records:
        expected = {name: raw_value(name, value) for name, value in record_fields(each).items()}
        assert record_raw_fields(each) == expected
        assert list(record_raw_fields(each)) == list(expected)  # the same order
