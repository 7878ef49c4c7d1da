"""An offline PDF step: entries whose host is already known unreachable fail at once, without
working out their paths — with the same outcomes, messages and files as the full way."""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import dlbib.errors
import dlbib.pdfs.sync
from dlbib.library.bibfile import load_library
from dlbib.library.state import load_state
from dlbib.pdfs.fetch import PdfFetcher
from dlbib.pdfs.sync import sync_pdfs

from .pdfserver import PdfServer
from .test_pdfsync import Library

EXTRA = """
@misc{second2017,
  author = {Other, Anne},
  title = {Another arXiv paper},
  year = {2017},
  eprint = {1701.00001},
  archiveprefix = {arXiv},
}
"""


def refused_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/pdf/"


def run(root: Path, server: PdfServer, dead: str, *, make_folder: bool):
    root.mkdir()
    lib = Library(root, server)
    text = lib.path.read_text().replace("{2014}", "{2017}").replace("{2015}", "{2017}")
    lib.path.write_text(EXTRA + text)  # its arXiv host fails first; vaswani's then fails at once
    config = replace(lib.config, arxiv_pdf_url=dead, pdf_pattern="{year}.pdf")
    if make_folder:  # the PDF folder exists: every entry goes the full way
        config.pdf_root.mkdir()
    library = load_library(lib.path)
    state = load_state(config.state_path)
    fetcher = PdfFetcher(timeout=(2, 2), min_interval=0, sleep=lambda s: None)
    report = sync_pdfs(library, state, config, fetcher)
    outcomes = [(o.key, o.status, o.reason, o.path, o.url, type(o.error)) for o in report.outcomes]
    return outcomes, lib.pdfs(), state.render(), [r.fields.get("file") for r in library.references]


