"""Records → Zotero RDF, the format Zotero itself moves libraries in (imported by RDF.js).

Written with lxml (element trees, so escaping, namespaces and attribute quoting are the XML
library's job; rdflib was not used because its serializer reorders nodes — RDF.js imports items
in the order their nodes appear — and refuses relative file paths with spaces, which Zotero's
own RDF files carry). Structure checked with the Zotero oracle (``tests/test_zotero_oracle.py``):

* one node per entry, ``rdf:about="#item_<key>"`` (unique, so RDF never merges two items), its
  ``z:itemType`` the type table's Zotero column (:mod:`dlbib.exports.types`);
* every field Zotero's schema 41 has a place for on that type (:mod:`~.zotero_schema`): title,
  the container (``bib:Journal``/``bib:Book``/``z:Website``/``z:Blog`` with its title), series,
  publisher + place (``foaf:Organization``), DOI/ISBN/ISSN/URL identifiers, date and access date,
  volume/issue/pages/edition, abstract, and everything else as ``z:<field>`` literals
  (``z:archiveID`` ``arXiv:<id>`` for a preprint, ``z:citationKey`` for every entry);
* creators by role, one ``rdf:Seq`` each (``bib:authors``, ``bib:editors``, ``z:directors`` for a
  video — never ``z:creators``, which makes RDF.js drop every creator —, ``z:programmers``…);
* keywords as tags (``dc:subject``), the ``note`` as a child note (``bib:Memo``), every other
  field of the entry as a ``field: value`` line of Extra (``dc:description``);
* each ``file`` the library knows as a linked-file attachment (``z:Attachment``, ``z:linkMode``
  2, ``link:type`` application/pdf) with the path as ``--attachments`` says (relative to the
  export by default), and an open-access ``pdfurl`` as a linked URL (``z:linkMode`` 3);
* each keyword (reading-list section) as a ``z:Collection`` of its items; a keyword
  ``Parent > Child`` nests ``Child`` in ``Parent``.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import quote

from lxml import etree

from dlbib.exports._options import ExportOptions, is_pdf, is_url
from dlbib.exports._placed import Placed
from dlbib.exports._record import Record, split_pages, unescape_verbatim
from dlbib.exports.types import KINDS
from dlbib.exports.zotero_schema import BASE, CREATORS, FIELDS
from dlbib.library.names import OTHERS, Name, NameSplitError, decode_name, split_names

NS: Final = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "z": "http://www.zotero.org/namespaces/export#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "bib": "http://purl.org/net/biblio#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "link": "http://purl.org/rss/1.0/modules/link/",
    "prism": "http://prismstandard.org/namespaces/1.2/basic/",
    "vcard": "http://nwalsh.com/rdf/vCard#",
}
"""The namespaces exactly as Zotero's export declares them (vcard is nwalsh's, not W3C's)."""
NESTING: Final = " > "
"""A keyword ``A > B`` is the collection ``B`` inside ``A``."""

