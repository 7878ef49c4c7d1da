"""Issue 14 figures: precision and recall of dlbib's citation reading (titles, authors, years) on
the hand-written samples of the real lists (``*.expected.json``), scored the way refextract was
scored when dlbib chose its own reader (title: exact after lower-casing and stripping punctuation; authors: every
expected family name found and every predicted family name expected; year: exact). Only works
with an author list count, as there. Prints figures; asserts nothing.

Run from the repository root: python benchmarks/eval_citations.py [FOLDER]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def _families(names: list[str] | tuple[str, ...]) -> set[str]:
    out = set()
    for name in names:
        if name == "others":
            continue
        family = name.split(",")[0] if "," in name else name.split()[-1]
        out.add(_norm(family.strip("{}")))
    return out


def main(folder: Path) -> None:
    from dlbib.readinglist.read import parse_reading_list

    total = {"n": 0, "title_pred": 0, "title_ok": 0, "auth_pred": 0, "auth_ok": 0,
             "year_pred": 0, "year_ok": 0, "year_n": 0}  # fmt: skip
    for expected in sorted(folder.glob("*.expected.json")):
        path = expected.with_name(expected.name.replace(".expected.json", ".md"))
        reading = parse_reading_list(path.read_text(encoding="utf-8"), path)
        row = dict.fromkeys(total, 0)
        for sample in json.loads(expected.read_text(encoding="utf-8")):
            first, last = sample.get("lines", [sample["line"], sample["line"]])
            here = [c for c in reading.candidates if first <= c.line <= last and c.citation]
            for work in sample["works"]:
                if not work.get("authors"):
                    continue
                row["n"] += 1
                want = _norm(work["title"])
                cit = next((c.citation for c in here if c.citation and (
                    _norm(c.citation.title) == want or want[:25] in _norm(c.citation.title))),
                    here[0].citation if len(here) == 1 else None)  # fmt: skip
                if cit is None:
                    continue
                row["title_pred"] += 1
                row["title_ok"] += _norm(cit.title) == want
                if cit.authors:
                    row["auth_pred"] += 1
                    row["auth_ok"] += _families(cit.authors) == _families(work["authors"])
                if work.get("year"):
                    row["year_n"] += 1
                if cit.year:
                    row["year_pred"] += 1
                    row["year_ok"] += cit.year == work.get("year")
        for key in total:
            total[key] += row[key]
        _print(path.stem, row)
    _print("all", total)


def _print(name: str, r: dict[str, int]) -> None:
    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:.1f} % ({a}/{b})" if b else "-"

    print(f"{name}: {r['n']} works with authors; title P {pct(r['title_ok'], r['title_pred'])} "
          f"R {pct(r['title_ok'], r['n'])}; authors P {pct(r['auth_ok'], r['auth_pred'])} "
          f"R {pct(r['auth_ok'], r['n'])}; year P {pct(r['year_ok'], r['year_pred'])} "
          f"R {pct(r['year_ok'], r['year_n'])}")  # fmt: skip


if __name__ == "__main__":
    default = Path(__file__).parents[1] / "tests" / "data" / "readinglists"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
