"""Where an entry's PDF lives: the file-name pattern and the sanitising that keeps it in its folder.

The pattern is a ``str.format`` template of ``/``-separated folders and a file name. The default
``{year}/{key} - {author} {year} - {title}.pdf`` gives one folder per year; a per-section layout is
``{section}/{key} - {author} {year} - {title}.pdf``. Placeholders:

=============  ========================================================  ======================
``{key}``      the citation key                                          vaswani2017attention
``{author}``   the first author's family name (organisation: its name)   Vaswani
``{authors}``  ``Family``, ``A and B`` or ``Family et al.``              Vaswani et al.
``{year}``     the year (``n.d.`` when there is none)                    2017
``{title}``    short title: before the first ``: ``, <= 60 characters    Attention Is All You…
``{section}``  the first ``keywords`` entry (the reading-list section)   Reading lists
``{arxiv}``    the arXiv id (``/`` becomes ``_``), empty when none       1706.03762
``{type}``     the entry type                                            misc
=============  ========================================================  ======================

Every value has ``/`` and ``\\`` replaced before the pattern is filled, so only the pattern's own
``/`` make folders. Each path component is then cleaned: control and reserved characters
(``<>:"/\\|?*{}``) become ``_``, leading dots and trailing dots/spaces go, Windows device names
(``CON``, ``NUL``, ``COM1`` …) get a ``_`` prefix, and length is capped (component
:data:`MAX_COMPONENT_BYTES`, whole path :data:`MAX_PATH_BYTES`, in UTF-8). ``..``, ``.`` and empty
components cannot survive, and the result is always relative, so no key or title can name a file
outside the PDF folder. This module computes names and where they resolve; it never writes a PDF
or a folder (a run's names are kept between runs, :class:`PdfNames`).
"""

from __future__ import annotations

import os
import re
import string
import unicodedata
from pathlib import Path, PurePosixPath
from typing import Final

from dlbib.errors import ConfigError
from dlbib.library.keys import family_name
from dlbib.library.model import Reference
from dlbib.library.text import latex_to_text

PLACEHOLDERS: Final = ("key", "author", "authors", "year", "title", "section", "arxiv", "type")
MAX_COMPONENT_BYTES: Final = 120
MAX_PATH_BYTES: Final = 240
MAX_TITLE_CHARS: Final = 60
SUFFIX: Final = ".pdf"
_RESERVED: Final = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"/\\|?*{}]')
_WINDOWS_DEVICES: Final = re.compile(r"(?i)^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$")


def check_pattern(pattern: str) -> None:
    """Reject a pattern that is absolute, climbs with ``..`` or names unknown placeholders.

    :raises ConfigError: naming the problem and the placeholders allowed.
    """
    if pattern.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", pattern):
        raise ConfigError(f"PDF pattern {pattern!r} must be relative to the PDF folder")
    if any(part in ("..", ".") for part in re.split(r"[/\\]", pattern)):
        raise ConfigError(f"PDF pattern {pattern!r} must not contain '.' or '..' folders")
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None]
    except ValueError as exc:
        raise ConfigError(f"PDF pattern {pattern!r} is not a valid template: {exc}") from exc
    allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
    for name in fields:
        if name not in PLACEHOLDERS:
            raise ConfigError(
                f"PDF pattern {pattern!r}: unknown placeholder {{{name}}} ({allowed})"
            )


def placeholder_values(ref: Reference) -> dict[str, str]:
    """The value of every placeholder for ``ref``, as plain text (not yet sanitised)."""
    names = ref.authors
    families = [_plain(family_name(n)) for n in names[:3]]
    if not families:
        authors = author = "Anonymous"
    else:
        author = families[0]
        if len(names) == 1:
            authors = author
        elif len(names) == 2:
            authors = f"{families[0]} and {families[1]}"
        else:
            authors = f"{author} et al."
    keywords = _plain(ref.get("keywords") or "")
    arxiv = ref.arxiv_id
    return {
        "key": ref.key,
        "author": author,
        "authors": authors,
        "year": ref.year or "n.d.",
        "title": short_title(ref.title or "") or "Untitled",
        "section": (re.split(r"[,;]", keywords)[0].strip() or "Unsorted"),
        "arxiv": arxiv.id.replace("/", "_") if arxiv else "",
        "type": ref.entry_type,
    }


def short_title(raw_title: str) -> str:
    """The title before the first ``: `` (when that leaves words), cut at a word near 60 chars."""
    text = _plain(raw_title)
    head, sep, _ = text.partition(": ")
    if sep and head.strip():
        text = head
    if len(text) > MAX_TITLE_CHARS:
        cut = text[:MAX_TITLE_CHARS]
        if text[MAX_TITLE_CHARS] != " " and " " in cut:
            at_word = cut.rsplit(" ", 1)[0]
            cut = at_word if len(at_word) >= MAX_TITLE_CHARS // 2 else cut
        text = cut
    return text.strip(" .,;:-")


