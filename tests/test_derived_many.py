"""Results.get_many (library/derived.py) is get of each digest: the same values, the same hits,
and the same table kept by save — falsy results, misses, repeats, new and dropped entries."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from dlbib.library.derived import SHARDS, Results

KEPT: dict[str, Any] = {
    **{f"{n:032x}": f"text {n}" for n in range(300)},
    "f" * 32: 0,
    "e" * 32: "",
    "d" * 32: [],
    "c" * 32: False,
    "b" * 32: (),
}


def kept_tables(file: Path) -> list[dict[str, Any]]:
    again = Results(file, "ctx")
    return [dict(again._old[n]) for n in range(SHARDS)]


@pytest.mark.parametrize("asked", [list(KEPT), list(KEPT)[1::2], [*KEPT, "a" * 32, "0" * 32]])
@pytest.mark.parametrize("new", [{}, {"9" * 32: "new", f"{5:032x}": "made again"}])
def test_get_many_is_get_of_each(tmp_path: Path, asked: list[str], new: dict[str, Any]) -> None:
    first = tmp_path / "one" / "t.pickle"
    table = Results(first, "ctx")
    for digest, value in KEPT.items():
        table.put(digest, value)
    table.save()
    second = tmp_path / "two" / "t.pickle"
    shutil.copytree(first.parent, second.parent)
    one, many = Results(first, "ctx"), Results(second, "ctx")
    wanted = [*asked, *asked[:3]]  # repeats
    assert [one.get(d) for d in wanted] == many.get_many(wanted)
    assert one.hits == many.hits
    for digest, value in new.items():
        one.put(digest, value)
        many.put(digest, value)
    one.save()
    many.save()
    assert kept_tables(first) == kept_tables(second)
    expected = {d: KEPT[d] for d in asked if d in KEPT} | new
    assert {d: v for t in kept_tables(second) for d, v in t.items()} == expected
