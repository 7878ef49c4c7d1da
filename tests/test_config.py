"""Settings: defaults, dlbib.toml beside the library, environment overrides, bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlbib.config import ARXIV_API_URL, load_config
from dlbib.errors import ConfigError


def test_defaults_live_beside_the_library(tmp_path: Path) -> None:
    config = load_config(tmp_path / "library.bib", environ={})
    assert config.arxiv_api_url == ARXIV_API_URL == "https://export.arxiv.org/api/query"
    assert config.arxiv_delay == 3.0
    assert config.pdf_root == tmp_path / "papers"
    assert config.exports_root == tmp_path / "exports"
    assert config.state_path == tmp_path / "library.dlbib.json"


def test_toml_then_environment(tmp_path: Path) -> None:
    (tmp_path / "dlbib.toml").write_text(
        '[arxiv]\napi_url = "http://mirror/api"\ndelay = 5\nversions = "pinned"\n'
        '[pdf]\ndir = "pdfs"\nmax_size_mb = 50\n'
    )
    config = load_config(tmp_path / "library.bib", environ={"DLBIB_ARXIV_DELAY": "0"})
    assert config.arxiv_api_url == "http://mirror/api"
    assert config.arxiv_delay == 0.0
    assert config.versions == "pinned"
    assert config.pdf_root == tmp_path / "pdfs"
    assert config.max_pdf_mb == 50.0


@pytest.mark.parametrize(
    ("toml", "env", "message"),
    [
        ("[arxiv\n", {}, "not valid TOML"),
        ('[arxiv]\ndelay = "soon"\n', {}, "[arxiv] delay: 'soon' is not a valid float"),
        ('[arxiv]\nversions = "newest"\n', {}, "versions must be 'latest' or 'pinned'"),
        ("", {"DLBIB_PDF_DELAY": "-1"}, "DLBIB_PDF_DELAY: must not be negative"),
    ],
    ids=["syntax", "type", "choice", "negative"],
)
def test_bad_settings(tmp_path: Path, toml: str, env: dict[str, str], message: str) -> None:
    (tmp_path / "dlbib.toml").write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "library.bib", environ=env)
    assert message in str(info.value)


def test_http_deadline_backups_and_pdf_time_limit(tmp_path: Path) -> None:
    defaults = load_config(tmp_path / "library.bib", environ={})
    assert (defaults.http_deadline, defaults.backups, defaults.pdf_max_seconds) == (30.0, 5, 900.0)
    (tmp_path / "dlbib.toml").write_text(
        "http_deadline = 12\n[library]\nbackups = 2\n[pdf]\nmax_seconds = 60\n"
    )
    config = load_config(tmp_path / "library.bib", environ={"DLBIB_HTTP_DEADLINE": "7.5"})
    assert (config.http_deadline, config.backups, config.pdf_max_seconds) == (7.5, 2, 60.0)
    assert load_config(tmp_path / "library.bib", environ={"DLBIB_BACKUPS": "0"}).backups == 0
    with pytest.raises(ConfigError, match="DLBIB_HTTP_DEADLINE: must not be negative"):
        load_config(tmp_path / "library.bib", environ={"DLBIB_HTTP_DEADLINE": "-1"})
