"""Issue 4 figures against a local HTTP server (tests/pdfserver.py); prints, asserts nothing.

(a) A re-sync of N entries whose PDFs are already present: wall time, requests made and PDF
    bytes transferred (targets: 0 bytes, under 2 s for N = 500).
(b) M PDFs of 1 MB, delay 0: PdfFetcher.download (verify, hash, fsync, rename) against a plain
    sequential ``requests`` loop writing the same files (target: at most 1.1x).

Run: python benchmarks/bench_pdf.py [N] [M] [PDF_KB_FOR_A]
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import requests
from tests.pdfserver import PdfServer, make_pdf

from dlbib.config import load_config
from dlbib.pdfs.fetch import PdfFetcher
from dlbib.pdfs.sync import sync_library_pdfs


def write_library(path: Path, server: PdfServer, n: int, size: int) -> None:
    entries = []
    for i in range(n):
        url = server.pdf(f"/p/{i}.pdf", make_pdf(f"paper {i}", size))
        entries.append(
            f"@article{{author{i}2020paper,\n  author = {{Author{i}, Ann and Other, Bob}},\n"
            f"  title = {{Paper Number {i}: On Things}},\n  journal = {{J}},\n"
            f"  year = {{{2000 + i % 25}}},\n  pdfurl = {{{url}}},\n"
            f"  keywords = {{Section {i % 7}}},\n}}\n"
        )
    path.write_text("\n".join(entries), encoding="utf-8")


def bench_resync(n: int, size_kb: int) -> None:
    server = PdfServer()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            library = Path(tmp) / "library.bib"
            write_library(library, server, n, size_kb * 1024)
            config = load_config(library, {"DLBIB_PDF_DELAY": "0"})
            start = time.perf_counter()
            first = sync_library_pdfs(config, PdfFetcher(min_interval=0))
            first_time = time.perf_counter() - start
            requests_before, sent_before = len(server.requests), server.bytes_sent
            fetcher = PdfFetcher(min_interval=0)
            times = []
            for _ in range(3):
                start = time.perf_counter()
                report = sync_library_pdfs(config, fetcher)
                times.append(time.perf_counter() - start)
            print(f"(a) {n} entries, PDFs of {size_kb} KB already present")
            print(f"    first sync: {first.counts['downloaded']} downloaded in {first_time:.2f} s")
            median = statistics.median(times)
            print(
                f"    re-sync: {min(times):.3f} s best of 3 (median {median:.3f} s), "
                f"{report.counts['skipped']} skipped, {report.counts['downloaded']} downloaded"
            )
            print(
                f"    transferred: {server.bytes_sent - sent_before} bytes sent by the server, "
                f"{fetcher.bytes_received} received, "
                f"{len(server.requests) - requests_before} requests"
            )
    finally:
        server.close()


def bench_download(m: int, rounds: int = 15) -> None:
    body = make_pdf("one megabyte", 1024 * 1024)
    with tempfile.TemporaryDirectory() as tmp:
        served = Path(tmp) / "served"
        served.mkdir()
        for i in range(m):
            (served / f"{i}.pdf").write_bytes(body)
        # The server runs in its own process, as a real one would, so it does not compete with
        # the client for the GIL; both loops pay the same connection-per-request HTTP/1.0 cost.
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
             "--directory", str(served)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            urls = [f"http://127.0.0.1:{port}/{i}.pdf" for i in range(m)]
            wait_for(urls[0])
            dlbib_times, plain_times = [], []
            for r in range(rounds):
                folder = Path(tmp) / f"r{r}"
                plain_times.append(plain_loop(urls, folder / "plain"))
                dlbib_times.append(dlbib_loop(urls, folder / "dlbib"))
        finally:
            server.terminate()
            server.wait()
    mb = m * len(body) / 1e6
    print(f"(b) {m} PDFs of {len(body)} bytes ({mb:.1f} MB), delay 0, {rounds} interleaved rounds")
    for name, times in (("plain requests loop", plain_times), ("PdfFetcher.download", dlbib_times)):
        best, median = min(times), statistics.median(times)
        print(f"    {name}: best {best:.3f} s ({mb / best:.0f} MB/s), median {median:.3f} s")
    best = min(dlbib_times) / min(plain_times)
    median = statistics.median(dlbib_times) / statistics.median(plain_times)
    print(f"    ratio: {best:.2f}x (best), {median:.2f}x (median)")


def wait_for(url: str) -> None:
    for _ in range(100):
        try:
            requests.get(url, timeout=1).raise_for_status()
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise SystemExit(f"server at {url} did not start")


def plain_loop(urls: list[str], folder: Path) -> float:
    folder.mkdir(parents=True)
    start = time.perf_counter()
    with requests.Session() as session:
        for i, url in enumerate(urls):
            with session.get(url, stream=True, timeout=(5, 60)) as response:
                response.raise_for_status()
                with open(folder / f"{i}.pdf", "wb") as handle:
                    for chunk in response.iter_content(64 * 1024):
                        handle.write(chunk)
    return time.perf_counter() - start


def dlbib_loop(urls: list[str], folder: Path) -> float:
    folder.mkdir(parents=True)
    start = time.perf_counter()
    fetcher = PdfFetcher(min_interval=0)
    for i, url in enumerate(urls):
        fetcher.download(url, folder / f"{i}.pdf")
    return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    m = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    size_kb = int(sys.argv[3]) if len(sys.argv) > 3 else 1024
    bench_resync(n, size_kb)
    bench_download(m)


if __name__ == "__main__":
    main()
