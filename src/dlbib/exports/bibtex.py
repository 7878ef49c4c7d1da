"""Records → .bib text in two flavours: ``bibtex`` (natbib/BibTeX, ASCII) and ``biblatex`` (biber).

Both flavours keep **every field** of the entry (crossref included: the exporter adds the
parent), renamed to the flavour's spelling, and only rewrite what they must: names re-joined,
pages with ``--``, the date, the arXiv fields, ``url``/``doi``/``file``/``keywords`` normalised.
The entry type is kept when the flavour knows it, else the type table's column
(:mod:`dlbib.exports.types`).

BibTeX flavour (FORMATS.md §4): ASCII only, non-ASCII letters as braced macros (``{\\L}ukasz``,
``Doll{\\'a}r``) — BibTeX 0.99d mangles UTF-8 names; a character with no LaTeX spelling is
transliterated by ``anyascii`` (``深度`` → ``ShenDu``), or dropped with a warning when it has
none (U+FFFD); arXiv preprints as ``@misc`` with ``howpublished = {arXiv:<id> [<class>]}``
(natbib styles ignore eprint fields) plus ``eprint``/``archivePrefix``/``eprinttype`` (Zotero
reads only ``eprinttype``)/``primaryClass``; biblatex names mapped back (``journaltitle`` →
``journal``, ``location`` → ``address``, ``date`` → ``year``/``month``, ``@thesis`` →
``@phdthesis``); ``month`` as a bare macro; web pages, videos and software as ``@misc``.
BibLaTeX flavour (§5): UTF-8 (accent macros become letters), ``@online`` (preprints, web pages,
blogs), ``@video``, ``@software``, with ``eprinttype``/``eprintclass``/``pubstate`` for preprints,
a real ``type`` field, the site of a web page in ``journaltitle`` (what Zotero reads as its
website title), ``location`` (BibTeX's ``address``), ISO ``date``/``urldate`` and no
``year``/``month``. Both: organisations double-braced, words whose case matters braced in titles
(``{ImageNet}``), bare ``& % # _`` escaped outside math, ``url``/``doi``/``eprint``/``file``
verbatim (never ``\\_``), ``file`` records as ``:path:PDF``. ``@string`` macros are resolved, so
an export stands alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final
from urllib.parse import quote

from dlbib.errors import ExportError
from dlbib.exports._options import ExportOptions, is_pdf
from dlbib.exports._pieces import Piece, framed
from dlbib.exports._record import MONTHS, Record, split_pages
from dlbib.exports.types import BIBLATEX_MODEL, BIBTEX_STANDARD, KINDS
from dlbib.library.model import FileRecord, format_file_field
from dlbib.library.names import format_bibtex_name
from dlbib.library.text import UnencodableError, latex_letters_to_unicode, unicode_to_latex

BIBTEX_HEADER: Final = "% dlbib BibTeX export (natbib/BibTeX + Zotero/Mendeley import). ASCII only."
BIBLATEX_HEADER: Final = "% dlbib BibLaTeX export (biber, UTF-8)"
VERBATIM: Final = frozenset(
    {"url", "doi", "eprint", "file", "urldate", "date", "crossref", "xdata"}
)
_PROTECTED: Final = frozenset({"title", "booktitle"})
_SPECIALS: Final = re.compile(r"\\[A-Za-z]+|\\.|\$|[&%#_]")
_TOKENS: Final = re.compile(r"\\[A-Za-z]+|\\.|[{}$]|[A-Za-z0-9][A-Za-z0-9'-]*|[^A-Za-z0-9\\{}$]+")

_INNER_CAPITAL: Final = re.compile(r"[A-Za-z0-9][A-Z]")  # a capital that is not a word's first
_REWRITTEN: Final = frozenset(
    {"author", "editor", "pages", "year", "month", "day", "date", "eprint", "archiveprefix",
     "eprinttype", "primaryclass", "eprintclass", "doi", "url", "urldate", "file", "keywords"}
)  # fmt: skip
"""Fields both flavours write from the record's parsed parts, never copied as they are."""
_TO_BIBTEX: Final = {"journaltitle": "journal", "location": "address"}
_TO_BIBLATEX: Final = {"journal": "journaltitle", "address": "location"}
_BIBLATEX_THESIS: Final = {"phdthesis": "phdthesis", "mastersthesis": "mathesis"}
"""biblatex's @thesis needs a ``type``: BibTeX's entry type says which (biblatex's own keys)."""
_WEB_KINDS: Final = frozenset({"preprint", "blog", "webpage", "video", "software", "dataset"})

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


def _eprint(record: Record, flavour: str) -> Fields:
    if not record.arxiv:
        return []
    if flavour == "bibtex":
        return [
            ("eprint", record.arxiv.id),
            ("archivePrefix", "arXiv"),
            ("eprinttype", "arxiv"),
            ("primaryClass", record.arxiv_class),
        ]
    return [
        ("eprint", record.arxiv.id),
        ("eprinttype", "arxiv"),
        ("eprintclass", record.arxiv_class),
    ]


