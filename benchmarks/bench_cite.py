"""Issue 6 figures: `dlbib cite` on a generated 200-page document (20 chapters via \\include,
2,000 citation commands) against a generated 10,000-entry library, as a ratio to `dlbib check`
on the same library (target <= 1.2x), plus where the time goes. Prints figures; asserts nothing.

Run: python -m benchmarks.bench_cite [N_ENTRIES]
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks._timing import best_of
from benchmarks.generate import WORDS, generate_library

CHAPTERS = 20
CITATIONS = 2_000
PAGES = 200
CHARS_PER_PAGE = 3_000  # a page of 11pt article text
COMMANDS = ["\\cite{%s}", "\\citep[see][p.~3]{%s}", "\\citet{%s}", "\\parencite{%s}",
            "\\textcite[ch.~2]{%s}", "\\autocite{%s}", "\\citeauthor*{%s}"]  # fmt: skip


def interleaved(runs: int, commands: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Best time of each command over ``runs`` rounds that run every command once."""
    best = dict.fromkeys(commands, float("inf"))
    for _ in range(runs):
        for name, fn in commands.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def generate_document(folder: Path, n_entries: int, missing: int = 0, seed: int = 6) -> Path:
    """A book-length main.tex with CHAPTERS \\include'd chapters and CITATIONS cite commands.

    ``missing`` of the citations use keys the library lacks (each a typo of a real key).
    """
    rng = random.Random(seed)
    (folder / "chapters").mkdir(parents=True, exist_ok=True)
    per_chapter = CITATIONS // CHAPTERS
    chars_per_chapter = PAGES * CHARS_PER_PAGE // CHAPTERS
    typos = iter(range(missing))
    for c in range(CHAPTERS):
        lines = [f"\\chapter{{Chapter {c}}}\\label{{ch:{c}}}"]
        size, cites = 0, 0
        while size < chars_per_chapter or cites < per_chapter:
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16)))
            if cites < per_chapter and rng.random() < 0.5:
                keys = ",".join(f"key{rng.randrange(n_entries)}" for _ in range(rng.randint(1, 3)))
                if next(typos, None) is not None:
                    keys = f"key{rng.randrange(n_entries)}x"
                words += " " + rng.choice(COMMANDS) % keys
                cites += 1
            if rng.random() < 0.05:
                words += " % a comment with \\cite{commented} in it"
            if rng.random() < 0.01:
                words += "\n\\begin{verbatim}\n\\cite{verbatim}\n\\end{verbatim}"
            lines.append(words + ".")
            size += len(words)
        (folder / "chapters" / f"ch{c:02d}.tex").write_text("\n".join(lines) + "\n")
    includes = "\n".join(f"\\include{{chapters/ch{c:02d}}}" for c in range(CHAPTERS))
    main = folder / "main.tex"
    main.write_text(
        "\\documentclass{book}\n\\usepackage{natbib}\n\\begin{document}\n"
        f"{includes}\n\\bibliographystyle{{plainnat}}\n\\bibliography{{refs}}\n\\end{{document}}\n"
    )
    return main


def main(n: int = 10_000) -> None:
    from dlbib.latex.citations import extract_citations
    from dlbib.latex.docbib import build_document_bib
    from dlbib.library.bibfile import load_library, save_library

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        library = generate_library(root / "library.bib", n)
        save_library(load_library(library))
        clean = generate_document(root / "clean", n)
        typos = generate_document(root / "typos", n, missing=5)
        text_size = sum(p.stat().st_size for p in (root / "clean").rglob("*.tex"))

        def dlbib(*args: str) -> None:
            cmd = [sys.executable, "-m", "dlbib", "--library", str(library), *args]
            subprocess.run(cmd, check=False, capture_output=True)

        # interleaved, best of 5: the machine is shared, so take each command's quietest run
        timings = interleaved(
            5,
            {
                "check": lambda: dlbib("check"),
                "cite": lambda: dlbib("cite", str(clean)),
                "typos": lambda: dlbib("cite", str(typos)),
            },
        )
        check, cite, cite_typos = timings["check"], timings["cite"], timings["typos"]
        extract = best_of(3, lambda: extract_citations(clean))
        cited = extract_citations(clean)
        load = best_of(3, lambda: load_library(library))
        lib = load_library(library)
        render = best_of(3, lambda: build_document_bib(cited, lib, "bibtex"))

        print(f"library: {n} entries, {library.stat().st_size / 1e6:.1f} MB")
        print(
            f"document: {CHAPTERS} chapters, {text_size / 1e6:.2f} MB of LaTeX (~{PAGES} pages), "
            f"{CITATIONS} citation commands, {len(cited.citations)} distinct keys"
        )
        print(f"dlbib check:                 {check:.3f} s")
        print(f"dlbib cite (all found):      {cite:.3f} s  ({cite / check:.2f}x, target <= 1.2x)")
        print(f"dlbib cite (5 missing keys): {cite_typos:.3f} s  ({cite_typos / check:.2f}x)")
        print(f"  scan the 21 .tex files:    {extract:.3f} s")
        print(f"  load the library:          {load:.3f} s")
        print(f"  select + render the .bib:  {render:.3f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
