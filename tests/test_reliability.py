"""Nothing lost, nothing outside its folder: backups, editor races, temp files, hostile files.

The races run real processes (an "editor" and a dlbib writer) against one library for a few
seconds each; the one-minute versions are ``tests/stress/editor_races.py`` (see README).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from dlbib.check import check_library
from dlbib.cli import cli
from dlbib.errors import ExportError, LibraryError, StepFailedError
from dlbib.exports import ExportedFile, write_exports
from dlbib.library import backups
from dlbib.library.bibfile import edit_library, load_library, save_library
from dlbib.library.files import TEMP_PREFIX, atomic_write, sweep_temp_files
from dlbib.library.model import Reference
from dlbib.update import _step

from .conftest import REPO


def entries(n: int, prefix: str = "k") -> str:
    return "".join(f"@misc{{{prefix}{i},\n  title = {{Title {i}}},\n}}\n\n" for i in range(n))


@pytest.fixture
def library(tmp_path: Path) -> Path:
    path = tmp_path / "library.bib"
    path.write_text(entries(20))
    with edit_library(path) as lib:  # dlbib's own write: the last-write record exists
        lib.add(Reference("first", "misc", {"title": "{First}"}))
    return path


@pytest.fixture(autouse=True)
def _backup_count() -> None:
    backups.set_backup_count(backups.DEFAULT_BACKUPS)


def keys_in(path: Path) -> set[str]:
    return set(backups.entry_keys(path.read_text()))


def recoverable(library: Path) -> set[str]:
    """Every key in the library or any of its backups."""
    found = keys_in(library)
    for backup in backups.backups_of(library):
        found |= keys_in(backup.path)
    return found


# --- backups ---------------------------------------------------------------------------------


def test_every_save_keeps_the_replaced_version_rotating(library: Path) -> None:
    backups.set_backup_count(3)
    for i in range(6):
        with edit_library(library) as lib:
            lib.add(Reference(f"new{i}", "misc", {"title": "{X}"}))
    kept = [b for b in backups.backups_of(library) if b.kind == "replaced"]
    assert len(kept) == 3
    written = [b for b in backups.backups_of(library) if b.kind == "written"]
    assert len(written) == 3
    assert "new5" in keys_in(written[0].path)  # a copy of what dlbib wrote last
    assert "new4" in keys_in(kept[0].path)
    assert "new5" not in keys_in(kept[0].path)
    folder = library.parent / ".dlbib"
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"


def test_the_sidecar_is_backed_up_too(library: Path) -> None:
    from dlbib.library.state import load_state, save_state

    state = load_state(library.with_name("library.dlbib.json"))
    state.section("first", "pdf")["path"] = "papers/a.pdf"
    save_state(state)
    state.section("first", "pdf")["path"] = "papers/b.pdf"
    save_state(state)
    kept = backups.backups_of(state.path)
    assert len(kept) == 1
    assert "papers/a.pdf" in kept[0].path.read_text()


def test_lost_entries_and_restore(library: Path) -> None:
    library.write_text(entries(2))  # an editor threw away most of the library, a while ago
    old = time.time() - 60
    os.utime(library, (old, old))
    with edit_library(library) as lib:  # dlbib writes on top (the file has settled: trusted)
        lib.add(Reference("late", "misc", {"title": "{Late}"}))
    lost = backups.lost_entries(library)
    assert [entry.keys[-1] for entry in lost] == ["first", "k19"]  # dlbib's copy, the replaced

    runner = CliRunner()
    listing = runner.invoke(cli, ["--library", str(library), "restore"])
    assert listing.exit_code == 0
    assert "entries the library lacks" in listing.output
    check = runner.invoke(cli, ["--library", str(library), "check"])
    assert "`dlbib restore`" in check.stderr

    oldest = backups.backups_of(library)[-1]
    restored = runner.invoke(cli, ["--library", str(library), "restore", oldest.path.name])
    assert restored.exit_code == 0, restored.output
    assert {"k0", "k19"} <= keys_in(library)
    assert "late" in recoverable(library)  # the version it replaced is a backup in turn


def test_backup_count_setting_from_dlbib_toml(library: Path) -> None:
    (library.parent / "dlbib.toml").write_text("[library]\nbackups = 1\n")
    runner = CliRunner()
    for _ in range(3):
        library.write_text(library.read_text() + entries(1, prefix=f"x{time.time_ns()}"))
        os.utime(library, (time.time() - 10, time.time() - 10))
        result = runner.invoke(cli, ["--library", str(library), "sync", "--pdf-only"])
        assert result.exit_code == 0, result.output
    assert [b.kind for b in backups.backups_of(library)] == ["written", "replaced"]


def test_a_change_just_before_the_rename_refuses_the_save(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editor appending during the fsync (the window the fault injection found) is seen."""
    lib = load_library(library)
    lib.add(Reference("mine", "misc", {"title": "{Mine}"}))

    def editor_saves(target: Path) -> None:  # what an editor might do during dlbib's fsync
        with open(target, "a") as handle:
            handle.write(entries(1, prefix="editor"))

    original = atomic_write

    def racing_write(path: Path, data: bytes, *, before_replace=None) -> None:
        def both(target: Path) -> None:
            editor_saves(target)
            assert before_replace is not None
            before_replace(target)

        original(path, data, before_replace=both)

    monkeypatch.setattr("dlbib.library.bibfile.atomic_write", racing_write)
    with pytest.raises(LibraryError, match="changed on disk while dlbib was saving"):
        save_library(lib)
    assert "editor0" in keys_in(library)
    assert "mine" not in keys_in(library)


