"""The merge's shortcuts give exactly what the general path gives."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from dlbib.errors import LibraryError
from dlbib.library.bibfile import load_library
from dlbib.library.model import unbrace
from dlbib.library.text import normalize_title
from dlbib.sync.merge import _normalized, _same, _same_words

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


def _generated(count: int) -> list[str]:
    """Random braced values from letters of both cases, digits, spaces, punctuation and now and
    then a brace, backslash, escaped sign, accent or non-ASCII letter."""
    rng = random.Random(16)
    alphabet = "aAbBzZ09 -.,:!'" + "\t\n" + "{}\\\\$~%&#_`" + "\u00e9"
    words = ["Deep", "deep", "learning", "Learn-ing", "ab", "a", "b", "c", "2", "x9", "4.9\\%",
             "\\%", "\\&", "\\_x", "\\\\%", "\\'a", "\\c", "\\ss", "--"]  # fmt: skip
    values = []
    for _ in range(count):
        if rng.random() < 0.5:
            text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))
        else:
            seps = [" ", "  ", "-", ", ", "", ": "]
            text = "".join(rng.choice(words) + rng.choice(seps) for _ in range(rng.randrange(5)))
        values.append("{" + text + "}" if rng.random() < 0.9 else text)
    return values


def test_the_quick_no_for_plain_values_is_the_general_comparison() -> None:
    values = _values() + _generated(3000)
    rng = random.Random(7)
    normal: dict[str, str | None] = {}
    for raw in values:
        try:
            normal[raw] = _normalized(raw)
        except (IndexError, KeyError):
            normal[raw] = None  # pylatexenc's own failures: not compared
    comparable = [raw for raw in values if normal[raw] is not None]
    pairs = [(a, rng.choice(comparable)) for a in comparable for _ in range(3)]
    pairs += [(a, a.upper()) for a in comparable] + [(a, a.replace(" ", "")) for a in comparable]
    pairs += [(a, a.replace(" ", "-")) for a in comparable]
    hits = 0
    for a, b in pairs:
        if b not in normal:
            try:
                normal[b] = _normalized(b)
            except (IndexError, KeyError):
                normal[b] = None
        if normal[b] is None:
            continue
        same = normal[a] == normal[b]
        assert _same_words(a, b) is same, (a, b)
        hits += not same
    assert hits > 10_000
