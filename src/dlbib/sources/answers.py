"""Service answers: :class:`HttpResponse`, decoded safely (JSON with clear errors, safe XML).

A 200 answer that is an HTML page where JSON or XML was expected (a bot check, a login portal,
a maintenance page) raises :class:`~dlbib.errors.BotCheckError`. XML is parsed with
``defusedxml``: a document type declaring entities (billion laughs) or external references
(XXE) is refused, and the message says which.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import defusedxml
import defusedxml.ElementTree

from dlbib.errors import BadResponseError, BotCheckError, HttpStatusError

__all__ = ["BodySink", "HttpResponse", "json_of", "looks_like_html", "parse_xml"]


@dataclass(frozen=True)
class HttpResponse:
    """A complete answer: status, headers, the decoded body (empty when streamed to a sink)."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str
    """The URL the answer came from, after redirects."""

    @property
    def ok(self) -> bool:
        """True for 2xx."""
        return 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case (``""`` when absent)."""
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()


def looks_like_html(body: bytes, content_type: str = "") -> bool:
    """True when ``body`` is an HTML page (by its start, or by a text/html media type)."""
    head = body[:512].lstrip().lower()
    return (
        head.startswith((b"<!doctype html", b"<html"))
        or b"<html" in head
        or content_type == "text/html"
    )


def json_of(response: HttpResponse, service: str) -> Any:
    """The JSON value of a 2xx answer.

    :raises HttpStatusError: for a non-2xx status (the start of the body in the message).
    :raises BotCheckError: for an HTML page.
    :raises BadResponseError: for anything else that is not JSON.
    """
    if not response.ok:
        snippet = response.body[:200].decode("utf-8", "replace").strip().replace("\n", " ")
        detail = f": {snippet}" if snippet else ""
        raise HttpStatusError(
            service, f"answered HTTP {response.status}{detail}", response.url, response.status
        )
    if looks_like_html(response.body, response.content_type):
        raise BotCheckError(
            service,
            "answered with an HTML page, not JSON (a bot check or an error page?)",
            response.url,
            response.status,
        )
    try:
        return json.loads(response.body)
    except (ValueError, RecursionError) as exc:
        raise BadResponseError(
            service, f"the answer is not valid JSON ({exc})", response.url, response.status
        ) from exc


def parse_xml(body: bytes, service: str, url: str | None = None) -> ET.Element:
    """``body`` as an XML element tree, entity declarations and external references refused.

    :raises BotCheckError: for an HTML page.
    :raises BadResponseError: not well-formed, or entities/DTDs refused (the message says which).
    """
    if looks_like_html(body):
        raise BotCheckError(
            service, "answered with an HTML page, not XML (a bot check or an error page?)", url
        )
    try:
        root: ET.Element = defusedxml.ElementTree.fromstring(body)
    except defusedxml.EntitiesForbidden as exc:
        target = exc.sysid or exc.pubid
        what = (
            f"declares the external entity {exc.name!r} ({target}); external entities are"
            " never fetched (an XXE attempt?)"
            if target
            else f"declares the XML entity {exc.name!r}; entity expansion is refused"
            " (a billion-laughs attack?)"
        )
        raise BadResponseError(service, f"refused the answer: it {what}", url) from exc
    except defusedxml.ExternalReferenceForbidden as exc:
        raise BadResponseError(
            service,
            f"refused the answer: it references an external resource ({exc.sysid or exc.pubid})",
            url,
        ) from exc
    except defusedxml.DTDForbidden as exc:
        raise BadResponseError(service, "refused the answer: it has a DTD", url) from exc
    except ET.ParseError as exc:
        raise BadResponseError(
            service, f"the answer is not well-formed XML (truncated?): {exc}", url
        ) from exc
    return root


class BodySink(Protocol):
    """Where a streamed 2xx body goes (a PDF's partial file); other answers are buffered."""

    def begin(self, response: HttpResponse) -> None:
        """Called with the status and headers (``body`` empty) before the first piece; again
        when the transfer broke off and is retried: the sink then starts over."""

    def write(self, piece: bytes) -> None:
        """Called with each decoded piece as it arrives."""