# --- an editor mid-save ----------------------------------------------------------------------

EDITOR = """
import sys, time
path, delay = sys.argv[1], float(sys.argv[2])
text = open(path).read()
with open(path, "r+") as f:      # save in place, as nano and many editors do
    f.truncate(0)
    f.flush()
    print("truncated", flush=True)
    time.sleep(delay)
    f.seek(0)
    f.write(text + "@misc{edited,\\n  title = {Edited},\\n}\\n")
"""

WRITER = """
import sys
from pathlib import Path
from dlbib.errors import LibraryError
from dlbib.library.bibfile import edit_library
from dlbib.library.model import Reference
try:
    with edit_library(Path(sys.argv[1])) as lib:
        lib.add(Reference("written", "misc", {"title": "{Written}"}))
except LibraryError as exc:
    print("refused:", exc)
    sys.exit(1)
print("saved", len(lib.references))
"""


def run_python(code: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True, env=env
    )


def test_editor_truncating_then_writing_loses_nothing(library: Path) -> None:
    """nano-style save: truncate, write 1.5 s later; dlbib writing meanwhile waits for it."""
    before = keys_in(library)
    editor = run_python(EDITOR, str(library), "1.5")
    assert editor.stdout is not None
    assert editor.stdout.readline().strip() == "truncated"
    writer = run_python(WRITER, str(library))
    out, _ = writer.communicate(timeout=30)
    editor.communicate(timeout=30)
    assert writer.returncode == 0, out
    final = keys_in(library)
    assert before | {"edited", "written"} <= final
    assert check_library(library) == []


def test_a_library_that_keeps_changing_is_refused(library: Path) -> None:
    stop = threading.Event()
    handle = open(library, "r+")  # noqa: SIM115 - an editor holding the file open for writing

    def churn() -> None:
        n = 0
        while not stop.is_set():
            handle.seek(0)
            handle.truncate(0)
            handle.write(entries(n % 3))
            handle.flush()
            n += 1
            time.sleep(0.1)

    thread = threading.Thread(target=churn)
    thread.start()
    try:
        time.sleep(0.05)
        with pytest.raises(LibraryError, match="is being written by another program"):
            # writers: as if another process held it (this test's thread is this process)
            backups.read_trusted(
                library, Path.read_bytes, settle=0.5, max_settle=1.0, writers=lambda _: True
            )
    finally:
        stop.set()
        thread.join()
        handle.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc tells who writes")
def test_another_process_holding_the_file_open_for_writing_is_seen(library: Path) -> None:
    from dlbib.library.files import open_for_writing

    assert open_for_writing(library) is False
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; f = open(sys.argv[1], 'a'); "
         "print('open', flush=True); time.sleep(30)", str(library)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "open"
        assert open_for_writing(library) is True
    finally:
        holder.kill()
        holder.communicate()
    assert open_for_writing(library) is False


def test_a_shorter_library_nobody_is_writing_is_read_at_once(library: Path) -> None:
    library.write_text(entries(1))  # a deliberate edit: shorter, just saved, closed
    slept: list[float] = []
    data = backups.read_trusted(library, Path.read_bytes, sleep=slept.append,
                                writers=lambda _: False)  # fmt: skip
    assert data == library.read_bytes()
    assert slept == []


APPENDER = """
import sys, time
path, seconds = sys.argv[1], float(sys.argv[2])
end, n = time.monotonic() + seconds, 0
while time.monotonic() < end:
    with open(path, "a") as f:
        f.write(f"\\n@misc{{append{n},\\n  title = {{A}},\\n}}\\n")
    print(f"append{n}", flush=True)
    n += 1
    time.sleep(0.02)
"""

