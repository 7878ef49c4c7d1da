"""The per-entry results store (library/derived.py): kept between runs, trusted only in its
context, plain data only, and a damaged file is a miss, never an error."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from dlbib.library.derived import Results, _shard, entry_digest, open_results
from dlbib.library.model import Reference


def ref(**fields: str) -> Reference:
    return Reference("k", "article", dict(fields))


def test_digest_follows_every_part_of_the_entry() -> None:
    base = entry_digest(ref(title="{A}", year="2020"))
    assert base == entry_digest(ref(title="{A}", year="2020"))
    assert base != entry_digest(ref(title="{B}", year="2020"))
    assert base != entry_digest(ref(year="2020", title="{A}"))  # field order is text too
    assert base != entry_digest(Reference("K", "article", {"title": "{A}", "year": "2020"}))
    assert base != entry_digest(Reference("k", "book", {"title": "{A}", "year": "2020"}))
    # no separator trick: a value holding the next field's name is another entry
    assert entry_digest(ref(a="b", c="d")) != entry_digest(ref(a="b\x00c", c="d"))
    # nor a NUL in the key or a value standing for the separator (bibtexparser reads both)
    assert entry_digest(Reference("k", "misc", {"note": "v"})) != entry_digest(
        Reference("k\x00note\x00v", "misc", {})
    )
    assert entry_digest(ref(a="b\x00c\x00d")) != entry_digest(ref(a="b", c="d"))


def test_results_survive_a_run_and_keep_only_what_the_run_asked(tmp_path: Path) -> None:
    file = tmp_path / "t.pickle"
    first = Results(file, "ctx")
    first.put("a", ("text a", []))
    first.put("b", ("text b", ["warn"]))
    first.save()
    second = Results(file, "ctx")
    assert second.get("a") == ("text a", [])
    assert second.get("zzz") is None
    assert second.hits == 1
    second.save()  # b was not asked for: dropped
    third = Results(file, "ctx")
    assert third.get("a") == ("text a", [])
    assert third.get("b") is None


def test_another_context_is_ignored(tmp_path: Path) -> None:
    file = tmp_path / "t.pickle"
    table = Results(file, "one")
    table.put("a", "x")
    table.save()
    assert Results(file, "two").get("a") is None
    assert Results(file, "one").get("a") == "x"


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[:-3],  # cut short
        lambda raw: raw[:-1] + bytes([raw[-1] ^ 1]),  # a flipped bit
        lambda raw: b"garbage",
        lambda raw: b"",
    ],
)
def test_a_damaged_file_is_a_miss_and_removed(tmp_path: Path, damage: object) -> None:
    table = Results(tmp_path / "t.pickle", "ctx")
    table.put("a", "x")
    table.put("b", "y")
    table.save()
    file = table.shard_files()[_shard("a")]
    file.write_bytes(damage(file.read_bytes()))  # type: ignore[operator]
    again = Results(tmp_path / "t.pickle", "ctx")
    assert again.get("a") is None
    assert not file.exists()
    if _shard("b") != _shard("a"):
        assert again.get("b") == "y"  # the other files of the table are still good


def test_a_planted_global_is_refused(tmp_path: Path) -> None:
    import json
    import zlib

    from dlbib.library.derived import FORMAT, MAGIC

    payload = pickle.dumps({"a": Path("/etc/passwd")})  # names a class
    head = MAGIC + json.dumps({"format": FORMAT, "context": "ctx"}).encode() + b"\n"
    trailer = f"\n{len(payload)} {zlib.adler32(payload)}\n".encode()
    file = Results(tmp_path / "t.pickle", "ctx").shard_files()[_shard("a")]
    file.write_bytes(head + pickle.dumps({"a": "plain"}) + trailer)
    assert Results(tmp_path / "t.pickle", "ctx").get("a") is None  # another payload's trailer
    plain = pickle.dumps({"a": "plain"})
    file.write_bytes(head + plain + f"\n{len(plain)} {zlib.adler32(plain)}\n".encode())
    assert Results(tmp_path / "t.pickle", "ctx").get("a") == "plain"  # the layout is right
    file.write_bytes(head + payload + trailer)
    assert Results(tmp_path / "t.pickle", "ctx").get("a") is None
    assert not file.exists()  # refused, and discarded


def test_an_edit_rewrites_only_the_files_it_touched(tmp_path: Path) -> None:
    table = Results(tmp_path / "t.pickle", "ctx")
    digests = [f"{n:032x}" for n in range(200)]
    for d in digests:
        table.put(d, d.upper())
    table.save()
    files = table.shard_files()
    before = {f: f.stat().st_mtime_ns for f in files}
    import os

    for f in files:
        os.utime(f, ns=(1, 1))
    again = Results(tmp_path / "t.pickle", "ctx")
    for d in digests[1:]:
        assert again.get(d) == d.upper()  # the first entry is gone (edited away)
    again.put("f" * 32, "NEW")
    again.save()
    touched = {f for f in files if f.stat().st_mtime_ns != 1}
    assert touched == {files[_shard(digests[0])], files[_shard("f" * 32)]}
    assert before  # every file existed
    last = Results(tmp_path / "t.pickle", "ctx")
    assert last.get(digests[0]) is None
    assert last.get("f" * 32) == "NEW"
    assert all(last.get(d) == d.upper() for d in digests[1:])


def test_no_cache_keeps_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLBIB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DLBIB_NO_CACHE", "1")
    table = open_results(tmp_path / "library.bib", "step", "opt")
    table.put("a", "x")
    table.save()
    assert not (tmp_path / "cache").exists()
    monkeypatch.delenv("DLBIB_NO_CACHE")
    kept = open_results(tmp_path / "library.bib", "step", "opt")
    kept.put("a", "x")
    kept.save()
    assert open_results(tmp_path / "library.bib", "step", "opt").get("a") == "x"
    assert open_results(tmp_path / "library.bib", "step", "other").get("a") is None
    assert open_results(tmp_path / "other.bib", "step", "opt").get("a") is None


def test_the_folder_keeps_only_the_newest_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from dlbib.library import derived

    monkeypatch.setattr(derived, "MAX_FILES", 3)
    for n in range(5):
        table = Results(tmp_path / f"t{n}.pickle", "ctx")
        table.put("a", str(n))
        table.save()
        os.utime(table.shard_files()[_shard("a")], (1000 + n, 1000 + n))
    table = Results(tmp_path / "t5.pickle", "ctx")
    table.put("a", "5")
    table.save()
    kept = sorted(p.name.split(".")[0] for p in tmp_path.glob("*.pickle"))
    assert kept == ["t3", "t4", "t5"]
