"""The new entries an import writes, built from what the list says when no service confirms a
work: papers as ``@article``/``@inproceedings``/``@book``/``@misc`` with their authors, venue,
volume, pages and a note that they were taken from the list; web items as ``@misc`` with the
site; secondary links as fields; every section a work appears in as its keywords; and the key.

Web-item keys (no author): ``<site><year><title word>``, where the site is the page's own name
(``github.com/karpathy/char-rnn`` → ``karpathy``, ``blog.openai.com`` → ``openai``) and the title
word is the first that is not a stop word, a link-label word (pdf, paper, code, …), a number or
the site's own name: ``openai2019better``, ``karpathychar``, ``colahunderstanding``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import urlsplit

from dlbib.library.keys import STOP_WORDS, base_key, generate_key, key_slug, key_word
from dlbib.library.model import Reference
from dlbib.readinglist.candidates import Candidate
from dlbib.readinglist.labels import LABEL_WORDS
from dlbib.readinglist.urls import host_of, site_name, strip_tracking, web_type
from dlbib.sources.arxiv_record import latex_safe, raw_value

FROM_LIST: Final = "Taken from the reading list; no metadata service confirmed it."
_HOSTING: Final = frozenset({"github", "gitlab", "bitbucket", "medium", "substack", "blogspot",
                             "wordpress", "sites", "google", "youtube", "notion"})  # fmt: skip


def keyword(section: str | None) -> str:
    """A heading as one keyword (Zotero splits keywords on , and ;)."""
    return re.sub(r"\s*[,;]\s*", " / ", section or "").strip()


def keywords(sections: Iterable[str | None]) -> str:
    """Every section, once, in order, as a keywords field."""
    return ", ".join(dict.fromkeys(k for s in sections if (k := keyword(s))))


def add_keywords(existing: str, sections: Iterable[str | None]) -> str:
    """``existing`` keywords with ``sections`` added (never removed)."""
    have = [k.strip() for k in existing.split(",") if k.strip()]
    return keywords([*have, *sections])


def web_fields(c: Candidate, urldate: str | None) -> dict[str, str]:
    """A web item: title, site, kind of page, URL, the list's date."""
    url = strip_tracking(c.url or "")
    site = site_name(url)
    fields = {"title": latex_safe(c.title or url), "howpublished": site, "type": web_type(url)}
    fields.update({"url": url, "key": site})
    if urldate:
        fields["urldate"] = urldate
    return fields


def paper_fields(c: Candidate, *, searched: bool) -> tuple[str, dict[str, str]]:
    """A paper from the list's own citation: the type its venue implies, and its fields."""
    cit = c.citation
    assert cit is not None
    entry_type, venue = _venue(c)
    names = list(cit.authors) + (["others"] if cit.et_al else [])
    fields = {"author": " and ".join(names), "title": latex_safe(cit.title, protect_case=True)}
    fields.update(venue)
    if c.proceedings and c.proceedings.volume and "volume" not in fields:
        fields["volume"] = c.proceedings.volume
    for name, value in (("number", cit.number), ("pages", cit.pages)):
        if value and entry_type == "article":
            fields[name] = value
    if cit.pages and entry_type == "inproceedings":
        fields["pages"] = cit.pages
    if cit.publisher:
        fields["publisher"] = cit.publisher
    fields.update({"year": cit.year or "", "doi": c.doi or "", "url": strip_tracking(c.url or "")})
    if searched or not c.url:
        fields["note"] = FROM_LIST
    return entry_type, {k: v for k, v in fields.items() if v}


def _venue(c: Candidate) -> tuple[str, dict[str, str]]:
    cit = c.citation
    assert cit is not None
    journal = cit.journal or ""
    if cit.book:
        return "book", {}
    if re.match(r"(?i)(proceedings|advances in)\b", journal):
        return "inproceedings", {"booktitle": journal}
    if journal:
        extra = {"volume": cit.volume} if cit.volume else {}
        return "article", {"journal": journal, **extra}
    if cit.booktitle:
        return "inproceedings", {"booktitle": cit.booktitle}
    if c.proceedings:
        name = "journal" if c.proceedings.entry_type == "article" else "booktitle"
        return c.proceedings.entry_type, {name: c.proceedings.container}
    return "misc", {}


