"""Load and save library.bib: read (any encoding), parse (:mod:`.parse`), locked atomic saves.

The :class:`Library` keeps every block of the file in order — entries as :class:`Reference`,
``@string``, ``@preamble`` and comments as :class:`RawBlock` — and, in its :class:`Layout`, the
exact text each came from, so a save rewrites only the blocks that changed (:mod:`.layout`) and
writes the file back in the encoding it was read in (:mod:`.encoding`). It loads what BibTeX
loads: a repeated ``@string`` (the later one wins), a stray ``}`` between entries, repeated keys
(BibTeX uses the first; writing such a library is refused) — and says so in :attr:`Library.notes`.
It does not fetch metadata, generate keys or lint; those live in their own modules.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

from dlbib.errors import (
    DuplicateKeyError,
    LibraryError,
    LockedError,
)
from dlbib.library import backups
from dlbib.library.blocks import Block, BlockKind, LoadNote, RawBlock
from dlbib.library.collection import Library
from dlbib.library.encoding import TextEncoding, check_codec, decode_library, encode_library
from dlbib.library.files import LockHeldError, atomic_write, file_lock, sweep_temp_files
from dlbib.library.parse import parse_library
from dlbib.library.render import (
    FIELD_ORDER,
    render_block,
    render_library,
    render_reference,
    render_text,
)

__all__ = [
    "FIELD_ORDER", "Block", "BlockKind", "Library", "LoadNote", "RawBlock", "edit_library",
    "format_library", "library_lock", "load_library", "parse_library", "render_block",
    "render_library", "render_reference", "save_library",
]  # fmt: skip

_log = logging.getLogger(__name__)


def read_library_bytes(path: Path) -> bytes:
    """The bytes of a library file.

    A file that looks like an editor mid-save (empty or shorter than dlbib's last write, and
    just modified) is read again once it has settled (:func:`backups.read_trusted`).

    :raises LibraryError: when it is missing, unreadable, or still being rewritten by another
        program.
    """
    try:
        return backups.read_trusted(path, Path.read_bytes)
    except FileNotFoundError as exc:
        raise LibraryError(path, "no such file (create it, or pass --library PATH)") from exc
    except IsADirectoryError as exc:
        raise LibraryError(path, "is a folder, not a .bib file") from exc
    except OSError as exc:
        raise LibraryError(path, f"cannot be read: {exc.strerror}") from exc


def read_library_text(path: Path, encoding: str | None = None) -> str:
    """Read a library file as text, in its encoding (BOM, JabRef header, ``encoding``, UTF-8).

    :raises LibraryError: when it is missing, unreadable, or not valid in its encoding.
    """
    return decode_library(read_library_bytes(path), path, encoding)[0]


def load_library(
    path: Path,
    *,
    encoding: str | None = None,
    previous: Library | None = None,
    read: tuple[bytes, str] | None = None,
) -> Library:
    """Load and fully parse a library file.

    :param encoding: the file's encoding when it has no BOM or JabRef header (default: the
        ``--encoding`` override, ``DLBIB_ENCODING``, else UTF-8).
    :param previous: a parse of an earlier version of the file (the parse cache's): only the
        blocks that changed since are parsed again (:func:`~dlbib.library.reparse.reparse`),
        with the same result as a whole parse.
    :param read: the file's bytes (from :func:`read_library_bytes`) and their SHA-256, when
        the caller read them already (the parse cache: not read and hashed twice).
    :raises LibraryError: when the file is missing, not in its encoding, or a block fails to
        parse the way BibTeX would refuse it too.
    """
    data, digest = read if read is not None else (read_library_bytes(path), "")
    text, enc = decode_library(data, path, encoding)
    library = None
    if previous is not None and previous.encoding == enc:
        from dlbib.library.reparse import reparse

        library = reparse(previous, text, path)
        if library is not None:
            _log.debug("%s: parsed again where it changed (%d blocks)", path, len(library.blocks))
    if library is None:
        library = parse_library(text, path)
    library.encoding = enc
    library.digest = digest or _digest(data)
    library.mark_as_file()
    return library


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextlib.contextmanager
def library_lock(path: Path) -> Iterator[None]:
    """Hold the library's lock, so no second dlbib process writes it meanwhile.

    :raises LockedError: when another process holds it.
    """
    try:
        lock = file_lock(path)
        lock.__enter__()
    except LockHeldError as exc:
        raise LockedError(path, "another dlbib process is using this library; try again") from exc
    except OSError as exc:
        raise LibraryError(path, f"cannot be written: {exc.strerror or exc}") from exc
    try:
        _sweep(path.parent)
        yield
    finally:
        lock.__exit__(None, None, None)


def save_library(library: Library, path: Path | None = None) -> bool:
    """Write the library atomically, under the lock, changing only what changed since loading
    (:func:`render_text`), in the encoding it was read in.

    :returns: True when the file changed, False when its bytes were already the same — or
        nothing in the library changed since it was loaded or saved: then the file is neither
        rendered nor read, and an edit made meanwhile on disk stays as it is.
    :raises DuplicateKeyError: when keys repeat (every repeated key listed; nothing written).
    :raises LibraryError: when the file cannot be written (the old bytes stay).
    :raises LockedError: when another process holds the lock.
    """
    target = path or library.path
    own = target == library.path  # (a save elsewhere leaves what the library's file holds)
    refuse_duplicate_keys(library)
    if own and library.is_as_file() and target.is_file():
        return False  # nothing changed since it was read or written: the file holds its text
    text = encode_library(render_text(library.blocks, library.layout), library.encoding, target)
    with library_lock(target):
        try:
            on_disk: bytes | None = target.read_bytes()
        except OSError:
            on_disk = None
        if on_disk == text:
            library.digest = _digest(text)
            if own:
                library.mark_as_file()
            return False
        edited = on_disk is not None and _digest(on_disk) != library.digest
        if library.digest and own and edited:
            raise LibraryError(
                target,
                "changed on disk since dlbib read it (edited meanwhile?); nothing was "
                "written, run the command again",
            )
        try:
            atomic_write(target, text, before_replace=_unchanged_since(on_disk, target))
        except OSError as exc:
            raise LibraryError(target, f"cannot be written: {exc.strerror or exc}") from exc
        digest = _digest(text)  # (once: a pass over the whole file)
        backups.record_write(target, text, digest)
        backups.keep_written(target, text)
    library.digest = digest
    if own:
        library.mark_as_file()
    if library.on_save is not None:
        library.on_save(library, target, text)
    return True


def _unchanged_since(on_disk: bytes | None, shown: Path) -> Callable[[Path], None]:
    """The last check before the rename: back the file up, then make sure it is still the
    bytes dlbib compared (size, mtime, hash), so the window for an editor's write is the
    rename itself; a write into the old file after this lands in the (hard-linked) backup."""

    def check(target: Path) -> None:
        before = _stat(target)
        backups.keep_backup(target)
        try:
            now = target.read_bytes()
        except FileNotFoundError:
            now = None
        if now != on_disk or _stat(target) != before:
            raise LibraryError(
                shown,
                "changed on disk while dlbib was saving (edited meanwhile?); nothing was "
                "written, run the command again",
            )

    return check


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _sweep(folder: Path) -> None:
    """Remove stale ``.dlbib-tmp-*`` files beside the library and one folder down."""
    sweep_temp_files(folder)
    with contextlib.suppress(OSError):
        for child in folder.iterdir():
            if child.is_dir() and not child.is_symlink() and child.name != ".git":
                sweep_temp_files(child)


@contextlib.contextmanager
def edit_library(path: Path) -> Iterator[Library]:
    """Lock, load, let the caller change the library, then save it if nothing raised.

    On an exception the file is left exactly as it was.

    :raises LockedError: when another process holds the lock.
    :raises LibraryError: when the file cannot be loaded or written.
    """
    with library_lock(path):
        library = load_library(path)
        refuse_duplicate_keys(library)
        yield library
        save_library(library, path)


def refuse_duplicate_keys(library: Library) -> None:
    """Refuse to write a library whose keys repeat, naming every repeated key at once.

    :raises DuplicateKeyError: listing each repeated key with all its lines.
    """
    groups = library.duplicate_keys()
    if groups:
        raise DuplicateKeyError.of_groups(library.path, groups)


def format_library(path: Path, *, encoding: str | None = None, write: bool = True) -> bool:
    """``dlbib format``: rewrite the whole file in the canonical layout (and, with ``encoding``,
    convert it, updating a JabRef ``Encoding:`` header to match).

    :param write: False only reports whether the file would change.
    :returns: True when the file changed (or would).
    :raises DuplicateKeyError: when keys repeat (nothing written).
    :raises LibraryError: when the file cannot be read, parsed, encoded or written.
    """
    with library_lock(path):
        library = load_library(path)
        refuse_duplicate_keys(library)
        if encoding is not None:
            try:
                name = check_codec(encoding)
            except LookupError as exc:
                raise LibraryError(path, f"unknown encoding {encoding!r}") from exc
            if name != library.encoding.name:
                library.encoding = TextEncoding(name, b"", "option")
                library.blocks = [_relabel(b, library.encoding) for b in library.blocks]
        library.layout = None
        if write:
            return save_library(library, path)
        text = encode_library(render_text(library.blocks, None), library.encoding, path)
        return _digest(text) != library.digest


_HEADER_RE: Final = re.compile(r"(?m)^(\s*%?\s*Encoding:\s*)\S+")


def _relabel(block: Block, enc: TextEncoding) -> Block:
    if isinstance(block, RawBlock) and block.kind in ("text", "comment"):
        return RawBlock(block.kind, _HEADER_RE.sub(lambda m: m.group(1) + enc.label, block.text))
    return block
