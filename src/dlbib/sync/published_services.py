"""The four venue/DOI services of one sync, built from the library's settings.

Holds one client per service for the whole run (so each service's throttle spans every
look-up), counts their requests and remembers which ones went down (throttled, unreachable, a
bot-check page): a down service is not asked again in the same run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from dlbib.errors import ServiceError
from dlbib.sources.crossref import CROSSREF_API_URL, Crossref
from dlbib.sources.dblp import DBLP_API_URL, Dblp
from dlbib.sources.dblp import DEFAULT_DELAY as DBLP_DELAY
from dlbib.sources.openreview import DEFAULT_DELAY as OPENREVIEW_DELAY
from dlbib.sources.openreview import OPENREVIEW_API_URL, OpenReview
from dlbib.sources.semanticscholar import S2_API_URL, SemanticScholar
from dlbib.sources.service import ServiceClient

if TYPE_CHECKING:
    from dlbib.config import Config

C = TypeVar("C", bound=ServiceClient)
T = TypeVar("T")


@dataclass
class Services:
    """One client per service (None: not used)."""

    s2: SemanticScholar | None = None
    dblp: Dblp | None = None
    openreview: OpenReview | None = None
    crossref: Crossref | None = None

    @classmethod
    def from_config(cls, config: Config) -> Services:
        """Clients on the configured URLs and delays (each service's defaults otherwise)."""
        return cls(
            s2=SemanticScholar(
                config.s2_api_url or S2_API_URL,
                api_key=config.s2_api_key or None,
                delay=config.s2_delay,
                deadline=config.http_deadline,
            ),
            dblp=Dblp(
                config.dblp_api_url or DBLP_API_URL,
                delay=_or(config.dblp_delay, DBLP_DELAY),
                deadline=config.http_deadline,
            ),
            openreview=OpenReview(
                config.openreview_api_url or OPENREVIEW_API_URL,
                delay=_or(config.openreview_delay, OPENREVIEW_DELAY),
                deadline=config.http_deadline,
            ),
            crossref=Crossref(
                config.crossref_api_url or CROSSREF_API_URL,
                mailto=config.contact_email or None,
                delay=config.crossref_delay,
                deadline=config.http_deadline,
            ),
        )

    def clients(self) -> list[ServiceClient]:
        """The clients in use, in report order."""
        return [c for c in (self.s2, self.dblp, self.openreview, self.crossref) if c is not None]

    def call(self, client: C, request: Callable[[C], T]) -> T:
        """Run one request on ``client``; a down client raises its error at once."""
        if client.down is not None:
            raise client.down
        try:
            return request(client)
        except ServiceError as exc:
            self.mark_down(client, exc)
            raise

    def mark_down(self, client: ServiceClient, exc: ServiceError) -> None:
        """Take ``client`` out of this run (it failed as a whole, not for one entry)."""
        if client.down is None:
            client.down = exc

    def drop_tracebacks(self) -> None:
        """Forget where the down errors were raised (type and message stay): a kept traceback
        holds the run's frames, and through them the library, in a cycle that only the cycle
        collector would free (a 10k library walked once more, for nothing)."""
        for client in self.clients():
            seen: set[int] = set()
            exc: BaseException | None = client.down
            while exc is not None and id(exc) not in seen:
                seen.add(id(exc))
                exc.__traceback__ = None
                exc = exc.__cause__ or exc.__context__

    def is_down(self, client: ServiceClient) -> bool:
        return client.down is not None

    def requests(self) -> dict[str, int]:
        """Requests sent per service."""
        return {c.name: c.requests_made for c in self.clients()}

    def down(self) -> dict[str, str]:
        """Service → why it was left out of the run."""
        return {c.name: str(c.down) for c in self.clients() if c.down is not None}


def _or(value: float | None, default: float) -> float:
    return default if value is None else value
