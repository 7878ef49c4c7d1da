"""The merge's shortcuts give exactly what the general path gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlbib.errors import LibraryError
from dlbib.library.bibfile import load_library
from dlbib.library.model import unbrace
from dlbib.library.text import normalize_title
from dlbib.sync.merge import _normalized, _same

DATA = Path(__file__).parent / "data"

TRICKY = [
    "{Deep Learning}", "{{ImageNet} Classification}", '"Quoted, Title"', "jun", "{}", "",
    "{caf\u00e9 na\u00efve}", "{Doll{\\'a}r}", "{4.9\\% error}", "{$\\ell_1$ norms}",
    "{A -- B}", "{``Quoted''}", "{Tie~here}", "{ \t spaced \n out }", "{Z\u00fcrich \u2013 1}",
    "{\u0141\u00f3d\u017a}", "{ALL CAPS, 2nd Ed.}", "{x}", "{a}#{b}", "{\\LaTeX{} Tricks}",
    "{Stra\u00dfe}", "{\u00c6sir}", "{\u2160 roman}", "{\ufb01ne ligature}", "{a\x00b}",
]  # fmt: skip


def _accented() -> list[str]:
    """Every accent macro form on letters, and escaped signs, in a little context."""
    values: list[str] = []
    for accent in "`'^\"~=.cvHukr":
        for letter in "aAeEiIoOuUcCnNsSzZyYgGrRlLkt":
            forms = [f"\\{accent}{{{letter}}}"]
            if accent in "`'^\"~=.":
                forms += [f"{{\\{accent}{letter}}}", f"\\{accent}{letter}"]
            values.extend(f"{{Doll{form}r, x{form}' ''{form}--}}" for form in forms)
            values.extend(f"{{{form}}}" for form in forms)
    values += ["{4.9\\% error}", "{a\\_b \\& c \\# d}", "{\\\\%}", "{\\%%}", "{\\'{a}'}",
               "{\\'a''}", "{{\\'a}--b}", "{\\i}", "{\\'\\i}", "{\\ss}", '"\\%"',
               "{\\$}"]  # fmt: skip
    return values


def _values() -> list[str]:
    values = list(TRICKY) + _accented()
    for bib in sorted(DATA.rglob("*.bib")):
        try:
            library = load_library(bib)
        except LibraryError:
            continue
        for ref in library.references:
            values.extend(ref.fields.values())
    return values


def test_the_plain_ascii_shortcut_is_the_general_normalisation() -> None:
    values = _values()
    assert len(values) > 1000
    for raw in values:
        try:
            expected = normalize_title(unbrace(raw))
        except (IndexError, KeyError) as exc:  # pylatexenc on some \href, \url: as before
            with pytest.raises(type(exc)):
                _normalized(raw)
            continue
        assert _normalized(raw) == expected, raw


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("{Deep Learning}", "{deep  learning}", True),
        ("{Deep Learning}", "{Deep-Learning!}", True),
        ("{Doll{\\'a}r, Piotr}", "{Doll\u00e1r, Piotr}", True),
        ("{Deep Learning}", "{Deep Learning 2}", False),
        ("{4.9\\% error}", "{4.9% error}", True),
    ],
)
def test_same_content_formatting_aside(a: str, b: str, same: bool) -> None:
    assert _same(a, b) is same
