"""How one format's file is made from entries (the engine under :mod:`dlbib.exports`).

Each entry becomes a :class:`~dlbib.exports._record.Record` once per run, whatever the number
of formats; ``crossref``/``xdata`` children are resolved (or, for the .bib flavours, their
parents added). With a results table (:mod:`dlbib.library.derived`), an entry's text in a
format — or why the format cannot hold it, and its warnings — is taken from the last export of
the whole library when the entry did not change, and kept for the next one: the table's context
is the export's options and folder, the working folder and the ``@string`` values.
"""

from __future__ import annotations

import hashlib
import operator
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import chain, repeat
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

from dlbib.errors import ExportError
from dlbib.exports._options import ExportOptions
from dlbib.exports._pieces import Piece, as_text, utf8_or_none
from dlbib.exports._record import Record, build_record
from dlbib.exports.inherit import resolve
from dlbib.library.derived import Results, entry_digest, open_results
from dlbib.library.model import Reference


@dataclass(frozen=True, slots=True)
class Exporter:
    """One output format."""

    name: str
    filename: str
    """The default file name in the exports folder."""
    render: Callable[[Record, ExportOptions], str]
    """One record → its text in the file."""
    assemble: Callable[[list[Piece]], list[Piece]]
    """The rendered records (text, or UTF-8 from a results table) → the whole file, in pieces
    to join (or write one by one)."""
    description: str
    place: Callable[[Record, ExportOptions], dict[str, str]] | None = None
    """One record → where each of its fields went (None: every field kept under its name)."""
    keeps_crossref: bool = False
    """A .bib flavour: ``crossref`` stays, and the parents are added to the file."""
    index: Callable[[str], Index] | None = None
    """One record's text → what ``assemble_indexed`` needs of it (worked out once, kept with
    the text between runs)."""
    assemble_indexed: Callable[[list[Piece], list[Index]], list[Piece]] | None = None
    """``assemble`` given each text's ``index`` (the same file)."""


@dataclass(slots=True)
class _Known:
    """What a run learnt about one entry, for every format: its record (or why it has none),
    made once (None: not needed yet)."""

    ref: Reference
    record: Record | ExportError | None = None


Memo = dict[int, _Known]
"""id(entry) → what is known of it (the entry is kept, so its id cannot be reused meanwhile)."""


def _record(ref: Reference, strings: Mapping[str, str], memo: Memo) -> Record:
    hit = memo.get(id(ref))
    if hit is None or hit.ref is not ref:
        hit = memo[id(ref)] = _Known(ref)
    if hit.record is None:
        try:
            hit.record = build_record(ref, strings)
        except ExportError as exc:
            hit.record = exc
    if isinstance(hit.record, ExportError):
        raise hit.record
    return hit.record


def render_file(
    exporter: Exporter,
    refs: Iterable[Reference],
    strings: Mapping[str, str] | None,
    options: ExportOptions,
    on_skip: Callable[[ExportError], None] | None,
    library_refs: Iterable[Reference] | None,
    on_warning: Callable[[str, str], None] | None,
    memo: Memo,
    table: Results | None = None,
) -> list[Piece]:
    """The file's text, in pieces; with ``table``, each entry's text (or why it has none) is
    taken from the previous run when the entry did not change, and kept for the next one."""
    wanted = with_parents(refs, library_refs, exporter.keeps_crossref)
    done = _made(exporter, wanted, strings or {}, options, memo, table)
    if (on_warning is None or not any(map(itemgetter(1), done))) and not any(
        map(itemgetter(2), done)
    ):  # the usual file: every entry in it, nothing to report (looked through in C)
        entries: list[Piece] = list(map(itemgetter(0), done))
        indexes: list[Index | None] = list(map(itemgetter(3), done))
    else:
        entries, indexes = _reported(wanted, done, on_skip, on_warning)
    if exporter.index is not None and None in indexes:
        for n, found in enumerate(indexes):
            if found is None:
                indexes[n] = exporter.index(as_text(entries[n])) if entries[n] else ("", ())
    if exporter.assemble_indexed is not None:
        return exporter.assemble_indexed(entries, indexes)  # type: ignore[arg-type]  # filled
    return exporter.assemble(entries)


