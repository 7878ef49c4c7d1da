"""A wall-clock watchdog for one HTTP request: at the deadline, its sockets are shut down.

Socket timeouts restart with every byte, so a server dripping its *headers* a byte a second
(``http.client`` reads them line by line) is not stopped by any read timeout. The
:class:`Watch` holds every connection urllib3 hands out while it is active (through the pool
classes below, which :class:`~dlbib.sources.http.HttpClient` mounts on its session) and, when
its timer fires, shuts their sockets down, so the blocked read returns and the request fails.
The body is bounded separately, piece by piece, by the client itself; the watch backs that up.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType
from typing import Any, Final

from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_local = threading.local()


class Watch:
    """Shut down the sockets of the connections taken while active, after ``seconds``."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self._fire)
        self._timer.daemon = True

    def add(self, connection: Any) -> None:
        with self._lock:
            self._connections.append(connection)
            if self.fired:
                _shut(connection)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for connection in self._connections:
                _shut(connection)

    def __enter__(self) -> Watch:
        _local.watch = self
        self._timer.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._timer.cancel()
        if getattr(_local, "watch", None) is self:
            _local.watch = None


def _shut(connection: Any) -> None:
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class _Watched:
    """Pool mixin: every connection handed out joins the thread's active :class:`Watch`."""

    def _get_conn(self, timeout: float | None = None) -> Any:
        connection = super()._get_conn(timeout)  # type: ignore[misc]
        watch = getattr(_local, "watch", None)
        if watch is not None:
            watch.add(connection)
        return connection


class WatchedHTTPConnectionPool(_Watched, HTTPConnectionPool):
    """An HTTP pool whose connections a :class:`Watch` can cut."""


class WatchedHTTPSConnectionPool(_Watched, HTTPSConnectionPool):
    """An HTTPS pool whose connections a :class:`Watch` can cut."""


POOL_CLASSES: Final = {"http": WatchedHTTPConnectionPool, "https": WatchedHTTPSConnectionPool}
"""For ``PoolManager.pool_classes_by_scheme``."""
