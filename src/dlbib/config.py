"""Settings for one library: defaults, then ``dlbib.toml`` beside library.bib, then environment.

Everything dlbib keeps for a library lives in the library's folder, so one library is one folder
under git. This module only reads settings; it does not create folders or touch the network.

``dlbib.toml`` (every key optional; top-level keys come before the first ``[section]``)::

    http_deadline = 30.0                             # DLBIB_HTTP_DEADLINE, seconds per API request
    published = "report"                             # DLBIB_PUBLISHED: or "follow", "off"
    contact_email = "you@example.org"                # DLBIB_CONTACT_EMAIL (Crossref's polite pool)

    [library]
    backups = 5                                      # DLBIB_BACKUPS, previous versions kept
    encoding = "utf-8"                               # DLBIB_ENCODING / --encoding: no BOM or header

    [arxiv]
    api_url = "https://export.arxiv.org/api/query"   # DLBIB_ARXIV_API_URL
    delay = 3.0                                      # DLBIB_ARXIV_DELAY, seconds between requests
    versions = "latest"                              # or "pinned": only report new versions
    fresh_days = 7                                   # results younger than this are not re-fetched

    [pdf]
    url = "https://arxiv.org/pdf"                    # DLBIB_ARXIV_PDF_URL
    delay = 3.0                                      # DLBIB_PDF_DELAY, per host
    dir = "papers"                                   # relative to the library's folder
    pattern = "{year}/{key} - {author} {year} - {title}.pdf"
    max_size_mb = 200
    max_seconds = 900                                # one whole download (separate from the above)

    [export]
    dir = "exports"

    [services]                                       # where published versions are looked up
    s2_api_url = "https://api.semanticscholar.org/graph/v1"   # DLBIB_S2_API_URL
    s2_api_key = ""                                  # DLBIB_S2_API_KEY (optional)
    s2_delay = 3.0                                   # DLBIB_S2_DELAY (1.1 with a key)
    dblp_api_url = "https://dblp.org"                # DLBIB_DBLP_API_URL
    dblp_delay = 3.0                                 # DLBIB_DBLP_DELAY
    openreview_api_url = "https://api2.openreview.net"  # DLBIB_OPENREVIEW_API_URL
    openreview_delay = 3.0                           # DLBIB_OPENREVIEW_DELAY
    crossref_api_url = "https://api.crossref.org"    # DLBIB_CROSSREF_API_URL
    crossref_delay = 0.5                             # DLBIB_CROSSREF_DELAY (1.0 without an email)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, as the backport tomllib came from
    import tomli as tomllib

from dlbib.errors import ConfigError

ARXIV_API_URL: Final = "https://export.arxiv.org/api/query"
ARXIV_PDF_URL: Final = "https://arxiv.org/pdf"
DEFAULT_PDF_PATTERN: Final = "{year}/{key} - {author} {year} - {title}.pdf"
CONFIG_NAME: Final = "dlbib.toml"

_ENV: Final = {
    "DLBIB_ARXIV_API_URL": ("arxiv_api_url", str),
    "DLBIB_ARXIV_DELAY": ("arxiv_delay", float),
    "DLBIB_ARXIV_PDF_URL": ("arxiv_pdf_url", str),
    "DLBIB_PDF_DELAY": ("pdf_delay", float),
    "DLBIB_ENCODING": ("encoding", str),
    "DLBIB_HTTP_DEADLINE": ("http_deadline", float),
    "DLBIB_BACKUPS": ("backups", int),
    "DLBIB_PUBLISHED": ("published", str),
    "DLBIB_CONTACT_EMAIL": ("contact_email", str),
    "DLBIB_S2_API_URL": ("s2_api_url", str),
    "DLBIB_S2_API_KEY": ("s2_api_key", str),
    "DLBIB_S2_DELAY": ("s2_delay", float),
    "DLBIB_DBLP_API_URL": ("dblp_api_url", str),
    "DLBIB_DBLP_DELAY": ("dblp_delay", float),
    "DLBIB_OPENREVIEW_API_URL": ("openreview_api_url", str),
    "DLBIB_OPENREVIEW_DELAY": ("openreview_delay", float),
    "DLBIB_CROSSREF_API_URL": ("crossref_api_url", str),
    "DLBIB_CROSSREF_DELAY": ("crossref_delay", float),
}
_TOML: Final = {
    ("", "http_deadline"): ("http_deadline", float),
    ("library", "backups"): ("backups", int),
    ("arxiv", "api_url"): ("arxiv_api_url", str),
    ("arxiv", "delay"): ("arxiv_delay", float),
    ("arxiv", "versions"): ("versions", str),
    ("arxiv", "fresh_days"): ("fresh_days", float),
    ("pdf", "url"): ("arxiv_pdf_url", str),
    ("pdf", "delay"): ("pdf_delay", float),
    ("pdf", "dir"): ("pdf_dir", Path),
    ("pdf", "pattern"): ("pdf_pattern", str),
    ("pdf", "max_size_mb"): ("max_pdf_mb", float),
    ("pdf", "max_seconds"): ("pdf_max_seconds", float),
    ("export", "dir"): ("exports_dir", Path),
    ("library", "encoding"): ("encoding", str),
    ("", "published"): ("published", str),
    ("", "contact_email"): ("contact_email", str),
    **{("services", name): (name, kind) for name, kind in (
        ("s2_api_url", str), ("s2_api_key", str), ("s2_delay", float),
        ("dblp_api_url", str), ("dblp_delay", float),
        ("openreview_api_url", str), ("openreview_delay", float),
        ("crossref_api_url", str), ("crossref_delay", float),
    )},
}  # fmt: skip
PUBLISHED_MODES: Final = ("report", "follow", "off")


@dataclass(frozen=True)
class Config:
    """Resolved settings for one library file."""

    library: Path
    """The library file (``--library``, ``DLBIB_LIBRARY``, default ``./library.bib``)."""
    arxiv_api_url: str = ARXIV_API_URL
    arxiv_delay: float = 3.0
    """Seconds between arXiv API requests (arXiv asks for at least 3)."""
    versions: str = "latest"
    """``latest``: follow new arXiv versions; ``pinned``: keep the cited one, only report."""
    fresh_days: float = 7.0
    arxiv_pdf_url: str = ARXIV_PDF_URL
    pdf_delay: float = 3.0
    pdf_dir: Path = Path("papers")
    pdf_pattern: str = DEFAULT_PDF_PATTERN
    max_pdf_mb: float = 200.0
    exports_dir: Path = Path("exports")
    encoding: str | None = None
    """The library's encoding when the file has no BOM or JabRef header (None: UTF-8)."""
    http_deadline: float = 30.0
    """Seconds one metadata-service request may take, first byte to last, however slow."""
    pdf_max_seconds: float = 900.0
    """Seconds one whole PDF download may take (PDFs are large; this is not ``http_deadline``)."""
    backups: int = 5
    """Previous versions of library.bib (and its sidecar) kept in ``.dlbib/backups/``."""
    published: str = "report"
    """Published versions: ``report`` (sidecar + report only), ``follow`` (entries become the
    published work), ``off`` (not looked up)."""
    contact_email: str | None = None
    """Sent to Crossref (``mailto``) for its polite pool."""
    s2_api_url: str | None = None
    """None: each service's real URL (see :mod:`dlbib.sources`); tests point elsewhere."""
    s2_api_key: str | None = None
    s2_delay: float | None = None
    """None: each service's own politeness default."""
    dblp_api_url: str | None = None
    dblp_delay: float | None = None
    openreview_api_url: str | None = None
    openreview_delay: float | None = None
    crossref_api_url: str | None = None
    crossref_delay: float | None = None

    @property
    def root(self) -> Path:
        """The library's folder: everything dlbib keeps for it lives here."""
        return self.library.parent

    @property
    def pdf_root(self) -> Path:
        """The PDF folder, resolved against the library's folder."""
        return self.root / self.pdf_dir

    @property
    def exports_root(self) -> Path:
        """The exports folder, resolved against the library's folder."""
        return self.root / self.exports_dir

    @property
    def state_path(self) -> Path:
        """The sync sidecar beside the library: ``<name>.dlbib.json``."""
        return self.library.with_name(self.library.stem + ".dlbib.json")


