"""Author lists as reading lists print them: ``Family, Given, Given Family, and Given Family``
(the first name inverted), ``Family, I., Family, I.``, ``Family, Given; Family, Given``, bare
family names (``He, Gkioxari, et al.``) and ``Given Family`` lists, with ``et al.`` in its
spellings (``et. al.``, ``at al.``, ``etal.``). Names come back in BibTeX form.
"""

from __future__ import annotations

import re
from typing import Final

from dlbib.readinglist.citation import NOT_PEOPLE, PARTICLES, bibtex_name

_ET_AL: Final = re.compile(r"[\s,]*\b(?:et\.?|at)\s*al\b\.?|[\s,]*\betal\b\.?", re.IGNORECASE)
HONORIFICS: Final = frozenset({"prof", "dr", "mr", "mrs", "ms", "sir", "professor"})
_INITIALS: Final = re.compile(r"^(?:[A-ZÀ-ÝŁŚŽ]\.?[\s-]?){1,4}$")
TITLE_WORDS: Final = frozenset(
    (  # noqa: SIM905
        "learning reinforcement deep neural network networks model models survey data language "
        "training inference programming live example examples tutorial introduction theory "
        "analysis "
        "machine vision image images recognition generation generative adversarial diffusion "
        "attention transformer transformers optimization gradient policy control robotics robot "
        "agents agent memory search planning representation representations graph graphs large "
        "scale efficient probabilistic bayesian stochastic convolutional recurrent sequence text "
        "speech video attack attacks security system systems design implementation approach method "
        "methods algorithm algorithms review study toward towards beyond double q-learning "
        "q-learning autoencoders classification detection segmentation prediction estimation "
        "reasoning knowledge "
    ).split()
)
"""Words of titles, not of names: ``Reinforcement Learning`` is not an author."""


def _clean(part: str) -> str:
    part = re.sub(r"\(@?[\w.-]+\)|[†‡*§¶\u0307]|\s+\d+$", "", part)
    words = [w for w in part.split() if w.lower().strip(".") not in HONORIFICS]
    return " ".join(words).strip(" .,;:'\"()")


def _is_name_word(word: str) -> bool:
    bare = re.sub(r"[-'’.]", "", word)
    if not bare or not bare.isalpha():
        return False
    return word[0].isupper() or word.lower() in PARTICLES


def is_name(part: str, max_words: int = 5) -> bool:
    """True for ``Yann LeCun``, ``J. Andrew Bagnell``, ``van Hasselt``, ``LeCun``."""
    words = re.sub(r"\.(?=[^\W\d_])", ". ", part).split()
    if not 1 <= len(words) <= max_words:
        return False
    if any(w.lower().strip(".") in NOT_PEOPLE or w.lower() in TITLE_WORDS for w in words):
        return False
    if not all(_is_name_word(w) for w in words):
        return False
    if any(len(w) >= 3 and w.isupper() for w in words):
        return False  # PILCO, ICML: acronyms, not names
    last = words[-1]
    return (len(words) == 1 and len(last.strip(".")) > 1) or len(last.strip(".")) != 1


def _is_given(part: str) -> bool:
    """A given-name part of an inverted name: initials, or one or two capitalised words."""
    if _INITIALS.match(part.replace(" ", "")) and part[:1].isupper():
        return True
    words = part.split()
    return 1 <= len(words) <= 2 and all(_is_name_word(w) and w[0].isupper() for w in words)


def column_names(cell: str) -> tuple[tuple[str, ...], bool]:
    """A table's author column: names when they parse, else each comma-separated part as
    printed (handles such as ``lcamtuf``; the column says they are authors)."""
    parsed = parse_names(cell)
    if parsed:
        return parsed
    parts = [_clean(p) for p in re.split(r"\s*,\s*|\s+and\s+|\s*&\s*", cell) if p.strip()]
    parts = [p for p in parts if p and len(p.split()) <= 5]
    return tuple("{" + p + "}" if " " in p else p for p in parts), False


def parse_names(segment: str) -> tuple[tuple[str, ...], bool] | None:
    """Names in BibTeX form and an et-al flag, or None when some part is not a person's name."""
    text = " ".join(segment.split()).strip(" .,;:")
    et_al = False
    m = _ET_AL.search(text)
    if m:
        et_al, text = True, (text[: m.start()] + text[m.end() :]).strip(" .,;:")
    if not text or len(text) > 400:
        return None
    if ";" in text:
        parts = [_clean(p) for p in text.split(";")]
        listed = [p if "," in p else bibtex_name(p) for p in parts if p]
        ok = all(is_name(n.replace(",", " ")) for n in listed)
        return (tuple(listed), et_al) if listed and ok else None
    text = re.sub(r",?\s+(?:and|&)\s+|\s*&\s*", ", ", text)
    parts = [_clean(p) for p in re.split(r"\s*,\s*", text)]
    parts = [p for p in parts if p]
    initials = [bool(_INITIALS.match(p.replace(" ", ""))) and p[:1].isupper() for p in parts]
    if not parts or not all(is_name(p) or ini for p, ini in zip(parts, initials, strict=True)):
        return None
    single = [len(p.split()) == 1 for p in parts]
    names: list[str] = []
    i = 0
    while i < len(parts):
        part, nxt = parts[i], parts[i + 1] if i + 1 < len(parts) else None
        pair = nxt is not None and single[i] and not initials[i] and _is_given(nxt)
        if pair and not initials[i + 1]:
            # "Bengio, Yoshua, Ian Goodfellow": only when a later name is written in full
            pair = i == 0 and (len(parts) == 2 or not all(single))
        if pair:
            assert nxt is not None
            given = nxt + "." if initials[i + 1] and not nxt.endswith(".") else nxt
            names.append(f"{part}, {given}")
            i += 2
            continue
        if initials[i]:
            return None  # a stray initial: the split went wrong
        names.append(bibtex_name(part))
        i += 1
    return tuple(names), et_al
