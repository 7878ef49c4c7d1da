"""Read a paper-like citation written by hand: title, authors, year and venue from text such as
``Title by A. Author and B. Author (2015)``, ``Title (2015), A. Author et al.`` or a bold title
followed by ``in *Journal* by …``. Pure string work; it knows nothing about links or files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

PARTICLES: Final = frozenset(
    {"de", "van", "der", "den", "von", "da", "di", "del", "della", "la", "le", "du", "dos", "ter"}
)
NOT_PEOPLE: Final = frozenset(
    {
        "university", "institute", "laboratory", "lab", "labs", "inc", "ltd", "corp", "school",
        "college", "department", "research", "blog", "press", "team", "group", "foundation",
        "google", "microsoft", "facebook", "openai", "deepmind", "nvidia", "stanford",
    }
)  # fmt: skip
"""Words that make a capitalised phrase an organisation rather than a person."""

VENUE_ACRONYMS: Final = {
    "nips": "Advances in Neural Information Processing Systems",
    "neurips": "Advances in Neural Information Processing Systems",
    "icml": "Proceedings of the International Conference on Machine Learning",
    "iclr": "International Conference on Learning Representations",
    "cvpr": "Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition",
    "iccv": "Proceedings of the IEEE International Conference on Computer Vision",
    "eccv": "Proceedings of the European Conference on Computer Vision",
    "acl": "Proceedings of the Annual Meeting of the Association for Computational Linguistics",
    "emnlp": "Proceedings of the Conference on Empirical Methods in Natural Language Processing",
    "aaai": "Proceedings of the AAAI Conference on Artificial Intelligence",
}
_VENUE_START: Final = (
    r"(?:Journal|Proceedings|Nature|Science|Advances|Transactions|IEEE|ACM|Neural Computation"
    r"|Machine Learning|International Journal)"
)
_YEAR_PAREN = re.compile(r"\(\s*(?P<inner>[^()]*?\b(?P<year>(?:19|20)\d{2})\b[^()]*?)\s*(?:\)|$)")
_ET_AL = re.compile(r"\s*,?\s*\bet\.?\s*al\b\.?", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[^\W\d_]{2})\.(?=\s|$)")
_ITALIC_PAREN = re.compile(r"[*_]+\(([^()]*)\)[*_]+")
_BOOK = re.compile(r"\bbook\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Citation:
    """What a hand-written citation says."""

    title: str
    authors: tuple[str, ...] = ()
    """Names in BibTeX form: ``LeCun, Y.``."""
    et_al: bool = False
    """True when the list wrote ``et al.`` after the names."""
    year: str | None = None
    journal: str | None = None
    """The journal, from ``in *Journal*``."""
    booktitle: str | None = None
    """A proceedings title, from a venue acronym such as ``*(NIPS)*``."""
    book: bool = False
    """True when the text calls the work a book."""
    volume: str | None = None
    number: str | None = None
    pages: str | None = None
    publisher: str | None = None


def _tokens(name: str) -> list[str]:
    return re.sub(r"\.(?=[^\W\d_])", ". ", name).split()


def _is_word(tok: str) -> bool:
    bare = tok.replace("-", "").replace("'", "").replace("’", "")
    return bool(bare) and bare.isalpha() and tok[0].isupper()


def _is_initial(tok: str) -> bool:
    return bool(re.fullmatch(r"[^\W\d_]\.?", tok)) and tok[0].isupper()


def is_person_name(name: str, max_tokens: int = 5) -> bool:
    """True for ``Y. LeCun``, ``I Sutskever``, ``Nando de Freitas``, ``Rajpurkar``."""
    tokens = _tokens(name.strip())
    if not 1 <= len(tokens) <= max_tokens or not _is_word(tokens[-1]) or _is_initial(tokens[-1]):
        return False
    if any(t.lower().strip(".") in NOT_PEOPLE for t in tokens):
        return False
    return all(_is_word(t) or _is_initial(t) or t in PARTICLES for t in tokens)


def is_proper_name(text: str, max_tokens: int = 3) -> bool:
    """True for a short name of a person, organisation or product (``Octave``, ``Andrew Ng``,
    ``@karpathy``): capitalised words, initials and particles only, no digits."""
    text = text.strip()
    if re.fullmatch(r"@\w+", text):
        return True
    tokens = _tokens(text)
    if not 1 <= len(tokens) <= max_tokens or not tokens[0][0].isupper():
        return False
    return all(_is_word(t) or _is_initial(t) or t in PARTICLES for t in tokens)


def bibtex_name(name: str) -> str:
    """``Y. LeCun`` → ``LeCun, Y.``; ``Nando de Freitas`` → ``de Freitas, Nando``."""
    tokens = [t + "." if re.fullmatch(r"[^\W\d_]", t) else t for t in _tokens(name)]
    if len(tokens) == 1:
        return tokens[0]
    start = len(tokens) - 1
    for i, tok in enumerate(tokens[1:-1], start=1):
        if tok in PARTICLES:
            start = i
            break
    return " ".join(tokens[start:]) + ", " + " ".join(tokens[:start])


def parse_authors(segment: str) -> tuple[tuple[str, ...], bool] | None:
    """Names from ``A. Author, B. Author and C. Author`` (``et al.`` allowed), or None when any
    part is not a person's name."""
    # "Prof. Ada Quill": an honorific is not a name, and its dot does not end the sentence
    text = re.sub(r"\b(?:Prof|Dr|Professor|Mr|Mrs|Ms)\.?\s+(?=[A-Z])", "", segment.strip())
    et_al = False
    m = _ET_AL.search(text)
    if m:
        et_al, text = True, text[: m.start()]
    end = _SENTENCE_END.search(text)
    if end:
        text = text[: end.start()]
    text = text.strip(" .,;:")
    if not text:
        return None
    bib = re.split(r"\s+and\s+", text)
    if len(bib) > 1 and all(re.fullmatch(r"[^\W\d_][\w'’-]+, [^\W\d_][\w.' -]*", p) for p in bib):
        # BibTeX's own "Family, Given and Family, Given S"
        fams = [p.split(", ", 1) for p in bib]
        if all(is_person_name(f"{given} {family}") for family, given in fams):
            return tuple(f"{family}, {given.strip()}" for family, given in fams), et_al
    parts = [p for p in re.split(r"\s*,\s*|\s+and\s+|\s*&\s*", text) if p.strip()]
    if not parts or not all(is_person_name(p) for p in parts):
        return None
    return tuple(bibtex_name(p) for p in parts), et_al


