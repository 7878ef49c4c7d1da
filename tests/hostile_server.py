"""A local HTTP server that misbehaves on purpose: bombs, drips, huge bodies, bad redirects.

pytest-httpserver answers whole bodies at once, so it cannot drip a byte at a time or send a
body without a length; this small threaded server can. Each route is a function writing the
raw answer to the socket (status line, headers, body), so every fault is exactly what is sent.
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Route = Callable[[BaseHTTPRequestHandler], None]


def gzip_bomb(inflated_mib: int) -> bytes:
    """``inflated_mib`` MiB of zeros as a gzip body of about 1 KiB per MiB.

    Built from one compressed MiB repeated as gzip members (a valid gzip stream: members
    concatenate), so making a 1 GiB bomb costs one MiB of compression.
    """
    member = gzip.compress(b"\0" * (1 << 20), compresslevel=9)
    return member * inflated_mib


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol9;</title></feed>
"""
"""The classic entity-expansion bomb (a few hundred bytes that expand to 3 GB), as an Atom feed."""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&xxe;</title></feed>
"""
"""An external-entity (XXE) answer that would read a local file into the title."""


def head(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str]) -> None:
    """Send a status line and headers (``Connection: close`` always)."""
    handler.send_response(status)
    for name, value in {**headers, "Connection": "close"}.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.flush()


def body(
    data: bytes, status: int = 200, content_type: str = "application/json", **extra: str
) -> Route:
    """A complete answer with a Content-Length (headers given as keyword arguments)."""
    headers = {"Content-Type": content_type, "Content-Length": str(len(data)), **extra}

    def route(handler: BaseHTTPRequestHandler) -> None:
        head(handler, status, {k.replace("_", "-"): v for k, v in headers.items()})
        handler.wfile.write(data)

    return route


def endless(piece: bytes = b"x" * 65536, first: bytes = b"") -> Route:
    """A body with no length that never ends (until the client hangs up)."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        head(handler, 200, {"Content-Type": "application/octet-stream"})
        handler.wfile.write(first)
        while True:
            handler.wfile.write(piece)

    return route


def drip(
    total: int, every: float, content_type: str = "application/json", first: bytes = b""
) -> Route:
    """``total`` bytes announced, ``first`` sent at once, then one byte every ``every`` seconds."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        head(handler, 200, {"Content-Type": content_type, "Content-Length": str(total)})
        handler.wfile.write(first)
        handler.wfile.flush()
        for _ in range(total - len(first)):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(every)

    return route


def drip_headers(every: float, count: int = 1000) -> Route:
    """A status line, then a header dripped a byte every ``every`` seconds (never ending).

    ``http.client`` reads headers line by line and every byte restarts the socket timeout, so
    only a wall-clock watch can stop this.
    """

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        handler.wfile.flush()
        for _ in range(count):
            handler.wfile.write(b"a")
            handler.wfile.flush()
            time.sleep(every)

    return route


def redirect(location: str, status: int = 302) -> Route:
    """A redirect to ``location``."""
    return body(b"", status, "text/plain", Location=location)


def cut_short(data: bytes, send: int) -> Route:
    """``data``'s length announced, only ``send`` bytes sent, then the connection closed."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        head(handler, 200, {"Content-Type": "application/json", "Content-Length": str(len(data))})
        handler.wfile.write(data[:send])

    return route


class HostileServer:
    """A threaded server on 127.0.0.1; ``add(path, *routes)`` answers in turn (last repeats)."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Route]] = {}
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server._handle(self)

            do_POST = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # clients hanging up mid-body is what these tests do on purpose

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, *routes: Route) -> str:
        self.routes[path] = list(routes)
        return self.url(path)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?")[0]
        self.hits[path] = self.hits.get(path, 0) + 1
        routes = self.routes.get(path)
        handler.close_connection = True
        if not routes:
            body(b"not found", 404, "text/plain")(handler)
            return
        route = routes.pop(0) if len(routes) > 1 else routes[0]
        with contextlib.suppress(OSError):  # the client hung up
            route(handler)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def refused_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
