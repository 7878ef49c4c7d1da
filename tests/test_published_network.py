"""The real venue services, by hand only: ``pytest -m network tests/test_published_network.py``.

Excluded by default (``-m "not network"``); each test asks one service once, at its own
politeness, for Ioffe & Szegedy (ICML 2015) — the same paper the stand-ins answer for.
"""

from __future__ import annotations

import os

import pytest

from dlbib.sources.crossref import Crossref
from dlbib.sources.dblp import Dblp
from dlbib.sources.openreview import OpenReview
from dlbib.sources.semanticscholar import SemanticScholar

pytestmark = pytest.mark.network

TITLE = (
    "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift"
)


def test_semantic_scholar_batch() -> None:
    s2 = SemanticScholar(api_key=os.environ.get("DLBIB_S2_API_KEY") or None)
    found = s2.batch(["ARXIV:1502.03167", "ARXIV:1409.2329"])
    assert len(found) == 2
    assert found[0] is not None
    assert found[0].dblp_key.startswith("conf/icml/")


def test_dblp_search() -> None:
    hits = Dblp().search(TITLE)
    assert any(h.source_id == "conf/icml/IoffeS15" and h.volume == "37" for h in hits)


def test_crossref_work() -> None:
    work = Crossref(mailto=os.environ.get("DLBIB_CONTACT_EMAIL") or None).work(
        "10.1109/ICCV.2015.123"
    )
    assert work is not None
    assert work.venue_class == "conference"


def test_openreview_notes() -> None:
    notes = OpenReview().notes_by_title("Recurrent Neural Network Regularization")
    assert all(n.source == "OpenReview" for n in notes)