_NODE: Final = {
    "journalArticle": "bib:Article",
    "book": "bib:Book",
    "bookSection": "bib:BookSection",
    "thesis": "bib:Thesis",
    "report": "bib:Report",
    "blogPost": "bib:Document",
    "webpage": "bib:Document",
    "document": "bib:Document",
    "videoRecording": "bib:Recording",
    "computerProgram": "bib:Data",
}
"""Item type → node element (as Zotero's export writes it); the rest are ``rdf:Description``."""
_CONTAINER: Final = {
    "journalArticle": "bib:Journal",
    "conferencePaper": "bib:Journal",
    "bookSection": "bib:Book",
    "webpage": "z:Website",
    "blogPost": "z:Blog",
}
_CONTAINER_TITLES: Final = frozenset(
    {"publicationTitle", "proceedingsTitle", "bookTitle", "websiteTitle", "blogTitle"}
)
_PUBLISHERS: Final = frozenset(
    {"publisher", "university", "institution", "studio", "company", "repository"}
)  # not assignee: RDF.js copies a dc:publisher to publisher, institution, … but never assignee
_ROLE_PROPERTY: Final = {
    "author": "bib:authors",
    "editor": "bib:editors",
    "contributor": "bib:contributors",
}
_SOURCES: Final = {
    "article": ("journal", "journaltitle"),
    "inproceedings": ("booktitle",),
    "chapter": ("booktitle",),
    "blog": ("howpublished", "organization", "journaltitle"),
    "webpage": ("howpublished", "organization", "journaltitle"),
}
"""Kind → the library fields (first non-empty) that hold its container's title."""
_PUBLISHER_SOURCES: Final = {
    "thesis": ("school", "institution", "publisher"),
    "report": ("institution", "publisher", "organization"),
    "patent": ("holder", "assignee", "publisher"),
    "manuscript": ("institution", "publisher"),
    "video": ("publisher", "organization", "howpublished"),
    "software": ("publisher", "organization", "howpublished"),
    "dataset": ("publisher", "organization", "howpublished"),
}
_THESIS_TYPES: Final = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}


@dataclass(slots=True)
class ZoteroItem:
    """One entry as Zotero will hold it: type, fields by their schema names, creators, …"""

    key: str
    item_type: str
    fields: dict[str, str] = field(default_factory=dict)
    """Zotero field (the type's own name, ``university``) → value."""
    creators: list[tuple[str, Name]] = field(default_factory=list)
    """(creator type, plain-text name), in order."""
    tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Child notes, as HTML."""
    files: list[tuple[str, str, bool]] = field(default_factory=list)
    """(title, path, is a PDF) per attachment."""

    @property
    def uri(self) -> str:
        """The node's ``rdf:about``: unique per entry (RDF merges nodes that share one)."""
        return "#item_" + quote(self.key, safe="")


def zotero_item(record: Record, options: ExportOptions) -> tuple[ZoteroItem, dict[str, str]]:
    """The Zotero item of one record, and where each field of the entry went."""
    item_type = KINDS[record.kind].zotero
    item = ZoteroItem(record.key, item_type)
    p = Placed(record)
    extra: list[str] = []
    for zfield, value, source in _candidates(record, p):
        own = BASE[item_type].get(zfield, zfield)
        if not value:
            continue
        if own in FIELDS[item_type]:
            item.fields.setdefault(own, value)
            if source:
                p.where[source] = own
        elif source:  # no place on this type: Extra, under the library's field name
            p.where[source] = "extra"
            extra.append(f"{source}: {value}")
    item.fields["citationKey"] = record.key
    item.creators = _creators(record, item_type, p)
    p.mark("keywords", "tags")
    item.tags = list(record.keywords)
    note = p.take("note", "note")
    if note:
        item.notes.append(f"<p>{html.escape(note, quote=False)}</p>")
    if record.arxiv:  # the id (a published paper has no archiveID) and the arXiv class
        extra.insert(0, record.arxiv_note)
    item.files = _attachments(record, options, p)
    extra += p.rest("extra")
    if extra:
        item.fields["extra"] = "\n".join(extra)
    return item, p.where


def _attachments(record: Record, options: ExportOptions, p: Placed) -> list[tuple[str, str, bool]]:
    """(title, path or URL, is a PDF): each ``file`` record, then an open-access ``pdfurl``."""
    files = []
    p.mark("file", "attachment")
    for file in record.files:
        path = options.file_path(file)
        if path:
            pdf = is_pdf(file)
            files.append(("Full Text PDF" if pdf else file.description or path, path, pdf))
    pdfurl = unescape_verbatim(record.get("pdfurl"))
    if pdfurl and options.attachments != "none":
        p.mark("pdfurl", "attachment (link)")
        files.append(("Full Text PDF (link)", pdfurl, True))
    return files


