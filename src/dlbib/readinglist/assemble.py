"""One block (a list item, paragraph or table row) into the works it cites: one work per
citation, identified by its main link (arXiv, DOI, proceedings, a PDF) or by an ``arXiv:`` id in
its text; secondary links (code, slides, project, video, dataset, demo, blog, tweet) kept on the
work as fields; a label never a title; two different arXiv ids two works. Links that are not
works become :class:`Ignored` with the reason.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Final

from dlbib.library.model import ArxivId
from dlbib.readinglist import blocks as _markup
from dlbib.readinglist.blocks import Block, Link
from dlbib.readinglist.candidates import MENTION, Candidate, Ignored, Kind
from dlbib.readinglist.citation import Citation, clean_title, is_proper_name, parse_citation
from dlbib.readinglist.labels import (
    call_to_action_reason,
    is_label,
    is_main_label,
    label_of,
    secondary_field,
)
from dlbib.readinglist.names import column_names, parse_names
from dlbib.readinglist.styles import parse_book, parse_styled
from dlbib.readinglist.urls import (
    Proceedings,
    arxiv_id_in_url,
    doi_in_url,
    non_work_reason,
    proceedings_of,
    slug_title,
)

_GENERIC: Final = frozenset({"here", "this", "click here", "source", "website", "video", "slides"})
COLUMNS: Final = {
    "title": ("title", "paper", "papers", "name", "paper title", "paper name", "article", "work"),
    "authors": ("author", "authors", "by", "author(s)", "researchers"),
    "year": ("year", "date", "published", "time"),
    "venue": ("venue", "conference", "journal", "publication", "conf", "published in", "where"),
    "links": ("link", "links", "pdf", "url", "paper link", "arxiv", "download", "paper url"),
    "code": ("code", "github", "github/poc", "poc", "repo", "implementation", "source code"),
}
"""Kinds of table column, by their (lower-case) header."""
_COLUMN_OF: Final = {h: kind for kind, heads in COLUMNS.items() for h in heads}


class Lines:
    """The list's source lines, for reports."""

    def __init__(self, text: str) -> None:
        # only \n ends a line, as for the parsers (splitlines would also split on U+2028, \x0c…)
        self.lines = [ln.rstrip("\r") for ln in text.split("\n")]

    def __call__(self, number: int) -> str:
        lines = self.lines
        return lines[number - 1].strip() if 0 < number <= len(lines) else ""


def _is_mention(link: Link, block: Block) -> bool:
    """A well-formed, non-bold link on a short name in the middle of a sentence."""
    if link.bold or link.repaired or not is_proper_name(link.text) or is_label(link.text):
        return False
    after = block.text[link.end : link.end + 40].lstrip("*_")
    return bool(re.match(r"(?:['’]s\b|\s*\(?[\w(])", after)) and not re.match(r"\s*\[", after)


def _usable(block: Block, line: Lines, ignored: list[Ignored]) -> list[Link]:
    usable = []
    for link in block.links:
        reason = link.ignore_reason
        if reason and reason.startswith("image link") and _badge_paper(link):
            reason = None  # [![doi][x_doi]][x_paper]: a badge naming the paper it links
        reason = reason or (non_work_reason(link.url) if link.url else None)
        reason = reason or call_to_action_reason(link.text)
        if reason is None and block.kind != "row" and _is_mention(link, block):
            reason = MENTION
        if reason:
            ignored.append(Ignored(link.line, line(link.line), reason, link.url))
        else:
            usable.append(link)
    return usable


def _badge_paper(link: Link) -> bool:
    url = link.url
    return bool(arxiv_id_in_url(url) or doi_in_url(url) or url.lower().endswith(".pdf"))


def _ids_of(urls: tuple[str, ...]) -> tuple[ArxivId | None, str | None, Proceedings | None]:
    arxiv = doi = None
    proc = None
    for url in urls:
        arxiv = arxiv or arxiv_id_in_url(url)
        doi = doi or doi_in_url(url)
        proc = proc or proceedings_of(url)
    return arxiv, doi, proc


def _link_title(link: Link, block: Block) -> str | None:
    """A title for a link that is not part of a citation (never a label)."""
    text = clean_title(link.text.strip("[] "))
    if text and not re.match(r"https?://", text) and not is_label(text):
        return text if text.lower() not in _GENERIC else None
    if not is_label(link.text) or _in_prose(link, block):
        return None
    before = clean_title(_markup.plain(block.text[: link.start]))
    before = re.sub(r"^\W*\d{1,4}[.)\]]\s*", "", before)
    if before and not is_label(before) and len(before) <= 300:
        return before
    return None


