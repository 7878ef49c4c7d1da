"""accept_match: title similarity AND author overlap AND year window, or no match."""

from __future__ import annotations

import datetime as dt

import pytest

from dlbib.library.model import ArxivId
from dlbib.sources.arxiv_record import ArxivRecord
from dlbib.sources.match import accept_match, author_overlap, family_name, title_similarity


def cand(ident: str, title: str, authors: tuple[str, ...], year: int) -> ArxivRecord:
    return ArxivRecord(
        ArxivId(ident, 1), title, authors, "", dt.date(year, 5, 1), dt.date(year, 5, 1), "cs.LG"
    )


SEQ2SEQ = cand("1409.3215", "Sequence to Sequence Learning with Neural Networks",
               ("Ilya Sutskever", "Oriol Vinyals", "Quoc V. Le"), 2014)  # fmt: skip
UNRELATED_DL = cand("2412.99001", "Deep Learning", ("Jane Q. Synthetic", "Ola Fabricated"), 2024)
NATURE = ("Deep learning", ["LeCun, Yann", "Bengio, Yoshua", "Hinton, Geoffrey"], 2015)


def test_nature_deep_learning_review_does_not_match_an_unrelated_paper() -> None:
    result = accept_match(*NATURE, [UNRELATED_DL])
    assert result.record is None
    assert result.candidates == (UNRELATED_DL,)
    assert "authors differ" in result.reason


def test_same_title_and_authors_but_far_year_is_rejected() -> None:
    old = cand("1206.0001", "Deep Learning", ("Yann LeCun", "Yoshua Bengio"), 2012)
    result = accept_match(*NATURE, [old])
    assert result.record is None
    assert "year 2012 is far from 2015" in result.reason


def test_genuine_match_is_accepted_among_noise() -> None:
    result = accept_match(
        "Sequence to sequence learning with neural networks",
        "Sutskever, Ilya and Vinyals, Oriol and Le, Quoc V",
        "2014",
        [UNRELATED_DL, SEQ2SEQ],
    )
    assert result.record is SEQ2SEQ
    assert "agree" in result.reason


@pytest.mark.parametrize(
    ("title", "authors", "year", "why"),
    [
        (None, ["Sutskever, Ilya"], 2014, "lacks"),
        ("Sequence to Sequence Learning with Neural Networks", [], 2014, "lacks"),
        ("Sequence to Sequence Learning with Neural Networks", ["Sutskever, Ilya"], None, "lacks"),
        ("Sequence Learning", ["Sutskever, Ilya"], 2014, "title differs"),
        ("Sequence to Sequence Learning with Neural Networks",
         ["Bengio, Yoshua", "Sutskever, Ilya"], 2014, "authors differ"),
    ],
    ids=["no-title", "no-authors", "no-year", "other-title", "first-author-differs"],
)  # fmt: skip
def test_rejections(title, authors, year, why) -> None:
    result = accept_match(title, authors, year, [SEQ2SEQ])
    assert result.record is None
    assert why in result.reason


def test_no_candidates() -> None:
    assert accept_match(*NATURE, []).reason == "arXiv has no paper with this title"


def test_two_passing_candidates_are_ambiguous() -> None:
    twin = cand("1409.9999", SEQ2SEQ.title, SEQ2SEQ.authors, 2014)
    result = accept_match(SEQ2SEQ.title, ["Sutskever, Ilya"], 2014, [SEQ2SEQ, twin])
    assert result.record is None
    assert "several arXiv papers match" in result.reason


def test_helpers() -> None:
    assert family_name("van der Maaten, Laurens") == "van der maaten"
    assert family_name("Łukasz Kaiser") == "kaiser"
    assert family_name("Doll{\\'a}r, Piotr") == "dollar"
    assert title_similarity("{Mask R-CNN}", "Mask R-CNN") == 1.0
    assert title_similarity("", "x") == 0.0
    assert author_overlap(["Maaten, L."], ["Laurens van der Maaten"])
    assert not author_overlap([], ["A B"])
