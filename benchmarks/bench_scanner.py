"""The fast splitter (library/scanner.py) against bibtexparser's on a generated library, and
on hostile shapes at two sizes (the time should double, not quadruple, with the size): one
long line of ``@type{}`` inside a value, a value of nested braces deeper than its regexes
read, and long runs of white space before each ``@``. Prints figures; asserts nothing.

Run: python -m benchmarks.bench_scanner [N]
"""

from __future__ import annotations

import logging
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks._timing import best_of
from benchmarks.generate import generate_library

HOSTILE: dict[str, Callable[[int], str]] = {
    "an @type{} after every word of one line": lambda n: (
        "@misc{a, note = {" + "x @b{} " * n + "}}\n"
    ),
    "braces nested four deep, n times": lambda n: (
        "@misc{a, note = {" + "{a {b {c {d} c} b} a} " * n + "}}\n"
    ),
    "white space before each @ in a value": lambda n: (
        "@misc{a, note = {" + ("x" + " " * 50 + "@b{} ") * n + "}}\n"
    ),
    "n entries without fields on one line": lambda n: "@misc{k}" * n + "\n",
}


def main(n: int = 10_000) -> None:
    from bibtexparser.splitter import Splitter

    from dlbib.library.scanner import scan

    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as tmp:
        text = generate_library(Path(tmp) / "library.bib", n).read_text(encoding="utf-8")
    ours = best_of(3, lambda: scan(text))
    theirs = best_of(3, lambda: Splitter(text).split())
    print(f"{n} entries, {len(text) / 1e6:.1f} M characters:")
    print(f"  bibtexparser's splitter  {theirs:7.3f} s")
    print(f"  dlbib's scanner          {ours:7.3f} s   {ours / theirs:5.2f}x")
    print("hostile shapes, scanner (bibtexparser's splitter), at m and 2m repeats:")
    for label, make in HOSTILE.items():
        times = []
        for m in (20_000, 40_000):
            hostile = make(m)

            def ours_on(t: str = hostile) -> object:
                return scan(t)

            def theirs_on(t: str = hostile) -> object:
                return Splitter(t).split()

            times.append((best_of(3, ours_on), best_of(1, theirs_on)))
        (a, a_bp), (b, b_bp) = times
        print(f"  {label:<42} {a:6.3f} -> {b:6.3f} s ({b / a:4.1f}x)   "
              f"({a_bp:6.3f} -> {b_bp:6.3f} s)")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
