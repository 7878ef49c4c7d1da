"""What the sidecar knows of published versions, for the steps that only read it.

``dlbib sync`` records, per entry, the published version it confirmed (sidecar section
``published``: ``status``, ``venue`` as a short description, ``confirmed_by``). ``dlbib check``
and ``dlbib cite`` use this module to say which entries are cited as preprints although their
published version is known. It never looks anything up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from dlbib.library.model import Reference

if TYPE_CHECKING:
    from dlbib.library.state import SyncState

_PLACEHOLDER: Final = re.compile(r"^\s*(?:arxiv|corr)\b|arxiv\s*:?\s*\d{4}\.\d{4,5}", re.IGNORECASE)


def is_preprint_entry(ref: Reference) -> bool:
    """True when the entry reads as a preprint: no venue, or an arXiv/CoRR placeholder."""
    venue = ref.get("booktitle") or ref.get("journal") or ref.get("journaltitle")
    return not venue or bool(_PLACEHOLDER.search(venue))


def is_arxiv_placeholder(text: str) -> bool:
    """True for ``arXiv preprint arXiv:1502.03167``, ``CoRR``, ``arXiv:1506.00019 [cs.LG]``."""
    return bool(_PLACEHOLDER.search(text))


@dataclass(frozen=True)
class KnownPublication:
    """A published version sync confirmed for an entry."""

    key: str
    venue: str
    """``ICML 2015 (PMLR 37, pp. 448–456)``."""
    confirmed_by: str

    def message(self) -> str:
        """The sentence ``check`` and ``cite`` print."""
        return (
            f"cited as a preprint, but published in {self.venue} (confirmed by "
            f"{self.confirmed_by}); `dlbib sync --accept-published {self.key}` cites that"
        )


def known_publication(state: SyncState, ref: Reference) -> KnownPublication | None:
    """The confirmed published version of ``ref`` when the entry still reads as a preprint."""
    section = state.get(ref.key, "published") or {}
    if section.get("status") != "published" or not section.get("venue"):
        return None
    if not is_preprint_entry(ref):
        return None
    return KnownPublication(ref.key, str(section["venue"]), str(section.get("confirmed_by", "")))
