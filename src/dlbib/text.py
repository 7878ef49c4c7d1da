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
