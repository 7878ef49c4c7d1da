"""Issue 5 figures: `dlbib export` of a generated 10,000-entry library to each format.

For each format: wall time of load + export (what `dlbib export` does, minus the file write) and
of the export alone, as ratios to bibtexparser's bare `parse_file` of the same file in the same
run (target <= 1.5x each), and the peak Python memory of load + export (tracemalloc; the bare
parse's peak beside it). Each
format is timed in a fresh process, so no format profits from another's warm caches. Prints
figures; asserts nothing.

Run: python -m benchmarks.bench_export [N]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.generate import generate_library

FORMATS = ("ris", "csljson", "bibtex", "biblatex")

_CHILD = """
import json, sys, time, tracemalloc
from pathlib import Path
from bibtexparser.entrypoint import parse_file
from dlbib.exports import export_references
from dlbib.library.bibfile import load_library

path, fmt = Path(sys.argv[1]), sys.argv[2]
best = {"bare": 1e9, "total": 1e9, "export": 1e9}
for _ in range(3):
    t0 = time.perf_counter(); parse_file(str(path)); best["bare"] = min(best["bare"], time.perf_counter() - t0)
def cold():  # every run starts with empty caches, like a fresh `dlbib export`
    dlbib_modules = [m for n, m in list(sys.modules.items()) if n.startswith("dlbib")]
    for module in dlbib_modules:
        for obj in vars(module).values():
            if hasattr(obj, "cache_clear") and obj.__name__ not in ("_converter", "_encoder"):
                obj.cache_clear()


for _ in range(3):
    cold()
    t0 = time.perf_counter()
    lib = load_library(path)
    t1 = time.perf_counter()
    out = export_references(lib.references, fmt, strings=lib.strings, base_dir=path.parent,
                            library_root=path.parent, on_skip=lambda e: None)
    t2 = time.perf_counter()
    best["total"] = min(best["total"], t2 - t0); best["export"] = min(best["export"], t2 - t1)
tracemalloc.start()
parse_file(str(path))
best["bare_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
tracemalloc.stop()
cold()
tracemalloc.start()
lib = load_library(path)
out = export_references(lib.references, fmt, strings=lib.strings, base_dir=path.parent,
                        library_root=path.parent, on_skip=lambda e: None)
best["peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
best["out_mb"] = len(out.encode()) / 1e6
print(json.dumps(best))
"""


def main(n: int = 10_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = generate_library(Path(tmp) / "library.bib", n)
        print(f"library: {n} entries, {path.stat().st_size / 1e6:.1f} MB")
        print(
            f"{'format':<9} {'parse_file':>10} {'load+export':>12} {'ratio':>6} "
            f"{'export only':>12} {'ratio':>6} {'peak MB':>8} {'(parse)':>8} {'output MB':>9}"
        )
        for fmt in FORMATS:
            proc = subprocess.run(
                [sys.executable, "-c", _CHILD, str(path), fmt],
                check=True,
                capture_output=True,
                text=True,
            )
            r = json.loads(proc.stdout)
            print(
                f"{fmt:<9} {r['bare']:>9.3f}s {r['total']:>11.3f}s {r['total'] / r['bare']:>5.2f}x "
                f"{r['export']:>11.3f}s {r['export'] / r['bare']:>5.2f}x {r['peak_mb']:>8.1f} "
                f"{r['bare_peak_mb']:>8.1f} "
                f"{r['out_mb']:>9.1f}"
            )
        print("target: <= 1.50x of bibtexparser.parse_file for each format")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
