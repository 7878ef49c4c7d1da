"""Splitting BibTeX names: particles, suffixes, organisations, accents either way."""

from __future__ import annotations

import pytest

from dlbib.library.names import (
    Name,
    NameSplitError,
    format_bibtex_name,
    format_ris_name,
    names_to_text,
    split_names,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("van der Maaten, Laurens", [Name("van der Maaten", "Laurens")]),
        ("Laurens van der Maaten", [Name("van der Maaten", "Laurens")]),
        ("Smith, Jr., John", [Name("Smith", "John", "Jr.")]),
        ("{ACME Corp}", [Name(literal="ACME Corp")]),
        ("{{Stanford University}}", [Name(literal="{Stanford University}")]),
        ("Doll{\\'a}r, Piotr", [Name("Doll{\\'a}r", "Piotr")]),
        ("{\\L}ukasz Kaiser", [Name("Kaiser", "{\\L}ukasz")]),
        ("{Barnes and Noble} and Hinton, Geoffrey E.", [
            Name(literal="Barnes and Noble"), Name("Hinton", "Geoffrey E."),
        ]),
        ("de  Freitas,\n  Nando", [Name("de Freitas", "Nando")]),
    ],
    ids=["von-last-first", "first-von-last", "suffix", "corporate", "double-braced",
         "accent-macro", "braced-letter", "and-inside-braces", "whitespace"],
)  # fmt: skip
def test_split_keeps_latex(value: str, expected: list[Name]) -> None:
    assert split_names(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('M{\\"u}ller, J{\\"o}rg', Name("Müller", "Jörg")),
        ("Müller, Jörg", Name("Müller", "Jörg")),
        ('M\\"{u}ller, J\\"org', Name("Müller", "Jörg")),
        ("Kaiser, {\\L}ukasz", Name("Kaiser", "Łukasz")),
        ("{ACME Corp}", Name(literal="ACME Corp")),
        ("van der Maaten, Laurens", Name("van der Maaten", "Laurens")),
    ],
    ids=["braced-macro", "unicode", "unbraced-macro", "letter-macro", "corporate", "particles"],
)
def test_decoded_names_are_the_same_whichever_way_accents_are_written(
    value: str, expected: Name
) -> None:
    assert names_to_text(value) == [expected]


def test_a_name_bibtex_cannot_split_raises() -> None:
    with pytest.raises(NameSplitError, match="cannot split the name"):
        split_names("Smith, John, Jr., Extra")


@pytest.mark.parametrize(
    ("name", "bibtex", "ris"),
    [
        (Name("van der Maaten", "Laurens"), "van der Maaten, Laurens", "van der Maaten, Laurens"),
        (Name("Smith", "John", "Jr."), "Smith, Jr., John", "Smith, John, Jr."),
        (Name(literal="ACME Corp"), "{ACME Corp}", "ACME Corp"),
        (Name("Plato"), "Plato", "Plato"),
    ],
    ids=["particles", "suffix", "corporate", "mononym"],
)
def test_formatting(name: Name, bibtex: str, ris: str) -> None:
    assert format_bibtex_name(name) == bibtex
    assert format_ris_name(name) == ris


def test_ris_organisation_name_has_no_comma() -> None:
    from dlbib.library.names import format_ris_name, split_name

    assert format_ris_name(split_name("{Google Brain, Inc.}")) == "Google Brain Inc."
    assert format_ris_name(split_name("Smith, Jr., John")) == "Smith, John, Jr."
