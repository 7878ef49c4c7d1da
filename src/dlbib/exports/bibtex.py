"""Records → .bib text in two flavours: ``bibtex`` (natbib/BibTeX, ASCII) and ``biblatex`` (biber).

BibTeX flavour (FORMATS.md §4): ASCII only, non-ASCII letters as braced macros (``{\\L}ukasz``,
``Doll{\\'a}r``) — BibTeX 0.99d mangles UTF-8 names; arXiv preprints as ``@misc`` with
``howpublished = {arXiv:<id> [<class>]}`` (natbib styles ignore eprint fields) plus
``eprint``/``archivePrefix``/``primaryClass``; ``month`` as a bare macro; web pages as ``@misc``.
BibLaTeX flavour (§5): UTF-8 (accent macros become letters), ``@online`` with
``eprinttype``/``eprintclass``/``pubstate`` for preprints, ISO ``date``/``urldate`` and no
``year``/``month``. Both: organisations double-braced, words whose case matters braced in titles
(``{ImageNet}``), bare ``& % # _`` escaped outside math, ``url``/``doi``/``eprint``/``file``
verbatim (never ``\\_``), ``file`` records as ``:path:PDF``. ``@string`` macros are resolved, so
an export stands alone. Fields no style understands (``pdfurl``, ``mendeley-groups``) are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final
from urllib.parse import quote

from dlbib.errors import ExportError
from dlbib.exports._options import ExportOptions, is_pdf
from dlbib.exports._record import MONTHS, Record, split_pages
from dlbib.library.model import FileRecord, format_file_field
from dlbib.library.names import format_bibtex_name
from dlbib.library.text import UnencodableError, latex_letters_to_unicode, unicode_to_latex

BIBTEX_TYPES: Final = {
    "arxiv": "misc",
    "article": "article",
    "inproceedings": "inproceedings",
    "chapter": "incollection",
    "book": "book",
    "web": "misc",
}
BIBLATEX_TYPES: Final = {**BIBTEX_TYPES, "arxiv": "online", "web": "online"}
BIBTEX_HEADER: Final = "% dlbib BibTeX export (natbib/BibTeX + Zotero/Mendeley import). ASCII only."
BIBLATEX_HEADER: Final = "% dlbib BibLaTeX export (biber, UTF-8)"
VERBATIM: Final = frozenset({"url", "doi", "eprint", "file", "urldate", "date"})
_PROTECTED: Final = frozenset({"title", "booktitle"})
_SPECIALS: Final = re.compile(r"\\[A-Za-z]+|\\.|\$|[&%#_]")
_TOKENS: Final = re.compile(r"\\[A-Za-z]+|\\.|[{}$]|[A-Za-z0-9][A-Za-z0-9'-]*|[^A-Za-z0-9\\{}$]+")

_INNER_CAPITAL: Final = re.compile(r"[A-Za-z0-9][A-Z]")  # a capital that is not a word's first

Fields = list[tuple[str, str]]


def escape_specials(value: str) -> str:
    """Escape bare ``&``, ``%``, ``#`` and ``_`` outside ``$…$`` (they break LaTeX)."""
    if "&" not in value and "%" not in value and "#" not in value and "_" not in value:
        return value
    in_math = False

    def fix(m: re.Match[str]) -> str:
        nonlocal in_math
        token = m.group(0)
        if token == "$":
            in_math = not in_math
        elif len(token) == 1 and not in_math:
            return "\\" + token
        return token

    return _SPECIALS.sub(fix, value)


def protect_case(value: str) -> str:
    """Brace words whose capitals must survive a style's recasing: ``{ImageNet}``, ``{R-CNN}``.

    A word qualifies when one of its hyphen parts has a capital after its first character
    (``LSTM``, ``CS231n``, ``t-SNE``); ``Hyper-Parameter`` does not. Text already inside braces
    or math, and macro names, are left alone.
    """
    if not _INNER_CAPITAL.search(value):  # most titles: nothing to protect
        return value
    out: list[str] = []
    depth, in_math = 0, False
    for m in _TOKENS.finditer(value):
        token = m.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif token == "$":
            in_math = not in_math
        elif depth == 0 and not in_math and token[0].isalnum() and _needs_braces(token):
            token = "{" + token + "}"
        out.append(token)
    return "".join(out)