def entry_type(record: Record, flavour: str) -> str:
    """The entry type in ``flavour``: the library's own when the flavour knows it (and it was
    not refined, as ``@misc`` is into a blog or video), else the type table's column."""
    kind, own = record.kind, record.entry_type
    if flavour == "bibtex":
        if own in BIBTEX_STANDARD and kind != "preprint":
            return own
        if kind == "thesis":
            label = record.text("type").lower()
            return "mastersthesis" if "master" in label or label == "ma" else "phdthesis"
        return KINDS[kind].bibtex
    if own in BIBLATEX_MODEL and own not in ("misc", "online") and kind != "preprint":
        return own
    return KINDS[kind].biblatex


def _kept(record: Record, flavour: str) -> Fields:
    """The library's other fields, renamed to the flavour's spelling, in library order."""
    rename = _TO_BIBTEX if flavour == "bibtex" else _TO_BIBLATEX
    fields = []
    for name, value in record.fields.items():
        if name not in _REWRITTEN and value:
            fields.append((rename.get(name, name), value))
    return fields


_ORDER: Final = {
    name: i
    for i, name in enumerate(
        [
            "author",
            "editor",
            "translator",
            "bookauthor",
            "title",
            "subtitle",
            "titleaddon",
            "shorttitle",
            "howpublished",
            "journal",
            "journaltitle",
            "booktitle",
            "booksubtitle",
            "maintitle",
            "eventtitle",
            "shortjournal",
            "series",
            "volume",
            "number",
            "pages",
            "edition",
            "venue",
            "address",
            "location",
            "publisher",
            "school",
            "institution",
            "organization",
            "type",
            "year",
            "month",
            "date",
            "isbn",
            "issn",
            "eprint",
            "archiveprefix",
            "eprinttype",
            "primaryclass",
            "eprintclass",
            "doi",
            "url",
            "urldate",
            "pubstate",
            "abstract",
            "keywords",
            "file",
            "note",
            "key",
            "label",
        ]
    )
}
"""The order both flavours write fields in; other fields follow in the library's order."""


def _merge(first: Fields, rest: Fields) -> Fields:
    """``first`` and the fields of ``rest`` not named in ``first``, in :data:`_ORDER`."""
    named = {n.lower() for n, _ in first}
    fields = first + [(n, v) for n, v in rest if n.lower() not in named]
    last = len(_ORDER)
    return sorted(fields, key=lambda f: _ORDER.get(f[0].lower(), last))


def bibtex_fields(record: Record, options: ExportOptions) -> Fields:
    """The BibTeX flavour's fields, in output order (values LaTeX, empty ones still listed)."""
    get, kind = record.get, record.kind
    first, last = split_pages(get("pages"))
    issued = record.issued
    note = get("note")
    web = kind in _WEB_KINDS
    if web and record.accessed:
        accessed = f"Accessed: {record.accessed.iso()}"  # natbib styles do not print urldate
        note = f"{note}{'' if note.endswith('.') else '.'} {accessed}" if note else accessed
    fields: Fields = [
        ("author", _names(record, "author")),
        ("editor", _names(record, "editor")),
        ("title", get("title")),
        ("howpublished", _howpublished(record) if web else get("howpublished")),
        ("journal", get("journal") or get("journaltitle")),
        ("pages", f"{first}--{last}" if last else first),
        ("address", get("address") or get("location")),
        ("school", get("school") or (get("institution") if kind == "thesis" else "")),
        ("year", str(issued.year) if issued else ""),
        ("month", MONTHS[issued.month - 1] if issued and issued.month else ""),
        *_eprint(record, "bibtex"),
        ("doi", record.doi),
        ("url", record.url),
        ("urldate", record.accessed.iso() if record.accessed else ""),
        ("keywords", ", ".join(record.keywords)),
        ("file", _files(record, options)),
        ("note", note),
        ("key", get("key") or _fallback_key(record)),
    ]
    return _merge(fields, _kept(record, "bibtex"))


def _howpublished(record: Record) -> str:
    """arXiv: ``arXiv:<id> [<class>]``; blog: its name; course/page: ``Online course, Coursera``.

    natbib styles print ``howpublished`` but not ``type``, so a web page says what it is there
    (FORMATS.md §4.2: course → ``Online course``), followed by the site.
    """
    if record.kind == "preprint":
        return record.arxiv_note
    site = record.get("howpublished") or record.get("organization")
    if record.kind != "blog" and record.get("type"):
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
    online = entry_type(record, "biblatex") == "online"
    site = get("howpublished") or get("journaltitle") or get("journal") or get("organization")
    fields: Fields = [
        ("author", _names(record, "author")),
        ("editor", _names(record, "editor")),
        ("title", get("title")),
        (
            "journaltitle",
            site if online and kind != "preprint" else get("journal") or get("journaltitle"),
        ),
        ("howpublished", "" if online else get("howpublished")),
        ("pages", f"{first}--{last}" if last else first),
        ("location", get("address") or get("location")),
        ("institution", get("institution") or (get("school") if kind == "thesis" else "")),
        ("date", record.issued.iso() if record.issued else ""),
        *_eprint(record, "biblatex"),
        ("doi", record.doi),
        ("url", record.url),
        ("urldate", record.accessed.iso() if record.accessed else ""),
        ("pubstate", get("pubstate") or ("prepublished" if kind == "preprint" else "")),
        ("type", get("type") or _BIBLATEX_THESIS.get(record.entry_type, "")),
        ("keywords", ", ".join(record.keywords)),
        ("file", _files(record, options)),
        ("label", get("label") or get("key")),
    ]
    kept = [(n, v) for n, v in _kept(record, "biblatex") if n not in ("key", "school")]
    if kind == "preprint" and record.arxiv:
        kept = [(n, v) for n, v in kept if not (n == "howpublished" and "arxiv" in v.lower())]
    return _merge(fields, kept)


