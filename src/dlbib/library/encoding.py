"""Which encoding a library file is in, and its bytes ↔ text in that encoding.

A .bib file is UTF-8 unless it says otherwise: a byte-order mark, JabRef's ``% Encoding: X``
header (JabRef writes ``ISO8859_1``, ``UTF-8``, ``Cp1252``… in its first lines, sometimes
without the ``%``), or the user's ``--encoding`` / ``DLBIB_ENCODING`` / ``dlbib.toml`` choice.
The file is written back in the encoding it was read in, BOM included. This module only
decodes and encodes; it does not parse BibTeX.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from dlbib.errors import LibraryEncodingError, LibraryError, Problem

UTF8: Final = "utf-8"
ENCODING_ENV: Final = "DLBIB_ENCODING"
"""Environment variable naming the encoding of libraries without a header or BOM."""

_override: ContextVar[Callable[[], str | None] | None] = ContextVar(
    "dlbib_library_encoding", default=None
)
_HEADER_RE: Final = re.compile(rb"^[ \t]*%?[ \t]*Encoding:[ \t]*([A-Za-z0-9_.:\-]+)", re.MULTILINE)
_HEADER_LINES: Final = 6
_BOMS: Final = ((codecs.BOM_UTF8, "utf-8"),)  # BibTeX and biber read no UTF-16
# JabRef spells Java charset names; Python knows most of them, not these.
_JAVA_NAMES: Final = {"iso8859_1": "latin-1", "cp1252": "cp1252", "macroman": "mac-roman",
                      "utf8": "utf-8", "iso8859_15": "iso8859-15"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class TextEncoding:
    """How a library file's bytes became text, so a save can turn text back into those bytes."""

    name: str = UTF8
    """A Python codec name (``utf-8``, ``latin-1``, ``cp1252``…)."""
    bom: bytes = b""
    """The byte-order mark the file began with (written back), or empty."""
    source: str = "default"
    """Why this encoding: ``default``, ``bom``, ``header`` (JabRef), or ``option``."""

    @property
    def label(self) -> str:
        """A user-facing name: ``UTF-8``, ``ISO-8859-1``, ``ASCII`` is never claimed here."""
        info = codecs.lookup(self.name)
        return {"utf-8": "UTF-8", "latin-1": "ISO-8859-1", "iso8859-1": "ISO-8859-1"}.get(
            info.name, info.name.upper()
        )


@contextlib.contextmanager
def encoding_override(choice: str | Callable[[], str | None] | None) -> Iterator[None]:
    """Within the block, libraries without a BOM or header are read (and written) as ``choice``
    (a codec name, or a function giving one, called only when a file needs it: the CLI passes
    ``--encoding`` or else ``dlbib.toml``'s ``[library] encoding``). None: ``DLBIB_ENCODING``,
    else UTF-8.
    """
    resolver = (lambda: choice) if isinstance(choice, str) else choice
    token = _override.set(resolver)
    try:
        yield
    finally:
        _override.reset(token)


def check_codec(name: str) -> str:
    """The codec name for ``name`` (Java spellings accepted).

    :raises LookupError: when Python has no such codec.
    """
    normal = _JAVA_NAMES.get(name.strip().lower().replace("-", "_"), name.strip())
    return codecs.lookup(normal).name


def _header_encoding(data: bytes) -> str | None:
    head = b"\n".join(data.split(b"\n", _HEADER_LINES)[:_HEADER_LINES])
    m = _HEADER_RE.search(head)
    if not m:
        return None
    try:
        return check_codec(m.group(1).decode("ascii"))
    except LookupError:
        return None


def detect_encoding(data: bytes, path: Path, requested: str | None = None) -> TextEncoding:
    """The encoding of a library file's bytes: BOM, then JabRef header, then ``requested`` (or
    the override / ``DLBIB_ENCODING``), then UTF-8.

    :raises LibraryError: when the requested encoding is unknown to Python.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return TextEncoding(name, bom, "bom")
    header = _header_encoding(data)
    if header:
        return TextEncoding(header, b"", "header")
    resolver = _override.get()
    choice = requested or (resolver() if resolver else None) or os.environ.get(ENCODING_ENV)
    if choice:
        try:
            return TextEncoding(check_codec(choice), b"", "option")
        except LookupError as exc:
            raise LibraryError(path, f"unknown encoding {choice!r} (--encoding)") from exc
    return TextEncoding()


def decode_library(
    data: bytes, path: Path, requested: str | None = None
) -> tuple[str, TextEncoding]:
    """The text of a library file, and the encoding it was read in.

    :raises LibraryError: when the bytes are not valid in that encoding (with the line).
    """
    enc = detect_encoding(data, path, requested)
    body = data[len(enc.bom) :]
    try:
        return body.decode(enc.name), enc
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        hint = (
            "; name its encoding with --encoding (e.g. latin-1) or DLBIB_ENCODING"
            if enc.source == "default"
            else ""
        )
        raise LibraryEncodingError(
            path,
            f"is not {enc.label}{hint}",
            [Problem(line, f"byte 0x{body[exc.start]:02x} is not {enc.label}")],
        ) from exc


def encode_library(text: str, enc: TextEncoding, path: Path) -> bytes:
    """``text`` as the bytes of a file in ``enc`` (its BOM first).

    :raises LibraryError: when a character cannot be written in that encoding (with its line);
        nothing is written then.
    """
    try:
        data = text.encode(enc.name)
        return enc.bom + data if enc.bom else data  # (no copy of the whole file for nothing)
    except UnicodeEncodeError as exc:
        line = text.count("\n", 0, exc.start) + 1
        char = text[exc.start]
        raise LibraryEncodingError(
            path,
            f"cannot be written in {enc.label}, the file's encoding; nothing was written "
            f"(write the character as LaTeX, or convert with `dlbib format --encoding utf-8`)",
            [Problem(line, f"{char!r} (U+{ord(char):04X}) has no {enc.label} byte")],
        ) from exc
