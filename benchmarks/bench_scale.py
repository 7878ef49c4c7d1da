"""Issue 16 figures: dlbib at 10,000 and 100,000 entries against one bibtexparser ``parse_file``.

On a generated library (benchmarks/generate.py) it measures, as ratios to one parse of the same
file (a fresh ``python -c "parse_file(path)"``, CPU time, median of the runs):

* ``dlbib update`` with every service unreachable (a refused port) — one entry edited since
  the last update (the parse cache of the earlier bytes serves all but the edited stretch),
  and the same with no parse cache at all (the whole library parsed again), the per-entry
  results of the other entries holding in both: CPU time (target <= 1.6x) and peak RSS
  (target <= 1.3x the parse's); and the very first run, nothing cached and no exports yet
  (no target);
* ``dlbib check`` and ``dlbib cite`` with a warm parse cache: CPU (target <= 0.4x), and warm
  ``dlbib cite`` against Debian's ``bibtool -x`` on the same .aux and library (target <= 1.0x);
* a sync in which every entry is updated (tests/arxiv_server.py, synthetic answers, delay 0,
  served from a thread of the syncing process), each run in a fresh process: CPU time of the
  main thread outside the arXiv client's calls ("beyond the network") ÷ one parse in a
  process's main thread (target <= 1.5x, the same at every size) — with no parse cache, with
  the library's bytes parsed before (warm), and with one entry edited since (the usual sync:
  the edited stretch parsed again); rounds of one parse and one sync of each kind in turn,
  each ratio within its round (the shared machine's speed drifts by a third over minutes);
* ``dlbib import`` of the seed reading list into the library, offline, parse cache warm: the
  first time and with the entries' identity tokens kept (CPU ÷ one parse, target <= 1.5x);
* ``dlbib --help`` against ``python -c "import click"`` (CPU, target <= 1.5x).

CPU time rather than wall time: the machine is shared, and CPU time is what the code costs.
dlbib's modules are compiled to bytecode first, as an installed package's are.
Prints figures; asserts nothing.

Run: python -m benchmarks.bench_scale [N] [RUNS] [PARTS]   (N = 10000, RUNS = 3 by default;
     PARTS a comma list of commands, sync, import, startup: all by default)
     python -m benchmarks.bench_scale 100000 1             (heavy: ten minutes and more)
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.bench_cite import generate_document
from benchmarks.generate import generate_arxiv_library, generate_library

PARSE = "import sys\nfrom bibtexparser.entrypoint import parse_file\nparse_file(sys.argv[1])\n"


def measured(
    cmd: Sequence[str], env: dict[str, str] | None = None, ok: tuple[int, ...] = (0, 1)
) -> tuple[float, float, float]:
    """Run ``cmd``: (CPU seconds, wall seconds, peak RSS in MB) of that process.

    :raises RuntimeError: when it exits with a code not in ``ok`` (a figure of a failed run
        would mislead; ``check`` and ``update`` exit 1 for findings, which is fine here).
    """
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(cmd)}: exit {proc.returncode}")
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024


def median_of(
    runs: int, fn: Callable[[], tuple[float, float, float]]
) -> tuple[float, float, float]:
    results = [fn() for _ in range(runs)]
    return tuple(statistics.median(r[i] for r in results) for i in range(3))  # type: ignore[return-value]


def dlbib_cmd(library: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "dlbib", "--library", str(library), *args]


def refused_url() -> str:
    """A URL on 127.0.0.1 whose port nobody listens on (connections are refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def offline_env() -> dict[str, str]:
    """The environment of an offline run: every service at a refused local port."""
    dead = refused_url()
    return dict(
        os.environ,
        DLBIB_ARXIV_API_URL=f"{dead}/api/query",
        DLBIB_ARXIV_PDF_URL=f"{dead}/pdf",
        # the venue services too: left at their real hosts, the run measured the machine's
        # DNS resolver (failing lookups of api.crossref.org etc.), not dlbib
        DLBIB_S2_API_URL=f"{dead}/s2",
        DLBIB_DBLP_API_URL=f"{dead}/dblp",
        DLBIB_OPENREVIEW_API_URL=f"{dead}/openreview",
        DLBIB_CROSSREF_API_URL=f"{dead}/crossref",
        DLBIB_ARXIV_DELAY="0",
        DLBIB_PDF_DELAY="0",
    )


def bench_import(root: Path, n: int, runs: int) -> None:
    """``dlbib import`` of the seed reading list (examples/readinglist) into the N-entry
    library, offline, its parse cache warm (a ``check`` before): the first time, with no
    identity tokens of the library's entries kept yet, and again (each run into the same file,
    its bytes put back first, so the same 41 works are new each time)."""
    from dlbib.library.bibfile import load_library, save_library

    original = generate_library(root / "import-original.bib", n)
    save_library(load_library(original))
    seed = Path(__file__).resolve().parents[1] / "examples" / "readinglist" / "readinglist.md"
    parse = median_of(runs, lambda: measured([sys.executable, "-c", PARSE, str(original)]))
    print(f"import of {seed.name} into {n} entries, offline, parse cache warm (runs: {runs}):")
    print(f"  {'bibtexparser parse_file (fresh process)':<44} {parse[0]:8.3f} s")
    env = offline_env()
    counter = iter(range(10**6))

    folder = root / "import"
    folder.mkdir()
    library = folder / "library.bib"

    def one(fresh_tokens: bool) -> tuple[float, float, float]:
        shutil.copyfile(original, library)  # the same file again: the same 41 works are new
        cache = root / f"import-cache-{next(counter)}" if fresh_tokens else root / "import-cache"
        env["DLBIB_CACHE_DIR"] = str(cache)
        subprocess.run(dlbib_cmd(library, "check"), env=env, check=False, capture_output=True)
        return measured(dlbib_cmd(library, "import", str(seed)), env)

    first = median_of(runs, lambda: one(True))
    ratio("dlbib import, first time: CPU", first[0], parse[0], 1.5)
    one(False)  # the library's identity tokens kept in the shared cache folder
    again = median_of(runs, lambda: one(False))
    ratio("dlbib import, tokens kept: CPU", again[0], parse[0], 1.5)


def write_aux(folder: Path, tex: Path, library: Path) -> Path:
    """The .aux LaTeX would write for ``tex``: its citations and ``\\bibdata`` naming the library."""
    from dlbib.latex.citations import extract_citations

    cited = extract_citations(tex)
    lines = ["\\relax"] + [f"\\citation{{{c.key}}}" for c in cited.citations]
    lines += ["\\bibstyle{plainnat}", f"\\bibdata{{{library.with_suffix('')}}}"]
    lines += ["\\gdef \\@abspage@last{200}"]  # a finished LaTeX run writes this last
    aux = folder / "main.aux"
    aux.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return aux


def ratio(label: str, value: float, base: float, target: float | None, unit: str = "s") -> None:
    goal = f"(target <= {target:.1f}x)" if target is not None else ""
    print(f"  {label:<44} {value:8.3f} {unit}  {value / base:5.2f}x {goal}")


def bench_commands(root: Path, n: int, runs: int) -> None:
    library = generate_library(root / "library.bib", n)
    env = dict(os.environ, DLBIB_NO_CACHE="1")
    subprocess.run(
        [*dlbib_cmd(library, "export", "--format", "ris", "-o", str(root / "x.ris"))],
        env=env,
        check=False,
        capture_output=True,
    )  # warms the OS file cache
    from dlbib.library.bibfile import load_library, save_library

    save_library(load_library(library))  # canonical, as dlbib keeps it
    print(f"library: {n} entries, {library.stat().st_size / 1e6:.1f} MB; runs: {runs}")
    parse = median_of(runs, lambda: measured([sys.executable, "-c", PARSE, str(library)]))
    print(f"  {'bibtexparser parse_file (fresh process)':<44} {parse[0]:8.3f} s  cpu, "
          f"{parse[2]:.0f} MB peak RSS")  # fmt: skip

    offline = offline_env()

    def first_update() -> tuple[float, float, float]:
        offline["DLBIB_CACHE_DIR"] = tempfile.mkdtemp(dir=root)  # empty: nothing cached
        shutil.rmtree(library.parent / "exports", ignore_errors=True)
        return measured(dlbib_cmd(library, "update"), offline)

    first = median_of(runs, first_update)
    ratio("dlbib update, offline, first run: CPU", first[0], parse[0], None)
    ratio("  its peak RSS", first[2], parse[2], None, "MB")

    edits = iter(range(10**6))

    def edited_update() -> tuple[float, float, float]:
        # the routine run: one entry was edited since the last update, so the parse cache
        # misses (cold) while the per-entry results of the other entries are still good
        text = library.read_text(encoding="utf-8")
        marker = "title = {"
        at = text.index(marker, text.index("@article{key0,")) + len(marker)
        library.write_text(f"{text[:at]}Edit {next(edits)}: {text[at:]}", encoding="utf-8")
        return measured(dlbib_cmd(library, "update"), offline)

    def unparsed_update() -> tuple[float, float, float]:
        # no parse cache at all (deleted): the whole library parsed again, while the
        # per-entry results (cache folder's results/) of the earlier runs still hold
        for cached in Path(offline["DLBIB_CACHE_DIR"]).glob("*.pickle"):
            cached.unlink()
        return edited_update()

    subprocess.run(dlbib_cmd(library, "update"), env=offline, check=False, capture_output=True)
    update = median_of(runs, edited_update)
    ratio("dlbib update, offline, one entry edited: CPU", update[0], parse[0], 1.6)
    ratio("  its peak RSS", update[2], parse[2], 1.3, "MB")
    print(f"  {'  its wall time (idle waits included)':<44} {update[1]:8.3f} s")
    print("  (one entry edited since the last update: the parse cache of the earlier bytes")
    print("   serves all but the edited stretch, which is parsed again; the other entries'")
    print("   export texts come from the per-entry results)")
    unparsed = median_of(runs, unparsed_update)
    ratio("dlbib update, offline, no parse cache: CPU", unparsed[0], parse[0], 1.6)
    ratio("  its peak RSS", unparsed[2], parse[2], 1.3, "MB")
    print("  (the same with the parse cache deleted: the whole library parsed again)")

    warm = dict(os.environ, DLBIB_CACHE_DIR=str(root / "warm-cache"))
    # warm: an earlier check filled the parse cache and the per-entry findings
    subprocess.run(dlbib_cmd(library, "check"), env=warm, check=False, capture_output=True)
    check = median_of(runs, lambda: measured(dlbib_cmd(library, "check"), warm))
    ratio("dlbib check, warm cache: CPU", check[0], parse[0], 0.4)

    doc = root / "doc"
    tex = generate_document(doc, n)
    aux = write_aux(doc, tex, library)
    cite_args = ["cite", str(aux), "-o", str(doc / "refs.bib")]  # verbatim, as bibtool copies
    cite = median_of(runs, lambda: measured(dlbib_cmd(library, *cite_args), warm, ok=(0,)))
    ratio("dlbib cite main.aux, warm cache: CPU", cite[0], parse[0], 0.4)
    cite_tex = median_of(
        runs,
        lambda: measured(
            dlbib_cmd(library, "cite", str(tex), "-o", str(doc / "t.bib")), warm, ok=(0,)
        ),
    )
    ratio("dlbib cite main.tex, warm cache: CPU", cite_tex[0], parse[0], None)
    bibtool = shutil.which("bibtool")
    if bibtool:
        out = str(doc / "bibtool.bib")
        tool = median_of(runs, lambda: measured([bibtool, "-x", str(aux), "-o", out], ok=(0,)))
        print(f"  {'bibtool -x main.aux':<44} {tool[0]:8.3f} s")
        ratio("dlbib cite main.aux ÷ bibtool -x", cite[0], tool[0], 1.0)
    else:
        print("  bibtool not installed: no comparison")


def bench_startup(runs: int) -> None:
    script = Path(sys.executable).parent / "dlbib"
    help_cmd = (
        [str(script), "--help"] if script.exists() else [sys.executable, "-m", "dlbib", "--help"]
    )
    many = max(runs, 15)
    click = median_of(many, lambda: measured([sys.executable, "-c", "import click"]))
    help_ = median_of(many, lambda: measured(help_cmd))
    print(f"start-up (median of {many}):")
    label = 'python -c "import click"'
    print(f"  {label:<44} {click[0]:8.3f} s")
    ratio("dlbib --help", help_[0], click[0], 1.5)


class _TimedSource:
    """An ArxivSource whose calls' main-thread CPU time is added up (the network's share)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.cpu = 0.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _timed(self, fn: Callable[..., Any], *args: Any) -> Any:
        start = time.thread_time()
        try:
            return fn(*args)
        finally:
            self.cpu += time.thread_time() - start

    def fetch(self, ids: Iterable[Any]) -> Any:
        return self._timed(self.inner.fetch, list(ids))

    def search_title(self, title: str) -> Any:
        return self._timed(self.inner.search_title, title)


def sync_once(original: Path, folder: Path, cache: str) -> dict[str, float]:
    """One sync of a copy of ``original`` in ``folder``, in this process (a child of
    :func:`bench_sync`): the main thread's CPU time in all and in the arXiv client's calls.

    ``cache``: ``cold`` (no parse cache), ``warm`` (the library's bytes parsed before) or
    ``edited`` (the library parsed before, then one entry's title edited: the usual case of
    a sync after working on the library, which parses again only the edited stretch)."""
    from tests.arxiv_server import FakeArxiv, make_server

    from dlbib.config import Config
    from dlbib.library.cache import load_cached
    from dlbib.sources.arxiv import ArxivSource
    from dlbib.sync.arxiv import sync_library
    from dlbib.sync.merge import SyncOptions

    api = FakeArxiv(synthetic=True)
    server = make_server(api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/api/query"
    library = folder / "library.bib"
    shutil.copyfile(original, library)
    os.environ["DLBIB_CACHE_DIR"] = str(folder / "cache")
    try:
        if cache in ("warm", "edited"):
            load_cached(library)
        if cache == "edited":
            text = library.read_text(encoding="utf-8")
            middle = text.index("title = {", len(text) // 2) + len("title = {")
            library.write_text(text[:middle] + "Edited " + text[middle:], encoding="utf-8")
        dead = refused_url()  # the venue services of the published-version step: a
        # refused port, so no run ever asks the real ones (and none waits on DNS)
        config = Config(
            library=library, arxiv_api_url=url, arxiv_delay=0.0,
            s2_api_url=f"{dead}/s2", dblp_api_url=f"{dead}/dblp",
            openreview_api_url=f"{dead}/openreview", crossref_api_url=f"{dead}/crossref",
        )  # fmt: skip
        source = _TimedSource(ArxivSource(api_url=url, delay=0.0))
        start = time.thread_time()
        report = sync_library(config, None, SyncOptions(), source=source)  # type: ignore[arg-type]
        total = time.thread_time() - start
    finally:
        server.shutdown()
        server.server_close()
    return {"total": total, "client": source.cpu, "updated": len(report.having("updated")),
            "requests": report.requests}  # fmt: skip


def parse_once(original: Path) -> dict[str, float]:
    """One bibtexparser parse of ``original``: the main thread's CPU time (a child process)."""
    from bibtexparser.entrypoint import parse_file

    start = time.thread_time()
    parse_file(str(original))
    return {"total": time.thread_time() - start}


def _child(call: str, *args: str) -> dict[str, float]:
    """``call(*args)`` of this module in a fresh interpreter: each measurement its own
    process, as the commands' are (no earlier run's heap, caches or memos)."""
    script = (
        "import json, sys\nfrom pathlib import Path\nimport benchmarks.bench_scale as b\n"
        f"print(json.dumps(b.{call}(*[Path(a) if '/' in a else a for a in sys.argv[1:]])))"
    )
    root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                         env=env, check=True)  # fmt: skip
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def bench_sync(root: Path, n: int, runs: int = 1) -> None:
    """Each round runs one parse and one sync of each kind, in turn, each in a fresh process:
    the machine's speed drifts (a shared host), and a ratio within a round sees one speed."""
    original = generate_arxiv_library(root / "arxiv-original.bib", n)
    kinds = ("cold", "warm", "edited")
    rounds: list[dict[str, dict[str, float]]] = []
    for i in range(runs):
        got = {"parse": _child("parse_once", str(original))}
        for kind in kinds:
            folder = root / f"sync-{kind}-{i}"
            folder.mkdir()
            got[kind] = _child("sync_once", str(original), str(folder), kind)
        rounds.append(got)
    parse = statistics.median(r["parse"]["total"] for r in rounds)
    print(f"sync of {n} arXiv entries, every one updated (fake arXiv in the same process, delay"
          f" 0; each run its own process; {runs} rounds of a parse and a sync of each kind,"
          " medians):")  # fmt: skip
    print(f"  {'bibtexparser parse_file (main thread)':<44} {parse:8.3f} s")
    for kind in kinds:
        beyond = [r[kind]["total"] - r[kind]["client"] for r in rounds]
        ratios = sorted(b / r["parse"]["total"] for b, r in zip(beyond, rounds, strict=True))
        last = rounds[-1][kind]
        print(f"  {kind} parse cache: {last['updated']:.0f} updated, {last['requests']:.0f} "
              f"requests; beyond the network {statistics.median(beyond):.3f} s CPU (client "
              f"{statistics.median(r[kind]['client'] for r in rounds):.3f} s)")  # fmt: skip
        print(f"    {'÷ the same round' + chr(39) + 's parse':<42} "
              f"{statistics.median(ratios):5.2f}x  (rounds: "
              f"{', '.join(f'{x:.2f}' for x in ratios)}; target <= 1.5x)")  # fmt: skip


def compiled() -> None:
    """dlbib's bytecode, as ``pip install`` leaves it: bibtexparser, click and the rest come
    compiled in site-packages, while an editable install (or ``PYTHONDONTWRITEBYTECODE=1``)
    would make every measured process compile dlbib's ~100 modules from source."""
    import compileall

    import dlbib

    compileall.compile_dir(Path(dlbib.__file__).parent, quiet=1)


def main(n: int = 10_000, runs: int = 3, parts: str = "commands,sync,import,startup") -> None:
    wanted = set(parts.split(","))
    compiled()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if "commands" in wanted:
            bench_commands(root, n, runs)
        if "sync" in wanted:
            bench_sync(root, n, runs)
        if "import" in wanted:
            bench_import(root, n, runs)
    if "startup" in wanted:
        bench_startup(runs)


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 10_000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 3,
        sys.argv[3] if len(sys.argv) > 3 else "commands,sync,import,startup",
    )
