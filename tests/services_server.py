"""Local stand-ins for Semantic Scholar, DBLP, OpenReview and Crossref, for tests and benchmarks.

One server answers all four under path prefixes, from the fixtures in tests/data/services/
(each an envelope ``{"provenance", "request", "response": {status, headers, body|body_text}}``):

* ``POST /s2/graph/v1/paper/batch``: the papers of every ``batch_*.json`` / ``paper_*.json``
  by ``ARXIV:``/``DOI:`` id, ``null`` for an unknown one, in request order;
* ``GET /dblp/search/publ/api?q=``: the ``search_1*.json`` answer whose query is ``q``
  (``search_no_hits`` otherwise);
* ``GET /openreview/notes?content.title=``: every stand-in note with that exact title;
  ``/openreview/notes/search?term=``: the notes whose title has every word of the term;
* ``GET /crossref/works/<doi>`` (case-insensitive) and ``/crossref/works?query.bibliographic=``
  (the work-lists whose items' title is in the query; the empty list otherwise).

Faults are queued per service (:meth:`FakeServices.fault`): the next requests get that fixture's
response verbatim (an HTML page with 200, truncated JSON, 429 + Retry-After). ``requests``
records every request as ``(service, method, path, query, body)``.

Standalone (the README's session and the benchmark)::

    python -m tests.services_server --port 8766
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

DATA = Path(__file__).parent / "data" / "services"
PREFIXES = {"s2": "/s2/graph/v1", "dblp": "/dblp", "openreview": "/openreview",
            "crossref": "/crossref"}  # fmt: skip


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def load(name: str) -> dict[str, Any]:
    """One fixture envelope, by ``<service>/<file stem>``."""
    envelope: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    return envelope


@dataclass
class FakeServices:
    """The four services' answers, and the faults queued for each."""

    s2: dict[str, dict[str, Any]] = field(default_factory=dict)
    dblp: dict[str, Any] = field(default_factory=dict)
    notes: list[dict[str, Any]] = field(default_factory=list)
    search_notes: list[dict[str, Any]] = field(default_factory=list)
    """Notes only the full-text ``/notes/search`` finds."""
    works: dict[str, dict[str, Any]] = field(default_factory=dict)
    lists: list[dict[str, Any]] = field(default_factory=list)
    faults: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    requests: list[tuple[str, str, str, dict[str, list[str]], Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def standard(cls) -> FakeServices:
        """The seed's six papers: every non-trap stand-in fixture."""
        api = cls()
        batch = load("semantic_scholar/batch_six_papers_with_null")
        for ident, paper in zip(
            batch["request"]["body"]["ids"], batch["response"]["body"], strict=True
        ):
            if paper is not None:
                api.add_s2_paper(paper, ident)
        for path in sorted((DATA / "dblp").glob("search_1*.json")):
            api.use_dblp(f"dblp/{path.stem}")
        for name in ("notes_title_rnn_regularization_trap", "notes_withdrawn_lipton_title"):
            api.notes.extend(load(f"openreview/{name}")["response"]["body"]["notes"])
        for path in sorted((DATA / "crossref").glob("work_10*.json")):
            message = json.loads(path.read_text(encoding="utf-8"))["response"]["body"]["message"]
            api.works[message["DOI"].lower()] = message
        for name in (
            "works_query_bibliographic_delving",
            "works_query_bibliographic_seq2seq_no_doi",
        ):
            api.lists.append(load(f"crossref/{name}")["response"]["body"])
        return api

    def add_s2_paper(self, paper: dict[str, Any], ident: str | None = None) -> None:
        """Answer ``ARXIV:<id>`` and ``DOI:<doi>`` (and ``ident``) with ``paper``."""
        ids = paper.get("externalIds") or {}
        for key in [ident, f"ARXIV:{ids.get('ArXiv')}", f"DOI:{ids.get('DOI')}"]:
            if key and not key.endswith(":None"):
                self.s2[key.upper()] = paper

    def use_dblp(self, name: str) -> None:
        """Serve fixture ``name`` for its query (a trap replaces the normal answer)."""
        envelope = load(name)
        query = parse_qs(urlsplit(envelope["request"]["url"]).query)["q"][0]
        self.dblp[_words(query)] = envelope["response"]["body"]

    def add_dblp_hits(self, query: str, infos: list[dict[str, Any]]) -> None:
        """Answer DBLP query ``query`` with these hit ``info`` objects."""
        hits = [{"@score": "6", "@id": str(i), "info": info, "url": f"URL#{i}"}
                for i, info in enumerate(infos)]  # fmt: skip
        self.dblp[_words(query)] = {"result": {"query": query, "hits": {
            "@total": str(len(hits)), "@computed": str(len(hits)), "@sent": str(len(hits)),
            "@first": "0", "hit": hits}}}  # fmt: skip

    def fault(self, service: str, name: str, times: int = 1) -> None:
        """The next ``times`` requests to ``service`` get fixture ``name``'s response."""
        self.faults[service].extend([load(name)["response"]] * times)

    def count(self, service: str) -> int:
        """Requests received by ``service``."""
        return sum(1 for r in self.requests if r[0] == service)

    # --- answering ---------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """The werkzeug handler for every service."""
        service = next((s for s, p in PREFIXES.items() if request.path.startswith(p)), "")
        path = request.path[len(PREFIXES.get(service, "")) :]
        query = parse_qs(request.query_string.decode(), keep_blank_values=True)
        body = request.get_json(silent=True) if request.method == "POST" else None
        with self.lock:
            self.requests.append((service, request.method, path, query, body))
            queued = self.faults[service].pop(0) if self.faults[service] else None
        if queued is not None:
            return _envelope_response(queued)
        answer = getattr(self, f"_{service}", None) if service else None
        if answer is None:
            return Response("not found", status=404)
        status, data = answer(request.method, path, query, body)
        if isinstance(data, str):
            return Response(data, status=status, content_type="text/plain")
        return Response(json.dumps(data), status=status, content_type="application/json")

    def _s2(self, method: str, path: str, query: Any, body: Any) -> tuple[int, Any]:
        if method != "POST" or path != "/paper/batch" or not isinstance(body, dict):
            return 400, {"error": "Unrecognized request"}
        ids = body.get("ids") or []
        if len(ids) > 500:
            return 400, {"error": "Cannot process more than 500 ids at once"}
        return 200, [self.s2.get(str(i).upper()) for i in ids]

    def _dblp(self, method: str, path: str, query: Any, body: Any) -> tuple[int, Any]:
        q = _words(query.get("q", [""])[0])
        if q in self.dblp:
            return 200, self.dblp[q]
        return 200, load("dblp/search_no_hits")["response"]["body"]

    def _openreview(self, method: str, path: str, query: Any, body: Any) -> tuple[int, Any]:
        if path == "/notes/search":
            words = set(_words(query.get("term", [""])[0]).split())
            found = [n for n in self.notes + self.search_notes
                     if words <= set(_words(n["content"]["title"]["value"]).split())]  # fmt: skip
            return 200, {"count": len(found), "notes": found}
        title = query.get("content.title", [""])[0]
        found = [n for n in self.notes if n["content"]["title"]["value"] == title]
        return 200, {"count": len(found), "notes": found}

    def _crossref(self, method: str, path: str, query: Any, body: Any) -> tuple[int, Any]:
        envelope = {"status": "ok", "message-version": "1.0.0"}
        if path.startswith("/works/"):
            work = self.works.get(unquote(path[len("/works/") :]).lower())
            if work is None:
                return 404, "Resource not found."
            return 200, {**envelope, "message-type": "work", "message": work}
        words = f" {_words(query.get('query.bibliographic', [''])[0])} "
        for listing in self.lists:
            items = listing["message"]["items"]
            if items and f" {_words(items[-1]['title'][0])} " in words:
                return 200, listing
        return 200, load("crossref/works_query_empty")["response"]["body"]


# recorded headers describing the recorded transfer, not the body as served here
_HOP_HEADERS = {"content-length", "content-type", "content-encoding", "transfer-encoding",
                "connection", "date", "server"}  # fmt: skip


def _envelope_response(response: dict[str, Any]) -> Response:
    headers = {k: v for k, v in response.get("headers", {}).items()
               if k.lower() not in _HOP_HEADERS}  # fmt: skip
    ctype = next((v for k, v in response.get("headers", {}).items() if k.lower() == "content-type"),
                 "application/json")  # fmt: skip
    data = response["body_text"] if "body_text" in response else json.dumps(response["body"])
    return Response(data, status=response["status"], headers=headers, content_type=ctype)


def service_env(base: str) -> dict[str, str]:
    """The environment pointing dlbib at stand-ins served at ``base`` (``http://host:port``)."""
    return {
        "DLBIB_S2_API_URL": base + PREFIXES["s2"],
        "DLBIB_DBLP_API_URL": base + PREFIXES["dblp"],
        "DLBIB_OPENREVIEW_API_URL": base + PREFIXES["openreview"],
        "DLBIB_CROSSREF_API_URL": base + PREFIXES["crossref"],
        "DLBIB_S2_DELAY": "0", "DLBIB_DBLP_DELAY": "0", "DLBIB_OPENREVIEW_DELAY": "0",
        "DLBIB_CROSSREF_DELAY": "0",
    }  # fmt: skip


class ServiceThread:
    """The stand-ins served from a thread (the benchmark; tests use pytest-httpserver)."""

    def __init__(self, api: FakeServices, host: str = "127.0.0.1", port: int = 0) -> None:
        @Request.application
        def app(request: Request) -> Response:
            return api.handle(request)

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self.server = make_server(host, port, app, threaded=True)
        self.base = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args(argv)
    served = ServiceThread(FakeServices.standard(), port=args.port)
    print(f"stand-ins on {served.base}: " + " ".join(f"{k}={v}" for k, v in
          service_env(served.base).items() if k.endswith("URL")), flush=True)  # fmt: skip
    try:
        served.thread.join()
    except KeyboardInterrupt:
        served.close()


if __name__ == "__main__":
    main()
