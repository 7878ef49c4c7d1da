"""An export's results table is checked once, as each file is read (exports/rendering.py
``kept_results``): in bulk, it keeps exactly the results the one-by-one check (``_kept``) keeps,
on the tables real libraries make and on tables with planted values of every wrong shape."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from dlbib.exports import EXPORTERS, export_library
from dlbib.exports.rendering import _kept, kept_results
from dlbib.library.derived import Results

DATA = Path(__file__).parent / "data"
REAL = [*sorted((DATA / "bibs").glob("*.bib")), DATA / "export_types.bib"]


class Text(str):
    """A str that is not exactly a str (a pickle without globals cannot make one)."""


class Data(bytes):
    """Bytes that are not exactly bytes."""


IDX = ("#item_k", (("A", "B"), ("C",), ()))
WRONG: list[object] = [
    None,
    5,
    "text",
    b"bytes",
    (b"a",),
    (b"a", ()),
    (b"a", (), None),
    (b"a", (), None, None, "x"),
    [b"a", (), None, None],
    ("a", (), None, None),  # text: kept as UTF-8
    (Text("a"), (), None, None),
    (bytearray(b"a"), (), None, None),
    (b"a", 3, None, None),
    (b"a", ["w"], None, None),
    (b"a", ("w", 3), None, None),
    (b"a", (b"w",), None, None),
    (b"", (), (), None),
    (b"", (), ("why",), None),
    (b"", (), ("why", None), None),
    (b"", (), ("why", None, None, None), None),
    (b"", (), (3, None, None), None),
    (b"", (), ("why", 3, None), None),
    (b"", (), ("why", None, b"ris"), None),
    (b"", (), ["why", None, None], None),
    (b"", (), "why", None),
    (b"a", (), None, ()),
    (b"a", (), None, "#item_k"),
    (b"a", (), None, ("#item_k",)),
    (b"a", (), None, ("#item_k", (), ())),
    (b"a", (), None, ["#item_k", ()]),
    (b"a", (), None, (b"#item_k", ())),
    (b"a", (), None, (3, ())),
    (b"a", (), None, ("#item_k", [("A",)])),
    (b"a", (), None, ("#item_k", ("A",))),
    (b"a", (), None, ("#item_k", (["A"],))),
    (b"a", (), None, ("#item_k", (("A", 3),))),
    (b"a", (), None, ("#item_k", ((b"A",),))),
]
RIGHT: list[object] = [
    (b"a", (), None, None),
    (b"", (), ("why", None, None), None),
    (b"", (), ("why", "key", "ris"), None),
    (b"a", ("w1", "w2"), None, None),
    (b"", ("w",), ("why", "key", None), None),
    (b"a", (), None, IDX),
    (b"a", ("w",), None, ("", ())),
    (Data(b"a"), (Text("w"),), (Text("why"), Text("k"), None), None),  # kept one by one
    (b"a", (), None, (Text("#item_k"), ((Text("A"),),))),  # kept one by one
]


def one_by_one(table: dict[str, Any]) -> dict[str, Any]:
    return {digest: value for digest, value in table.items() if _kept(value) is not None}


def real_tables(source: Path, tmp_path: Path, cache: Path) -> list[dict[str, Any]]:
    """Every table file an export of ``source`` to every format wrote, as it was pickled."""
    library = tmp_path / "library.bib"
    shutil.copyfile(source, library)
    export_library(library, list(EXPORTERS), exports_root=tmp_path / "exports")
    tables = []
    for file in sorted(cache.rglob("*export-*.pickle")):
        context = json.loads(file.read_bytes().split(b"\n", 2)[1])["context"]
        with file.open("rb") as handle:
            table = Results(None, context)._load(handle)
        assert isinstance(table, dict)
        tables.append(table)
    return tables


@pytest.mark.parametrize("source", REAL, ids=lambda p: p.name)
def test_a_real_table_is_kept_whole(source: Path, tmp_path: Path, parse_cache_dir: Path) -> None:
    tables = real_tables(source, tmp_path, parse_cache_dir)
    assert tables
    for table in tables:
        assert kept_results(table) == one_by_one(table) == table


@pytest.mark.parametrize("wrong", WRONG, ids=repr)
@pytest.mark.parametrize("where", [0, 1, -1])
def test_a_planted_value_is_left_out_and_only_it(wrong: object, where: int) -> None:
    values = [*RIGHT, *RIGHT]
    values.insert(where if where >= 0 else len(values), wrong)
    table = {f"{n:032x}": value for n, value in enumerate(values)}
    kept = kept_results(table)
    assert kept == one_by_one(table)
    assert len(kept) == len(table) - 1


@pytest.mark.parametrize("value", RIGHT, ids=repr)
def test_each_right_shape_is_kept(value: object) -> None:
    table = {"a": value, "b": (b"x", (), None, None)}
    assert kept_results(table) == one_by_one(table) == table


def test_an_empty_table_is_kept() -> None:
    assert kept_results({}) == {}


@pytest.mark.parametrize("source", REAL, ids=lambda p: p.name)
def test_zotero_assembles_the_same_from_kept_indexes(source: Path) -> None:
    """The file assembled from each item's kept index is the file assembled from the texts."""
    from dlbib.exports import zotero_file
    from dlbib.exports._options import ExportOptions
    from dlbib.exports.rendering import render_file
    from dlbib.library.bibfile import load_library

    library = load_library(source)
    options = ExportOptions(Path("."), Path("."), "relative")
    exporter = EXPORTERS["zotero"]
    general = EXPORTERS["zotero"].__class__(
        exporter.name, exporter.filename, exporter.render, zotero_file.assemble, ""
    )
    args = (library.references, library.strings, options, lambda e: None, None, None)
    assert render_file(exporter, *args, {}) == render_file(general, *args, {})


