"""Each service's JSON as candidates and publications: pure parsing, from the recorded and
stand-in answers in tests/data/services (see its PROVENANCE.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dlbib.sources.crossref import work_publication
from dlbib.sources.dblp import parse_search
from dlbib.sources.openreview import parse_notes
from dlbib.sources.semanticscholar import paper_candidate
from dlbib.sources.venue import Publication, classify_venue

from .conftest import DATA


def body(name: str) -> Any:
    return json.loads((DATA / "services" / f"{name}.json").read_text(encoding="utf-8"))["response"][
        "body"
    ]


def test_s2_recorded_batch_keeps_null_in_place() -> None:
    papers = body("semantic_scholar/recorded/batch_with_null_full_fields")
    assert papers[0] is None
    candidates = [paper_candidate(p) if p else None for p in papers]
    assert candidates[0] is None
    assert all(isinstance(c, Publication) for c in candidates[1:])


def test_s2_conference_paper_marked_journal_arxiv() -> None:
    papers = body("semantic_scholar/batch_six_papers_with_null")
    ioffe = paper_candidate(papers[1])
    assert (ioffe.venue, ioffe.venue_class, ioffe.dblp_key) == (
        "ICML", "conference", "conf/icml/IoffeS15")  # fmt: skip
    assert ioffe.container == ""  # "ArXiv" is not the venue
    zaremba = paper_candidate(papers[6])
    assert zaremba.venue_class == "preprint"


def test_dblp_hits() -> None:
    he, corr = parse_search(body("dblp/search_1502_01852"))
    assert he.authors[-1] == "Jian Sun"  # the disambiguation suffix "0001" is dropped
    assert he.title.endswith("Classification")  # no trailing "."
    assert (he.venue, he.venue_class, he.pages, he.doi) == (
        "ICCV", "conference", "1026--1034", "10.1109/ICCV.2015.123")  # fmt: skip
    assert corr.venue_class == "preprint"
    ioffe = parse_search(body("dblp/search_1502_03167"))[0]
    assert (ioffe.volume, ioffe.publisher) == ("37", "PMLR")  # from the PMLR link
    assert ioffe.describe() == "ICML 2015 (PMLR 37, pp. 448–456)"


@pytest.mark.parametrize(
    "name", ["search_single_author_object", "search_ee_is_list", "search_no_hits"]
)
def test_dblp_shape_quirks(name: str) -> None:
    hits = parse_search(body(f"dblp/{name}"))
    if name == "search_no_hits":
        assert hits == []
    else:
        assert hits
        assert all(h.authors and h.url.startswith("http") for h in hits)


def test_openreview_statuses() -> None:
    notes = parse_notes(body("openreview/notes_search_mixed_statuses"))
    assert [n.venue_class for n in notes] == ["submission", "submission", "conference"]
    assert [n.is_published for n in notes] == [False, False, True]
    rejected = parse_notes(body("openreview/notes_title_rnn_regularization_trap"))[0]
    assert (rejected.venue_class, rejected.extra["venue"]) == (
        "submission",
        "Submitted to ICLR 2015",
    )
    assert parse_notes(body("openreview/notes_empty")) == []


def test_crossref_records() -> None:
    chapter = work_publication(body("crossref/work_10.1007_978-3-642-35289-8_26")["message"])
    assert chapter.venue_class == "chapter"
    assert chapter.container == "Neural Networks: Tricks of the Trade"  # [series, book]: the book
    assert chapter.series == "Lecture Notes in Computer Science"
    ieee = work_publication(
        body("crossref/recorded/work_proceedings_article_ieee_issued_null")["message"]
    )
    assert ieee.venue_class in ("conference", "workshop")
    assert ieee.doi == ieee.doi.lower()  # IEEE deposits lower case; compared case-insensitively
    items = body("crossref/works_query_bibliographic_delving")["message"]["items"]
    alphabetical, real = (work_publication(w) for w in items)
    assert not alphabetical.author_order_known
    assert real.author_order_known
    journal = work_publication(
        body("crossref/recorded/work_journal_article_public_pool")["message"]
    )
    assert journal.venue_class == "journal"
    springer = body("crossref/recorded/works_sample_includes_springer_book_chapter")
    items = (
        springer["message"]["items"]
        if "items" in springer.get("message", {})
        else [springer["message"]]
    )
    assert work_publication(items[0]).venue_class == "chapter"


@pytest.mark.parametrize(
    ("venue", "kind", "expected"),
    [
        ("ICML", "conference", "conference"),
        ("ICML Workshop on Deep Learning", "conference", "workshop"),
        ("A-TEST@ESEC/SIGSOFT FSE", "conference", "workshop"),
        ("Findings of the Association for Computational Linguistics: EMNLP 2020", "", "findings"),
        ("NeurIPS Datasets and Benchmarks", "conference", "datasets"),
        ("J. Mach. Learn. Res.", "journal", "journal"),
        ("CoRR", "journal", "preprint"),
        ("Submitted to ICLR 2015", "", "submission"),
        ("ICLR 2024 Conference Withdrawn Submission", "", "submission"),
    ],
    ids=[
        "main",
        "workshop",
        "at-workshop",
        "findings",
        "datasets",
        "journal",
        "corr",
        "submitted",
        "withdrawn",
    ],
)
def test_venue_classes(venue: str, kind: str, expected: str) -> None:
    assert classify_venue(venue, kind) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-rate-limit-limit": "10", "x-rate-limit-interval": "1s"}, 0.1),
        ({"X-Rate-Limit-Limit": "5", "X-Rate-Limit-Interval": "1s"}, 0.2),
        ({"x-rate-limit-limit": "36", "x-rate-limit-interval": "60s"}, 60 / 36),
        ({"x-rate-limit-limit": "abc", "x-rate-limit-interval": "1s"}, None),
        ({}, None),
    ],
    ids=["polite", "public", "per-minute", "garbage", "none"],
)
def test_advertised_rate_limits(headers: dict[str, str], expected: float | None) -> None:
    from dlbib.sources.service import advertised_interval

    assert advertised_interval(headers) == expected


def test_crossref_advertised_rate_spaces_later_requests(services, sleeps) -> None:
    from dlbib.sources.crossref import Crossref
    from dlbib.sources.http import HttpClient

    clock = [0.0]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    http = HttpClient("Crossref", min_interval=0, max_bytes=1 << 20, sleep=sleep,
                      clock=lambda: clock[0])  # fmt: skip
    services.api.fault("crossref", "crossref/recorded/work_journal_article_public_pool")
    client = Crossref(services.base + "/crossref", http)
    client.work("10.1371/journal.pone.0033693")  # public pool: 5 per second
    client.work("10.1109/ICCV.2015.123")
    assert sleeps == [0.2]


def _clients(base: str, sleeps: list[float]) -> dict[str, Any]:
    from dlbib.sources.crossref import Crossref
    from dlbib.sources.dblp import Dblp
    from dlbib.sources.http import HttpClient
    from dlbib.sources.openreview import OpenReview
    from dlbib.sources.semanticscholar import SemanticScholar

    def http(name: str) -> HttpClient:
        return HttpClient(name, min_interval=0, max_bytes=1 << 22, retries=1, backoff=0.0,
                          max_retry_after=60, sleep=sleeps.append, jitter=lambda: 0.0)  # fmt: skip

    return {
        "s2": SemanticScholar(base + "/s2/graph/v1", http("Semantic Scholar")),
        "dblp": Dblp(base + "/dblp", http("DBLP")),
        "openreview": OpenReview(base + "/openreview", http("OpenReview")),
        "crossref": Crossref(base + "/crossref", http("Crossref")),
    }


def _ask(service: str, client: Any) -> Any:
    if service == "s2":
        return client.batch(["ARXIV:1502.03167"])
    if service == "dblp":
        return client.search("Sequence to Sequence Learning with Neural Networks")
    if service == "openreview":
        return client.notes_by_title("Recurrent Neural Network Regularization")
    return client.work("10.1109/ICCV.2015.123")


@pytest.mark.parametrize(
    ("service", "fixture", "error"),
    [
        ("s2", "semantic_scholar/batch_truncated_json", "BadResponseError"),
        ("s2", "semantic_scholar/error_400_bad_fields", "HttpStatusError"),
        ("s2", "semantic_scholar/error_400_too_many_ids", "HttpStatusError"),
        ("s2", "semantic_scholar/error_429_too_many_requests", "ServiceBusyError"),
        ("dblp", "dblp/trap_html_throttle_with_200", "BotCheckError"),
        ("dblp", "dblp/error_429_html_retry_after", "ServiceBusyError"),
        ("dblp", "dblp/error_500", "ServiceBusyError"),
        ("dblp", "dblp/trap_truncated_json", "BadResponseError"),
        ("openreview", "openreview/trap_cloudflare_challenge_200", "BotCheckError"),
        ("openreview", "openreview/trap_cloudflare_challenge_403", "HttpStatusError"),
        ("openreview", "openreview/trap_truncated_json", "BadResponseError"),
        ("openreview", "openreview/error_429_rate_limit", "ServiceBusyError"),
        ("crossref", "crossref/trap_html_200_maintenance", "BotCheckError"),
        ("crossref", "crossref/trap_truncated_json", "BadResponseError"),
        ("crossref", "crossref/error_429_html_retry_after", "ServiceBusyError"),
    ],
    ids=lambda v: v.rsplit("/", 1)[-1] if isinstance(v, str) else v,
)
def test_every_trap_is_a_typed_error(services, sleeps, service, fixture, error) -> None:
    """A bad answer is never read as "no match": each is a ServiceError subclass, one line."""
    from dlbib import errors

    services.api.fault(service, fixture, times=5)
    client = _clients(services.base, sleeps)[service]
    with pytest.raises(getattr(errors, error)) as caught:
        _ask(service, client)
    assert isinstance(caught.value, errors.ServiceError)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("service", "fixture"),
    [
        ("crossref", "crossref/error_404_plaintext"),
        ("crossref", "crossref/recorded/work_not_found_404_plaintext"),
    ],
    ids=["stand-in", "recorded"],
)
def test_crossref_unknown_doi_is_none(services, sleeps, service, fixture) -> None:
    services.api.fault(service, fixture)
    assert _ask(service, _clients(services.base, sleeps)[service]) is None


def test_s2_all_null_and_recorded_batches(services, sleeps) -> None:
    s2 = _clients(services.base, sleeps)["s2"]
    services.api.fault("s2", "semantic_scholar/batch_all_null")
    assert s2.batch(["ARXIV:0000.00001", "ARXIV:0000.00002"]) == [None, None]
    recorded = body("semantic_scholar/recorded/batch_fields_authors")
    assert all(paper_candidate(p).authors for p in recorded)
    polite = body("crossref/recorded/works_query_polite_pool_rows2")["message"]["items"]
    assert [work_publication(w).doi for w in polite]