def _candidates(record: Record, p: Placed) -> Iterator[tuple[str, str, str]]:
    """(Zotero field or base field, value, library field) for everything the entry has."""
    kind = record.kind
    title, subtitle = p.take("title", "title"), p.take("subtitle", "title")
    yield "title", f"{title}: {subtitle}" if subtitle else title, "title"
    yield "shortTitle", p.take("shorttitle", "shortTitle"), "shorttitle"
    yield "abstractNote", p.take("abstract", "abstractNote"), "abstract"
    if record.issued:
        p.mark("date", "date")
        p.mark("year", "date")
        p.mark("month", "date")
        yield "date", record.issued.iso(), ""
    if record.accessed:
        p.mark("urldate", "accessDate")
        yield "accessDate", record.accessed.iso(), ""
    p.mark("url", "url")
    p.mark("doi", "DOI")
    yield "url", record.url, ""
    yield "DOI", record.doi, ""
    sources = _SOURCES.get(kind, ())
    container = p.first(sources, "publicationTitle")
    container_sub = p.take("booksubtitle", "publicationTitle") if sources == ("booktitle",) else ""
    if container_sub:
        container = f"{container}: {container_sub}"
    yield "publicationTitle", container, _first_set(record, sources)
    yield "journalAbbreviation", p.take("shortjournal", "journalAbbreviation"), "shortjournal"
    yield "conferenceName", p.take("eventtitle", "conferenceName"), "eventtitle"
    series = p.take("series", "series")
    yield ("series" if "series" in FIELDS[KINDS[kind].zotero] else "seriesTitle"), series, "series"
    yield "volume", p.take("volume", "volume"), "volume"
    number = p.take("number", "number")
    if kind in ("book", "collection", "proceedings", "chapter", "inproceedings", "thesis"):
        yield "seriesNumber", number, "number"  # biblatex: a book's number is in its series
    else:
        yield ("issue" if kind == "article" else "number"), number, "number"
    p.mark("pages", "pages")
    yield "pages", "–".join(part for part in split_pages(record.get("pages")) if part), "pages"
    yield "numPages", p.take("pagetotal", "numPages"), "pagetotal"
    yield "edition", p.take("edition", "edition"), "edition"
    yield "versionNumber", p.take("version", "versionNumber"), "version"
    if kind == "preprint":
        yield "publisher", "arXiv", ""
        if record.arxiv:
            p.mark("eprint", "archiveID")
            yield "archiveID", f"arXiv:{record.arxiv.id}", ""
        yield "libraryCatalog", "arXiv.org", ""
    elif kind == "patent":  # the holder is Zotero's assignee (no base field to map)
        yield "assignee", p.first(_PUBLISHER_SOURCES["patent"], "assignee"), "holder"
    else:
        publishers = _PUBLISHER_SOURCES.get(kind, ("publisher",))
        yield "publisher", p.first(publishers, "publisher"), _first_set(record, publishers)
    yield (
        "place",
        p.first(("address", "location"), "place"),
        _first_set(record, ("address", "location")),
    )
    yield "eventPlace", p.take("venue", "eventPlace"), "venue"
    label = p.take("type", "type") or _THESIS_TYPES.get(record.entry_type, "")
    yield ("medium" if kind == "video" else "type"), label, "type"
    yield "ISBN", p.take("isbn", "ISBN"), "isbn"
    yield "ISSN", p.take("issn", "ISSN"), "issn"
    yield "language", p.first(("language", "langid"), "language"), "language"


def _first_set(record: Record, names: tuple[str, ...]) -> str:
    return next((n for n in names if record.fields.get(n)), names[0] if names else "")


