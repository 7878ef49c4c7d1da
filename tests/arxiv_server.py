"""A fake arXiv API that answers from recorded Atom files, for tests, benchmarks and offline runs.

It serves ``GET /api/query`` like export.arxiv.org: ``id_list`` look-ups (any number of ids,
entries merged into one feed, honouring ``start`` and ``max_results``) and ``search_query``
title searches (``ti:"a phrase"`` / ``ti:word`` terms joined by AND, matched against the
normalised titles). Entries come from every ``*.xml`` in a folder (raw bytes of each
``<entry>``); with ``synthetic=True`` any well-formed id without a recording gets a generated
entry (the benchmark's 1,000 papers). ``layout="legacy"`` renders the older wrapped layout:
namespaces declared on each prefixed element (``<opensearch:totalResults xmlns:opensearch=…>``),
titles and abstracts wrapped over several lines.

Standalone::

    python -m tests.arxiv_server --port 8765 --data tests/data/arxiv [--synthetic] [--legacy]
    DLBIB_ARXIV_API_URL=http://127.0.0.1:8765/api/query DLBIB_ARXIV_DELAY=0 dlbib sync
"""

from __future__ import annotations

import argparse
import re
import textwrap
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
_NS_DECL = (
    'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom"'
)
_ENTRY_RE = re.compile(rb"<entry>.*?</entry>", re.DOTALL)
_ID_RE = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


@dataclass
class Entry:
    """One recorded entry: its unversioned id, title and raw ``<entry>`` bytes."""

    ident: str
    title: str
    raw: bytes


