"""``dlbib check``'s per-entry findings kept between runs: the same findings, in the same order,
with the table or without it (DLBIB_NO_CACHE=1), cold or warm, after any edit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from benchmarks.generate import generate_library

import dlbib.entry_checks
from dlbib.check import Finding, check_library, lint_library, pdf_files_check
from dlbib.library.bibfile import load_library
from dlbib.library.state import SyncState

DATA = Path(__file__).parent / "data"
REAL = sorted(p for p in DATA.rglob("*.bib") if "golden" not in p.parts)

CRAFTED = r"""@string{jmlr = {Journal of Machine Learning Research}}

@proceedings{conf,
  title = {Proceedings of Things},
  booktitle = {Proceedings of Things},
  year = {2020},
}

@inproceedings{child,
  author = {Doe, Jane},
  title = {A Child Paper},
  crossref = {conf},
}

@inproceedings{orphan,
  author = {Doe, Jane},
  title = {An Orphan},
  crossref = {nowhere},
}

@article{a1,
  author = {Smith, John},
  title = {Deep Things},
  journal = jmlr,
  year = {2019},
  doi = {10.1000/xyz},
}

@article{a2,
  author = {Smith, John},
  title = {Deep things},
  journal = undefinedmacro,
  year = {2019},
  doi = {10.1000/XYZ},
  url = {https://example.org/a\_b},
}

@misc{ctrl,
  title = {BadCTRL},
  note = {x},
}

@misc{withfile,
  title = {Has a file},
  file = {:pdfs/present.pdf:PDF},
}

@article{A1,
  title = {Repeated key},
}

@misc{e1,
  title = {Eprint},
  eprint = {9999.99999},
  archiveprefix = {arXiv},
}
"""


@pytest.fixture
def work_outs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of the entries whose facts were worked out (not taken from the table)."""
    called: list[str] = []
    real = dlbib.entry_checks.work_out

    def counting(ref, strings):
        called.append(ref.key)
        return real(ref, strings)

    monkeypatch.setattr(dlbib.entry_checks, "work_out", counting)
    return called


def uncached(path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Finding]:
    with monkeypatch.context() as m:
        m.setenv("DLBIB_NO_CACHE", "1")
        return check_library(path, include_notes=True)


def crafted(folder: Path) -> Path:
    path = folder / "library.bib"
    path.write_text(CRAFTED.replace("CTRL", "\x01"), encoding="utf-8")
    return path


@pytest.mark.parametrize("path", REAL, ids=[str(p.relative_to(DATA)) for p in REAL])
def test_real_libraries_same_findings_cold_warm_and_without(
    path: Path, monkeypatch: pytest.MonkeyPatch, work_outs: list[str]
) -> None:
    expected = uncached(path, monkeypatch)
    work_outs.clear()
    assert check_library(path, include_notes=True) == expected  # cold: every entry worked out
    cold = len(work_outs)
    assert check_library(path, include_notes=True) == expected  # warm: none
    assert len(work_outs) == cold
    if not any(f.code == "parse" for f in expected):
        assert cold > 0


def test_generated_library_same_findings_and_only_the_edited_entry_worked_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, work_outs: list[str]
) -> None:
    path = generate_library(tmp_path / "library.bib", 300)
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n" + CRAFTED.replace("CTRL", "\x01"), encoding="utf-8")
    expected = uncached(path, monkeypatch)
    assert {
        "duplicate-work",
        "missing-field",
        "bad-crossref",
        "undefined-string",
        "control-char",
    } <= {f.code for f in expected}
    assert check_library(path, include_notes=True) == expected
    work_outs.clear()
    assert check_library(path, include_notes=True) == expected
    assert work_outs == []
    edited = path.read_text(encoding="utf-8").replace("title = {Deep things}", "title = {Other}")
    path.write_text(edited, encoding="utf-8")
    expected = uncached(path, monkeypatch)
    work_outs.clear()
    assert check_library(path, include_notes=True) == expected
    assert work_outs == ["a2"]  # the parse cache missed; the other entries' findings did not


def test_a_new_string_definition_is_a_new_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, work_outs: list[str]
) -> None:
    path = crafted(tmp_path)
    before = check_library(path, include_notes=True)
    assert any(f.code == "undefined-string" for f in before)
    path.write_text("@string{undefinedmacro = {X}}\n\n" + path.read_text("utf-8"), "utf-8")
    work_outs.clear()
    after = check_library(path, include_notes=True)
    assert len(work_outs) == len(load_library(path).references)
    assert after == uncached(path, monkeypatch)
    assert not any(f.code == "undefined-string" for f in after)


def test_a_parent_edit_changes_an_unchanged_childs_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = crafted(tmp_path)
    assert ("missing-field", "child") not in [(f.code, f.key) for f in check_library(path)]
    text = path.read_text("utf-8").replace("  year = {2020},\n", "", 1)
    path.write_text(text, "utf-8")
    found = check_library(path, include_notes=True)
    assert found == uncached(path, monkeypatch)
    assert ("missing-field", "child") in [(f.code, f.key) for f in found]


