"""Per-entry results kept between runs: what a step made from one entry is not made again.

Exports and ``check`` do the same work on every entry of every run, though a run after an edit
changes one entry of thousands. A :class:`Results` table remembers, per entry, what one step
made of it (an export's text for that entry, ``check``'s findings about it), under the entry's
content digest (:func:`entry_digest`: type, key and every raw field value). A step asks the
table first and does the work only for entries it does not know; the table then keeps exactly
the entries of this run (a removed or edited entry's old result is dropped).

A table is valid for one *context* — everything besides the entry that its results depend on:
the code stamp (:func:`~dlbib.library.cache.code_stamp`: any change to dlbib's,
bibtexparser's, pylatexenc's or anyascii's files, or to Python's version), and whatever the
step passes (the ``@string`` values, the export's folder, options). A table made in another
context is ignored whole.

Tables live with the parse cache, in the user's cache folder (``DLBIB_CACHE_DIR`` moves it,
``DLBIB_NO_CACHE=1`` turns both off), one file per library and step. They hold plain values
only (strings, numbers, tuples, lists, dicts, None); the file is read with an unpickler that
refuses every global, so a planted file can at worst fail to load. A damaged, foreign or
unreadable table is discarded with a debug line, never an error; a table that cannot be
written is simply not kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import marshal
import os
import pickle
import tempfile
import zlib
from collections.abc import Callable, Hashable
from itertools import compress, repeat
from operator import is_not
from pathlib import Path
from typing import Any, Final

from dlbib.library.files import replace_file
from dlbib.library.model import Reference

FORMAT: Final = 4
MAGIC: Final = b"dlbib entry results\n"
SHARDS: Final = 16
"""Files per table."""
MAX_FILES: Final = 2048
"""Table files kept (16 per table, a few tables per library and step); the least recently
written beyond this go."""
_log = logging.getLogger(__name__)


def entry_digest(ref: Reference) -> str:
    """A digest of everything an entry is: type, key, and each field's name and raw value in
    order. Two entries share it only when they are the same text to every step (worked out
    once per entry object: its fields never change)."""
    known = ref._digest
    if known is not None:
        return known
    # the parts marshalled: each string's length and UTF-8 bytes, so no character inside a key
    # or value can make two entries one text ({k, note = v} and {k<NUL>note<NUL>v,} joined by
    # NULs were); version 2 writes no back-references, so equal entries are equal bytes
    # whatever strings Python shares (3x faster than their repr, which is kept for a str subclass)
    parts = (ref.entry_type, ref.key, *ref.fields.items())  # str and (str, str) only
    try:
        data = b"m" + marshal.dumps(parts, 2)  # type: ignore[arg-type]
    except ValueError:  # a str subclass somewhere
        data = b"r" + repr(parts).encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    object.__setattr__(ref, "_digest", digest)
    return digest


class Results:
    """One step's per-entry results for one library, in one context.

    ``get`` what a previous run made (None when unknown), ``put`` what this run made, and
    ``save`` once at the end: the table then holds the entries this run asked about. It is kept
    in :data:`SHARDS` files by each digest's CRC-32 (``<file stem>.<n>.pickle``), so a run that
    changed a few entries rewrites a few small files, not the whole table.

    ``keep``, when given, sees each file's table once as it is read and returns the results
    worth keeping (a step's check of the values' shape: a file is plain data, but may hold any
    plain data); what it leaves out is unknown, made again.
    """

    def __init__(
        self,
        file: Path | None,
        context: str,
        keep: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self.file = file
        self.context = context
        self._keep = keep
        self._old: list[dict[str, Any]] = [{} for _ in range(SHARDS)]
        self._all: dict[str, Any] = {}
        """Every file's table in one (a get looks up one dict, not a digest's file first)."""
        self._asked: set[str] = set()
        """The digests this run found (kept by :meth:`save`)."""
        self._put: list[dict[str, Any]] = [{} for _ in range(SHARDS)]
        if file is not None:
            self._old = [self._read(shard) for shard in self.shard_files()]
            for table in self._old:
                self._all.update(table)

    def shard_files(self) -> list[Path]:
        """The files the table is kept in (none when it keeps nothing)."""
        if self.file is None:
            return []
        return [
            self.file.with_name(f"{self.file.stem}.{n}{self.file.suffix}") for n in range(SHARDS)
        ]

    def get(self, digest: str) -> Any | None:
        """The result kept for the entry with ``digest``, or None."""
        value = self._all.get(digest)
        if value is not None:
            self._asked.add(digest)
        return value

    def get_many(self, digests: list[str]) -> list[Any]:
        """:meth:`get` of each digest, in order (one call for a whole library; None: unknown)."""
        values = list(map(self._all.get, digests))
        if None in values:  # the hits only (in C: this is one call for a whole library)
            self._asked.update(compress(digests, map(is_not, values, repeat(None))))
        else:
            self._asked.update(digests)
        return values

    def put(self, digest: str, value: Any) -> None:
        """Keep ``value`` (plain data, not None) as the result of the entry with ``digest``."""
        self._put[_shard(digest)][digest] = value

    @property
    def hits(self) -> int:
        """Results this run took from the table."""
        return len(self._asked)

    def save(self) -> None:
        """Write each file of the table in which this run made or dropped anything (silently
        kept as it was if the cache folder cannot be written)."""
        files = self.shard_files()
        if not any(self._put) and len(self._asked) == len(self._all):
            return  # every result asked for, none made: each file holds what it should
        asked = self._asked
        dropped = self._all.keys() - asked  # in C: a run drops a few entries of thousands
        wrote = False
        for n, file in enumerate(files):
            old, put = self._old[n], self._put[n]
            new = dict(old)
            if not dropped.isdisjoint(old):
                for digest in dropped.intersection(old):
                    del new[digest]
            new.update(put)
            if (put or len(new) != len(old)) and self._write(file, new):
                self._old[n], wrote = new, True
                asked.update(put)
        for put in self._put:
            put.clear()
        if wrote:
            self._all = {}
            for table in self._old:
                self._all.update(table)
            _prune(files[0].parent)

    def _write(self, file: Path, table: dict[str, Any]) -> bool:
        if not table:
            with contextlib.suppress(OSError):
                file.unlink()
            return True
        head = MAGIC + json.dumps({"format": FORMAT, "context": self.context}).encode() + b"\n"
        try:
            write_pickled(file, head, lambda out: pickle.dump(table, out, pickle.HIGHEST_PROTOCOL))
        except OSError as exc:
            _log.debug("%s: entry results not written: %s", file, exc)
            return False
        return True

    def _read(self, file: Path) -> dict[str, Any]:
        try:
            handle = file.open("rb")
        except OSError:
            return {}
        with handle:
            why = self._load(handle)
        if isinstance(why, dict):
            return why if self._keep is None else self._keep(why)
        if why:
            _log.debug("%s: entry results discarded: %s", file, why)
            with contextlib.suppress(OSError):
                file.unlink()
        else:
            _log.debug("%s: made in another context (code, options); not used", file)
        return {}

    def _load(self, handle: io.BufferedIOBase) -> dict[str, Any] | str:
        """The table in an open results file, or why not ("" for another context)."""
        try:
            line = handle.readline(len(MAGIC))
            if line != MAGIC:
                return "not a dlbib results file"
            header = json.loads(handle.readline(_MAX_HEADER))
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                return "another format"
            if header.get("context") != self.context:
                return ""
            rest = handle.read()
            _check_trailer(rest)
            table = _PlainUnpickler(io.BytesIO(rest)).load()  # no copy; stops at its end
        except Exception as exc:  # noqa: BLE001 - any failure to decode is a miss, never an error
            return f"{type(exc).__name__}: {exc}"
        return table if isinstance(table, dict) else "it does not hold a table"


_MAX_HEADER: Final = 1 << 16


def _check_trailer(rest: bytes) -> None:
    """Check a results file's rest after its header (read in one call: a few MB, one checksum
    pass, no copy) against the trailer that ends it (:meth:`Summed.trailer`).

    :raises ValueError: when the trailer is missing or does not match (a torn or damaged file).
    """
    end = rest.rfind(b"\n", 0, len(rest) - 1)
    payload = memoryview(rest)[: max(end, 0)]
    if end < 0 or rest[end:] != _trailer(len(payload), zlib.adler32(payload)):
        raise ValueError("its payload is damaged")


def write_pickled(file: Path, head: bytes, dump: Callable[[Summed], None]) -> None:
    """``head``, what ``dump`` pickles into a :class:`Summed` writer, and its trailer, written
    to a temporary file beside ``file`` (its private folder made as needed) and renamed over it.
    No fsync: a file torn by a crash fails its trailer's check and is a miss.

    :raises OSError: when it cannot be written (the temporary file is removed).
    """
    file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=file.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(head)
            summed = Summed(handle)
            dump(summed)
            handle.write(summed.trailer())
        replace_file(tmp, file)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class Summed:
    """A file's reads or writes, with their length and Adler-32 added up as they pass (a
    table is pickled straight to and from its file: no copy of it in memory)."""

    def __init__(self, handle: io.BufferedIOBase) -> None:
        self.handle = handle
        self.size = 0
        self.adler = 1

    def _seen(self, data: bytes | memoryview) -> None:
        self.size += len(data)
        self.adler = zlib.adler32(data, self.adler)

    def write(self, data: bytes) -> int:
        self._seen(data)
        return self.handle.write(data)

    def read(self, n: int = -1) -> bytes:
        data = self.handle.read(n)
        self._seen(data)
        return data

    def readline(self) -> bytes:
        data = self.handle.readline()
        self._seen(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        n = self.handle.readinto(buffer)
        self._seen(memoryview(buffer)[:n])
        return n

    def trailer(self) -> bytes:
        """What follows the payload: its length and checksum (a torn file does not match)."""
        return _trailer(self.size, self.adler)


def _trailer(size: int, adler: int) -> bytes:
    return f"\n{size} {adler}\n".encode()


def _shard(digest: str) -> int:
    return zlib.crc32(digest.encode("utf-8", "surrogatepass")) % SHARDS


def _prune(folder: Path) -> None:
    with contextlib.suppress(OSError):
        files = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
        for old in files[:-MAX_FILES]:
            old.unlink()


class _PlainUnpickler(pickle.Unpickler):
    """Plain data only: a results file may name no class or function at all."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in an entry results file")


def open_results(
    library_path: Path,
    step: str,
    *context: Hashable,
    keep: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Results:
    """The results table of ``step`` (e.g. ``"export-ris"``, ``"check"``) for the library at
    ``library_path``, valid for ``context`` and the code stamp; a table that keeps nothing
    when the parse cache is turned off (``DLBIB_NO_CACHE``). ``keep``: as for
    :class:`Results`."""
    from dlbib.library.cache import default_cache

    cache = default_cache()
    stamp = hashlib.sha256(repr((cache.stamp if cache else "", step, context)).encode())
    if cache is None:
        return Results(None, stamp.hexdigest(), keep)
    name = hashlib.sha256(str(library_path.resolve()).encode("utf-8")).hexdigest()[:32]
    return Results(cache.folder / "results" / f"{name}-{step}.pickle", stamp.hexdigest(), keep)