@dataclass
class FakeArxiv:
    """The answers: recorded entries by id, plus optional synthetic ones."""

    entries: dict[str, Entry] = field(default_factory=dict)
    synthetic: bool = False
    layout: str = "current"
    requests: list[dict[str, list[str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_folder(cls, folder: Path, **options: Any) -> FakeArxiv:
        """Every ``<entry>`` of every ``*.xml`` in ``folder`` (later files win)."""
        api = cls(**options)
        for path in sorted(Path(folder).glob("*.xml")):
            api.add_xml(path.read_bytes())
        return api

    def add_xml(self, data: bytes) -> None:
        """Add the paper entries of one recorded feed (error entries are skipped)."""
        for raw in _ENTRY_RE.findall(data):
            elem = ET.fromstring(raw.replace(b"<entry>", b"<entry " + _NS_DECL.encode() + b">", 1))
            ident = (elem.findtext(f"{ATOM}id") or "").strip()
            if "/abs/" not in ident:
                continue
            ident = re.sub(r"v\d+$", "", ident.split("/abs/", 1)[1])
            title = " ".join((elem.findtext(f"{ATOM}title") or "").split())
            self.entries[ident] = Entry(ident, title, raw)

    def answer(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        """The status and body for one request's query parameters."""
        with self.lock:
            self.requests.append(query)
        ids = [i for i in (query.get("id_list", [""])[0]).split(",") if i]
        search = query.get("search_query", [""])[0]
        start = int(query.get("start", ["0"])[0] or 0)
        size = int(query.get("max_results", ["10"])[0] or 10)
        bad = [i for i in ids if not _ID_RE.match(i)]
        if bad:
            return 400, error_feed(f"incorrect id format for {bad[0]}")
        found = [e for e in (self._lookup(i) for i in ids) if e is not None]
        if search:
            found = [e for e in (found or self.entries.values()) if _matches(search, e.title)]
        return 200, self.feed(found[start : start + size], len(found), start, size)

    def _lookup(self, ident: str) -> Entry | None:
        bare = re.sub(r"v\d+$", "", ident)
        bare = re.sub(r"^([a-z\-]+)\.[A-Z]{2}/", r"\1/", bare)
        if bare in self.entries:
            return self.entries[bare]
        return synthetic_entry(bare) if self.synthetic else None

    def feed(self, entries: list[Entry], total: int, start: int, size: int) -> bytes:
        """A feed holding ``entries``, in this server's layout."""
        if self.layout == "legacy":
            return legacy_feed(entries, total, start, size)
        head = (
            f"<?xml version='1.0' encoding='UTF-8'?>\n<feed {_NS_DECL}>\n"
            "  <id>https://arxiv.org/api/fake</id>\n  <title>arXiv Query</title>\n"
            "  <updated>2026-11-26T00:00:00Z</updated>\n"
            f"  <opensearch:itemsPerPage>{size}</opensearch:itemsPerPage>\n"
            f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
            f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
        ).encode()
        return head + b"".join(b"  " + e.raw + b"\n" for e in entries) + b"</feed>\n"


def _matches(search: str, title: str) -> bool:
    """``ti:`` terms joined by AND; groups of them joined by OR (batched title searches)."""
    groups = re.split(r"\s+OR\s+", search)
    if len(groups) > 1:
        return any(_matches(group, title) for group in groups)
    terms = re.findall(r'ti:(?:"([^"]*)"|(\S+))', search)
    if not terms:
        return False
    words = f" {_words(title)} "
    return all(f" {_words(phrase or word)} " in words for phrase, word in terms)


def synthetic_entry(ident: str) -> Entry:
    """A generated, plausible entry for any id (version 2, two authors, cs.LG)."""
    n = int(re.sub(r"\D", "", ident)[-4:] or 0)
    title = f"Synthetic Study Number {n} of Deep Networks"
    raw = (
        f"<entry>\n    <id>http://arxiv.org/abs/{ident}v2</id>\n"
        f"    <title>{title}</title>\n    <updated>2020-02-0{1 + n % 9}T00:00:00Z</updated>\n"
        f'    <link href="https://arxiv.org/abs/{ident}v2" rel="alternate" type="text/html"/>\n'
        f"    <summary>We study deep networks, case {n}, and report 4.9% error "
        f"with ImageNet.</summary>\n"
        '    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>\n'
        f"    <published>2020-01-0{1 + n % 9}T00:00:00Z</published>\n"
        '    <arxiv:primary_category term="cs.LG"/>\n'
        f"    <author>\n      <name>Ada Synth{n}</name>\n    </author>\n"
        "    <author>\n      <name>Alan Turing</name>\n    </author>\n  </entry>"
    )
    return Entry(ident, title, raw.encode())


def error_feed(message: str) -> bytes:
    """arXiv's error feed (what it sends with HTTP 400), in the older layout it still uses."""
    slug = re.sub(r"\W+", "_", message)
    osns = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        '  <link href="http://arxiv.org/api/query" rel="self" type="application/atom+xml"/>\n'
        '  <title type="html">ArXiv Query: error</title>\n'
        "  <id>http://arxiv.org/api/error</id>\n"
        "  <updated>2026-11-26T00:00:00-05:00</updated>\n"
        f"  <opensearch:totalResults {osns}>1</opensearch:totalResults>\n"
        f"  <opensearch:startIndex {osns}>0</opensearch:startIndex>\n"
        f"  <opensearch:itemsPerPage {osns}>1</opensearch:itemsPerPage>\n"
        "  <entry>\n"
        f"    <id>http://arxiv.org/api/errors#{slug}</id>\n"
        "    <title>Error</title>\n"
        f"    <summary>{escape(message)}</summary>\n"
        "    <updated>2026-11-26T00:00:00-05:00</updated>\n"
        f'    <link href="http://arxiv.org/api/errors#{slug}" rel="alternate" type="text/html"/>\n'
        "    <author>\n      <name>arXiv api core</name>\n    </author>\n"
        "  </entry>\n</feed>\n"
    ).encode()


def _wrap(text: str, indent: str) -> str:
    lines = textwrap.wrap(
        " ".join(text.split()), 70, break_on_hyphens=False, break_long_words=False
    )
    return ("\n" + indent).join(lines)


def legacy_entry(raw: bytes) -> str:
    """One entry re-rendered in the older layout (inline namespaces, wrapped text)."""
    e = ET.fromstring(raw.replace(b"<entry>", b"<entry " + _NS_DECL.encode() + b">", 1))
    arx = 'xmlns:arxiv="http://arxiv.org/schemas/atom"'
    lines = [
        "  <entry>",
        f"    <id>{escape(e.findtext(f'{ATOM}id') or '')}</id>",
        f"    <updated>{e.findtext(f'{ATOM}updated')}</updated>",
        f"    <published>{e.findtext(f'{ATOM}published')}</published>",
        f"    <title>{escape(_wrap(e.findtext(f'{ATOM}title') or '', '  '))}</title>",
        f"    <summary>  {escape(_wrap(e.findtext(f'{ATOM}summary') or '', ''))}\n</summary>",
    ]
    for author in e.iter(f"{ATOM}author"):
        lines.append(f"    <author>\n      <name>{escape(author.findtext(f'{ATOM}name') or '')}"
                     "</name>\n    </author>")  # fmt: skip
    for tag in ("doi", "comment", "journal_ref"):
        value = e.findtext(f"{ARXIV}{tag}")
        if value:
            lines.append(f"    <arxiv:{tag} {arx}>{escape(_wrap(value, '  '))}</arxiv:{tag}>")
    for link in e.iter(f"{ATOM}link"):
        attrs = " ".join(f'{k}="{escape(v)}"' for k, v in link.attrib.items())
        lines.append(f"    <link {attrs}/>")
    primary = e.find(f"{ARXIV}primary_category")
    if primary is not None:
        lines.append(
            f'    <arxiv:primary_category {arx} term="{primary.get("term")}" '
            'scheme="http://arxiv.org/schemas/atom"/>'
        )
    for cat in e.iter(f"{ATOM}category"):
        lines.append(
            f'    <category term="{cat.get("term")}" scheme="http://arxiv.org/schemas/atom"/>'
        )
    lines.append("  </entry>")
    return "\n".join(lines)


def legacy_feed(entries: list[Entry], total: int, start: int, size: int) -> bytes:
    """A whole feed in the older layout."""
    osns = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        '  <link href="http://arxiv.org/api/query" rel="self" type="application/atom+xml"/>\n'
        '  <title type="html">ArXiv Query: fake</title>\n'
        "  <id>http://arxiv.org/api/fake</id>\n"
        "  <updated>2016-01-01T00:00:00-05:00</updated>\n"
        f"  <opensearch:totalResults {osns}>{total}</opensearch:totalResults>\n"
        f"  <opensearch:startIndex {osns}>{start}</opensearch:startIndex>\n"
        f"  <opensearch:itemsPerPage {osns}>{size}</opensearch:itemsPerPage>\n"
    )
    body = "\n".join(legacy_entry(e.raw) for e in entries)
    return (head + body + ("\n" if body else "") + "</feed>\n").encode()


def werkzeug_handler(api: FakeArxiv) -> Any:
    """A pytest-httpserver handler: ``httpserver.expect_request(...).respond_with_handler(…)``."""
    from werkzeug import Response

    def handle(request: Any) -> Any:
        status, body = api.answer({k: request.args.getlist(k) for k in request.args})
        return Response(body, status=status, content_type="application/atom+xml; charset=utf-8")

    return handle


def make_server(api: FakeArxiv, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A stdlib HTTP server answering ``/api/query`` from ``api`` (not yet serving)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path.rstrip("/") != "/api/query":
                self.send_error(404)
                return
            status, body = api.answer(parse_qs(parts.query, keep_blank_values=True))
            self.send_response(status)
            self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return ThreadingHTTPServer((host, port), Handler)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--data", type=Path, default=Path(__file__).parent / "data" / "arxiv")
    parser.add_argument("--synthetic", action="store_true", help="answer any id")
    parser.add_argument("--legacy", action="store_true", help="the older wrapped layout")
    args = parser.parse_args(argv)
    api = FakeArxiv.from_folder(
        args.data, synthetic=args.synthetic, layout="legacy" if args.legacy else "current"
    )
    server = make_server(api, args.host, args.port)
    print(f"fake arXiv API with {len(api.entries)} entries on "
          f"http://{args.host}:{server.server_port}/api/query", flush=True)  # fmt: skip
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
