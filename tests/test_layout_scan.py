"""The entry scanner's one-match shortcut finds exactly the spans its general steps find."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from dlbib.errors import LibraryError
from dlbib.library import layout
from dlbib.library.bibfile import load_library

PIECES = ["@misc{k,", " ", "\n", ",", "a", "=", "{", "}", '"', "#", "x = {v}", "y=2", "(", ")",
          "\t", "n = {a{b}c}", " # ", "%", "ab", "z = q #", "'", "\x0c",
          "m = jan # {x}"]  # fmt: skip


class _NoShortcut:
    def match(self, text: str, pos: int) -> None:
        return None


def _texts() -> list[str]:
    texts: list[str] = []
    for bib in sorted((Path(__file__).parent / "data").rglob("*.bib")):
        try:
            loaded = load_library(bib)
        except LibraryError:
            continue
        if loaded.layout is not None:
            texts.extend(s.text for s in loaded.layout.segments)
    rnd = random.Random(16)
    for _ in range(20_000):
        body = "".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 14)))
        texts.append(rnd.choice(["@misc{k,", "@misc(k,"]) + body + rnd.choice(["}", ")", ""]))
    return texts


def test_the_shortcut_changes_no_span(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _texts()
    fast = [layout.scan_entry(t) for t in texts]
    monkeypatch.setattr(layout, "_SIMPLE_FIELD_RE", _NoShortcut())
    slow = [layout.scan_entry(t) for t in texts]
    assert fast == slow
    assert sum(s is not None for s in slow) > 2000
