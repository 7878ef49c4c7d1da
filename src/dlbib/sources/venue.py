"""Where a paper appeared: the :class:`Publication` every venue service's answer becomes.

A publication carries what a bibliography needs (venue, volume, pages, publisher, DOI, year),
who said so (``source``: the service that confirmed it, and its record id) and the venue's
*class*: main conference, workshop, findings, datasets & benchmarks track, journal, book
chapter — or preprint and submission, which are not publications at all. The class is decided
here, from the venue's own words, once for every service, so no service can call a workshop
paper or a rejected submission a conference paper. No I/O.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal

VenueClass = Literal[
    "conference", "workshop", "findings", "datasets", "journal", "chapter", "preprint",
    "submission",
]  # fmt: skip

PUBLISHED_CLASSES: Final = frozenset(
    {"conference", "workshop", "findings", "datasets", "journal", "chapter"}
)
"""The classes that are a published version (preprints and submissions are not)."""

CLASS_NAMES: Final = {
    "conference": "main conference", "workshop": "workshop", "findings": "findings",
    "datasets": "datasets & benchmarks track", "journal": "journal", "chapter": "book chapter",
    "preprint": "preprint", "submission": "submission (not accepted)",
}  # fmt: skip

# abbreviation -> (full name, publisher, series); the venues ML bibliographies cite most.
VENUES: Final[dict[str, tuple[str, str, str]]] = {
    "ICML": ("International Conference on Machine Learning", "PMLR",
             "Proceedings of Machine Learning Research"),
    "NEURIPS": ("Advances in Neural Information Processing Systems", "Curran Associates, Inc.", ""),
    "ICLR": ("International Conference on Learning Representations", "OpenReview.net", ""),
    "ICCV": ("IEEE International Conference on Computer Vision (ICCV)", "IEEE", ""),
    "CVPR": ("IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)", "IEEE", ""),
    "ECCV": ("European Conference on Computer Vision (ECCV)", "Springer", ""),
    "ACL": ("Annual Meeting of the Association for Computational Linguistics",
            "Association for Computational Linguistics", ""),
    "EMNLP": ("Conference on Empirical Methods in Natural Language Processing",
              "Association for Computational Linguistics", ""),
    "NAACL": ("Conference of the North American Chapter of the Association for Computational "
              "Linguistics", "Association for Computational Linguistics", ""),
    "AAAI": ("AAAI Conference on Artificial Intelligence", "AAAI Press", ""),
    "IJCAI": ("International Joint Conference on Artificial Intelligence", "IJCAI", ""),
    "AISTATS": ("International Conference on Artificial Intelligence and Statistics", "PMLR",
                "Proceedings of Machine Learning Research"),
    "COLT": ("Conference on Learning Theory", "PMLR", "Proceedings of Machine Learning Research"),
    "UAI": ("Conference on Uncertainty in Artificial Intelligence", "PMLR",
            "Proceedings of Machine Learning Research"),
    "TMLR": ("Transactions on Machine Learning Research", "", ""),
    "JMLR": ("Journal of Machine Learning Research", "", ""),
    "TPAMI": ("IEEE Transactions on Pattern Analysis and Machine Intelligence", "IEEE", ""),
    "KDD": ("ACM SIGKDD International Conference on Knowledge Discovery and Data Mining", "ACM",
            ""),
}  # fmt: skip
SHORT_SERIES: Final = {
    "Proceedings of Machine Learning Research": "PMLR",
    "Lecture Notes in Computer Science": "LNCS",
}
_ALIASES: Final = {
    "NIPS": "NEURIPS",
    "NEURAL INFORMATION PROCESSING SYSTEMS": "NEURIPS",
    "TRANS. MACH. LEARN. RES.": "TMLR",
    "J. MACH. LEARN. RES.": "JMLR",  # DBLP's journal abbreviations
    "IEEE TRANS. PATTERN ANAL. MACH. INTELL.": "TPAMI",
}

_PART = re.compile(r"(?:-HLT)?\s*\((?:\d+|POSTER|ORAL|SPOTLIGHT)\)$|-HLT$")
"""A volume or presentation kind after a venue (not "(Findings)" or "(Workshop)")."""
_WORKSHOP = re.compile(r"\bworkshops?\b|\bwork\b\.?$|@", re.IGNORECASE)
_FINDINGS = re.compile(r"\bfindings\b", re.IGNORECASE)
_DATASETS = re.compile(r"datasets[ _]?(?:and|&)[ _]?benchmarks", re.IGNORECASE)
_PREPRINT = re.compile(r"^(?:corr|arxiv(?:\.org)?|biorxiv|medrxiv|ssrn)\b", re.IGNORECASE)
_SUBMISSION = re.compile(
    r"^submitted to\b|\b(?:withdrawn|rejected|desk[ _]rejected)\b|under[ _]review|/submission$",
    re.IGNORECASE,
)


def classify_venue(venue: str, kind: str = "") -> VenueClass:
    """The class of a venue from its name and the service's record type.

    :param venue: the venue as the service writes it (``ICML``, ``ICML Workshop on …``,
        ``Findings of EMNLP``, ``Submitted to ICLR 2015``, ``CoRR``).
    :param kind: the service's record type: ``journal``, ``conference``, ``chapter`` or ``""``.
    """
    text = venue.strip()
    if _SUBMISSION.search(text):
        return "submission"
    if not text or _PREPRINT.match(text):
        return "preprint" if kind != "chapter" else "chapter"
    if _WORKSHOP.search(text):
        return "workshop"
    if _FINDINGS.search(text):
        return "findings"
    if _DATASETS.search(text):
        return "datasets"
    if kind in ("journal", "chapter"):
        return "journal" if kind == "journal" else "chapter"
    return "conference"


def venue_abbreviation(venue: str) -> str | None:
    """The key of :data:`VENUES` a venue name stands for (``NEURIPS`` for "NIPS"), or None."""
    text = _PART.sub("", venue.strip().upper())  # DBLP's "ICLR (Poster)", "NAACL-HLT (1)"
    text = _ALIASES.get(text, text)
    if text in VENUES:
        return text
    for abbr, (full, _publisher, _series) in VENUES.items():
        if text in (full.upper(), re.sub(r"\s*\([A-Z]+\)$", "", full.upper())):
            return abbr
    return None


def venue_display(venue: str) -> str:
    """How a report names the venue: ``NeurIPS``, ``ICML``, or the name as given."""
    abbr = venue_abbreviation(venue)
    return {"NEURIPS": "NeurIPS"}.get(abbr or "", abbr or venue)


@dataclass(frozen=True)
class Publication:
    """A published version of a paper, as one service describes it."""

    title: str
    authors: tuple[str, ...]
    """``Given Family`` names, in the service's order (disambiguation suffixes removed)."""
    year: int | None
    venue: str
    """The short venue (``ICML``) or the full name when there is no short one."""
    venue_class: VenueClass
    source: str
    """The service that describes it: ``DBLP``, ``OpenReview``, ``Crossref``, ``Semantic
    Scholar``, ``arXiv``."""
    source_id: str = ""
    """The record in that service: a DBLP key, an OpenReview note id, a DOI, an S2 paper id."""
    container: str = ""
    """The full proceedings or journal title (``booktitle``/``journal``)."""
    volume: str = ""
    number: str = ""
    pages: str = ""
    publisher: str = ""
    series: str = ""
    doi: str = ""
    url: str = ""
    author_order_known: bool = True
    """False when the service may list authors in another order (a Crossref deposit without
    ``sequence: first``): then the first author cannot be confirmed from it."""
    dblp_key: str = ""
    """A DBLP key the service points to (Semantic Scholar's ``externalIds.DBLP``)."""
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def is_published(self) -> bool:
        """True unless this is a preprint or a submission."""
        return self.venue_class in PUBLISHED_CLASSES

    def describe(self) -> str:
        """``ICML 2015 (PMLR 37, pp. 448–456)``: the venue, year, volume and pages."""
        head = f"{self.venue} {self.year}" if self.year else self.venue
        if self.venue_class == "workshop" and "workshop" not in head.lower():
            head += " (workshop)"
        parts = []
        if self.volume:
            series = SHORT_SERIES.get(self.series, self.series if len(self.series) <= 12 else "")
            parts.append(f"{series or 'vol.'} {self.volume}")
        if self.pages:
            parts.append(f"pp. {self.pages.replace('--', '–').replace('-', '–')}")
        return f"{head} ({', '.join(parts)})" if parts else head

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the sidecar's ``published`` record)."""
        data = {k: v for k, v in asdict(self).items() if v not in ("", None, {}, ())}
        data["authors"] = list(self.authors)
        data["venue_class"] = self.venue_class
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Publication:
        """The inverse of :meth:`as_dict` (unknown keys ignored)."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["authors"] = tuple(known.get("authors", ()))
        return cls(**known)
