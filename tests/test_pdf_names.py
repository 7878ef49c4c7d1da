"""Each entry's PDF path kept between runs (PdfNames): always what pdf_path says."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.generate import generate_library

import dlbib.pdfs.paths
from dlbib.library.bibfile import load_library
from dlbib.pdfs.paths import PdfNames, pdf_path

PATTERN = "{year}/{key} - {author} {year} - {title}.pdf"


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Keys whose path was worked out (not taken from the table)."""
    keys: list[str] = []
    real = dlbib.pdfs.paths.pdf_path

    def counting(ref, pattern):
        keys.append(ref.key)
        return real(ref, pattern)

    monkeypatch.setattr(dlbib.pdfs.paths, "pdf_path", counting)
    return keys


def paths(library_path: Path, pattern: str = PATTERN) -> list[str]:
    names = PdfNames(library_path, pattern)
    found = [names.path(ref).as_posix() for ref in load_library(library_path).references]
    names.save()
    return found


def test_kept_paths_are_the_computed_ones(tmp_path: Path, computed: list[str]) -> None:
    library = generate_library(tmp_path / "library.bib", 60)
    refs = load_library(library).references
    expected = [pdf_path(r, PATTERN).as_posix() for r in refs]
    computed.clear()
    assert paths(library) == expected
    assert len(computed) == len(refs)
    computed.clear()
    assert paths(library) == expected
    assert computed == []
    text = library.read_text("utf-8").replace("title = {", "title = {Changed ", 1)
    library.write_text(text, "utf-8")
    again = paths(library)
    assert computed == [refs[0].key]
    assert again[1:] == expected[1:]
    assert again[0] == pdf_path(load_library(library).references[0], PATTERN).as_posix()
    assert again[0] != expected[0]


def test_another_pattern_is_another_table(tmp_path: Path, computed: list[str]) -> None:
    library = generate_library(tmp_path / "library.bib", 10)
    paths(library)
    computed.clear()
    flat = paths(library, "{key}.pdf")
    assert len(computed) == 10
    assert flat == [f"{r.key}.pdf" for r in load_library(library).references]


def test_without_the_cache_or_with_a_damaged_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parse_cache_dir: Path
) -> None:
    library = generate_library(tmp_path / "library.bib", 10)
    expected = paths(library)
    tables = sorted((parse_cache_dir / "results").glob("*-pdf-paths.*.pickle"))
    assert tables
    for table in tables:
        table.write_bytes(table.read_bytes()[:-5] + b"xxxxx")
    assert paths(library) == expected
    monkeypatch.setenv("DLBIB_NO_CACHE", "1")
    assert paths(library) == expected


def test_a_run_that_asks_nothing_keeps_the_table(tmp_path: Path, parse_cache_dir: Path) -> None:
    library = generate_library(tmp_path / "library.bib", 10)
    paths(library)
    tables = sorted((parse_cache_dir / "results").glob("*-pdf-paths.*.pickle"))
    before = [t.read_bytes() for t in tables]
    PdfNames(library, PATTERN).save()
    assert [t.read_bytes() for t in tables] == before
    assert tables


@pytest.mark.parametrize("value", ["", ".", "..", "/etc/x.pdf", "../up.pdf", "a/../../b.pdf", "x"])
def test_a_planted_path_is_worked_out_again(
    value: str, tmp_path: Path, parse_cache_dir: Path
) -> None:
    """A table whose header and trailer match but whose paths pdf_path never makes (empty, the
    folder itself, absolute, climbing out, not a .pdf): each is worked out again."""
    import json

    from dlbib.library.derived import SHARDS, Results

    library = generate_library(tmp_path / "library.bib", 10)
    expected = paths(library)
    for table in sorted((parse_cache_dir / "results").glob("*-pdf-paths.*.pickle")):
        context = json.loads(table.read_bytes().split(b"\n", 2)[1])["context"]
        planted = Results(table.with_name(table.name.split(".")[0] + ".pickle"), context)
        for n in range(SHARDS):
            for digest in planted._old[n]:
                planted.put(digest, value)
        planted.save()
    assert paths(library) == expected