def pdf_path(ref: Reference, pattern: str) -> PurePosixPath:
    """The PDF's path for ``ref`` relative to the PDF folder, sanitised (see the module doc).

    :raises ConfigError: when the pattern itself is invalid (:func:`check_pattern`).
    """
    check_pattern(pattern)
    values = {k: v.replace("/", "-").replace("\\", "-") for k, v in placeholder_values(ref).items()}
    filled = pattern.format_map(values)
    parts = re.split(r"[/\\]", filled)
    name = parts[-1]
    if name.lower().endswith(SUFFIX):
        name = name[: -len(SUFFIX)]
    folders = [clean_component(p, MAX_COMPONENT_BYTES) for p in parts[:-1]]
    budget = MAX_PATH_BYTES - sum(len(f.encode()) + 1 for f in folders) - len(SUFFIX)
    stem = clean_component(name, max(16, min(MAX_COMPONENT_BYTES - len(SUFFIX), budget)))
    return PurePosixPath(*folders, stem + SUFFIX)


def clean_component(text: str, max_bytes: int = MAX_COMPONENT_BYTES) -> str:
    """One safe path component: no separators, control or reserved characters, never ``..``.

    Never empty (``_``), never starting with a dot, never a Windows device name, at most
    ``max_bytes`` UTF-8 bytes (cut at a character boundary).
    """
    text = unicodedata.normalize("NFC", text)
    text = _RESERVED.sub("_", text)
    text = " ".join(text.split())  # tabs, newlines already gone; fold runs of spaces
    text = text.lstrip(". ").rstrip(". ")
    if _WINDOWS_DEVICES.match(text):
        text = "_" + text
    encoded = text.encode("utf-8")[:max_bytes]
    text = encoded.decode("utf-8", "ignore").rstrip(". ")
    return text or "_"


def _plain(value: str) -> str:
    """Plain text of a LaTeX value, with stray braces gone."""
    return latex_to_text(value).replace("{", "").replace("}", "").strip()


def recorded_file(root: Path, rel: object, inside: Path) -> Path | None:
    """The file a sync record names (``rel``, relative to ``root``), or None when the record is
    not a relative path that stays inside the folder ``inside``.

    The sidecar is committed and hand-editable; a path such as ``../x`` or ``/etc/passwd`` in it
    must never make dlbib move, delete or even read a file elsewhere.
    """
    if not isinstance(rel, str) or not rel or os.path.isabs(rel) or "\x00" in rel:
        return None
    path = root / rel
    if not path.resolve().is_relative_to(inside.resolve()):
        return None
    return path


def outside_jail(path: Path, pdf_root: Path) -> str | None:
    """Why writing, moving or deleting ``path`` would leave ``pdf_root``, or None when it stays.

    Every path is resolved with symlinks followed (``papers/2024 -> /elsewhere`` leaves), so a
    link planted inside the PDF folder cannot send a download, a move or a delete elsewhere.
    The PDF folder itself may be a link (a big disk); what counts is where it resolves to.
    """
    return _escape(path, path.resolve(), pdf_root, pdf_root.resolve())


def _escape(path: Path, real: Path, pdf_root: Path, jail: Path) -> str | None:
    if real == jail or real.is_relative_to(jail):
        return None
    return f"{path} resolves to {real}, outside the PDF folder {pdf_root} (a symlink?); refused"


class Jail:
    """:func:`outside_jail` for the many targets of one run: the PDF folder and each folder a
    target is in are resolved once (a target itself is looked at each time: one ``lstat``)."""

    def __init__(self, pdf_root: Path) -> None:
        self.pdf_root = pdf_root
        self._jail = pdf_root.resolve()
        self._folders: dict[Path, Path] = {}

    def escape(self, path: Path) -> str | None:
        """What :func:`outside_jail` says of ``path`` (folders as they were when first seen;
        dlbib itself only ever makes real folders in them)."""
        if path.name in ("", ".", ".."):
            return outside_jail(path, self.pdf_root)
        folder = self._folders.get(path.parent)
        if folder is None:
            folder = self._folders[path.parent] = path.parent.resolve()
        real = path.resolve() if path.is_symlink() else folder / path.name
        return _escape(path, real, self.pdf_root, self._jail)


def _could_be_made(kept: str) -> bool:
    """True when ``kept`` has the form of a :func:`pdf_path` (a table is plain data from a file,
    and one whose header and trailer match may still hold anything): relative, in normal form,
    no component empty or starting with a dot (``..`` included), ending in ``.pdf``."""
    path = PurePosixPath(kept)
    return (
        kept.endswith(SUFFIX)
        and not path.is_absolute()
        and path.as_posix() == kept
        and all(part and not part.startswith(".") for part in path.parts)
    )


class PdfNames:
    """:func:`pdf_path` of a library's entries, kept between runs for unchanged entries (a
    :mod:`~dlbib.library.derived` table keyed by entry digest, valid for the pattern)."""

    def __init__(self, library_path: Path, pattern: str) -> None:
        from dlbib.library.derived import open_results

        check_pattern(pattern)
        self.pattern = pattern
        self._table = open_results(library_path, "pdf-paths", pattern)
        self._asked = False

    def path(self, ref: Reference) -> PurePosixPath:
        """The same as ``pdf_path(ref, pattern)``."""
        from dlbib.library.derived import entry_digest

        self._asked = True
        digest = entry_digest(ref)
        kept = self._table.get(digest)
        if isinstance(kept, str) and _could_be_made(kept):
            return PurePosixPath(kept)
        found = pdf_path(ref, self.pattern)
        self._table.put(digest, found.as_posix())
        return found

    def save(self) -> None:
        """Keep the paths of the entries asked about for the next run (a run that asked for
        none, offline say, keeps the table as it was)."""
        if self._asked:
            self._table.save()