def _needs_braces(word: str) -> bool:
    return _INNER_CAPITAL.search(word) is not None


def _files(record: Record, options: ExportOptions) -> str:
    records = []
    for file in record.files:
        path = options.file_path(file)
        if path:
            kind = "PDF" if is_pdf(file) else file.type
            records.append(FileRecord(file.description, path, kind))
    return format_file_field(records)


def _names(record: Record, which: str) -> str:
    names = record.authors if which == "author" else record.editors
    return " and ".join(format_bibtex_name(n) for n in names)


def _common_tail(record: Record, options: ExportOptions) -> Fields:
    return [
        ("abstract", record.get("abstract")),
        ("keywords", ", ".join(record.keywords)),
        ("file", _files(record, options)),
    ]


def _eprint_bibtex(record: Record) -> Fields:
    if not record.arxiv:
        return []
    return [
        ("eprint", record.arxiv.id),
        ("archivePrefix", "arXiv"),
        ("primaryClass", record.arxiv_class),
    ]


def _eprint_biblatex(record: Record) -> Fields:
    if not record.arxiv:
        return []
    return [
        ("eprint", record.arxiv.id),
        ("eprinttype", "arxiv"),
        ("eprintclass", record.arxiv_class),
    ]


def bibtex_fields(record: Record, options: ExportOptions) -> Fields:
    """The BibTeX flavour's fields, in output order (values LaTeX, empty ones still listed)."""
    get, kind = record.get, record.kind
    first, last = split_pages(get("pages"))
    issued = record.issued
    note = get("note")
    if kind == "web" and record.accessed:
        accessed = f"Accessed: {record.accessed.iso()}"  # natbib styles do not print urldate
        note = f"{note}{'' if note.endswith('.') else '.'} {accessed}" if note else accessed
    fields: Fields = [
        ("author", _names(record, "author")),
        ("editor", _names(record, "editor")),
        ("title", get("title")),
        ("howpublished", _howpublished(record)),
        ("journal", get("journal") or get("journaltitle") if kind == "article" else ""),
        ("booktitle", get("booktitle") if kind in ("inproceedings", "chapter") else ""),
        ("series", get("series")),
        ("volume", get("volume")),
        ("number", get("number") if kind == "article" else ""),
        ("pages", f"{first}--{last}" if last else first),
        ("edition", get("edition")),
        ("address", get("address") or get("location")),
        ("publisher", get("publisher") if kind not in ("arxiv", "web", "article") else ""),
        ("type", get("type") if record.subkind == "blog" else ""),
        ("year", str(issued.year) if issued else ""),
        ("month", MONTHS[issued.month - 1] if issued and issued.month else ""),
        ("isbn", get("isbn") if kind in ("book", "chapter", "inproceedings") else ""),
        ("issn", get("issn") if kind == "article" else ""),
        *_eprint_bibtex(record),
        ("doi", record.doi),
        ("url", record.url),
        ("urldate", record.accessed.iso() if record.accessed else ""),
        *_common_tail(record, options),
        ("note", note),
        ("key", get("key") or _fallback_key(record)),
    ]
    return fields


def _howpublished(record: Record) -> str:
    """arXiv: ``arXiv:<id> [<class>]``; blog: its name; course/page: ``Online course, Coursera``.

    natbib styles print ``howpublished`` but not ``type``, so a course or page says what it is
    there (FORMATS.md §4.2: course → ``Online course``), followed by the site.
    """
    if record.kind == "arxiv":
        return record.arxiv_note
    site = record.get("howpublished") or record.get("organization")
    if record.subkind in ("course", "webpage") and record.get("type"):
        return ", ".join(part for part in (record.get("type"), site) if part)
    return site


def _fallback_key(record: Record) -> str:
    """natbib styles sort and label by ``key`` when an entry has no author or editor."""
    if record.authors or record.editors:
        return ""
    return record.get("howpublished") or record.get("organization") or record.get("title")


