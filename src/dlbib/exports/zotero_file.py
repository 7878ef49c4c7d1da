"""The whole Zotero RDF file: the items as :mod:`~dlbib.exports.zotero_rdf` rendered them, then
one ``z:Collection`` per keyword (nested by ``A > B``), every node indented as Zotero writes.

Items are joined as text — one lxml tree of 10,000 items would cost seconds and hundreds of MB —
except in the two cases that need a tree: an empty file, and a library whose keys repeat (RDF
merges nodes that share an ``rdf:about``, so the later items are renamed).
"""

from __future__ import annotations

import html
import re
from typing import Final

from lxml import etree

from dlbib.exports._pieces import Piece, as_text, framed
from dlbib.exports.zotero_rdf import NESTING, NS, _about, _el, _inner, _q

_ABOUT: Final = re.compile(r'rdf:about="([^"]*)"')
_SUBJECT: Final = re.compile(r"<dc:subject>([^<]*)</dc:subject>")


Index = tuple[str, tuple[tuple[str, ...], ...]]
"""What :func:`assemble_indexed` needs of one item's text: its ``rdf:about`` and the keyword
path of each of its ``dc:subject`` lines (``A > B`` → ``("A", "B")``)."""


def index(text: str) -> Index:
    """The :data:`Index` of one rendered item (worked out once, kept with its text)."""
    subjects = _SUBJECT.findall(text, 0, _item_end(text))
    paths = tuple(
        tuple(p.strip() for p in html.unescape(subject).split(NESTING) if p.strip())
        for subject in subjects
    )
    return _item_uri(text), paths


def assemble(entries: list[Piece]) -> list[Piece]:
    """The whole file: the items, then one ``z:Collection`` per keyword (nested by ``A > B``)."""
    return assemble_indexed(
        entries, [index(as_text(text)) if text else ("", ()) for text in entries]
    )


def assemble_indexed(entries: list[Piece], indexes: list[Index]) -> list[Piece]:
    """:func:`assemble`, given each text's :func:`index`.

    The items' text is joined as rendered (a tree of 10,000 items would cost seconds and
    hundreds of MB); only the collections are built here, from each item's ``rdf:about`` and
    ``dc:subject`` lines (the item is each text's first node; its attachments carry neither).
    """
    items = [(found, text) for text, found in zip(entries, indexes, strict=True) if text]
    uris = [uri for (uri, _), _ in items]
    if len(set(uris)) < len(uris) or not items:
        return [_assemble_tree(entries)]
    members: dict[tuple[str, ...], list[str]] = {}
    for (uri, paths), _ in items:
        for path in paths:
            for depth in range(1, len(path)):
                members.setdefault(path[:depth], [])
            if path:
                members.setdefault(path, []).append(uri)
    parts = [text for _, text in items]
    if members:
        inner = _collections_text(members)
        if inner is None:
            inner = _inner(_collections(etree.Element(_q("rdf:RDF"), nsmap=NS), members))
        parts.append(inner.encode("utf-8") if isinstance(parts[0], bytes) else inner)
    return framed(f"{_XML_HEAD}<rdf:RDF {_DECLARATIONS}>\n  ", parts, "\n  ", "\n</rdf:RDF>\n")


_XML_HEAD: Final = '<?xml version="1.0" encoding="UTF-8"?>\n'
_DECLARATIONS: Final = " ".join(f'xmlns:{p}="{uri}"' for p, uri in NS.items())


def _item_uri(text: str) -> str:
    found = _ABOUT.search(text)
    return html.unescape(found.group(1)) if found else ""


def _item_end(text: str) -> int:
    """Where the first node of an item's text ends (its attachments follow)."""
    end = text.find("\n  <")
    return len(text) if end < 0 else end


_PLAIN: Final = re.compile('[^&<>"\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]*')
"""Text that XML writes as it is, in a node or an attribute: no character to escape, none
that :data:`~dlbib.exports.zotero_rdf._NOT_XML` drops (a keyword's parts and a URI have no
space at either end: indenting leaves them as they are)."""


