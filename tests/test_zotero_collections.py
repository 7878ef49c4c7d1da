"""The Zotero RDF collections are written as text when every keyword and URI is plain
(exports/zotero_file.py ``_collections_text``): byte for byte what the lxml tree writes, on the
real libraries in tests/data and on crafted keywords; anything else goes through the tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from dlbib.exports import export_references, zotero_file
from dlbib.exports.zotero_rdf import NS, _inner, _q
from dlbib.library.bibfile import load_library

DATA = Path(__file__).parent / "data"
REAL = [*sorted((DATA / "bibs").glob("*.bib")), DATA / "export_types.bib", DATA / "sample.bib"]


def tree(members: dict[tuple[str, ...], list[str]]) -> str:
    return _inner(zotero_file._collections(etree.Element(_q("rdf:RDF"), nsmap=NS), members))


@pytest.mark.parametrize("source", REAL, ids=lambda p: p.name)
def test_a_real_library_writes_the_file_the_tree_writes(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = load_library(source)
    args = {"strings": library.strings, "on_skip": lambda e: None}
    fast = export_references(library.references, "zotero", **args)  # type: ignore[arg-type]
    with monkeypatch.context() as m:
        m.setattr(zotero_file, "_collections_text", lambda members: None)
        slow = export_references(library.references, "zotero", **args)  # type: ignore[arg-type]
    assert fast == slow


PLAIN = [
    {("Benchmark",): [f"#item_key{n}" for n in range(50)]},
    {("A",): [], ("A", "B"): ["#item_x", "#item_é"], ("A", "B", "C"): ["#y"], ("D",): ["#z"]},
    {("Machine Learning",): ["#a b"], ("Über", "Straße \U0001d518"): ["#item_ü"]},
    {("x",): ["#item_k_2", "#item_k-2"], ("x", "y"): []},
]
ODD = ["a&b", "a<b", "a>b", 'a"b', "a\tb", "a\nb", "a\rb", "a\x0cb", "a\x7fb", "a\x85b"]


@pytest.mark.parametrize("members", PLAIN)
def test_plain_collections_are_the_trees_text(members: dict[tuple[str, ...], list[str]]) -> None:
    assert zotero_file._collections_text(members) == tree(members)


@pytest.mark.parametrize("odd", ODD, ids=repr)
def test_anything_to_escape_goes_through_the_tree(odd: str) -> None:
    crafted: list[dict[tuple[str, ...], list[str]]] = [
        {("T", odd): ["#u"]},
        {(odd,): ["#u"]},
        {("T",): [f"#{odd}"]},
    ]
    for members in crafted:
        assert zotero_file._collections_text(members) is None


@pytest.mark.parametrize("odd", ODD, ids=repr)
def test_a_library_with_odd_keywords_and_keys_writes_what_the_tree_writes(
    odd: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dlbib.library.model import Reference

    refs = [
        Reference(f"k{odd}1", "article", {"title": "{T}", "keywords": f"{{A > B{odd}C, D}}"}),
        Reference("plain", "article", {"title": "{U}", "keywords": f"{{A, E{odd}}}"}),
        Reference("other", "article", {"title": "{V}", "keywords": "{A > B, D}"}),
    ]
    fast = export_references(refs, "zotero", on_skip=lambda e: None)
    with monkeypatch.context() as m:
        m.setattr(zotero_file, "_collections_text", lambda members: None)
        slow = export_references(refs, "zotero", on_skip=lambda e: None)
    assert fast == slow
