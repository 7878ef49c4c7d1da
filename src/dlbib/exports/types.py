"""The one type table: what each library entry *is*, and what it becomes in every format.

:func:`classify` gives an entry's :data:`KINDS` key from its entry type, its fields and whether
it cites arXiv; every exporter then takes its own column of :data:`KINDS`. The columns were
checked against Zotero's own import code (RIS.js ``exportTypeMap``/``importTypeMap``, CSL
JSON.js ``CSL_TYPES`` and schema 41's ``csl.types``, BibTeX.js ``bibtex2zoteroTypeMap``, RDF.js),
run through the oracle in ``tests/test_zotero_oracle.py``. README "Export" shows this table.

Rules, in order:

1. An entry with an arXiv id and no real venue (``@misc``/``@online``/``@unpublished``, or an
   ``@article``/``@inproceedings`` whose journal is "arXiv preprint …"/"CoRR") is a ``preprint``.
2. The entry type, after aliases (``@conference`` = ``@inproceedings``, ``@phdthesis`` =
   ``@thesis``, ``@electronic``/``@www`` = ``@online``, …), names the kind.
3. ``@misc``/``@online`` are refined by their ``type`` label: a video, software, a dataset, a
   blog, else a web page (with a URL) or a generic document (without).
4. Anything else (a type no standard knows) is a ``document``, with a one-line note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Kind:
    """One row of the type table."""

    zotero: str
    """Zotero item type (Zotero RDF ``z:itemType``)."""
    ris: str
    """RIS ``TY``."""
    csl: str
    """CSL-JSON ``type`` (only types Zotero's CSL JSON.js accepts)."""
    bibtex: str
    """BibTeX-flavour entry type (BibTeX's standard styles)."""
    biblatex: str
    """BibLaTeX-flavour entry type (biblatex's data model)."""
    label: str
    """What it is, for the README and ``--report``."""


KINDS: Final[dict[str, Kind]] = {
    "preprint": Kind("preprint", "UNPB", "article", "misc", "online", "arXiv preprint"),
    "article": Kind(
        "journalArticle", "JOUR", "article-journal", "article", "article", "journal article"
    ),
    "inproceedings": Kind(
        "conferencePaper",
        "CONF",
        "paper-conference",
        "inproceedings",
        "inproceedings",
        "conference paper",
    ),
    "chapter": Kind(
        "bookSection", "CHAP", "chapter", "incollection", "incollection", "chapter / part of a book"
    ),
    "book": Kind("book", "BOOK", "book", "book", "book", "book"),
    "proceedings": Kind(
        "book", "BOOK", "book", "proceedings", "proceedings", "conference proceedings volume"
    ),
    "collection": Kind("book", "EDBOOK", "book", "book", "collection", "edited collection"),
    "thesis": Kind("thesis", "THES", "thesis", "phdthesis", "thesis", "thesis"),
    "report": Kind("report", "RPRT", "report", "techreport", "report", "report"),
    "patent": Kind("patent", "PAT", "patent", "misc", "patent", "patent"),
    "manuscript": Kind(
        "manuscript", "MANSCPT", "manuscript", "unpublished", "unpublished", "unpublished work"
    ),
    "letter": Kind("letter", "PCOMM", "personal_communication", "misc", "letter", "letter"),
    "dataset": Kind("dataset", "DATA", "dataset", "misc", "dataset", "dataset"),
    "software": Kind("computerProgram", "COMP", "book", "misc", "software", "software"),
    "video": Kind("videoRecording", "VIDEO", "motion_picture", "misc", "misc", "video"),
    "blog": Kind("blogPost", "BLOG", "post-weblog", "misc", "online", "blog post"),
    "webpage": Kind("webpage", "ELEC", "webpage", "misc", "online", "web page, course, site"),
    "document": Kind("document", "GEN", "document", "misc", "misc", "anything else"),
}
"""Kind → its type in every format. CSL ``software`` is written as ``book`` + ``version``:
Zotero's CSL importer refuses a whole file holding a ``software`` item (CSL JSON.js
``detectImport``), and ``book`` with a version is its computerProgram route. A video is
BibLaTeX ``@misc`` although biblatex's data model has ``@video`` (which Zotero would read as a
video): biblatex's standard styles have no driver for ``@video`` ("No driver for 'video'"), so
the entry would print empty. A library's own ``@video`` stays ``@video``."""

BIBTEX_STANDARD: Final = frozenset(
    [
        "article",
        "book",
        "booklet",
        "conference",
        "inbook",
        "incollection",
        "inproceedings",
        "manual",
        "mastersthesis",
        "misc",
        "phdthesis",
        "proceedings",
        "techreport",
        "unpublished",
    ]
)
"""Entry types of BibTeX's standard styles: the BibTeX flavour keeps these as they are."""
BIBLATEX_MODEL: Final = frozenset(
    [
        "article",
        "artwork",
        "audio",
        "bibnote",
        "book",
        "bookinbook",
        "booklet",
        "collection",
        "commentary",
        "dataset",
        "inbook",
        "incollection",
        "inproceedings",
        "inreference",
        "image",
        "jurisdiction",
        "legal",
        "legislation",
        "letter",
        "manual",
        "misc",
        "movie",
        "music",
        "mvcollection",
        "mvreference",
        "mvproceedings",
        "mvbook",
        "online",
        "patent",
        "performance",
        "periodical",
        "proceedings",
        "reference",
        "report",
        "review",
        "set",
        "software",
        "standard",
        "suppbook",
        "suppcollection",
        "suppperiodical",
        "thesis",
        "unpublished",
        "video",
    ]
)
"""Entry types of biblatex's data model (blx-dm.def): the BibLaTeX flavour keeps these."""

_ALIASES: Final = {
    "conference": "inproceedings",
    "inproceedings": "inproceedings",
    "article": "article",
    "periodical": "article",
    "suppperiodical": "article",
    "review": "article",
    "inbook": "chapter",
    "incollection": "chapter",
    "inreference": "chapter",
    "bookinbook": "chapter",
    "suppbook": "chapter",
    "suppcollection": "chapter",
    "book": "book",
    "mvbook": "book",
    "booklet": "book",
    "manual": "book",
    "reference": "collection",
    "mvreference": "collection",
    "collection": "collection",
    "mvcollection": "collection",
    "proceedings": "proceedings",
    "mvproceedings": "proceedings",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "standard": "report",
    "patent": "patent",
    "unpublished": "manuscript",
    "letter": "letter",
    "dataset": "dataset",
    "software": "software",
    "softwareversion": "software",  # the biblatex-software package's types
    "softwaremodule": "software",
    "codefragment": "software",
    "video": "video",
    "movie": "video",
}
_WEB_TYPES: Final = frozenset({"misc", "online", "electronic", "www", "webpage"})
_PREPRINT_TYPES: Final = frozenset({*_WEB_TYPES, "unpublished", "article", "inproceedings"})
_LABELS: Final = (
    ("video", re.compile(r"(?i)\bvideo|\blecture recording|\bscreencast|\bmovie|\bfilm\b")),
    ("software", re.compile(r"(?i)software|repository|\bcode\b|\bprogram\b|\bpackage\b")),
    ("dataset", re.compile(r"(?i)\bdata ?sets?\b")),
    ("blog", re.compile(r"(?i)\bblog")),
)  # fmt: skip


def classify(entry_type: str, type_label: str, has_url: bool, preprint: bool) -> tuple[str, str]:
    """The kind of an entry, and a one-line note when the type is one no table knows.

    :param entry_type: the lower-case entry type (``misc``).
    :param type_label: the plain text of its ``type`` field (``Blog post``), or ``""``.
    :param has_url: whether it has a ``url``.
    :param preprint: whether it cites arXiv without a real venue (rule 1).
    """
    if preprint and entry_type in _PREPRINT_TYPES:
        return "preprint", ""
    kind = _ALIASES.get(entry_type)
    if kind:
        return kind, ""
    if entry_type in _WEB_TYPES:
        for name, pattern in _LABELS:
            if pattern.search(type_label):
                return name, ""
        return ("webpage" if has_url or entry_type != "misc" else "document"), ""
    return "document", f"@{entry_type} is no standard type: exported as a generic document"
