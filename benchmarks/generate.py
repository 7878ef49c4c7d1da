"""Generate a large synthetic library for the benchmarks (deterministic for a given size)."""

from __future__ import annotations

import random
from pathlib import Path

FIRST = [
    "Yann",
    "Yoshua",
    "Geoffrey",
    "Łukasz",
    "Kaiming",
    "Sergey",
    "Christian",
    "Ilya",
    "Fei-Fei",
]
LAST = ["LeCun", "Bengio", "Hinton", "Kaiser", "He", "Ioffe", "Szegedy", "Sutskever", "Doll{\\'a}r"]
WORDS = [
    "deep",
    "residual",
    "learning",
    "batch",
    "normalization",
    "attention",
    "recurrent",
    "networks",
    "sequence",
]


def arxiv_id(year: int, month: int, number: int) -> str:
    """A well-formed new-style arXiv id: 4-digit numbers before 2015, 5-digit from 2015 on."""
    yymm = f"{year % 100:02d}{month:02d}"
    return f"{yymm}.{number:05d}" if yymm >= "1501" else f"{yymm}.{number % 10000:04d}"


def generate_arxiv_library(path: Path, n: int, seed: int = 2) -> Path:
    """Write ``n`` arXiv preprints shaped like :func:`generate_library`'s (authors, title,
    abstract, keywords) with distinct ids (2001.00001 on, a new month every 99,999), so a sync
    against the synthetic fake arXiv (``tests/arxiv_server.py``) updates every one of them."""
    rng = random.Random(seed)
    parts = ["% synthetic arXiv benchmark library\n"]
    for i in range(n):
        month, number = divmod(i, 99_999)
        ident = arxiv_id(2020 + month // 12, 1 + month % 12, number + 1)
        authors = " and ".join(
            f"{rng.choice(LAST)}, {rng.choice(FIRST)}" for _ in range(rng.randint(1, 6))
        )
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 10))).capitalize()
        parts.append(
            f"@misc{{synth{i:06d},\n  author = {{{authors}}},\n  title = {{{title} {i}}},\n"
            f"  year = {{2020}},\n  eprint = {{{ident}}},\n  archiveprefix = {{arXiv}},\n"
            f"  primaryclass = {{cs.LG}},\n  keywords = {{Benchmark}},\n"
            f"  abstract = {{{' '.join(rng.choice(WORDS) for _ in range(60))}}},\n}}\n"
        )
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def generate_library(path: Path, n: int, seed: int = 1) -> Path:
    """Write ``n`` varied entries (articles, proceedings, arXiv preprints, web pages) to ``path``."""
    rng = random.Random(seed)
    parts = [
        "% synthetic benchmark library\n",
        "@string{jmlr = {Journal of Machine Learning Research}}\n",
    ]
    for i in range(n):
        authors = " and ".join(
            f"{rng.choice(LAST)}, {rng.choice(FIRST)}" for _ in range(rng.randint(1, 6))
        )
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 10))).capitalize()
        year = rng.randint(1990, 2025)
        kind = i % 4
        if kind == 0:
            body = (
                f"  journal = jmlr,\n  volume = {{{rng.randint(1, 25)}}},\n  pages = {{1--20}},\n"
            )
            etype = "article"
        elif kind == 1:
            body = "  booktitle = {Proceedings of the {International} Conference on Machine Learning},\n"
            etype = "inproceedings"
        elif kind == 2:
            arxiv = arxiv_id(rng.randint(2008, 2025), rng.randint(1, 12), rng.randint(1, 9999))
            body = f"  eprint = {{{arxiv}}},\n  archiveprefix = {{arXiv}},\n  primaryclass = {{cs.LG}},\n"
            etype = "misc"
        else:
            body = (
                "  howpublished = {Blog},\n  type = {Blog post},\n  url = {https://example.org/p_"
                + str(i)
                + "},\n"
            )
            etype = "misc"
        parts.append(
            f"@{etype}{{key{i},\n  author = {{{authors}}},\n  title = {{{title} {i}}},\n{body}"
            f"  year = {{{year}}},\n  doi = {{10.5555/bench.{i}}},\n  keywords = {{Benchmark}},\n"
            f"  abstract = {{{' '.join(rng.choice(WORDS) for _ in range(60))}}},\n}}\n"
        )
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
