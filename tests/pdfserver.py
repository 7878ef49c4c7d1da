"""A tiny real HTTP server for PDF tests and benchmarks, and small valid PDFs made on the spot.

pytest-httpserver cannot hang mid-response, cut a body short or lie about Content-Length, so
this server does exactly what each :class:`Reply` says and counts the body bytes it sends.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def make_pdf(text: str = "dlbib test", size: int = 0) -> bytes:
    """A valid one-page PDF showing ``text``, padded with a comment to at least ``size`` bytes."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    padding = size - len(out) - 200 - 20 * len(objects)
    if padding > 0:  # comment lines of 79 characters: still a valid PDF
        line = b"%" + b"x" * 78 + b"\n"
        out += line * (padding // len(line) + 1)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@dataclass
class Reply:
    """One response: status, body, headers, and the faults to simulate."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/pdf"})
    content_length: int | None = -1
    """The announced length: -1 for the real one, None for none (the connection then closes)."""
    send: int | None = None
    """Send only this many body bytes, then close (a truncated body)."""
    hang: float = 0.0
    """Wait this long (or until the server stops) after the headers, before the body."""


@dataclass
class Request:
    path: str
    headers: dict[str, str]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up mid-body is what the fault tests do on purpose


class PdfServer:
    """Serves :class:`Reply` sequences per path on 127.0.0.1; unknown paths get 404."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.default: Reply | None = None
        """The reply for paths without a route (None: 404)."""
        self.requests: list[Request] = []
        self.bytes_sent = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, *replies: Reply) -> str:
        """Serve ``replies`` in order at ``path`` (the last one repeats); returns the URL."""
        self.routes[path] = list(replies)
        return self.url(path)

    def pdf(self, path: str, body: bytes) -> str:
        return self.add(path, Reply(body=body))

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append(Request(handler.path, dict(handler.headers)))
            replies = self.routes.get(handler.path)
            if not replies:
                reply = self.default or Reply(404, b"not found", {"Content-Type": "text/plain"})
            else:
                reply = replies.pop(0) if len(replies) > 1 else replies[0]
        try:
            self._send(handler, reply)
        except OSError:  # the client hung up (timeouts, refused bodies)
            handler.close_connection = True

    def _send(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        handler.send_response(reply.status)
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        length = len(reply.body) if reply.content_length == -1 else reply.content_length
        if length is not None:
            handler.send_header("Content-Length", str(length))
        if length is None or reply.send is not None or length != len(reply.body):
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        handler.wfile.flush()
        if reply.hang:
            self._stop.wait(reply.hang)
        body = reply.body if reply.send is None else reply.body[: reply.send]
        handler.wfile.write(body)
        handler.wfile.flush()
        with self._lock:
            self.bytes_sent += len(body)

    def close(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