def test_an_entry_that_is_not_utf8_stays_text_and_is_not_kept(
    tmp_path: Path, parse_cache_dir: Path
) -> None:
    """A lone surrogate (an entry built in memory) cannot be kept as UTF-8: the entry is made
    again each run, every export's text is what the uncached path makes, and writing the
    files fails as it always did."""
    from dlbib.exports import export_loaded_library, export_references, export_to_files
    from dlbib.library.bibfile import load_library
    from dlbib.library.model import Reference

    library = tmp_path / "library.bib"
    shutil.copyfile(DATA / "sample.bib", library)
    loaded = load_library(library)
    at = next(n for n, b in enumerate(loaded.blocks) if isinstance(b, Reference))
    ref = loaded.blocks[at]
    assert isinstance(ref, Reference)
    loaded.blocks[at] = Reference(ref.key, ref.entry_type, {**ref.fields, "title": "{A \ud800}"})
    for _ in range(2):
        files, _ = export_loaded_library(loaded, list(EXPORTERS), exports_root=tmp_path / "e")
        for file in files:
            expected = export_references(
                loaded.references,
                file.format,
                strings=loaded.strings,
                base_dir=tmp_path / "e",
                library_root=tmp_path,
                on_skip=lambda e: None,
            )
            assert file.text == expected
        assert any("\ud800" in file.text for file in files)
    with pytest.raises(UnicodeEncodeError):
        export_to_files(loaded, list(EXPORTERS), exports_root=tmp_path / "e")


@pytest.mark.parametrize("source", REAL, ids=lambda p: p.name)
def test_a_file_with_nothing_to_report_is_the_reported_file(source: Path) -> None:
    """render_file's shortcut (no entry left out, no warning asked for) lays out the same
    entries as the one-by-one path, on every real library and format."""
    from dlbib.exports._options import ExportOptions
    from dlbib.exports.rendering import _made, _reported, render_file, with_parents
    from dlbib.library.bibfile import load_library

    library = load_library(source)
    options = ExportOptions(Path("."), Path("."), "relative")
    for exporter in EXPORTERS.values():
        wanted = with_parents(library.references, None, exporter.keeps_crossref)
        done = _made(exporter, wanted, library.strings, options, {}, None)
        if not any(error for _, _, error, _ in done):
            entries, _ = _reported(wanted, done, None, None)
            made = render_file(
                exporter, library.references, library.strings, options, None, None, None, {}
            )
            assert made == exporter.assemble(entries)