def site_key_name(url: str, site: str) -> str:
    """The page's own name: a GitHub owner, a github.io user, else the registered domain's
    name (``blog.monkeylearn.com`` → ``monkeylearn``); a known site name (``Quora``) stays."""
    host = host_of(url)
    segments = [s for s in urlsplit(url).path.split("/") if s]
    labels = host.split(".")
    if host in ("huggingface.co", "hf.co") and segments[:1] in (
        ["collections"],
        ["spaces"],
        ["datasets"],
        ["models"],
    ):
        segments = segments[1:]
    if host in ("github.com", "gitlab.com", "huggingface.co", "hf.co") and segments:
        return segments[0]
    if host.endswith((".github.io", ".blogspot.com", ".medium.com", ".substack.com")):
        return labels[0]
    if " " in site or "." not in site:
        return site
    if len(labels) > 2 and labels[-2] in ("co", "ac", "com", "edu", "org", "gov"):
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else host


def web_key_base(name: str, title: str, year: str | None) -> str:
    """``<name><year><title word>`` for an author-less item (see the module doc)."""
    parts = [p for p in re.split(r"[-_.\s]+", name) if p]
    parts = [p for p in parts if key_slug(p) not in LABEL_WORDS] or parts  # "vllm-project"
    site = re.sub(r"([a-z]{3,})\1", r"\1", key_slug("".join(parts)))  # "chatchat-space"
    skip = STOP_WORDS | LABEL_WORDS | _HOSTING | {site}
    word = key_word(
        title, skip=lambda w: w in skip or w.isdigit() or _overlaps(w, site) or _ends_in_label(w)
    )
    return (site + (year or "") + word) or "ref"


def _ends_in_label(word: str) -> bool:
    """``themorningpaper``, ``stablecode``: a word ending in a label reads as one."""
    return any(word.endswith(label) for label in LABEL_WORDS if len(label) >= 3)


def _overlaps(word: str, site: str) -> bool:
    """True when ``word`` repeats the site's name or a 4-letter run of it (``torchtitan`` after
    ``pytorch``), which would read as a repeated token."""
    if word.startswith(site) or site.startswith(word):
        return True
    return any(word[i : i + 4] in site for i in range(max(1, len(word) - 3)))


class TakenKeys:
    """The keys in use, bucketed by prefix so a key for each of thousands of new entries is
    found without rescanning every key (``generate_key`` folds all of ``taken`` per call)."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._buckets: dict[str, set[str]] = {}
        for key in keys:
            self.add(key)

    def add(self, key: str) -> None:
        self._buckets.setdefault(key.lower()[:4], set()).add(key.lower())

    def related(self, base: str) -> set[str]:
        """Every key a ``base`` + suffix could collide with."""
        if len(base) >= 4:
            return {k for k in self._buckets.get(base[:4], ()) if k.startswith(base)}
        return {k for bucket in self._buckets.values() for k in bucket if k.startswith(base)}


def new_reference(entry_type: str, fields: dict[str, str], taken: TakenKeys) -> Reference:
    """The entry with a new key by the library's rule (web items: :func:`web_key_base`)."""
    raw = {name: raw_value(name, value) for name, value in fields.items() if value}
    draft = Reference("", entry_type, raw)
    if "author" not in raw and "key" in fields:
        name = site_key_name(fields.get("url", ""), fields["key"])
        base = web_key_base(name, fields.get("title", ""), fields.get("year"))
    else:
        author = base_key(Reference("", entry_type, {"author": raw.get("author", "")}))
        base = base_key(draft, skip=lambda w: w in LABEL_WORDS or w == author or w.isdigit())
    key = generate_key(draft, taken.related(base), base=base)
    return Reference(key, entry_type, raw)
