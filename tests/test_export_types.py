"""Every entry type to every format, and no field lost: checked by independent readers (issue 12).

The readers are not dlbib's: rispy (RIS), json + the CSL schema (CSL-JSON), bibtexparser (both
.bib flavours), lxml's own XPath over the RDF (Zotero RDF). For every field of every entry the
test asks whether its value is still somewhere in that entry's export, and counts the losses.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dlbib.exports import EXPORTERS, export_references, field_report
from dlbib.exports.types import BIBLATEX_MODEL, BIBTEX_STANDARD, KINDS
from dlbib.library.bibfile import Library, load_library
from dlbib.library.model import Reference
from dlbib.library.text import latex_to_text

from .conftest import DATA, REPO

ALL_TYPES = sorted(BIBTEX_STANDARD | BIBLATEX_MODEL | {"electronic", "www", "customa"})
LIBRARIES = {
    "export_types": DATA / "export_types.bib",
    "export_cases": DATA / "export_cases.bib",
    "library": REPO / "library.bib",
    "bibdesk-crossref": DATA / "bibs" / "bibdesk-crossref-bbt3514.bib",
    "biblatex-software": DATA / "bibs" / "biblatex-software-jabref-testbib.bib",
}
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
STRUCTURED = frozenset(
    {
        *("author", "editor", "translator", "bookauthor", "pages", "file", "keywords"),
        *("year", "month", "day", "date", "urldate", "date-added", "date-modified"),
        *("crossref", "xdata", "eprint", "archiveprefix", "eprinttype", "primaryclass"),
        *("eprintclass", "doi", "url", "key", "ids"),
    }
)
"""Fields whose value a format rewrites (names, dates, pages, ids, paths): checked elsewhere."""


def _entry(entry_type: str) -> Reference:
    return Reference(
        "k2020",
        entry_type,
        {
            "author": "{Doe, Jane}",
            "title": "{A Title}",
            "year": "{2020}",
            "publisher": "{Pub}",
            "note": "{A note}",
            "url": "{https://example.org/x}",
        },
    )


@pytest.mark.parametrize("entry_type", ALL_TYPES)
def test_every_entry_type_goes_to_every_format(entry_type: str) -> None:
    ref = _entry(entry_type)
    for fmt in EXPORTERS:
        skipped: list[object] = []
        text = export_references([ref], fmt, on_skip=skipped.append)
        assert skipped == [], (entry_type, fmt)
        assert "k2020" in text, (entry_type, fmt)
        assert "A Title" in text, (entry_type, fmt)
        assert "Pub" in text, (entry_type, fmt)
    kind = field_report([ref], "ris")[0]
    assert {"title", "publisher", "note"} <= set(kind.where)


def test_readme_type_table_is_the_type_table() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    table = text.split("| kind | Zotero RDF | RIS | CSL-JSON | BibTeX | BibLaTeX |", 1)[1]
    rows = [line for line in table.splitlines()[2:] if line.startswith("|")]
    expected = [
        f"| {k.label} | {k.zotero} | `{k.ris}` | `{k.csl}` | `@{k.bibtex}` | `@{k.biblatex}` |"
        for k in KINDS.values()
    ]
    assert rows[: len(expected)] == expected


# --------------------------------------------------------------------------- field losses


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", latex_to_text(text)).lower()


def _values(library: Library, fmt: str, tmp_path: Path) -> dict[str, str]:
    """Entry key → every value of its exported record, joined, as an independent reader sees it."""
    text = export_references(library.references, fmt, strings=library.strings)
    if fmt == "ris":
        import rispy

        path = tmp_path / "x.ris"
        path.write_bytes(text.encode("utf-8"))
        return {r["id"]: _flatten(r) for r in rispy.load(path, encoding="utf-8")}
    if fmt == "csljson":
        import jsonschema

        items = json.loads(text)
        schema = json.loads((DATA / "csl-data.json").read_text(encoding="utf-8"))
        jsonschema.validate(items, schema)
        return {i["id"]: _flatten(i) for i in items}
    if fmt == "zotero":
        from lxml import etree

        root = etree.fromstring(text.encode("utf-8"))
        ns = {"z": "http://www.zotero.org/namespaces/export#"}
        out = {}
        nodes: list[etree._Element] = root.xpath("//*[z:citationKey]", namespaces=ns)  # type: ignore[assignment]
        for node in nodes:
            key = str(node.xpath("string(z:citationKey)", namespaces=ns))
            texts: list[str] = node.xpath(".//text()")  # type: ignore[assignment]
            linked: list[str] = node.xpath(  # type: ignore[assignment]
                ".//link:link/@rdf:resource",
                namespaces={**ns, "link": "http://purl.org/rss/1.0/modules/link/", "rdf": RDF},
            )
            for uri in linked:
                attachment = root.find(f"*[@{{{RDF}}}about='{uri}']")
                if attachment is not None:
                    texts += [str(t) for t in attachment.itertext()]
            out[key] = " ".join(texts)
        return out
    from bibtexparser.entrypoint import parse_string

    parsed = parse_string(text)
    assert parsed.failed_blocks == []
    return {e.key: " ".join(f"{f.key} {f.value}" for f in e.fields) for e in parsed.entries}


def _flatten(value: object) -> str:
    if isinstance(value, dict):
        return " ".join(_flatten(v) for v in value.values())
    if isinstance(value, list):
        return " ".join(_flatten(v) for v in value)
    return str(value)


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
@pytest.mark.parametrize("name", sorted(LIBRARIES))
def test_no_field_is_lost(name: str, fmt: str, tmp_path: Path) -> None:
    library = load_library(LIBRARIES[name])
    values = {k: _norm(v) for k, v in _values(library, fmt, tmp_path).items()}
    lost = []
    for ref in library.references:
        if fmt == "bibtex" and not ref.key.isascii():
            continue
        exported = values[ref.key]
        for field, raw in ref.fields.items():
            if field in STRUCTURED or not raw.strip('{}" ') or raw[:1] not in '{"':
                continue  # a macro (@string) value is checked by the golden files
            value = _norm(ref.get(field) or "")
            if fmt == "bibtex":
                from anyascii import anyascii

                value = _norm(anyascii(latex_to_text(ref.get(field) or "")))
                exported_ascii = _norm(anyascii(exported))
                if value and value not in exported_ascii:
                    lost.append(f"{ref.key}.{field}")
                continue
            if field == "howpublished" and ref.arxiv_id and value.startswith("arxiv"):
                value = _norm(ref.arxiv_id.id)  # "arXiv:<id> [class]": the eprint fields hold it
            if value and value not in exported:
                lost.append(f"{ref.key}.{field}")
    assert lost == [], f"{len(lost)} field(s) lost in {fmt}"


# --------------------------------------------------------------------------- crossref, collections


def test_crossref_resolved_for_ris_csl_zotero_and_kept_with_its_parent_in_bib() -> None:
    library = load_library(DATA / "export_types.bib")
    child = [library.get("ioffe2015child")]
    everything = library.references
    csl = json.loads(export_references(child, "csljson", library_refs=everything))
    assert [i["id"] for i in csl] == ["ioffe2015child"]
    assert csl[0]["container-title"] == (
        "Proceedings of the 32nd International Conference on Machine Learning"
    )  # biblatex: the @proceedings' title is the child's booktitle
    assert csl[0]["publisher"] == "PMLR"  # BibTeX: every field the child lacks
    assert [e["family"] for e in csl[0]["editor"]] == ["Bach", "Blei"]
    assert csl[0]["issued"] == {"date-parts": [[2015]]}
    for fmt in ("bibtex", "biblatex"):
        text = export_references(child, fmt, library_refs=everything)
        assert "crossref" in text
        assert text.index("{ioffe2015child,") < text.index("{icml2015,")  # parent after child


def test_sections_nest_as_zotero_collections() -> None:
    from lxml import etree

    ref = Reference("k2020", "misc", {"title": "{T}", "keywords": "{Papers > Vision, Other}"})
    root = etree.fromstring(export_references([ref], "zotero").encode("utf-8"))
    ns = {
        "z": "http://www.zotero.org/namespaces/export#",
        "dc": "http://purl.org/dc/elements/1.1/",
        "dcterms": "http://purl.org/dc/terms/",
        "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    }
    res = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}resource"
    collections = {}
    for node in root.iterfind("z:Collection", ns):
        title = node.findtext("dc:title", namespaces=ns)
        collections[title] = [part.get(res) for part in node.iterfind("dcterms:hasPart", ns)]
    assert set(collections) == {"Papers", "Vision", "Other"}
    assert collections["Vision"] == ["#item_k2020"]
    assert collections["Other"] == ["#item_k2020"]
    assert len(collections["Papers"]) == 1  # only the Vision sub-collection
    assert (collections["Papers"][0] or "").startswith("#collection_")


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("relative", ["../papers/2017/vaswani2017attention.pdf"]),
        ("absolute", ["/library/papers/2017/vaswani2017attention.pdf"]),
        ("none", []),
    ],
)
def test_zotero_rdf_attachments_follow_the_mode(mode: str, expected: list[str]) -> None:
    library = load_library(DATA / "sample.bib")
    text = export_references(
        library.references,
        "zotero",
        strings=library.strings,
        base_dir=Path("/library/exports"),
        library_root=Path("/library"),
        attachments=mode,  # type: ignore[arg-type]
    )
    paths = re.findall(r'<z:path rdf:resource="([^"]+)"/>', text)
    assert paths == expected


@pytest.mark.latex
@pytest.mark.parametrize("name", ["export_types", "bibdesk-crossref", "export_cases"])
def test_biber_tool_reads_every_field_of_the_biblatex_flavour(name: str, tmp_path: Path) -> None:
    """biber's own reader (``biber --tool``, which rewrites the file through its data model)
    keeps every field value of the flavour, so nothing the library has is lost on the way."""
    import subprocess

    from bibtexparser.entrypoint import parse_string

    from .conftest import require_tool

    biber = require_tool("biber")
    library = load_library(LIBRARIES[name])
    (tmp_path / "lib.bib").write_text(
        export_references(library.references, "biblatex", strings=library.strings),
        encoding="utf-8",
    )
    result = subprocess.run(
        [biber, "--tool", "--validate-datamodel", "--output-file=out.bib", "lib.bib"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    parsed = parse_string((tmp_path / "out.bib").read_text(encoding="utf-8"))
    values = {
        e.key.lower(): _norm(" ".join(str(f.value) for f in e.fields)) for e in parsed.entries
    }
    unknown = set(re.findall(r"Field '([^']+)' invalid in data model", result.stdout))
    lost = []
    for ref in library.references:
        for field, raw in ref.fields.items():
            if field in STRUCTURED or raw[:1] not in '{"' or not raw.strip('{}" '):
                continue
            if field in unknown:  # biber drops what its data model lacks (pdfurl): by design
                continue
            value = _norm(ref.get(field) or "")
            if field == "howpublished" and ref.arxiv_id and value.startswith("arxiv"):
                value = _norm(ref.arxiv_id.id)
            if value and value not in values[ref.key.lower()]:
                lost.append(f"{ref.key}.{field}")
    assert lost == []


def test_latex_pylatexenc_trips_over_exports_without_a_traceback() -> None:
    """A real BibDesk note: ``\\href{url}{text}`` makes pylatexenc 2.10 raise IndexError."""
    note = r"{Source on \href{https://github.com/goerz/dissertation}{Github}, see \href{x}}"
    ref = Reference("goerz2015", "phdthesis", {"title": "{T}", "school": "{K}", "note": note})
    for fmt in EXPORTERS:
        assert "dissertation" in export_references([ref], fmt), fmt
    ris = export_references([ref], "ris")
    assert "N1  - Source on Github <https://github.com/goerz/dissertation>, see x\r\n" in ris


# --------------------------------------------------------------------------- the field table doc

FIELD_DOC = REPO / "docs" / "export-fields.md"
_FIELD_TYPES = {
    "journal": "article", "journaltitle": "article", "shortjournal": "article",
    "issue": "article", "issn": "article", "booktitle": "inproceedings",
    "booksubtitle": "incollection", "eventtitle": "inproceedings", "venue": "inproceedings",
    "eventdate": "inproceedings", "chapter": "incollection", "school": "phdthesis",
    "institution": "techreport", "holder": "patent", "version": "software",
    "howpublished": "online", "organization": "online",
}  # fmt: skip
FIELDS = (
    "title",
    "subtitle",
    "titleaddon",
    "shorttitle",
    "author",
    "editor",
    "translator",
    "journal",
    "journaltitle",
    "shortjournal",
    "booktitle",
    "booksubtitle",
    "maintitle",
    "eventtitle",
    "eventdate",
    "venue",
    "series",
    "volume",
    "volumes",
    "number",
    "issue",
    "pages",
    "pagetotal",
    "chapter",
    "edition",
    "version",
    "publisher",
    "organization",
    "institution",
    "school",
    "holder",
    "howpublished",
    "address",
    "location",
    "type",
    "isbn",
    "issn",
    "doi",
    "url",
    "urldate",
    "year",
    "month",
    "date",
    "eprint",
    "eprinttype",
    "eprintclass",
    "abstract",
    "note",
    "annotation",
    "addendum",
    "language",
    "langid",
    "pubstate",
    "origdate",
    "keywords",
    "mendeley-groups",
)


def _field_table() -> str:
    formats = ("ris", "csljson", "zotero", "bibtex", "biblatex")
    lines = [
        "# Where each field goes, per export format",
        "",
        "Generated from the exporters by `tests/test_export_types.py` (which fails when this file",
        "is stale; `DLBIB_UPDATE_GOLDEN=1 pytest tests/test_export_types.py` rewrites it). Each",
        "field was exported on the entry type in the second column, beside a title and a year;",
        "on other types a field can land elsewhere (`dlbib export --report` shows the real",
        "placement per entry). *N1*, *note* and *extra* are the formats' free-text slots (RIS",
        "note, CSL note, Zotero Extra): a field with no place of its own is kept there as",
        "`field: value`. Any field not listed (`mendeley-groups` stands for them) goes there too.",
        "",
        "| field | on | " + " | ".join(EXPORTERS[f].name for f in formats) + " |",
        "|---|---|" + "---|" * len(formats),
    ]
    for field in FIELDS:
        entry_type = _FIELD_TYPES.get(field, "book")
        value = {"author": "{Doe, Jane}", "editor": "{Roe, Rick}", "translator": "{Poe, Paul}",
                 "year": "{2020}", "month": "{5}", "date": "{2020-05}", "urldate": "{2020-06-01}",
                 "url": "{https://example.org/x}", "doi": "{10.1000/x}", "eprint": "{2001.00001}",
                 "pages": "{1--2}", "origdate": "{1990}", "eventdate": "{2020-07}"}.get(
            field, "{Some value}"
        )  # fmt: skip
        fields = {"title": "{A Title}", field: value}
        if field != "year" and field != "date":
            fields.setdefault("year", "{2020}")
        ref = Reference("k", entry_type, fields)
        cells = []
        for fmt in formats:
            where = field_report([ref], fmt)[0].where
            cells.append(f"`{where[field]}`" if field in where else "—")
        lines.append(f"| `{field}` | `@{entry_type}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def test_field_table_doc_is_current(request: pytest.FixtureRequest) -> None:
    import os

    table = _field_table()
    if request.config.getoption("--update-golden") or os.environ.get("DLBIB_UPDATE_GOLDEN"):
        FIELD_DOC.write_text(table, encoding="utf-8")
    assert FIELD_DOC.read_text(encoding="utf-8") == table


REPEATED_KEY = [  # Mendeley/refmanager libraries repeat keys (tests/data/bibs: *-dupkeys-*)
    Reference(
        "smith2020",
        "article",
        {"title": "{First}", "year": "{2020}", "note": "{one}", "keywords": "{A}",
         "file": "{:papers/one.pdf:PDF}"},
    ),
    Reference(
        "smith2020",
        "book",
        {"title": "{Second}", "year": "{2021}", "note": "{two}", "keywords": "{A}",
         "file": "{:papers/two.pdf:PDF}"},
    ),
]  # fmt: skip


def test_zotero_rdf_gives_a_repeated_key_its_own_node() -> None:
    """Two entries with one key were one RDF resource, so Zotero imported one item for both
    (refmanager-dupkeys: 451 of 512 arrived). Each keeps its own node, note and attachment."""
    from lxml import etree

    text = export_references(REPEATED_KEY, "zotero")
    root = etree.fromstring(text.encode("utf-8"))
    about = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about"
    uris = [n.get(about) for n in root if n.get(about)]
    assert len(uris) == len(set(uris))
    items = [n for n in root if n.findtext("{http://www.zotero.org/namespaces/export#}itemType")
             not in ("attachment", None)]  # fmt: skip
    assert len(items) == 2
    assert items[0].get(about) == "#item_smith2020"
    assert items[1].get(about) == "#item_smith2020-2"
    assert 'rdf:about="#item_smith2020-2_note1"' in text
    assert 'rdf:about="#item_smith2020-2_attachment1"' in text
    assert text.count('<dcterms:hasPart rdf:resource="#item_smith2020') == 2
