"""LaTeX ↔ plain text for BibTeX field values, through pylatexenc (not a hand-made table).

Used wherever dlbib needs what a field *says* rather than how it is written: keys, matching,
duplicate detection, RIS and CSL-JSON. Does not split names or know about entry types.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any, Final

# Letters that NFKD does not decompose into ASCII + combining marks.
_ASCII_FOLD: Final = str.maketrans(
    {
        "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe",
        "Œ": "OE", "đ": "d", "Đ": "D", "ð": "d", "þ": "th", "ı": "i", "–": "-", "—": "-",
    }
)  # fmt: skip


@functools.lru_cache(maxsize=4096)
def latex_to_text(value: str) -> str:
    """Plain Unicode for a LaTeX field value: accents decoded, braces and ``\\&`` resolved.

    Math is kept as pylatexenc renders it; whitespace is folded to single spaces.
    """
    if "\\" not in value and "{" not in value and "$" not in value and "~" not in value:
        return " ".join(value.split())
    if "$" in value:
        value = _math_scripts(value)
    text = _converter().latex_to_text(value)
    return unicodedata.normalize("NFC", " ".join(text.split()))


@functools.lru_cache(maxsize=1)
def _converter() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text", strict_latex_spaces=True)


def fold_ascii(text: str) -> str:
    """Unicode → closest ASCII (``Ł`` → ``L``, ``é`` → ``e``); other characters dropped."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_FOLD))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def normalize_title(value: str) -> str:
    """A title reduced for comparison: plain text, ASCII, lower case, words only."""
    text = fold_ascii(latex_to_text(value)).lower()
    return " ".join(re.findall(r"[a-z0-9]+", text))


# Unicode has super- and subscript forms for digits and a few signs; math like ``$\ell_1$`` or
# ``$\Sigma^{0}$`` then read as Zotero renders them (sub- and superscript digits), not ``_1``.
_SUBSCRIPTS: Final = dict(zip("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎", strict=True))
_SUPERSCRIPTS: Final = dict(zip("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ", strict=True))
_SCRIPT_RE: Final = re.compile(r"([_^])(?:\{([^{}]*)\}|([0-9n]))")
_MATH_RE: Final = re.compile(r"(?<!\\)\$([^$]*)\$")


def _scripts(match: re.Match[str]) -> str:
    table = _SUBSCRIPTS if match.group(1) == "_" else _SUPERSCRIPTS
    body = match.group(2) if match.group(2) is not None else match.group(3)
    if body and all(ch in table for ch in body):
        return "".join(table[ch] for ch in body)
    return match.group(0)


def _math_scripts(value: str) -> str:
    """Inside ``$…$``, turn ``_1``, ``^{2}`` into Unicode sub/superscripts where they exist."""
    return _MATH_RE.sub(lambda m: "$" + _SCRIPT_RE.sub(_scripts, m.group(1)) + "$", value)


class UnencodableError(ValueError):
    """A character has no LaTeX (ASCII) spelling; ``.char`` holds it."""

    def __init__(self, char: str) -> None:
        self.char = char
        super().__init__(f"character {char!r} (U+{ord(char):04X}) has no ASCII LaTeX spelling")


@functools.lru_cache(maxsize=1)
def _encoder() -> Any:
    from pylatexenc.latexencode import UnicodeToLatexEncoder

    return UnicodeToLatexEncoder(
        non_ascii_only=True,
        replacement_latex_protection="braces-all",
        unknown_char_policy=_refuse,
        unknown_char_warning=False,
    )


def _refuse(char: str) -> str:
    raise UnencodableError(char)


@functools.lru_cache(maxsize=8192)
def unicode_to_latex(value: str) -> str:
    """ASCII LaTeX for a LaTeX value that may hold Unicode: ``Łukasz`` → ``{\\L}ukasz``.

    Only non-ASCII characters are replaced (braced accent macros, as BibTeX 0.99d needs them);
    LaTeX already in ``value`` is kept as it is.

    :raises UnencodableError: for a character pylatexenc knows no LaTeX for (CJK, emoji, …).
    """
    if value.isascii():
        return value
    text = unicodedata.normalize("NFC", value).replace("\u2014", "---").replace("\u2013", "--")
    encoded: str = _encoder().unicode_to_latex(text)
    return encoded


@functools.lru_cache(maxsize=8192)
def latex_letters_to_unicode(value: str) -> str:
    """Replace LaTeX letter macros by Unicode, keep all other LaTeX: ``Doll{\\'a}r`` → ``Dollár``.

    For UTF-8 outputs (BibLaTeX) that should still protect case with braces, escape ``\\&`` and
    keep math. A macro counts as a letter when pylatexenc renders it as one Unicode letter.
    """
    if "\\" not in value:
        return unicodedata.normalize("NFC", value)
    from pylatexenc.latexwalker import LatexWalker

    nodes, _, _ = LatexWalker(value, tolerant_parsing=True).get_latex_nodes()
    return unicodedata.normalize("NFC", _letters(nodes or []))


def _letters(nodes: list[Any]) -> str:
    from pylatexenc.latexwalker import LatexGroupNode, LatexMacroNode

    out: list[str] = []
    for node in nodes:
        if isinstance(node, LatexMacroNode) and (letter := _letter(node)):
            out.append(letter)
        elif isinstance(node, LatexGroupNode):
            inner = node.nodelist or []
            if len(inner) == 1 and isinstance(inner[0], LatexMacroNode):
                letter = _letter(inner[0])
                if letter:  # {\"u} → ü: the braces only served the macro
                    out.append(letter)
                    continue
            opening, closing = node.delimiters
            out.append(opening + _letters(inner) + closing)
        else:
            out.append(node.latex_verbatim())
    return "".join(out)


def _letter(node: Any) -> str | None:
    text = unicodedata.normalize("NFC", _converter().nodelist_to_text([node]).strip())
    if len(text) == 1 and unicodedata.category(text).startswith("L"):
        return text
    return None
