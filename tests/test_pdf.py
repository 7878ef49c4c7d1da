"""PdfFetcher against a real local server: success, retries, throttling and every fault."""

from __future__ import annotations

import hashlib
import os
import socket
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
import requests

from dlbib.errors import DlbibError, PdfDownloadError, SourceError
from dlbib.pdfs.fetch import PdfFetcher, default_user_agent, looks_like_pdf
from dlbib.sources.http import Throttle, parse_retry_after

from .pdfserver import PdfServer, Reply, make_pdf

PDF = make_pdf("hello", 5000)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*"))


def test_download_writes_verified_file(pdf_server: PdfServer, fetcher: PdfFetcher, tmp_path):
    url = pdf_server.pdf("/pdf/1706.03762v5", PDF)
    dest = tmp_path / "papers" / "2017" / "x.pdf"
    chunks: list[int] = []

    pdf = fetcher.download(url, dest, chunks.append)

    assert dest.read_bytes() == PDF
    assert pdf.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (pdf.size, pdf.url, pdf.final_url, pdf.path) == (len(PDF), url, url, dest)
    assert pdf.content_type == "application/pdf"
    assert sum(chunks) == len(PDF)
    assert leftovers(tmp_path / "papers") == ["2017", "x.pdf"]
    sent = pdf_server.requests[0].headers
    assert sent["User-Agent"] == default_user_agent()
    assert sent["User-Agent"].startswith("dlbib/")


def test_redirect_within_http_is_followed(pdf_server: PdfServer, fetcher: PdfFetcher, tmp_path):
    pdf_server.pdf("/real.pdf", PDF)
    url = pdf_server.add("/moved", Reply(302, headers={"Location": "/real.pdf"}))
    pdf = fetcher.download(url, tmp_path / "x.pdf")
    assert pdf.final_url == pdf_server.url("/real.pdf")
    assert (tmp_path / "x.pdf").read_bytes() == PDF


@pytest.mark.parametrize(
    ("replies", "expected_sleeps"),
    [
        ([Reply(503, b"busy", {}), Reply(body=PDF)], [1.0]),
        ([Reply(503, b"", {}), Reply(503, b"", {}), Reply(body=PDF)], [1.0, 2.0]),
        ([Reply(429, b"", {"Retry-After": "7"}), Reply(body=PDF)], [7.0]),
        ([Reply(502, b"", {"Retry-After": "0"}), Reply(body=PDF)], [0.0]),
    ],
    ids=["503-then-200", "503-twice-backoff-doubles", "429-retry-after", "502-retry-after-0"],
)
def test_retries_then_succeeds(pdf_server, fetcher, sleeps, tmp_path, replies, expected_sleeps):
    url = pdf_server.add("/p.pdf", *replies)
    fetcher.download(url, tmp_path / "x.pdf")
    assert (tmp_path / "x.pdf").read_bytes() == PDF
    assert sleeps == expected_sleeps
    assert pdf_server.hits("/p.pdf") == len(replies)


@pytest.mark.parametrize("breaks", [1, 2])
def test_a_transfer_broken_mid_way_is_retried_from_the_start(
    pdf_server, fetcher, sleeps, tmp_path, breaks
):
    """A reset mid-transfer is retried with backoff, as 429/5xx are (issue 16); the partial
    file starts over, so the file is the whole PDF and its hash is that of the whole."""
    import hashlib

    replies = [Reply(body=BIG, send=100_000 + 1000 * n) for n in range(breaks)]
    url = pdf_server.add("/p.pdf", *replies, Reply(body=BIG))
    got = fetcher.download(url, tmp_path / "papers" / "x.pdf")
    assert (tmp_path / "papers" / "x.pdf").read_bytes() == BIG
    assert (got.sha256, got.size) == (hashlib.sha256(BIG).hexdigest(), len(BIG))
    assert sleeps == [1.0, 2.0][:breaks]
    assert pdf_server.hits("/p.pdf") == breaks + 1
    assert leftovers(tmp_path) == ["papers", "x.pdf"]


