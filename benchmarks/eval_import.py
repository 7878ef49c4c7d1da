"""Issue 14 figures: import real reading lists against a local fake arXiv (every well-formed id
answers with a synthetic entry; title searches find nothing) and score each list against its
hand-written ``<name>.expected.json``. Prints, per list: linked arXiv ids found in the file and
the share of them in the library afterwards, duplicate entries, link-less papers (expected works
with authors and no arXiv id) imported as papers, junk entries and bad keys. Asserts nothing.

Run from the repository root::

    python benchmarks/eval_import.py [FOLDER] [--show]

FOLDER defaults to tests/data/readinglists (the committed lists with their expected files; point
it at a folder of other lists and ``.expected.json`` files to score those);
the seed list examples/readinglist/readinglist.md is always scored too.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.arxiv_server import FakeArxiv, make_server  # noqa: E402

LABEL_WORDS = ("pdf", "paper", "code", "web", "project", "html", "link", "slides", "video",
               "github", "arxiv", "demo", "dataset", "blog", "tweet", "doi")  # fmt: skip
_ARXIV_LINK = re.compile(
    r"arxiv\.org/(?:abs|pdf|ftp/arxiv/papers/\d{4})/+(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})",
    re.IGNORECASE,
)
_JUNK = re.compile(
    r"^\s*\||\|\s*-{3}|\|\s*\||^-{3}|share on|subscribe|newsletter|join our|discord",
    re.IGNORECASE,
)


def bad_key(key: str) -> str | None:
    """Why ``key`` breaks the key rule (a label word after the name, a repeated token)."""
    body = re.sub(r"[a-z]+$", "", key) if re.search(r"\d[a-z]{1,2}$", key) else key
    if re.search(r"([a-z]{3,})\1", body):
        return "repeated token"
    parts = re.split(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)", body)
    for word in LABEL_WORDS:
        # the first part is the author or site name (an author may be called Link)
        if any(p == word or p.endswith(word) for p in parts[1:]) or (
            len(parts) == 1 and parts[0].endswith(word) and parts[0] != word
        ):
            return f"label word {word!r}"
    return None


def linked_ids(text: str) -> set[str]:
    return {re.sub(r"v\d+$", "", m.group(1)).lower() for m in _ARXIV_LINK.finditer(text)}


def score(  # noqa: C901
    list_path: Path, expected_path: Path | None, url: str, show: bool
) -> dict[str, object]:
    from dlbib.library.model import ArxivId
    from dlbib.readinglist.importer import import_reading_list
    from dlbib.sources.arxiv import ArxivSource

    text = list_path.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        lib = Path(tmp) / "library.bib"
        source = ArxivSource(api_url=url, delay=0)
        report = import_reading_list(list_path, lib, source)
    added = [i for i in report.by_status("added") if i.entry is not None]
    ids: dict[str, int] = {}
    for item in added:
        assert item.entry is not None
        found = ArxivId.find(item.entry.get("eprint") or "") if item.entry.get("eprint") else None
        if found:
            ids[found.id.lower()] = ids.get(found.id.lower(), 0) + 1
    wanted = linked_ids(text)
    recall = len(wanted & set(ids)) / len(wanted) if wanted else 1.0
    dupes = sum(n - 1 for n in ids.values())
    titles: dict[str, int] = {}
    for item in added:
        assert item.entry is not None
        if item.entry.get("eprint"):
            continue  # arXiv entries: duplicates are counted by id (titles here are synthetic)
        t = re.sub(r"\W+", "", (item.entry.title or "").lower())
        titles[t] = titles.get(t, 0) + 1
    dupes += sum(n - 1 for t, n in titles.items() if n > 1 and len(t) > 12)
    junk = [i for i in added if i.entry and _is_junk(i.entry.title or "")]
    keys = [(i.key, bad_key(i.key or "")) for i in added if bad_key(i.key or "")]
    paper_ok = paper_n = 0
    misses = []
    if expected_path and expected_path.exists():
        for sample in json.loads(expected_path.read_text(encoding="utf-8")):
            first, last = sample.get("lines", [sample["line"], sample["line"]])
            for work in sample["works"]:
                if not work.get("authors") or work.get("arxiv"):
                    continue
                paper_n += 1
                hit = _paper_at(added, first, last, work["title"])
                for item in report.by_status("ignored"):  # a repeat: the earlier line's work
                    m = re.match(r"the list cites it already on line (\d+)", item.reason)
                    if not hit and m and first <= item.line <= last + 1:
                        earlier = int(m.group(1))
                        hit = _paper_at(added, earlier, earlier, work["title"])
                paper_ok += hit
                if not hit:
                    misses.append((first, work["title"]))
    counts = report.counts()
    result = {
        "list": list_path.stem, "found": sum(counts.values()), **counts,
        "arxiv_links": len(wanted), "arxiv_recall": round(100 * recall, 1), "duplicates": dupes,
        "papers": f"{paper_ok}/{paper_n}", "junk": len(junk), "bad_keys": len(keys),
        "requests": source.requests_made,
    }  # fmt: skip
    if show:
        for item in junk:
            print("   junk:", item.line, item.key, item.title)
        for key in keys:
            print("   key:", key)
        for miss in misses:
            print("   not a paper:", miss)
        for ident in sorted(wanted - set(ids)):
            print("   missing arXiv:", ident)
    return result


def _is_junk(title: str) -> bool:
    bare = title.strip("[]`*_ ").lower()
    return bare in LABEL_WORDS or bare in ("link", "code", "models") or bool(_JUNK.search(title))


def _paper_at(added: Sequence[object], first: int, last: int, title: str) -> bool:
    want = re.sub(r"\W+", "", title.lower())
    for item in added:
        entry = item.entry  # type: ignore[attr-defined]
        if not first <= item.line <= last + 1:  # type: ignore[attr-defined]
            continue
        got = re.sub(r"\W+", "", (entry.title or "").lower())
        if got and (got == want or want in got or got in want) and entry.get("author"):
            return entry.entry_type in ("article", "inproceedings", "book", "misc", "phdthesis")
    return False


def main(argv: list[str]) -> None:
    show = "--show" in argv
    args = [a for a in argv if not a.startswith("--")]
    folder = (
        Path(args[0]) if args else Path(__file__).parents[1] / "tests" / "data" / "readinglists"
    )
    lists = sorted(folder.glob("*.md"))
    lists = [p for p in lists if p.stem.upper() != p.stem] + [
        ROOT / "examples" / "readinglist" / "readinglist.md",
        ROOT / "tests" / "data" / "readinglists" / "awesome-deep-learning-papers.md",
    ]
    server = make_server(FakeArxiv(synthetic=True))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/api/query"
    try:
        for path in lists:
            expected = path.with_suffix(".expected.json")
            result = score(path, expected, url, show)
            print(json.dumps(result))
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main(sys.argv[1:])