def _creators(record: Record, item_type: str, p: Placed) -> list[tuple[str, Name]]:
    valid = CREATORS[item_type]
    primary = "director" if valid[0] == "creator" else valid[0]  # z:creators breaks RDF.js
    editor = "editor" if "editor" in valid else "contributor"
    p.mark("author", primary)
    p.mark("editor", editor)
    creators = [(primary, n) for n in record.authors if n != OTHERS]
    creators += [(editor, n) for n in record.editors if n != OTHERS]
    for field_name, role in (("translator", "translator"), ("bookauthor", "bookAuthor")):
        value = record.fields.get(field_name)
        if not value:
            continue
        try:
            names = split_names(value)
        except NameSplitError:
            continue  # stays in Extra
        p.mark(field_name, role if role in valid else "contributor")
        creators += [(role if role in valid else "contributor", n) for n in names if n != OTHERS]
    return [(role, decode_name(name)) for role, name in creators]


# --------------------------------------------------------------------------- the RDF/XML


@functools.lru_cache(maxsize=256)
def _q(name: str) -> str:  # "dc:title" -> "{http://purl.org/dc/elements/1.1/}title"
    return f"{{{NS[name.split(':')[0]]}}}{name.split(':')[1]}"


_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
"""Characters XML 1.0 cannot hold (a form feed pasted from a PDF): left out of the RDF."""


