"""Issue 3 figures: `dlbib sync` of 1,000 arXiv entries against a local fake arXiv API.

Measures API requests, wall time and peak memory (tracemalloc, Python allocations) for a first
sync and for an immediate no-change re-sync, with the delay between requests set to 0.
Targets: 10 requests and 0 requests; the re-sync under 1 s. Prints figures; asserts nothing.

Run: python -m benchmarks.bench_sync [N]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

from tests.arxiv_server import FakeArxiv, make_server


def write_library(path: Path, n: int) -> None:
    entries = [
        f"@misc{{synth{i:05d},\n  title = {{Synthetic Study Number {i}}},\n"
        f"  eprint = {{2001.{i:05d}}},\n  archiveprefix = {{arXiv}},\n  year = {{2020}},\n}}\n"
        for i in range(1, n + 1)
    ]
    path.write_text("\n".join(entries), encoding="utf-8")


def run_both(url: str, n: int, traced: bool) -> list[tuple[int, float, float, str]]:
    """First sync then re-sync of a fresh library: (requests, seconds, peak MB, outcome)."""
    from dlbib.config import Config
    from dlbib.sources.arxiv import ArxivSource
    from dlbib.sync.arxiv import sync_library
    from dlbib.sync.merge import SyncOptions

    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        library = Path(tmp) / "library.bib"
        write_library(library, n)
        config = Config(library=library, arxiv_api_url=url, arxiv_delay=0.0)
        for _ in range(2):
            source = ArxivSource(api_url=url, delay=0.0)
            if traced:
                tracemalloc.start()
            start = time.perf_counter()
            report = sync_library(config, None, SyncOptions(), source=source)
            seconds = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1] / 1e6 if traced else 0.0
            tracemalloc.stop()
            outcome = (
                f"updated {len(report.having('updated'))}, "
                f"unchanged {len(report.having('unchanged', 'fresh'))}, "
                f"failed {len(report.failed)}"
            )
            figures.append((source.requests_made, seconds, peak, outcome))
        sizes = f"library.bib {library.stat().st_size / 1e6:.2f} MB, "
        sizes += f"sidecar {config.state_path.stat().st_size / 1e6:.2f} MB"
        figures.append((0, 0.0, 0.0, sizes))
    return figures


def main(n: int = 1000) -> None:
    api = FakeArxiv(synthetic=True)
    server = make_server(api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/api/query"
    try:
        print(f"library: {n} arXiv entries; fake API at {url}; delay 0 s")
        # Wall time untraced (tracemalloc slows Python down ~3x); memory in a second, traced run.
        timed = run_both(url, n, traced=False)
        served = len(api.requests)
        traced = run_both(url, n, traced=True)
        for label, target, (requests, seconds, _, outcome), (_, _, peak, _) in zip(
            ("first sync", "no-change re-sync"), ("10", "0"), timed, traced, strict=False
        ):
            print(
                f"{label:<18} API requests {requests:>3} (target {target})  "
                f"wall {seconds:6.3f} s  peak {peak:5.1f} MB (tracemalloc)  {outcome}"
            )
        print(f"server answered {served} requests in the timed run; {timed[-1][3]}")
        peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
        print(f"process peak RSS {peak_rss:.0f} MB (interpreter, server and both runs)")
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
