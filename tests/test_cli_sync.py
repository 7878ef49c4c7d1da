"""``dlbib sync`` and the sync step of ``dlbib update``, through CliRunner and a local server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dlbib.cli import cli
from dlbib.cli._app import EXIT_UNREACHABLE
from dlbib.library.bibfile import load_library
from tests.pdfserver import PdfServer, Reply, make_pdf
from tests.test_sync import DERIVED, LIBRARY


@pytest.fixture
def lib(tmp_path: Path) -> Path:
    path = tmp_path / "library.bib"
    path.write_text(LIBRARY, encoding="utf-8")
    return path


@pytest.fixture
def pdf_env(pdf_server: PdfServer) -> dict[str, str]:
    """arXiv PDFs from the local server (every path answers with a small valid PDF)."""
    pdf_server.default = Reply(body=make_pdf("any arXiv paper"))
    return {"DLBIB_ARXIV_PDF_URL": pdf_server.url("/pdf"), "DLBIB_PDF_DELAY": "0"}


@pytest.fixture
def env(arxiv_url: str, pdf_env: dict[str, str]) -> dict[str, str]:
    return {"DLBIB_ARXIV_API_URL": arxiv_url, "DLBIB_ARXIV_DELAY": "0", **pdf_env}


def invoke(runner: CliRunner, lib: Path, env: dict[str, str], *args: str, **kw):
    return runner.invoke(cli, ["--library", str(lib), *args], env=env, **kw)


def state_of(lib: Path) -> Path:
    return lib.with_name("library.dlbib.json")


def test_sync_summary_and_exit_0(fake_arxiv, runner, lib, env) -> None:
    fake_arxiv.add_xml((DERIVED / "1502.01852-published.xml").read_bytes())
    result = invoke(runner, lib, env, "sync", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "ioffe2015batch: updated month, primaryclass, url, abstract, arxivversion" in lines
    assert "he2015delving: published as 10.1109/ICCV.2015.123 (ICCV 2015)" in lines
    assert "sutskever2014sequence: found on arXiv by title: 1409.3215" in lines
    assert any(line.startswith("lecun2015deep: not matched on arXiv:") for line in lines)
    assert any(line.startswith("lipton2015critical: kept your title") for line in lines)
    assert lines[-2] == (
        "sync: 4 updated, 0 new version(s), 1 published, 0 unchanged, 0 failed, "
        "1 with conflicts; 3 API request(s)"
    )
    assert lines[-1].startswith("pdf: ")
    assert result.stderr == ""  # piped: no progress bar
    assert load_library(lib).get("ioffe2015batch").get("arxivversion") == "v3"
    assert state_of(lib).exists()


def test_resync_makes_no_request(fake_arxiv, runner, lib, env) -> None:
    invoke(runner, lib, env, "sync", catch_exceptions=False)
    count = len(fake_arxiv.requests)
    result = invoke(runner, lib, env, "sync", catch_exceptions=False)
    assert result.exit_code == 0
    assert len(fake_arxiv.requests) == count
    assert result.stdout.endswith(
        "0 failed; 0 API request(s)\n"
        "pdf: 0 downloaded, 0 moved, 6 skipped (4 up to date, 2 without a PDF source), "
        "0 failed; 0 B transferred\n"
    )


def test_new_version_line(fake_arxiv, runner, lib, env) -> None:
    invoke(runner, lib, env, "sync", catch_exceptions=False)
    e = fake_arxiv.entries["1502.03167"]
    e.raw = e.raw.replace(b"1502.03167v3</id>", b"1502.03167v4</id>")
    result = invoke(runner, lib, env, "sync", "--refresh", "ioffe2015batch")
    assert result.exit_code == 0
    assert "ioffe2015batch: v3 \u2192 v4\n" in result.stdout
    assert "1 new version(s)" in result.stdout


def test_json_report(fake_arxiv, runner, lib, env) -> None:
    result = invoke(runner, lib, env, "sync", "--json", "ioffe2015batch", catch_exceptions=False)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["requests"] == 1
    (entry,) = data["entries"]
    assert entry["key"] == "ioffe2015batch"
    assert entry["status"] == "updated"
    assert {"name": "month", "old": None, "new": "feb"} in entry["changes"]


def test_dry_run_prints_diff_and_writes_nothing(fake_arxiv, runner, lib, env) -> None:
    before = lib.read_bytes()
    result = invoke(runner, lib, env, "sync", "--dry-run", "ioffe2015batch")
    assert result.exit_code == 0
    assert "ioffe2015batch:\n  - month = (none)\n  + month = feb\n" in result.stdout
    assert result.stdout.rstrip().endswith("(dry run: nothing written)")
    assert lib.read_bytes() == before
    assert not state_of(lib).exists()


def test_overwrite_settles_a_conflict(fake_arxiv, runner, lib, env) -> None:
    args = ("sync", "--overwrite", "TITLE", "lipton2015critical")
    result = invoke(runner, lib, env, *args, catch_exceptions=False)
    assert result.exit_code == 0
    title = load_library(lib).get("lipton2015critical").get("title")
    assert title == "A Critical Review of Recurrent Neural Networks for Sequence Learning"


def test_failed_entry_exits_1_and_saves_the_rest(fake_arxiv, runner, lib, env) -> None:
    lib.write_text(LIBRARY.replace("{1502.03167}", "{1312.9999}"), encoding="utf-8")
    result = invoke(runner, lib, env, "sync", "--no-search")
    assert result.exit_code == 1
    assert result.stderr == "ioffe2015batch: arXiv has no paper 1312.9999\n"
    assert "1 failed" in result.stdout
    assert load_library(lib).get("lipton2015critical").get("eprint") == "1506.00019"


def test_unknown_key_is_a_usage_error(fake_arxiv, runner, lib, env) -> None:
    result = invoke(runner, lib, env, "sync", "ioffe2015bach")
    assert result.exit_code == 2
    assert "Invalid value for KEY: no entry with key 'ioffe2015bach'" in result.stderr
    assert "did you mean ioffe2015batch?" in result.stderr
    assert fake_arxiv.requests == []


def test_unreachable_is_one_line_and_exit_3(runner, lib, unused_port, pdf_env) -> None:
    before = lib.read_bytes()
    env = {"DLBIB_ARXIV_API_URL": f"http://127.0.0.1:{unused_port}/api/query", **pdf_env}
    result = invoke(runner, lib, env, "sync")
    assert result.exit_code == EXIT_UNREACHABLE == 3
    assert result.stdout == ""
    assert result.stderr == (
        f"sync: arXiv could not be reached (connection refused) "
        f"(http://127.0.0.1:{unused_port}/api/query); nothing changed\n"
    )
    assert lib.read_bytes() == before
    assert not state_of(lib).exists()
    result = invoke(runner, lib, env, "sync", "--json")
    assert result.exit_code == 3, (result.stdout, result.stderr)
    data = json.loads(result.stdout)
    assert data["unreachable"] is True
    assert data["error"].startswith("arXiv could not be reached")


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (503, b"down", "arXiv failed 5 times, giving up: HTTP 503"),
        (200, b"<!DOCTYPE html><html></html>", "arXiv answered with an HTML page"),
        (200, b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><entry>",
         "arXiv's answer is not well-formed XML (truncated?)"),
        (400, None, "arXiv rejected the query with HTTP 400: incorrect id format"),
    ],
    ids=["503-storm", "html", "truncated", "error-feed"],
)  # fmt: skip
def test_api_faults_fail_entries_with_a_clear_message(
    httpserver, runner, lib, env, status, body, message
) -> None:
    from tests.arxiv_server import error_feed

    data = body if body is not None else error_feed("incorrect id format for 1502.03167")
    httpserver.expect_request("/api/query").respond_with_data(
        data, status=status, headers={"Retry-After": "0"}
    )
    before = lib.read_bytes()
    result = invoke(runner, lib, env, "sync", "--no-search", "--no-pdf", "ioffe2015batch")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"ioffe2015batch: {message}")
    assert lib.read_bytes() == before


def test_update_runs_sync(fake_arxiv, runner, lib, env) -> None:
    result = invoke(runner, lib, env, "update", catch_exceptions=False)
    assert "sync: 4 updated" in result.stdout
    assert load_library(lib).get("ioffe2015batch").get("arxivversion") == "v3"


def test_update_carries_on_when_arxiv_is_unreachable(runner, lib, unused_port, pdf_env) -> None:
    env = {"DLBIB_ARXIV_API_URL": f"http://127.0.0.1:{unused_port}/api/query", **pdf_env}
    result = invoke(runner, lib, env, "update")
    assert result.exit_code == 0, result.output
    sync_lines = [line for line in result.stdout.splitlines() if line.startswith("sync:")]
    assert sync_lines == [
        f"sync: skipped, arXiv could not be reached (connection refused) "
        f"(http://127.0.0.1:{unused_port}/api/query)"
    ]


def test_sync_help_has_example(runner) -> None:
    result = runner.invoke(cli, ["sync", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert "--overwrite FIELD" in result.stdout


def test_progress_bar_on_a_terminal(fake_arxiv, lib, arxiv_url, pdf_env) -> None:
    import os
    import pty
    import subprocess
    import sys

    from tests.conftest import REPO

    primary, secondary = pty.openpty()
    env = {**os.environ, "DLBIB_ARXIV_API_URL": arxiv_url, "DLBIB_ARXIV_DELAY": "0",
           "PYTHONPATH": str(REPO / "src"), "COLUMNS": "80", **pdf_env}  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "dlbib", "--library", str(lib), "sync"],
        stdout=subprocess.PIPE,
        stderr=secondary,
        env=env,
        timeout=60,
        check=False,
    )
    os.close(secondary)
    drawn = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    os.close(primary)
    assert proc.returncode == 0
    assert b"arXiv" in drawn
    assert b"100%" in drawn
    assert b"sync: 4 updated" in proc.stdout
    assert b"PDFs" in drawn
    assert b"pdf: 4 downloaded" in proc.stdout


def test_pinned_versions_from_dlbib_toml(fake_arxiv, runner, lib, env) -> None:
    invoke(runner, lib, env, "sync", "ioffe2015batch", catch_exceptions=False)
    lib.with_name("dlbib.toml").write_text('[arxiv]\nversions = "pinned"\n', encoding="utf-8")
    e = fake_arxiv.entries["1502.03167"]
    e.raw = e.raw.replace(b"1502.03167v3</id>", b"1502.03167v4</id>")
    result = invoke(runner, lib, env, "sync", "--refresh", "ioffe2015batch")
    assert result.exit_code == 0
    assert "ioffe2015batch: v3 \u2192 v4 (pinned: not applied)\n" in result.stdout
    assert load_library(lib).get("ioffe2015batch").get("arxivversion") == "v3"


def test_update_offline_says_one_line_per_service_and_exits_0(runner, lib, unused_port) -> None:
    """No network at all: the main job says what it could not reach, and does the rest."""
    env = {
        "DLBIB_ARXIV_API_URL": f"http://127.0.0.1:{unused_port}/api/query",
        "DLBIB_ARXIV_PDF_URL": f"http://127.0.0.1:{unused_port}/pdf",
        "DLBIB_ARXIV_DELAY": "0",
        "DLBIB_PDF_DELAY": "0",
    }
    before = lib.read_bytes()
    result = invoke(runner, lib, env, "update")
    assert result.exit_code == 0, result.output
    assert [line for line in result.stdout.splitlines() if "could not reach" in line] == [
        "pdf: 3 file(s) not fetched, could not reach 127.0.0.1"  # the 3 entries with arXiv ids
    ]
    assert "sync: skipped, arXiv could not be reached" in result.stdout
    assert "PDF:" not in result.stderr  # no per-file noise for an unreachable host
    assert lib.read_bytes() == before


def test_overwrite_of_a_field_sync_never_writes_is_a_usage_error(runner, lib) -> None:
    before = lib.read_bytes()
    result = invoke(runner, lib, {}, "sync", "--overwrite", "abstarct")
    assert result.exit_code == 2
    assert "sync does not write abstarct" in result.stderr
    assert lib.read_bytes() == before


def test_a_failing_pdf_step_says_the_metadata_was_saved(fake_arxiv, runner, lib, env) -> None:
    """sync = metadata, then PDFs: when the second fails, the error says the first was saved."""
    (lib.parent / "dlbib.toml").write_text('[pdf]\npattern = "{nope}.pdf"\n')
    result = invoke(runner, lib, env, "sync")
    assert result.exit_code == 1
    assert "the PDFs step failed; saved before it: the arXiv metadata" in result.stderr
    assert state_of(lib).exists()  # the metadata half really is on disk
