"""LaTeX ↔ Unicode for the exporters (pylatexenc underneath)."""

from __future__ import annotations

import pytest

from dlbib.library.text import (
    UnencodableError,
    latex_letters_to_unicode,
    latex_to_text,
    unicode_to_latex,
)


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        ("Widgets with $\\ell_1$ Regularisation \\& {Other} Tricks",
         "Widgets with ℓ₁ Regularisation & Other Tricks"),
        ("$\\Sigma^{0}$ and $x^{ab}$", "Σ⁰ and x^ab"),
        ("data\\_science\\_polytechnique", "data_science_polytechnique"),
        ("Part {I}: Complexity --- Or Why", "Part I: Complexity — Or Why"),
        ("Doll{\\'a}r and Dollár", "Dollár and Dollár"),
        ("two\n  lines", "two lines"),
        ("the ``Deep Learning review'' --- 1--2", "the “Deep Learning review” — 1–2"),
        ("100% sure, 5\\% more {x}", "100% sure, 5% more x"),
        ("Typesetting in {\\LaTeX} and \\TeX{} with {\\BibTeX}",
         "Typesetting in LaTeX and TeX with BibTeX"),
        # biblatex-examples.bib: pylatexenc dropped these macros with their argument
        ("This is a \\texttt{patent} entry with a \\textsf{holder} \\mbox{field}",
         "This is a patent entry with a holder field"),
    ],
    ids=["math-subscript", "math-superscript", "escaped-underscore", "braces-dashes",
         "accents-both-ways", "whitespace", "ligatures-without-macros", "bare-percent",
         "tex-logos", "font-switches-keep-their-text"],
)  # fmt: skip
def test_latex_to_text(latex: str, text: str) -> None:
    assert latex_to_text(latex) == text


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("Kaiser, Łukasz", "Kaiser, {\\L}ukasz"),
        ("Dollár", "Doll{\\'a}r"),
        ("Straße – Weg — Ende", "Stra{\\ss}e -- Weg --- Ende"),
        ("already {\\'e} ascii $x_1$", "already {\\'e} ascii $x_1$"),
    ],
    ids=["letter", "accent", "dashes", "ascii-untouched"],
)
def test_unicode_to_latex(text: str, latex: str) -> None:
    assert unicode_to_latex(text) == latex


def test_unicode_to_latex_refuses_what_latex_cannot_spell() -> None:
    with pytest.raises(UnencodableError) as info:
        unicode_to_latex("深度学习")
    assert info.value.char == "深"
    assert "U+6DF1" in str(info.value)


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        ("Doll{\\'a}r", "Dollár"),
        ('M\\"{u}ller {\\L}ukasz \\ss{}', "Müller Łukasz ß"),
        ("{R-CNN} \\& $\\ell_1$ 50\\%", "{R-CNN} \\& $\\ell_1$ 50\\%"),
        ("{\\LaTeX} Ren{\\'e}", "{\\LaTeX} René"),
    ],
    ids=["accent", "letters", "other-latex-kept", "word-macro-kept"],
)
def test_latex_letters_to_unicode(latex: str, expected: str) -> None:
    assert latex_letters_to_unicode(latex) == expected
