"""The platform seam (``dlbib.library.files``) on every platform dlbib supports.

CI runs on Linux, so the Windows paths are exercised here by hiding the POSIX-only modules in a
child interpreter (``fcntl`` cannot be imported on Windows) and by switching the seam's Windows
flag in-process: a Windows-only break shows up on Linux too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dlbib.library import files
from dlbib.library.files import LockHeldError, atomic_write, file_lock, replace_file

from .conftest import DATA

WITHOUT_POSIX = """
import sys, warnings
sys.modules["fcntl"] = None          # as on Windows: `import fcntl` raises ImportError
sys.modules["termios"] = None
warnings.simplefilter("ignore")      # filelock says it falls back to its portable lock
"""


def _run_without_posix(body: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = WITHOUT_POSIX + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, timeout=60
    )


def test_dlbib_imports_and_writes_without_fcntl(tmp_path: Path) -> None:
    library = tmp_path / "library.bib"
    library.write_bytes((DATA / "sample.bib").read_bytes())
    proc = _run_without_posix(
        """
        from pathlib import Path
        from dlbib.library.bibfile import edit_library, load_library
        from dlbib.library.files import atomic_write, file_lock
        p = Path("library.bib")
        with edit_library(p) as lib:
            pass
        atomic_write(Path("other.txt"), b"new bytes")
        with file_lock(p), file_lock(p):  # re-entrant
            pass
        try:
            import fcntl
        except ImportError:
            print("NO-FCNTL")
        print(len(load_library(p).references))
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.split()
    assert lines[0] == "NO-FCNTL"
    assert int(lines[1]) > 0
    assert (tmp_path / "other.txt").read_bytes() == b"new bytes"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


CHILD = (
    WITHOUT_POSIX
    + "from pathlib import Path\nfrom dlbib.library.files import LockHeldError, file_lock\n"
    "try:\n    with file_lock(Path('library.bib')):\n        print('ACQUIRED')\n"
    "except LockHeldError:\n    print('REFUSED')\n"
)


def test_lock_refuses_a_second_process_without_fcntl(tmp_path: Path) -> None:
    (tmp_path / "library.bib").write_text("")
    proc = _run_without_posix(
        f"""
        import subprocess, sys
        from pathlib import Path
        from dlbib.library.files import file_lock
        child = [sys.executable, "-c", {CHILD!r}]
        with file_lock(Path("library.bib")), file_lock(Path("library.bib")):
            print(subprocess.run(child, capture_output=True, text=True).stdout.strip())
        print(subprocess.run(child, capture_output=True, text=True).stdout.strip())
        """,
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["REFUSED", "ACQUIRED"]


def test_replace_retries_while_windows_holds_the_target_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "IS_WINDOWS", True)
    calls: list[str] = []
    sleeps: list[float] = []

    def busy_twice(src: str | Path, dst: str | Path) -> None:
        calls.append("try")
        if len(calls) <= 2:
            raise PermissionError(13, "The process cannot access the file", str(dst))
        os.replace(src, dst)

    (tmp_path / "a").write_text("new")
    (tmp_path / "b").write_text("old")
    replace_file(tmp_path / "a", tmp_path / "b", rename=busy_twice, sleep=sleeps.append)
    assert (tmp_path / "b").read_text() == "new"
    assert len(calls) == 3
    assert sleeps == [files.REPLACE_PAUSE] * 2


def test_replace_gives_up_after_its_retries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "IS_WINDOWS", True)

    def always_busy(src: str | Path, dst: str | Path) -> None:
        raise PermissionError(13, "busy", str(dst))

    with pytest.raises(PermissionError):
        replace_file(tmp_path / "a", tmp_path / "b", rename=always_busy, sleep=lambda s: None)


def test_posix_refusal_is_not_retried(tmp_path: Path) -> None:
    calls: list[int] = []

    def refused(src: str | Path, dst: str | Path) -> None:
        calls.append(1)
        raise PermissionError(13, "read-only folder", str(dst))

    with pytest.raises(PermissionError):
        replace_file(tmp_path / "a", tmp_path / "b", rename=refused, sleep=lambda s: None)
    assert calls == [1]


def test_atomic_write_on_windows_skips_permission_bits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "IS_WINDOWS", True)

    def no_chmod(*args: object, **kwargs: object) -> None:
        raise AssertionError("chmod is POSIX-only")

    monkeypatch.setattr(os, "chmod", no_chmod)
    target = tmp_path / "x.bib"
    atomic_write(target, b"data")
    assert target.read_bytes() == b"data"
    assert [p.name for p in tmp_path.iterdir()] == ["x.bib"]


def test_lock_is_reentrant_and_exclusive_across_processes(tmp_path: Path) -> None:
    target = tmp_path / "library.bib"
    target.write_text("")
    code = (
        "from pathlib import Path\nfrom dlbib.library.files import LockHeldError, file_lock\n"
        "try:\n    with file_lock(Path('library.bib')):\n        print('ACQUIRED')\n"
        "except LockHeldError:\n    print('REFUSED')\n"
    )
    with file_lock(target), file_lock(target):
        held = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
        )
    free = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert held.stdout.strip() == "REFUSED"
    assert free.stdout.strip() == "ACQUIRED"
    assert not LockHeldError.__subclasses__()  # the seam raises exactly this type
