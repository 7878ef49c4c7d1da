"""The part of a citation after its title: venue, volume, number, pages, publisher and year
(``Nature 521.7553 (2015): 436-444``, ``In Proceedings of ICML, 2014``, ``JAIR 1996``), and what
kind of entry that venue makes (journal, proceedings, book).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

_PROCEEDINGS: Final = re.compile(
    r"(?i)\b(?:proc\.|proceedings|conference|workshop|symposium|advances in neural|nips|neurips"
    r"|icml|iclr|cvpr|iccv|eccv|acl|emnlp|naacl|eacl|coling|aaai|ijcai|kdd|aistats|colt|uai"
    r"|interspeech|icassp|siggraph|www|sigir|wsdm|icra|iros|corl|rss|usenix|ccs|ndss|s&p|oakland"
    r"|onward|splash|oopsla|ecoop|pldi|popl|icse|fse|uist|chi|<programming>|miccai|bmvc|wacv)\b"
)
_JOURNAL: Final = re.compile(
    r"(?i)\b(?:journal|transactions|trans\.|nature|science|letters|review|jmlr|jair|tpami|pami"
    r"|neural computation|neural networks|magazine|corr|arxiv|machine learning|artificial "
    r"intelligence|ijrr|ijcv|cognitive science|sadhana|the art, science)\b"
)
_YEAR: Final = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_VOL: Final = re.compile(
    r"\b(\d{1,4})\.(\d{1,5})\b|\bvol(?:ume)?\.?\s*(\d+)(?:,?\s*no\.?\s*(\d+))?"
)
_DATE: Final = re.compile(
    r"\b\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?\s+((?:19|20)\d{2})\b",
    re.IGNORECASE,
)
_PAGES: Final = re.compile(r"(?:pp?\.\s*|:\s*)(\d+)\s*[-–]+\s*(\d+)")


@dataclass(frozen=True, slots=True)
class Venue:
    """What the text after a title says."""

    year: str | None = None
    journal: str | None = None
    booktitle: str | None = None
    book: bool = False
    volume: str | None = None
    number: str | None = None
    pages: str | None = None
    publisher: str | None = None


def split_venue(rest: str) -> Venue:
    """Read ``rest`` (the text after a title, Markdown removed)."""
    text = re.sub(r"\[[^\]]*\]|:\w+:", " ", rest)  # leftover label brackets, :star: codes
    text = re.sub(r"\*\*\([^)]*\)\*\*|\s+", " ", text).strip(" .,;:")
    text = _DATE.sub(lambda m: m.group(1), text)  # "15 Sep 2022" (a post's date): the year only
    years = _YEAR.findall(text)
    year = years[0] if years else None
    if text.startswith("(") and not years:
        return Venue()  # "(New Model, Fast)": the list's own note
    name = re.sub(r"(?i)^(?:in|at|published in)\s+", "", text)
    name = re.split(r"\s*\(?(?:19|20)\d{2}\b|\s+(?:vol\.|pp\.)|\s+\d", name)[0].strip(" .,;:(")
    name = re.sub(r"(?i)\barxiv preprint\b.*", "arXiv preprint", name).strip(" .,;:")
    book = bool(re.search(r"(?i)\bbook\b|\bpress\b", text)) and not _JOURNAL.search(name)
    volume = number = pages = None
    m = _VOL.search(text)
    if m:
        volume, number = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    p = _PAGES.search(text)
    if p:
        pages = f"{p.group(1)}--{p.group(2)}"
    if not name or len(name) > 160 or name.startswith("(") or not re.search(r"[A-Za-z]{2}", name):
        return Venue(year, book=book)
    if book:
        return Venue(year, book=True, publisher=name if "press" in name.lower() else None)
    if _PROCEEDINGS.search(name) and not re.match(r"(?i)journal", name):
        return Venue(year, booktitle=name, volume=volume, pages=pages)
    if _JOURNAL.search(name) or volume:
        return Venue(year, journal=name, volume=volume, number=number, pages=pages)
    return Venue(year, journal=name if len(name.split()) >= 2 else None, pages=pages)
