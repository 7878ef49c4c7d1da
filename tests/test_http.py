"""HttpClient against a hostile local server: every bound holds, every failure is one line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from dlbib.errors import (
    ArxivLookupError,
    BadResponseError,
    BotCheckError,
    DeadlineExceededError,
    HttpStatusError,
    PdfDownloadError,
    RedirectRefusedError,
    ResponseTooLargeError,
    ServiceBusyError,
    ServiceUnreachableError,
)
from dlbib.pdfs.fetch import PdfFetcher
from dlbib.sources.answers import parse_xml
from dlbib.sources.arxiv import ArxivSource
from dlbib.sources.http import HttpClient
from dlbib.sources.netpolicy import check_redirect

from .hostile_server import (
    BILLION_LAUGHS,
    XXE,
    HostileServer,
    body,
    cut_short,
    drip,
    drip_headers,
    endless,
    gzip_bomb,
    redirect,
    refused_port,
)
from .pdfserver import make_pdf


@pytest.fixture
def server() -> Iterator[HostileServer]:
    s = HostileServer()
    yield s
    s.close()


@pytest.fixture
def make_client(sleeps: list[float]) -> Any:
    def make(**options: Any) -> HttpClient:
        defaults: dict[str, Any] = {"min_interval": 0.0, "max_bytes": 1 << 20, "deadline": 5.0,
                    "sleep": sleeps.append, "jitter": lambda: 0.0}  # fmt: skip
        defaults.update(options)
        return HttpClient("Test", **defaults)

    return make


def test_json_answer_and_user_agent(server, make_client) -> None:
    url = server.add("/ok", body(b'{"a": 1}'))
    client = make_client(base_url=server.url("/"))
    assert client.get_json("ok") == {"a": 1}
    assert client.get_json(url) == {"a": 1}
    assert client.user_agent.startswith("dlbib/")


def test_gzip_bomb_stops_at_the_decoded_cap(server, make_client) -> None:
    bomb = gzip_bomb(1024)  # 1 MiB on the wire, 1 GiB inflated
    url = server.add("/bomb", body(bomb, Content_Encoding="gzip"))
    client = make_client(max_bytes=8 << 20)
    with pytest.raises(ResponseTooLargeError, match="counted after decompression"):
        client.get(url)
    assert client.bytes_received < 16 << 20


def test_announced_oversize_is_refused_before_reading(server, make_client) -> None:
    url = server.add("/big", body(b"x" * 300_000))
    client = make_client(max_bytes=100_000)
    with pytest.raises(ResponseTooLargeError, match="300000 bytes announced, cap 100000"):
        client.get(url)
    assert client.bytes_received == 0


def test_endless_body_without_length_stops_at_the_cap(server, make_client) -> None:
    url = server.add("/endless", endless())
    with pytest.raises(ResponseTooLargeError, match="over the cap of 1000000 bytes"):
        make_client(max_bytes=1_000_000).get(url)


def test_drip_is_cut_at_the_deadline(server, make_client) -> None:
    """A byte every 0.1 s for 1,000 bytes would take 100 s; the deadline is 1 s."""
    url = server.add("/drip", drip(1000, 0.1))
    client = make_client(deadline=1.0, read_timeout=30.0)
    with pytest.raises(DeadlineExceededError, match="took longer than 1 s") as info:
        client.get(url)
    assert str(info.value).startswith("Test: ")
    assert "\n" not in str(info.value)


def test_dripped_headers_are_cut_at_the_deadline(server, make_client, sleeps) -> None:
    """Each header byte restarts the socket timeout; the wall-clock watch still holds."""
    url = server.add("/slow-headers", drip_headers(0.1))
    with pytest.raises(DeadlineExceededError, match="took longer than 1 s"):
        make_client(deadline=1.0, read_timeout=30.0).get(url)
    assert sleeps == []  # not retried: the deadline is final


def test_drip_cuts_a_pdf_download_at_max_seconds(server, sleeps, tmp_path) -> None:
    url = server.add("/drip.pdf", drip(1000, 0.1, "application/pdf", b"%PDF-1.4\n"))
    fetcher = PdfFetcher(min_interval=0, sleep=sleeps.append, max_seconds=1.0)
    with pytest.raises(PdfDownloadError, match="download took longer than 1 s"):
        fetcher.download(url, tmp_path / "x.pdf")
    assert list(tmp_path.iterdir()) == []


def test_drip_cuts_an_arxiv_request_at_the_deadline(server, sleeps) -> None:
    url = server.add("/api/query", drip(1000, 0.1, "application/atom+xml"))
    source = ArxivSource(api_url=url, delay=0, sleep=sleeps.append, deadline=1.0, max_retries=0)
    with pytest.raises(ArxivLookupError, match="took longer than 1 s") as info:
        source.search_title("attention is all you need")
    assert "sending too slowly" in str(info.value)
    assert "\n" not in str(info.value)
    assert "(<" not in str(info.value)


def test_redirect_to_another_local_port_is_refused(server, make_client) -> None:
    other = HostileServer()
    try:
        target = other.add("/x", body(b'{"stolen": true}'))
        url = server.add("/hop", redirect(target))
        with pytest.raises(RedirectRefusedError, match="another origin"):
            make_client().get(url)
        with pytest.raises(RedirectRefusedError, match="another port of a loopback host"):
            make_client(redirects="cross-host").get(url)
        assert other.hits == {}
    finally:
        other.close()


def test_pdf_redirect_to_another_local_port_saves_nothing(server, sleeps, tmp_path) -> None:
    other = HostileServer()
    try:
        target = other.add("/secret.pdf", body(make_pdf("secret"), content_type="application/pdf"))
        url = server.add("/paper.pdf", redirect(target))
        fetcher = PdfFetcher(min_interval=0, sleep=sleeps.append)
        with pytest.raises(PdfDownloadError, match="another port of a loopback host"):
            fetcher.download(url, tmp_path / "x.pdf")
        assert list(tmp_path.iterdir()) == []
        assert other.hits == {}
    finally:
        other.close()


def test_pdf_redirect_to_another_local_port_via_0000_saves_nothing(
    server, sleeps, tmp_path
) -> None:
    """``http://0.0.0.0:PORT`` connects to this machine, so it is a loopback host too."""
    other = HostileServer()
    try:
        other.add("/secret.pdf", body(make_pdf("secret"), content_type="application/pdf"))
        url = server.add("/paper.pdf", redirect(f"http://0.0.0.0:{other.port}/secret.pdf"))
        fetcher = PdfFetcher(min_interval=0, sleep=sleeps.append)
        with pytest.raises(PdfDownloadError, match="another port of a loopback host"):
            fetcher.download(url, tmp_path / "x.pdf")
        assert list(tmp_path.iterdir()) == []
        assert other.hits == {}
    finally:
        other.close()