def _title_ok(title: str | None) -> str | None:
    if not title or is_label(title) or not re.search(r"[^\W\d_]{2}", title):
        return None
    return title


class _Work:
    """The work a block cites, being assembled."""

    def __init__(self, block: Block, line: Lines) -> None:
        self.block, self.line = block, line
        self.main: list[Link] = []
        self.fields: list[tuple[str, str]] = []
        self.citation: Citation | None = None
        self.title: str | None = None

    def candidates(
        self, text_ids: list[tuple[int, str]], ignored: list[Ignored]
    ) -> list[Candidate]:
        """The work (or one per distinct arXiv id) plus the ids its text adds."""
        block = self.block
        groups: list[tuple[ArxivId | None, list[str], int]] = []
        for link in self.main:
            ident = next((a for u in link.urls if (a := arxiv_id_in_url(u))), None)
            same = next((g for g in groups if ident is None or g[0] is None or g[0] == ident), None)
            if same is None:
                groups.append((ident, list(link.urls), link.line))
            else:
                i = groups.index(same)
                groups[i] = (same[0] or ident, same[1] + list(link.urls), same[2])
        if not groups:
            groups.append((None, [], block.line))
        if not self.main and not self.citation:
            return self._text_ids([], text_ids, ignored)  # ids only: each its own work
        out: list[Candidate] = []
        for n, (ident, urls, at) in enumerate(groups):
            cit = self.citation if n == 0 else None
            title = (cit.title if cit else self.title) if n == 0 else None
            out.append(self._candidate(ident, tuple(urls), at, cit, _title_ok(title)))
        return self._text_ids(out, text_ids, ignored)

    def _candidate(
        self,
        ident: ArxivId | None,
        urls: tuple[str, ...],
        at: int,
        cit: Citation | None,
        title: str | None,
    ) -> Candidate:
        arxiv, doi, proc = _ids_of(urls)
        arxiv = ident or arxiv
        kind: Kind = (
            "arxiv" if arxiv else ("paper" if cit and urls else "doi" if doi and not cit
            else "paper" if proc else "citation" if cit else "web")
        )  # fmt: skip
        url = next((u for u in urls if not arxiv_id_in_url(u)), urls[0] if urls else None)
        if title is None and url and not arxiv and not doi:
            title = slug_title(url)
        return Candidate(at, self.line(at), self.block.section, kind, url, urls, arxiv, doi,
                         proc, cit, title, tuple(self.fields))  # fmt: skip

    def _text_ids(
        self, out: list[Candidate], text_ids: list[tuple[int, str]], ignored: list[Ignored]
    ) -> list[Candidate]:
        seen = {c.arxiv_id.id for c in out if c.arxiv_id} | {c.doi.lower() for c in out if c.doi}
        for at, ident in text_ids:
            if ident.startswith("10."):
                if ident.lower() in seen:
                    continue
                seen.add(ident.lower())
                if out and out[0].doi is None and out[0].kind in ("paper", "citation", "web"):
                    out[0] = replace(out[0], doi=ident, kind="paper" if out[0].citation else "doi")
                    continue
                out.append(Candidate(at, self.line(at), self.block.section, "doi", doi=ident))
                continue
            found = ArxivId.find(ident)
            if found is None:
                ignored.append(Ignored(at, self.line(at), f"malformed arXiv id {ident!r}"))
                continue
            if found.id in seen:
                continue  # the line's own duplicate: not a second work, not reported
            seen.add(found.id)
            if out and out[0].arxiv_id is None and out[0].kind != "doi":
                out[0] = replace(out[0], arxiv_id=found, kind="arxiv")
                continue
            out.append(Candidate(at, self.line(at), self.block.section, "arxiv", arxiv_id=found))
        return out


def _single(link: Link, block: Block, line: Lines) -> Candidate:
    work = _Work(block, line)
    work.main, work.title = [link], _link_title(link, block)
    cand = work.candidates([], [])[0]
    if (cand.arxiv_id or cand.doi) and cand.title == slug_title(link.url):
        cand = replace(cand, title=None)
    return cand