def clean_title(text: str) -> str:
    """A title without Markdown emphasis, wrapping quotes or trailing punctuation."""
    text = re.sub(r"(?<![\w:]):[a-z0-9_+-]+:(?![\w:])", "", text)  # :fast_forward: shortcodes
    text = re.sub(r"(?<!\w)[*_]+|[*_]+(?!\w)|[\ufffc\u200b-\u200f\ufeff]", "", text)
    text = " ".join(text.split()).strip(" \"'\u201c\u201d\u2018\u2019.,;:")
    return text


def _venue(rest: str) -> tuple[str, str | None, str | None]:
    """Take ``in *Journal*`` and italic ``*(NIPS)*`` out of ``rest``."""
    journal = booktitle = None
    m = re.match(r"\s*in\s+[*_]+([^*_]+?)[*_]+", rest)
    if not m:
        m = re.match(rf"\s*in\s+({_VENUE_START}[^()]*?)(?=\s*\(|\s+by\s|$)", rest)
    if m:
        journal = " ".join(m.group(1).split())
        rest = rest[m.end() :]
    for paren in _ITALIC_PAREN.finditer(rest):
        for word in re.findall(r"[A-Za-z]+", paren.group(1)):
            if word.lower() in VENUE_ACRONYMS and "review" not in paren.group(1).lower():
                booktitle = VENUE_ACRONYMS[word.lower()]
    rest = _ITALIC_PAREN.sub(" ", rest)
    return rest, journal, booktitle


