"""File names for PDFs: the pattern, placeholders, and sanitising against hostile keys/titles."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest

from dlbib.config import DEFAULT_PDF_PATTERN
from dlbib.errors import ConfigError
from dlbib.library.model import Reference
from dlbib.pdfs.paths import (
    MAX_COMPONENT_BYTES,
    MAX_PATH_BYTES,
    check_pattern,
    clean_component,
    pdf_path,
    placeholder_values,
    short_title,
)

VASWANI = Reference(
    "vaswani2017attention",
    "misc",
    {
        "author": "{Vaswani, Ashish and Shazeer, Noam and Kaiser, Łukasz}",
        "title": "{Attention Is All You Need}",
        "year": "{2017}",
        "eprint": "{1706.03762}",
        "archiveprefix": "{arXiv}",
        "keywords": "{On Recurrent Neural Networks, Transformers}",
    },
)


ATTENTION = "Attention Is All You Need.pdf"


def ref(key: str = "k", **fields: str) -> Reference:
    return Reference(key, "article", {name: "{" + value + "}" for name, value in fields.items()})


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (DEFAULT_PDF_PATTERN, "2017/vaswani2017attention - Vaswani 2017 - " + ATTENTION),
        ("{section}/{key}.pdf", "On Recurrent Neural Networks/vaswani2017attention.pdf"),
        ("{section}/{year}/{authors} - {title}",
         "On Recurrent Neural Networks/2017/Vaswani et al. - " + ATTENTION),
        ("{arxiv}.pdf", "1706.03762.pdf"),
        ("{type}/{key:.8}.PDF", "misc/vaswani2.pdf"),
    ],
    ids=["default", "per-section", "section-year-authors", "arxiv-id", "format-spec"],
)  # fmt: skip
def test_patterns(pattern, expected):
    assert pdf_path(VASWANI, pattern) == PurePosixPath(expected)


def test_placeholders_with_missing_metadata():
    values = placeholder_values(Reference("anon", "misc", {}))
    assert values == {
        "key": "anon",
        "author": "Anonymous",
        "authors": "Anonymous",
        "year": "n.d.",
        "title": "Untitled",
        "section": "Unsorted",
        "arxiv": "",
        "type": "misc",
    }


def test_placeholders_decode_latex_and_particles():
    r = ref(
        author="van der Maaten, Laurens and Hinton, Geoffrey",
        title="Visualizing Data using {t-SNE}",
        year="2008",
    )
    values = placeholder_values(r)
    assert (values["author"], values["authors"]) == ("Maaten", "Maaten and Hinton")
    assert values["title"] == "Visualizing Data using t-SNE"
    assert placeholder_values(ref(author='M{\\"u}ller, J{\\"o}rg'))["author"] == "Müller"
    assert placeholder_values(ref(author="{ACME Corp}"))["author"] == "ACME Corp"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Dropout: A Simple Way to Prevent Neural Networks from Overfitting", "Dropout"),
        ("{CS231n}: Convolutional Neural Networks", "CS231n"),
        ("Batch Normalization", "Batch Normalization"),
        (
            "A very long title that goes on and on about deep networks and their many many parts",
            "A very long title that goes on and on about deep networks",
        ),
        ("x" * 100, "x" * 60),
    ],
    ids=["colon", "braced-colon", "plain", "long-cut-at-word", "long-one-word"],
)
def test_short_title(title, expected):
    assert short_title(title) == expected


@pytest.mark.parametrize(
    "pattern",
    ["/abs/{key}.pdf", "\\{key}.pdf", "C:/x/{key}.pdf", "../{key}.pdf", "a/../../{key}.pdf",
     "./{key}.pdf", "{nope}.pdf", "{key.__class__}.pdf", "{key[0]}.pdf", "{key", "{}.pdf"],
    ids=["absolute", "backslash-root", "drive", "dotdot", "inner-dotdot", "dot", "unknown",
         "attribute", "index", "unclosed", "positional"],
)  # fmt: skip
def test_bad_patterns_are_config_errors(pattern):
    with pytest.raises(ConfigError, match="PDF pattern"):
        check_pattern(pattern)


HOSTILE = [
    ("../../../etc/passwd", "x"),
    ("/etc/passwd", "x"),
    ("..", ".."),
    (".", "."),
    ("k", "../../../../../../tmp/evil"),
    ("k", "..\\..\\windows\\system32"),
    ("a\x00b\x1b[31m\n\r\t", "ti\x7ftle\x85"),
    ("CON", "NUL"),
    ("k", 'a<b>c:d"e|f?g*h{i}j'),
    ("k" * 300, "t" * 500),
    ("k", "é" * 400),
    ("~", "$HOME"),
    ("...", "... "),
    ("k", "/"),
]


@pytest.mark.parametrize("pattern", [DEFAULT_PDF_PATTERN, "{section}/{key}.pdf", "{title}.pdf"])
@pytest.mark.parametrize(("key", "title"), HOSTILE, ids=[repr(h)[:30] for h in HOSTILE])
def test_hostile_keys_and_titles_stay_inside(tmp_path, pattern, key, title):
    r = Reference(
        key,
        "misc",
        {"title": "{" + title + "}", "author": "{" + title + "}", "year": "{" + title + "}",
         "keywords": "{" + title + "}"},
    )  # fmt: skip
    rel = pdf_path(r, pattern)
    assert not rel.is_absolute()
    assert rel.suffix == ".pdf"
    for part in rel.parts:
        assert part not in ("", ".", "..")
        assert not part.startswith(".")
        assert not any(c in part for c in '<>:"\\|?*{}\x00\n\r\t\x1b\x7f')
        assert len(part.encode()) <= MAX_COMPONENT_BYTES
    assert len(str(rel).encode()) <= MAX_PATH_BYTES
    root = tmp_path / "papers"
    target = Path(os.path.normpath(root / rel))
    assert root in target.parents
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"%PDF-")  # the name is usable on this file system
    assert target.is_file()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("..", "_"), ("", "_"), ("  a  b  ", "a b"), ("aux.pdf", "_aux.pdf"), ("com1", "_com1"),
     (".hidden", "hidden"), ("x. . .", "x"), ("a/b\\c", "a_b_c")],
)  # fmt: skip
def test_clean_component(text, expected):
    assert clean_component(text) == expected


def test_clean_component_cuts_at_character_boundary():
    cut = clean_component("é" * 100, 51)
    assert cut == "é" * 25
