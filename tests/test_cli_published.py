"""``dlbib sync`` / ``check`` / ``cite`` with published versions, against the local stand-ins."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dlbib.cli import cli
from dlbib.library.bibfile import load_library
from dlbib.library.state import load_state

from .conftest import DATA

IOFFE = "ioffe2015batch: published in ICML 2015 (PMLR 37, pp. 448–456), confirmed by DBLP"


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    path = tmp_path / "library.bib"
    shutil.copy(DATA / "services" / "preprints.bib", path)
    return path


@pytest.fixture
def env(services, fake_arxiv, arxiv_url) -> dict[str, str]:
    return {**services.env, "DLBIB_ARXIV_API_URL": arxiv_url, "DLBIB_ARXIV_DELAY": "0"}


def sync(runner, lib: Path, env: dict[str, str], *args: str):
    return runner.invoke(cli, ["--library", str(lib), "sync", "--no-pdf", *args], env=env)


def test_sync_reports_and_changes_no_field(runner, lib, env, services) -> None:
    result = sync(runner, lib, env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert IOFFE in lines
    assert (
        "bengio2012practical: published in Neural Networks: Tricks of the Trade (2nd ed.) 2012 "
        "(pp. 437–478) [book chapter], confirmed by DBLP"
    ) in lines
    assert lines[-1] == (
        "published: 4 published (confirmed by DBLP 4), 2 not published, 0 ambiguous, 0 failed; "
        "requests: Semantic Scholar 1, DBLP 4, OpenReview 0, Crossref 0; "
        "report only (dlbib sync --accept-published KEY applies)"
    )
    assert result.stderr == ""
    ioffe = load_library(lib).get("ioffe2015batch")
    assert ioffe.entry_type == "misc"
    assert ioffe.get("booktitle") is None
    record = load_state(lib.with_name("library.dlbib.json")).get("ioffe2015batch", "published")
    assert record is not None
    assert record["venue"] == "ICML 2015 (PMLR 37, pp. 448–456)"
    assert record["confirmed_by"] == "DBLP"


def test_no_change_resync_makes_no_request(runner, lib, env, services, fake_arxiv) -> None:
    assert sync(runner, lib, env).exit_code == 0
    sent, arxiv_sent = len(services.api.requests), len(fake_arxiv.requests)
    before = lib.read_bytes()
    result = sync(runner, lib, env)
    assert result.exit_code == 0
    assert (len(services.api.requests), len(fake_arxiv.requests)) == (sent, arxiv_sent)
    assert "requests: Semantic Scholar 0, DBLP 0, OpenReview 0, Crossref 0" in result.stdout
    assert lib.read_bytes() == before


def test_json_carries_venue_class_and_source(runner, lib, env) -> None:
    result = sync(runner, lib, env, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)["published_versions"]
    ioffe = next(e for e in data["entries"] if e["key"] == "ioffe2015batch")
    assert ioffe["status"] == "published"
    assert ioffe["venue"] == "ICML 2015 (PMLR 37, pp. 448–456)"
    assert ioffe["venue_class"] == "main conference"
    assert ioffe["confirmed_by"] == "DBLP"
    assert ioffe["record_id"] == "conf/icml/IoffeS15"
    assert data["requests"]["Semantic Scholar"] == 1


def test_accept_published_dry_run_shows_the_diff(runner, lib, env) -> None:
    assert sync(runner, lib, env).exit_code == 0
    before = lib.read_bytes()
    result = sync(runner, lib, env, "--accept-published", "--dry-run", "ioffe2015batch")
    assert result.exit_code == 0, result.output
    assert "  - type = misc\n  + type = inproceedings\n" in result.stdout
    assert "  + booktitle = {International Conference on Machine Learning}\n" in result.stdout
    assert "  + pages = {448--456}\n" in result.stdout
    assert lib.read_bytes() == before


def test_accept_published_applies_to_the_named_key(runner, lib, env) -> None:
    result = sync(runner, lib, env, "--accept-published", "ioffe2015batch")
    assert result.exit_code == 0, result.output
    assert "ioffe2015batch: now the published version (type, booktitle, volume" in result.stdout
    library = load_library(lib)
    ioffe = library.get("ioffe2015batch")
    assert (ioffe.entry_type, ioffe.get("volume"), ioffe.get("eprint")) == (
        "inproceedings", "37", "1502.03167")  # fmt: skip
    assert library.get("he2015delving").entry_type == "article"


def test_follow_in_the_config(runner, lib, env) -> None:
    lib.with_name("dlbib.toml").write_text('published = "follow"\n', encoding="utf-8")
    env = {k: v for k, v in env.items() if k != "DLBIB_PUBLISHED"}
    result = runner.invoke(cli, ["--library", str(lib), "sync", "--no-pdf"],
                           env={**env, "DLBIB_PUBLISHED": ""})  # fmt: skip
    assert result.exit_code == 0, result.output
    library = load_library(lib)
    assert library.get("sutskever2014sequence").get("booktitle") == (
        "Advances in Neural Information Processing Systems 27"
    )
    assert library.get("lipton2015critical").entry_type == "misc"
    again = sync(runner, lib, {**env, "DLBIB_PUBLISHED": ""}, "--refresh")
    assert "now the published version" not in again.stdout  # nothing left to change


def test_unreachable_services_are_one_line_each(runner, lib, env, unused_port) -> None:
    dead = f"http://127.0.0.1:{unused_port}"
    env = {**env, "DLBIB_S2_API_URL": dead, "DLBIB_DBLP_API_URL": dead}
    result = sync(runner, lib, env)
    assert result.exit_code == 0
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("published: Semantic Scholar: could not be reached")
    assert "6 failed" in result.stdout.splitlines()[-1]


def test_overwrite_accepts_published_fields(runner, lib, env) -> None:
    result = sync(runner, lib, env, "--overwrite", "booktitle", "--accept-published")
    assert result.exit_code == 0, result.output


def test_check_lists_preprints_with_a_known_published_version(runner, lib, env) -> None:
    assert sync(runner, lib, env).exit_code == 0
    result = runner.invoke(cli, ["--library", str(lib), "check", "--json"])
    found = [f for f in json.loads(result.stdout) if f["code"] == "published-version"]
    published = ["he2015delving", "ioffe2015batch", "sutskever2014sequence", "bengio2012practical"]
    assert [f["key"] for f in found] == published
    assert (
        "published in ICML 2015 (PMLR 37, pp. 448–456) (confirmed by DBLP)" in found[1]["message"]
    )
    assert sync(runner, lib, env, "--accept-published").exit_code == 0
    result = runner.invoke(cli, ["--library", str(lib), "check", "--json"])
    assert [f for f in json.loads(result.stdout) if f["code"] == "published-version"] == []


def test_cite_warns_about_a_cited_preprint(runner, lib, env, tmp_path) -> None:
    assert sync(runner, lib, env).exit_code == 0
    tex = tmp_path / "paper.tex"
    tex.write_text("\\cite{ioffe2015batch,zaremba2014recurrent}\n", encoding="utf-8")
    result = runner.invoke(cli, ["--library", str(lib), "cite", str(tex), "--check"])
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "warning: ioffe2015batch: cited as a preprint, but published in ICML 2015 "
        "(PMLR 37, pp. 448–456) (confirmed by DBLP); "
        "`dlbib sync --accept-published ioffe2015batch` cites that\n"
    )
    data = json.loads(
        runner.invoke(cli, ["--library", str(lib), "cite", str(tex), "--check", "--json"]).stdout
    )
    assert [p["key"] for p in data["published_preprints"]] == ["ioffe2015batch"]


def test_arxiv_unreachable_still_asks_the_other_services(
    runner, lib, env, services, unused_port
) -> None:
    dead = {**env, "DLBIB_ARXIV_API_URL": f"http://127.0.0.1:{unused_port}/api/query"}
    result = sync(runner, lib, dead)
    assert result.exit_code == 3  # arXiv unreachable, as before
    assert result.stderr == (
        f"sync: arXiv could not be reached (connection refused) "
        f"(http://127.0.0.1:{unused_port}/api/query); arXiv fields unchanged\n"
    )
    assert IOFFE in result.stdout.splitlines()  # the local arXiv id is enough for the others
    assert services.api.count("s2") == 1
    data = json.loads(sync(runner, lib, dead, "--json", "--refresh").stdout)
    assert data["unreachable"] is True
    assert data["published_versions"]["entries"]


def test_a_doi_arxiv_tells_later_is_looked_up_although_fresh(
    runner, lib, env, services, fake_arxiv, unused_port
) -> None:
    dead = {**env, "DLBIB_ARXIV_API_URL": f"http://127.0.0.1:{unused_port}/api/query"}
    assert sync(runner, lib, dead).exit_code == 3  # published versions found without arXiv
    sent = services.api.count("s2")
    assert sync(runner, lib, env).exit_code == 0  # arXiv back: no DOI news, nothing asked
    assert services.api.count("s2") == sent
    state_path = lib.with_name("library.dlbib.json")
    data = json.loads(state_path.read_text(encoding="utf-8"))
    data["entries"]["zaremba2014recurrent"]["arxiv"]["doi"] = "10.1109/ICCV.2015.123"
    state_path.write_text(json.dumps(data), encoding="utf-8")  # as if arXiv had said a DOI
    result = sync(runner, lib, env)
    assert "Semantic Scholar 1," in result.stdout.splitlines()[-1]


BN = """
@inproceedings{ioffe2015bn,
  author = {Ioffe, Sergey and Szegedy, Christian},
  title = {Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate
    Shift},
  booktitle = {ICML},
  year = {2015},
}
"""


def test_report_mode_shows_found_fields_and_unconfirmed_claims(runner, lib, env, services) -> None:
    with lib.open("a", encoding="utf-8") as out:  # a published paper lacking its pages and DOI
        out.write(BN)
    paper = dict(services.api.s2["ARXIV:1409.2329"])  # S2 names another paper's DOI
    paper["externalIds"] = {"ArXiv": "1409.2329", "DOI": "10.1109/ICCV.2015.123"}
    paper["venue"], paper["publicationVenue"] = "Some Journal", {"type": "journal"}
    services.api.add_s2_paper(paper)
    result = sync(runner, lib, env, "--no-search")  # ioffe2015bn stays without an arXiv id
    lines = result.stdout.splitlines()
    assert any(line.startswith("ioffe2015bn: found as ICML 2015") for line in lines)
    assert "zaremba2014recurrent: Crossref does not confirm the candidate" in lines
    assert ", 1 unconfirmed, 0 ambiguous," in lines[-1]
    assert lines[-1].endswith("report only (dlbib sync --accept-published KEY applies)")


def test_update_offline_arxiv_still_reports_published_versions(
    runner, lib, env, unused_port
) -> None:
    dead = f"http://127.0.0.1:{unused_port}"
    env = {**env, "DLBIB_ARXIV_API_URL": f"{dead}/api/query", "DLBIB_ARXIV_PDF_URL": f"{dead}/pdf",
           "DLBIB_PDF_DELAY": "0"}  # fmt: skip
    result = runner.invoke(cli, ["--library", str(lib), "update"], env=env)
    lines = result.stdout.splitlines()
    assert any(line.startswith("sync: skipped, arXiv could not be reached") for line in lines)
    assert IOFFE in lines