def test_same_origin_redirect_is_followed(server, make_client) -> None:
    server.add("/new", body(b"[1]"))
    url = server.add("/old", redirect("/new", 301))
    answer = make_client().get(url)
    assert (answer.status, answer.body, answer.url) == (200, b"[1]", server.url("/new"))


@pytest.mark.parametrize(
    ("mode", "current", "target", "refused"),
    [
        ("origin", "http://api.example.org/a", "https://api.example.org/b", None),
        ("origin", "https://api.example.org/a", "http://api.example.org/b", "another origin"),
        ("origin", "https://api.example.org/a", "https://evil.example.org/b", "another origin"),
        ("origin", "https://api.example.org/a", "https://api.example.org:8443/b", "another origin"),
        ("origin", "https://api.example.org/a", "file:///etc/passwd", "only http and https"),
        ("cross-host", "http://93.184.216.34/a", "http://151.101.1.1/b.pdf", None),
        ("cross-host", "http://93.184.216.34/a", "http://127.0.0.1/b", "to a loopback one"),
        ("cross-host", "http://93.184.216.34/a", "http://169.254.169.254/", "to a link-local one"),
        ("cross-host", "http://93.184.216.34/a", "http://10.1.2.3/b", "to a private one"),
        ("cross-host", "http://93.184.216.34/a", "http://[::1]:80/b", "to a loopback one"),
        ("cross-host", "http://127.0.0.1:8000/a", "http://127.0.0.1:8000/b", None),
        ("cross-host", "http://127.0.0.1:8000/a", "http://127.0.0.1:9000/b", "loopback host"),
        ("cross-host", "http://10.0.0.5/a", "http://10.0.0.6/b", None),
        # 0.0.0.0, :: and IPv4-mapped IPv6 reach this machine: loopback, not "private"
        ("cross-host", "http://127.0.0.1:8000/a", "http://0.0.0.0:9000/b", "loopback host"),
        ("cross-host", "http://127.0.0.1:8000/a", "http://[::]:9000/b", "loopback host"),
        ("cross-host", "http://127.0.0.1:8000/a", "http://[::ffff:127.0.0.1]:9000/b", "loopback"),
        ("cross-host", "http://93.184.216.34/a", "http://0.0.0.0/b", "to a loopback one"),
        ("cross-host", "http://93.184.216.34/a", "http://[::ffff:10.0.0.1]/b", "to a private one"),
        ("cross-host", "http://93.184.216.34/a", "http://100.64.0.1/b", "to a private one"),
        ("cross-host", "http://93.184.216.34/a", "http://2130706433/b", "to a loopback one"),
    ],
)
def test_redirect_policy(mode, current, target, refused) -> None:
    if refused is None:
        check_redirect("Test", mode, current, target, current)
    else:
        with pytest.raises(RedirectRefusedError, match=refused):
            check_redirect("Test", mode, current, target, current)