def test_files_are_looked_at_every_run(tmp_path: Path) -> None:
    path = crafted(tmp_path)
    assert ("missing-file", "withfile") in [(f.code, f.key) for f in check_library(path)]
    (tmp_path / "pdfs").mkdir()
    (tmp_path / "pdfs" / "present.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    assert ("missing-file", "withfile") not in [(f.code, f.key) for f in check_library(path)]
    shutil.rmtree(tmp_path / "pdfs")
    assert ("missing-file", "withfile") in [(f.code, f.key) for f in check_library(path)]


def test_a_damaged_table_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parse_cache_dir: Path
) -> None:
    path = crafted(tmp_path)
    expected = uncached(path, monkeypatch)
    assert check_library(path, include_notes=True) == expected
    tables = sorted((parse_cache_dir / "results").glob("*-check.*.pickle"))
    assert tables
    for damage in (lambda raw: b"", lambda raw: raw[:-10] + bytes(10), lambda raw: b"garbage"):
        for table in tables:
            if table.exists():
                table.write_bytes(damage(table.read_bytes()))
        assert check_library(path, include_notes=True) == expected
    assert check_library(path, include_notes=True) == expected


def test_lint_library_of_an_edited_library_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, work_outs: list[str]
) -> None:
    """What ``dlbib update`` does: lint the loaded library (with its extra checks)."""
    path = crafted(tmp_path)
    library = load_library(path)
    extra = [pdf_files_check(SyncState(tmp_path / "library.dlbib.json"))]
    first = lint_library(library, extra=extra)
    library.replace(library.get("a1").with_fields({"title": "Changed"}))
    work_outs.clear()
    again = lint_library(library, extra=extra)
    assert work_outs == ["a1"]
    monkeypatch.setenv("DLBIB_NO_CACHE", "1")
    assert again == lint_library(library, extra=extra)
    assert [f for f in first if f.key != "a1"] == [f for f in again if f.key != "a1"]


@pytest.mark.parametrize(
    "value", [(5, 6, 7, 8), ((("m", "c"),), 1, (), ()), (None, (), (("doi",),), ("k", 2))]
)
def test_a_table_of_other_values_is_ignored(
    value: tuple[object, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    parse_cache_dir: Path,
) -> None:  # fmt: skip
    """A table in the right context (header and trailer match) holding four-tuples that are
    not an entry's facts: each entry is worked out again, never an error."""
    import json

    from dlbib.library.derived import SHARDS, Results

    path = crafted(tmp_path)
    expected = uncached(path, monkeypatch)
    assert check_library(path, include_notes=True) == expected
    for table in sorted((parse_cache_dir / "results").glob("*-check.*.pickle")):
        context = json.loads(table.read_bytes().split(b"\n", 2)[1])["context"]
        base = table.with_name(table.name.split(".")[0] + ".pickle")
        planted = Results(base, context)
        for n in range(SHARDS):
            for digest in planted._old[n]:
                planted.put(digest, value)
        planted.save()
    assert check_library(path, include_notes=True) == expected


def kept_values(path: Path) -> list[tuple[object, ...]]:
    """What a table keeps for each entry of ``path``: its facts as a plain tuple."""
    library = load_library(path)
    strings = set(library.strings)
    return [tuple(dlbib.entry_checks.work_out(ref, strings)) for ref in library.references]


@pytest.mark.parametrize("path", REAL, ids=[str(p.relative_to(DATA)) for p in REAL])
def test_the_bulk_shape_check_takes_what_the_one_by_one_check_takes(path: Path) -> None:
    """:func:`all_facts` (one pass over a whole table) accepts the kept facts of every real
    library, and each as :func:`_as_facts` makes it is what :func:`_kept` makes of it."""
    from dlbib.entry_checks import _as_facts, _kept, all_facts
    from dlbib.errors import LibraryError

    try:
        values = kept_values(path)
    except LibraryError:
        pytest.skip("does not load")
    with_misses = [*values, None, *values[:3], None]
    assert all_facts(values)
    assert all_facts(with_misses)
    assert all_facts([])
    assert all_facts([None])
    assert [_as_facts(v) for v in values] == [_kept(v) for v in values]
    assert all(type(_as_facts(v)) is type(_kept(v)) for v in values)


class Text(str):
    """A str subclass: what no table file can hold (it names no class), refused in bulk."""


@pytest.mark.parametrize(
    "value",
    [
        (5, 6, 7, 8), ((("m", "c"),), 1, (), ()), (None, (), (("doi",),), ("k", 2)), (None,) * 4,
        ((), (), (), (), ()), ((), (), ()), [(), (), (), ()], ((("m", "c", "x"),), (), (), ()),
        ((["m", "c"],), (), (), ()), ((), ("x", 1), (), ()), ((), (), (("doi", b"x"),), ()),
        ((), (), (), (None,)), ((), (), (), "ab"), ((), (), ("ab",), ()), ("mc", (), (), ()),
        ((), (), (), (Text("k"),)), ((Text("m"), "c"),), {"a": 1}, "facts", 7,
    ],
)  # fmt: skip
def test_the_bulk_shape_check_refuses_what_is_not_facts(value: object) -> None:
    """A value that is not facts of the exact shape, wherever it is in a table, fails the bulk
    check: the entries are then looked at one by one (:func:`_kept`), as before."""
    from dlbib.entry_checks import all_facts

    good: list[object] = list(kept_values(DATA / "sample.bib"))
    assert all_facts(good)
    for values in ([value], [*good, value], [value, *good], [None, value]):
        assert not all_facts(values)
