"""Issues 7 and 14 figures: `dlbib import` of a generated list with 1,000 arXiv links and 200
link-less citations against a local fake arXiv API (tests/arxiv_server.py) with the delay at 0:
API requests (target ⌈1000/100⌉ = 10 for the ids plus ⌈200/k⌉ batched title searches, k titles
per ``ti:"…" OR ti:"…"`` query) and wall time per phase. Prints figures; asserts nothing.

Run from the repository root: python benchmarks/bench_import.py [IDS] [TITLES]
"""

from __future__ import annotations

import math
import string
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.arxiv_server import Entry, FakeArxiv, make_server


def _letters(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = string.ascii_lowercase[r] + out
        if n == 0:
            return out
        n -= 1


def titled_entry(n: int) -> tuple[Entry, str]:
    """A recorded-style entry whose title and authors a list line can cite, and that line."""
    ident = f"2102.{n:05d}"
    family = "Quill" + _letters(n)
    title = f"Learning {_letters(n)} representations with deep networks"
    raw = (
        f"<entry>\n    <id>http://arxiv.org/abs/{ident}v1</id>\n    <title>{title}</title>\n"
        "    <updated>2021-02-01T00:00:00Z</updated>\n"
        f"    <summary>Case {n}.</summary>\n"
        '    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>\n'
        "    <published>2021-02-01T00:00:00Z</published>\n"
        '    <arxiv:primary_category term="cs.LG"/>\n'
        f"    <author>\n      <name>Ada {family}</name>\n    </author>\n"
        "    <author>\n      <name>Alan Turing</name>\n    </author>\n  </entry>"
    )
    line = f"- {title} (2021), A. {family} and A. Turing"
    return Entry(ident, title, raw.encode()), line


def generate(ids: int, titles: int) -> tuple[str, FakeArxiv]:
    api = FakeArxiv(synthetic=True)
    lines = ["# Generated reading list", "", "## Papers with links"]
    for n in range(1, ids + 1):
        form = n % 3
        url = (f"https://arxiv.org/abs/2001.{n:05d}", f"http://arxiv.org/pdf/2001.{n:05d}v2.pdf",
               f"https://arxiv.org/pdf/2001.{n:05d}?utm_source=x")[form]  # fmt: skip
        lines.append(f"- **Paper {n}** (2020), A. Author et al. [[pdf]]({url})")
    lines += ["", "## Papers without links"]
    for n in range(1, titles + 1):
        entry, line = titled_entry(n)
        api.entries[entry.ident] = entry
        lines.append(line)
    return "\n".join(lines) + "\n", api


def main(ids: int = 1000, titles: int = 200) -> None:
    from dlbib.library.bibfile import library_lock, load_library, save_library
    from dlbib.readinglist.importer import finish, plan_import, resolve_plan
    from dlbib.readinglist.read import read_reading_list
    from dlbib.sources.arxiv import ArxivSource

    text, api = generate(ids, titles)
    server = make_server(api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/api/query"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            list_path = Path(tmp) / "list.md"
            list_path.write_text(text, encoding="utf-8")
            library_path = Path(tmp) / "library.bib"
            library_path.write_text("", encoding="utf-8")
            source = ArxivSource(api_url=url, delay=0)
            t0 = time.perf_counter()
            reading = read_reading_list(list_path)
            t1 = time.perf_counter()
            plan = plan_import(reading, load_library(library_path))
            error = resolve_plan(plan, source)
            t2 = time.perf_counter()
            with library_lock(library_path):
                library = load_library(library_path)
                items = finish(plan, library)
                save_library(library, library_path)
            t3 = time.perf_counter()
    finally:
        server.shutdown()
        server.server_close()
    added = sum(1 for i in items if i.status == "added")
    by_id = sum(1 for q in api.requests if q.get("id_list", [""])[0])
    searches = sum(1 for q in api.requests if q.get("search_query", [""])[0])
    from dlbib.sources.arxiv_titles import TITLES_PER_QUERY

    k = TITLES_PER_QUERY
    target = math.ceil(ids / 100) + math.ceil(titles / k)
    print(f"list: {ids} arXiv links + {titles} link-less titles ({len(text) / 1e3:.0f} kB)")
    print(f"added: {added} of {ids + titles}; error: {error}")
    print(f"API requests: {source.requests_made} ({by_id} id batches + {searches} batched title "
          f"searches; target {math.ceil(ids / 100)} + ⌈{titles}/{k}⌉ = {target})")  # fmt: skip
    found = sum(1 for i in items if i.status == "added" and "title search" in i.reason)
    print(f"titles matched by the batched search: {found} of {titles}")
    print(f"read + extract:      {t1 - t0:.3f} s")
    print(f"plan + resolve:      {t2 - t1:.3f} s (local API, delay 0)")
    print(f"keys + write:        {t3 - t2:.3f} s")
    print(f"wall time:           {t3 - t0:.3f} s")
    print(f"at arXiv's 3 s delay the {source.requests_made} requests alone would take "
          f"{3 * (source.requests_made - 1) / 60:.1f} min")  # fmt: skip


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
