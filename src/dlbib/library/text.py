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


def _is_plain(value: str) -> bool:
    """No macros, groups, math, ties, quote or dash ligatures: nothing LaTeX would change.

    Plain ``in`` tests: much faster than one regex over long abstracts. A two-character
    ligature is looked for only when its first character is there: one character is found
    with ``memchr``, ten times faster than a two-character search (0.05 against 0.5 µs in
    a 550-character abstract).
    """
    if "\\" in value or "{" in value or "}" in value or "$" in value or "~" in value:
        return False
    if "`" in value and ("``" in value or "!`" in value or "?`" in value):
        return False
    return not ("'" in value and "''" in value) and not ("-" in value and "--" in value)


_COMBINING: Final = {
    "`": "\u0300", "'": "\u0301", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "c": "\u0327", "v": "\u030c", "H": "\u030b", "u": "\u0306", "k": "\u0328",
    "r": "\u030a",
}  # fmt: skip
_ACCENT_RE: Final = re.compile(
    r"\{\\([`'^\"~=.])([A-Za-z])\}"  # {\'a}
    r"|\\([`'^\"~=.]|[cvHukr](?=\{))\{([A-Za-z])\}"  # \'{a}  \c{c}
    r"|\\([`'^\"~=.])([A-Za-z])"  # \'a
)


_ESCAPED_SIGNS: Final = "%&#_"


def _accent(match: re.Match[str]) -> str:
    accent = match.group(1) or match.group(3) or match.group(5)
    letter = match.group(2) or match.group(4) or match.group(6)
    return letter + _COMBINING[accent]


def _simple_accents(value: str) -> str | None:
    """:func:`latex_to_text` of a value whose only LaTeX is accents on letters (``Doll{\\'a}r``),
    escaped signs (``\\%``) and brace groups, without the parser: pylatexenc costs about a
    millisecond a value, and most author lists and abstracts hold nothing else. None when
    anything else is in the value."""
    text = value
    if "\\" in text:
        text = _ACCENT_RE.sub(_accent, text)
        for escaped in _ESCAPED_SIGNS:  # \% \& \# \_ are the signs themselves
            text = text.replace("\\" + escaped, escaped)
    text = text.replace("{", "").replace("}", "")
    if not _is_plain(text):
        return None
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _is_folded(value: str) -> bool:
    """True when ``" ".join(value.split())`` would not change ``value``."""
    return (
        value.isprintable()
        and "  " not in value
        and (not value or (not value[0].isspace() and not value[-1].isspace()))
    )


@functools.lru_cache(maxsize=4096)
def latex_to_text(value: str) -> str:
    """Plain Unicode for a LaTeX field value: accents decoded, braces and ``\\&`` resolved.

    Math is kept as pylatexenc renders it; whitespace is folded to single spaces.
    """
    if _is_plain(value):  # nothing LaTeX would change: skip the parser
        return value if _is_folded(value) else " ".join(value.split())
    simple = _simple_accents(value)
    if simple is not None:
        return simple
    if "$" in value:
        value = _math_scripts(value)
    if "%" in value:  # a bare % in a field means a percent sign, not a LaTeX comment
        value = re.sub(r"(?<!\\)%", r"\\%", value)
    try:
        text = _converter().latex_to_text(value, latex_context=_walker_context())
    except (IndexError, KeyError, AttributeError, TypeError, ValueError, RecursionError):
        # pylatexenc's own text for some macros fails on their arguments (\footnote[1],
        # \sqrt, \textcolor, \author, \input without one...): read the value plainly
        text = _plain_reading(value)
    return unicodedata.normalize("NFC", " ".join(text.split()))


_MACRO: Final = re.compile(r"\\([A-Za-z@]+)\*?|\\(.)")


def _plain_reading(value: str) -> str:
    """A value read without pylatexenc: escaped signs kept, macro names and braces dropped
    (their arguments stay, as words)."""
    return _MACRO.sub(lambda m: "" if m.group(1) else m.group(2), value).replace(
        "{", "").replace("}", "").replace("~", " ")  # fmt: skip


