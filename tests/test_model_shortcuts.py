"""The value types' shortcuts give exactly what their straightforward versions give."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from dlbib.errors import LibraryError
from dlbib.library.bibfile import load_library
from dlbib.library.model import _ID_RE, _URL_RE, ArxivId, _encloses, _parse_arxiv_id


def _encloses_by_walking(raw: str) -> bool:
    if raw.find("}") == len(raw) - 1:
        return True
    depth = 0
    for i, ch in enumerate(raw):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i == len(raw) - 1
    return False


def test_encloses_on_every_short_text() -> None:
    for size in range(9):
        for chars in itertools.product("{}a", repeat=size):
            raw = "".join(chars)
            assert _encloses(raw) == _encloses_by_walking(raw), raw


def _parse_by_every_rule(value: str) -> ArxivId | None:
    text = value.strip()
    m = _URL_RE.match(text)
    if m:
        text = m.group("rest")
    text = re.sub(r"(?i)^(?:https?://(?:dx\.)?doi\.org/|doi:)", "", text)
    text = re.sub(r"(?i)^10\.48550/arxiv\.", "", text)
    text = re.sub(r"(?i)^arxiv:\s*", "", text)
    text = re.sub(r"(?i)\.pdf$", "", text.rstrip("/"))
    m = _ID_RE.fullmatch(text)
    if not m:
        return None
    if m.group("new"):
        yymm, num = m.group("yymm"), m.group("num")
        month = int(yymm[2:])
        if not 1 <= month <= 12 or yymm < "0704" or (len(num) == 5) != (yymm >= "1501"):
            return None
        ident = m.group("new")
    else:
        ident = m.group("old")
    version = int(m.group("version")) if m.group("version") else None
    return ArxivId(ident, version)


def test_arxiv_id_parse_shortcut_on_every_form() -> None:
    values = ["1502.03167", " 1502.03167v3 ", "cs/0112017", "math.GT/0309136v2", "0704.0001",
              "1412.99999", "1501.0001", "1501.00001", "arXiv:1502.03167", "ARXIV: 1502.03167",
              "https://arxiv.org/abs/1502.03167v2", "http://export.arxiv.org/pdf/1502.03167.pdf",
              "arxiv.org/abs/cs/0112017/", "10.48550/arXiv.1502.03167",
              "doi:10.48550/arxiv.1502.03167",
              "https://doi.org/10.48550/arXiv.1502.03167", "1502.03167.pdf", "1502.03167/",
              "1513.03167", "0612.1234", "", "v2", "hep-th/9901001v1"]  # fmt: skip
    for bib in sorted((Path(__file__).parent / "data").rglob("*.bib")):
        try:
            library = load_library(bib)
        except LibraryError:
            continue
        for ref in library.references:
            values.extend(ref.get(name) or "" for name in ("eprint", "url", "doi", "note"))
    for value in values:
        assert _parse_arxiv_id(value) == _parse_by_every_rule(value), value
