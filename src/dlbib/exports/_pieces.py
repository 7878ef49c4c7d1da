"""A whole export's text in pieces: ``str``, or UTF-8 ``bytes`` as a results table keeps them.

An export of 10,000 entries is tens of MB, so it is never joined into one string: a writer
encodes and writes it piece by piece. An entry taken from a results table
(:mod:`dlbib.library.derived`) is already UTF-8, so a file made only of such entries is written
without decoding or encoding anything; any other piece is text, encoded as it is written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

Piece = str | bytes
"""Text, or the UTF-8 encoding of text."""


def framed(head: str, items: Sequence[Piece], sep: str, tail: str) -> list[Piece]:
    """The pieces of ``head + sep.join(items) + tail``, never joined here. Items all bytes: so
    are the pieces; any text among them: all are text."""
    if not items:
        return [head, tail]
    kinds = set(map(type, items))
    if kinds == {bytes}:
        return _laid_out(head.encode(), items, sep.encode(), tail.encode())
    if bytes in kinds:
        items = [as_text(item) for item in items]
    return _laid_out(head, items, sep, tail)


def _laid_out(head: Piece, items: Sequence[Piece], sep: Piece, tail: Piece) -> list[Piece]:
    pieces = [sep] * (2 * len(items) + 1)  # head, item, sep, item, ..., sep, item, tail
    pieces[1::2] = items
    pieces[0], pieces[-1] = head, tail
    return pieces


def as_text(piece: Piece) -> str:
    """One piece as text."""
    return piece.decode("utf-8") if isinstance(piece, bytes) else piece


def joined(pieces: Sequence[Piece]) -> str:
    """The whole text of ``pieces``."""
    if bytes in set(map(type, pieces)):
        return "".join(map(as_text, pieces))
    return "".join(pieces)  # type: ignore[arg-type]  # only str


def encoded(pieces: Sequence[Piece], batch: int = 2048) -> Iterator[bytes]:
    """The pieces as UTF-8, ``batch`` pieces at a time (a thousand entries: a MB or two)."""
    every_bytes = set(map(type, pieces)) == {bytes}
    for start in range(0, len(pieces), batch):
        chunk = pieces[start : start + batch]
        if every_bytes:
            yield b"".join(chunk)  # type: ignore[arg-type]  # only bytes
        else:
            yield b"".join(map(_utf8, chunk))


def _utf8(piece: Piece) -> bytes:
    return piece if isinstance(piece, bytes) else piece.encode("utf-8")


def utf8_or_none(text: str) -> bytes | None:
    """``text`` as UTF-8, or None when it cannot be (a lone surrogate: kept as text, so that
    writing it fails as it would have)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None
