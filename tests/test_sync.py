"""sync_metadata / sync_library against the fake arXiv API on 127.0.0.1."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dlbib.config import Config
from dlbib.errors import ArxivUnreachableError, ReferenceNotFoundError
from dlbib.library.bibfile import load_library
from dlbib.library.cache import load_cached
from dlbib.library.model import Reference
from dlbib.library.state import load_state
from dlbib.sources.arxiv import ArxivSource
from dlbib.sync.arxiv import SyncReport, sync_library
from dlbib.sync.merge import EntryOutcome, SyncOptions
from tests.arxiv_server import FakeArxiv

DERIVED = Path(__file__).parent / "data" / "arxiv" / "derived"

LIBRARY = """\
@misc{ioffe2015batch,
  author = {Ioffe, Sergey and Szegedy, Christian},
  title = {Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift},
  year = {2015},
  eprint = {1502.03167},
  archiveprefix = {arXiv},
  mendeley-groups = {Reading},
}

@inproceedings{he2015delving,
  author = {He, Kaiming and Zhang, Xiangyu and Ren, Shaoqing and Sun, Jian},
  title = {Delving Deep into Rectifiers: Surpassing Human-Level Performance on {ImageNet} Classification},
  booktitle = {Proceedings of the {IEEE} International Conference on Computer Vision ({ICCV})},
  year = {2015},
  month = dec,
  url = {https://arxiv.org/abs/1502.01852v1},
}

@misc{lipton2015critical,
  title = {A Critical Review of {RNNs}},
  note = {Preprint, arXiv:1506.00019},
}

@inproceedings{sutskever2014sequence,
  author = {Sutskever, Ilya and Vinyals, Oriol and Le, Quoc V.},
  title = {Sequence to Sequence Learning with Neural Networks},
  booktitle = {Advances in Neural Information Processing Systems 27},
  year = {2014},
}

@article{lecun2015deep,
  author = {LeCun, Yann and Bengio, Yoshua and Hinton, Geoffrey},
  title = {Deep learning},
  journal = {Nature},
  year = {2015},
  doi = {10.1038/nature14539},
}

@misc{distill,
  title = {A Blog},
  url = {https://example.com/blog},
}
"""  # noqa: E501

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def api(fake_arxiv: FakeArxiv) -> FakeArxiv:
    fake_arxiv.add_xml((DERIVED / "2412.99001-deep-learning.xml").read_bytes())
    return fake_arxiv


@pytest.fixture
def config(tmp_path: Path, arxiv_url: str) -> Config:
    library = tmp_path / "library.bib"
    library.write_text(LIBRARY, encoding="utf-8")
    # published versions off: Config() would otherwise point at the real services
    return Config(library=library, arxiv_api_url=arxiv_url, arxiv_delay=0.0, published="off")


def opts(**changes: object) -> SyncOptions:
    return replace(SyncOptions(now=lambda: NOW), **changes)  # type: ignore[arg-type]


def run(
    config: Config, make_source: Any, keys: list[str] | None = None, **changes: Any
) -> tuple[SyncReport, ArxivSource]:
    source = make_source()
    report = sync_library(config, keys, opts(**changes), source=source)
    return report, source


def by_key(report: SyncReport) -> dict[str, EntryOutcome]:
    return {o.key: o for o in report.outcomes}


def entry(config: Config, key: str) -> Reference:
    return load_library(config.library).get(key)


def snapshot(config: Config) -> tuple[bytes, bytes | None]:
    state = config.state_path
    return config.library.read_bytes(), state.read_bytes() if state.exists() else None


def test_first_sync_enriches_and_keeps_everything_else(api, config, make_source) -> None:
    report, source = run(config, make_source)
    assert source.requests_made == 3  # one id batch + two title searches
    assert report.requests == 3
    out = by_key(report)
    assert out["ioffe2015batch"].status == "updated"
    assert {c.name for c in out["ioffe2015batch"].changes} == {
        "month", "primaryclass", "url", "abstract", "arxivversion",
    }  # fmt: skip
    ioffe = entry(config, "ioffe2015batch")
    assert ioffe.fields["month"] == "feb"
    assert ioffe.fields["arxivversion"] == "{v3}"
    assert ioffe.fields["mendeley-groups"] == "{Reading}"
    assert ioffe.fields["abstract"].startswith("{Training Deep Neural Networks")
    assert r"4.9\% top-5" in (ioffe.get("abstract") or "")
    # an id in a note is found; the title the user wrote is kept and reported
    lipton = out["lipton2015critical"]
    assert lipton.arxiv_id == "1506.00019"
    assert [c.name for c in lipton.conflicts] == ["title"]
    assert entry(config, "lipton2015critical").fields["title"] == "{A Critical Review of {RNNs}}"
    assert entry(config, "lipton2015critical").fields["eprint"] == "{1506.00019}"
    # a venue entry keeps its date, url and braces
    he = entry(config, "he2015delving")
    assert he.fields["month"] == "dec"
    assert he.fields["url"] == "{https://arxiv.org/abs/1502.01852v1}"
    assert out["he2015delving"].conflicts == []
    assert out["distill"].status == "skipped"


def test_title_search_accepts_only_a_verified_match(api, config, make_source) -> None:
    report, _ = run(config, make_source)
    out = by_key(report)
    seq = out["sutskever2014sequence"]
    assert seq.found_by_search
    assert seq.arxiv_id == "1409.3215"
    assert entry(config, "sutskever2014sequence").get("eprint") == "1409.3215"
    deep = out["lecun2015deep"]
    assert deep.status == "unmatched"
    assert "authors differ" in deep.reason
    assert deep.candidates == ["2412.99001: Deep Learning"]
    lecun = entry(config, "lecun2015deep")
    assert lecun.get("eprint") is None
    assert lecun.fields == load_library(config.library).get("lecun2015deep").fields
    assert "2412.99001" not in config.library.read_text(encoding="utf-8")


def test_no_search_option(api, config, make_source) -> None:
    report, source = run(config, make_source, search=False)
    assert source.requests_made == 1
    assert by_key(report)["lecun2015deep"].status == "skipped"


def test_immediate_resync_makes_no_request(api, config, make_source) -> None:
    run(config, make_source)
    before = snapshot(config)
    report, source = run(config, make_source)
    assert source.requests_made == 0
    assert {o.status for o in report.outcomes} == {"fresh", "skipped"}
    assert snapshot(config) == before


def test_stale_or_refresh_looks_up_again(api, config, make_source) -> None:
    run(config, make_source)
    # sutskever2014sequence now has an eprint: one id batch, one search (lecun2015deep)
    _, source = run(config, make_source, refresh=True)
    assert source.requests_made == 2
    later = NOW + dt.timedelta(days=8)
    _, source = run(config, make_source, now=lambda: later)
    assert source.requests_made == 2
    _, source = run(config, make_source, now=lambda: NOW + dt.timedelta(days=6))
    assert source.requests_made == 0


def test_sidecar_records_fetch_deterministically(api, config, make_source) -> None:
    run(config, make_source)
    state = json.loads(config.state_path.read_text(encoding="utf-8"))
    ioffe = state["entries"]["ioffe2015batch"]
    assert ioffe["arxiv"] == {
        "id": "1502.03167",
        "version": 3,
        "fetched_at": "2026-11-26T12:00:00Z",
    }
    assert ioffe["fetched"]["month"] == "feb"
    assert ioffe["fetched"]["abstract"].startswith("sha256:")  # long values: a hash
    assert state["entries"]["lecun2015deep"]["arxiv"] == {"searched_at": "2026-11-26T12:00:00Z"}
    first = config.state_path.read_bytes()
    run(config, make_source, refresh=True)
    assert config.state_path.read_bytes() == first


def _edit(config: Config, key: str, field: str, raw: str) -> None:
    text = config.library.read_text(encoding="utf-8")
    ref = load_library(config.library).get(key)
    old = f"  {field} = {ref.fields[field]},"
    assert old in text
    config.library.write_text(text.replace(old, f"  {field} = {raw},"), encoding="utf-8")


def _change_upstream(api: FakeArxiv, ident: str, old: bytes, new: bytes) -> None:
    e = api.entries[ident]
    assert old in e.raw
    api.entries[ident] = replace(e, raw=e.raw.replace(old, new))


def test_untouched_field_follows_arxiv(api, config, make_source) -> None:
    run(config, make_source)
    _change_upstream(api, "1502.03167", b"Training Deep Neural", b"Training Very Deep Neural")
    report, _ = run(config, make_source, refresh=True)
    change = by_key(report)["ioffe2015batch"].changes
    assert [c.name for c in change] == ["abstract"]
    assert entry(config, "ioffe2015batch").fields["abstract"].startswith("{Training Very Deep")


def test_user_edit_survives_and_conflict_is_reported(api, config, make_source) -> None:
    run(config, make_source)
    _edit(config, "ioffe2015batch", "abstract", "{My own summary.}")
    report, _ = run(config, make_source, refresh=True)  # arXiv unchanged: kept, no conflict
    assert by_key(report)["ioffe2015batch"].status == "unchanged"
    assert by_key(report)["ioffe2015batch"].conflicts == []
    _change_upstream(api, "1502.03167", b"Training Deep Neural", b"Training Very Deep Neural")
    report, _ = run(config, make_source, refresh=True)
    out = by_key(report)["ioffe2015batch"]
    assert [c.name for c in out.conflicts] == ["abstract"]
    assert out.conflicts[0].current == "{My own summary.}"
    assert entry(config, "ioffe2015batch").fields["abstract"] == "{My own summary.}"
    report, _ = run(config, make_source, refresh=True, overwrite=frozenset({"abstract"}))
    assert [c.name for c in by_key(report)["ioffe2015batch"].changes] == ["abstract"]
    assert entry(config, "ioffe2015batch").fields["abstract"].startswith("{Training Very Deep")


def test_emptied_field_is_filled_again(api, config, make_source) -> None:
    run(config, make_source)
    _edit(config, "ioffe2015batch", "primaryclass", "{}")
    run(config, make_source, refresh=True)
    assert entry(config, "ioffe2015batch").get("primaryclass") == "cs.LG"


def test_new_version_is_followed_by_default(api, config, make_source) -> None:
    run(config, make_source)
    _change_upstream(api, "1502.03167", b"1502.03167v3</id>", b"1502.03167v4</id>")
    report, _ = run(config, make_source, refresh=True)
    out = by_key(report)["ioffe2015batch"]
    assert (out.old_version, out.new_version, out.pinned) == (3, 4, False)
    assert entry(config, "ioffe2015batch").get("arxivversion") == "v4"
    assert report.new_versions == [out]


def test_pinned_config_only_reports_new_versions(api, config, make_source) -> None:
    run(config, make_source)
    _change_upstream(api, "1502.03167", b"1502.03167v3</id>", b"1502.03167v4</id>")
    _change_upstream(api, "1502.03167", b"Training Deep Neural", b"Training Very Deep Neural")
    before = config.library.read_bytes()
    report, _ = run(config, make_source, refresh=True, versions="pinned")
    out = by_key(report)["ioffe2015batch"]
    assert (out.old_version, out.new_version, out.pinned) == (3, 4, True)
    assert out.changes == []
    assert config.library.read_bytes() == before


def test_versioned_eprint_pins_the_entry(api, config, make_source) -> None:
    _edit(config, "ioffe2015batch", "eprint", "{1502.03167v2}")
    report, _ = run(config, make_source)
    out = by_key(report)["ioffe2015batch"]
    assert (out.old_version, out.new_version, out.pinned) == (2, 3, True)
    assert entry(config, "ioffe2015batch").fields["eprint"] == "{1502.03167v2}"
    assert entry(config, "ioffe2015batch").get("abstract") is None


def test_published_doi_is_recorded_and_reported(api, config, make_source) -> None:
    api.add_xml((DERIVED / "1502.01852-published.xml").read_bytes())
    report, _ = run(config, make_source)
    out = by_key(report)["he2015delving"]
    assert out.published == "10.1109/ICCV.2015.123 (ICCV 2015)"
    he = entry(config, "he2015delving")
    assert he.get("doi") == "10.1109/ICCV.2015.123"
    assert he.get("journal-ref") == "ICCV 2015"
    assert he.fields["booktitle"].startswith("{Proceedings of the {IEEE}")
    report, _ = run(config, make_source, refresh=True)
    assert by_key(report)["he2015delving"].published is None  # said once


def test_arxiv_doi_gives_way_to_the_published_one(api, config, make_source) -> None:
    api.add_xml((DERIVED / "1502.01852-published.xml").read_bytes())
    text = config.library.read_text(encoding="utf-8").replace(
        "  month = dec,\n", "  month = dec,\n  doi = {10.48550/arXiv.1502.01852},\n"
    )
    config.library.write_text(text, encoding="utf-8")
    run(config, make_source)
    assert entry(config, "he2015delving").get("doi") == "10.1109/ICCV.2015.123"


def test_missing_id_fails_that_entry_only(api, config, make_source) -> None:
    _edit(config, "ioffe2015batch", "eprint", "{1312.9999}")
    report, _ = run(config, make_source)
    out = by_key(report)["ioffe2015batch"]
    assert out.status == "missing"
    assert out.reason == "arXiv has no paper 1312.9999"
    assert report.failed == [out]
    assert entry(config, "sutskever2014sequence").get("eprint") == "1409.3215"  # saved


def test_malformed_eprint_fails_without_a_request(api, config, make_source) -> None:
    _edit(config, "ioffe2015batch", "eprint", "{1502.0316x}")
    report, _ = run(config, make_source, keys=["ioffe2015batch"])
    out = by_key(report)["ioffe2015batch"]
    assert out.status == "failed"
    assert "not an arXiv identifier: '1502.0316x'" in out.reason
    assert report.requests == 0


def test_keys_limit_the_sync(api, config, make_source) -> None:
    report, source = run(config, make_source, keys=["lipton2015critical"])
    assert [o.key for o in report.outcomes] == ["lipton2015critical"]
    assert api.requests[0]["id_list"] == ["1506.00019"]
    assert source.requests_made == 1


def test_unknown_key_is_refused_before_any_request(api, config, make_source) -> None:
    before = snapshot(config)
    with pytest.raises(ReferenceNotFoundError, match="ioffe2015bach"):
        run(config, make_source, keys=["ioffe2015bach"])
    assert api.requests == []
    assert snapshot(config) == before


def test_dry_run_writes_nothing(api, config, make_source) -> None:
    before = snapshot(config)
    report, _ = run(config, make_source, dry_run=True)
    assert report.dry_run
    assert by_key(report)["ioffe2015batch"].changes
    assert snapshot(config) == before


def test_unreachable_changes_nothing(config, make_source, unused_port) -> None:
    before = snapshot(config)
    url = f"http://127.0.0.1:{unused_port}/api/query"
    with pytest.raises(ArxivUnreachableError):  # published versions off: nothing else to ask
        sync_library(config, None, opts(published="off"), source=make_source(api_url=url))
    assert snapshot(config) == before


def parses_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The parse lines the library's loads logged (parse.py: one per parse)."""
    return [r.getMessage() for r in caplog.records if ": parsed " in r.getMessage()]


@pytest.mark.parametrize("reachable", [True, False], ids=["entries-updated", "offline"])
def test_a_sync_leaves_the_parse_cache_for_the_next_read(
    api, config, make_source, unused_port, caplog, reachable
) -> None:
    """A cold sync caches what it read ("writes refresh it"): the next read parses only the
    stretches the sync's save changed, or nothing at all when it changed nothing."""
    caplog.set_level(logging.DEBUG, logger="dlbib")
    strings = "".join(f"@string{{s{i} = {{Kept {i}}}}}\n\n" for i in range(40))
    config.library.write_text(LIBRARY + "\n" + strings, encoding="utf-8")  # kept as it is
    dead = {} if reachable else {"api_url": f"http://127.0.0.1:{unused_port}/api/query"}
    with contextlib.nullcontext() if reachable else pytest.raises(ArxivUnreachableError):
        sync_library(config, None, opts(), source=make_source(**dead))
    assert parses_of(caplog) == [f"{config.library}: parsed 46 blocks"]
    caplog.clear()
    again = load_cached(config.library)
    if reachable:
        # the stretch around the entries the save changed: parsed from the cached parse of
        # the bytes before the save, the forty @strings after it kept
        (line,) = parses_of(caplog)
        assert line.endswith(": parsed again where it changed (46 blocks)")
    else:
        assert parses_of(caplog) == []
    assert again == load_library(config.library)


def test_a_sync_that_rewrote_nearly_everything_leaves_no_cache(
    api, config, make_source, caplog
) -> None:
    """Every entry updated: the next read would parse the whole file all the same, so the
    parse of the bytes before is not written (it would cost a third of a parse for nothing)."""
    caplog.set_level(logging.DEBUG, logger="dlbib")
    report = sync_library(config, None, opts(), source=make_source())
    assert len(report.having("updated")) == 4  # of six entries (a Nature paper, a blog)
    assert any("not cached: its save changed most of it" in r.getMessage()
               for r in caplog.records)  # fmt: skip
    caplog.clear()
    again = load_cached(config.library)
    assert parses_of(caplog) == [f"{config.library}: parsed 6 blocks"]  # whole, and cached
    assert again == load_library(config.library)


def test_storm_fails_entries_and_stops_asking(httpserver, config, make_source) -> None:
    httpserver.expect_request("/api/query").respond_with_data("", status=503)
    before = snapshot(config)
    report, source = run(config, make_source)
    assert source.requests_made == 5  # one request, 4 retries; no searches after that
    assert {o.key for o in report.failed} == {
        "ioffe2015batch", "he2015delving", "lipton2015critical",  # the batch
        "sutskever2014sequence", "lecun2015deep",  # the title searches, not tried
    }  # fmt: skip
    assert all("HTTP 503" in o.reason for o in report.failed)
    assert by_key(report)["lecun2015deep"].reason.startswith("not looked up: arXiv failed")
    assert snapshot(config)[0] == before[0]


def test_failed_searches_do_not_undo_the_batch(httpserver, config, make_source) -> None:
    api = FakeArxiv.from_folder(Path(__file__).parent / "data" / "arxiv")

    def handler(request: Any) -> Any:
        from werkzeug import Response

        if request.args.get("search_query"):
            return Response("<html>busy</html>", content_type="text/html")
        status, body = api.answer({k: request.args.getlist(k) for k in request.args})
        return Response(body, status=status)

    httpserver.expect_request("/api/query").respond_with_handler(handler)
    report, _ = run(config, make_source)
    assert {o.key for o in report.failed} == {"sutskever2014sequence", "lecun2015deep"}
    assert entry(config, "ioffe2015batch").get("arxivversion") == "v3"
    assert load_state(config.state_path).get("ioffe2015batch", "arxiv") is not None


def test_ctrl_c_leaves_both_files_untouched_and_rerun_finishes(api, config, make_source) -> None:
    before = snapshot(config)

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync_library(config, None, opts(), source=make_source(), progress=interrupt)
    assert snapshot(config) == before
    report, _ = run(config, make_source)
    assert not report.failed
    assert entry(config, "ioffe2015batch").get("arxivversion") == "v3"


def test_library_saved_but_sidecar_lost_heals_on_rerun(api, config, make_source) -> None:
    run(config, make_source)
    config.state_path.unlink()  # as if interrupted between the two writes
    library = config.library.read_bytes()
    report, _ = run(config, make_source)
    assert report.having("updated") == []
    assert {c.name for o in report.outcomes for c in o.conflicts} <= {"title"}
    assert config.library.read_bytes() == library


def test_deleted_entries_are_forgotten_by_a_full_sync(api, config, make_source) -> None:
    run(config, make_source)
    text = config.library.read_text(encoding="utf-8")
    start = text.index("@misc{ioffe2015batch")
    config.library.write_text(text[:start] + text[text.index("@inproceedings{he2015") :])
    run(config, make_source, keys=["he2015delving"])
    assert load_state(config.state_path).get("ioffe2015batch", "arxiv") is not None
    run(config, make_source)
    assert "ioffe2015batch" not in load_state(config.state_path).entries


def test_deferred_interrupts_hold_ctrl_c_until_both_writes_end() -> None:
    import os
    import signal

    from dlbib.library.files import deferred_interrupts

    done: list[str] = []

    def two_writes() -> None:
        with deferred_interrupts():
            os.kill(os.getpid(), signal.SIGINT)
            done.append("first write")
            done.append("second write")

    with pytest.raises(KeyboardInterrupt):
        two_writes()
    assert done == ["first write", "second write"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"eprint": "{1502.03167v2}"}, "1502.03167v2"),
        ({"eprint": "{cs/0112017}"}, "cs/0112017"),
        ({"url": "{http://export.arxiv.org/pdf/1502.03167v1.pdf}"}, "1502.03167v1"),
        ({"doi": "{10.48550/arXiv.1502.03167}"}, "1502.03167"),
        ({"note": "{arXiv:1502.03167 [cs.LG]}"}, "1502.03167"),
        ({"journal": "{arxiv.org/abs/2205.11916}"}, "2205.11916"),
        ({"eprint": "{hep-th/9901001}", "archiveprefix": "{arXiv}"}, "hep-th/9901001"),
        ({"eprint": "{12345}", "eprinttype": "{pubmed}"}, None),
        ({"url": "{https://example.com/1502.03167}"}, None),
    ],
    ids=["versioned", "old-style", "pdf-url", "arxiv-doi", "note", "link-in-journal",
         "old-style-prefix", "other-eprint", "other-url"],
)  # fmt: skip
def test_entry_arxiv_id(fields: dict[str, str], expected: str | None) -> None:
    from dlbib.sync.arxiv import entry_arxiv_id

    found = entry_arxiv_id(Reference("k", "misc", fields))
    assert (str(found) if found else None) == expected


def test_storm_during_searches_stops_asking(httpserver, config, make_source) -> None:
    api = FakeArxiv.from_folder(Path(__file__).parent / "data" / "arxiv")

    def handler(request: Any) -> Any:
        from werkzeug import Response

        if request.args.get("search_query"):
            return Response("", status=429, headers={"Retry-After": "1"})
        status, body = api.answer({k: request.args.getlist(k) for k in request.args})
        return Response(body, status=status)

    httpserver.expect_request("/api/query").respond_with_handler(handler)
    report, source = run(config, make_source)
    assert source.requests_made == 1 + 5  # the batch; one search and its 4 retries
    failed = by_key(report)
    assert failed["sutskever2014sequence"].reason.startswith("arXiv failed 5 times")
    assert failed["lecun2015deep"].reason.startswith("not looked up: arXiv failed 5 times")
    assert entry(config, "ioffe2015batch").get("arxivversion") == "v3"


def test_a_dry_run_sync_caches_its_parse(api, config, make_source, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="dlbib.library.cache")
    run(config, make_source, dry_run=True)  # nothing saved: the parse is the file's
    assert any("parse cache written" in r.getMessage() for r in caplog.records)
    caplog.clear()
    load_cached(config.library)
    assert parses_of(caplog) == []