def _after_title(rest: str) -> tuple[str | None, tuple[str, ...], bool, str, str]:
    """Year, authors, et-al flag, the year parenthesis' text and the text after the year."""
    plain = re.sub(r"[*_]{2,}", "", rest)
    year_m = _YEAR_PAREN.search(plain)
    year = year_m.group("year") if year_m else None
    inner = year_m.group("inner") if year_m else ""
    by = re.search(r"(?:^|\s)by\s+(.+)", plain, re.DOTALL)
    candidates: list[str] = []
    if by:
        candidates.append(re.split(r"\(", by.group(1))[0])
    if year_m:
        tail = plain[year_m.end() :]
        candidates.append(tail.lstrip(" ,:"))
        after_year = inner.split(year_m.group("year"), 1)[1]
        candidates.append(after_year.lstrip(" ,"))
    else:
        candidates.append(plain.lstrip(" ,."))
    # "**Title.** Venue 2017. [paper](…)" with the authors on their own italic line below
    candidates.extend(m.group(1) for m in re.finditer(r"\n\s*[*_]([^*_\n]{3,})[*_]\s*$", rest))
    for segment in candidates:
        parsed = parse_authors(segment.split("[")[0])
        if parsed:
            return year, parsed[0], parsed[1], inner, plain[year_m.end() :] if year_m else ""
    return year, (), False, inner, plain[year_m.end() :] if year_m else ""


def _split_plain(text: str) -> tuple[str, str] | None:
    """Find where the title ends in a citation that does not mark its title."""
    by = next(
        (m for m in re.finditer(r"\s+by\s+", text) if parse_authors(text[m.end() :].split("(")[0])),
        None,
    )
    year = _YEAR_PAREN.search(text)
    cuts = [m.start() for m in (by, year) if m]
    if cuts:
        cut = min(cuts)
        title, rest = text[:cut], text[cut:]
        if year and year.start() == cut and re.match(r"\)\s*:", text[year.end() - 1 :]):
            # "Models(2017): A Tutorial, G. Neubig": the subtitle follows the year
            tail = text[year.end() :].lstrip(" :")
            m = re.search(r",\s*(?=[^,]*$)", tail.split("[")[0])
            if m:
                title = f"{title}: {tail[: m.start()]}"
                rest = text[cut : year.end()] + ", " + tail[m.end() :]
        venue = re.search(rf"\s+in\s+(?={_VENUE_START})", title)
        if venue:  # "Title in Journal (2012) by …": the journal belongs to the rest
            title, rest = title[: venue.start()], title[venue.start() :] + " " + rest
        return title, rest
    m = re.search(r",\s+(?=(?:[^\W\d_]\.\s?)+[^\W\d_]{2})", text)
    if m:
        return text[: m.start()], text[m.start() :]
    m = re.search(r"\.\s+(?=[A-Z][\w-]+(?:\s+(?:and|&)\s+[A-Z][\w-]+)*\.?\s*(?:\[|$))", text)
    if m:
        return text[: m.start()], text[m.start() + 1 :]
    return None


def _plain_person(name: str) -> bool:
    """``Silver, David`` or ``Abbeel, P.``: a family name and one given name or initials (not
    ``Backpropagation`` or ``Alignment, Mapped Correlation``, read from a title's "by …")."""
    family, _, given = name.partition(", ")
    words = [w for w in given.split() if not w.endswith(".")]
    return bool(family and given) and len(words) <= 1


def parse_citation(text: str, title: str | None = None, *, strict: bool = False) -> Citation | None:
    """Read a citation from ``text``; ``title`` when the list marks it (bold or as a link).

    :param text: the text after the marked title, or the whole item when ``title`` is None.
    :param strict: require authors and a year or ``et al.`` (for lines without a paper link).
    :returns: None when the text does not look like a citation.
    """
    by_split = False
    if title is None:
        split = _split_plain(" ".join(text.split()))
        if split is None:
            return None
        title, text = split
        by_split = bool(re.match(r"\s*by\s", text))
    rest, journal, booktitle = _venue(text)
    year, authors, et_al, inner, _tail = _after_title(rest)
    if by_split and not year and not et_al and not all(map(_plain_person, authors)):
        return None  # "Domain Adaptation by Backpropagation": a title, not "Title by Authors"
    title = clean_title(title)
    if len(title) < 3 or not re.search(r"[^\W\d_]{2}", title):
        return None
    if not authors and not year:
        return None
    if strict and (not authors or not (year or et_al or len(title.split()) >= 4)):
        return None
    book = bool(_BOOK.search(inner) or _BOOK.search(title) or _BOOK.search(text))
    return Citation(title, authors, et_al, year, journal, booktitle, book)
