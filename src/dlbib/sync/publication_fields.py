"""How a confirmed publication becomes BibTeX fields, and how they merge into an entry.

The entry turns into the published work — entry type, ``booktitle``/``journal``, volume,
number, pages, publisher, series, DOI, year — through the same three-way merge as arXiv's
fields (:func:`dlbib.sync.merge.merge_fields`): a field the user curated (it differs from what
sync last wrote, from arXiv or from a publication) is kept and reported as a conflict. The
arXiv fields (``eprint``, ``archiveprefix``, ``primaryclass``) are never touched, so every
export still carries the arXiv id. arXiv placeholders that contradict the published type
(``journal = {arXiv preprint …}``, ``howpublished = {arXiv:…}``) are removed. No I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from dlbib.library.model import Reference, brace, unbrace
from dlbib.library.published import is_arxiv_placeholder, is_preprint_entry
from dlbib.sources.venue import Publication
from dlbib.sync.merge import EntryOutcome, FieldChange, fingerprint, merge_fields

if TYPE_CHECKING:
    from dlbib.library.state import SyncState

ENTRY_TYPES: Final = {
    "conference": "inproceedings", "workshop": "inproceedings", "findings": "inproceedings",
    "datasets": "inproceedings", "journal": "article", "chapter": "incollection",
}  # fmt: skip
PUBLISHED_FIELDS: Final = (
    "booktitle", "journal", "volume", "number", "pages", "publisher", "series", "doi", "year",
)  # fmt: skip
"""The fields a published version writes (``--overwrite`` settles their conflicts too)."""


def publication_fields(pub: Publication) -> dict[str, str]:
    """The BibTeX fields (raw values) of ``pub``, for its entry type."""
    entry_type = ENTRY_TYPES.get(pub.venue_class, "misc")
    container = pub.container or pub.venue
    fields: dict[str, str] = {}
    if entry_type == "article":
        fields["journal"] = container
    else:
        fields["booktitle"] = container
    for name, value in (("volume", pub.volume), ("number", pub.number), ("pages", pub.pages),
                        ("publisher", pub.publisher), ("series", pub.series),
                        ("doi", pub.doi)):  # fmt: skip
        if value:
            fields[name] = value
    if entry_type == "article":
        fields.pop("series", None)
    if pub.year:
        fields["year"] = str(pub.year)
    return {name: brace(value) if name != "year" else value for name, value in fields.items()}


def apply_publication(
    ref: Reference,
    pub: Publication,
    state: SyncState,
    outcome: EntryOutcome,
    *,
    overwrite: frozenset[str] = frozenset(),
    fill_only: bool = False,
) -> Reference:
    """``ref`` turned into the published work ``pub`` (``ref`` itself when nothing changes).

    :param fill_only: only fill fields that are empty (an entry that was never a preprint:
        papers enriched by title keep their type and every value they have).
    Records what was written in the sidecar (``published.fields``) for the next merge.
    """
    upstream = publication_fields(pub)
    section = state.section(ref.key, "published")
    arxiv_base = state.get(ref.key, "fetched") or {}
    base = {**arxiv_base, **section.get("fields", {})}
    names = frozenset(upstream) if fill_only else frozenset()
    updates = merge_fields(ref, upstream, base, overwrite, outcome, names)
    new_type = ENTRY_TYPES.get(pub.venue_class, ref.entry_type)
    if not fill_only and new_type != ref.entry_type and _type_follows(ref, section):
        for name in ("journal", "howpublished"):
            value = ref.fields.get(name)
            if value and name not in upstream and is_arxiv_placeholder(unbrace(value)):
                updates[name] = None
                outcome.changes.append(FieldChange(name, value, "(removed)"))
        month = ref.fields.get("month")
        if month and "year" in upstream and fingerprint(month) == arxiv_base.get("month"):
            updates["month"] = None  # the preprint's month, not the venue's
            outcome.changes.append(FieldChange("month", month, "(removed)"))
        outcome.changes.insert(0, FieldChange("type", ref.entry_type, new_type))
    else:
        new_type = ref.entry_type
    section["fields"] = {name: fingerprint(raw) for name, raw in upstream.items()}
    if new_type != ref.entry_type:
        section["type"] = new_type
    if not updates and new_type == ref.entry_type:
        return ref
    changed = ref.with_raw_fields(updates)
    return Reference(changed.key, new_type, changed.fields)


def _type_follows(ref: Reference, section: dict[str, object]) -> bool:
    """The entry type follows a publication unless the user chose another one since."""
    last = section.get("type")
    if last:
        return last == ref.entry_type  # dlbib set it: it follows until the user changes it
    if ref.entry_type in ("misc", "unpublished", "online", "techreport"):
        return True
    return ref.entry_type == "article" and is_preprint_entry(ref)
