"""Suggest library keys for a citation key the library lacks (``sutskever2014seq`` →
``sutskever2014sequence``), by the key's spelling and by the author, year and title words it is
made of. Pure computation over :class:`~dlbib.model.Reference` values; no I/O.
"""

from __future__ import annotations

import difflib
import heapq
import re
from collections.abc import Iterable
from typing import Final

from dlbib.library.model import Reference
from dlbib.library.text import fold_ascii

_ACCENT_RE: Final = re.compile(r"\\[`'^\"~=.uvHckrbd]\s*\{?\s*([A-Za-z])\}?")
_MACRO_RE: Final = re.compile(r"\\[A-Za-z]+")
_WORD_RE: Final = re.compile(r"[a-z]+|[0-9]+")
THRESHOLD: Final = 0.6
"""A candidate needs this similarity, in spelling or in words, to be suggested."""


def words_of(text: str) -> list[str]:
    """Lower-case ASCII words and numbers of a raw BibTeX value (accent macros undone)."""
    if "\\" in text:
        text = _MACRO_RE.sub(" ", _ACCENT_RE.sub(r"\1", text))
    if not text.isascii():
        text = fold_ascii(text)
    return _WORD_RE.findall(text.lower())


class KeyIndex:
    """The library's keys with the words of each entry (title, author/editor names, year).

    Build it once and ask for many keys: a 10,000-entry library is indexed in about 0.1 s.
    """

    def __init__(self, references: Iterable[Reference]) -> None:
        self.entries: list[tuple[str, str, frozenset[str]]] = []
        for ref in references:
            fields = ref.fields  # raw values: braces and quotes are not words anyway
            names = fields.get("author") or fields.get("editor") or ""
            year = fields.get("year") or fields.get("date") or ""
            text = f"{fields.get('title', '')} {names} {year}"
            self.entries.append((ref.key, ref.key.lower(), frozenset(words_of(text))))

    def suggest(self, key: str, limit: int = 3) -> list[str]:
        """Up to ``limit`` library keys close to ``key``, best first.

        Score = mean of the keys' spelling similarity (difflib ratio) and the share of the key's
        words (``sutskever``, ``2014``, ``seq``) found in the entry, a prefix counting 0.8. A key
        that differs only in case comes first: biber matches keys case-sensitively.
        """
        folded = key.lower()
        tokens = words_of(folded)
        matcher = difflib.SequenceMatcher(None, "", folded, autojunk=False)
        bounds: list[tuple[float, float, str, str]] = []
        exact: list[str] = []
        for ref_key, lowered, words in self.entries:
            if lowered == folded:
                exact.append(ref_key)
                continue
            matcher.set_seq1(lowered)
            quick = matcher.quick_ratio()  # an upper bound of ratio(), much cheaper
            share = _word_share(tokens, words)
            if max(quick, share) >= THRESHOLD:
                bounds.append(((quick + share) / 2, share, ref_key, lowered))
        bounds.sort(key=lambda b: (-b[0], b[2]))
        best: list[tuple[float, float, str]] = []  # min-heap of the `limit` best (score, ratio)
        for bound, share, ref_key, lowered in bounds:
            if len(best) >= limit and bound < best[0][0]:
                break  # no later candidate can beat the current ones
            matcher.set_seq1(lowered)
            ratio = matcher.ratio()
            if max(ratio, share) < THRESHOLD:
                continue
            item = ((ratio + share) / 2, ratio, ref_key)
            if len(best) < limit:
                heapq.heappush(best, item)
            elif item[:2] > best[0][:2]:
                heapq.heapreplace(best, item)
        ranked = sorted(best, key=lambda s: (-s[0], -s[1], s[2]))
        return [*exact, *(k for _, _, k in ranked)][:limit]


def _word_share(tokens: list[str], words: frozenset[str]) -> float:
    if not tokens:
        return 0.0
    score = 0.0
    for token in tokens:
        if token in words:
            score += 1.0
        elif len(token) >= 3 and any(w.startswith(token) for w in words):
            score += 0.8
    return score / len(tokens)


def suggest_keys(key: str, references: Iterable[Reference], limit: int = 3) -> list[str]:
    """Library keys close to ``key``, best first (see :meth:`KeyIndex.suggest`)."""
    return KeyIndex(references).suggest(key, limit)
