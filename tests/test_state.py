"""The sync sidecar: deterministic, atomic, tolerant of absence, strict about garbage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dlbib.errors import LibraryError
from dlbib.library.state import load_state, save_state


def test_missing_state_is_empty_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "library.dlbib.json"
    state = load_state(path)
    assert state.entries == {}
    state.section("b", "arxiv")["version"] = 3
    state.section("a", "pdf").update({"sha256": "ab", "size": 2})
    assert save_state(state) is True
    assert save_state(load_state(path)) is False  # same bytes: not rewritten
    text = path.read_text()
    assert text.index('"a"') < text.index('"b"')  # sorted, so diffs stay small
    assert text.endswith("}\n")
    assert load_state(path).get("b", "arxiv") == {"version": 3}
    state.drop("b", "arxiv")
    assert "b" not in state.entries


@pytest.mark.parametrize(
    ("text", "message"),
    [("{", "not valid JSON"), ("[]", "not a dlbib sync state"), ('{"format": 99}', "newer")],
    ids=["syntax", "shape", "future"],
)
def test_bad_state_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "library.dlbib.json"
    path.write_text(text)
    with pytest.raises(LibraryError, match=message):
        load_state(path)


def test_render_is_json_dumps_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from dlbib.library import state as state_module
    from dlbib.library.state import SyncState

    entries: dict[str, Any] = {
        "b": {"arxiv": {"id": "1502.03167", "version": 2, "fetched_at": "2026-11-26T12:00:00Z"}},
        "a": {
            "fetched": {"title": '{Caf\u00e9 "quoted" \\emph{x}\n\t\u2028}', "big": 10**30},
            "published": {
                "status": "published", "ok": True, "no": False, "none": None, "score": 0.5,
                "confirmed_by": ["dblp", "crossref"], "empty": [], "blank": {}, "neg": -3,
                "record": {"z": [1, [2, {"y": "\x00"}]], "a": {"inner": {}}},
                "odd": {1: "int key"}, "inf": float("inf"),
            },
        },
        "\u00fc": {},
        "leaves": {  # flat sections (json's C encoder): separators inside strings, big ints
            "arxiv": {"id": 'x, "y", ', "z": ", ", ', "': '", "', "version": -(10**40)},
            "fetched": {"\u2028\x1f": "\ud800", "": "", "q": '"', "n": 0},
            "pdf": {"only": 1},
        },
    }  # fmt: skip
    state = SyncState(tmp_path / "s.json", entries)
    expected = json.dumps({"format": 1, "entries": entries}, indent=2, sort_keys=True,
                          ensure_ascii=False) + "\n"  # fmt: skip
    assert state.render() == expected
    monkeypatch.setattr(json.encoder, "c_make_encoder", None)  # no C encoder: Python's own
    state_module._leaf_encoder.cache_clear()
    try:
        assert state.render() == expected
    finally:
        state_module._leaf_encoder.cache_clear()
    assert SyncState(tmp_path / "s.json").render() == '{\n  "entries": {},\n  "format": 1\n}\n'
