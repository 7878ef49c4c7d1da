"""ArxivSource against a real HTTP server on 127.0.0.1 serving recorded Atom."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import arxiv
import pytest
import requests
from werkzeug import Request, Response

from dlbib.errors import ArxivLookupError, ArxivUnreachableError, DlbibError, SourceError
from dlbib.library.model import ArxivId
from dlbib.sources.arxiv import USER_AGENT, ArxivSource
from dlbib.sources.http import Throttle
from tests.arxiv_server import FakeArxiv, error_feed, werkzeug_handler

DATA = Path(__file__).parent / "data" / "arxiv"
SIX = ["1206.5533", "1409.2329", "1409.3215", "1502.01852", "1502.03167", "1506.00019"]


def ids(*values: str) -> list[ArxivId]:
    return [ArxivId.parse(v) for v in values]


def test_multi_entry_batch_is_one_request(fake_arxiv, make_source) -> None:
    source = make_source()
    result = source.fetch(ids(*SIX))
    assert sorted(result.records) == SIX
    assert result.missing == []
    assert source.requests_made == 1
    query = fake_arxiv.requests[0]
    assert query["id_list"] == [",".join(SIX)]
    assert query["max_results"] == ["6"]
    record = result.records["1502.03167"]
    assert record.arxiv_id == ArxivId("1502.03167", 3)
    assert record.authors == ("Sergey Ioffe", "Christian Szegedy")
    assert record.published == dt.date(2015, 2, 11)
    assert record.updated == dt.date(2015, 3, 2)
    assert record.primary_class == "cs.LG"
    assert record.doi is None


def test_missing_id_is_reported_not_dropped(fake_arxiv, make_source) -> None:
    result = make_source().fetch(ids("1502.03167", "1312.9999", "1409.3215"))
    assert sorted(result.records) == ["1409.3215", "1502.03167"]
    assert result.missing == ["1312.9999"]


def test_versions_asked_are_ignored_latest_returned(fake_arxiv, make_source) -> None:
    result = make_source().fetch(ids("1506.00019v1", "1506.00019v2"))
    assert result.records["1506.00019"].arxiv_id.version == 4
    assert fake_arxiv.requests[0]["id_list"] == ["1506.00019"]


def test_old_style_ids(httpserver, make_source) -> None:
    api = FakeArxiv.from_folder(DATA)
    raw = api.entries["1502.03167"].raw
    api.add_xml(raw.replace(b"1502.03167", b"cs/0112017").replace(b"Batch", b"Old"))
    api.add_xml(raw.replace(b"1502.03167", b"math/0309136").replace(b"Batch", b"Knots"))
    httpserver.expect_request("/api/query").respond_with_handler(werkzeug_handler(api))
    result = make_source().fetch(ids("cs/0112017v1", "math.GT/0309136", "hep-th/9901001"))
    assert result.records["cs/0112017"].arxiv_id == ArxivId("cs/0112017", 3)
    assert result.records["math.GT/0309136"].title.startswith("Knots")
    assert result.missing == ["hep-th/9901001"]


def test_legacy_wrapped_layout_parses_the_same(httpserver, make_source) -> None:
    api = FakeArxiv.from_folder(DATA, layout="legacy")
    httpserver.expect_request("/api/query").respond_with_handler(werkzeug_handler(api))
    legacy = make_source().fetch(ids(*SIX)).records
    body = api.answer({"id_list": ["1502.03167"]})[1]
    assert b"<opensearch:totalResults xmlns:opensearch=" in body
    assert b"\n" in body.split(b"<summary>")[1].split(b"</summary>")[0].strip()
    assert b"Network Training by Reducing\n  Internal Covariate" in body
    assert legacy["1502.03167"].title == (
        "Batch Normalization: Accelerating Deep Network Training by Reducing Internal "
        "Covariate Shift"
    )
    assert "  " not in legacy["1502.03167"].abstract
    assert legacy["1502.03167"].abstract.startswith("Training Deep Neural Networks is")


def test_legacy_and_current_layout_give_equal_records(httpserver, make_source) -> None:
    current = FakeArxiv.from_folder(DATA)
    legacy = FakeArxiv.from_folder(DATA, layout="legacy")
    httpserver.expect_request("/current").respond_with_handler(werkzeug_handler(current))
    httpserver.expect_request("/legacy").respond_with_handler(werkzeug_handler(legacy))
    a = make_source(api_url=httpserver.url_for("/current")).fetch(ids(*SIX)).records
    b = make_source(api_url=httpserver.url_for("/legacy")).fetch(ids(*SIX)).records
    assert a == b


def test_250_ids_cost_exactly_3_requests(httpserver, make_source) -> None:
    api = FakeArxiv(synthetic=True)
    httpserver.expect_request("/api/query").respond_with_handler(werkzeug_handler(api))
    source = make_source()
    wanted = [ArxivId(f"2001.{n:05d}") for n in range(1, 251)]
    result = source.fetch(wanted)
    assert len(result.records) == 250
    assert source.requests_made == 3
    assert [len(q["id_list"][0].split(",")) for q in api.requests] == [100, 100, 50]


def test_requests_are_throttled_and_identified(httpserver, make_source, sleeps) -> None:
    api = FakeArxiv(synthetic=True)
    seen: list[str] = []

    def handler(request: Request) -> Response:
        seen.append(request.headers.get("User-Agent", ""))
        response: Response = werkzeug_handler(api)(request)
        return response

    httpserver.expect_request("/api/query").respond_with_handler(handler)
    source = make_source(delay=3.0)
    source.fetch(ArxivId(f"2001.{n:05d}") for n in range(1, 251))
    assert sleeps == [3.0, 3.0]
    assert seen == [USER_AGENT] * 3
    assert USER_AGENT.startswith("dlbib/")
    assert "+https://" in USER_AGENT


def test_throttle_waits_only_the_remainder() -> None:
    now = [10.0]
    slept: list[float] = []
    throttle = Throttle(3.0, clock=lambda: now[0], sleep=slept.append)
    throttle.wait()
    now[0] += 1.0
    throttle.wait()
    now[0] += 5.0
    throttle.wait()
    assert slept == [2.0]


def test_search_title(fake_arxiv, make_source) -> None:
    found = make_source().search_title("Sequence to Sequence Learning with Neural Networks")
    assert [r.arxiv_id.id for r in found] == ["1409.3215"]
    assert fake_arxiv.requests[0]["search_query"] == [
        'ti:"sequence to sequence learning with neural networks"'
    ]
    assert fake_arxiv.requests[0]["max_results"] == ["10"]


def test_search_title_without_words_makes_no_request(fake_arxiv, make_source) -> None:
    source = make_source()
    assert source.search_title("{ } --") == []
    assert source.requests_made == 0


def test_default_client_and_api_url() -> None:
    source = ArxivSource()
    assert source.api_url == "https://export.arxiv.org/api/query"
    assert source.delay == 3.0
    assert source.client.delay_seconds == 0
    assert source.client.page_size == 100


def test_given_client_keeps_its_delay(arxiv_url) -> None:
    source = ArxivSource(arxiv.Client(delay_seconds=5.0, num_retries=1), api_url=arxiv_url)
    assert source.delay == 5.0
    assert source.client.query_url_format == arxiv_url + "?{}"


# --- faults -------------------------------------------------------------------------------


def test_503_then_200_is_retried_with_backoff(httpserver, make_source, sleeps) -> None:
    body = (DATA / "1502.03167.xml").read_bytes()
    httpserver.expect_ordered_request("/api/query").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/api/query").respond_with_data(body)
    source = make_source()
    result = source.fetch(ids("1502.03167"))
    assert list(result.records) == ["1502.03167"]
    assert source.requests_made == 2
    assert sleeps == [1.0]


def test_429_storm_honours_retry_after_then_gives_up(httpserver, make_source, sleeps) -> None:
    httpserver.expect_request("/api/query").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    source = make_source(max_retries=3)
    with pytest.raises(ArxivLookupError) as info:
        source.fetch(ids("1502.03167"))
    assert info.value.status == 429
    assert "failed 4 times" in str(info.value)
    assert "HTTP 429" in str(info.value)
    assert sleeps == [7.0, 7.0, 7.0]
    assert source.requests_made == 4


def test_503_storm_backs_off_exponentially_with_jitter(httpserver, make_source, sleeps) -> None:
    httpserver.expect_request("/api/query").respond_with_data("down", status=503)
    source = make_source(max_retries=3, backoff=2.0, jitter=lambda: 0.5)
    with pytest.raises(ArxivLookupError) as info:
        source.fetch(ids("1502.03167"))
    assert info.value.status == 503
    assert sleeps == [3.0, 5.0, 9.0]


def test_storm_stops_at_the_time_budget(httpserver, make_source, sleeps) -> None:
    httpserver.expect_request("/api/query").respond_with_data(
        "", status=503, headers={"Retry-After": "100"}
    )
    source = make_source(max_retries=10, max_wait=250.0)
    with pytest.raises(ArxivLookupError, match="gave up rather than wait 100 s") as info:
        source.fetch(ids("1502.03167"))
    assert sleeps == [100.0, 100.0]
    assert info.value.status == 503
    assert source.requests_made == 3


def test_retry_after_http_date(httpserver, make_source, sleeps) -> None:
    when = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=30)
    stamp = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
    body = (DATA / "1502.03167.xml").read_bytes()
    httpserver.expect_ordered_request("/api/query").respond_with_data(
        "", status=503, headers={"Retry-After": stamp}
    )
    httpserver.expect_ordered_request("/api/query").respond_with_data(body)
    make_source().fetch(ids("1502.03167"))
    assert len(sleeps) == 1
    assert 20 < sleeps[0] <= 31


def test_known_empty_page_is_retried(httpserver, make_source, sleeps) -> None:
    full = (DATA / "1502.03167.xml").read_bytes()
    start, end = full.index(b"<entry>"), full.index(b"</entry>") + len(b"</entry>")
    empty = full[:start] + full[end:]
    httpserver.expect_ordered_request("/api/query").respond_with_data(empty)
    httpserver.expect_ordered_request("/api/query").respond_with_data(full)
    source = make_source()
    assert list(source.fetch(ids("1502.03167")).records) == ["1502.03167"]
    assert source.requests_made == 2


def test_empty_page_that_stays_empty_means_missing(httpserver, make_source) -> None:
    full = (DATA / "1502.03167.xml").read_bytes()
    start, end = full.index(b"<entry>"), full.index(b"</entry>") + len(b"</entry>")
    httpserver.expect_request("/api/query").respond_with_data(full[:start] + full[end:])
    source = make_source()
    result = source.fetch(ids("1502.03167"))
    assert result.missing == ["1502.03167"]
    assert source.requests_made == 3  # the request and two retries


def test_nonexistent_ids_counted_in_total_do_not_cause_paging(httpserver, make_source) -> None:
    """arxiv.py issue #82: arXiv counted missing ids in totalResults; no second page is asked."""
    api = FakeArxiv.from_folder(DATA)

    def handler(request: Request) -> Response:
        asked = request.args["id_list"].split(",")
        found = [api.entries[i] for i in asked if i in api.entries]
        body = api.feed(found, len(asked), int(request.args.get("start", 0)), len(asked))
        return Response(body, content_type="application/atom+xml")

    httpserver.expect_request("/api/query").respond_with_handler(handler)
    source = make_source()
    result = source.fetch(ids("1312.9999", "1502.03167", "1409.3215"))
    assert sorted(result.records) == ["1409.3215", "1502.03167"]
    assert result.missing == ["1312.9999"]
    assert source.requests_made == 1
    assert len(httpserver.log) == 1