def _el(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    node = etree.SubElement(parent, _q(name))
    if text is not None:
        node.text = _NOT_XML.sub("", text)
    return node


def _about(node: etree._Element, uri: str) -> etree._Element:
    node.set(_q("rdf:about"), uri)
    return node


_SIMPLE: Final = {
    "date": "dc:date",
    "accessDate": "dcterms:dateSubmitted",
    "volume": "prism:volume",
    "issue": "prism:number",
    "pages": "bib:pages",
    "edition": "prism:edition",
    "abstractNote": "dcterms:abstract",
    "extra": "dc:description",
}
"""Zotero field → the standard RDF property RDF.js reads it from (the rest go as ``z:field``)."""


def item_nodes(item: ZoteroItem) -> list[etree._Element]:
    """The item's node, then its attachment nodes (RDF.js imports items in node order)."""
    root = etree.Element(_q("rdf:RDF"), nsmap=NS)
    fields = dict(item.fields)
    node = _about(_el(root, _NODE.get(item.item_type, "rdf:Description")), item.uri)
    _el(node, "z:itemType", item.item_type)
    _el(node, "dc:title", fields.pop("title", ""))
    _container_nodes(node, item.item_type, fields)
    _creator_nodes(node, item.creators)
    _publisher_nodes(node, fields)
    for ident in ("DOI", "ISBN", "ISSN"):
        if ident in fields:
            _el(node, "dc:identifier", f"{ident} {fields.pop(ident)}")
    if "url" in fields:
        _el(_el(_el(node, "dc:identifier"), "dcterms:URI"), "rdf:value", fields.pop("url"))
    for name, prop in _SIMPLE.items():
        if name in fields:
            _el(node, prop, fields.pop(name))
    for tag in item.tags:
        _el(node, "dc:subject", tag)
    for name, value in fields.items():  # RDF.js copies every z:<field> literal onto the item
        _el(node, f"z:{name}", value)
    for n, note in enumerate(item.notes, 1):
        memo = _el(_el(node, "dcterms:isReferencedBy"), "bib:Memo")
        _about(memo, f"{item.uri}_note{n}")
        _el(memo, "rdf:value", note)
    return [node, *_attachment_nodes(root, node, item)]


def _container_nodes(node: etree._Element, item_type: str, fields: dict[str, str]) -> None:
    """The publication (journal, book, site…) with its title, and the series, conference."""
    container = None
    container_title = next((f for f in _CONTAINER_TITLES if f in fields), None)
    if container_title and item_type in _CONTAINER:
        container = _el(_el(node, "dcterms:isPartOf"), _CONTAINER[item_type])
        _el(container, "dc:title", fields.pop(container_title))
        if "journalAbbreviation" in fields:
            _el(container, "dcterms:alternative", fields.pop("journalAbbreviation"))
    if "series" in fields:
        parent = container if container is not None else node
        _el(_el(_el(parent, "dcterms:isPartOf"), "bib:Series"), "dc:title", fields.pop("series"))
    if "conferenceName" in fields:
        conference = _el(_el(node, "bib:presentedAt"), "bib:Conference")
        _el(conference, "dc:title", fields.pop("conferenceName"))


def _publisher_nodes(node: etree._Element, fields: dict[str, str]) -> None:
    publisher = next((f for f in _PUBLISHERS if f in fields), None)
    if publisher or "place" in fields:
        org = _el(_el(node, "dc:publisher"), "foaf:Organization")
        if publisher:
            _el(org, "foaf:name", fields.pop(publisher))
        if "place" in fields:
            address = _el(_el(org, "vcard:adr"), "vcard:Address")
            _el(address, "vcard:locality", fields.pop("place"))


def _attachment_nodes(
    root: etree._Element, node: etree._Element, item: ZoteroItem
) -> list[etree._Element]:
    nodes = []
    for n, (title, path, pdf) in enumerate(item.files, 1):
        uri = f"{item.uri}_attachment{n}"
        _el(node, "link:link").set(_q("rdf:resource"), uri)
        attachment = _about(_el(root, "z:Attachment"), uri)
        _el(attachment, "z:itemType", "attachment")
        _el(attachment, "dc:title", title)
        path = _NOT_XML.sub("", path)
        if is_url(path):  # a linked URL (linkMode 3)
            _el(_el(_el(attachment, "dc:identifier"), "dcterms:URI"), "rdf:value", path)
            _el(attachment, "z:linkMode", "3")
        else:
            _el(attachment, "z:path").set(_q("rdf:resource"), path)
            _el(attachment, "rdf:resource").set(_q("rdf:resource"), path)  # RDF.js < 2026-03
            _el(attachment, "z:linkMode", "2")  # a linked file
        if pdf:
            _el(attachment, "link:type", "application/pdf")
        nodes.append(attachment)
    return nodes


def _creator_nodes(node: etree._Element, creators: list[tuple[str, Name]]) -> None:
    seqs: dict[str, etree._Element] = {}
    for role, name in creators:
        prop = _ROLE_PROPERTY.get(role, f"z:{role}s")
        if prop not in seqs:
            seqs[prop] = _el(_el(node, prop), "rdf:Seq")
        person = _el(_el(seqs[prop], "rdf:li"), "foaf:Person")
        if name.literal:  # surname only: a single-field name (an organisation)
            _el(person, "foaf:surname", name.literal)
            continue
        _el(person, "foaf:surname", name.family)
        given = ", ".join(part for part in (name.given, name.suffix) if part)
        if given:
            _el(person, "foaf:givenName", given)


def render(record: Record, options: ExportOptions) -> str:
    """The record's nodes as RDF/XML text, for :func:`assemble`."""
    return place(record, options)[0]


def place(record: Record, options: ExportOptions) -> tuple[str, dict[str, str]]:
    """The record's nodes as RDF/XML text, and where each field of the entry went."""
    item, where = zotero_item(record, options)
    nodes = item_nodes(item)
    # Serialise the nodes inside their root, which declares every namespace, and cut the root's
    # tags off: the nodes then carry no xmlns declarations of their own, and assemble() need not
    # clean them up (lxml's cleanup_namespaces is quadratic: 7 s at 10,000 entries). Indented
    # here as in the whole file (indentation depends only on depth), so assemble() joins text.
    root = nodes[0].getparent()
    assert root is not None  # item_nodes builds every node inside one root
    return _inner(root), where


def _inner(root: etree._Element) -> str:
    """The indented children of ``root`` as text, without the root's own tags."""
    etree.indent(root, space="  ")
    whole: str = etree.tostring(root, encoding="unicode")
    return whole[whole.index(">") + 1 : whole.rindex("</rdf:RDF>")].strip()