def test_billion_laughs_is_refused_with_a_message(server, sleeps) -> None:
    url = server.add("/api/query", body(BILLION_LAUGHS, content_type="application/atom+xml"))
    source = ArxivSource(api_url=url, delay=0, sleep=sleeps.append)
    with pytest.raises(ArxivLookupError, match="entity expansion is refused") as info:
        source.search_title("attention")
    assert "truncated" not in str(info.value)


def test_xxe_is_refused_with_a_message(server, sleeps) -> None:
    url = server.add("/api/query", body(XXE, content_type="application/atom+xml"))
    source = ArxivSource(api_url=url, delay=0, sleep=sleeps.append)
    with pytest.raises(ArxivLookupError, match=r"external entity 'xxe'.*never fetched"):
        source.search_title("attention")


def test_parse_xml_refuses_external_dtd() -> None:
    doc = b'<?xml version="1.0"?><!DOCTYPE feed SYSTEM "http://evil/x.dtd"><feed/>'
    root = parse_xml(doc, "Test")  # a DTD reference alone is not fetched, only ignored
    assert root.tag == "feed"


def test_connection_refused_is_unreachable_without_sleeping(make_client, sleeps) -> None:
    client = make_client(retries=3)
    url = f"http://127.0.0.1:{refused_port()}/x"
    with pytest.raises(
        ServiceUnreachableError, match=r"^Test: could not be reached \(connection refused\)"
    ):
        client.get(url)
    with pytest.raises(ServiceUnreachableError, match="earlier") as info:
        client.get(url)
    assert info.value.earlier
    assert sleeps == []
    assert client.requests_made == 1
    assert client.is_unreachable(url) == "connection refused"


def test_tls_failure_is_final_without_sleeping(server, make_client, sleeps) -> None:
    url = server.add("/x", body(b"{}")).replace("http://", "https://")
    with pytest.raises(BadResponseError, match="TLS failed: the server does not speak TLS"):
        make_client(retries=3).get(url)
    assert sleeps == []


def test_dns_failure_is_unreachable_without_sleeping(make_client, sleeps) -> None:
    with pytest.raises(ServiceUnreachableError):
        make_client().get("http://dlbib-no-such-host.invalid/x")
    assert sleeps == []


