"""Issue 2 figures: `dlbib check` and a load+save round trip against bibtexparser's bare
`parse_file` on a generated 10,000-entry library, and `dlbib --help` start-up against
`python -c "import click"`. Prints figures; asserts nothing.

Run: python -m benchmarks.bench_library [N]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks._timing import best_of
from benchmarks.generate import generate_library


def main(n: int = 10_000) -> None:
    from bibtexparser.entrypoint import parse_file

    from dlbib.check import check_library
    from dlbib.library.bibfile import load_library, save_library

    with tempfile.TemporaryDirectory() as tmp:
        path = generate_library(Path(tmp) / "library.bib", n)
        save_library(load_library(path))  # canonical form, as a committed library would be
        size = path.stat().st_size
        bare = best_of(3, lambda: parse_file(str(path)))
        check = best_of(3, lambda: check_library(path))
        roundtrip = best_of(3, lambda: save_library(load_library(path), path.with_suffix(".out")))
        print(f"library: {n} entries, {size / 1e6:.1f} MB")
        print(f"bibtexparser.parse_file:   {bare:.3f} s")
        print(f"dlbib check:               {check:.3f} s  ({check / bare:.2f}x, target <= 1.3x)")
        print(
            f"load + save round trip:    {roundtrip:.3f} s  ({roundtrip / bare:.2f}x, target <= 2.0x)"
        )

    def run(*args: str) -> None:
        subprocess.run(args, check=True, capture_output=True)

    click_import = best_of(5, lambda: run(sys.executable, "-c", "import click"))
    dlbib_help = best_of(5, lambda: run(sys.executable, "-m", "dlbib", "--help"))
    print(f"python -c 'import click':  {click_import:.3f} s")
    print(
        f"dlbib --help:              {dlbib_help:.3f} s  ({dlbib_help / click_import:.2f}x, target <= 2.0x)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
