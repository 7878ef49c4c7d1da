"""Records → RIS, the format Zotero and Mendeley both import (FORMATS.md §2).

Rules kept here: ``TAG  - value`` lines ending in CRLF, UTF-8 without BOM, the file starting with
the first ``TY`` line; one physical line per value (line breaks folded to spaces); empty tags
omitted; one ``AU``/``KW``/``N1``/``L1`` per value. TY per kind: arXiv preprint ``UNPB``,
``JOUR``, ``CONF`` (T2 *and* C3 = proceedings), ``CHAP``, ``BOOK`` (series in T3, never T2),
``BLOG``, ``ELEC``. An arXiv id survives as the arXiv DOI, the abstract URL and an ``N1`` note.
PDFs go out as ``L1``, an open-access PDF link (``pdfurl``) as ``L4``. Text is plain Unicode.
"""

from __future__ import annotations

import re
from typing import Final

from dlbib.exports._options import ExportOptions, is_pdf
from dlbib.exports._record import Date, Record, split_pages, unescape_verbatim
from dlbib.library.names import OTHERS, decode_name, format_ris_name

TYPES: Final = {
    "arxiv": "UNPB",
    "article": "JOUR",
    "inproceedings": "CONF",
    "chapter": "CHAP",
    "book": "BOOK",
    "blog": "BLOG",
    "course": "ELEC",
    "webpage": "ELEC",
}
EOL: Final = "\r\n"
_BREAKS: Final = re.compile(r"[\r\n\u2028\u2029\t]+")


def _date(date: Date) -> str:
    """``YYYY/MM/DD/``, ``YYYY/MM//`` (RIS.js export form)."""
    month = f"{date.month:02d}" if date.month else ""
    day = f"{date.day:02d}" if date.day and date.month else ""
    return f"{date.year}/{month}/{day}/"


def render(record: Record, options: ExportOptions) -> str:
    """One RIS record, ``TY`` to ``ER``, each line ending in CRLF."""
    kind = record.subkind or record.kind
    ty = TYPES[kind]
    lines: list[tuple[str, str]] = [("TY", ty), ("ID", record.key), ("TI", record.text("title"))]
    lines += [("AU", format_ris_name(decode_name(n))) for n in record.authors if n != OTHERS]
    lines += [
        ("A3" if ty == "BOOK" else "A2", format_ris_name(decode_name(n)))
        for n in record.editors
        if n != OTHERS
    ]
    if record.issued:
        lines.append(("PY", str(record.issued.year)))
        if record.issued.month:
            lines.append(("DA", _date(record.issued)))
    lines += _container(record, ty)
    sp, ep = split_pages(record.get("pages"))
    lines += [("VL", record.text("volume") if ty not in ("ELEC", "BLOG") else "")]
    lines += [("IS", record.text("number") if ty == "JOUR" else "")]
    lines += [("SP", sp), ("EP", ep)]
    lines += [("PB", "arXiv" if kind == "arxiv" else record.text("publisher"))]
    lines += [("CY", record.text("address") or record.text("location"))]
    lines += [("ET", record.text("edition"))]
    isbn = record.text("isbn") if ty in ("BOOK", "CHAP", "CONF") else ""
    lines += [("SN", record.text("issn") if ty == "JOUR" else isbn)]
    lines += [("M3", record.text("type") if ty in ("ELEC", "BLOG") else "")]
    lines += [("DO", record.doi), ("UR", record.url)]
    if record.accessed and ty in ("ELEC", "BLOG"):
        lines.append(("Y2", _date(record.accessed)))
    lines += [("AB", record.text("abstract"))]
    lines += [("KW", _one_line(k)) for k in record.keywords]
    lines += [("N1", record.arxiv_note), ("N1", record.text("note"))]
    lines += _attachments(record, options)
    folded = [(tag, _one_line(value)) for tag, value in lines if value]
    body = "".join(f"{tag}  - {value}{EOL}" for tag, value in folded if value)
    return body + "ER  - " + EOL


def _container(record: Record, ty: str) -> list[tuple[str, str]]:
    if ty == "UNPB":
        return [("T2", "arXiv")]
    if ty == "JOUR":
        journal = record.text("journal") or record.text("journaltitle")
        return [("T2", journal), ("J2", record.text("shortjournal"))]
    if ty == "CONF":
        booktitle = record.text("booktitle")
        return [("T2", booktitle), ("C3", booktitle), ("T3", record.text("series"))]
    if ty == "CHAP":
        return [("T2", record.text("booktitle")), ("T3", record.text("series"))]
    if ty == "BOOK":
        return [("T3", record.text("series"))]
    return [("T2", record.text("howpublished") or record.text("organization"))]


def _attachments(record: Record, options: ExportOptions) -> list[tuple[str, str]]:
    lines = []
    for file in record.files:
        path = options.file_path(file)
        if path:
            local = not path.startswith(("http://", "https://"))  # a URL is a link: L4
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


def assemble(entries: list[str]) -> str:
    """The whole file: records separated by an empty line; no header, no BOM."""
    return EOL.join(entries)