def test_429_retry_after_then_success(server, make_client, sleeps) -> None:
    url = server.add("/r", body(b"slow", 429, "text/plain", Retry_After="7"), body(b"{}"))
    assert make_client().get_json(url) == {}
    assert sleeps == [7.0]


def test_retry_after_beyond_the_cap_gives_up_at_once(server, make_client, sleeps) -> None:
    url = server.add("/r", body(b"", 503, "text/plain", Retry_After="3600"))
    with pytest.raises(ServiceBusyError, match="retry after 3600 s") as info:
        make_client(max_retry_after=60).get(url)
    assert (info.value.status, info.value.retry_after, sleeps) == (503, 3600.0, [])


def test_5xx_storm_backs_off_then_gives_up(server, make_client, sleeps) -> None:
    url = server.add("/r", body(b"down", 502, "text/plain"))
    with pytest.raises(ServiceBusyError, match="failed 4 times, giving up: HTTP 502"):
        make_client(retries=3, backoff=0.5).get(url)
    assert sleeps == [0.5, 1.0, 2.0]


def test_reset_mid_transfer_is_retried(server, make_client, sleeps) -> None:
    data = json.dumps({"items": list(range(1000))}).encode()
    url = server.add("/r", cut_short(data, 100), body(data))
    assert make_client().get_json(url)["items"][-1] == 999
    assert sleeps == [1.0]


def test_html_with_200_is_a_bot_check(server, make_client) -> None:
    page = b"<!DOCTYPE html><html><body>Checking your browser...</body></html>"
    url = server.add("/r", body(page, content_type="text/html"))
    with pytest.raises(BotCheckError, match="HTML page, not JSON"):
        make_client().get_json(url)


def test_invalid_json_and_http_errors(server, make_client) -> None:
    bad = server.add("/bad", body(b'{"a": '))
    missing = server.add("/missing", body(b'{"error": "Not found"}', 404))
    with pytest.raises(BadResponseError, match="not valid JSON"):
        make_client().get_json(bad)
    with pytest.raises(HttpStatusError, match="HTTP 404") as info:
        make_client().get_json(missing)
    assert info.value.status == 404
    assert make_client().get(missing).status == 404  # get() hands any final status back


def test_post_json_sends_the_body(server, make_client) -> None:
    got: list[bytes] = []

    def echo(handler: Any) -> None:
        got.append(handler.rfile.read(int(handler.headers["Content-Length"])))
        body(b"[null]")(handler)

    url = server.add("/batch", echo)
    assert make_client().post_json(url, json={"ids": ["a"]}) == [None]
    assert json.loads(got[0]) == {"ids": ["a"]}


def test_venue_services_take_the_configured_deadline(server, tmp_path) -> None:
    """``DLBIB_HTTP_DEADLINE`` bounds Semantic Scholar, DBLP, OpenReview and Crossref too."""
    from dlbib.config import load_config
    from dlbib.sync.published_services import Services

    url = server.add("/s2/paper/batch", drip(1000, 0.2))
    env = {"DLBIB_HTTP_DEADLINE": "1", "DLBIB_S2_API_URL": url.rsplit("/paper", 1)[0]}
    built = Services.from_config(load_config(tmp_path / "library.bib", env))
    assert [getattr(c.http, "deadline", None) for c in built.clients()] == [1.0] * 4
    assert built.s2 is not None
    with pytest.raises(DeadlineExceededError, match="took longer than 1 s"):
        built.s2.batch(["ARXIV:1506.00019"])


def test_a_query_too_long_for_any_server_is_not_sent(server) -> None:
    """A fuzzed 50 MB title became a 50 MB Crossref URL (deadline hit, 750 MB RSS)."""
    from dlbib.sources.crossref import Crossref

    url = server.add("/works", body(b'{"message": {"items": []}}'))
    crossref = Crossref(url.rsplit("/works", 1)[0], delay=0)
    assert crossref.search("a" * 10_000) == []
    assert server.hits == {}
    assert crossref.search("Attention Is All You Need") == []
    assert server.hits == {"/works": 1}
