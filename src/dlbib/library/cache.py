"""The parse cache: an unchanged library file is not parsed again.

A parsed :class:`~dlbib.library.bibfile.Library` is kept in one file per library, in the
user's cache folder (:func:`~dlbib.library.files.user_cache_dir`: ``~/.cache/dlbib`` on Linux;
``DLBIB_CACHE_DIR`` moves it, ``DLBIB_NO_CACHE=1`` turns it off). It is used only when

* the library's bytes have the SHA-256 the cache file was made from (any byte changed: parse),
* the code that parses is the same: the cache file names a stamp of dlbib's, bibtexparser's
  (and pylatexenc's and anyascii's: :data:`STAMPED`) installed files (a new version of any,
  or an edited source file, changes it) and of the Python version, and
* the cache file is whole: its payload's length and Adler-32 match its header.

Anything else is a miss: the library is parsed as without a cache, and the cache file is
rewritten (by ``sync`` and ``update`` when they end, and not when their save rewrote most of
the file: :func:`loaded_to_save`). A cache file that cannot be read or does not decode is
discarded with a debug line, never an error. A write by dlbib drops the entry
(:meth:`ParseCache.saved`, called by :func:`~dlbib.library.bibfile.save_library`): the new
bytes are parsed once, by the next read.

**Why the user's cache folder, and pickle.** The payload is a pickle of the library's own
dataclasses: it follows whatever the parser puts in a :class:`Library` without a second
encoder to keep in step, and loads about eight times faster than a parse. A pickle from someone
else can run code, so the cache never lives beside the library (a folder shared through git,
where a clone brings other people's files), only in a folder the user's own dlbib writes; it
is created private (0700); and it is read with an unpickler that refuses every global except
the dataclasses of :mod:`dlbib.library` and pathlib's paths, so even a planted file can at
worst fail to load. Entries and segments are written as calls of their classes (cheaper to
load than a dataclass's state), each field name once; the key index is not kept (it is rebuilt
when asked). The library file itself is never touched here.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import hashlib
import io
import json
import logging
import os
import pickle
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from dlbib.errors import LibraryError
from dlbib.library import bibfile
from dlbib.library.bibfile import Library
from dlbib.library.derived import Summed, write_pickled
from dlbib.library.encoding import detect_encoding
from dlbib.library.files import user_cache_dir
from dlbib.library.keyindex import KeyIndex
from dlbib.library.layout import Segment
from dlbib.library.model import Reference
from dlbib.library.parse import gc_paused

CACHE_FORMAT: Final = 3
"""Bumped when the cache file's layout changes."""
MAGIC: Final = b"dlbib parse cache\n"
MAX_FILES: Final = 64
"""Cache files kept; the least recently written beyond this are removed."""

_log = logging.getLogger(__name__)
_PATHS: Final = frozenset(
    {"PosixPath", "WindowsPath", "PurePosixPath", "PureWindowsPath", "Path", "PurePath"}
)
_DEFAULT: Final = "default"
Default = Literal["default"]


