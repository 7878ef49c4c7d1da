"""A changed entry whose text is canonical is rendered canonically only where the field-by-field
edit would give exactly that text (render._edits_canonically): both ways compared on every entry
of the real libraries in tests/data, made canonical, under random edits, LF and CR LF."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from dlbib.library import render
from dlbib.library.bibfile import load_library
from dlbib.library.model import Reference
from dlbib.library.parse import parse_library

from .conftest import DATA, real_libraries

NEW_FIELDS = ["month", "url", "doi", "arxivversion", "journal-ref", "abstract", "author",
              "eprint", "note", "zzz", "year", "keywords", "file", "title", "pages"]  # fmt: skip
VALUES = ["{x}", "jan", "{two\nlines}", "{a {b} c}", '"q"', "2020", "{}", "{\r\nx}", "a # {b}"]


def _canonical_libraries() -> list[tuple[str, str]]:
    """(name, canonical text) of every real library in tests/data that loads."""
    own = DATA.parent.parent / "library.bib"
    libraries = [*real_libraries(), (own, load_library(own))]
    return [
        (bib.name, render.render_library(lib.blocks)) for bib, lib in libraries if lib.references
    ]


def _edited(ref: Reference, rnd: random.Random) -> Reference:
    updates: dict[str, str | None] = {}
    for _ in range(rnd.randint(1, 5)):
        kind = rnd.random()
        if kind < 0.5:
            updates[rnd.choice(NEW_FIELDS)] = rnd.choice(VALUES)
        elif kind < 0.75 and ref.fields:
            updates[rnd.choice(sorted(ref.fields))] = None
        elif ref.fields:
            updates[rnd.choice(sorted(ref.fields))] = rnd.choice(VALUES)
    new = ref.with_raw_fields(updates)
    if rnd.random() < 0.1:
        new = Reference(new.key, "article" if new.entry_type != "article" else "misc", new.fields)
    return new


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_canonical_rendering_is_the_field_by_field_edit(
    newline: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rnd = random.Random(16)
    libraries = _canonical_libraries()
    assert len(libraries) > 10
    shortcut_taken = 0
    for name, text in libraries:
        for _ in range(3):
            library = parse_library(text.replace("\n", newline), tmp_path / name)
            layout = library.layout
            assert layout is not None
            for block, segment in zip(library.blocks, layout.segments, strict=True):
                if not isinstance(block, Reference):
                    continue
                new = _edited(block, rnd)
                fast = render._segment_text(segment, new, layout)
                with monkeypatch.context() as patch:
                    patch.setattr(render, "_edits_canonically", lambda *args: False)
                    slow = render._segment_text(segment, new, layout)
                assert fast == slow, (name, segment.text, new)
                shortcut_taken += render._edits_canonically(segment, block, new, newline)
    assert shortcut_taken > 500


def test_the_canonical_order_is_rank_then_the_order_written() -> None:
    from dlbib.library.render import _RANK, FIELD_ORDER, canonical_order

    rng = random.Random(3)
    names = [*FIELD_ORDER, "x-custom", "mendeley-groups", "zeta", "abc"]
    for _ in range(500):
        chosen = tuple(rng.sample(names, rng.randrange(0, 12)))
        written = {n: i for i, n in enumerate(chosen)}
        expected = tuple(sorted(chosen, key=lambda n: (_RANK.get(n, len(_RANK)), written[n])))
        assert canonical_order(chosen) == expected
        assert canonical_order(chosen) == expected  # (memoised: the same again)


def test_the_memo_of_orders_keeps_no_hostile_shapes() -> None:
    from dlbib.library import parse
    from dlbib.library.render import _ORDERS, canonical_order

    long = ("x" * 5000, "title")
    assert canonical_order(long) == ("title", "x" * 5000)
    assert long not in _ORDERS  # answered, not kept
    parse.parse_library("@misc{k, " + "n" * 100 + " = {v}}\n", Path("x.bib"))
    assert "n" * 100 not in parse._NAMES  # (a short name would be)
