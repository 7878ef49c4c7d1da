"""A small generated fuzz corpus: every mangled library is read, checked and exported, or
refused with a DlbibError naming the file — never a traceback, never a changed file.

The corpus is generated from ``tests/data/sample.bib`` with a fixed seed (no data files are
committed); each case is one mutation the fault-injection round found worth trying.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from dlbib.check import check_library
from dlbib.errors import DlbibError, ExportError, LibraryError
from dlbib.exports import EXPORTERS, export_references
from dlbib.library.bibfile import load_library, parse_library, render_library

from .conftest import REPO

SEED_TEXT = (REPO / "tests" / "data" / "sample.bib").read_bytes()
Mutation = Callable[[random.Random, bytes], bytes]


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))]


def _insert(rng: random.Random, data: bytes) -> bytes:
    junk = rng.choice([b"\x00", b"\x07\x1b[31m", b"{", b"}", b"@", b",", b"\"", b"#", b"%",
                       "\u202e\ufeff".encode(), b"\xff\xfe", b"=" * 3, b"\\"])  # fmt: skip
    at = rng.randrange(len(data))
    return data[:at] + junk * rng.randint(1, 4) + data[at:]


def _delete(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + data[at + rng.randint(1, 40) :]


def _duplicate(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + data[at : at + rng.randint(1, 400)] * 2 + data[at:]


def _deep(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice([10, 63, 65, 1000, 100_000])
    return data + b"@misc{deep,\n  title = " + b"{" * depth + b"x" + b"}" * depth + b",\n}\n"


def _huge(rng: random.Random, data: bytes) -> bytes:
    return data + b"@misc{huge,\n  title = {" + b"word " * rng.randint(10_000, 200_000) + b"},\n}\n"


def _strings(rng: random.Random, data: bytes) -> bytes:
    loop = rng.choice([b"@string{a = b}@string{b = a}", b"@string{s = s}",
                       b"@string{x = y # {z}}\n@string{y = x}"])  # fmt: skip
    return loop + b"\n" + data + b"\n@misc{m, title = a, note = s # x}\n"


MUTATIONS: list[Mutation] = [_truncate, _insert, _delete, _duplicate, _deep, _huge, _strings]


def corpus(n: int = 120) -> list[tuple[str, bytes]]:
    rng = random.Random(11)
    cases = []
    for i in range(n):
        data = SEED_TEXT
        names = []
        for _ in range(rng.randint(1, 3)):
            mutation = rng.choice(MUTATIONS)
            names.append(mutation.__name__.strip("_"))
            data = mutation(rng, data)
        cases.append((f"{i:03d}-{'+'.join(names)}", data))
    return cases


@pytest.mark.parametrize(("name", "data"), corpus(), ids=[n for n, _ in corpus()])
def test_fuzzed_library_is_handled_or_refused_clearly(tmp_path: Path, name: str, data: bytes):
    path = tmp_path / "library.bib"
    path.write_bytes(data)
    refusal: LibraryError | None = None
    try:
        library = load_library(path)
    except LibraryError as exc:
        refusal = exc
    if refusal is not None:
        assert str(refusal).startswith(str(path))
        with contextlib.suppress(LibraryError):
            check_library(path)
        assert path.read_bytes() == data
        return
    check_library(path)
    skipped: list[ExportError] = []
    for format in EXPORTERS:
        with contextlib.suppress(DlbibError):
            export_references(library.references, format, strings=library.strings,
                              on_skip=skipped.append)  # fmt: skip
    again = parse_library(render_library(library.blocks), path)  # the canonical text re-reads
    assert again.keys() == library.keys()
    assert path.read_bytes() == data
