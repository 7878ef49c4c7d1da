"""Issue 11 figures: peak memory and worst time of each hostile answer; prints, asserts nothing.

Each case runs in a fresh Python process (so its peak RSS is its own) against the hostile
server of ``tests/hostile_server.py`` on 127.0.0.1, through the real clients: ArxivSource for
API answers (deadline ``DEADLINE`` s, the default 20 MB cap) and PdfFetcher for PDFs
(``max_seconds`` = ``DEADLINE``, the default 200 MB cap). Targets: peak RSS under 100 MB, time
within the deadline + 1 s.

Run: python benchmarks/bench_hostile.py [DEADLINE]
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from tests.hostile_server import (  # noqa: E402
    BILLION_LAUGHS,
    XXE,
    HostileServer,
    body,
    drip,
    drip_headers,
    endless,
    gzip_bomb,
    redirect,
    refused_port,
)

CHILD = """
import json, resource, sys, tempfile, time
from pathlib import Path
kind, url, deadline = sys.argv[1], sys.argv[2], float(sys.argv[3])
from dlbib.errors import DlbibError
from dlbib.pdfs.fetch import PdfFetcher
from dlbib.sources.arxiv import ArxivSource
started = time.monotonic()
try:
    if kind == "api":
        ArxivSource(api_url=url, delay=0, deadline=deadline, max_retries=3).search_title("x")
    else:
        with tempfile.TemporaryDirectory() as folder:
            PdfFetcher(min_interval=0, max_seconds=deadline, retries=3).download(
                url, Path(folder) / "x.pdf")
    error = "(no error)"
except DlbibError as exc:
    error = str(exc)
print(json.dumps({"seconds": time.monotonic() - started, "error": error,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    deadline = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    server, other = HostileServer(), HostileServer()
    bomb = gzip_bomb(1024)
    pdf_head = b"%PDF-1.4\n"
    pdf_bomb = gzip.compress(pdf_head) + bomb  # gzip members concatenate: a PDF start, then 1 GiB
    cases = {
        "gzip bomb, 1 MB -> 1 GiB (API)": (
            "api", server.add("/bomb", body(bomb, content_type="application/atom+xml",
                                            Content_Encoding="gzip"))),
        "gzip bomb, 1 MB -> 1 GiB (PDF)": (
            "pdf", server.add("/bomb.pdf", body(pdf_bomb, content_type="application/pdf",
                                                Content_Encoding="gzip"))),
        "endless body, no length (API)": ("api", server.add("/endless", endless())),
        "endless body, no length (PDF)": (
            "pdf", server.add("/endless.pdf", endless(first=pdf_head))),
        "drip, 1 byte/s (API)": ("api", server.add("/drip", drip(1000, 1.0))),
        "headers dripped, 1 byte/s (API)": ("api", server.add("/hdrip", drip_headers(1.0))),
        "drip, 1 byte/s (PDF)": (
            "pdf", server.add("/drip.pdf", drip(100_000, 1.0, "application/pdf", pdf_head))),
        "redirect to another local port (API)": (
            "api", server.add("/hop", redirect(other.add("/x", body(b"<feed/>"))))),
        "redirect to another local port (PDF)": (
            "pdf", server.add("/hop.pdf", redirect(other.add("/x.pdf", body(b"%PDF-1.4"))))),
        "billion laughs (API)": (
            "api", server.add("/lol", body(BILLION_LAUGHS, content_type="application/atom+xml"))),
        "XXE (API)": ("api", server.add("/xxe", body(XXE, content_type="application/atom+xml"))),
        "connection refused, retries=3 (API)": ("api", f"http://127.0.0.1:{refused_port()}/q"),
        "connection refused, retries=3 (PDF)": ("pdf", f"http://127.0.0.1:{refused_port()}/x"),
    }  # fmt: skip
    print(f"deadline {deadline:g} s; target: peak RSS < 100 MB, time <= {deadline + 1:g} s\n")
    print(f"{'case':40} {'time s':>7} {'RSS MB':>7}  error")
    with tempfile.TemporaryDirectory():
        for name, (kind, url) in cases.items():
            started = time.monotonic()
            out = subprocess.run(
                [sys.executable, "-c", CHILD, kind, url, str(deadline)],
                capture_output=True, text=True, timeout=deadline * 10 + 30,
                env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
            )  # fmt: skip
            if out.returncode != 0:
                print(f"{name:40} failed: {out.stderr.strip()[-300:]}")
                continue
            result = json.loads(out.stdout)
            wall = time.monotonic() - started
            print(f"{name:40} {result['seconds']:7.2f} {result['rss_mb']:7.1f}  "
                  f"{result['error'][:90]}  (process {wall:.2f} s)")  # fmt: skip
    server.close()
    other.close()


if __name__ == "__main__":
    main()
