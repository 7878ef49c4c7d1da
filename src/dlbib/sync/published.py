"""Published versions: where each preprint appeared, confirmed by the service that owns the venue.

Two stages, so N arXiv entries cost ⌈N/500⌉ candidate requests plus one confirmation per
entry that claims a publication:

1. **Candidates.** Semantic Scholar's ``/paper/batch`` (500 ids a request) says where it thinks
   each paper appeared (venue, DBLP key, DOI); arXiv's own ``doi`` (recorded by sync in the
   sidecar) is a candidate too. A paper S2 places on arXiv only (no venue, arXiv.org) is
   decided without another request; so is an id S2 does not know (``null``).
2. **Confirmation** by the venue's owner: ICLR and TMLR by OpenReview (an *accepted* note),
   other CS venues by DBLP (the record S2 named, else the one main-venue hit), a DOI by
   Crossref. The confirmation is accepted only through :func:`dlbib.sources.match.check_work`
   — title similarity, first author and author overlap, a year window — and its class comes
   from :mod:`dlbib.sources.venue`: a workshop paper is a workshop paper, a submission is not
   published. Two different main venues that both pass → ambiguous, reported with candidates.

**Never silently.** With ``published = "report"`` (the default) the result is recorded in the
sidecar (section ``published``) and reported; no field changes. ``follow``, or ``accept`` for
chosen keys, turns the entry into the published work (:mod:`dlbib.sync.publication_fields`).
Papers without an arXiv id that lack a DOI, venue or pages are looked up by title (Crossref,
else DBLP) under the same rule, and only their empty fields are filled.

**Incremental.** An entry checked less than ``fresh_days`` ago is not looked up again (a
fresh record can still be accepted, without a request). A service that is throttled or cannot
be reached is down for the run: one line per service, the entries it would have answered are
``failed`` and retried next time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from dlbib.errors import InvalidArxivIdError, ServiceError
from dlbib.library.model import Reference
from dlbib.library.published import is_preprint_entry
from dlbib.sources.service import ServiceClient
from dlbib.sources.venue import CLASS_NAMES, Publication
from dlbib.sync.merge import Conflict, EntryOutcome, FieldChange, utc_stamp
from dlbib.sync.publication_fields import apply_publication
from dlbib.sync.published_services import Services
from dlbib.sync.published_verdict import Verdict, choose, describe_candidate, family, plain

if TYPE_CHECKING:
    from dlbib.library.bibfile import Library
    from dlbib.library.state import SyncState

RECORDED: Final = frozenset({"published", "enriched"})
Answer = tuple[Verdict, Publication | None, str, list[str]]
"""A verdict, the accepted publication, the reason and the other candidates."""
OPENREVIEW_VENUES: Final = frozenset({"ICLR", "TMLR"})
PAPER_TYPES: Final = frozenset({"article", "inproceedings", "conference", "incollection"})


@dataclass(frozen=True)
class PublishedOptions:
    """How to resolve published versions."""

    mode: str = "report"
    """``report``: record and report; ``follow``: entries become the published work."""
    accept: frozenset[str] = frozenset()
    """Keys whose published version is applied although ``mode`` is ``report``."""
    refresh: bool = False
    fresh_days: float = 7.0
    overwrite: frozenset[str] = frozenset()


@dataclass
class PublishedOutcome:
    """What was found for one entry."""

    key: str
    status: Verdict
    venue: str = ""
    """``ICML 2015 (PMLR 37, pp. 448–456)``."""
    venue_class: str = ""
    confirmed_by: str = ""
    record_id: str = ""
    candidates: list[str] = field(default_factory=list)
    reason: str = ""
    changes: list[FieldChange] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    fresh: bool = False
    """True when this came from the sidecar without a request."""
    applied: bool = False
    """True when the entry is (now) the published version: applied now or before."""
    cited_as_preprint: bool = False
    """True when the entry (still) reads as a preprint: no venue, or an arXiv placeholder."""

    def line(self) -> str:
        """``ioffe2015batch: published in ICML 2015 (…), confirmed by DBLP``."""
        if self.status in RECORDED:
            what = "published in" if self.status == "published" else "found as"
            kind = "" if self.venue_class == "main conference" else f" [{self.venue_class}]"
            return f"{self.key}: {what} {self.venue}{kind}, confirmed by {self.confirmed_by}"
        return f"{self.key}: {self.reason}"


@dataclass
class PublishedReport:
    """Per-entry results, the requests made per service, and the services that were down."""

    outcomes: list[PublishedOutcome] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    down: dict[str, str] = field(default_factory=dict)

    def having(self, *statuses: str) -> list[PublishedOutcome]:
        """The outcomes with one of ``statuses``."""
        return [o for o in self.outcomes if o.status in statuses]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``sync --json``'s ``published_versions``)."""
        from dataclasses import asdict

        return {"requests": self.requests, "unreachable": self.down,
                "entries": [asdict(o) for o in self.outcomes]}  # fmt: skip