@dataclass(frozen=True)
class ParseCache:
    """A folder of parsed libraries, valid for one :attr:`stamp` of the parsing code."""

    folder: Path
    stamp: str
    """What the parsing code looks like (see :func:`code_stamp`); a cache file made under
    another stamp is not trusted."""

    def entry_file(self, path: Path) -> Path:
        """The cache file of the library at ``path`` (one per library, by resolved path)."""
        name = hashlib.sha256(str(path.resolve()).encode("utf-8")).hexdigest()[:32]
        return self.folder / f"{name}.pickle"

    def load(self, path: Path, *, encoding: str | None = None) -> Library:
        """The library at ``path``: from the cache when valid, else parsed (and cached).

        :param encoding: as :func:`~dlbib.library.bibfile.load_library` takes it.
        :raises LibraryError: as :func:`~dlbib.library.bibfile.load_library` does.
        """
        library, parsed = self.load_or_parse(path, encoding=encoding)
        if parsed:
            self.store(path, library)
        return library

    def load_or_parse(self, path: Path, *, encoding: str | None = None) -> tuple[Library, bool]:
        """The library at ``path``, from the cache when valid (then with False), else parsed
        (with True: the caller caches it, :meth:`store`).

        :raises LibraryError: as :func:`~dlbib.library.bibfile.load_library` does.
        """
        data = bibfile.read_library_bytes(path)  # (raises the LibraryError load_library would)
        digest = hashlib.sha256(data).hexdigest()
        library = self._read(path, digest)
        if library is not None and library.digest == digest:
            if _same_encoding(library, data, path, encoding):
                return library, False
            library = None
        # a parse of the file's earlier bytes (an edit since): only what changed is parsed
        library = bibfile.load_library(
            path, encoding=encoding, previous=library, read=(data, digest)
        )
        library.on_save = self.saved
        return library, True

    def saved(self, library: Library, path: Path, data: bytes) -> None:
        """After dlbib wrote the file: the entry no longer matches its bytes (a parse of the new
        bytes also gives each block's place in them — line numbers, the layout a later save
        edits — which the library in memory does not know), so the next read parses again,
        but only where the bytes changed, from the entry's parse of the earlier bytes, which
        is kept for that (:func:`~dlbib.library.reparse.reparse`), and caches the result."""
        _log.debug("%s: written; its parse cache is made again on the next read", path)

    def _read(self, path: Path, digest: str) -> Library | None:
        """The cached library: of the file's current bytes when its digest is ``digest``,
        else of the earlier bytes the cache file was made from (None: no usable cache file)."""
        entry = self.entry_file(path)
        try:
            handle = entry.open("rb")
        except OSError:
            _log.debug("%s: no parse cache yet (%s)", path, entry)
            return None
        with handle:
            found = self._load(handle, path, digest)
        if isinstance(found, str):
            if found:
                self._discard(entry, path, found)
            return None
        if found.digest != digest:
            found.path, found.on_save = path, None
            return found  # an earlier version's parse; its digest tells load() so
        found.path, found.on_save = path, self.saved
        found.mark_as_file()
        _log.debug("%s: loaded from the parse cache (%d blocks)", path, len(found.blocks))
        return found

    def _load(self, handle: io.BufferedIOBase, path: Path, digest: str) -> Library | str:
        """The library in an open cache file, or why not ("" when it is simply not for this
        code). The payload is unpickled straight from the file, its length and Adler-32 added
        up as it is read and compared with the trailer after it: a damaged payload is never
        used (and the unpickler cannot build anything but the library's own dataclasses)."""
        header = None
        if handle.read(len(MAGIC)) == MAGIC:
            # a header nested deeper than the recursion limit raises RecursionError, not a
            # ValueError: a planted file is a miss all the same
            with contextlib.suppress(ValueError, RecursionError):
                header = json.loads(handle.readline(_MAX_HEADER))
        if not isinstance(header, dict) or header.get("format") != CACHE_FORMAT:
            return "not a dlbib cache file, or cut short"
        if header.get("stamp") != self.stamp:
            _log.debug("%s: parse cache not used: dlbib changed", path)
            return ""
        if header.get("digest") != digest:  # still a good start for parsing only the change
            _log.debug("%s: parse cache not used: the library changed", path)
        summed = Summed(handle)
        try:
            with gc_paused():
                library = _Unpickler(summed).load()
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError,
                KeyError, TypeError, ValueError, OverflowError, RecursionError,
                MemoryError) as exc:  # fmt: skip
            return f"{type(exc).__name__}: {exc}"
        if handle.read(_MAX_HEADER) != summed.trailer():
            return "its payload is damaged"
        if not isinstance(library, Library):
            return "it does not hold a library"
        library.digest = str(header.get("digest", ""))
        return library

    def _discard(self, entry: Path, path: Path, why: str) -> None:
        _log.debug("%s: parse cache %s discarded: %s", path, entry, why)
        with contextlib.suppress(OSError):
            entry.unlink()

    def store(self, path: Path, library: Library) -> None:
        """Cache ``library``, a parse of the file at ``path`` (of its bytes when it was read:
        a save since changes nothing here, see :meth:`saved`)."""
        stored = copy.copy(library)
        stored.on_save = None
        stored._as_read = None  # marked again when loaded
        stored._index = KeyIndex()  # not kept: the loaded library indexes itself when asked
        header = {
            "format": CACHE_FORMAT,
            "library": str(path.resolve()),
            "digest": library.digest,
            "stamp": self.stamp,
        }
        head = MAGIC + json.dumps(header, sort_keys=True).encode("utf-8") + b"\n"
        try:
            write_pickled(self.entry_file(path), head, lambda out: _Pickler(out).dump(stored))
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            _log.debug("%s: not cached: %s", path, exc)
            return
        except OSError as exc:
            _log.debug("%s: parse cache not written to %s: %s", path, self.folder, exc)
            return
        _log.debug("%s: parse cache written (%s)", path, self.entry_file(path))
        self._prune()

    def _prune(self) -> None:
        with contextlib.suppress(OSError):
            files = sorted(self.folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
            for old in files[:-MAX_FILES]:
                old.unlink()


_MAX_HEADER: Final = 1 << 16
"""A header (or a trailer) longer than this is not one of dlbib's."""


class _Pickler(pickle.Pickler):
    """Writes each entry and segment as a call of its class (cheaper to load than a dataclass's
    state). Field names and entry types are interned by the parser, so the pickle's memo
    writes each once; short gaps are shared here."""

    def __init__(self, file: Summed) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._shared: dict[str, str] = {}

    def reducer_override(self, obj: Any) -> Any:
        shared = self._shared
        if type(obj) is Reference:
            fields = obj.fields if type(obj.fields) is dict else dict(obj.fields)
            return Reference, (obj.key, obj.entry_type, fields)
        if type(obj) is Segment:
            gap = shared.setdefault(obj.gap, obj.gap) if len(obj.gap) <= 4 else obj.gap
            return Segment, (obj.block, obj.text, gap, obj.line)
        return NotImplemented


class _Unpickler(pickle.Unpickler):
    """Only the library's own dataclasses and pathlib paths may be named by a cache file."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "pathlib" and name in _PATHS:
            return super().find_class(module, name)
        if module.startswith("dlbib.library.") and module in sys.modules:
            found = getattr(sys.modules[module], name, None)
            if isinstance(found, type) and dataclasses.is_dataclass(found):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a parse cache")


STAMPED: Final = ("bibtexparser", "pylatexenc", "anyascii")
"""The packages whose files :func:`code_stamp` covers: the parser, and the LaTeX-to-Unicode
and ASCII folding an export's or check's result depends on (an upgrade of either changes
exports: a results table made before must not be used)."""


def code_stamp() -> str:
    """A fingerprint of the code that parses — and of the code the per-entry results tables
    (:mod:`~dlbib.library.derived`) were made by, which use this stamp too: every source file of
    dlbib and of :data:`STAMPED` (name, size, modification time) and the Python version.
    Cheap: no module is imported."""
    import importlib.util

    digest = hashlib.sha256(f"{CACHE_FORMAT} {sys.version_info[:2]}".encode())
    folders = [Path(__file__).resolve().parents[1]]
    for package in STAMPED:
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            folders.extend(Path(p) for p in spec.submodule_search_locations)
    for folder in folders:
        for source in sorted(folder.rglob("*.py")):
            with contextlib.suppress(OSError):
                st = source.stat()
                digest.update(
                    f"{source.relative_to(folder)} {st.st_size} {st.st_mtime_ns}\n".encode()
                )
    return digest.hexdigest()[:32]


def default_cache(environ: Mapping[str, str] | None = None) -> ParseCache | None:
    """The cache in the user's cache folder (``DLBIB_CACHE_DIR`` moves it), or None when
    ``DLBIB_NO_CACHE`` is set (to anything but ``0`` or nothing)."""
    env = os.environ if environ is None else environ
    if env.get("DLBIB_NO_CACHE", "0") not in ("", "0"):
        return None
    folder = Path(env["DLBIB_CACHE_DIR"]) if env.get("DLBIB_CACHE_DIR") else None
    return ParseCache(folder or user_cache_dir("dlbib", env), _running_stamp())


@functools.lru_cache(maxsize=1)
def _running_stamp() -> str:
    """:func:`code_stamp` once per process: the code running is the code it was first taken
    of (a run opens the parse cache and several results tables, ~6 ms of stats each)."""
    return code_stamp()


def load_cached(
    path: Path,
    cache: ParseCache | Default | None = _DEFAULT,
    *,
    encoding: str | None = None,
) -> Library:
    """Load a library through the parse cache (:func:`default_cache` unless one is given;
    None: parse without one).

    :raises LibraryError: as :func:`~dlbib.library.bibfile.load_library` does.
    """
    chosen = default_cache() if cache == _DEFAULT else cache
    if not isinstance(chosen, ParseCache):
        return bibfile.load_library(path, encoding=encoding)
    return chosen.load(path, encoding=encoding)


@contextlib.contextmanager
def loaded_to_save(
    path: Path, cache: ParseCache | Default | None = _DEFAULT, *, encoding: str | None = None
) -> Iterator[Library]:
    """:func:`load_cached` for a command that may save the library before it ends (sync,
    update): on a miss, the parse is cached when the block ends rather than at once — and not
    at all when the block's saves rewrote so much of the file that the next read would parse
    it (nearly) whole all the same (a first sync that updates every entry: writing the cache
    file would cost a third of a parse, for nothing). Otherwise the next read parses only
    what the saves changed, as after :func:`load_cached`.

    :raises LibraryError: as :func:`~dlbib.library.bibfile.load_library` does.
    """
    chosen = default_cache() if cache == _DEFAULT else cache
    if not isinstance(chosen, ParseCache):
        yield bibfile.load_library(path, encoding=encoding)
        return
    library, parsed = chosen.load_or_parse(path, encoding=encoding)
    if not parsed:  # from the cache
        yield library
        return
    as_parsed = copy.copy(library)  # what the block changes in place, copied (blocks immutable)
    as_parsed.blocks, as_parsed.lines = list(library.blocks), dict(library.lines)
    as_parsed.notes = list(library.notes)
    try:
        yield library
    finally:
        if library.digest == as_parsed.digest or _kept_share(as_parsed, library) >= 1 / 3:
            chosen.store(path, as_parsed)  # not saved, or a third of it or more as parsed
        else:
            _log.debug("%s: not cached: its save changed most of it (the next read parses it)",
                       path)  # fmt: skip


def _kept_share(before: Library, after: Library) -> float:
    """The share of ``before``'s text (by characters) that ``after`` keeps as it was: the
    blocks at its start and end that are still the very blocks parsed (a save writes those
    as they were), as the next read's parse of only the change would find them."""
    layout = before.layout
    if layout is None or not layout.segments or len(before.blocks) != len(layout.segments):
        return 0.0
    old, new = before.blocks, after.blocks
    limit = min(len(old), len(new))
    head = 0
    while head < limit and old[head] is new[head]:
        head += 1
    tail = 0
    while tail < limit - head and old[-1 - tail] is new[-1 - tail]:
        tail += 1
    sizes = [len(s.gap) + len(s.text) for s in layout.segments]
    total = sum(sizes) + len(layout.tail)
    kept = sum(sizes[:head]) + sum(sizes[len(sizes) - tail :]) + len(layout.tail)
    return kept / total if total else 1.0


def _same_encoding(library: Library, data: bytes, path: Path, requested: str | None) -> bool:
    """True when the bytes would be read in the encoding the cached library was read in now
    too (a BOM, a JabRef header, ``--encoding`` or ``DLBIB_ENCODING`` can change that)."""
    try:
        return detect_encoding(data, path, requested) == library.encoding
    except LibraryError:  # an unknown requested encoding: the parse says so
        return False
