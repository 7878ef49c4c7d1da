"""Exports keep each entry's text between runs (library/derived.py): an unchanged entry is not
rendered again, and the files are byte for byte what an export without the cache writes —
after an edit, an ``@string`` change, a move of the export, a damaged table, warnings and
entries a format must leave out included."""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path

import pytest

from dlbib.exports import EXPORTERS, export_library, export_to_files
from dlbib.library.bibfile import load_library

DATA = Path(__file__).parent / "data"
FORMATS = list(EXPORTERS)
REAL = [*sorted((DATA / "bibs").glob("*.bib"))[:6], DATA / "export_types.bib"]


def exported(library: Path, root: Path, caplog: pytest.LogCaptureFixture) -> dict[str, bytes]:
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="dlbib.exports"):
        files, _ = export_library(library, FORMATS, exports_root=root)
    return {f.format: f.text.encode("utf-8") for f in files}


def reused(caplog: pytest.LogCaptureFixture) -> dict[str, int]:
    found = (
        re.search(r": (\w+): (\d+) entries as the last", r.getMessage()) for r in caplog.records
    )
    return {m.group(1): int(m.group(2)) for m in found if m}


def uncached(library: Path, root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    with monkeypatch.context() as m:
        m.setenv("DLBIB_NO_CACHE", "1")
        files, _ = export_library(library, FORMATS, exports_root=root)
    return {f.format: f.text.encode("utf-8") for f in files}


@pytest.mark.parametrize("source", REAL, ids=lambda p: p.name)
def test_second_export_reuses_every_entry_and_writes_the_same_bytes(
    source: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    library = tmp_path / "library.bib"
    shutil.copyfile(source, library)
    root = tmp_path / "exports"
    first = exported(library, root, caplog)
    assert set(reused(caplog).values()) == {0}
    second = exported(library, root, caplog)
    n = len(load_library(library).references)
    assert all(count >= n for count in reused(caplog).values())  # crossref parents count too
    assert second == first == uncached(library, root, monkeypatch)


def test_an_edit_renders_only_the_edited_entry(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = tmp_path / "library.bib"
    shutil.copyfile(DATA / "sample.bib", library)
    root = tmp_path / "exports"
    exported(library, root, caplog)
    n = len(load_library(library).references)
    text = library.read_text(encoding="utf-8")
    edited = re.sub(r"(?m)^(\s*title\s*=\s*\{)", r"\1An Edited Title: ", text, count=1)
    assert edited != text
    library.write_text(edited, encoding="utf-8")
    after = exported(library, root, caplog)
    assert set(reused(caplog).values()) == {n - 1}
    assert after == uncached(library, root, monkeypatch)
    assert b"An Edited Title" in after["ris"]


def test_a_string_change_renders_everything_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = tmp_path / "library.bib"
    library.write_text(
        "@string{jn = {Journal One}}\n\n"
        "@article{a, author = {Doe, Jane}, title = {A}, journal = jn, year = 2020}\n\n"
        "@article{b, author = {Roe, Rick}, title = {B}, journal = {Other}, year = 2021}\n",
        encoding="utf-8",
    )
    root = tmp_path / "exports"
    exported(library, root, caplog)
    library.write_text(library.read_text().replace("Journal One", "Journal Two"), "utf-8")
    after = exported(library, root, caplog)
    assert set(reused(caplog).values()) == {0}
    assert b"Journal Two" in after["csljson"]
    assert b"Journal One" not in after["csljson"]
    assert after == uncached(library, root, monkeypatch)


def _with_a_pdf(folder: Path) -> Path:
    """A one-entry library whose entry names a PDF by a relative path."""
    library = folder / "library.bib"
    library.write_text(
        "@article{a, title = {A}, year = 2020, file = {:papers/a.pdf:PDF}}\n", encoding="utf-8"
    )
    return library


def test_another_folder_gets_its_own_attachment_paths(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = _with_a_pdf(tmp_path)
    near = exported(library, tmp_path / "exports", caplog)
    far = exported(library, tmp_path / "deep" / "er", caplog)
    assert set(reused(caplog).values()) == {0}
    assert b"../papers/a.pdf" in near["ris"]
    assert b"../../papers/a.pdf" in far["ris"]
    assert far == uncached(library, tmp_path / "deep" / "er", monkeypatch)


def test_warnings_and_left_out_entries_come_back_from_the_table(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    library = tmp_path / "library.bib"
    library.write_text(
        "@article{nomacro, title = {T}, journal = undefinedmacro, year = 2020}\n\n"
        "@article{schön, title = {U}, year = 2021}\n",
        encoding="utf-8",
    )
    runs = []
    for _ in range(2):
        warnings: list[tuple[str, str]] = []

        def warn(key: str, message: str, seen: list[tuple[str, str]] = warnings) -> None:
            seen.append((key, message))

        _, skipped = export_library(library, FORMATS, exports_root=tmp_path / "x", on_warning=warn)
        runs.append(([str(e) for e in skipped], [(e.key, e.format) for e in skipped], warnings))
    assert runs[0] == runs[1]
    assert runs[0][1] == [("schön", "bibtex")]
    assert any(key == "nomacro" for key, _ in runs[0][2])


def test_a_damaged_table_is_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
    parse_cache_dir: Path,
) -> None:  # fmt: skip
    library = tmp_path / "library.bib"
    shutil.copyfile(DATA / "sample.bib", library)
    root = tmp_path / "exports"
    exported(library, root, caplog)
    tables = sorted(parse_cache_dir.rglob("*export-*.pickle"))
    assert {t.name.split("export-")[1].split(".")[0] for t in tables} == set(FORMATS)
    for table in tables:
        raw = table.read_bytes()
        table.write_bytes(raw[: len(raw) // 2] + b"\x00" * (len(raw) - len(raw) // 2))
    after = exported(library, root, caplog)
    assert set(reused(caplog).values()) == {0}
    assert after == uncached(library, root, monkeypatch)


def test_update_writes_what_export_writes(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    library = tmp_path / "library.bib"
    shutil.copyfile(DATA / "export_types.bib", library)
    written, _ = export_to_files(load_library(library), FORMATS, exports_root=tmp_path / "e")
    again = exported(library, tmp_path / "e", caplog)
    assert {w.format: w.path.read_bytes() for w in written} == again


def test_the_same_places_spelled_otherwise_reuse_the_table(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = _with_a_pdf(tmp_path)
    first = exported(library, tmp_path / "exports", caplog)
    monkeypatch.chdir(tmp_path)
    again = exported(Path("library.bib"), Path("exports"), caplog)
    assert set(reused(caplog).values()) == {1}
    assert again == first
    (tmp_path / "exports").mkdir()
    monkeypatch.chdir(tmp_path / "exports")  # relative spellings from elsewhere: other places
    elsewhere = exported(Path("../library.bib"), Path("sub"), caplog)
    assert b"../../papers/a.pdf" in elsewhere["ris"]


@pytest.mark.parametrize("value", [5, "text", ("a",), ("a", (), None, "x"), ("a", 3, None)])
def test_a_table_of_other_values_is_ignored(
    value: object, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch, parse_cache_dir: Path,
) -> None:  # fmt: skip
    """A whole table in the right context (header and trailer match) whose results are not an
    entry's (text, warnings, error): each such result is made again, never an error."""
    from dlbib.library.derived import SHARDS, Results

    library = tmp_path / "library.bib"
    shutil.copyfile(DATA / "sample.bib", library)
    root = tmp_path / "exports"
    exported(library, root, caplog)
    for table in sorted(parse_cache_dir.rglob("*export-*.0.pickle")):
        head = table.read_bytes().split(b"\n", 2)[1]
        context = json.loads(head)["context"]
        base = table.with_name(table.name.replace(".0.pickle", ".pickle"))
        planted = Results(base, context)
        for n in range(SHARDS):
            for digest in planted._old[n]:
                planted.put(digest, value)
        planted.save()
    assert exported(library, root, caplog) == uncached(library, root, monkeypatch)


def test_update_refuses_an_unknown_format_before_writing(tmp_path: Path) -> None:
    from dlbib.errors import ExportError

    library = tmp_path / "library.bib"
    shutil.copyfile(DATA / "sample.bib", library)
    with pytest.raises(ExportError, match="unknown export format 'docx'"):
        export_to_files(load_library(library), ["ris", "docx"], exports_root=tmp_path / "e")
    assert not (tmp_path / "e").exists()