def biblatex_fields(record: Record, options: ExportOptions) -> Fields:
    """The BibLaTeX flavour's fields, in output order."""
    get, kind = record.get, record.kind
    first, last = split_pages(get("pages"))
    note = get("note")
    if kind == "web" and get("type"):  # @online has no type field: "Blog post. <note>"
        note = get("type").rstrip(".") + (f". {note}" if note else "")
    fields: Fields = [
        ("author", _names(record, "author")),
        ("editor", _names(record, "editor")),
        ("title", get("title")),
        ("journaltitle", get("journal") or get("journaltitle") if kind == "article" else ""),
        ("booktitle", get("booktitle") if kind in ("inproceedings", "chapter") else ""),
        ("shortjournal", get("shortjournal") if kind == "article" else ""),
        ("eventtitle", get("eventtitle")),
        ("venue", get("venue") or get("address") if kind == "inproceedings" else ""),
        ("organization", get("howpublished") or get("organization") if kind == "web" else ""),
        ("note", note),
        ("series", get("series")),
        ("volume", get("volume")),
        ("number", get("number") if kind == "article" else ""),
        ("pages", f"{first}--{last}" if last else first),
        ("edition", get("edition")),
        ("publisher", get("publisher") if kind not in ("arxiv", "web", "article") else ""),
        ("location", get("address") or get("location") if kind in ("book", "chapter") else ""),
        ("date", record.issued.iso() if record.issued else ""),
        *_eprint_biblatex(record),
        ("isbn", get("isbn") if kind in ("book", "chapter", "inproceedings") else ""),
        ("issn", get("issn") if kind == "article" else ""),
        ("doi", record.doi),
        ("url", record.url),
        ("urldate", record.accessed.iso() if record.accessed else ""),
        ("pubstate", "prepublished" if kind == "arxiv" else ""),
        *_common_tail(record, options),
        ("label", get("key")),
    ]
    return fields


def _spell(name: str, value: str, encode: Callable[[str], str]) -> str:
    if name in VERBATIM:
        return value
    value = escape_specials(value)
    if name in _PROTECTED:
        value = protect_case(value)
    return encode(value)


def _entry(
    record: Record, entry_type: str, fields: Fields, encode: Callable[[str], str], flavour: str
) -> str:
    present = [(n, v) for n, v in fields if v]
    width = max([9, *(len(n) for n, _ in present)])
    lines = []
    for name, value in present:
        try:
            spelled = _spell(name, value, encode)
        except UnencodableError as exc:
            raise ExportError(
                f"{name}: {exc}; the {flavour} flavour is ASCII-only (use biblatex instead)",
                record.key,
                flavour,
            ) from exc
        written = spelled if name == "month" else "{" + spelled + "}"
        lines.append(f"  {name:<{width}} = {written}")
    return f"@{entry_type}{{{record.key},\n" + ",\n".join(lines) + "\n}"


def _ascii_url(value: str) -> str:
    return value if value.isascii() else quote(value, safe=":/?#[]@!$&'()*+,;=%~")


def render_bibtex(record: Record, options: ExportOptions) -> str:
    """One entry of the BibTeX flavour.

    :raises ExportError: when a character has no ASCII LaTeX spelling (CJK, emoji).
    """
    if not record.key.isascii():
        raise ExportError(
            "the citation key is not ASCII, which BibTeX cannot handle (use biblatex instead)",
            record.key,
            "bibtex",
        )
    fields = [(n, _ascii_url(v) if n == "url" else v) for n, v in bibtex_fields(record, options)]
    return _entry(record, BIBTEX_TYPES[record.kind], fields, unicode_to_latex, "bibtex")


def render_biblatex(record: Record, options: ExportOptions) -> str:
    """One entry of the BibLaTeX flavour (UTF-8)."""
    fields = biblatex_fields(record, options)
    return _entry(record, BIBLATEX_TYPES[record.kind], fields, latex_letters_to_unicode, "biblatex")


def assemble_bibtex(entries: list[str]) -> str:
    """The whole BibTeX-flavour file: a comment header, entries separated by blank lines."""
    return "\n\n".join([BIBTEX_HEADER, *entries]) + "\n"


def assemble_biblatex(entries: list[str]) -> str:
    """The whole BibLaTeX-flavour file."""
    return "\n\n".join([BIBLATEX_HEADER, *entries]) + "\n"
