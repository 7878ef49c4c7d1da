"""Issue 15 figures: published versions of 1,000 arXiv entries against the local stand-ins.

The stand-ins (tests/services_server.py) answer with synthetic papers in each service's real
shape: half published at ICML (a DBLP key: DBLP confirms), one in eight at ICLR (OpenReview),
one in eight with only a DOI (Crossref), one in eight arXiv-only (a CoRR key: decided without a
confirmation) and one in eight unknown to Semantic Scholar (``null``). Every delay is 0.

Prints requests per service (target: ⌈N/500⌉ to Semantic Scholar, one confirmation per entry
whose candidate claims a publication, none for the decisive ones), the wall time at delay 0,
the wall-time floor each service's published rate implies for those requests, and a no-change
re-run (target: 0 requests). Asserts nothing.

Run: python -m benchmarks.bench_published [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tests.services_server import FakeServices, ServiceThread

RATES = {  # seconds between requests each service asks for (dlbib's defaults)
    "Semantic Scholar": (3.0, "anonymous pool; 1.1 s with DLBIB_S2_API_KEY"),
    "DBLP": (3.0, "bulk users report 5-7 s; 3 s default"),
    "OpenReview": (3.0, "guest search about 20/min"),
    "Crossref": (0.5, "polite pool 10/s advertised; 0.5 s default"),
}


def title(i: int) -> str:
    return f"Synthetic Study Number {i} of Deep Networks"


def add_paper(api: FakeServices, i: int) -> None:
    """Register paper ``i`` with the services that know it (see the module docstring)."""
    ident, kind = f"2001.{i:05d}", i % 8
    authors = [{"authorId": None, "name": f"Alice Author{i}"}, {"authorId": None,
               "name": "Bob Coauthor"}]  # fmt: skip
    paper: dict[str, Any] = {"paperId": f"p{i}", "externalIds": {"ArXiv": ident},
                             "title": title(i), "authors": authors, "year": 2020,
                             "venue": "", "publicationVenue": None}  # fmt: skip
    if kind == 7:
        return  # S2 does not know it: null
    if kind <= 3:
        paper["externalIds"]["DBLP"] = f"conf/icml/Synth{i}"
        paper["venue"] = "International Conference on Machine Learning"
        info = {"authors": {"author": [{"text": a["name"]} for a in authors]},
                "title": title(i) + ".", "venue": "ICML", "pages": f"{i}-{i + 9}",
                "year": "2020", "type": "Conference and Workshop Papers",
                "key": f"conf/icml/Synth{i}",
                "ee": f"http://proceedings.mlr.press/v119/synth{i}.html"}  # fmt: skip
        api.add_dblp_hits(title(i), [info])
    elif kind == 4:
        paper["venue"] = "International Conference on Learning Representations"
        api.notes.append({"id": f"n{i}", "forum": f"n{i}", "domain": "ICLR.cc/2021/Conference",
                          "content": {"title": {"value": title(i)},
                                      "authors": {"value": [a["name"] for a in authors]},
                                      "venue": {"value": "ICLR 2021 Poster"},
                                      "venueid": {"value": "ICLR.cc/2021/Conference"}}})  # fmt: skip
        paper["venue"] = "ICLR"
    elif kind == 5:
        doi = f"10.5555/synth.{i}"
        paper["externalIds"]["DOI"] = doi
        paper["venue"] = "Journal of Synthetic Studies"
        api.works[doi] = {"DOI": doi, "type": "journal-article", "title": [title(i)],
                          "author": [{"given": "Alice", "family": f"Author{i}",
                                      "sequence": "first"},
                                     {"given": "Bob", "family": "Coauthor",
                                      "sequence": "additional"}],
                          "container-title": ["Journal of Synthetic Studies"], "volume": "3",
                          "page": "1-10", "publisher": "Synthetic Press",
                          "issued": {"date-parts": [[2021]]}}  # fmt: skip
    else:
        paper["externalIds"]["DBLP"] = f"journals/corr/abs-2001-{i:05d}"
        paper["venue"] = "arXiv.org"
    api.add_s2_paper(paper)


def write_library(path: Path, n: int) -> None:
    entries = [
        f"@misc{{synth{i:05d},\n  author = {{Author{i}, Alice and Coauthor, Bob}},\n"
        f"  title = {{{title(i)}}},\n  eprint = {{2001.{i:05d}}},\n"
        f"  archiveprefix = {{arXiv}},\n  year = {{2020}},\n}}\n"
        for i in range(1, n + 1)
    ]
    path.write_text("\n".join(entries), encoding="utf-8")


def run(base: str, library_path: Path, state: Any) -> tuple[Any, float]:
    from dlbib.library.bibfile import load_library
    from dlbib.sources.crossref import Crossref
    from dlbib.sources.dblp import Dblp
    from dlbib.sources.openreview import OpenReview
    from dlbib.sources.semanticscholar import SemanticScholar
    from dlbib.sync.published import PublishedOptions, resolve_published
    from dlbib.sync.published_services import Services

    services = Services(
        s2=SemanticScholar(base + "/s2/graph/v1", delay=0.0),
        dblp=Dblp(base + "/dblp", delay=0.0),
        openreview=OpenReview(base + "/openreview", delay=0.0),
        crossref=Crossref(base + "/crossref", delay=0.0, mailto="bench@example.org"),
    )
    library = load_library(library_path)
    start = time.perf_counter()
    report = resolve_published(library, state, services, PublishedOptions(),
                               datetime.now(timezone.utc))  # fmt: skip
    return report, time.perf_counter() - start


def main(n: int = 1000) -> None:
    from dlbib.library.state import SyncState

    api = FakeServices()
    for i in range(1, n + 1):
        add_paper(api, i)
    served = ServiceThread(api)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "library.bib"
            write_library(path, n)
            state = SyncState(Path(tmp) / "library.dlbib.json")
            report, seconds = run(served.base, path, state)
            again, again_seconds = run(served.base, path, state)
    finally:
        served.close()
    counts: dict[str, int] = {}
    for o in report.outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    print(f"library: {n} arXiv entries; stand-ins at {served.base}; every delay 0 s")
    print(f"outcomes: {', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}")
    print(f"first run: wall {seconds:.2f} s at delay 0")
    floor_total = 0.0
    for name, sent in report.requests.items():
        delay, why = RATES[name]
        floor = max(sent - 1, 0) * delay
        floor_total += floor
        target = f" (target {-(-n // 500)})" if name == "Semantic Scholar" else ""
        print(f"  {name:<17} {sent:>4} request(s){target}; floor at {delay:g} s apart: "
              f"{floor:7.1f} s  ({why})")  # fmt: skip
    print(f"  one service at a time (how sync asks): floor {floor_total:.0f} s "
          f"({floor_total / 60:.1f} min)")  # fmt: skip
    print(f"no-change re-run: {sum(again.requests.values())} request(s) (target 0), "
          f"wall {again_seconds:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