def _reported(
    refs: list[Reference],
    done: list[_Done],
    on_skip: Callable[[ExportError], None] | None,
    on_warning: Callable[[str, str], None] | None,
) -> tuple[list[Piece], list[Index | None]]:
    """The entries the file holds and their indexes, each left-out entry given to ``on_skip``
    (raised without it) and each warning to ``on_warning``, in order."""
    entries: list[Piece] = []
    indexes: list[Index | None] = []
    for ref, (text, warnings, error, found) in zip(refs, done, strict=True):
        if error is not None:
            exc = ExportError(*error)
            if on_skip is None:
                raise exc
            on_skip(exc)
            continue
        entries.append(text)
        indexes.append(found)
        if warnings and on_warning is not None:
            for message in warnings:
                on_warning(ref.key, message)
    return entries, indexes


def _made(
    exporter: Exporter,
    refs: list[Reference],
    strings: Mapping[str, str],
    options: ExportOptions,
    memo: Memo,
    table: Results | None,
) -> list[_Done]:
    """Each entry in the format: from ``table`` when it knows the entry, else rendered (and
    kept in ``table``)."""
    if table is None:
        return [_render_entry(exporter, ref, strings, options, memo) for ref in refs]
    digests = list(map(entry_digest, refs))
    done: list[_Done] = table.get_many(digests)  # each a _Done: kept_results saw every file
    if None in done:
        for n, kept in enumerate(done):
            if kept is None:
                text, *rest = made = _render_entry(exporter, refs[n], strings, options, memo)
                data = utf8_or_none(text)
                if data is not None:  # kept as UTF-8: written as it is, never encoded again
                    made = (data, *rest)
                    table.put(digests[n], made)
                done[n] = made
    return done


Index = tuple[str, tuple[tuple[str, ...], ...]]
"""What a format's ``assemble_indexed`` needs of one entry's text (Zotero RDF: its URI and
keyword paths)."""
_Done = tuple[Piece, tuple[str, ...], "tuple[str, str | None, str | None] | None", "Index | None"]
"""One entry in one format: its text (UTF-8 bytes as a results table keeps it; text when made
this run and not kept), its warnings, (message, key, format) of why the format cannot hold it
(then the text is empty), and its text's :data:`Index` (None: none needed, or worked out when
needed). Plain data: kept between runs as it is."""


def _kept(value: object) -> _Done | None:
    """``value`` when it is a :data:`_Done` (a table is plain data from a file: one whose
    header and trailer match may still hold anything), else None: made again."""
    if not (isinstance(value, tuple) and len(value) == 4):
        return None
    text, warnings, error, found = value
    if not (
        isinstance(text, bytes)
        and isinstance(warnings, tuple)
        and all(isinstance(w, str) for w in warnings)
        and (found is None or _is_index(found))
    ):
        return None
    if error is None:
        return value
    if (
        isinstance(error, tuple)
        and len(error) == 3
        and isinstance(error[0], str)
        and all(e is None or isinstance(e, str) for e in error[1:])
    ):
        return value
    return None


def _is_index(found: object) -> bool:
    return (
        isinstance(found, tuple)
        and len(found) == 2
        and isinstance(found[0], str)
        and isinstance(found[1], tuple)
        and all(isinstance(path, tuple) for path in found[1])
        and all(isinstance(part, str) for path in found[1] for part in path)
    )


def kept_results(table: dict[str, Any]) -> dict[str, Any]:
    """The results of one table file that are :data:`_Done`, as :func:`_kept` would say of
    each (checked in bulk when the file is read; one by one only when some are not)."""
    values = list(table.values())
    if _all_of(values, tuple) and set(map(len, values)) <= {4}:
        texts, warnings, errors, found = (list(map(itemgetter(n), values)) for n in range(4))
        indexes = [i for i in found if i is not None]
        if (
            _all_of(texts, bytes)
            and _all_of(warnings, tuple)
            and _all_of(chain.from_iterable(warnings), str)
            and all(_kept((b"", (), e, None)) is not None for e in errors if e is not None)
            and _all_indexes(indexes)
        ):
            return table
    return {digest: value for digest, value in table.items() if _kept(value) is not None}


