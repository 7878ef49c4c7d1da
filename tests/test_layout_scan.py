"""The entry scanner's one-match shortcut finds exactly the spans its general steps find."""

from __future__ import annotations

import random

import pytest

from dlbib.library import layout

from .conftest import real_libraries

PIECES = ["@misc{k,", " ", "\n", ",", "a", "=", "{", "}", '"', "#", "x = {v}", "y=2", "(", ")",
          "\t", "n = {a{b}c}", " # ", "%", "ab", "z = q #", "'", "\x0c",
          "m = jan # {x}"]  # fmt: skip


class _NoShortcut:
    def match(self, text: str, pos: int) -> None:
        return None


def _texts() -> list[str]:
    texts: list[str] = []
    for _, loaded in real_libraries():
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
    monkeypatch.setattr(layout, "_SHORTCUT_HEAD_RE", _NoShortcut())
    slow = [layout.scan_entry(t) for t in texts]
    assert fast == slow
    assert sum(s is not None for s in slow) > 2000


def _matches_as_before(text: str, spans: layout.EntrySpans, fields: dict[str, str]) -> bool:
    """The check as it was written before it shared edit_entry's first spans."""
    found: dict[str, str] = {}
    for span in spans.fields:
        found.setdefault(span.name, text[span.value_start : span.value_end])
    return found.keys() == fields.keys() and all(
        found[k] == fields[k] or " ".join(found[k].split()) == " ".join(fields[k].split())
        for k in fields
    )


def test_matches_fields_on_first_spans_is_the_check_it_was() -> None:
    cases: list[tuple[str, dict[str, str]]] = []
    for _, loaded in real_libraries():
        if loaded.layout is not None:
            for segment in loaded.layout.segments:
                fields = getattr(segment.block, "fields", None)
                if fields is not None:
                    cases.append((segment.text, dict(fields)))
    rnd = random.Random(16)
    variants: list[tuple[str, dict[str, str]]] = []
    for text, fields in cases:
        variants.append((text, fields))
        if fields:
            name = rnd.choice(sorted(fields))
            variants.append((text, {**fields, name: fields[name] + "x"}))
            variants.append((text, {**fields, name: " " + fields[name].replace(" ", "\n ")}))
            variants.append((text, {k: v for k, v in fields.items() if k != name}))
        variants.append((text, {**fields, "zzz": "{1}"}))
    agree = 0
    for text, fields in variants:
        spans = layout.scan_entry(text)
        if spans is None:
            continue
        expected = _matches_as_before(text, spans, fields)
        assert layout.matches_fields(text, layout.first_spans(spans), fields) is expected, text
        agree += expected
    assert agree > 200