def resolve_published(
    library: Library,
    state: SyncState,
    services: Services,
    options: PublishedOptions,
    now: datetime,
    *,
    keys: Sequence[str] | None = None,
) -> PublishedReport:
    """Find, confirm, record and (when asked) apply published versions, in memory.

    :returns: per-entry outcomes; service failures are outcomes and ``down`` lines.
    """
    from dlbib.sync.arxiv import entry_arxiv_id

    run = _Resolution(library, state, services, options, now)
    refs = [library.get(k) for k in keys] if keys else list(library.references)
    if not keys:  # forget what was found for entries deleted from the library
        present = {ref.key for ref in refs}
        for gone in [k for k in state.entries if k not in present]:
            state.drop(gone, "published")
    batch: list[tuple[Reference, str]] = []
    by_title: list[Reference] = []
    for ref in refs:
        try:
            ident = entry_arxiv_id(ref)
        except InvalidArxivIdError:
            continue
        if run.reuse_fresh(ref, ident.id if ident else None):
            continue
        if ident is not None:
            batch.append((ref, ident.id))
        elif ref.entry_type in PAPER_TYPES and ref.title and _lacks_venue_data(ref):
            by_title.append(ref)
    run.candidates_and_confirm(batch)
    run.enrich_by_title(by_title)
    order = {ref.key: i for i, ref in enumerate(refs)}
    run.report.outcomes.sort(key=lambda o: order.get(o.key, 0))
    run.report.requests = services.requests()
    run.report.down = services.down()
    services.drop_tracebacks()
    return run.report


def _lacks_venue_data(ref: Reference) -> bool:
    return not (
        ref.get("doi") and (ref.get("booktitle") or ref.get("journal")) and ref.get("pages")
    )


