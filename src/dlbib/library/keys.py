"""Citation keys for new entries; an existing key is never changed by any dlbib command.

The rule (Google-Scholar style, familiar in deep learning)::

    <first author's family name> <year> <first significant title word>

all lower case ASCII letters and digits: ``ioffe2015batch``, ``he2015delving``. The family name
is folded to ASCII with particles dropped (``van der Maaten`` → ``maaten``, ``Łukasz Kaiser`` →
``kaiser``); a corporate author gives its first significant word; a missing part is left out.
When the key is taken (case-insensitively, as BibTeX compares keys) the newer entry gets ``a``,
``b``, … ``z``, ``aa``, … appended.
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Callable, Collection, Iterator
from typing import Final

from dlbib.library.model import Reference, split_names
from dlbib.library.text import fold_ascii, latex_to_text

STOP_WORDS: Final = frozenset(
    [
        "a",
        "an",
        "the",
        "on",
        "of",
        "in",
        "for",
        "to",
        "and",
        "with",
        "at",
        "by",
        "from",
        "into",
        "via",
        "is",
        "are",
        "how",
        "what",
        "why",
        "do",
        "does",
        "your",
        "our",
        "we",
        "you",
        "i",
    ]
)
"""Title words skipped when choosing the key's title word."""


def family_name(name: str) -> str:
    """The family name of a BibTeX name (``Family, Given``, ``Given Family`` or ``{Org}``).

    Particles (lower-case words such as ``van der``) are dropped; braces are kept off.
    """
    stripped = name.strip()
    if stripped.startswith("{") and stripped.endswith("}"):
        return latex_to_text(stripped)  # corporate author: the whole name
    if "," in _depth0(stripped):
        family = stripped[: _depth0(stripped).index(",")]
    else:
        words = _words(stripped)
        family = words[-1] if words else ""
        # "Ludwig van Beethoven": everything from the first lower-case particle on is the family
        for i, word in enumerate(words[:-1]):
            if i > 0 and word[:1].islower():
                family = " ".join(words[i:])
                break
    parts = _words(family)
    while len(parts) > 1 and parts[0][:1].islower():
        parts = parts[1:]
    return latex_to_text(" ".join(parts))


def _depth0(text: str) -> str:
    """``text`` with everything inside braces masked, so commas there are not seen."""
    if "{" not in text:
        return text
    out = []
    depth = 0
    for ch in text:
        if ch == "{":
            depth += 1
        out.append(ch if depth == 0 else "_")
        if ch == "}":
            depth -= 1
    return "".join(out)


def _words(text: str) -> list[str]:
    masked = _depth0(text)
    words, start = [], 0
    for m in re.finditer(r"\s+", masked):
        words.append(text[start : m.start()])
        start = m.end()
    words.append(text[start:])
    return [w for w in words if w]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold_ascii(text).lower())


def _title_word(title: str) -> str:
    return key_word(title)


def key_slug(text: str) -> str:
    """``text`` as key characters: ASCII lower-case letters and digits."""
    return _slug(text)


def key_word(title: str, skip: Callable[[str], bool] | None = None) -> str:
    """The first title word that is not a stop word (nor ``skip``-ped), as key characters."""
    for word in re.split(r"[\s\-/:]+", fold_ascii(latex_to_text(title)).lower()):
        slug = re.sub(r"[^a-z0-9]", "", word)
        if slug and slug not in STOP_WORDS and not (skip and skip(slug)):
            return slug
    return ""


def base_key(ref: Reference, skip: Callable[[str], bool] | None = None) -> str:
    """The key the rule gives ``ref``, before collision suffixes (``"ref"`` if nothing is known).

    :param skip: title words the caller's rule passes over (an import skips link labels).
    """
    names = split_names(ref.get("author") or ref.get("editor") or "")
    author = ""
    if names:
        family = family_name(names[0])
        words = [w for w in re.split(r"\s+", family) if _slug(w)]
        if names[0].strip().startswith("{"):  # organisation: first significant word
            words = [w for w in words if _slug(w) not in STOP_WORDS] or words
            author = _slug(words[0]) if words else ""
        else:
            author = _slug(family)
    key = author + (ref.year or "") + key_word(ref.title or "", skip)
    return key or "ref"


def _suffixes() -> Iterator[str]:
    for length in itertools.count(1):
        for letters in itertools.product(string.ascii_lowercase, repeat=length):
            yield "".join(letters)


def generate_key(ref: Reference, taken: Collection[str], base: str | None = None) -> str:
    """A new, unused key for ``ref`` by the rule; ``taken`` holds the keys already in use.

    :param taken: existing keys, compared case-insensitively.
    :param base: the key before suffixes, when the caller's rule differs (web items).
    """
    folded = {k.lower() for k in taken}
    base = base or base_key(ref)
    if base not in folded:
        return base
    return next(base + s for s in _suffixes() if base + s not in folded)
