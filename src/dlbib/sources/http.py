"""What both HTTP clients (arXiv API, PDF hosts) share: User-Agent, throttle, Retry-After.

Private and small; it sends nothing and imports no HTTP library.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Final

RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
"""Statuses worth retrying after a wait: rate limiting and server trouble."""


def user_agent() -> str:
    """``dlbib/<version> (+https://github.com/dlbib/dlbib)``: who is asking, and where to read."""
    from dlbib import __version__

    return f"dlbib/{__version__} (+https://github.com/dlbib/dlbib)"


class Throttle:
    """Spaces calls at least ``min_interval`` seconds apart, with an injected clock and sleep."""

    def __init__(
        self,
        min_interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.min_interval = min_interval
        self.clock = clock
        self.sleep = sleep
        self._last: float | None = None

    def wait(self) -> float:
        """Sleep until ``min_interval`` has passed since the previous call, then mark now.

        :returns: the seconds slept.
        """
        slept = 0.0
        if self._last is not None:
            remaining = self.min_interval - (self.clock() - self._last)
            if remaining > 0:
                self.sleep(remaining)
                slept = remaining
        self._last = self.clock()
        return slept


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date); None when absent or invalid."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
