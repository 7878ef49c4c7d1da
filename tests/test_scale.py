"""Fast at any size, checked as behaviour (benchmarks/ measure the time): the key index, one
parse and one save per ``dlbib update``, one record per entry for every format, arXiv ids
worked out once, and a ``--help`` that imports only what it needs."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dlbib.config import load_config
from dlbib.errors import DuplicateKeyError, ReferenceNotFoundError
from dlbib.exports import export_loaded_library, export_references
from dlbib.library.bibfile import Block, Library, RawBlock, load_library, save_library
from dlbib.library.cache import ParseCache
from dlbib.library.model import ArxivId, Reference
from dlbib.update import run_update

from .test_sync import LIBRARY

PARSED = re.compile(r": parsed \d+ blocks$")


def parses(caplog: pytest.LogCaptureFixture) -> int:
    return sum(1 for r in caplog.records if PARSED.search(r.getMessage()))


def refs(*keys: str) -> list[Block]:
    return [Reference(k, "misc", {"title": "{T}"}) for k in keys]


# --- the key index -----------------------------------------------------------------------------


def test_find_add_replace_use_keys_as_bibtex_compares_them() -> None:
    library = Library(Path("x.bib"), [RawBlock("comment", "c"), *refs("Smith2020", "jones")])
    library.lines = {"Smith2020": 7}
    assert library.find("smith2020") is library.blocks[1]
    assert library.find("JONES") is library.blocks[2]
    assert library.find("nobody") is None
    with pytest.raises(DuplicateKeyError) as caught:
        library.add(Reference("SMITH2020", "misc", {}))
    assert caught.value.key == "SMITH2020"
    assert "7" in str(caught.value)
    new = Reference("jones", "article", {"title": "{New}"})
    library.replace(new)
    assert library.blocks[2] is new
    with pytest.raises(ReferenceNotFoundError):
        library.replace(Reference("JONES", "misc", {}))  # replace never changes a key
    with pytest.raises(ReferenceNotFoundError):
        library.replace(Reference("nobody", "misc", {}))


def test_the_index_follows_blocks_appended_or_moved_by_hand() -> None:
    library = Library(Path("x.bib"), refs("a", "b"))
    assert library.find("b") is not None
    library.blocks.append(refs("c")[0])  # as the importer appends
    assert library.find("C") is library.blocks[2]
    library.blocks.reverse()  # moved: a found position that no longer holds the key re-indexes
    assert library.find("a") is library.blocks[2]
    del library.blocks[0]
    assert library.find("c") is None
    library.blocks[0] = refs("z")[0]
    library.reindex()
    assert library.find("z") is library.blocks[0]
    assert library.find("b") is None


def test_repeated_keys_find_the_first_as_bibtex_does() -> None:
    first, second = Reference("k", "misc", {"n": "1"}), Reference("K", "misc", {"n": "2"})
    library = Library(Path("x.bib"), [first, second])
    assert library.find("k") is first


def test_many_adds_and_finds_agree_with_a_scan() -> None:
    library = Library(Path("x.bib"))
    for i in range(2000):
        library.add(Reference(f"Key{i}", "misc", {}))
    for i in range(0, 2000, 7):
        library.replace(Reference(f"Key{i}", "book", {}))
    assert [r.key for r in library.references] == [f"Key{i}" for i in range(2000)]
    assert library.get("key1400").entry_type == "book"
    assert library.get("key1401").entry_type == "misc"


# --- arXiv ids once ----------------------------------------------------------------------------


def test_an_entrys_arxiv_id_is_worked_out_once_and_follows_new_fields() -> None:
    ref = Reference("a", "misc", {"eprint": "{1502.03167v2}", "archiveprefix": "{arXiv}"})
    assert ref._arxiv is None
    assert ref.arxiv_id == ArxivId("1502.03167", 2)
    assert ref._arxiv == ArxivId("1502.03167", 2)  # kept on the entry
    changed = ref.with_raw_fields({"eprint": "{1706.03762}"})
    assert changed.arxiv_id == ArxivId("1706.03762")
    none = Reference("b", "misc", {"title": "{T}"})
    assert none.arxiv_id is None
    assert none._arxiv is False
    assert ArxivId.find("arXiv:1502.03167") is ArxivId.find("arXiv:1502.03167")
    assert ArxivId.find("1502.0316") is None
    assert ref == Reference("a", "misc", dict(ref.fields))  # the memo is not part of equality


# --- update: one load, one save ----------------------------------------------------------------


@pytest.fixture
def offline_env(unused_port: int) -> dict[str, str]:
    dead = f"http://127.0.0.1:{unused_port}"
    return {
        "DLBIB_ARXIV_API_URL": f"{dead}/api/query",
        "DLBIB_ARXIV_PDF_URL": f"{dead}/pdf",
        "DLBIB_ARXIV_DELAY": "0",
        "DLBIB_PDF_DELAY": "0",
    }


class CountingCache(ParseCache):
    saves: list[bytes]

    def saved(self, library: Library, path: Path, data: bytes) -> None:
        self.saves.append(data)
        super().saved(library, path, data)


def test_update_parses_once_and_not_at_all_when_warm(
    tmp_path, offline_env, caplog, sample_bib, fetcher
) -> None:
    caplog.set_level(logging.DEBUG, logger="dlbib")
    cache = ParseCache(tmp_path / "cache", "stamp")
    config = load_config(sample_bib, environ=offline_env)
    run_update(config, cache=cache, fetcher=fetcher)
    assert parses(caplog) == 1  # check, sync, PDFs and exports all ran on that one load
    run_update(config, cache=cache, fetcher=fetcher)
    assert parses(caplog) == 1  # unchanged: not parsed again


def test_update_saves_once_and_exports_what_it_saved(
    tmp_path, fake_arxiv, arxiv_url, caplog, fetcher
) -> None:
    caplog.set_level(logging.DEBUG, logger="dlbib")
    library = tmp_path / "library.bib"
    library.write_text(LIBRARY, encoding="utf-8")
    env = {
        "DLBIB_ARXIV_API_URL": arxiv_url,
        "DLBIB_ARXIV_DELAY": "0",
        "DLBIB_ARXIV_PDF_URL": "http://127.0.0.1:9/pdf",  # refused: PDFs fail, the rest goes on
        "DLBIB_PDF_DELAY": "0",
    }
    cache = CountingCache(tmp_path / "cache", "stamp")
    cache.saves = []
    report = run_update(load_config(library, environ=env), cache=cache, fetcher=fetcher)
    assert report.sync is not None
    assert report.sync.having("updated")
    assert len(cache.saves) == 1
    assert cache.saves[0] == library.read_bytes()
    assert parses(caplog) == 1
    saved = load_library(library)
    for exported in report.exports:
        assert exported.path is not None
        expected = export_references(
            saved.references,
            exported.format,
            strings=saved.strings,
            base_dir=exported.path.parent,
            library_root=library.parent,
            on_skip=lambda e: None,
        )
        assert exported.path.read_bytes() == expected.encode("utf-8")


def test_one_record_list_serves_every_format(sample_bib) -> None:
    library = load_library(sample_bib)
    library.add(Reference("nomacro", "article", {"title": "{T}", "journal": "undefinedmacro"}))
    formats = ["bibtex", "biblatex", "csljson", "ris"]
    files, skipped = export_loaded_library(library, formats, exports_root=sample_bib.parent)
    for exported in files:
        assert exported.path is not None
        alone: list[object] = []
        text = export_references(
            library.references,
            exported.format,
            strings=library.strings,
            base_dir=exported.path.parent,
            library_root=sample_bib.parent,
            on_skip=alone.append,
        )
        assert exported.text == text
        assert [str(e) for e in skipped if e.format == exported.format] == [str(e) for e in alone]


def test_an_offline_update_leaves_the_file_alone(offline_env, sample_bib, fetcher) -> None:
    save_library(load_library(sample_bib))
    before = sample_bib.read_bytes()
    run_update(load_config(sample_bib, environ=offline_env), cache=None, fetcher=fetcher)
    assert sample_bib.read_bytes() == before


# --- start-up ----------------------------------------------------------------------------------


def test_help_imports_only_what_it_needs() -> None:
    code = (
        "import sys\n"
        "from dlbib.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m in ('importlib.metadata', 'json', 'logging', 'dlbib.library',"
        " 'dlbib.config') if m in sys.modules]\n"
        "print('LOADED=' + ','.join(loaded))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines()[-1] == "LOADED="


def test_version_is_still_there_when_asked() -> None:
    import dlbib

    assert re.fullmatch(r"\d+\.\d+.*", dlbib.__version__)


# --- LaTeX accents without the parser ----------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "Doll{\\'a}r, Piotr",
        'M{\\"u}ller and G\\"odel',
        "\\'{E}mile \\c{c}a",
        "Erd\\H{o}s and \\v{S}t\\v{e}p\\'an",
        "{ACME Corp} and {\\~n}and\\'u",
        "\\`a\\^e\\=o\\.z\\u{g}\\k{a}\\r{a}",
        "50\\% of R\\&D at 4.9% \\#1 and a\\_b \\'a",
    ],
)
def test_simple_accents_decode_as_the_parser_does(value: str) -> None:
    import unicodedata

    from dlbib.library.text import _converter, _simple_accents

    escaped = re.sub(r"(?<!\\)%", r"\\%", value)  # as latex_to_text hands a bare % over
    expected = unicodedata.normalize("NFC", " ".join(_converter().latex_to_text(escaped).split()))
    assert _simple_accents(value) == expected


@pytest.mark.parametrize(
    "value", ["{\\c c}a", "\\ss{} x", "a~b", "$x$ \\'a", "a\\\\%b", "\\emph{x}"]
)
def test_anything_else_goes_to_the_parser(value: str) -> None:
    from dlbib.library.text import _simple_accents

    assert _simple_accents(value) is None
