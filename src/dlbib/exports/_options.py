"""What every writer needs besides the records: where the export goes, how to write file paths.

Attachment paths (FORMATS.md §7). Zotero resolves an imported ``L1``/``file`` path in
``Zotero.Translate.ItemSaver._parsePath`` (zotero/zotero
``chrome/content/zotero/xpcom/translation/translate_item.js``): absolute path first, then
``_parsePathURI`` — ``Services.io.newURI(path, "", this._baseURI)`` — then
``_parseRelativePath``, which appends ``/``-separated segments literally. For a file import,
``Zotero.Translate.Import.prototype._prepareTranslation`` (``translate.js``) sets ``baseURI`` to
``newFileURI(this.location)``, the ``file://`` URI of the imported file; the URI step resolves a
relative reference against it by RFC 3986, dot segments included, so ``../papers/x.pdf`` in
``exports/library.ris`` reaches ``papers/x.pdf``. (FORMATS.md §7.1 says "no ``../``" because it
reasoned from the literal step only.) dlbib therefore writes plain relative POSIX paths, with
``../`` where needed. In a ``../`` path, ``%``, ``#`` and ``?`` would read as a URI escape,
fragment or query (and the literal step cannot climb with ``..``), so RIS writes those three
percent-encoded there; the .bib ``file`` field stays literal for JabRef and friends. Read from
code, not run in a Zotero instance.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from dlbib.library.model import FileRecord

AttachmentMode = Literal["relative", "absolute", "none"]
ATTACHMENT_MODES: Final = ("relative", "absolute", "none")


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """Where the export file lives and how attachment paths are written."""

    base_dir: Path
    """The folder of the export file: relative attachment paths start here."""
    library_root: Path
    """The folder of library.bib: the library's ``file`` paths are relative to it."""
    attachments: AttachmentMode = "relative"

    def file_path(self, record: FileRecord) -> str | None:
        """The path to write for a ``file`` record, or None when attachments are off."""
        if self.attachments == "none":
            return None
        path = record.path
        if is_url(path):
            return path
        if is_foreign_absolute(path):  # C:/Users/… (Mendeley, JabRef on Windows): as written
            return path.replace("\\", "/")
        if os.path.isabs(path) and self.attachments == "relative":
            return Path(path).as_posix()  # the library chose an absolute path: keep it
        target = Path(path) if os.path.isabs(path) else self.library_root / path
        if self.attachments == "absolute":
            return Path(os.path.abspath(target)).as_posix()
        rel = os.path.relpath(os.path.abspath(target), os.path.abspath(self.base_dir))
        return Path(rel).as_posix()


_URL: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_DRIVE: Final = re.compile(r"[A-Za-z]:[/\\]|\\\\")


def is_url(path: str) -> bool:
    """True for a link (``https://…``, ``ftp://…``), not a file on disk."""
    return bool(_URL.match(path))


def is_foreign_absolute(path: str) -> bool:
    """True for a Windows absolute path (``C:/…``, ``C:\\…``, ``\\\\server\\…``) on any system:
    never relative to the library, so never prefixed with ``../``."""
    return bool(_DRIVE.match(path))


def is_pdf(record: FileRecord) -> bool:
    """True for a PDF record (its type says pdf, or its path ends in .pdf)."""
    return "pdf" in record.type.lower() or record.path.lower().endswith(".pdf")
