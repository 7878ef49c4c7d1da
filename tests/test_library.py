"""load/save of library.bib: round trip, canonical form, atomic and locked writes, bad input."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from dlbib.errors import DuplicateKeyError, LibraryError, LockedError, ReferenceNotFoundError
from dlbib.library.bibfile import (
    RawBlock,
    edit_library,
    format_library,
    library_lock,
    load_library,
    render_library,
    save_library,
)
from dlbib.library.files import atomic_write
from dlbib.library.model import Reference

from .conftest import BIBS


def test_round_trip_keeps_everything(sample_bib: Path) -> None:
    first = load_library(sample_bib)
    save_library(first)
    second = load_library(sample_bib)
    assert second.blocks == first.blocks
    kinds = [b.kind for b in first.blocks if isinstance(b, RawBlock)]
    assert kinds == ["text", "preamble", "string", "comment"]
    ref = second.get("vandermaaten2008visualizing")
    assert ref.fields["journal"] == "jmlr"  # @string reference kept, not resolved
    assert ref.fields["month"] == "nov"
    assert ref.fields["mendeley-groups"] == "{Visualisation}"  # unknown field kept
    assert second.get("acme2020widgets").fields["howpublished"] == '"ACME blog"'
    assert second.strings == {"jmlr": "{Journal of Machine Learning Research}"}


def test_save_changes_nothing_and_format_is_canonical(sample_bib: Path, golden) -> None:
    before = sample_bib.read_bytes()
    assert save_library(load_library(sample_bib)) is False  # never reformats
    assert sample_bib.read_bytes() == before
    assert format_library(sample_bib) is True
    once = sample_bib.read_bytes()
    assert save_library(load_library(sample_bib)) is False
    assert format_library(sample_bib) is False
    assert sample_bib.read_bytes() == once
    golden("library/sample.canonical.bib", once.decode("utf-8"))


def test_canonical_field_order_keeps_unknown_fields_after_known(tmp_path: Path) -> None:
    path = tmp_path / "library.bib"
    path.write_text("@ARTICLE{k, zzz = {1}, Year = 2020, Title = {T}, aaa = {2}, author = {A}}\n")
    format_library(path)
    assert path.read_text() == (
        "@article{k,\n  author = {A},\n  title = {T},\n  year = 2020,\n"
        "  zzz = {1},\n  aaa = {2},\n}\n"
    )


def test_round_trip_of_a_real_488_entry_file(tmp_path: Path) -> None:
    path = tmp_path / "d2l.bib"
    path.write_bytes((BIBS / "d2l.bib").read_bytes())
    library = load_library(path)
    assert len(library.references) == 488
    assert save_library(library) is False
    assert path.read_bytes() == (BIBS / "d2l.bib").read_bytes()
    format_library(path)
    again = load_library(path)
    assert again.blocks == library.blocks
    assert render_library(again.blocks) == path.read_text(encoding="utf-8")


def test_new_entries_are_appended(sample_bib: Path) -> None:
    with edit_library(sample_bib) as library:
        library.add(Reference("zz2020new", "misc", {"title": "{New}"}))
    keys = load_library(sample_bib).keys()
    assert keys[-1] == "zz2020new"


def test_add_refuses_a_taken_key_case_insensitively(sample_bib: Path) -> None:
    library = load_library(sample_bib)
    with pytest.raises(DuplicateKeyError) as info:
        library.add(Reference("HE2017MASK", "misc", {}))
    assert info.value.key == "HE2017MASK"


def test_replace_keeps_position_and_key(sample_bib: Path) -> None:
    library = load_library(sample_bib)
    before = library.keys()
    library.replace(library.get("he2017mask").with_fields({"note": "x"}))
    assert library.keys() == before
    with pytest.raises(ReferenceNotFoundError):
        library.replace(Reference("nope", "misc", {}))


def test_get_unknown_key_suggests_close_keys(sample_bib: Path) -> None:
    with pytest.raises(ReferenceNotFoundError) as info:
        load_library(sample_bib).get("he2017mas")
    assert "he2017mask" in info.value.suggestions
    assert "did you mean he2017mask?" in str(info.value)


BROKEN = {
    "unbalanced-brace": ("@article{a, title = {ok}}\n\n@article{b, title = {broken\n", 3),
    "unclosed-entry": ("@article{a, title = {x}, year = 2000\n\n@misc{b, title={y}}\n", 1),
    "extra-closing-brace": (
        "@article{a,\n  title = {Good}},\n  journal = {J},\n  year = 2020,\n}\n",
        2,
    ),
    "missing-comma-after-key": ("@article{a1\n  title = {x}}\n", 1),
}


@pytest.mark.parametrize(("text", "line"), BROKEN.values(), ids=BROKEN.keys())
def test_broken_file_raises_with_line_and_is_untouched(
    tmp_path: Path, text: str, line: int
) -> None:
    path = tmp_path / "library.bib"
    path.write_text(text)
    before = path.read_bytes()
    with pytest.raises(LibraryError) as info, edit_library(path) as library:
        library.add(Reference("new", "misc", {}))
    assert info.value.path == path
    assert info.value.problems[0].line == line
    assert f"line {line}" in str(info.value)
    assert path.read_bytes() == before


def test_case_insensitive_duplicate_key(tmp_path: Path) -> None:
    path = tmp_path / "library.bib"
    path.write_text("@misc{Smith2020, title={x}}\n\n@misc{smith2020, title={y}}\n")
    library = load_library(path)  # BibTeX reads it (and uses the first)
    assert library.duplicate_keys() == [("Smith2020", [1, 3])]
    before = path.read_bytes()
    with pytest.raises(DuplicateKeyError) as info:
        save_library(library)
    assert info.value.key == "Smith2020"
    assert "1 citation key is repeated ('Smith2020' at 1, 3); nothing was written" in str(
        info.value
    )
    assert path.read_bytes() == before


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match="no such file"):
        load_library(tmp_path / "nope.bib")
    latin = tmp_path / "latin.bib"
    latin.write_bytes(b"@misc{a,\n  title = {caf\xe9},\n}\n")
    with pytest.raises(LibraryError) as info:
        load_library(latin)
    assert info.value.problems[0].line == 2
    assert "not UTF-8" in str(info.value)


def test_error_inside_edit_leaves_file_untouched(sample_bib: Path) -> None:
    before = sample_bib.read_bytes()

    def failing_edit() -> None:
        with edit_library(sample_bib) as library:
            library.add(Reference("new", "misc", {}))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing_edit()
    assert sample_bib.read_bytes() == before


def _hold_lock(
    path: str, ready: multiprocessing.synchronize.Event, done: multiprocessing.synchronize.Event
) -> None:
    with library_lock(Path(path)):
        ready.set()
        done.wait(10)


def test_second_process_is_refused_while_lock_held(sample_bib: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    ready, done = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(str(sample_bib), ready, done))
    proc.start()
    try:
        assert ready.wait(20)
        before = sample_bib.read_bytes()
        edited = load_library(sample_bib)
        edited.add(Reference("locked2020", "misc", {"title": "{Locked}"}))
        with pytest.raises(LockedError, match="another dlbib process"):
            save_library(edited)
        assert sample_bib.read_bytes() == before
    finally:
        done.set()
        proc.join(20)
    library = load_library(sample_bib)
    library.add(Reference("free2020", "misc", {"title": "{Free}"}))
    assert save_library(library) is True  # free again once released


def test_lock_is_reentrant_in_one_process(sample_bib: Path) -> None:
    with library_lock(sample_bib), edit_library(sample_bib) as library:
        library.add(Reference("x2020y", "misc", {"title": "{Y}"}))
    assert load_library(sample_bib).find("x2020y") is not None


def test_atomic_write_leaves_no_temp_file_and_keeps_mode(tmp_path: Path) -> None:
    path = tmp_path / "f.bib"
    path.write_text("old")
    os.chmod(path, 0o640)
    atomic_write(path, b"new")
    assert path.read_bytes() == b"new"
    assert (path.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.bib"]


def test_atomic_write_failure_keeps_old_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f.bib"
    path.write_text("old")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)  # fault injection: the disk fills up mid-write
    with pytest.raises(OSError, match="No space"):
        atomic_write(path, b"new")
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.bib"]


def test_unwritable_target_is_a_library_error(sample_bib: Path) -> None:
    library = load_library(sample_bib)
    target = sample_bib.parent / "no-such-folder" / "library.bib"
    with pytest.raises(LibraryError, match="cannot be written") as info:
        save_library(library, target)
    assert info.value.path == target
    assert not target.parent.exists()


def test_atomic_write_of_a_new_file_honours_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic_write(tmp_path / "new.json", b"{}")
    finally:
        os.umask(old)
    assert ((tmp_path / "new.json").stat().st_mode & 0o777) == 0o644


def test_an_edit_made_meanwhile_is_never_overwritten(sample_bib: Path) -> None:
    """An editor saves library.bib while a dlbib command works on its copy: dlbib refuses."""
    library = load_library(sample_bib)
    library.add(Reference("dlbib2020new", "misc", {"title": "{From dlbib}"}))
    edited = sample_bib.read_text(encoding="utf-8") + "\n@misc{mine2020,\n  title = {Mine},\n}\n"
    sample_bib.write_text(edited, encoding="utf-8")
    with pytest.raises(LibraryError, match="changed on disk since dlbib read it"):
        save_library(library)
    assert sample_bib.read_text(encoding="utf-8") == edited
    # a library saved once may be saved again (its digest follows its own writes)
    fresh = load_library(sample_bib)
    fresh.add(Reference("b2020", "misc", {"title": "{B}"}))
    assert save_library(fresh) is True
    fresh.add(Reference("c2020", "misc", {"title": "{C}"}))
    assert save_library(fresh) is True


def test_a_symlinked_library_stays_a_symlink(sample_bib: Path) -> None:
    link = sample_bib.parent / "link.bib"
    link.symlink_to(sample_bib.name)
    library = load_library(link)
    library.add(Reference("new2020x", "misc", {"title": "{X}"}))
    save_library(library)
    assert link.is_symlink()
    assert load_library(sample_bib).find("new2020x") is not None


def test_a_save_with_nothing_changed_leaves_the_file_alone(sample_bib: Path) -> None:
    """Nothing changed since the load: the save has nothing to write, so an edit made on disk
    meanwhile (an editor) stays; a deleted file is written again; an edit is written once."""
    library = load_library(sample_bib)
    edited_meanwhile = sample_bib.read_bytes() + b"\n% added in an editor\n"
    sample_bib.write_bytes(edited_meanwhile)
    assert save_library(library) is False
    assert sample_bib.read_bytes() == edited_meanwhile

    library = load_library(sample_bib)
    sample_bib.unlink()
    assert save_library(library) is True
    assert sample_bib.read_bytes() == edited_meanwhile

    ref = library.references[0]
    library.replace(ref.with_fields({"note": "changed"}))
    assert save_library(library) is True
    written = sample_bib.read_bytes()
    assert b"note = {changed}" in written
    assert save_library(library) is False  # saved: nothing new since
    library.blocks[0] = library.blocks[0]  # the same block back: still nothing new
    assert save_library(library) is False
    assert sample_bib.read_bytes() == written
    assert load_library(sample_bib).get(ref.key).get("note") == "changed"
