"""Settings for one library: defaults, then ``dlbib.toml`` beside library.bib, then environment.

Everything dlbib keeps for a library lives in the library's folder, so one library is one folder
under git. This module only reads settings; it does not create folders or touch the network.

``dlbib.toml`` (every key optional)::

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

    [export]
    dir = "exports"

    [library]
    encoding = "utf-8"          # DLBIB_ENCODING / --encoding: for a file without BOM or header
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
}
_TOML: Final = {
    ("arxiv", "api_url"): ("arxiv_api_url", str),
    ("arxiv", "delay"): ("arxiv_delay", float),
    ("arxiv", "versions"): ("versions", str),
    ("arxiv", "fresh_days"): ("fresh_days", float),
    ("pdf", "url"): ("arxiv_pdf_url", str),
    ("pdf", "delay"): ("pdf_delay", float),
    ("pdf", "dir"): ("pdf_dir", Path),
    ("pdf", "pattern"): ("pdf_pattern", str),
    ("pdf", "max_size_mb"): ("max_pdf_mb", float),
    ("export", "dir"): ("exports_dir", Path),
    ("library", "encoding"): ("encoding", str),
}


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
    if kind is float and converted < 0:
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
            if key in data.get(section, {}):
                value = data[section][key]
                updates[attr] = _convert(value, kind, f"[{section}] {key}", toml_path)
    for var, (attr, kind) in _ENV.items():
        if env.get(var):
            updates[attr] = _convert(env[var], kind, var, None)
    if updates.get("versions", "latest") not in ("latest", "pinned"):
        raise ConfigError("[arxiv] versions must be 'latest' or 'pinned'", toml_path)
    return replace(config, **updates)
