"""Published versions (issue 15): the two-stage resolution against the local stand-ins.

The stand-ins (tests/services_server.py) serve the seed's six arXiv papers in each service's
real response shape: He et al. at ICCV 2015, Ioffe & Szegedy at ICML 2015, Sutskever et al.
at NIPS 2014, Bengio's chapter in *Neural Networks: Tricks of the Trade*, and Zaremba et al.
and Lipton et al., which stay preprints; faults and traps are queued per test.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from dlbib.library.bibfile import load_library
from dlbib.library.state import SyncState, load_state
from dlbib.sources.crossref import Crossref
from dlbib.sources.dblp import Dblp
from dlbib.sources.http import HttpClient
from dlbib.sources.openreview import OpenReview
from dlbib.sources.semanticscholar import SemanticScholar
from dlbib.sources.service import MAX_BODY
from dlbib.sync.published import (
    PublishedOptions,
    PublishedOutcome,
    PublishedReport,
    resolve_published,
)
from dlbib.sync.published_services import Services

from .conftest import DATA

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
PREPRINTS = DATA / "services" / "preprints.bib"


@pytest.fixture
def make_services(services, sleeps):
    """Services on the stand-ins: no delay, recorded sleeps, no jitter."""

    def http(name: str) -> HttpClient:
        return HttpClient(name, min_interval=0, max_bytes=MAX_BODY, retries=2, backoff=1.0,
                          max_retry_after=60, max_wait=90, sleep=sleeps.append,
                          jitter=lambda: 0.0)  # fmt: skip

    def make(base: str | None = None) -> Services:
        root = base or services.base
        return Services(
            s2=SemanticScholar(root + "/s2/graph/v1", http("Semantic Scholar")),
            dblp=Dblp(root + "/dblp", http("DBLP")),
            openreview=OpenReview(root + "/openreview", http("OpenReview")),
            crossref=Crossref(root + "/crossref", http("Crossref"), mailto="me@example.org"),
        )

    return make


@pytest.fixture
def library(tmp_path: Path):
    path = tmp_path / "library.bib"
    shutil.copy(PREPRINTS, path)
    return load_library(path)


def resolve(
    library: Any,
    services: Services,
    *,
    state: SyncState | None = None,
    mode: str = "report",
    keys: list[str] | None = None,
    now: datetime = NOW,
    **options: Any,
) -> tuple[PublishedReport, SyncState]:
    state = state if state is not None else SyncState(library.path.with_suffix(".dlbib.json"))
    opts = PublishedOptions(mode=mode, **options)
    report = resolve_published(library, state, services, opts, now, keys=keys)
    return report, state


def by_key(report: PublishedReport) -> dict[str, PublishedOutcome]:
    return {o.key: o for o in report.outcomes}


def test_the_six_seed_papers(library, make_services, services) -> None:
    report, state = resolve(library, make_services())
    got = by_key(report)
    assert got["ioffe2015batch"].line() == (
        "ioffe2015batch: published in ICML 2015 (PMLR 37, pp. 448–456), confirmed by DBLP"
    )
    assert got["he2015delving"].venue == "ICCV 2015 (pp. 1026–1034)"
    assert got["sutskever2014sequence"].venue == "NIPS 2014 (vol. 27, pp. 3104–3112)"
    assert got["bengio2012practical"].venue_class == "book chapter"
    assert {k: o.status for k, o in got.items()} == {
        "he2015delving": "published", "ioffe2015batch": "published",
        "sutskever2014sequence": "published", "bengio2012practical": "published",
        "zaremba2014recurrent": "preprint", "lipton2015critical": "preprint",
    }  # fmt: skip
    assert {o.confirmed_by for o in report.having("published")} == {"DBLP"}
    # one batch for six ids; a confirmation only where S2's candidate claims a publication
    assert report.requests == {"Semantic Scholar": 1, "DBLP": 4, "OpenReview": 0, "Crossref": 0}
    batch = [r for r in services.api.requests if r[0] == "s2"]
    seed = ("1502.01852", "1502.03167", "1409.3215", "1206.5533", "1409.2329", "1506.00019")
    assert batch[0][4] == {"ids": [f"ARXIV:{i}" for i in seed]}
    record = state.get("ioffe2015batch", "published")
    assert record is not None
    assert record["status"] == "published"
    assert record["record"]["source_id"] == "conf/icml/IoffeS15"
    assert record["record"]["volume"] == "37"
    assert record["venue_class"] == "conference"


def test_report_mode_changes_no_field(library, make_services) -> None:
    before = [(r.entry_type, dict(r.fields)) for r in library.references]
    report, _ = resolve(library, make_services())
    assert [(r.entry_type, dict(r.fields)) for r in library.references] == before
    assert all(not o.changes for o in report.outcomes)


def test_fresh_records_make_no_request(library, make_services, services) -> None:
    _report, state = resolve(library, make_services())
    sent = len(services.api.requests)
    again, _ = resolve(library, make_services(), state=state, now=NOW + timedelta(days=1))
    assert len(services.api.requests) == sent
    assert again.requests == {"Semantic Scholar": 0, "DBLP": 0, "OpenReview": 0, "Crossref": 0}
    assert by_key(again)["ioffe2015batch"].fresh
    assert by_key(again)["ioffe2015batch"].status == "published"
    stale, _ = resolve(library, make_services(), state=state, now=NOW + timedelta(days=8))
    assert stale.requests["Semantic Scholar"] == 1


def test_accept_turns_the_entry_into_the_published_work(library, make_services) -> None:
    report, _ = resolve(library, make_services(), accept=frozenset({"ioffe2015batch"}))
    ref = library.get("ioffe2015batch")
    assert ref.entry_type == "inproceedings"
    assert ref.get("booktitle") == "International Conference on Machine Learning"
    assert (ref.get("volume"), ref.get("pages"), ref.get("publisher")) == ("37", "448--456", "PMLR")
    assert ref.get("series") == "Proceedings of Machine Learning Research"
    # the arXiv id stays, so every export still carries it
    assert (ref.get("eprint"), ref.get("archiveprefix"), ref.get("primaryclass")) == (
        "1502.03167", "arXiv", "cs.LG")  # fmt: skip
    assert library.get("he2015delving").entry_type == "article"  # not accepted: unchanged
    he = by_key(report)["ioffe2015batch"]
    assert [c.name for c in he.changes][:2] == ["type", "booktitle"]


def test_follow_replaces_the_arxiv_placeholder_and_keeps_curated_fields(
    library, make_services
) -> None:
    he = library.get("he2015delving")
    library.replace(he.with_fields({"publisher": "My own publisher note"}))
    report, _ = resolve(library, make_services(), mode="follow")
    he = library.get("he2015delving")
    assert he.entry_type == "inproceedings"
    assert he.get("journal") is None  # "arXiv preprint arXiv:1502.01852" is gone
    assert he.get("booktitle") == "IEEE International Conference on Computer Vision (ICCV)"
    assert he.get("doi") == "10.1109/ICCV.2015.123"
    assert he.get("publisher") == "My own publisher note"  # curated: kept, reported
    conflicts = by_key(report)["he2015delving"].conflicts
    assert [(c.name, c.upstream) for c in conflicts] == [("publisher", "{IEEE}")]
    bengio = library.get("bengio2012practical")
    assert bengio.entry_type == "incollection"
    assert bengio.get("booktitle") == "Neural Networks: Tricks of the Trade"
    assert bengio.get("series") == "Lecture Notes in Computer Science"
    assert library.get("zaremba2014recurrent").entry_type == "misc"  # stays a preprint


def test_follow_twice_is_stable(library, make_services) -> None:
    _report, state = resolve(library, make_services(), mode="follow")
    after = [(r.entry_type, dict(r.fields)) for r in library.references]
    again, _ = resolve(library, make_services(), state=state, mode="follow", refresh=True)
    assert [(r.entry_type, dict(r.fields)) for r in library.references] == after
    assert all(not o.changes and not o.conflicts for o in again.outcomes)


def test_a_null_batch_entry_is_unknown_not_an_error(library, make_services) -> None:
    library.replace(library.get("lipton2015critical").with_fields({"eprint": "1501.99999"}))
    report, state = resolve(library, make_services())
    lipton = by_key(report)["lipton2015critical"]
    assert lipton.status == "unknown"
    assert "does not know" in lipton.reason
    assert by_key(report)["ioffe2015batch"].status == "published"  # positions stay aligned
    assert (state.get("lipton2015critical", "published") or {})["status"] == "unknown"


def test_workshop_with_the_same_title_never_wins(library, make_services, services) -> None:
    services.api.use_dblp("dblp/search_workshop_same_title_trap")
    report, _ = resolve(library, make_services())
    ioffe = by_key(report)["ioffe2015batch"]
    assert ioffe.record_id == "conf/icml/IoffeS15"
    assert ioffe.venue_class == "main conference"


def test_a_workshop_paper_is_called_a_workshop_paper(library, make_services, services) -> None:
    title = (
        "Batch Normalization: Accelerating Deep Network Training by Reducing Internal "
        "Covariate Shift"
    )
    hits = services.api.dblp[" ".join(title.lower().replace(":", "").split())]["result"]["hits"]
    main, corr = (h["info"] for h in hits["hit"])
    workshop = {**main, "venue": "ICML Workshop on Deep Learning", "key": "conf/icml/IoffeS15w",
                "pages": "1-9", "ee": "https://example.invalid/ws.pdf"}  # fmt: skip
    services.api.add_dblp_hits(title, [workshop, corr])
    report, _ = resolve(library, make_services(), mode="follow")
    ioffe = by_key(report)["ioffe2015batch"]
    assert ioffe.status == "published"
    assert ioffe.venue_class == "workshop"
    assert "[workshop]" in ioffe.line()
    assert library.get("ioffe2015batch").get("booktitle") == "ICML Workshop on Deep Learning"


def test_same_title_other_authors_is_rejected(library, make_services, services) -> None:
    paper = dict(services.api.s2["ARXIV:1409.2329"])
    paper["externalIds"] = {**paper["externalIds"], "DBLP": "journals/jps/OtherS19"}
    paper["venue"], paper["publicationVenue"] = "J. Placeholder Stud.", None
    services.api.add_s2_paper(paper)
    report, _ = resolve(library, make_services())
    zaremba = by_key(report)["zaremba2014recurrent"]
    assert zaremba.status == "preprint"  # only the CoRR record passes the rule
    assert services.api.count("dblp") == 5


def test_openreview_submitted_to_is_not_published(library, make_services, services) -> None:
    paper = dict(services.api.s2["ARXIV:1409.2329"])
    paper["externalIds"] = {k: v for k, v in paper["externalIds"].items() if k != "DBLP"}
    paper["venue"] = "International Conference on Learning Representations"
    paper["publicationVenue"] = {"id": "x", "name": paper["venue"], "type": "conference"}
    services.api.add_s2_paper(paper)
    report, _ = resolve(library, make_services(), mode="follow")
    zaremba = by_key(report)["zaremba2014recurrent"]
    assert zaremba.status == "submission"
    assert zaremba.reason == "not published: Submitted to ICLR 2015 (OpenReview)"
    assert library.get("zaremba2014recurrent").entry_type == "misc"
    assert report.requests["OpenReview"] == 1


def test_withdrawn_openreview_note_is_not_published(library, make_services, services) -> None:
    paper = dict(services.api.s2["ARXIV:1506.00019"])
    paper["externalIds"] = {k: v for k, v in paper["externalIds"].items() if k != "DBLP"}
    paper["venue"], paper["publicationVenue"] = "ICLR", None
    services.api.add_s2_paper(paper)
    report, _ = resolve(library, make_services(), mode="follow")
    lipton = by_key(report)["lipton2015critical"]
    assert lipton.status == "unconfirmed"  # a withdrawn 2024 note: neither accepted nor 2015
    assert lipton.reason == "OpenReview does not confirm the candidate"
    assert any("Withdrawn" in c or "OpenReview" in c for c in lipton.candidates[1:])
    assert library.get("lipton2015critical").entry_type == "misc"


def test_ambiguous_is_reported_with_candidates(library, make_services, services) -> None:
    info = services.api.dblp["sequence to sequence learning with neural networks"]["result"][
        "hits"
    ]["hit"][0]["info"]
    journal = {**info, "venue": "J. Mach. Learn. Res.", "type": "Journal Articles",
               "key": "journals/jmlr/SutskeverVL15", "year": "2015"}  # fmt: skip
    services.api.add_dblp_hits("Sequence to Sequence Learning with Neural Networks",
                               [{**info, "key": "conf/nips/Other14"}, journal])  # fmt: skip
    report, _ = resolve(library, make_services(), mode="follow")
    seq = by_key(report)["sutskever2014sequence"]
    assert seq.status == "ambiguous"
    assert len(seq.candidates) >= 2
    assert library.get("sutskever2014sequence").entry_type == "misc"  # nothing changed


def test_beyond_arxiv_crossref_alphabetical_deposit_is_not_trusted(
    tmp_path, make_services, services
) -> None:
    path = tmp_path / "library.bib"
    path.write_text(
        "@inproceedings{he2015delving,\n"
        "  author = {He, Kaiming and Zhang, Xiangyu and Ren, Shaoqing and Sun, Jian},\n"
        "  title = {Delving Deep into Rectifiers: Surpassing Human-Level Performance on"
        " ImageNet Classification},\n  booktitle = {ICCV},\n  year = {2015},\n}\n",
        encoding="utf-8",
    )
    library = load_library(path)
    report, _ = resolve(library, make_services(), mode="follow")
    he = by_key(report)["he2015delving"]
    assert he.status == "enriched"
    assert he.record_id == "10.1109/iccv.2015.123"  # not the alphabetical deposit ranked first
    ref = library.get("he2015delving")
    assert ref.get("doi") == "10.1109/iccv.2015.123"
    assert ref.get("pages") == "1026--1034"
    assert ref.get("booktitle") == "ICCV"  # the user's value is never replaced
    assert report.requests["Crossref"] == 1


@pytest.mark.parametrize(
    ("service", "fixture", "message"),
    [
        ("dblp", "dblp/trap_html_throttle_with_200", "HTML page"),
        ("dblp", "dblp/trap_truncated_json", "not valid JSON"),
        ("s2", "semantic_scholar/batch_truncated_json", "not valid JSON"),
    ],
    ids=["dblp-html-200", "dblp-truncated", "s2-truncated"],
)
def test_broken_answers_fail_clearly_and_change_nothing(
    library, make_services, services, service, fixture, message
) -> None:
    services.api.fault(service, fixture, times=10)
    before = [(r.entry_type, dict(r.fields)) for r in library.references]
    report, state = resolve(library, make_services(), mode="follow")
    failed = report.having("failed")
    assert failed
    assert all(message in o.reason for o in failed)
    assert [(r.entry_type, dict(r.fields)) for r in library.references] == before
    for o in failed:
        assert (state.get(o.key, "published") or {}).get("checked_at") is None  # retried later


def test_a_bot_check_page_takes_the_service_down_once(library, make_services, services) -> None:
    services.api.fault("dblp", "dblp/trap_html_throttle_with_200", times=10)
    report, _ = resolve(library, make_services())
    assert services.api.count("dblp") == 1  # not asked again for the other three entries
    assert list(report.down) == ["DBLP"]
    assert len(report.having("failed")) == 4


def test_429_with_retry_after_is_waited_for(library, make_services, services, sleeps) -> None:
    services.api.fault("s2", "semantic_scholar/error_429_with_retry_after")
    report, _ = resolve(library, make_services())
    assert sleeps == [2.0]
    assert len(report.having("published")) == 4


def test_a_429_storm_gives_up_with_one_line(library, make_services, services, sleeps) -> None:
    services.api.fault("s2", "semantic_scholar/error_429_too_many_requests", times=10)
    report, _ = resolve(library, make_services())
    assert services.api.count("s2") == 3  # the first try and two retries
    assert report.requests["Semantic Scholar"] == 3  # the summary counts every try
    assert sleeps == [1.0, 2.0]
    assert list(report.down) == ["Semantic Scholar"]
    assert {o.status for o in report.outcomes} == {"failed"}


def test_openreview_retry_after_an_hour_is_not_waited_for(
    library, make_services, services, sleeps
) -> None:
    paper = dict(services.api.s2["ARXIV:1409.2329"])
    paper["externalIds"] = {k: v for k, v in paper["externalIds"].items() if k != "DBLP"}
    paper["venue"], paper["publicationVenue"] = "ICLR", None
    services.api.add_s2_paper(paper)
    services.api.fault("openreview", "openreview/error_429_rate_limit")
    report, _ = resolve(library, make_services())
    assert sleeps == []
    assert "OpenReview" in report.down
    assert by_key(report)["zaremba2014recurrent"].status == "failed"


def test_every_service_unreachable(library, make_services, unused_port, sleeps) -> None:
    report, state = resolve(library, make_services(f"http://127.0.0.1:{unused_port}"))
    assert list(report.down) == ["Semantic Scholar"]
    assert "could not be reached" in report.down["Semantic Scholar"]
    assert {o.status for o in report.outcomes} == {"failed"}
    assert sleeps == []
    assert state.entries == {}


def test_arxiv_doi_is_confirmed_by_crossref(library, make_services, services) -> None:
    state = SyncState(library.path.with_suffix(".dlbib.json"))
    state.section("bengio2012practical", "arxiv")["doi"] = "10.1007/978-3-642-35289-8_26"
    services.api.s2.pop("ARXIV:1206.5533")
    report, _ = resolve(library, make_services(), state=state, keys=["bengio2012practical"])
    bengio = by_key(report)["bengio2012practical"]
    assert (bengio.status, bengio.confirmed_by) == ("published", "Crossref")
    assert bengio.venue == "Neural Networks: Tricks of the Trade 2012 (pp. 437–478)"


def test_the_sidecar_survives_a_round_trip(library, make_services, tmp_path) -> None:
    from dlbib.library.state import save_state

    _report, state = resolve(library, make_services())
    save_state(state)
    loaded = load_state(state.path)
    assert loaded.get("ioffe2015batch", "published") == state.get("ioffe2015batch", "published")


@pytest.mark.parametrize(
    ("service", "name", "entries"),
    [("dblp", "DBLP", 4), ("crossref", "Crossref", 1)],
    ids=["dblp", "crossref"],
)
def test_one_confirming_service_unreachable(
    library, make_services, services, unused_port, service, name, entries
) -> None:
    built = make_services()
    dead = f"http://127.0.0.1:{unused_port}"
    client = getattr(built, service)
    client.base_url = dead
    state = SyncState(library.path.with_suffix(".dlbib.json"))
    state.section("bengio2012practical", "arxiv")["doi"] = "10.1007/978-3-642-35289-8_26"
    if service == "crossref":
        services.api.s2.pop("ARXIV:1206.5533")
    report, _ = resolve(library, built, state=state)
    assert list(report.down) == [name]
    assert len(report.having("failed")) == entries
    assert client.requests_made == 1  # asked once, then left out of the run


def test_arxiv_journal_ref_alone_is_confirmed_by_dblp(library, make_services, services) -> None:
    state = SyncState(library.path.with_suffix(".dlbib.json"))
    state.section("ioffe2015batch", "arxiv")["journal_ref"] = "ICML 2015"
    services.api.s2.pop("ARXIV:1502.03167")
    report, _ = resolve(library, make_services(), state=state, keys=["ioffe2015batch"])
    ioffe = by_key(report)["ioffe2015batch"]
    assert (ioffe.status, ioffe.confirmed_by, ioffe.record_id) == (
        "published", "DBLP", "conf/icml/IoffeS15")  # fmt: skip


def test_deleted_entries_lose_their_record(library, make_services) -> None:
    _report, state = resolve(library, make_services())
    state.section("gone2020", "published")["status"] = "published"
    resolve(library, make_services(), state=state)
    assert state.get("gone2020", "published") is None


def test_crossref_down_falls_back_to_dblp_by_title(
    tmp_path, make_services, services, unused_port
) -> None:
    path = tmp_path / "library.bib"
    path.write_text(
        "@inproceedings{ioffe2015batch,\n  author = {Ioffe, Sergey and Szegedy, Christian},\n"
        "  title = {Batch Normalization: Accelerating Deep Network Training by Reducing"
        " Internal Covariate Shift},\n  booktitle = {ICML},\n  year = {2015},\n}\n",
        encoding="utf-8",
    )
    library = load_library(path)
    built = make_services()
    assert built.crossref is not None
    built.crossref.base_url = f"http://127.0.0.1:{unused_port}"
    first, _ = resolve(library, built, mode="follow")  # Crossref goes down on it: DBLP
    ioffe = by_key(first)["ioffe2015batch"]
    assert first.down.keys() == {"Crossref"}
    assert (ioffe.status, ioffe.confirmed_by) == ("enriched", "DBLP")
    assert library.get("ioffe2015batch").get("pages") == "448--456"
    assert library.get("ioffe2015batch").get("booktitle") == "ICML"


def test_config_keys(tmp_path) -> None:
    from dlbib.config import load_config
    from dlbib.errors import ConfigError

    lib = tmp_path / "library.bib"
    (tmp_path / "dlbib.toml").write_text(
        'published = "follow"\ncontact_email = "me@example.org"\n\n'
        '[services]\ndblp_delay = 6.0\ns2_api_key = "k"\n',
        encoding="utf-8",
    )
    config = load_config(lib, {})
    assert (config.published, config.contact_email, config.dblp_delay, config.s2_api_key) == (
        "follow", "me@example.org", 6.0, "k")  # fmt: skip
    built = Services.from_config(config)
    assert built.crossref is not None
    assert built.crossref.mailto == "me@example.org"
    assert built.s2 is not None
    assert built.s2.headers() == {"x-api-key": "k"}
    env = load_config(lib, {"DLBIB_PUBLISHED": "off", "DLBIB_S2_DELAY": "0"})
    assert (env.published, env.s2_delay) == ("off", 0.0)
    (tmp_path / "dlbib.toml").write_text('published = "sometimes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="published must be"):
        load_config(lib, {})


def test_openreview_full_text_search_when_the_exact_title_misses(
    library, make_services, services
) -> None:
    from .services_server import load

    mixed = load("openreview/notes_search_mixed_statuses")["response"]["body"]["notes"]
    services.api.notes = [n for n in services.api.notes if "Critical" not in str(n["content"])]
    services.api.search_notes = mixed
    paper = dict(services.api.s2["ARXIV:1506.00019"])
    paper["externalIds"] = {k: v for k, v in paper["externalIds"].items() if k != "DBLP"}
    paper["venue"], paper["publicationVenue"] = "ICLR", None
    services.api.add_s2_paper(paper)
    report, _ = resolve(library, make_services(), keys=["lipton2015critical"])
    paths = [r[2] for r in services.api.requests if r[0] == "openreview"]
    assert paths == ["/notes", "/notes/search"]
    lipton = by_key(report)["lipton2015critical"]
    assert lipton.status == "unconfirmed"  # only a withdrawn 2024 note: never published


def test_a_damaged_sidecar_stamp_is_looked_up_again(library, make_services) -> None:
    _report, state = resolve(library, make_services())
    state.section("ioffe2015batch", "published")["checked_at"] = "yesterday-ish"
    again, _ = resolve(library, make_services(), state=state)
    assert again.requests["Semantic Scholar"] == 1
    assert not by_key(again)["ioffe2015batch"].fresh


def test_iclr_without_an_openreview_note_falls_back_to_dblp(
    library, make_services, services
) -> None:
    paper = dict(services.api.s2["ARXIV:1409.3215"])
    paper["externalIds"] = {**paper["externalIds"], "DBLP": "conf/iclr/SutskeverVL14"}
    paper["venue"] = "International Conference on Learning Representations"
    services.api.add_s2_paper(paper)
    title = "Sequence to Sequence Learning with Neural Networks"
    info = services.api.dblp[title.lower()]["result"]["hits"]["hit"][0]["info"]
    services.api.add_dblp_hits(title, [{**info, "venue": "ICLR", "key": "conf/iclr/SutskeverVL14",
                                        "ee": "", "year": "2015"}])  # fmt: skip
    report, _ = resolve(library, make_services(), keys=["sutskever2014sequence"])
    seq = by_key(report)["sutskever2014sequence"]
    assert report.requests["OpenReview"] == 2  # exact title, then full text: no note at all
    assert (seq.status, seq.confirmed_by, seq.record_id) == (
        "published", "DBLP", "conf/iclr/SutskeverVL14")  # fmt: skip


def test_a_down_service_keeps_no_frame_and_so_no_library_alive(
    tmp_path, make_services, unused_port
) -> None:
    import gc
    import weakref

    shutil.copy(PREPRINTS, tmp_path / "library.bib")
    library = load_library(tmp_path / "library.bib")
    services = make_services(f"http://127.0.0.1:{unused_port}")
    gc.disable()  # freed by refcounts alone, not by the cycle collector
    try:
        report, _ = resolve(library, services)
        gone = weakref.ref(library)
        del library
        assert gone() is None
    finally:
        gc.enable()
    assert "could not be reached" in report.down["Semantic Scholar"]
    assert services.s2 is not None
    assert services.s2.down is not None  # the error itself stays
