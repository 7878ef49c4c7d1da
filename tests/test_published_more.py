"""Published versions of papers outside the seed (review of issue 15): the stand-ins in
tests/data/services/*/more_*.json, built in each API's documented shape (their provenance says
so): Adam (ICLR 2015, S2 names only its CoRR key), LAION-5B (NeurIPS 2022 Datasets &
Benchmarks, filed by DBLP under NeurIPS) and Dropout (JMLR 2014, no DOI; Crossref finds only a
same-title paper by other authors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlbib.library.bibfile import load_library

from .services_server import load
from .test_published import by_key, make_services, resolve

__all__ = ["make_services"]

BIB = """\
@misc{kingma2014adam,
  author = {Kingma, Diederik P. and Ba, Jimmy},
  title = {Adam: A Method for Stochastic Optimization},
  year = {2014},
  eprint = {1412.6980},
  archiveprefix = {arXiv},
}

@misc{schuhmann2022laion,
  author = {Schuhmann, Christoph and Beaumont, Romain and Vencu, Richard and Gordon, Cade},
  title = {{LAION-5B}: An open large-scale dataset for training next generation image-text models},
  year = {2022},
  eprint = {2210.08402},
  archiveprefix = {arXiv},
}

@article{srivastava2014dropout,
  author = {Srivastava, Nitish and Hinton, Geoffrey and Krizhevsky, Alex and Sutskever, Ilya
    and Salakhutdinov, Ruslan},
  title = {Dropout: A Simple Way to Prevent Neural Networks from Overfitting},
  journal = {Journal of Machine Learning Research},
  year = {2014},
}
"""


@pytest.fixture
def more(tmp_path: Path, services):
    path = tmp_path / "library.bib"
    path.write_text(BIB, encoding="utf-8")
    api = services.api
    batch = load("semantic_scholar/more_batch_corr_key_and_datasets_track")
    for ident, paper in zip(
        batch["request"]["body"]["ids"], batch["response"]["body"], strict=True
    ):
        api.add_s2_paper(paper, ident)
    for name in ("adam_iclr2015", "laion5b_datasets_track", "dropout_jmlr"):
        api.use_dblp(f"dblp/more_search_{name}")
    api.lists.append(load("crossref/more_works_query_dropout_other_authors")["response"]["body"])
    return load_library(path)


def test_a_corr_key_in_s2_does_not_hide_the_venue(more, make_services, services) -> None:
    report, _ = resolve(more, make_services(), keys=["kingma2014adam"])
    adam = by_key(report)["kingma2014adam"]
    assert (adam.status, adam.venue, adam.venue_class, adam.confirmed_by, adam.record_id) == (
        "published", "ICLR 2015", "main conference", "DBLP", "conf/iclr/KingmaB14")  # fmt: skip
    assert report.requests == {"Semantic Scholar": 1, "DBLP": 1, "OpenReview": 2, "Crossref": 0}


def test_a_datasets_track_paper_filed_under_neurips_is_not_main_conference(
    more, make_services
) -> None:
    report, _ = resolve(more, make_services(), keys=["schuhmann2022laion"])
    laion = by_key(report)["schuhmann2022laion"]
    assert (laion.status, laion.venue_class) == ("published", "datasets & benchmarks track")
    assert "[datasets & benchmarks track]" in laion.line()


def test_a_journal_paper_without_doi_is_enriched_by_dblp_after_crossref(
    more, make_services
) -> None:
    report, _ = resolve(more, make_services(), keys=["srivastava2014dropout"], mode="follow")
    dropout = by_key(report)["srivastava2014dropout"]
    assert (dropout.status, dropout.confirmed_by) == ("enriched", "DBLP")
    assert report.requests["Crossref"] == 1  # the same-title paper by others is rejected
    entry = more.get("srivastava2014dropout")
    assert (entry.get("volume"), entry.get("pages")) == ("15", "1929--1958")
    assert entry.get("doi") is None  # never the other paper's DOI


def test_openreview_down_an_iclr_paper_is_confirmed_by_dblp(more, make_services, services) -> None:
    services.api.fault("openreview", "openreview/trap_cloudflare_challenge_200")
    report, _ = resolve(more, make_services(), keys=["kingma2014adam"])
    adam = by_key(report)["kingma2014adam"]
    assert (adam.status, adam.confirmed_by) == ("published", "DBLP")
    assert list(report.down) == ["OpenReview"]


def test_openreview_down_dblp_alone_never_says_not_accepted(more, make_services, services) -> None:
    services.api.fault("openreview", "openreview/trap_cloudflare_challenge_200")
    title = "Adam: A Method for Stochastic Optimization"
    services.api.add_dblp_hits(title, [])  # DBLP may lag behind OpenReview
    report, _ = resolve(more, make_services(), keys=["kingma2014adam"])
    assert by_key(report)["kingma2014adam"].status == "failed"  # retried next time


def test_an_acl_findings_record_gets_acls_own_booktitle() -> None:
    from dlbib.sources.dblp import hit_publication

    info = {"title": "CodeBERT: A Pre-Trained Model for Programming and Natural Languages.",
            "venue": "EMNLP (Findings)", "year": "2020", "pages": "1536-1547",
            "type": "Conference and Workshop Papers", "key": "conf/emnlp/FengGTDFGS0LJZ20",
            "authors": {"author": [{"text": "Zhangyin Feng"}, {"text": "Daya Guo"}]}}  # fmt: skip
    pub = hit_publication(info)
    assert (pub.venue_class, pub.describe()) == (
        "findings",
        "Findings of EMNLP 2020 (pp. 1536–1547)",
    )
    assert pub.container == "Findings of the Association for Computational Linguistics: EMNLP 2020"
    assert pub.publisher == "Association for Computational Linguistics"


def test_dblp_journal_abbreviations_get_the_journals_full_name() -> None:
    from dlbib.sources.dblp import hit_publication

    info = {"title": "Faster R-CNN: Towards Real-Time Object Detection with Region Proposal "
            "Networks.", "venue": "IEEE Trans. Pattern Anal. Mach. Intell.", "year": "2017",
            "volume": "39", "number": "6", "pages": "1137-1149", "type": "Journal Articles",
            "key": "journals/pami/RenHG017",
            "authors": {"author": [{"text": "Shaoqing Ren"}]}}  # fmt: skip
    pub = hit_publication(info)
    assert (pub.venue_class, pub.venue, pub.volume) == ("journal", "TPAMI", "39")
    assert pub.container == "IEEE Transactions on Pattern Analysis and Machine Intelligence"
