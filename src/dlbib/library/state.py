"""The sync sidecar: what dlbib knows beside library.bib (``<name>.dlbib.json``).

It records, per citation key, what sync last fetched from arXiv (so user edits can be told
from upstream changes), the arXiv version and fetch time, each downloaded PDF's path,
SHA-256 and size, and the published version sync confirmed (and what of it it applied).
It is small, deterministic (sorted keys, two-space indent, trailing newline) and meant to be
committed with the library. It does not know how any of that is obtained.

Layout::

    {
      "format": 1,
      "entries": {
        "<key>": {
          "arxiv": {...},     # sync: id, version, fetched_at, ...
          "fetched": {...},   # sync: field -> raw value as last fetched
          "pdf": {...},       # PDFs: path, sha256, size, url, ...
          "published": {...}  # published versions: status, venue, venue_class, confirmed_by,
                              #   record (the publication), checked_at, fields (last applied)
        }
      }
    }
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from dlbib.errors import LibraryError
from dlbib.library.backups import keep_backup
from dlbib.library.files import atomic_write

STATE_FORMAT: Final = 1


@dataclass
class SyncState:
    """The sidecar's content; ``entries`` maps citation keys to per-concern sections."""

    path: Path
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def section(self, key: str, name: str) -> dict[str, Any]:
        """The ``name`` section of ``key`` (created empty when missing), for updating in place."""
        section: dict[str, Any] = self.entries.setdefault(key, {}).setdefault(name, {})
        return section

    def get(self, key: str, name: str) -> dict[str, Any] | None:
        """The ``name`` section of ``key``, or None when there is none."""
        section: dict[str, Any] | None = self.entries.get(key, {}).get(name)
        return section

    def drop(self, key: str, name: str) -> None:
        """Remove one section (and the key when it is left empty)."""
        entry = self.entries.get(key)
        if entry is not None:
            entry.pop(name, None)
            if not entry:
                del self.entries[key]

    def render(self) -> str:
        """The deterministic JSON text (``json.dumps(indent=2, sort_keys=True,
        ensure_ascii=False)``, byte for byte)."""
        data = {"format": STATE_FORMAT, "entries": self.entries}
        out: list[str] = []
        _encode(data, "\n", out)
        out.append("\n")
        return "".join(out)


_encode_str: Final = json.encoder.encode_basestring  # the C encoder json.dumps uses for str


@functools.lru_cache(maxsize=16)
def _leaf_encoder(inner: str) -> Callable[[dict[str, Any], int], list[str]] | None:
    """json's C encoder for a flat dict of strings and ints, items separated by ``,`` and
    ``inner`` (newline and indent) and sorted: it writes a leaf section as the indented dump
    does, at twice the speed of formatting each item here. None where json has no C encoder
    (another Python implementation)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    encoder: Callable[[dict[str, Any], int], list[str]] = make(
        None, _no_default, _encode_str, None, ": ", "," + inner, True, False, True
    )
    return encoder


def _no_default(value: object) -> object:
    raise TypeError(f"{type(value).__name__} is not JSON serializable")  # never: leaves only


def _encode(value: object, newline: str, out: list[str]) -> None:
    """Append ``value`` as json.dumps writes it with ``indent=2, sort_keys=True,
    ensure_ascii=False``: Python 3.10-3.12 encode an indented dump in pure Python, a generator
    per level and item (this takes two thirds of its time on a sidecar). Anything but dicts
    with string keys, lists, strings and ints goes to json itself."""
    if type(value) is str:
        out.append(_encode_str(value))
    elif type(value) is dict and value and all(type(k) is str for k in value):
        inner = newline + "  "
        if all(type(v) is str or type(v) is int for v in value.values()):  # a leaf section
            leaf = _leaf_encoder(inner)
            if leaf is not None:  # json's C encoder, its items joined by newline and indent
                out.append("{" + inner + "".join(leaf(value, 0))[1:-1] + newline + "}")
                return
            items = [
                f"{_encode_str(k)}: {_encode_str(v) if type(v) is str else int.__repr__(v)}"
                for k, v in sorted(value.items())
            ]
            out.append("{" + inner + ("," + inner).join(items) + newline + "}")
            return
        sep = "{" + inner
        for key in sorted(value):
            out.append(sep)
            out.append(_encode_str(key))
            out.append(": ")
            _encode(value[key], inner, out)
            sep = "," + inner
        out.append(newline + "}")
    elif type(value) is list and value:
        inner = newline + "  "
        sep = "[" + inner
        for item in value:
            out.append(sep)
            _encode(item, inner, out)
            sep = "," + inner
        out.append(newline + "]")
    elif type(value) is int:
        out.append(int.__repr__(value))
    else:  # floats, bools, None, empty containers, subclasses, non-string keys
        text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
        out.append(text.replace("\n", newline))


def load_state(path: Path) -> SyncState:
    """Read the sidecar; a missing file is an empty state.

    :raises LibraryError: when it exists but is not valid JSON of the expected shape.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return SyncState(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise LibraryError(path, f"cannot be read: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LibraryError(path, f"is not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("entries", {}), dict):
        raise LibraryError(path, "is not a dlbib sync state file")
    if data.get("format", STATE_FORMAT) > STATE_FORMAT:
        raise LibraryError(path, "was written by a newer dlbib; upgrade dlbib")
    return SyncState(path, data.get("entries", {}))


def save_state(state: SyncState) -> bool:
    """Write the sidecar atomically; returns False when its bytes were already the same.

    :raises LibraryError: when it cannot be written.
    """
    data = state.render().encode("utf-8")
    try:
        if state.path.read_bytes() == data:
            return False
    except OSError:
        pass
    try:
        atomic_write(state.path, data, before_replace=keep_backup)
    except OSError as exc:
        raise LibraryError(state.path, f"cannot be written: {exc.strerror or exc}") from exc
    return True