def test_known_unreachable_entries_fail_as_before_and_claim_their_paths(
    tmp_path: Path, pdf_server: PdfServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = refused_url()
    quick_keys: list[str] = []
    real = dlbib.pdfs.sync._unreachable_at_once

    def recording(run, ref, record, source):
        found = real(run, ref, record, source)
        if found is not None:
            quick_keys.append(ref.key)
        return found

    monkeypatch.setattr(dlbib.pdfs.sync, "_unreachable_at_once", recording)
    quick = run(tmp_path / "quick", pdf_server, dead, make_folder=False)
    assert quick_keys == ["vaswani2017attention"]
    full = run(tmp_path / "full", pdf_server, dead, make_folder=True)
    assert quick_keys == ["vaswani2017attention"]  # the full way: no entry failed at once
    assert quick == full
    outcomes, files, _, _ = quick
    by_key = {o[0]: o for o in outcomes}
    assert by_key["vaswani2017attention"][1:3] == (
        "failed", f"cannot connect: connection refused (earlier) ({dead}1706.03762v1)"
    )  # fmt: skip
    # the two arXiv entries failed, yet held 2017.pdf and 2017 (2).pdf while the run went on,
    # as they do on the full way: the downloads that followed got the next names
    assert files == ["papers/2017 (3).pdf", "papers/2017 (4).pdf"]


def test_all_offline_nothing_is_written(tmp_path: Path, pdf_server: PdfServer) -> None:
    root = tmp_path / "lib"
    root.mkdir()
    lib = Library(root, pdf_server)
    lib.path.write_text(lib.path.read_text() + EXTRA)
    dead = refused_url()
    text = lib.path.read_text().replace(pdf_server.url("/"), dead.removesuffix("pdf/"))
    lib.path.write_text(text)
    config = replace(lib.config, arxiv_pdf_url=dead)
    library = load_library(lib.path)
    fetcher = PdfFetcher(timeout=(2, 2), min_interval=0, sleep=lambda s: None)
    report = sync_pdfs(library, load_state(config.state_path), config, fetcher)
    assert report.counts == {"downloaded": 0, "moved": 0, "skipped": 1, "failed": 4}
    assert len(report.unreachable_hosts) == 1
    assert not config.pdf_root.exists()


BASES = [
    "http://127.0.0.1:9/pdf", "http://127.0.0.1:9/pdf/", "https://arxiv.org/pdf", "http://host",
    "http://host/", "HTTP://Host:80/a/b//", "https://[::1]:8/pdf", "http://", "http:", "ftp://x/p",
    " http://sp/pdf", "http://user@host/pdf", "file:///tmp/pdf", "//nohost/pdf", "pdf",
]  # fmt: skip


def arxiv_names() -> list[str]:
    """Every arXiv id (with the version it cites, if any) the real .bib files in tests/data hold."""
    from dlbib.errors import LibraryError

    data = Path(__file__).parent / "data"
    names: set[str] = set()
    for path in sorted(p for p in data.rglob("*.bib") if "golden" not in p.parts):
        try:
            refs = load_library(path).references
        except LibraryError:
            continue
        for ref in refs:
            found = ref.arxiv_id
            if found is not None:
                names.add(f"{found.id}v{found.version}" if found.version else found.id)
    return sorted(names)


def test_an_arxiv_url_is_asked_about_by_its_base() -> None:
    """The shortcut of an offline run: an arXiv PDF URL's host is looked up through the base
    URL every such URL starts with. Wherever it is taken, the base has the URL's scheme and host,
    and the fetcher's answer (error type and message) is the one for the URL itself."""
    from urllib.parse import urlsplit

    from dlbib.pdfs.sync import _under

    names = arxiv_names()
    assert len(names) > 20
    dead = refused_url()
    fetcher = PdfFetcher(timeout=(2, 2), min_interval=0, sleep=lambda s: None)
    with pytest.raises(dlbib.errors.PdfUnreachableError):
        fetcher.download(dead + "0000.00000", Path("/nonexistent/never.pdf"))
    taken = 0
    for base in [*BASES, dead]:
        prefix = f"{base.rstrip('/')}/"
        for name in [*names, "a:b", "x?y", "x#y", "x y", "x\ty", ""]:
            url = prefix + name
            if not _under(url, prefix):
                continue
            taken += 1
            assert urlsplit(url).scheme == urlsplit(prefix).scheme
            assert urlsplit(url).netloc == urlsplit(prefix).netloc
            quick, full = fetcher.known_unreachable(url, prefix), fetcher.known_unreachable(url)
            assert (type(quick), str(quick)) == (type(full), str(full))
            assert quick is None or quick.url == url
    assert taken >= len(names) * len(BASES)
    assert fetcher.known_unreachable(dead + names[0], dead) is not None


def test_an_outcome_is_what_the_generated_dataclass_makes() -> None:
    """:class:`PdfOutcome`'s own constructor (one outcome per entry of a run) makes what
    ``@dataclass(frozen=True)`` would: fields, defaults, keywords, equality, hash, repr,
    ``replace``, and no assignment afterwards."""
    import dataclasses

    from dlbib.pdfs.report import PdfOutcome

    fields = [(f.name, f.type, f.default) for f in dataclasses.fields(PdfOutcome)]
    generated = dataclasses.make_dataclass(
        "PdfOutcome", [(n, t, dataclasses.field(default=d)) for n, t, d in fields], frozen=True
    )
    error = dlbib.errors.PdfUnreachableError("cannot connect", "http://x/a.pdf")
    cases: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        (("k", "skipped"), {}),
        (("k", "failed", "why", None, "http://x/a.pdf"), {"error": error}),
        (("k", "downloaded", "", "papers/k.pdf", "http://x", 10), {}),
        (("k",), {"status": "moved", "bytes": 3, "path": "p"}),
    ]
    for args, kwargs in cases:
        ours, theirs = PdfOutcome(*args, **kwargs), generated(*args, **kwargs)
        assert [getattr(ours, n) for n, _, _ in fields] == [
            getattr(theirs, n) for n, _, _ in fields
        ]
        assert repr(ours) == repr(theirs)
        assert hash(ours) == hash(theirs)
        assert ours == PdfOutcome(*args, **kwargs)
        assert ours != dataclasses.replace(ours, key="other")
        assert dataclasses.replace(ours, bytes=5).bytes == 5
        with pytest.raises(dataclasses.FrozenInstanceError):
            ours.key = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        PdfOutcome("k")  # type: ignore[call-arg]
