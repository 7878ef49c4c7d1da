"""The ``file`` field as reference managers write it, and where its paths point.

JabRef writes ``description:path:type`` records joined by ``;`` (``\\:`` ``\\;`` ``\\\\``
escaped; paths relative to the library's folder or to its ``fileDirectory`` metadata); Mendeley
writes ``:C\\:/Users/…/x.pdf:pdf`` or, with LaTeX escaping on, ``:C$\\backslash$:/…{\\_}…:pdf``,
and on macOS drops the leading ``/`` (``:Users/…``); Zotero + Better BibTeX writes bare absolute
paths joined by ``;``. :func:`attachment_paths` reads all of them; :func:`file_bases` says
where relative paths are looked up. Reads no files but the ones it is asked to resolve.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Final

_MENDELEY_ESCAPES: Final = (
    ("$\\backslash$", "\\"), ("{\\_}", "_"), ("\\_", "_"), ("{\\&}", "&"), ("\\&", "&"),
    ("{\\%}", "%"), ("\\%", "%"), ("{\\$}", "$"), ("\\$", "$"), ("{\\#}", "#"), ("\\#", "#"),
    ("{\\~{}}", "~"), ("{~}", "~"),
)  # fmt: skip
_ACCENT_RE: Final = re.compile(r"\\[\"'`^~=.uvHckbdr]|\{\\")
_URL_RE: Final = re.compile(r"^(?:[a-z][a-z0-9+.\-]*://|www\.|doi:)", re.IGNORECASE)
_DRIVE_RE: Final = re.compile(r"^[A-Za-z]:[\\/]")
_JABREF_DIR_RE: Final = re.compile(
    r"jabref-meta:\s*fileDirectory(?:Latex)?(?:-[^:]*)?:(?P<dir>(?:\\.|[^;\\])*);"
)


def _split(text: str, sep: str) -> list[str]:
    parts, current, i = [], [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def _unescape(text: str) -> str:
    """Undo JabRef's ``\\:`` ``\\;`` ``\\\\``; other backslashes (LaTeX accents) stay."""
    return re.sub(r"\\([:;\\])", r"\1", text)


def _plain(path: str) -> str:
    if _ACCENT_RE.search(path):
        from dlbib.library.text import latex_to_text

        return latex_to_text(path)
    return path


def attachment_paths(value: str) -> list[str]:
    """The paths (and URLs) a ``file`` field's content names, in order, escapes undone."""
    for escaped, plain in _MENDELEY_ESCAPES:
        value = value.replace(escaped, plain)
    paths: list[str] = []
    for record in _split(value, ";"):
        parts = _split(record, ":")
        if len(parts) >= 3:
            path = ":".join(parts[1:-1])  # an unescaped drive colon leaves an extra part
        elif len(parts) == 2 and _DRIVE_RE.match(record):
            path = record  # C:/x.pdf with the colon unescaped, no description or type
        else:
            path = record
        path = _plain(_unescape(path)).strip()
        if path:
            paths.append(path)
    return paths


def is_url(path: str) -> bool:
    """True for ``http://…``, ``file://…``, ``www.…`` and the like: not a local path."""
    return bool(_URL_RE.match(path))


def file_bases(library_dir: Path, comments: Iterable[str]) -> list[Path]:
    """Folders relative ``file`` paths are looked up in: JabRef's ``fileDirectory`` metadata
    (from the library's ``@comment`` blocks; relative ones against the library folder), then
    the library's folder."""
    bases: list[Path] = []
    for text in comments:
        for m in _JABREF_DIR_RE.finditer(text):
            folder = Path(_unescape(m.group("dir")).strip())
            bases.append(folder if folder.is_absolute() else library_dir / folder)
    bases.append(library_dir)
    return list(dict.fromkeys(bases))


def _candidates(path: str, bases: list[Path]) -> Iterator[Path]:
    as_path = Path(path)
    if as_path.is_absolute():
        yield as_path
        return
    for base in bases:
        yield base / as_path
    if path.startswith(("Users/", "home/", "Volumes/")):  # Mendeley on macOS drops the "/"
        yield Path("/" + path)


def resolve_attachment(path: str, bases: list[Path]) -> Path | None:
    """The existing file ``path`` names (looked up in ``bases``), or None when there is none."""
    for candidate in _candidates(path, bases):
        if candidate.is_file():
            return candidate
    return None
