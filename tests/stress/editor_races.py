"""One-minute editor races against dlbib writers (issue 11); not collected by pytest.

Two races, each ``SECONDS`` long, on a fresh library in a temporary folder:

1. an in-place editor (nano, VS Code and others save so): truncate library.bib, write the
   whole text back 1.5 s later with one new entry, again and again;
2. an appending editor: append one entry every 20 ms;

while a dlbib writer process adds an entry through ``edit_library`` in a loop (retrying when
dlbib refuses because the file changed). At the end every key either side wrote must be in
library.bib or in one of the backups dlbib kept (``.dlbib/backups/``, count raised for the
run). Prints what was written, what is in the final file and what only a backup holds; exits 1
when anything is lost.

Run: python tests/stress/editor_races.py [SECONDS]
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEY = re.compile(r"@\w+\{([^,\s]+),")

IN_PLACE = """
import sys, time
path, seconds = sys.argv[1], float(sys.argv[2])
end, n = time.monotonic() + seconds, 0
while time.monotonic() < end:
    text = open(path).read()
    with open(path, "r+") as f:
        f.truncate(0)
        f.flush()
        time.sleep(1.5)
        f.seek(0)
        f.write(text + f"\\n@misc{{edit{n},\\n  title = {{E}},\\n}}\\n")
    print(f"edit{n}", flush=True)
    n += 1
    time.sleep(0.2)
"""

APPEND = """
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

WRITER = """
import sys, time
from pathlib import Path
from dlbib.errors import LibraryError
from dlbib.library import backups
from dlbib.library.bibfile import edit_library
from dlbib.library.model import Reference
backups.set_backup_count(1_000_000)
path, seconds, refused = Path(sys.argv[1]), float(sys.argv[2]), 0
end, n = time.monotonic() + seconds, 0
while time.monotonic() < end:
    try:
        with edit_library(path) as lib:
            lib.add(Reference(f"dlbib{n}", "misc", {"title": "{D}"}))
        print(f"dlbib{n}", flush=True)
        n += 1
    except LibraryError:
        refused += 1
        time.sleep(0.05)
print(f"refused={refused}", file=sys.stderr)
"""


def keys(path: Path) -> set[str]:
    return set(KEY.findall(path.read_text(encoding="utf-8", errors="replace")))


def race(editor: str, seconds: float) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        library = Path(folder) / "library.bib"
        library.write_text("".join(f"@misc{{seed{i},\n  title = {{S}},\n}}\n\n" for i in range(40)))
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        procs = [
            subprocess.Popen([sys.executable, "-c", code, str(library), str(seconds)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            for code in (editor, WRITER)
        ]  # fmt: skip
        outputs = [p.communicate(timeout=seconds * 3 + 60) for p in procs]
        wanted = {f"seed{i}" for i in range(40)}
        for out, _ in outputs:
            wanted |= set(out.split())
        final = keys(library)
        in_backups: set[str] = set()
        for backup in (Path(folder) / ".dlbib" / "backups").glob("*.bak"):
            in_backups |= keys(backup)
        lost = wanted - final - in_backups
        only_backup = (wanted - final) & in_backups
        print(
            f"  edits written: {len(wanted) - 40} (editor {len(outputs[0][0].split())}, dlbib "
            f"{len(outputs[1][0].split())}; {outputs[1][1].strip()})"
        )
        print(f"  in the final library.bib: {len(wanted & final)} of {len(wanted)}")
        print(f"  only in a backup (dlbib restore): {len(only_backup)} {sorted(only_backup)[:6]}")
        print(f"  lost: {len(lost)} {sorted(lost)[:10]}")
        return not lost


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    ok = True
    for name, editor in (("in-place editor (truncate, write 1.5 s later)", IN_PLACE),
                         ("appending editor (every 20 ms)", APPEND)):  # fmt: skip
        print(f"{name}, {seconds:g} s, racing a dlbib writer:")
        ok = race(editor, seconds) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