def _convert(value: Any, kind: type, where: str, path: Path | None) -> Any:
    try:
        converted = kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {value!r} is not a valid {kind.__name__}", path) from exc
    if kind in (float, int) and converted < 0:
        raise ConfigError(f"{where}: must not be negative", path)
    return converted


def load_config(library: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Settings for ``library``: defaults, its folder's ``dlbib.toml``, then the environment.

    :raises ConfigError: when the file is not valid TOML or a value has the wrong type.
    """
    env = os.environ if environ is None else environ
    config = Config(library=library)
    toml_path = library.parent / CONFIG_NAME
    updates: dict[str, Any] = {}
    if toml_path.is_file():
        try:
            data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"not valid TOML: {exc}", toml_path) from exc
        for (section, key), (attr, kind) in _TOML.items():
            table = data.get(section, {}) if section else data
            if isinstance(table, dict) and key in table:
                where = f"[{section}] {key}" if section else key
                updates[attr] = _convert(table[key], kind, where, toml_path)
    for var, (attr, kind) in _ENV.items():
        if env.get(var):
            updates[attr] = _convert(env[var], kind, var, None)
    if updates.get("versions", "latest") not in ("latest", "pinned"):
        raise ConfigError("[arxiv] versions must be 'latest' or 'pinned'", toml_path)
    if updates.get("published", "report") not in PUBLISHED_MODES:
        raise ConfigError("published must be 'report', 'follow' or 'off'", toml_path)
    return replace(config, **updates)