def placement(record: Record, flavour: str) -> dict[str, str]:
    """Where each field of the entry goes in ``flavour``: its own name, or the flavour's."""
    rename = _TO_BIBTEX if flavour == "bibtex" else _TO_BIBLATEX
    dates = {"year": "year", "month": "month", "day": "(dropped: BibTeX has no day)"}
    where = {}
    for name in record.fields:
        if name in ("year", "month", "day", "date"):
            where[name] = "date" if flavour == "biblatex" else dates.get(name, "year/month")
        elif name in ("archiveprefix", "primaryclass", "eprinttype", "eprintclass"):
            where[name] = "eprint fields"
        else:
            where[name] = rename.get(name, name)
    return where


def _spell(name: str, value: str, encode: Callable[[str], str]) -> str:
    if name in VERBATIM:
        return value
    value = escape_specials(value)
    if name in _PROTECTED:
        value = protect_case(value)
    return encode(value)


def _entry(
    record: Record,
    entry_type: str,
    fields: Fields,
    encode: Callable[[str], str],
    warn: Callable[[str], None] | None = None,
) -> str:
    present = [(n, v) for n, v in fields if v]
    width = max([9, *(len(n) for n, _ in present)])
    lines = []
    for name, value in present:
        try:
            spelled = _spell(name, value, encode)
        except UnencodableError:
            spelled = _spell(name, _transliterate(value, name, warn or (lambda _: None)), encode)
        written = spelled if name == "month" else "{" + spelled + "}"
        lines.append(f"  {name:<{width}} = {written}")
    return f"@{entry_type}{{{record.key},\n" + ",\n".join(lines) + "\n}"


def _transliterate(value: str, name: str, warn: Callable[[str], None]) -> str:
    """Each character with no LaTeX spelling → anyascii's ASCII for it, or nothing (warned)."""
    from anyascii import anyascii

    out = []
    for char in value:
        if char.isascii():
            out.append(char)
            continue
        try:
            unicode_to_latex(char)
            out.append(char)
            continue
        except UnencodableError:
            pass
        ascii_text = anyascii(char) if char != "\ufffd" else ""
        if ascii_text:
            warn(
                f"{name}: character U+{ord(char):04X} has no LaTeX spelling; "
                f"written as anyascii's {ascii_text!r}"
            )
        else:
            warn(f"{name}: character U+{ord(char):04X} has no ASCII spelling; dropped")
        out.append(ascii_text)
    return "".join(out)


def _ascii_url(value: str) -> str:
    return value if value.isascii() else quote(value, safe=":/?#[]@!$&'()*+,;=%~")


def render_bibtex(record: Record, options: ExportOptions) -> str:
    """One entry of the BibTeX flavour (a character without ASCII spelling is transliterated).

    :raises ExportError: when the citation key is not ASCII (BibTeX cannot cite it).
    """
    if not record.key.isascii():
        raise ExportError(
            "the citation key is not ASCII, which BibTeX cannot handle (use biblatex instead)",
            record.key,
            "bibtex",
        )
    fields = [(n, _ascii_url(v) if n == "url" else v) for n, v in bibtex_fields(record, options)]
    return _entry(
        record, entry_type(record, "bibtex"), fields, unicode_to_latex, record.warnings.append
    )


def render_biblatex(record: Record, options: ExportOptions) -> str:
    """One entry of the BibLaTeX flavour (UTF-8)."""
    fields = biblatex_fields(record, options)
    return _entry(record, entry_type(record, "biblatex"), fields, _letters_to_unicode)


def _letters_to_unicode(value: str) -> str:
    """Accent macros → letters; a value pylatexenc trips over (``\\href``) stays as it is."""
    try:
        return latex_letters_to_unicode(value)
    except (IndexError, KeyError, ValueError, TypeError):
        return value


def assemble_bibtex(entries: list[Piece]) -> list[Piece]:
    """The whole BibTeX-flavour file: a comment header, entries separated by blank lines."""
    return _headed(BIBTEX_HEADER, entries)


def assemble_biblatex(entries: list[Piece]) -> list[Piece]:
    """The whole BibLaTeX-flavour file."""
    return _headed(BIBLATEX_HEADER, entries)


def _headed(header: str, entries: list[Piece]) -> list[Piece]:
    """``header`` and the entries, separated by blank lines, newline-terminated."""
    if not entries:
        return [header, "\n"]
    return framed(header + "\n\n", entries, "\n\n", "\n")