@functools.lru_cache(maxsize=1)
def _converter() -> Any:
    from pylatexenc.latex2text import (
        LatexNodes2Text,
        MacroTextSpec,
        get_default_latex_context_db,
    )

    # pylatexenc drops the TeX logos; titles such as "Typesetting with \LaTeX" need them.
    logos = {"LaTeX": "LaTeX", "TeX": "TeX", "LaTeXe": "LaTeX2e", "BibTeX": "BibTeX"}
    # pylatexenc has no text for these font/box switches and drops them *with* their argument:
    # "a \texttt{patent} entry" lost its word (biblatex-examples.bib's annotations, code names).
    switches = ("texttt", "textsf", "textup", "textmd", "textnormal", "mbox", "hbox")
    # \href{url}{text} is its text; pylatexenc's own spec fails on every \href (IndexError)
    context = get_default_latex_context_db()
    context.add_context_category(
        "dlbib-logos",
        macros=[
            *(MacroTextSpec(m, t) for m, t in logos.items()),
            *(MacroTextSpec(m, "%(1)s") for m in switches),
            MacroTextSpec("href", simplify_repl=_href_text),
        ],
        prepend=True,
    )
    return LatexNodes2Text(latex_context=context, math_mode="text", strict_latex_spaces=True)


@functools.lru_cache(maxsize=1)
def _walker_context() -> Any:
    """pylatexenc's parsing context, with ``\\href``'s two arguments (it knows none, so its
    text for ``\\href`` failed on every one)."""
    from pylatexenc.latexwalker import get_default_latex_context_db
    from pylatexenc.macrospec import MacroSpec

    context = get_default_latex_context_db()
    context.add_context_category("dlbib-links", macros=[MacroSpec("href", "{{")], prepend=True)
    return context


def _href_text(node: Any, l2tobj: Any) -> str:
    """``\\href{url}{text}``: the text (the URL when there is no text). pylatexenc passes its
    converter by this argument's name."""
    args = [a for a in (getattr(node.nodeargd, "argnlist", None) or []) if a is not None]
    return str(l2tobj.nodelist_to_text([args[-1]])) if args else ""


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


def unicode_to_latex(value: str) -> str:
    """ASCII LaTeX for a LaTeX value that may hold Unicode: ``Łukasz`` → ``{\\L}ukasz``.

    Only non-ASCII characters are replaced, each by pylatexenc's braced macro (as BibTeX 0.99d
    needs them); ``–``/``—`` become ``--``/``---``. LaTeX already in ``value`` is kept.

    :raises UnencodableError: for a character pylatexenc knows no LaTeX for (CJK, emoji, …).
    """
    if value.isascii():
        return value
    text = unicodedata.normalize("NFC", value)
    return "".join(ch if ch.isascii() else _char_to_latex(ch) for ch in text)


@functools.lru_cache(maxsize=4096)
def _char_to_latex(char: str) -> str:
    dashes = {"\u2013": "--", "\u2014": "---"}
    if char in dashes:
        return dashes[char]
    encoded: str = _encoder().unicode_to_latex(char)
    return encoded


# A letter macro in any of its spellings: {\'a}  {\L}  \'{a}  \'a  \"{u}  \L  \ss{}  \i
_LETTER_MACRO: Final = re.compile(
    r"\{\\[^{}\\]*\}"
    r"|\\[`'^\"~=.uvHckbdrt]\s*(?:\{[^{}]*\}|[A-Za-z])"
    r"|\\[A-Za-z]+(?:\{\}|\s+)?"
)
_MATH_SPLIT: Final = re.compile(r"((?<!\\)\$[^$]*\$)")


def latex_letters_to_unicode(value: str) -> str:
    """Replace LaTeX letter macros by Unicode, keep all other LaTeX: ``Doll{\\'a}r`` → ``Dollár``.

    For UTF-8 outputs (BibLaTeX) that should still protect case with braces, escape ``\\&`` and
    keep math (``$…$`` is left untouched). A macro counts as a letter when pylatexenc renders it
    as one Unicode letter, so ``\\LaTeX`` or ``\\&`` stay as they are.
    """
    if "\\" not in value:
        return unicodedata.normalize("NFC", value)
    parts = _MATH_SPLIT.split(value)
    for i in range(0, len(parts), 2):  # even parts are text, odd parts are math
        parts[i] = _LETTER_MACRO.sub(lambda m: _letter(m.group(0)), parts[i])
    return unicodedata.normalize("NFC", "".join(parts))


@functools.lru_cache(maxsize=4096)
def _letter(snippet: str) -> str:
    """The Unicode letter a macro snippet stands for, or the snippet itself."""
    text = unicodedata.normalize("NFC", _converter().latex_to_text(snippet).strip())
    if len(text) == 1 and unicodedata.category(text).startswith("L"):
        return text
    return snippet