WRITER_LOOP = """
import sys, time
from pathlib import Path
from dlbib.errors import LibraryError
from dlbib.library import backups
from dlbib.library.bibfile import edit_library
from dlbib.library.model import Reference
backups.set_backup_count(100000)
path, seconds = Path(sys.argv[1]), float(sys.argv[2])
end, n = time.monotonic() + seconds, 0
while time.monotonic() < end:
    try:
        with edit_library(path) as lib:
            lib.add(Reference(f"dlbib{n}", "misc", {"title": "{D}"}))
        print(f"dlbib{n}", flush=True)
        n += 1
    except LibraryError:
        time.sleep(0.01)
"""


def test_an_appending_editor_racing_dlbib_loses_nothing(library: Path) -> None:
    appender = run_python(APPENDER, str(library), "3")
    writer = run_python(WRITER_LOOP, str(library), "3")
    appended, _ = appender.communicate(timeout=60)
    written, _ = writer.communicate(timeout=60)
    wanted = set(appended.split()) | set(written.split())
    assert len(wanted) > 20
    assert wanted - recoverable(library) == set()


# --- temporary files -------------------------------------------------------------------------


def test_temp_files_carry_the_prefix_and_stale_ones_are_swept(library: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    stale = library.parent / f"{TEMP_PREFIX}{dead}-library.bib.abc123.tmp"
    exports = library.parent / "exports"
    exports.mkdir()
    stale_export = exports / f"{TEMP_PREFIX}{dead}-library.ris.xyz.tmp"
    live = library.parent / f"{TEMP_PREFIX}{os.getpid()}-library.bib.live.tmp"
    for path in (stale, stale_export, live):
        path.write_text("partial")
    with edit_library(library) as lib:
        lib.add(Reference("swept", "misc", {"title": "{S}"}))
    assert not stale.exists()
    assert not stale_export.exists()
    assert live.exists()  # this process is alive: its file may be in use
    old = time.time() - 2 * 3600
    os.utime(live, (old, old))
    assert sweep_temp_files(library.parent) == [live]
    gitignore = (REPO / ".gitignore").read_text().splitlines()
    assert f"{TEMP_PREFIX}*" in gitignore


# --- hostile files ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["list"], ["check"], ["export", "--format", "all"],
                                     ["sync", "--pdf-only"], ["show", "a"]])  # fmt: skip
def test_100000_nested_braces_is_a_clear_error_and_the_file_is_untouched(
    tmp_path: Path, command: list[str]
) -> None:
    path = tmp_path / "library.bib"
    path.write_text("@misc{a,\n  title = " + "{" * 100_000 + "x" + "}" * 100_000 + ",\n}\n")
    before = path.read_bytes()
    result = CliRunner().invoke(cli, ["--library", str(path), *command])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    text = result.output + result.stderr
    assert "braces nest deeper than 64 levels" in text
    assert "line 2: braces" in text or "library.bib:2: braces" in text
    assert "Traceback" not in text
    assert path.read_bytes() == before


def test_check_reports_nul_and_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "library.bib"
    path.write_text("@misc{a,\n  title = {Bad\x00 title},\n  note = {bell\x07},\n}\n")
    found = check_library(path)
    assert [(f.code, f.key, f.line) for f in found] == [
        ("control-char", "a", 1),
        ("control-char", "a", 1),
    ]
    assert "(NUL)" in found[0].message or "(NUL)" in found[1].message


def test_check_reports_string_cycles(tmp_path: Path) -> None:
    path = tmp_path / "library.bib"
    path.write_text(
        "@string{a = b}\n@string{b = c # {x}}\n@string{c = a}\n@string{ok = {a b c}}\n"
        '@string{fine = "quoted a" # ok}\n@misc{k, title = {T}, note = fine}\n'
    )
    found = [f for f in check_library(path) if f.code == "string-cycle"]
    assert len(found) == 1
    assert "a → b → c → a" in found[0].message


def test_exports_are_replaced_together_or_not_at_all(tmp_path: Path) -> None:
    names = ["a.ris", "b.json", "c.bib", "d.bib"]
    for name in names:
        (tmp_path / name).write_text("old")
    (tmp_path / "c.bib").unlink()
    (tmp_path / "c.bib").mkdir()  # the third rename fails
    files = [ExportedFile("x", tmp_path / name, "new") for name in names]
    with pytest.raises(ExportError, match="no export was changed"):
        write_exports(files)
    assert [(tmp_path / n).read_text() for n in names if n != "c.bib"] == ["old"] * 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)


def test_a_later_step_failing_says_what_was_saved() -> None:
    saved = ["the arXiv metadata (library.bib and its sidecar)"]
    with pytest.raises(StepFailedError) as info, _step("exports", saved):
        raise ExportError("exports/library.ris: cannot be written: No space left on device")
    message = str(info.value)
    assert message.startswith("exports/library.ris: cannot be written")
    assert "the exports step failed; saved before it: the arXiv metadata" in message
    with pytest.raises(ExportError), _step("exports", []):  # nothing saved: the plain error
        raise ExportError("x")