def _collections_text(members: dict[tuple[str, ...], list[str]]) -> str | None:
    """:func:`_collections` serialised as :func:`_inner` would (one line per node), or None
    when some title or URI is not :data:`_PLAIN` (then the tree writes it)."""
    words = [part for path in members for part in path]
    uris = [uri for found in members.values() for uri in found]
    if not all(_PLAIN.fullmatch(text) for text in (*words, *uris)):
        return None
    ids = {path: f"#collection_{n}" for n, path in enumerate(members, 1)}
    nodes = []
    for path, found in members.items():
        lines = [f'<z:Collection rdf:about="{ids[path]}">', f"<dc:title>{path[-1]}</dc:title>"]
        lines += [f'<dcterms:hasPart rdf:resource="{uri}"/>' for uri in found]
        lines += [
            f'<dcterms:hasPart rdf:resource="{ids[child]}"/>'
            for child in members
            if len(child) == len(path) + 1 and child[:-1] == path
        ]
        nodes.append("\n    ".join(lines) + "\n  </z:Collection>")
    return "\n  ".join(nodes)


def _collections(root: etree._Element, members: dict[tuple[str, ...], list[str]]) -> etree._Element:
    ids = {path: f"#collection_{n}" for n, path in enumerate(members, 1)}
    for path, uris in members.items():
        collection = _about(_el(root, "z:Collection"), ids[path])
        _el(collection, "dc:title", path[-1])
        for uri in uris:
            _el(collection, "dcterms:hasPart").set(_q("rdf:resource"), uri)
        for child in members:
            if len(child) == len(path) + 1 and child[:-1] == path:
                _el(collection, "dcterms:hasPart").set(_q("rdf:resource"), ids[child])
    return root


def _assemble_tree(entries: list[Piece]) -> str:
    """:func:`assemble` through one tree: for an empty file, and for a library whose keys
    repeat (the repeated items are renamed: :func:`_distinct_uris`)."""
    # dlbib's own serialised nodes: a text node over libxml2's 10 MB default (a huge field value)
    # is no reason to fail, and nothing here comes from outside (no entities, no network)
    parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
    items = "".join(map(as_text, entries))
    root = etree.fromstring(f"<rdf:RDF {_DECLARATIONS}>{items}</rdf:RDF>", parser)
    _distinct_uris(root)
    members: dict[tuple[str, ...], list[str]] = {}
    for node in root:
        if node.find(_q("z:itemType")) is None or node.tag == _q("z:Attachment"):
            continue
        uri = node.get(_q("rdf:about"), "")
        for subject in node.findall(_q("dc:subject")):
            path = tuple(p.strip() for p in (subject.text or "").split(NESTING) if p.strip())
            for depth in range(1, len(path)):
                members.setdefault(path[:depth], [])
            if path:
                members.setdefault(path, []).append(uri)
    _collections(root, members)
    etree.indent(root, space="  ")
    body: str = etree.tostring(root, encoding="unicode")
    return _XML_HEAD + body + "\n"


def _distinct_uris(root: etree._Element) -> None:
    """Give an entry whose key repeats an earlier one's (a library may hold both) its own URI:
    RDF merges nodes that share an ``rdf:about``, and RDF.js then imports one item for both."""
    seen: set[str] = set()
    nodes = list(root)
    for i, node in enumerate(nodes):
        base = uri = node.get(_q("rdf:about"), "")
        if node.tag == _q("z:Attachment") or node.find(_q("z:itemType")) is None:
            continue  # an attachment follows its item: renamed with it
        copies = 1
        while uri in seen:
            copies += 1
            uri = f"{base}-{copies}"
        seen.add(uri)
        if uri == base:
            continue
        end = next(
            (j for j in range(i + 1, len(nodes)) if nodes[j].tag != _q("z:Attachment")), None
        )
        for sub in (s for n in nodes[i:end] for s in n.iter()):
            for attr in (_q("rdf:about"), _q("rdf:resource")):
                value = sub.get(attr) or ""
                if value == base or value.startswith(base + "_"):
                    sub.set(attr, uri + value[len(base) :])
