"""What arrives in Zotero: every export imported by Zotero's own translators (issue 13).

The oracle (``tests/zotero_oracle.py``) runs Zotero's translation-server. The expectations come
from the .bib files alone (what each entry *means*: its Zotero type, names, date, identifiers,
sections, key, note, PDF), never from the exporters' code. Zotero RDF must carry all of it for
every entry (0 discrepancies); for the other formats the known losses are counted and compared
with the README table "What arrives in Zotero, per format", so neither can drift.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dlbib.exports import EXPORTERS, export_references
from dlbib.library.bibfile import Library, load_library
from dlbib.library.model import Reference, normalize_doi
from dlbib.library.names import OTHERS, NameSplitError, names_to_text
from dlbib.library.text import latex_to_text

from .conftest import DATA, REPO
from .zotero_oracle import Oracle, start_oracle

FORMATS = ("zotero", "csljson", "ris", "bibtex", "biblatex")
LIBRARIES = ("library", "export_cases", "export_types")
ASPECTS = ("type", "creators", "date", "identifiers", "tags", "citation key", "notes")


@pytest.fixture(scope="session")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oracle]:
    cache = Path.home() / ".cache" / "dlbib-zotero-oracle"
    server = start_oracle(cache)
    yield server
    server.stop()


def _library(name: str) -> Library:
    return load_library(REPO / "library.bib" if name == "library" else DATA / f"{name}.bib")


@pytest.fixture(scope="session")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """(library, format) → its export: the committed exports/ for library.bib; the test
    libraries exported beside a copy, so their relative PDF paths resolve as in a real one."""
    files = {
        (lib, f): REPO / "exports" / EXPORTERS[f].filename for lib in ["library"] for f in FORMATS
    }
    for name in LIBRARIES[1:]:
        root = tmp_path_factory.mktemp(name)
        library = _library(name)
        for fmt in FORMATS:
            path = root / "exports" / EXPORTERS[fmt].filename
            path.parent.mkdir(exist_ok=True)
            text = export_references(
                library.references,
                fmt,
                strings=library.strings,
                base_dir=path.parent,
                library_root=root,
            )
            path.write_text(text, encoding="utf-8")
            files[name, fmt] = path
    return files


@pytest.fixture(scope="session")
def imported(
    oracle: Oracle, exports: dict[tuple[str, str], Path]
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    return {key: oracle.import_(path) for key, path in exports.items()}


@pytest.fixture(scope="session")
def raw(oracle: Oracle, exports: dict[tuple[str, str], Path]) -> dict[tuple[str, str], Any]:
    """``run.sh raw`` of the exports (the translators' items with attachments, collections):
    every Zotero RDF export, and every format of library.bib and export_cases.bib."""
    wanted = [k for k in exports if k[1] == "zotero" or k[0] in ("library", "export_cases")]
    return {key: oracle.raw(exports[key]) for key in wanted}


# --------------------------------------------------------------------------- what an entry means

_MEANT = {
    "article": "journalArticle", "inproceedings": "conferencePaper",
    "conference": "conferencePaper",
    "incollection": "bookSection", "inbook": "bookSection", "book": "book", "mvbook": "book",
    "collection": "book", "proceedings": "book", "manual": "book", "booklet": "book",
    "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis",
    "techreport": "report", "report": "report", "patent": "patent",
    "software": "computerProgram", "video": "videoRecording", "unpublished": "manuscript",
    "letter": "letter", "dataset": "dataset",
}  # fmt: skip


def meant_type(ref: Reference) -> str:
    """The Zotero type the library means (issue 13's "ideal" column)."""
    label = (ref.get("type") or "").lower()
    if ref.entry_type in ("misc", "online"):
        if ref.arxiv_id:
            return "preprint"
        if "blog" in label:
            return "blogPost"
        if "video" in label:
            return "videoRecording"
        if "software" in label or "repository" in label:
            return "computerProgram"
        return "webpage"
    if (
        ref.entry_type == "article"
        and ref.arxiv_id
        and "arxiv" in (ref.get("journal") or "").lower()
    ):
        return "preprint"
    return _MEANT.get(ref.entry_type, "document")


def _names(ref: Reference, field: str) -> list[tuple[str, str]]:
    value = ref.get(field)
    if not value:
        return []
    try:
        names = names_to_text(value)
    except NameSplitError:  # BibTeX's reading of "Smith, John, and Doe, Jane": drop the comma
        names = names_to_text(re.sub(r",\s*(?= and |$)", "", value))
    out = []
    for name in names:
        if name == OTHERS or name.family == "others":
            continue
        if name.literal:
            out.append((name.literal, ""))
        else:
            given = ", ".join(p for p in (name.given, name.suffix) if p)
            out.append((name.family, given))
    return out


def _creators(item: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (c.get("lastName") or c.get("name", ""), c.get("firstName", "")) for c in item["creators"]
    ]


def _year(ref: Reference) -> str:
    m = re.search(r"\d{4}", ref.get("date") or ref.get("year") or "")
    return m.group(0) if m else ""


def _doi(ref: Reference) -> str:
    if ref.get("doi"):
        return normalize_doi(ref.get("doi") or "")
    return (
        f"10.48550/arXiv.{ref.arxiv_id.id}"
        if ref.arxiv_id and meant_type(ref) == "preprint"
        else ""
    )


def _keywords(ref: Reference) -> list[str]:
    return [k.strip() for k in re.split(r"[,;]", ref.get("keywords") or "") if k.strip()]


def _note(ref: Reference) -> str:
    return latex_to_text(ref.get("note") or "")


def _item_map(items: list[dict[str, Any]], refs: list[Reference]) -> dict[str, dict[str, Any]]:
    """Library key → imported item; items in file order (RIS/BibTeX give no key back)."""
    assert len(items) == len(refs), [i.get("title") for i in items]
    return {ref.key: item for ref, item in zip(refs, items, strict=True)}


def _exported(name: str) -> list[Reference]:
    """The entries of an export, in file order, each with the fields its ``crossref`` parent
    gives it by BibTeX's rule (every field the child lacks), as Zotero should see them."""
    refs = _library(name).references
    by_key = {r.key.lower(): r for r in refs}
    out = []
    for ref in refs:
        parent = by_key.get((ref.get("crossref") or "").lower())
        if parent is not None:
            merged = {**parent.fields, **ref.fields}
            ref = Reference(ref.key, ref.entry_type, merged)
        out.append(ref)
    return out


def _html_text(note: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", note)).split())


def check(aspect: str, ref: Reference, item: dict[str, Any]) -> bool | None:
    """Whether ``item`` carries ``aspect`` of ``ref`` (None: the entry has nothing of it)."""
    if aspect == "type":
        return bool(item["itemType"] == meant_type(ref))
    if aspect == "creators":
        expected = _names(ref, "author") + _names(ref, "editor") + _names(ref, "translator")
        return _creators(item) == expected if expected else None
    if aspect == "date":  # a patent's date is its issue date
        date = item.get("date") or item.get("issueDate") or ""  # "2015-05" or "May 2015"
        return _year(ref) in re.findall(r"\d{4}", date) if _year(ref) else None
    if aspect == "identifiers":
        doi, arxiv = _doi(ref), ref.arxiv_id
        if not doi and not arxiv:
            return None
        doi_ok = not doi or normalize_doi(item.get("DOI", "")) == doi
        arxiv_ok = (
            not arxiv
            or item.get("archiveID") == f"arXiv:{arxiv.id}"
            or (arxiv.id in item.get("extra", "") and meant_type(ref) != "preprint")
        )
        return doi_ok and arxiv_ok
    if aspect == "tags":
        keywords = _keywords(ref)
        return sorted(t["tag"] for t in item["tags"]) == sorted(keywords) if keywords else None
    if aspect == "citation key":
        return item.get("citationKey") == ref.key
    if aspect == "notes":
        note = _note(ref)
        return any(note in _html_text(n) for n in item["notes"]) if note else None
    raise AssertionError(aspect)


# --------------------------------------------------------------------------- Zotero RDF: everything


@pytest.mark.parametrize("name", LIBRARIES)
def test_zotero_rdf_carries_every_entry_whole(
    name: str, imported: dict[tuple[str, str], list[dict[str, Any]]]
) -> None:
    refs = _exported(name)
    items = {i["citationKey"]: i for i in imported[name, "zotero"]}
    assert list(items) == [r.key for r in refs]
    problems = []
    for ref in refs:
        item = items[ref.key]
        problems += [f"{ref.key}: {a}" for a in ASPECTS if check(a, ref, item) is False]
        roles = {str(c["creatorType"]) for c in item["creators"]}
        if ref.get("editor") and "editor" not in roles:
            problems.append(f"{ref.key}: editors lost their role")
        if meant_type(ref) == "videoRecording" and roles != {"director"}:
            problems.append(f"{ref.key}: video creators {roles}")
    assert problems == []


@pytest.mark.parametrize("name", LIBRARIES)
def test_zotero_rdf_collections_and_attachments(name: str, raw: dict[tuple[str, str], Any]) -> None:
    answer = raw[name, "zotero"]
    refs = _exported(name)
    by_uri = {i["itemID"]: i for i in answer["items"]}
    key_of = {uri: item["citationKey"] for uri, item in by_uri.items()}
    members: dict[str, set[str]] = {}
    for collection in answer["collections"]:
        members[collection["name"]] = {key_of[u] for u in collection["items"]}
    for ref in refs:
        for keyword in _keywords(ref):
            assert ref.key in members[keyword.split(" > ")[-1]], (ref.key, keyword)
    by_id = {c["id"]: c for c in answer["collections"]}
    for collection in answer["collections"]:  # "A > B": B sits inside A
        if collection["parent"] is not None:
            parent = by_id[collection["parent"]]["name"]
            assert any(
                k.endswith(f"{parent} > {collection['name']}") for r in refs for k in _keywords(r)
            )
    items = {i["citationKey"]: i for i in answer["items"]}
    for ref in refs:
        attachments = items[ref.key]["attachments"]
        files = [a for a in attachments if a["linkMode"] == "2"]  # linked files
        links = [a for a in attachments if a["linkMode"] == "3"]  # linked URLs
        assert [a["path"] for a in files] == _pdf_paths(ref), ref.key
        pdfurl = (ref.get("pdfurl") or "").replace("\\_", "_")
        assert [a["url"] for a in links] == ([pdfurl] if pdfurl else []), ref.key
        assert len(files) + len(links) == len(attachments)
        assert {a["mimeType"] for a in attachments} <= {"application/pdf"}


# --------------------------------------------------------------------------- the other formats


def _counts(
    fmt: str,
    imported: dict[tuple[str, str], list[dict[str, Any]]],
    raw: dict[tuple[str, str], Any],
) -> dict[str, tuple[int, int]]:
    refs = _exported("library")
    items = _item_map(imported["library", fmt], refs)
    counts = {}
    for aspect in ASPECTS:
        results = [check(aspect, ref, items[ref.key]) for ref in refs]
        relevant = [r for r in results if r is not None]
        counts[aspect] = (sum(relevant), len(relevant))
    counts["collections"] = _collections(refs, raw["library", fmt])
    counts["PDFs"] = _pdfs(_exported("export_cases"), raw["export_cases", fmt])
    return counts


def _collections(refs: list[Reference], answer: dict[str, Any]) -> tuple[int, int]:
    """Entries whose every section (keyword) is a collection holding them."""
    uris = [i.get("itemID") for i in answer["items"]]
    key_at = {uri: ref.key for uri, ref in zip(uris, refs, strict=True) if uri}
    members: dict[str, set[str]] = {}
    for collection in answer["collections"]:
        members[collection["name"]] = {key_at.get(u, "") for u in collection["items"]}
    relevant = [r for r in refs if _keywords(r)]
    ok = [r for r in relevant if all(r.key in members.get(k, set()) for k in _keywords(r))]
    return len(ok), len(relevant)


def _pdfs(refs: list[Reference], answer: dict[str, Any]) -> tuple[int, int]:
    """Entries with a PDF whose attachment path arrives, resolving to the library's file."""
    ok = relevant = 0
    for ref, item in zip(refs, answer["items"], strict=True):
        expected = _pdf_paths(ref)
        if not expected:
            continue
        relevant += 1
        got = [a.get("path") for a in item["attachments"] if a.get("path") in expected]
        ok += got == expected
    return ok, relevant


def _pdf_paths(ref: Reference) -> list[str]:
    """The export-relative paths of the entry's local PDFs (``file`` records)."""
    parts = (ref.get("file") or "").split(";")
    return ["../" + p.split(":")[1] for p in parts if p.count(":") >= 2 and "://" not in p]


def _readme_table() -> dict[str, dict[str, str]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("### What arrives in Zotero, per format", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    table = {}
    for row in rows[2:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        table[cells[0]] = dict(zip(header[1:], cells[1:], strict=False))
    return table


ROW = {
    "zotero": "Zotero RDF (`library.rdf`)",
    "csljson": "CSL-JSON (`library.json`)",
    "ris": "RIS (`library.ris`)",
    "bibtex": "BibTeX (`library-bibtex.bib`)",
    "biblatex": "BibLaTeX (`library-biblatex.bib`)",
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_readme_table_is_what_zotero_imports(
    fmt: str,
    imported: dict[tuple[str, str], list[dict[str, Any]]],
    raw: dict[tuple[str, str], Any],
) -> None:
    """Each cell "n/m" of the README table is what the oracle gives (library.bib; PDFs:
    export_cases.bib, the test library with PDFs)."""
    row = _readme_table()[ROW[fmt]]
    counts = _counts(fmt, imported, raw)
    assert {a: row[a] for a in counts} == {a: f"{n}/{m}" for a, (n, m) in counts.items()}


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_entry_of_every_test_library_arrives(
    fmt: str, imported: dict[tuple[str, str], list[dict[str, Any]]]
) -> None:
    """No translator drops an entry, except BibTeX.js, which knows no @dataset (README)."""
    for name in LIBRARIES:
        refs = _exported(name)
        lost = {"dataset"} if fmt == "biblatex" else set()
        expected = [r for r in refs if r.entry_type not in lost]
        assert len(imported[name, fmt]) == len(expected), (name, fmt)


def test_oracle_missing_skips_locally_and_fails_where_required(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DLBIB_ZOTERO_ORACLE", str(tmp_path / "nowhere"))
    monkeypatch.delenv("DLBIB_REQUIRE_ZOTERO", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"Zotero oracle .* is not here"):
        start_oracle(tmp_path)
    monkeypatch.setenv("DLBIB_REQUIRE_ZOTERO", "1")
    with pytest.raises(pytest.fail.Exception, match="required here"):
        start_oracle(tmp_path)


def test_a_repeated_key_arrives_twice_whole(oracle: Oracle, tmp_path: Path) -> None:
    """RDF.js merges nodes that share a URI: each entry of a repeated key has its own."""
    from .test_export_types import REPEATED_KEY

    path = tmp_path / "exports" / "library.rdf"
    path.parent.mkdir()
    path.write_text(
        export_references(REPEATED_KEY, "zotero", base_dir=path.parent, library_root=tmp_path),
        encoding="utf-8",
    )
    answer = oracle.raw(path)
    items = answer["items"]
    assert [(i["itemType"], i["title"], i["citationKey"]) for i in items] == [
        ("journalArticle", "First", "smith2020"),
        ("book", "Second", "smith2020"),
    ]
    assert [[a["path"] for a in i["attachments"]] for i in items] == [
        ["../papers/one.pdf"],
        ["../papers/two.pdf"],
    ]
    assert [[_html_text(n["note"]) for n in i["notes"]] for i in items] == [["one"], ["two"]]
    (collection,) = answer["collections"]
    assert sorted(collection["items"]) == sorted(i["itemID"] for i in items)


@pytest.mark.parametrize(
    ("file_field", "expected"),
    [
        ("{:C\\:/Users/me/Mendeley/A B.pdf:pdf}", ("C:/Users/me/Mendeley/A B.pdf", "2")),
        ("{:C$\\backslash$:/Users/me/Dyce{\\_}2014.pdf:pdf}", ("C:/Users/me/Dyce_2014.pdf", "2")),
        ("{ftp://h.org/pub/p.ps}", ("ftp://h.org/pub/p.ps", "3")),
    ],
    ids=["mendeley-windows", "mendeley-latex-escaped", "bare-url"],
)
def test_mendeley_and_url_file_fields_arrive_as_attachments(
    oracle: Oracle, tmp_path: Path, file_field: str, expected: tuple[str, str]
) -> None:
    ref = Reference("k2020", "article", {"title": "{T}", "year": "{2020}", "file": file_field})
    path = tmp_path / "exports" / "library.rdf"
    path.parent.mkdir()
    path.write_text(
        export_references([ref], "zotero", base_dir=path.parent, library_root=tmp_path),
        encoding="utf-8",
    )
    (item,) = oracle.raw(path)["items"]
    assert [(a.get("path") or a.get("url"), a["linkMode"]) for a in item["attachments"]] == [
        expected
    ]


def test_a_patent_holder_arrives_as_assignee(oracle: Oracle, tmp_path: Path) -> None:
    """biblatex-examples' patents: the holder went to dc:publisher, which RDF.js never copies to
    assignee, so /import discarded it (no Extra line either)."""
    ref = Reference(
        "sorace",
        "patent",
        {"title": "{T}", "year": "{1997}", "holder": "{Hughes Aircraft Company}"},
    )
    path = tmp_path / "library.rdf"
    path.write_text(export_references([ref], "zotero"), encoding="utf-8")
    (item,) = oracle.import_(path)
    assert item["itemType"] == "patent"
    assert item.get("assignee") == "Hughes Aircraft Company"


@pytest.mark.parametrize("fmt", ["ris", "csljson", "zotero"])
def test_translators_arrive_as_translators(oracle: Oracle, tmp_path: Path, fmt: str) -> None:
    """biblatex-examples' translated books (aristotle:physics): RIS and CSL-JSON put the
    translators in a note; RIS.js reads A4 and CSL JSON.js ``translator`` as translators."""
    ref = Reference(
        "aristotle:physics",
        "book",
        {"title": "{Physics}", "year": "{1929}", "author": "{Aristotle}",
         "translator": "{Wicksteed, P. H. and Cornford, F. M.}"},
    )  # fmt: skip
    path = tmp_path / EXPORTERS[fmt].filename
    path.write_text(export_references([ref], fmt), encoding="utf-8")
    (item,) = oracle.import_(path)
    assert _creators(item) == [("Aristotle", ""), ("Wicksteed", "P. H."), ("Cornford", "F. M.")]
    assert [c["creatorType"] for c in item["creators"]] == ["author", "translator", "translator"]
    assert "Wicksteed" not in item.get("extra", "") + " ".join(item["notes"])