@dataclass
class _Resolution:
    library: Library
    state: SyncState
    services: Services
    options: PublishedOptions
    now: datetime
    report: PublishedReport = field(default_factory=PublishedReport)

    def reuse_fresh(self, ref: Reference, ident: str | None) -> bool:
        """Answer from the sidecar when its record is fresh; True when done."""
        info = self.state.get(ref.key, "published") or {}
        stamp = info.get("checked_at")
        if self.options.refresh or not stamp or info.get("arxiv") != ident:
            return False
        if ident is not None and info.get("arxiv_doi", "") != self.arxiv_doi(ref):
            return False  # arXiv has since told a DOI (it was unreachable when this was found)
        try:
            age = self.now - datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
        except (ValueError, TypeError):  # a hand-edited sidecar: look it up again
            return False
        if age >= timedelta(days=self.options.fresh_days):
            return False
        if ident is None and info.get("status") in ("unknown", "preprint", "submission"):
            return True  # a paper without an arXiv id no service knows better: no news
        record = info.get("record")
        pub = Publication.from_dict(record) if isinstance(record, dict) else None
        outcome = PublishedOutcome(ref.key, info.get("status", "unknown"), fresh=True,
                                   reason=info.get("reason", ""),
                                   candidates=list(info.get("candidates", [])))  # fmt: skip
        self.finish(ref, outcome, pub, record_state=False)
        return True

    def arxiv_doi(self, ref: Reference) -> str:
        """The DOI arXiv gave the entry's paper (recorded by sync), or ``""``."""
        return str((self.state.get(ref.key, "arxiv") or {}).get("doi") or "")

    def candidates_and_confirm(self, batch: list[tuple[Reference, str]]) -> None:
        if not batch:
            return
        s2 = self.services.s2
        found: list[Publication | None] = [None] * len(batch)
        s2_failed = ""
        if s2 is not None:
            try:
                found = s2.batch([f"ARXIV:{ident}" for _, ident in batch])
            except ServiceError as exc:
                s2_failed = str(exc)
                self.services.mark_down(s2, exc)
        for (ref, ident), candidate in zip(batch, found, strict=True):
            arxiv_info = self.state.get(ref.key, "arxiv") or {}
            self.resolve_one(ref, ident, candidate, arxiv_info, s2_failed)

    def resolve_one(
        self,
        ref: Reference,
        ident: str,
        cand: Publication | None,
        arxiv: dict[str, Any],
        s2_failed: str,
    ) -> None:
        """Decide from the candidate alone when it is decisive; otherwise ask for confirmation."""
        arxiv_doi, journal_ref = str(arxiv.get("doi") or ""), str(arxiv.get("journal_ref") or "")
        if cand is not None and not cand.is_published:
            cand = None if (arxiv_doi or journal_ref) else cand  # arXiv says more than S2
            if cand is not None:
                reason = "a preprint: no published version known"
                if cand.venue_class == "submission":
                    reason = f"not published: {cand.venue}"
                self.finish(ref, PublishedOutcome(ref.key, "preprint", reason=reason), None, ident)
                return
        if cand is None and not (arxiv_doi or journal_ref):
            if s2_failed:
                self.add(ref, "failed", reason=f"not looked up: {s2_failed}")
                return
            reason = "no published version known (Semantic Scholar does not know the paper)"
            self.finish(ref, PublishedOutcome(ref.key, "unknown", reason=reason), None, ident)
            return
        try:
            self.confirm(ref, ident, cand, (cand.doi if cand else "") or arxiv_doi, journal_ref)
        except ServiceError as exc:
            self.add(ref, "failed", reason=f"not confirmed: {exc}")

    def confirm(
        self,
        ref: Reference,
        ident: str | None,
        cand: Publication | None,
        doi: str,
        journal_ref: str = "",
    ) -> None:
        """Ask the owner of the claimed venue; record the verdict."""
        svc = self.services
        title = plain(ref.title) or (cand.title if cand else "")
        claim = describe_candidate(cand) if cand else f"arXiv: {journal_ref or doi}"
        owner = _owner(cand, doi, journal_ref, svc)
        openreview_down: ServiceError | None = None
        if owner is svc.openreview and svc.openreview is not None:
            try:
                found = svc.call(svc.openreview, lambda c: c.notes_by_title(title))
            except ServiceError as exc:
                if svc.dblp is None or svc.is_down(svc.dblp):
                    raise
                found, openreview_down = [], exc  # DBLP lists accepted ICLR papers too
            if not found and svc.dblp is not None:
                # no note at all (ICLR before 2018 is not in API v2; S2 may name only CoRR)
                owner = svc.dblp
                found = svc.call(svc.dblp, lambda c: c.search(title))
        elif owner is svc.dblp and svc.dblp is not None:
            found = svc.call(svc.dblp, lambda c: c.search(title))
        elif owner is svc.crossref and svc.crossref is not None:
            record = svc.call(svc.crossref, lambda c: c.work(doi))
            found = [record] if record else []
        else:
            reason = f"a candidate no service could confirm: {claim}"
            outcome = PublishedOutcome(ref.key, "unconfirmed", reason=reason, candidates=[claim])
            self.finish(ref, outcome, None, ident)
            return
        verdict, pub, why, more = choose(ref, found, cand.dblp_key if cand else "", doi)
        if openreview_down is not None and verdict != "published":
            raise openreview_down  # only OpenReview can say "not accepted" (DBLP may lag)
        if verdict == "unknown":
            name = owner.name if owner is not None else "no service"
            verdict, why = "unconfirmed", f"{name} does not confirm the candidate"
        outcome = PublishedOutcome(ref.key, verdict, reason=why, candidates=[claim, *more])
        self.finish(ref, outcome, pub, ident)

    def enrich_by_title(self, refs: list[Reference]) -> None:
        """Papers without an arXiv id: missing DOI/venue/pages from Crossref, else DBLP."""
        for ref in refs:
            try:
                answer = self.search_title(ref)
            except ServiceError as exc:
                self.add(ref, "failed", reason=f"not looked up: {exc}")
                continue
            if answer is None:
                continue
            verdict, pub, why, more = answer
            if verdict == "published":
                verdict = "enriched"
            elif verdict in ("unknown", "preprint", "submission"):
                self.state.section(ref.key, "published").update(
                    {"checked_at": utc_stamp(self.now), "status": verdict, "arxiv": None}
                )
                continue  # nothing to report for a paper no service knows better
            outcome = PublishedOutcome(ref.key, verdict, reason=why, candidates=more)
            self.finish(ref, outcome, pub, None)

    def search_title(
        self, ref: Reference
    ) -> tuple[Verdict, Publication | None, str, list[str]] | None:
        """Crossref's bibliographic search (title and family names), then DBLP's by title when
        Crossref is down or confirms nothing (JMLR, PMLR and NeurIPS papers have no DOI, and
        a same-title paper by other authors is no answer): the verdict, or None unasked.

        :raises ServiceError: when the last service asked fails.
        """
        svc = self.services
        title = plain(ref.title)
        answer = None
        if svc.crossref is not None and not svc.is_down(svc.crossref):
            query = " ".join([title, *(family(a) for a in ref.authors[:4])])
            try:
                found = svc.call(svc.crossref, lambda c: c.search(query))
            except ServiceError:
                if svc.dblp is None or svc.is_down(svc.dblp):
                    raise
            else:
                answer = choose(ref, found, "", ref.doi or "")
                if answer[0] != "unknown":
                    return answer
        if svc.dblp is not None and not svc.is_down(svc.dblp):
            more = svc.call(svc.dblp, lambda c: c.search(title))
            dblp_answer = choose(ref, more, "", ref.doi or "")
            if answer is None or dblp_answer[0] != "unknown":
                return dblp_answer
            return answer[0], answer[1], answer[2], answer[3] + dblp_answer[3]
        return answer

    def add(self, ref: Reference, status: Verdict, **details: Any) -> None:
        self.report.outcomes.append(PublishedOutcome(ref.key, status, **details))

    def finish(
        self,
        ref: Reference,
        outcome: PublishedOutcome,
        pub: Publication | None,
        ident: str | None = None,
        *,
        record_state: bool = True,
    ) -> None:
        """Record the verdict in the sidecar, apply it when asked, report it."""
        if pub is not None:
            outcome.venue, outcome.venue_class = pub.describe(), CLASS_NAMES[pub.venue_class]
            outcome.confirmed_by, outcome.record_id = pub.source, pub.source_id
        if record_state:
            section = self.state.section(ref.key, "published")
            keep: dict[str, Any] = {k: section[k] for k in ("fields", "type") if k in section}
            section.clear()
            section.update(keep, checked_at=utc_stamp(self.now), arxiv=ident,
                           status=outcome.status)  # fmt: skip
            if ident is not None and self.arxiv_doi(ref):
                section["arxiv_doi"] = self.arxiv_doi(ref)
            if outcome.reason:
                section["reason"] = outcome.reason
            if outcome.candidates:
                section["candidates"] = outcome.candidates
            if pub is not None:
                section["record"] = pub.as_dict()
                section.update(venue=outcome.venue, venue_class=pub.venue_class,
                               confirmed_by=pub.source)  # fmt: skip
        outcome.applied = bool((self.state.get(ref.key, "published") or {}).get("fields"))
        if pub is not None and outcome.status in RECORDED and self.wants_applied(ref):
            changes = EntryOutcome(ref.key, "unchanged")
            fill_only = outcome.status == "enriched" or not is_preprint_entry(ref)
            new_ref = apply_publication(ref, pub, self.state, changes,
                                        overwrite=self.options.overwrite,
                                        fill_only=fill_only)  # fmt: skip
            outcome.changes, outcome.conflicts = changes.changes, changes.conflicts
            outcome.applied = True
            if new_ref is not ref:
                self.library.replace(new_ref)
                ref = new_ref
        outcome.cited_as_preprint = is_preprint_entry(ref)
        self.report.outcomes.append(outcome)

    def wants_applied(self, ref: Reference) -> bool:
        return self.options.mode == "follow" or ref.key in self.options.accept


def _owner(
    cand: Publication | None, doi: str, journal_ref: str, svc: Services
) -> ServiceClient | None:
    """The service that owns the claimed venue: OpenReview for ICLR/TMLR (and NeurIPS without a
    DBLP record), DBLP for a DBLP key or a bare ``journal_ref``, Crossref for a DOI."""
    venue = cand.venue if cand is not None else journal_ref
    words = set(re.findall(r"[A-Za-z]+", venue.upper()))
    dblp_key = cand.dblp_key if cand is not None else ""
    if svc.openreview is not None and (
        words & OPENREVIEW_VENUES or ({"NEURIPS"} & words and not dblp_key)
    ):
        return svc.openreview
    if svc.dblp is not None and (dblp_key or (journal_ref and not doi)):
        return svc.dblp
    if svc.crossref is not None and doi:
        return svc.crossref
    return None