def _all_indexes(indexes: list[Any]) -> bool:
    """Every one an :data:`Index` (exactly tuples and strings)."""
    if not (_all_of(indexes, tuple) and set(map(len, indexes)) <= {2}):
        return False
    paths = list(map(itemgetter(1), indexes))
    return (
        _all_of(map(itemgetter(0), indexes), str)
        and _all_of(paths, tuple)
        and _all_of(chain.from_iterable(paths), tuple)
        and _all_of(chain.from_iterable(chain.from_iterable(paths)), str)
    )


def _all_of(values: Iterable[object], kind: type) -> bool:
    """Every value exactly of type ``kind`` (a subclass: checked by :func:`_kept` instead)."""
    return set(map(type, values)) <= {kind}


def _render_entry(
    exporter: Exporter,
    ref: Reference,
    strings: Mapping[str, str],
    options: ExportOptions,
    memo: Memo,
) -> _Done:
    try:
        record = _record(ref, strings, memo)
        text = exporter.render(record, options)
    except ExportError as exc:
        return "", (), (_reason(exc), exc.key, exc.format or exporter.name), None
    found = exporter.index(text) if exporter.index is not None and text else None
    return text, tuple(record.warnings), None, found


def with_parents(
    refs: Iterable[Reference], library_refs: Iterable[Reference] | None, keep: bool
) -> list[Reference]:
    """``refs`` with crossref/xdata resolved (``keep``: unresolved, missing parents appended)."""
    wanted = list(refs)
    if not _any_linked(wanted):
        return wanted
    pool = wanted if library_refs is None else list(library_refs)
    by_key: dict[str, Reference] = {}
    for ref in pool:
        by_key.setdefault(ref.key.lower(), ref)  # BibTeX uses the first of repeated keys
    if not keep:
        return [resolve(ref, by_key) for ref in wanted]
    have = {ref.key.lower() for ref in wanted}
    extra: list[Reference] = []
    queue = list(wanted)
    while queue:
        ref = queue.pop(0)
        for name in ("crossref", "xdata"):
            raw = ref.fields.get(name, "").strip().strip('{}"')
            for key in (k.strip().lower() for k in raw.split(",") if k.strip()):
                parent = by_key.get(key)
                if parent is not None and key not in have:
                    have.add(key)
                    extra.append(parent)
                    queue.append(parent)
    return wanted + extra


def _any_linked(refs: list[Reference]) -> bool:
    """Whether any of ``refs`` has a ``crossref`` or ``xdata`` field (looked up in C: this is
    asked of every entry, for every format)."""
    fields = list(map(attrgetter("fields"), refs))
    return any(any(map(operator.contains, fields, repeat(name))) for name in ("crossref", "xdata"))


def _reason(exc: ExportError) -> str:
    text = str(exc)
    prefix = f"{exc.key}: "
    return text[len(prefix) :] if exc.key and text.startswith(prefix) else text


def results_table(
    library_path: Path, strings: Mapping[str, str], exporter: Exporter, options: ExportOptions
) -> Results:
    """The table of each entry's text in this format, from the last export of the whole
    library to the same place with the same options and ``@string`` values. Places are
    compared as absolute paths — all a written path depends on (:meth:`ExportOptions.file_path`
    makes absolute and relative paths from them), whatever the spelling or working folder."""
    values = repr(sorted(strings.items())).encode("utf-8", "surrogatepass")
    where = (os.path.abspath(options.base_dir), os.path.abspath(options.library_root))
    context = (*where, options.attachments, hashlib.sha256(values).hexdigest())
    return open_results(library_path, f"export-{exporter.name}", *context, keep=kept_results)
