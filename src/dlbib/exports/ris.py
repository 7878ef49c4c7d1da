"""Records → RIS, the format Zotero and Mendeley both import (FORMATS.md §2).

Rules kept here: ``TAG  - value`` lines ending in CRLF, UTF-8 without BOM, the file starting with
the first ``TY`` line; one physical line per value (line breaks folded to spaces); empty tags
omitted; one ``AU``/``KW``/``N1``/``L1`` per value. ``TY`` is the type table's RIS column
(:mod:`dlbib.exports.types`: ``UNPB``, ``JOUR``, ``CONF``, ``CHAP``, ``BOOK``, ``THES``, ``RPRT``,
``PAT``, ``COMP``, ``VIDEO``, ``BLOG``, ``ELEC``, …). Tags per field follow RIS.js's field map: a
conference paper has the proceedings title in ``C3`` and the event (``eventtitle``), if any, in
``T2`` (RIS.js reads T2 as conferenceName); the publisher-like field of each type goes to ``PB``
(studio, company, university, institution); report and patent numbers to ``SN``; a type label
to ``M3`` where RIS.js reads it (thesis, report, manuscript, letter, web). An arXiv id survives as
the arXiv DOI, the abstract URL and ``M2  - arXiv:<id> [<class>]`` (RIS.js puts M2 in Extra,
where Zotero keeps arXiv ids of published papers). Every field with no tag of its own goes to
one ``N1`` note of ``field: value`` lines, so nothing is lost. PDFs go out as ``L1``, an
open-access PDF link (``pdfurl``) as ``L4``. Text is plain Unicode.
"""

from __future__ import annotations

import re
from typing import Final

from dlbib.exports._options import ExportOptions, is_pdf, is_url
from dlbib.exports._pieces import Piece, framed
from dlbib.exports._placed import Placed
from dlbib.exports._record import Date, Record, split_pages, unescape_verbatim
from dlbib.exports.types import KINDS
from dlbib.library.names import OTHERS, NameSplitError, decode_name, format_ris_name, split_names

EOL: Final = "\r\n"
_BREAKS: Final = re.compile(r"[\r\n\u2028\u2029\t]+")
_PUBLISHER: Final = {
    "THES": ("school", "institution", "publisher"),
    "RPRT": ("institution", "publisher", "organization"),
    "PAT": ("holder", "assignee", "publisher"),
    "COMP": ("publisher", "organization", "howpublished"),
    "VIDEO": ("publisher", "organization", "howpublished"),
    "DATA": ("publisher", "organization", "howpublished"),
}
"""TY → the fields (first non-empty) that go to ``PB``; ``publisher`` for the rest."""
_TYPE_LABEL: Final = frozenset({"THES", "RPRT", "MANSCPT", "PCOMM", "BLOG", "ELEC"})
_SITE: Final = ("howpublished", "organization", "journaltitle", "journal")
_THESIS_TYPES: Final = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}


def _date(date: Date) -> str:
    """``YYYY/MM/DD/``, ``YYYY/MM//`` (RIS.js export form)."""
    month = f"{date.month:02d}" if date.month else ""
    day = f"{date.day:02d}" if date.day and date.month else ""
    return f"{date.year}/{month}/{day}/"


def render(record: Record, options: ExportOptions) -> str:
    """One RIS record, ``TY`` to ``ER``, each line ending in CRLF."""
    return place(record, options)[0]


