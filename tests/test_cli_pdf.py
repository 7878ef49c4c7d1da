"""The PDF side of ``dlbib sync`` and ``dlbib check``, through CliRunner and a local server."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dlbib.cli import cli
from dlbib.library.bibfile import load_library
from dlbib.library.state import load_state

from .conftest import REPO
from .pdfserver import PdfServer, Reply, make_pdf
from .test_pdfsync import (
    ARXIV_V1,
    ATTENTION_PATH,
    CRITICAL,
    CRITICAL_PATH,
    DROPOUT,
    DROPOUT_PATH,
    Library,
)


@pytest.fixture
def lib(tmp_path: Path, pdf_server: PdfServer) -> Library:
    return Library(tmp_path, pdf_server)


@pytest.fixture
def env(pdf_server: PdfServer, unused_port: int) -> dict[str, str]:
    # The arXiv API is unreachable: --pdf-only must not need it.
    return {
        "DLBIB_ARXIV_PDF_URL": pdf_server.url("/pdf"),
        "DLBIB_PDF_DELAY": "0",
        "DLBIB_ARXIV_API_URL": f"http://127.0.0.1:{unused_port}/api/query",
    }


def invoke(runner: CliRunner, lib: Library, env: dict[str, str], *args: str, **kw):
    return runner.invoke(cli, ["--library", str(lib.path), *args], env=env, **kw)


def test_pdf_only_downloads_and_records(runner, lib, env):
    result = invoke(runner, lib, env, "sync", "--pdf-only", catch_exceptions=False)

    assert result.exit_code == 0, result.output
    size = len(ARXIV_V1) + len(DROPOUT) + len(CRITICAL)
    assert result.stdout == (
        "pdf: 3 downloaded, 0 moved, 1 skipped (0 up to date, 1 without a PDF source), "
        f"0 failed; {size / 1000:.1f} KB transferred\n"
    )
    assert result.stderr == ""  # piped: no progress bar
    assert load_library(lib.path).get("vaswani2017attention").pdf_path == ATTENTION_PATH
    assert not any(r.path.startswith("/api") for r in lib.server.requests)


def test_pdf_only_rerun_transfers_nothing(runner, lib, env):
    invoke(runner, lib, env, "sync", "--pdf-only", catch_exceptions=False)
    sent = lib.server.bytes_sent

    result = invoke(runner, lib, env, "sync", "--pdf-only", catch_exceptions=False)

    assert result.exit_code == 0
    assert result.stdout == (
        "pdf: 0 downloaded, 0 moved, 4 skipped (3 up to date, 1 without a PDF source), "
        "0 failed; 0 B transferred\n"
    )
    assert lib.server.bytes_sent == sent


def test_pdf_pattern_moves_files(runner, lib, env):
    invoke(runner, lib, env, "sync", "--pdf-only", catch_exceptions=False)

    result = invoke(
        runner, lib, env, "sync", "--pdf-only", "--pdf-pattern", "{section}/{key}.pdf",
        "srivastava2014dropout", catch_exceptions=False,
    )  # fmt: skip

    new = "papers/General Deep Learning papers and books/srivastava2014dropout.pdf"
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"srivastava2014dropout: moved PDF to {new}",
        "pdf: 0 downloaded, 1 moved, 0 skipped (0 up to date, 0 without a PDF source), "
        "0 failed; 0 B transferred",
    ]
    assert (lib.root / new).read_bytes() == DROPOUT
    assert not (lib.root / DROPOUT_PATH).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pdf-pattern", "../{key}.pdf"], "Invalid value for '--pdf-pattern'"),
        (["--pdf-pattern", "{doi}.pdf"], "unknown placeholder {doi}"),
        (["--no-pdf", "--pdf-only"], "--no-pdf and --pdf-only exclude each other"),
        (["--pdf-only", "vaswani2017atention"], "did you mean vaswani2017attention?"),
    ],
    ids=["climbing-pattern", "unknown-placeholder", "exclusive-flags", "unknown-key"],
)
def test_usage_errors_exit_2_before_any_work(runner, lib, env, args, message):
    before = lib.path.read_bytes()
    result = invoke(runner, lib, env, "sync", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert lib.server.requests == []
    assert lib.path.read_bytes() == before


def test_failures_exit_1_with_key_lines_and_library_stays_valid(runner, lib, env):
    lib.server.add("/jmlr/dropout.pdf", Reply(404, b"gone", {"Content-Type": "text/html"}))
    # a broken transfer is retried with real backoff (1 + 2 + 4 s: tests/test_pdf.py has them
    # with a fake clock); a login page served as the PDF fails at once
    lib.server.add("/critical.PDF?dl=1", Reply(body=b"<html>log in</html>", headers={}))

    result = invoke(runner, lib, env, "sync", "--pdf-only")

    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert errors[0].startswith("srivastava2014dropout: PDF: HTTP 404 Not Found (http://")
    assert errors[1].startswith("lipton2015critical: PDF: not a PDF: starts with b'<html'")
    kb = len(ARXIV_V1) / 1000
    assert result.stdout == (
        "pdf: 1 downloaded, 0 moved, 1 skipped (0 up to date, 1 without a PDF source), "
        f"2 failed; {kb:.1f} KB transferred\n"
    )
    assert load_library(lib.path).get("srivastava2014dropout").pdf_path is None
    assert sorted(p.name for p in (lib.root / "papers").rglob("*.p*")) == [
        Path(ATTENTION_PATH).name
    ]


def test_json_report(runner, lib, env):
    result = invoke(runner, lib, env, "sync", "--pdf-only", "--json", "ngmachine",
                    "lipton2015critical", catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert list(data) == ["pdfs"]
    assert data["pdfs"]["counts"] == {"downloaded": 1, "moved": 0, "skipped": 1, "failed": 0}
    assert data["pdfs"]["outcomes"][1] == {
        "key": "lipton2015critical",
        "status": "downloaded",
        "reason": "",
        "path": CRITICAL_PATH,
        "url": lib.server.url("/critical.PDF?dl=1"),
        "bytes": len(CRITICAL),
    }


def test_no_pdf_and_dry_run_fetch_no_pdf(runner, lib, env, fake_arxiv, arxiv_url):
    env = {**env, "DLBIB_ARXIV_API_URL": arxiv_url, "DLBIB_ARXIV_DELAY": "0"}
    for flag in ("--no-pdf", "--dry-run"):
        args = ("sync", "--no-search", flag, "srivastava2014dropout")
        result = invoke(runner, lib, env, *args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "pdf:" not in result.stdout
    assert lib.server.requests == []


def test_check_reports_missing_and_altered_pdfs(runner, lib, env):
    invoke(runner, lib, env, "sync", "--pdf-only", catch_exceptions=False)
    assert invoke(runner, lib, env, "check").exit_code == 0
    (lib.root / DROPOUT_PATH).unlink()
    (lib.root / ATTENTION_PATH).write_bytes(make_pdf("annotated copy"))

    result = invoke(runner, lib, env, "check")

    assert result.exit_code == 1
    codes = {line.split(": ")[1]: line for line in result.stdout.splitlines()}
    assert "changed since it was downloaded" in codes["vaswani2017attention"]
    assert f"file {DROPOUT_PATH!r} does not exist" in codes["srivastava2014dropout"]
    assert result.stderr == f"{lib.path}: 2 problem(s)\n"
    result = invoke(runner, lib, env, "check", "--json")
    assert {f["code"] for f in json.loads(result.stdout)} == {"altered-file", "missing-file"}

    result = invoke(runner, lib, env, "sync", "--pdf-only", catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == (
        "vaswani2017attention: PDF skipped: file changed since download (SHA-256 differs); "
        "kept; delete it to refetch"
    )
    assert result.stdout.splitlines()[1].startswith("pdf: 1 downloaded, 0 moved, 3 skipped")


def test_progress_bar_on_a_terminal(lib, env):
    leader, follower = pty.openpty()
    process = subprocess.run(
        [sys.executable, "-m", "dlbib", "--library", str(lib.path), "sync", "--pdf-only"],
        stdout=subprocess.PIPE,
        stderr=follower,
        env={**os.environ, **env, "PYTHONPATH": str(REPO / "src"), "COLUMNS": "120"},
        timeout=60,
        check=False,
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        shown += data
    os.close(leader)
    assert process.returncode == 0
    assert process.stdout.decode().startswith("pdf: 3 downloaded")
    text = shown.decode()
    assert "PDFs" in text
    assert "4/4" in text
    assert "KB" in text
    assert load_state(lib.config.state_path).get("lipton2015critical", "pdf") is not None


def test_sync_fetches_the_version_it_just_recorded(
    runner, tmp_path, pdf_server, fake_arxiv, arxiv_url
):
    from .test_sync import LIBRARY as SYNC_LIBRARY

    path = tmp_path / "library.bib"
    path.write_text(SYNC_LIBRARY, encoding="utf-8")
    pdf_server.default = Reply(body=make_pdf("an arXiv paper"))
    env = {
        "DLBIB_ARXIV_API_URL": arxiv_url,
        "DLBIB_ARXIV_DELAY": "0",
        "DLBIB_ARXIV_PDF_URL": pdf_server.url("/pdf"),
        "DLBIB_PDF_DELAY": "0",
    }

    result = runner.invoke(
        cli, ["--library", str(path), "sync", "--no-search", "ioffe2015batch"], env=env,
        catch_exceptions=False,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("pdf: 1 downloaded, 0 moved, 0 skipped")
    assert [r.path for r in pdf_server.requests] == ["/pdf/1502.03167v3"]
    ref = load_library(path).get("ioffe2015batch")
    assert ref.get("arxivversion") == "v3"
    assert ref.pdf_path == "papers/2015/ioffe2015batch - Ioffe 2015 - Batch Normalization.pdf"


def test_size_cap_from_dlbib_toml(runner, lib, env):
    (lib.root / "dlbib.toml").write_text("[pdf]\nmax_size_mb = 0.01\n", encoding="utf-8")

    result = invoke(runner, lib, env, "sync", "--pdf-only")

    assert result.exit_code == 1
    assert f"vaswani2017attention: PDF: file too large: {len(ARXIV_V1)} bytes" in result.stderr
    assert "bytes announced, cap 10485 (http" in result.stderr  # 0.01 MiB
    assert "lipton2015critical" not in result.stderr  # 3 KB: under the cap


def test_update_fetches_pdfs(runner, lib, env):
    result = invoke(runner, lib, env, "update")
    assert "pdf: 3 downloaded" in result.stdout
    assert (lib.root / CRITICAL_PATH).read_bytes() == CRITICAL
