"""entry_digest (library/derived.py) is a function of the entry's text alone: the same for
equal entries whatever strings Python happens to share between them, distinct for any
difference (lone surrogates, NULs and str subclasses included), never an error."""

from __future__ import annotations

import sys

from dlbib.library.derived import entry_digest
from dlbib.library.model import Reference


class Text(str):
    """A str subclass (not marshallable: the digest falls back to the repr)."""


def test_equal_entries_have_one_digest_whatever_their_strings_share() -> None:
    shared = sys.intern("shared value")
    one = Reference("k", "article", {"title": shared, "note": shared})
    copy = "".join(["shared", " value"])
    other = Reference(
        "".join("k"), "article", {"title": copy, "note": "".join(["shared ", "value"])}
    )
    assert one.fields["title"] is one.fields["note"]
    assert other.fields["title"] is not other.fields["note"]
    assert entry_digest(one) == entry_digest(other)


def test_every_difference_is_another_digest() -> None:
    entries = [
        Reference("k", "misc", {}),
        Reference("k", "misc", {"a": ""}),
        Reference("k", "misc", {"a": "\ud800"}),
        Reference("k", "misc", {"a": "\udc00"}),
        Reference("k", "misc", {"a": "é"}),
        Reference("k", "misc", {"a": "e\u0301"}),
        Reference("k", "misc", {"a": "b", "c": "d"}),
        Reference("k", "misc", {"c": "d", "a": "b"}),
        Reference("k", "misc", {"a": "b\x00c"}),
        Reference("k\x00a\x00b", "misc", {}),
        Reference("k", "misc\x00a", {"b": ""}),
    ]
    digests = {entry_digest(ref) for ref in entries}
    assert len(digests) == len(entries)


def test_a_str_subclass_is_digested_too() -> None:
    ref = Reference(Text("k"), "misc", {"a": Text("b")})
    again = Reference(Text("k"), "misc", {"a": Text("b")})
    assert entry_digest(ref) == entry_digest(again)
    assert entry_digest(ref) != entry_digest(Reference("k", "misc", {"a": "c"}))