def read_block(block: Block, line: Lines, out: list[Candidate], ignored: list[Ignored]) -> None:
    """Turn one block into candidates (``out``) and ignored links."""
    usable = _usable(block, line, ignored)
    if block.kind == "row":
        _read_row(block, usable, line, out, ignored)
        return
    work = _Work(block, line)
    labels = [lk for lk in usable if not _in_prose(lk, block)]
    secondary = [lk for lk in labels if secondary_field(lk.text) and not is_main_label(lk.text)]
    labelled = [lk for lk in labels if is_main_label(lk.text)]
    lead = usable[0] if usable and block.starts_with(usable[0]) else None
    lead = lead if lead and not is_label(lead.text) else None
    cit_text = _markup.citation_text(block.text, is_label)
    cit = _citation(block, lead, usable, cit_text)
    in_title = [lk for lk in usable if cit and lk not in labelled and _inside(lk, cit.title)]
    work.main = list(dict.fromkeys([*([lead] if lead else []), *in_title, *labelled]))
    work.main.sort(key=lambda lk: lk.start)
    if any(label_of(lk.text).startswith(("book", "ebook")) for lk in labelled):
        # "[[Book]](…)": the list says what it is, and a book needs no year to be cited
        cit = replace(cit, book=True) if cit else parse_book(cit_text)
    work.citation = cit
    if not cit and not work.main and secondary:
        work.main = [secondary.pop(0)]  # only a code/video link: that is what the line cites
    work.fields = [(f, lk.url) for lk in secondary if (f := secondary_field(lk.text))]
    taken = set(work.main) | set(secondary)
    others = [lk for lk in usable if lk not in taken]
    if work.main or cit:
        work.title = _link_title(work.main[0], block) if work.main else None
        if cit is None and block.bold_lead and not lead:
            work.title = _bold_title(block, block.bold_lead)
        if cit and not work.main and block.kind == "para" and not cit.year:
            work.citation = None  # a sentence in a paragraph, not a citation
        if work.citation or work.main:
            out.extend(work.candidates(block.ids, ignored))
            block = replace(block, ids=[])
    _read_others(block, others, cit, cit_text, line, out, ignored)
    if block.ids:
        out.extend(_Work(block, line).candidates(block.ids, ignored))


def _bold_title(block: Block, bold: str) -> str:
    """The bold lead, or the title after a bold nickname: ``**[SSD]** SSD: Single Shot … |``."""
    if re.fullmatch(r"\s*\[[^\[\]]{1,40}\]\s*", bold):
        after = _markup.plain(block.text_after_bold())
        after = clean_title(re.split(r"\s\|\s|\s\|$|\[", after, maxsplit=1)[0])
        if len(after.split()) >= 2:
            return after
    return clean_title(bold)


def _citation(
    block: Block, lead: Link | None, usable: list[Link], cit_text: str
) -> Citation | None:
    """The block's citation: title-first forms when a title leads, else authors-first."""
    if block.kind == "heading":
        return None
    first = _titled_citation(block, lead, usable) if lead or block.bold_lead else None
    linked = None if first else _linked_title(block, usable)
    return first or linked or parse_styled(cit_text) or _titled_citation(block, lead, usable)


def _linked_title(block: Block, usable: list[Link]) -> Citation | None:
    """``Yihan Liu et al. [RoBERTa: A Robustly …](…), 2020``: authors, then the title as a link."""
    for link in usable:
        if is_label(link.text) or len(link.text.split()) < 2:
            continue
        before = _markup.plain(block.text[: link.start])
        before = re.sub(r"^\W*(?:\[?\d{1,4}[.)\]]\s*)?", "", before).rstrip(" .,:;-–")
        names = parse_names(before) if before else None
        if names and (len(names[0]) > 1 or names[1] or " " in names[0][0]):
            rest = _markup.citation_text(block.text[link.end :], is_label)
            year = re.search(r"\b(?:19|20)\d{2}\b", rest)
            return Citation(clean_title(link.text), names[0], names[1],
                            year.group(0) if year else None)  # fmt: skip
        break
    return None


def _read_others(
    block: Block,
    others: list[Link],
    cit: Citation | None,
    cit_text: str,
    line: Lines,
    out: list[Candidate],
    ignored: list[Ignored],
) -> None:
    """Links beside the block's work: venue/author links are ignored, the rest are works."""
    for link in others:
        if cit and _inside(link, cit_text.replace(cit.title, "")) and block.kind != "para":
            reason = "a link on the venue or an author's name, not the work"
            ignored.append(Ignored(link.line, line(link.line), reason, link.url))
            continue
        single = _single(link, block, line)
        if cit and (single.title is None or is_label(single.title)) and single.kind == "web":
            # "his presentation [video](…) on this paper": the work's title names it
            single = replace(single, title=f"{cit.title} ({label_of(link.text)})")
        out.append(single)