def test_503_forever_gives_up_with_status(pdf_server, fetcher, sleeps, tmp_path):
    url = pdf_server.add("/p.pdf", Reply(503, b"<html>busy</html>", {"Content-Type": "text/html"}))
    with pytest.raises(PdfDownloadError) as info:
        fetcher.download(url, tmp_path / "x.pdf")
    assert info.value.status == 503
    assert info.value.url == url
    assert info.value.content_type == "text/html"
    assert sleeps == [1.0, 2.0, 4.0]
    assert pdf_server.hits("/p.pdf") == 4
    assert leftovers(tmp_path) == []


def test_retry_after_too_long_gives_up(pdf_server, fetcher, sleeps, tmp_path):
    url = pdf_server.add("/p.pdf", Reply(429, b"", {"Retry-After": "3600"}))
    with pytest.raises(PdfDownloadError, match="retry after 3600 s") as info:
        fetcher.download(url, tmp_path / "x.pdf")
    assert info.value.status == 429
    assert sleeps == []


def test_404_fails_without_retry(pdf_server, fetcher, sleeps, tmp_path):
    url = pdf_server.url("/missing.pdf")
    with pytest.raises(PdfDownloadError, match="HTTP 404") as info:
        fetcher.download(url, tmp_path / "x.pdf")
    assert info.value.status == 404
    assert pdf_server.hits("/missing.pdf") == 1
    assert sleeps == []


BIG = make_pdf("big", 300_000)

FAULTS = [
    pytest.param(
        Reply(body=b"<!DOCTYPE html><html>Please verify you are human</html>",
              headers={"Content-Type": "text/html; charset=utf-8"}),
        "not a PDF: starts with b'<!DOC' (text/html)",
        id="html-with-200",
    ),
    pytest.param(Reply(body=b""), "empty response", id="empty-body"),
    pytest.param(Reply(body=b"%PDF-"), "no %%EOF", id="only-header"),
    pytest.param(  # every try (a retry follows a transfer that broke off)
        Reply(body=BIG, send=100_000),
        "failed 4 times, giving up: the transfer broke off (body cut short",
        id="truncated",
    ),
    pytest.param(
        Reply(body=BIG, content_length=None, send=100_000), "no %%EOF", id="truncated-no-length"
    ),
    pytest.param(Reply(body=BIG, content_length=150_000), "no %%EOF", id="longer-than-announced"),
    pytest.param(
        Reply(body=PDF + b"trailing junk" * 100), "no %%EOF", id="junk-after-eof"
    ),
]  # fmt: skip


@pytest.mark.parametrize(("reply", "message"), FAULTS)
def test_bad_bodies_are_rejected_and_leave_nothing(pdf_server, fetcher, tmp_path, reply, message):
    url = pdf_server.add("/p.pdf", reply)
    dest = tmp_path / "papers" / "new" / "x.pdf"
    with pytest.raises(PdfDownloadError) as info:
        fetcher.download(url, dest)
    assert message in str(info.value)
    assert info.value.status == 200
    assert leftovers(tmp_path) == []  # the folders made for the file are gone too


def test_failed_download_keeps_the_existing_file(pdf_server, fetcher, tmp_path):
    dest = tmp_path / "x.pdf"
    dest.write_bytes(PDF)
    url = pdf_server.add("/p.pdf", Reply(body=b"<html></html>", headers={}))
    with pytest.raises(PdfDownloadError):
        fetcher.download(url, dest)
    assert dest.read_bytes() == PDF
    assert leftovers(tmp_path) == ["x.pdf"]


def test_size_cap_announced_is_refused_before_streaming(pdf_server, sleeps, tmp_path):
    fetcher = PdfFetcher(timeout=(2, 2), min_interval=0, sleep=sleeps.append, max_bytes=100_000)
    url = pdf_server.pdf("/big.pdf", BIG)
    with pytest.raises(PdfDownloadError, match=r"too large: \d+ bytes announced") as info:
        fetcher.download(url, tmp_path / "x.pdf")
    assert info.value.status == 200
    assert fetcher.bytes_received == 0
    assert leftovers(tmp_path) == []


