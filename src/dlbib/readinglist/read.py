"""Reading-list import, first half: read a Markdown, plain-text or HTML list and find the works it
cites, as :class:`Candidate` references with their line and section heading.

The file is read (errors with file and line), its format detected, its text parsed into blocks
(``markdown.py``, ``plaintext.py``, ``html.py``) and each block turned into works and ignored
links (``assemble.py``). It does not look anything up, deduplicate or write: see ``plan.py`` and
``importer.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from dlbib.errors import ReadingListError
from dlbib.readinglist.assemble import Lines, read_block
from dlbib.readinglist.candidates import MENTION, Candidate, Ignored, Kind
from dlbib.readinglist.html import html_blocks
from dlbib.readinglist.markdown import markdown_blocks
from dlbib.readinglist.plaintext import text_blocks

Format = Literal["markdown", "text", "html"]
_SUFFIXES: Final = {".md": "markdown", ".markdown": "markdown", ".mdown": "markdown",
                    ".html": "html", ".htm": "html", ".txt": "text", ".text": "text"}  # fmt: skip
__all__ = ["MENTION", "Candidate", "Ignored", "Kind", "ReadingList", "read_reading_list"]


@dataclass
class ReadingList:
    """What a reading list cites, in list order."""

    path: Path
    format: Format
    date: str | None = None
    """The list's own date (``YYYY-MM-DD``) when it states one; used as ``urldate``."""
    candidates: list[Candidate] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)


def read_reading_list(path: Path) -> ReadingList:
    """Read and parse a reading list file.

    :raises ReadingListError: when it is missing, binary, not UTF-8 or empty (with the line).
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ReadingListError(path, "no such file") from exc
    except IsADirectoryError as exc:
        raise ReadingListError(path, "is a folder, not a reading list") from exc
    except OSError as exc:
        raise ReadingListError(path, f"cannot be read: {exc.strerror}") from exc
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise ReadingListError(path, "is a binary file, not a text reading list", line)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        raise ReadingListError(path, f"is not UTF-8 text (byte 0x{byte:02x})", line) from exc
    if not text.strip():
        raise ReadingListError(path, "is empty")
    return parse_reading_list(text, path)


def detect_format(text: str, path: Path | None = None) -> Format:
    """``html``, ``markdown`` or ``text``: from the file suffix, else from the content."""
    if path is not None and path.suffix.lower() in _SUFFIXES:
        return _SUFFIXES[path.suffix.lower()]  # type: ignore[return-value]
    head = text[:4096].lower()
    if re.search(r"<!doctype html|<html[\s>]|<body[\s>]", head) or head.count("<a href") >= 3:
        return "html"
    if re.search(r"\]\([^)]+\)|^#{1,6}\s|^\s*[-*+]\s|<https?://", text, re.MULTILINE):
        return "markdown"
    return "text"


def parse_reading_list(text: str, path: Path, fmt: Format | None = None) -> ReadingList:
    """Find the works a reading list's text cites.

    :param path: names the list in reports (nothing is read from it).
    :param fmt: the format; detected when None.
    """
    fmt = fmt or detect_format(text, path)
    if fmt == "html":
        doc = html_blocks(text)
    else:
        doc = markdown_blocks(text) if fmt == "markdown" else text_blocks(text)
    reading = ReadingList(path, fmt, doc.date)
    line = Lines(text)
    for block in doc.blocks:
        if block.kind == "comment":
            for link in block.links:
                reading.ignored.append(
                    Ignored(link.line, line(link.line), "inside an HTML comment", link.url)
                )
            continue
        read_block(block, line, reading.candidates, reading.ignored)
    return reading