def _in_prose(link: Link, block: Block) -> bool:
    """``his presentation [video](…) on this paper``: a word inside a sentence, not a label."""
    if link.text.strip().startswith("["):
        return False
    before = block.text[: link.start].rstrip(" *_")
    after = block.text[link.end :].lstrip(" *_")
    return bool(re.search(r"[^\W\d_]$", before) and re.match(r"[a-z]", after))


def _inside(link: Link, text: str) -> bool:
    label = clean_title(link.text)
    return bool(label) and label in " ".join(text.split())  # hard-wrapped text too


def _titled_citation(block: Block, lead: Link | None, usable: list[Link]) -> Citation | None:
    """Title-first forms: ``[Title](url) (2015), A. Author`` / ``**Title** by A and B (2015)``."""
    title = lead.text if lead else block.bold_lead
    if title is None:
        rest = block.text
    elif lead and title == lead.text:
        rest = block.text_after(lead)
    else:
        rest = block.text_after_bold()
    strict = not usable or block.kind == "para"
    return parse_citation(_markup.citation_text(rest, is_label), title, strict=strict)


def _columns(block: Block) -> dict[str, tuple[int, int]]:
    found: dict[str, tuple[int, int]] = {}
    for header, start, end in block.cells:
        kind = _COLUMN_OF.get(label_of(header)) or _COLUMN_OF.get(label_of(header).split(" ")[0])
        if kind and kind not in found:
            found[kind] = (start, end)
    return found


def _read_row(
    block: Block, usable: list[Link], line: Lines, out: list[Candidate], ignored: list[Ignored]
) -> None:
    """One table row = one work: columns named by the header cells."""
    cols = _columns(block)
    work = _Work(block, line)

    def cell(kind: str) -> str:
        if kind not in cols:
            return ""
        value = _markup.plain(block.text[cols[kind][0] : cols[kind][1]]).strip()
        return "" if re.fullmatch(r"[-–—]+|null|n/?a|none|", value.lower()) else value

    title_span = cols.get("title") or (block.cells[0][1:] if block.cells else (0, 0))
    for link in usable:
        column = block.cell_of(link.start)
        kind = _COLUMN_OF.get(label_of(column or ""), "")
        field = secondary_field(link.text)
        in_title = title_span[0] <= link.start <= title_span[1]
        opens = not re.sub(r"^\W*\d{0,3}[.)]?\s*", "", block.text[title_span[0] : link.start])
        if in_title and not opens and not is_label(link.text):
            reason = "a link inside a table cell's text, not the work"
            ignored.append(Ignored(link.line, line(link.line), reason, link.url))
            continue
        if kind == "code" or (field and not is_main_label(link.text)):
            work.fields.append((field or "codeurl", link.url))
        elif in_title or kind == "links" or is_main_label(link.text):
            work.main.append(link)
        else:
            reason = f"a link in the table's {column or 'unnamed'!r} column, not the work"
            ignored.append(Ignored(link.line, line(link.line), reason, link.url))
    title_text = block.text[title_span[0] : title_span[1]]
    lead = next((lk for lk in work.main if title_span[0] <= lk.start <= title_span[1]), None)
    title = clean_title(lead.text) if lead and not is_label(lead.text) else _row_title(title_text)
    authors = column_names(cell("authors")) if cell("authors") else None
    year_m = re.search(r"(?:19|20)\d{2}", cell("year") or cell("venue"))
    year = year_m.group(0) if year_m else None
    venue = re.sub(r"\s*'?(?:19|20)?\d{2}$", "", cell("venue")).strip() or None
    if title and (authors or venue or year):
        names, et_al = authors or ((), False)
        work.citation = Citation(title, names, et_al, year, None, venue)
    work.title = title
    if work.main or work.citation:
        out.extend(work.candidates(block.ids, ignored))


def _row_title(text: str) -> str | None:
    """The title in a title cell: ``1) Label  summary…`` → ``Label``."""
    text = re.sub(r"^\s*\d{1,3}[.)]\s+", "", text.strip())
    text = _markup.plain(re.split(r"\s{2,}|\s+[-–—]\s+", text)[0])
    if len(text) > 200:
        text = re.split(r"(?<=[a-z])\.\s", text)[0][:200]
    return _title_ok(clean_title(text))