def test_html_answer_is_a_clear_error(httpserver, make_source) -> None:
    page = "<!DOCTYPE html><html><body><h1>arXiv is under maintenance</h1></body></html>"
    httpserver.expect_request("/api/query").respond_with_data(page, content_type="text/html")
    with pytest.raises(ArxivLookupError, match="HTML page, not an Atom feed"):
        make_source().fetch(ids("1502.03167"))


def test_truncated_xml_is_a_clear_error(httpserver, make_source) -> None:
    body = (DATA / "1502.03167.xml").read_bytes()
    httpserver.expect_request("/api/query").respond_with_data(body[: len(body) // 2])
    with pytest.raises(ArxivLookupError, match=r"not well-formed XML \(truncated\?\)"):
        make_source().fetch(ids("1502.03167"))


def test_not_a_feed_is_a_clear_error(httpserver, make_source) -> None:
    httpserver.expect_request("/api/query").respond_with_data("<rss><channel/></rss>")
    with pytest.raises(ArxivLookupError, match="not an Atom feed"):
        make_source().fetch(ids("1502.03167"))


def test_http_400_error_feed_is_not_retried(httpserver, make_source) -> None:
    feed = error_feed("incorrect id format for 1502.0316")
    httpserver.expect_request("/api/query").respond_with_data(feed, status=400)
    source = make_source()
    with pytest.raises(ArxivLookupError) as info:
        source.fetch(ids("1502.03167"))
    assert str(info.value).startswith(
        "arXiv rejected the query with HTTP 400: incorrect id format for 1502.0316"
    )
    assert info.value.status == 400
    assert source.requests_made == 1


def test_error_feed_with_status_200(httpserver, make_source) -> None:
    httpserver.expect_request("/api/query").respond_with_data(error_feed("max_results too big"))
    with pytest.raises(ArxivLookupError, match="arXiv rejected the query: max_results too big"):
        make_source().fetch(ids("1502.03167"))


def test_hanging_connection_times_out(hanging_url, make_source) -> None:
    source = make_source(api_url=hanging_url, timeout=(1.0, 0.2), max_retries=1)
    started = time.monotonic()
    with pytest.raises(ArxivLookupError, match=r"no answer within 0.2 s") as info:
        source.fetch(ids("1502.03167"))
    assert time.monotonic() - started < 10
    assert isinstance(info.value.__cause__, requests.Timeout)
    assert source.requests_made == 2


def test_connection_refused_is_unreachable(unused_port, make_source) -> None:
    source = make_source(api_url=f"http://127.0.0.1:{unused_port}/api/query")
    with pytest.raises(ArxivUnreachableError, match="arXiv could not be reached") as info:
        source.fetch(ids("1502.03167"))
    assert "refused" in str(info.value)
    assert isinstance(info.value.__cause__, requests.ConnectionError)
    assert source.requests_made == 1


def test_dns_failure_is_unreachable(make_source) -> None:
    source = make_source(api_url="http://dlbib-no-such-host.invalid/api/query")
    with pytest.raises(ArxivUnreachableError):
        source.fetch(ids("1502.03167"))


@pytest.mark.parametrize(
    "error",
    [
        arxiv.HTTPError("u", 1, 500),
        arxiv.UnexpectedEmptyPageError("u", 2, None),
        arxiv.ArxivError("u", 0, "boom"),
    ],
    ids=["http", "empty-page", "base"],
)
def test_every_arxiv_error_is_mapped(error, arxiv_url) -> None:
    class Failing(arxiv.Client):  # type: ignore[misc]
        def results(self, search, offset=0):
            raise error

    source = ArxivSource(Failing(), api_url=arxiv_url)
    with pytest.raises(ArxivLookupError) as info:
        source.fetch(ids("1502.03167"))
    assert isinstance(info.value, SourceError | DlbibError)
    assert info.value.__cause__ is error
    assert info.value.url == "u"


def test_fake_server_runs_standalone(make_source) -> None:
    import re
    import subprocess
    import sys

    from tests.conftest import REPO

    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.arxiv_server", "--port", "0", "--data", str(DATA)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        m = re.search(r"(http://127\.0\.0\.1:\d+/api/query)", banner)
        assert m, banner
        assert "with 6 entries" in banner
        source = make_source(api_url=m.group(1))
        assert sorted(source.fetch(ids(*SIX)).records) == SIX
        found = source.search_title("Recurrent Neural Network Regularization")
        assert [r.arxiv_id.id for r in found] == ["1409.2329"]
        assert requests.get(m.group(1).replace("/api/query", "/nope"), timeout=5).status_code == 404
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