def place(record: Record, options: ExportOptions) -> tuple[str, dict[str, str]]:
    """One RIS record, and where each field of the entry went."""
    p = Placed(record)
    ty = KINDS[record.kind].ris
    lines: list[tuple[str, str]] = [("TY", ty), ("ID", record.key), ("TI", _title(p))]
    p.mark("author", "AU")
    lines += [("AU", format_ris_name(decode_name(n))) for n in record.authors if n != OTHERS]
    editor_tag = "A3" if ty in ("BOOK", "EDBOOK") else "A2"
    p.mark("editor", editor_tag)
    lines += [(editor_tag, format_ris_name(decode_name(n))) for n in record.editors if n != OTHERS]
    lines += _translators(record, p)
    if record.issued:
        for name in ("year", "month", "day", "date"):
            p.mark(name, "PY/DA")
        lines.append(("PY", str(record.issued.year)))
        if record.issued.month:
            lines.append(("DA", _date(record.issued)))
    lines += _container(p, ty)
    sp, ep = split_pages(record.get("pages"))
    p.mark("pages", "SP/EP")
    lines += [("VL", p.take("volume", "VL"))]
    number_tag = {"RPRT": "SN", "PAT": "SN", "BOOK": "M1", "EDBOOK": "M1"}.get(ty, "IS")
    number = p.take("number", number_tag)
    lines += [("SP", sp), ("EP", ep)]
    pb = "arXiv" if ty == "UNPB" else p.first(_PUBLISHER.get(ty, ("publisher",)), "PB")
    lines += [("PB", pb)]
    lines += [("CY", p.first(("address", "location", "venue"), "CY"))]
    lines += [("ET", p.first(("version", "edition") if ty == "COMP" else ("edition",), "ET"))]
    if number_tag == "SN":
        lines += [("SN", number)]
    else:  # RIS.js: M1 is a book's series number
        lines += [(number_tag, number), ("SN", p.first(("issn", "isbn"), "SN"))]
    if ty in _TYPE_LABEL:
        label = p.take("type", "M3") or _THESIS_TYPES.get(record.entry_type, "")
        lines += [("M3", label)]
    p.mark("doi", "DO")
    p.mark("url", "UR")
    lines += [("DO", record.doi), ("UR", record.url)]
    if record.accessed:
        p.mark("urldate", "Y2")
        lines.append(("Y2", _date(record.accessed)))
    lines += [("AB", p.take("abstract", "AB")), ("LA", p.first(("language", "langid"), "LA"))]
    lines += [("ST", p.take("shorttitle", "ST"))]
    p.mark("keywords", "KW")
    lines += [("KW", _one_line(k)) for k in record.keywords]
    if record.arxiv:
        p.mark("howpublished" if "arxiv" in record.get("howpublished").lower() else "", "N1")
    if options.attachments != "none":
        p.mark("pdfurl", "L4")
    lines += [("M2", record.arxiv_note), ("N1", p.take("note", "N1"))]  # RIS.js: M2 → Extra
    lines += [("N1", "; ".join(p.rest("N1")))]
    lines += _attachments(record, options)
    folded = [(tag, _one_line(value)) for tag, value in lines if value]
    body = "".join(f"{tag}  - {value}{EOL}" for tag, value in folded if value)
    return body + "ER  - " + EOL, p.where


def _title(p: Placed) -> str:
    title, subtitle = p.take("title", "TI"), p.take("subtitle", "TI")
    return f"{title}: {subtitle}" if subtitle else title


def _container(p: Placed, ty: str) -> list[tuple[str, str]]:
    if ty == "UNPB":
        return [("T2", "arXiv")]
    if ty == "JOUR":
        return [
            ("T2", p.first(("journal", "journaltitle"), "T2")),
            ("J2", p.take("shortjournal", "J2")),
            ("T3", p.take("series", "T3")),
        ]
    if ty == "CONF":  # RIS.js: T2 → conferenceName, C3 → proceedingsTitle
        return [
            ("T2", p.take("eventtitle", "T2")),
            ("C3", p.take("booktitle", "C3")),
            ("T3", p.take("series", "T3")),
        ]
    if ty == "CHAP":
        return [("T2", p.take("booktitle", "T2")), ("T3", p.take("series", "T3"))]
    if ty in ("BOOK", "EDBOOK"):
        return [("T3", p.take("series", "T3"))]  # FORMATS.md §2: a book's series in T3
    if ty in ("BLOG", "ELEC"):
        return [("T2", p.first(_SITE, "T2"))]
    if ty in ("RPRT", "COMP"):
        return [("T2", p.take("series", "T2"))]
    return []


def _translators(record: Record, p: Placed) -> list[tuple[str, str]]:
    """``A4``: RIS.js reads it as the translator, except for a conference paper or a dataset
    (contributor there, so the names stay in ``N1``)."""
    value = record.fields.get("translator")
    if not value or KINDS[record.kind].zotero in ("conferencePaper", "dataset"):
        return []
    try:
        names = split_names(value)
    except NameSplitError:
        return []  # stays in N1
    p.mark("translator", "A4")
    return [("A4", format_ris_name(decode_name(n))) for n in names if n != OTHERS]


def _attachments(record: Record, options: ExportOptions) -> list[tuple[str, str]]:
    lines = []
    for file in record.files:
        path = options.file_path(file)
        if path:
            local = not is_url(path)  # a URL is a link: L4
            lines.append(("L1" if is_pdf(file) and local else "L4", _uri_safe(path)))
    pdfurl = record.fields.get("pdfurl", "")
    if pdfurl and options.attachments != "none":
        lines.append(("L4", unescape_verbatim(pdfurl)))
    return lines


def _uri_safe(path: str) -> str:
    """Zotero reaches a ``../`` path only as a relative URI (see ``_options``), where ``%``, ``#``
    and ``?`` would be an escape, a fragment and a query: write those three percent-encoded."""
    if not path.startswith("../") or not any(ch in path for ch in "%#?"):
        return path
    return path.replace("%", "%25").replace("#", "%23").replace("?", "%3F")


def _one_line(value: str) -> str:
    if value.isprintable():  # no line breaks, tabs or other separators but the space
        return value  # values arrive folded; this is only a guard
    return " ".join(_BREAKS.sub(" ", value).split())


def assemble(entries: list[Piece]) -> list[Piece]:
    """The whole file: records separated by an empty line; no header, no BOM."""
    return framed("", entries, EOL, "")
