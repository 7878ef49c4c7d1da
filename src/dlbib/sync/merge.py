"""How one arXiv record merges into one entry: the three-way policy and the outcome types.

See :mod:`dlbib.sync.arxiv` for the policy in full; this module holds the merge itself, so the
published-versions step can reuse it. It never reads or writes files.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Final, Literal

from dlbib.library.model import ArxivId, Reference, unbrace
from dlbib.library.text import _ACCENT_RE, _ESCAPED_SIGNS, _is_plain, normalize_title
from dlbib.sources.arxiv_record import ArxivRecord, record_raw_fields

if TYPE_CHECKING:
    from dlbib.library.state import SyncState

FINGERPRINT_OVER: Final = 160
"""Fetched values longer than this are kept in the sidecar as a hash."""

_VENUE_FIELDS: Final = ("journal", "booktitle", "journaltitle")

Status = Literal["updated", "unchanged", "fresh", "skipped", "unmatched", "missing", "failed"]


@dataclass(frozen=True)
class SyncOptions:
    """How to sync: see :func:`sync_metadata`."""

    dry_run: bool = False
    """Compute the report, write nothing."""
    refresh: bool = False
    """Look entries up even when their last fetch is fresh."""
    overwrite: frozenset[str] = frozenset()
    """Fields where arXiv's value replaces the user's (settles conflicts)."""
    search: bool = True
    """Title-search papers that have no arXiv id."""
    versions: str | None = None
    """``latest`` follows new arXiv versions; ``pinned`` only reports them (None: the
    library's config, else ``latest``)."""
    fresh_days: float | None = None
    """Results younger than this (days) are not looked up again (None: config, else 7)."""
    now: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    """The current time (UTC)."""
    published: str | None = None
    """Published versions: ``report``, ``follow`` or ``off`` (None: the library's config)."""
    accept_published: bool = False
    """Apply the published version of the synced entries (``--accept-published``)."""


@dataclass(slots=True)
class FieldChange:
    """One field sync changed (raw values; ``old`` None when the field was absent).

    (Not frozen: a sync of every entry makes one per changed field — 30,000 at 10,000
    entries — and a frozen dataclass costs six times as much to build.)"""

    name: str
    old: str | None
    new: str


@dataclass(slots=True)
class Conflict:
    """A field the user changed while arXiv's value changed too: the user's value was kept
    (not frozen, as :class:`FieldChange`)."""

    name: str
    current: str
    upstream: str


@dataclass
class EntryOutcome:
    """What sync did with one entry."""

    key: str
    status: Status
    arxiv_id: str | None = None
    changes: list[FieldChange] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    old_version: int | None = None
    new_version: int | None = None
    """Set when arXiv has a newer version than the one last recorded."""
    pinned: bool = False
    """True when a newer version was only reported because the entry is pinned."""
    published: str | None = None
    """``10.1109/ICCV.2015.123 (ICCV 2015)`` when arXiv newly reports the published version."""
    found_by_search: bool = False
    reason: str = ""
    """Why it failed, was skipped or not matched."""
    candidates: list[str] = field(default_factory=list)
    """Title-search candidates (``id: title``) when none was accepted."""

    @property
    def failed(self) -> bool:
        """True for failed look-ups and ids arXiv does not have."""
        return self.status in ("failed", "missing")


@functools.lru_cache(maxsize=8)  # a run stamps every entry with the same moment
def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _version_of(text: str | None) -> int | None:
    if text and text.lstrip("v").isdigit():
        return int(text.lstrip("v"))
    return None


def fingerprint(raw: str) -> str:
    """What the sidecar keeps of a fetched value: short values verbatim, long ones (abstracts)
    as ``sha256:<16 hex>``, which is all the merge needs (it only compares for equality)."""
    if len(raw) <= FINGERPRINT_OVER:
        return raw
    return "sha256:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


_WORD_BYTES: Final = bytes(c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789" else 32
                           for c in range(256))  # fmt: skip
"""ASCII lower-case letters and digits kept, every other byte a space (after ``lower``)."""


_NOT_ALNUM: Final = bytes(c for c in range(256) if not chr(c).isascii() or not chr(c).isalnum())
"""Every byte but ASCII letters and digits (deleted by ``translate`` to compare letters)."""
_LOWER_ASCII: Final = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
"""``bytes.lower`` as a ``translate`` table (lower-cased while the rest is deleted, one pass)."""


def _same(a: str, b: str) -> bool:
    """Equal content, formatting aside (braces, LaTeX, case, punctuation, spacing)."""
    return a == b or _same_words(a, b)


def _same_words(a: str, b: str) -> bool:
    """``_normalized(a) == _normalized(b)``, with a quick no for two values of
    :func:`_letters`' kind (the usual fetched title, abstract or author) whose letters and
    digits differ: their normalisations are their words ``[a-z0-9]+`` joined by spaces."""
    letters = _letters(a)
    if letters is not None:
        other = _letters(b)
        if other is not None and letters != other:
            return False
    return _normalized(a) == _normalized(b)


def _letters(raw: str) -> bytes | None:
    """The lower-cased ASCII letters and digits of a braced ASCII value with no brace inside
    whose only LaTeX is escaped signs (``\\%``): :func:`_normalized` gives its words, so
    without the spaces they are these; None for any other value.

    (Once ``\\%``-style escapes are undone no backslash is left, so each was such an escape,
    not an accent; ``_simple_words`` then deletes just those backslashes.)"""
    if raw[:1] != "{" or raw[-1:] != "}" or not raw.isascii():
        return None
    inner = raw[1:-1]
    if not _is_plain(inner):  # (which also says no brace is inside)
        if "\\" not in inner:
            return None
        text = inner
        for sign in _ESCAPED_SIGNS:
            text = text.replace("\\" + sign, sign)
        if not _is_plain(text):
            return None
    return raw.encode().translate(_LOWER_ASCII, _NOT_ALNUM)  # the outer braces are deleted too


def _normalized(raw: str) -> str:
    """``normalize_title(unbrace(raw))``, for ASCII values without the general path's cost."""
    if not raw.isascii():
        return normalize_title(unbrace(raw))
    if raw[:1] == "{" and raw[-1:] == "}" and _is_plain(raw[1:-1]):
        return _ascii_words(raw[1:-1])  # no brace inside: unbrace would give just that
    value = unbrace(raw)
    words = _simple_words(value)
    return normalize_title(value) if words is None else words


def _simple_words(value: str) -> str | None:
    """``normalize_title`` of an ASCII value whose only LaTeX is what ``latex_to_text`` decodes
    without pylatexenc (accents on letters, ``\\%``-style signs, brace groups); None for any
    other. The decoded text is ASCII but for the accents' combining marks, which ASCII folding
    (NFKD, then ASCII) drops again: so each accent macro is just its letter here."""
    text = value
    if "\\" in text:
        text = _ACCENT_RE.sub(_accent_letter, text)
        for sign in _ESCAPED_SIGNS:
            text = text.replace("\\" + sign, sign)
    text = text.replace("{", "").replace("}", "")
    return _ascii_words(text) if _is_plain(text) else None


def _accent_letter(match: re.Match[str]) -> str:
    return match.group(2) or match.group(4) or match.group(6)


def _ascii_words(text: str) -> str:
    """The words ``[a-z0-9]+`` of the lower-cased ASCII ``text``, joined by single spaces."""
    return b" ".join(text.encode("ascii").lower().translate(_WORD_BYTES).split()).decode()


def merge_record(
    ref: Reference,
    record: ArxivRecord,
    state: SyncState,
    options: SyncOptions,
    now: datetime,
) -> tuple[EntryOutcome, Reference]:
    """Merge one arXiv record into one entry (the three-way policy of the module docstring).

    Updates ``state`` (sections ``arxiv`` and ``fetched``) and returns the outcome with the new
    entry (``ref`` itself when nothing changed).
    """
    info = state.get(ref.key, "arxiv") or {}
    same_paper = info.get("id") == record.arxiv_id.id
    base: dict[str, str] = (state.get(ref.key, "fetched") or {}) if same_paper else {}
    known = _version_of(ref.get("arxivversion")) or (info.get("version") if same_paper else None)
    latest = record.version
    cited = ArxivId.find(ref.get("eprint") or "")
    entry_pin = cited.version if cited else None
    pin = entry_pin or (known if options.versions == "pinned" else None)
    outcome = EntryOutcome(ref.key, "unchanged", arxiv_id=record.arxiv_id.id)
    if known and latest and latest > known:
        outcome.old_version, outcome.new_version = known, latest
    new_info = {"id": record.arxiv_id.id, "version": latest, "fetched_at": utc_stamp(now)}
    if pin and latest and latest > pin:
        outcome.old_version, outcome.new_version, outcome.pinned = pin, latest, True
        state.section(ref.key, "arxiv").update(new_info)
        return outcome, ref
    upstream = record_raw_fields(record)
    if entry_pin:  # pinned by a versioned eprint: the user's eprint stays as written
        upstream.pop("eprint", None)
    published = {"doi": record.doi, "journal_ref": record.journal_ref}
    if any(published.values()) and any(info.get(k) != v for k, v in published.items()):
        outcome.published = record.doi or ""
        if record.journal_ref:
            outcome.published = f"{outcome.published} ({record.journal_ref})".strip()
    fill_only: frozenset[str] = frozenset()
    fields = ref.fields
    if not fields.keys().isdisjoint(_VENUE_FIELDS) and any(ref.get(n) for n in _VENUE_FIELDS):
        # A published entry: its date and landing page are the venue's, not the preprint's.
        upstream.pop("year", None)
        upstream.pop("month", None)
        fill_only = frozenset({"url"})
    prints = {
        name: raw if len(raw) <= FINGERPRINT_OVER else fingerprint(raw)
        for name, raw in upstream.items()
    }
    updates = merge_fields(
        ref, upstream, base, options.overwrite, outcome, fill_only, record.arxiv_id.doi, prints
    )
    section = state.section(ref.key, "arxiv")
    section.clear()
    section.update(new_info, **{k: v for k, v in published.items() if v})
    fetched = state.section(ref.key, "fetched")
    fetched.clear()
    fetched.update(prints)
    if not updates:
        return outcome, ref
    outcome.status = "updated"
    return outcome, ref.with_raw_fields(updates)


def merge_fields(
    ref: Reference,
    upstream: dict[str, str],
    base: dict[str, str],
    overwrite: frozenset[str],
    outcome: EntryOutcome,
    fill_only: frozenset[str] = frozenset(),
    arxiv_doi: str | None = None,
    prints: Mapping[str, str] | None = None,
) -> dict[str, str | None]:
    """The three-way merge of raw ``upstream`` values into ``ref`` (see :mod:`dlbib.sync.arxiv`).

    :param base: field → fingerprint of what sync last wrote (the user's edits differ from it).
    :param fill_only: fields only filled when empty, never followed.
    :param arxiv_doi: the entry's arXiv DataCite DOI, which counts as an empty ``doi``.
    :param prints: the :func:`fingerprint` of each ``upstream`` value, when already known.
    :returns: the field updates; ``outcome`` gets the changes and conflicts.
    """
    updates: dict[str, str | None] = {}
    fields = ref.fields
    for name, new in upstream.items():
        current = fields.get(name)
        if name == "doi" and current and arxiv_doi and _same(current, "{" + arxiv_doi + "}"):
            current = None
        if current is not None and (current == new or _same_words(current, new)):
            continue  # the same content (:func:`_same`)
        old = base.get(name)
        # ``not unbrace(current).strip()``, without copying a long value when its second
        # character already shows content (the first of ``{x…}``, or within a bare value)
        empty = current is None or (
            (len(current) < 3 or current[1].isspace()) and not unbrace(current).strip()
        )
        # (a fingerprint is never None: with no base value, nothing needs hashing)
        untouched = current is not None and old is not None and fingerprint(current) == old
        if empty or name in overwrite or (untouched and name not in fill_only):
            updates[name] = new
            outcome.changes.append(FieldChange(name, fields.get(name), new))
        elif current is not None and name not in fill_only:
            new_print = prints[name] if prints is not None else fingerprint(new)
            if old != new_print:
                outcome.conflicts.append(Conflict(name, current, new))
    return updates