def test_size_cap_without_length_stops_streaming(pdf_server, sleeps, tmp_path):
    fetcher = PdfFetcher(timeout=(2, 2), min_interval=0, sleep=sleeps.append, max_bytes=100_000)
    url = pdf_server.add("/big.pdf", Reply(body=BIG, content_length=None))
    with pytest.raises(PdfDownloadError, match="over the cap of 100000 bytes"):
        fetcher.download(url, tmp_path / "x.pdf")
    assert fetcher.bytes_received < len(BIG)
    assert leftovers(tmp_path) == []


def test_hang_times_out(pdf_server, sleeps, tmp_path):
    fetcher = PdfFetcher(timeout=(1, 0.3), min_interval=0, sleep=sleeps.append)
    url = pdf_server.add("/slow.pdf", Reply(body=PDF, hang=10))
    with pytest.raises(PdfDownloadError, match=r"giving up: the transfer broke off \(timed out\)"):
        fetcher.download(url, tmp_path / "x.pdf")
    assert leftovers(tmp_path) == []


def test_whole_download_deadline(pdf_server, sleeps, tmp_path):
    # The fake clock moves 0.1 s per look; the socket waits for at most the (fake) time left,
    # so each real wait stays long enough for a loaded machine (1 tick a second left ~1 ms).
    ticks = iter(range(100_000))
    fetcher = PdfFetcher(
        min_interval=0, sleep=sleeps.append, clock=lambda: next(ticks) / 10, max_seconds=0.5
    )
    url = pdf_server.pdf("/big.pdf", BIG)
    with pytest.raises(PdfDownloadError, match="took longer than 0 s"):
        fetcher.download(url, tmp_path / "x.pdf")
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "location",
    ["ftp://example.org/x.pdf", "file:///etc/passwd", "javascript:alert(1)", "data:,%PDF-"],
    ids=["ftp", "file", "javascript", "data"],
)
def test_redirect_to_other_scheme_is_refused(pdf_server, fetcher, tmp_path, location):
    url = pdf_server.add("/p.pdf", Reply(301, headers={"Location": location}))
    with pytest.raises(PdfDownloadError, match=r"refusing .* URL scheme") as info:
        fetcher.download(url, tmp_path / "x.pdf")
    assert location in str(info.value)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/a.pdf", "/relative/a.pdf", "gopher://x/"]
)
def test_other_schemes_are_never_fetched(fetcher, tmp_path, url):
    with pytest.raises(PdfDownloadError, match="only http and https"):
        fetcher.download(url, tmp_path / "x.pdf")
    assert leftovers(tmp_path) == []


def test_redirect_loop_gives_up(pdf_server, fetcher, tmp_path):
    url = pdf_server.add("/loop", Reply(302, headers={"Location": "/loop"}))
    with pytest.raises(PdfDownloadError, match="more than 10 redirects"):
        fetcher.download(url, tmp_path / "x.pdf")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_disk_full_is_a_download_error_and_cleans_up(pdf_server, fetcher, tmp_path):
    dest = tmp_path / "x.pdf"
    dest.write_bytes(b"old")
    # Writes to the partial file land on /dev/full: ENOSPC, as on a full disk.
    (tmp_path / "x.pdf.part").symlink_to("/dev/full")
    url = pdf_server.pdf("/p.pdf", PDF)
    with pytest.raises(PdfDownloadError, match="No space left on device") as info:
        fetcher.download(url, dest)
    assert isinstance(info.value.__cause__, OSError)
    assert dest.read_bytes() == b"old"
    assert leftovers(tmp_path) == ["x.pdf"]


def test_ctrl_c_mid_file_cleans_up_and_reraises(pdf_server, fetcher, tmp_path):
    url = pdf_server.pdf("/big.pdf", BIG)
    dest = tmp_path / "d" / "x.pdf"

    def interrupt(nbytes: int) -> None:
        assert (tmp_path / "d" / "x.pdf.part").exists()
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetcher.download(url, dest, interrupt)
    assert leftovers(tmp_path) == []


def test_connection_refused_is_quick_source_error(sleeps, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    fetcher = PdfFetcher(timeout=(1, 1), min_interval=0, sleep=sleeps.append, retries=2)
    with pytest.raises(SourceError, match="cannot connect: connection refused"):
        fetcher.download(f"http://127.0.0.1:{port}/x.pdf", tmp_path / "x.pdf")
    # Refused means nothing listens: unreachable at once, no 1+2+4 s backoff (issue 16).
    assert sleeps == []
    # The host is not tried again in this run: no more retries, no more waiting.
    with pytest.raises(PdfDownloadError, match=r"connection refused \(earlier\)"):
        fetcher.download(f"http://127.0.0.1:{port}/y.pdf", tmp_path / "y.pdf")
    assert sleeps == []
    assert leftovers(tmp_path) == []


def test_unknown_host_is_not_retried(sleeps, tmp_path):
    fetcher = PdfFetcher(timeout=(2, 2), min_interval=0, sleep=sleeps.append)
    with pytest.raises(PdfDownloadError, match="cannot connect: host not found"):
        fetcher.download("http://no-such-host.invalid/x.pdf", tmp_path / "x.pdf")
    assert sleeps == []


def test_one_throttle_per_host(pdf_server, tmp_path):
    now = [100.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    fetcher = PdfFetcher(min_interval=3.0, sleep=sleep, clock=lambda: now[0])
    pdf_server.pdf("/a.pdf", PDF)
    pdf_server.pdf("/b.pdf", PDF)
    fetcher.download(pdf_server.url("/a.pdf"), tmp_path / "a.pdf")
    now[0] += 1.0
    fetcher.download(pdf_server.url("/b.pdf"), tmp_path / "b.pdf")
    other_host = pdf_server.url("/a.pdf").replace("127.0.0.1", "localhost")
    fetcher.download(other_host, tmp_path / "c.pdf")
    assert sleeps == [2.0]


def test_throttle_spaces_calls():
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    throttle = Throttle(3.0, clock=lambda: now[0], sleep=sleep)
    assert throttle.wait() == 0.0
    now[0] += 0.5
    assert throttle.wait() == 2.5
    now[0] += 10
    assert throttle.wait() == 0.0
    assert sleeps == [2.5]


def testparse_retry_after():
    soon = datetime.now(timezone.utc) + timedelta(seconds=60)
    assert parse_retry_after("12") == 12.0
    assert 50 < (parse_retry_after(format_datetime(soon, usegmt=True)) or 0) <= 60
    assert parse_retry_after("soon") is None
    assert parse_retry_after("\u00b2") is None  # str.isdigit() says yes, float() says no
    assert parse_retry_after("\u0661\u0662") is None  # non-ASCII digits are not delta-seconds


def test_every_wrapped_error_is_a_dlbib_error():
    assert issubclass(PdfDownloadError, SourceError)
    assert issubclass(PdfDownloadError, DlbibError)
    for wrapped in (requests.RequestException, OSError):
        assert not issubclass(wrapped, DlbibError)  # wrapped with `from`, never leaked


def test_session_is_injectable(pdf_server, sleeps, tmp_path):
    session = requests.Session()
    session.headers["X-Test"] = "yes"
    fetcher = PdfFetcher(session, min_interval=0, sleep=sleeps.append, user_agent="me/1")
    fetcher.download(pdf_server.pdf("/p.pdf", PDF), tmp_path / "x.pdf")
    headers = pdf_server.requests[0].headers
    assert (headers["X-Test"], headers["User-Agent"]) == ("yes", "me/1")
    assert os.listdir(tmp_path) == ["x.pdf"]


def test_fsync_option(pdf_server, sleeps, tmp_path):
    fetcher = PdfFetcher(min_interval=0, sleep=sleeps.append, fsync=True)
    pdf = fetcher.download(pdf_server.pdf("/p.pdf", PDF), tmp_path / "x.pdf")
    assert pdf.path.read_bytes() == PDF


@pytest.mark.parametrize(
    ("data", "expected"),
    [(PDF, True), (PDF + b"\n% annotated\n%%EOF\n", True), (PDF[:100], False), (b"", False)],
    ids=["pdf", "incremental-update", "torn", "empty"],
)
def test_looks_like_pdf(tmp_path, data, expected):
    path = tmp_path / "x.pdf"
    path.write_bytes(data)
    assert looks_like_pdf(path) is expected
    assert looks_like_pdf(tmp_path / "missing.pdf") is False
