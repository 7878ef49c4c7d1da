"""sync_pdfs end to end: a library file, its sidecar and a real local server."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dlbib.check import check_library, pdf_files_check
from dlbib.config import Config, load_config
from dlbib.errors import ConfigError, ReferenceNotFoundError
from dlbib.library.bibfile import load_library
from dlbib.library.model import Reference
from dlbib.library.state import SyncState, load_state
from dlbib.pdfs.fetch import PdfFetcher
from dlbib.pdfs.sync import (
    PdfOutcome,
    PdfReport,
    pdf_source,
    sync_library_pdfs,
    sync_pdfs,
    with_pdf_file,
)

from .pdfserver import PdfServer, Reply, make_pdf

LIBRARY = """\
@misc{vaswani2017attention,
  author = {Vaswani, Ashish and Shazeer, Noam and Kaiser, {\\L}ukasz},
  title = {Attention Is All You Need},
  year = {2017},
  eprint = {1706.03762},
  archiveprefix = {arXiv},
  keywords = {On Recurrent Neural Networks},
}

@article{srivastava2014dropout,
  author = {Srivastava, Nitish and Hinton, Geoffrey},
  title = {Dropout: A Simple Way to Prevent Neural Networks from Overfitting},
  journal = {JMLR},
  year = {2014},
  pdfurl = {PDFURL},
  keywords = {General Deep Learning papers and books},
}

@misc{ngmachine,
  author = {Ng, Andrew},
  title = {Machine Learning},
  url = {https://www.coursera.org/learn/machine-learning},
}

@misc{lipton2015critical,
  author = {Lipton, Zachary C.},
  title = {A Critical Review},
  year = {2015},
  url = {URLPDF},
}
"""

ARXIV_V1 = make_pdf("attention v1", 20_000)
ARXIV_V2 = make_pdf("attention v2", 21_000)
DROPOUT = make_pdf("dropout", 15_000)
CRITICAL = make_pdf("critical", 3_000)

ATTENTION_PATH = "papers/2017/vaswani2017attention - Vaswani 2017 - Attention Is All You Need.pdf"
DROPOUT_PATH = "papers/2014/srivastava2014dropout - Srivastava 2014 - Dropout.pdf"
CRITICAL_PATH = "papers/2015/lipton2015critical - Lipton 2015 - A Critical Review.pdf"


class Library:
    """A library folder wired to the local server."""

    def __init__(self, root: Path, server: PdfServer) -> None:
        self.root = root
        self.server = server
        self.path = root / "library.bib"
        text = LIBRARY.replace("PDFURL", server.url("/jmlr/dropout.pdf"))
        self.path.write_text(text.replace("URLPDF", server.url("/critical.PDF?dl=1")))
        server.pdf("/pdf/1706.03762v1", ARXIV_V1)
        server.pdf("/pdf/1706.03762v2", ARXIV_V2)
        server.pdf("/jmlr/dropout.pdf", DROPOUT)
        server.pdf("/critical.PDF?dl=1", CRITICAL)
        self.config = load_config(self.path, {"DLBIB_ARXIV_PDF_URL": server.url("/pdf/")})
        self.set_arxiv_version(1)

    def set_arxiv_version(self, version: int) -> None:
        """What sync records after looking up the arXiv entry."""
        state = load_state(self.config.state_path)
        state.section("vaswani2017attention", "arxiv").update(
            {"id": "1706.03762", "version": version}
        )
        state.path.write_text(state.render())

    def sync(self, fetcher: PdfFetcher, config: Config | None = None, **kw) -> PdfReport:
        return sync_library_pdfs(config or self.config, fetcher, **kw)

    def file_field(self, key: str) -> str | None:
        return load_library(self.path).get(key).fields.get("file")

    def state(self, key: str) -> dict[str, Any] | None:
        return load_state(self.config.state_path).get(key, "pdf")

    def pdfs(self) -> list[str]:
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*")
            if p.is_file() and p.parent != self.root and ".dlbib" not in p.parts
        )


@pytest.fixture
def lib(tmp_path: Path, pdf_server: PdfServer) -> Library:
    return Library(tmp_path, pdf_server)


def statuses(report: PdfReport) -> dict[str, str]:
    return {o.key: o.status for o in report.outcomes}


def test_first_sync_downloads_and_records(lib: Library, fetcher: PdfFetcher):
    report = lib.sync(fetcher)

    assert statuses(report) == {
        "vaswani2017attention": "downloaded",
        "srivastava2014dropout": "downloaded",
        "ngmachine": "skipped",
        "lipton2015critical": "downloaded",
    }
    assert report.counts == {"downloaded": 3, "moved": 0, "skipped": 1, "failed": 0}
    assert report.bytes_downloaded == len(ARXIV_V1) + len(DROPOUT) + len(CRITICAL)
    assert report.outcomes[2].reason == "no open-access PDF source"
    assert lib.pdfs() == sorted([ATTENTION_PATH, DROPOUT_PATH, CRITICAL_PATH])
    assert (lib.root / ATTENTION_PATH).read_bytes() == ARXIV_V1
    assert lib.file_field("vaswani2017attention") == "{:" + ATTENTION_PATH + ":PDF}"
    assert lib.file_field("ngmachine") is None
    assert lib.state("vaswani2017attention") == {
        "path": ATTENTION_PATH,
        "sha256": hashlib.sha256(ARXIV_V1).hexdigest(),
        "size": len(ARXIV_V1),
        "url": lib.server.url("/pdf/1706.03762v1"),
        "arxiv": "1706.03762",
        "version": 1,
    }
    assert (lib.state("srivastava2014dropout") or {})["url"] == lib.server.url("/jmlr/dropout.pdf")
    assert check_library(lib.path, [pdf_files_check(load_state(lib.config.state_path))]) == []


def test_no_change_resync_transfers_nothing(lib: Library, fetcher: PdfFetcher):
    lib.sync(fetcher)
    requests_before, sent_before = len(lib.server.requests), lib.server.bytes_sent
    bib_before = lib.path.read_bytes()
    state_before = lib.config.state_path.read_bytes()

    report = lib.sync(fetcher)

    assert report.counts == {"downloaded": 0, "moved": 0, "skipped": 4, "failed": 0}
    assert {o.reason for o in report.outcomes} == {"up to date", "no open-access PDF source"}
    assert report.bytes_downloaded == 0
    assert len(lib.server.requests) == requests_before
    assert lib.server.bytes_sent == sent_before
    assert lib.path.read_bytes() == bib_before
    assert lib.config.state_path.read_bytes() == state_before


def test_changed_title_moves_file_without_download(lib: Library, fetcher: PdfFetcher):
    lib.sync(fetcher)
    lib.path.write_text(
        lib.path.read_text().replace("{Attention Is All You Need}", "{Attention: Redux}")
    )
    sent_before = lib.server.bytes_sent

    report = lib.sync(fetcher)

    new_path = "papers/2017/vaswani2017attention - Vaswani 2017 - Attention.pdf"
    outcome = report.outcomes[0]
    assert (outcome.status, outcome.path, outcome.reason) == (
        "moved",
        new_path,
        f"from {ATTENTION_PATH}",
    )
    assert lib.server.bytes_sent == sent_before
    assert (lib.root / new_path).read_bytes() == ARXIV_V1
    assert not (lib.root / ATTENTION_PATH).exists()
    assert lib.file_field("vaswani2017attention") == "{:" + new_path + ":PDF}"
    assert (lib.state("vaswani2017attention") or {})["path"] == new_path


def test_new_pattern_moves_files_and_removes_empty_folders(lib: Library, fetcher: PdfFetcher):
    lib.sync(fetcher)
    config = replace(lib.config, pdf_pattern="{section}/{key}.pdf")

    report = lib.sync(fetcher, config)

    assert report.counts == {"downloaded": 0, "moved": 3, "skipped": 1, "failed": 0}
    assert lib.pdfs() == [
        "papers/General Deep Learning papers and books/srivastava2014dropout.pdf",
        "papers/On Recurrent Neural Networks/vaswani2017attention.pdf",
        "papers/Unsorted/lipton2015critical.pdf",
    ]
    assert sorted(p.name for p in (lib.root / "papers").iterdir()) == [
        "General Deep Learning papers and books", "On Recurrent Neural Networks", "Unsorted",
    ]  # fmt: skip


def test_new_arxiv_version_replaces_old_file(lib: Library, fetcher: PdfFetcher):
    lib.sync(fetcher)
    lib.set_arxiv_version(2)

    report = lib.sync(fetcher, keys=["vaswani2017attention"])

    assert statuses(report) == {"vaswani2017attention": "downloaded"}
    assert (lib.root / ATTENTION_PATH).read_bytes() == ARXIV_V2
    record = lib.state("vaswani2017attention") or {}
    assert (record["version"], record["sha256"]) == (2, hashlib.sha256(ARXIV_V2).hexdigest())
    assert lib.server.hits("/pdf/1706.03762v2") == 1
    assert sorted(p for p in lib.pdfs() if "vaswani" in p) == [ATTENTION_PATH]


def test_new_version_in_eprint_with_version_pattern_removes_old(lib: Library, fetcher: PdfFetcher):
    config = replace(lib.config, pdf_pattern="{key}-{arxiv}.pdf")
    lib.sync(fetcher, config)
    lib.path.write_text(lib.path.read_text().replace("{1706.03762}", "{1706.03762v2}"))
    config = replace(config, pdf_pattern="{key}-v2.pdf")

    report = lib.sync(fetcher, config, keys=["vaswani2017attention"])

    assert report.outcomes[0].status == "downloaded"
    assert [p for p in lib.pdfs() if "vaswani" in p] == ["papers/vaswani2017attention-v2.pdf"]


def test_failure_leaves_entry_untouched_and_rerun_completes(lib: Library, fetcher: PdfFetcher):
    lib.server.add("/jmlr/dropout.pdf", Reply(404, b"gone", {"Content-Type": "text/html"}))
    lib.server.add(
        "/pdf/1706.03762v1", Reply(200, b"<html>captcha</html>", {"Content-Type": "text/html"})
    )

    report = lib.sync(fetcher)

    assert report.counts == {"downloaded": 1, "moved": 0, "skipped": 1, "failed": 2}
    failed = {o.key: o for o in report.failed}
    assert failed["srivastava2014dropout"].error is not None
    assert failed["srivastava2014dropout"].error.status == 404
    assert "not a PDF" in failed["vaswani2017attention"].reason
    assert lib.file_field("srivastava2014dropout") is None
    assert lib.state("srivastava2014dropout") is None
    assert lib.pdfs() == [CRITICAL_PATH]
    load_library(lib.path)  # still valid

    lib.server.pdf("/jmlr/dropout.pdf", DROPOUT)
    lib.server.pdf("/pdf/1706.03762v1", ARXIV_V1)
    report = lib.sync(fetcher)
    assert report.counts == {"downloaded": 2, "moved": 0, "skipped": 2, "failed": 0}


def test_missing_file_is_downloaded_again_and_check_reports_it(lib: Library, fetcher: PdfFetcher):
    lib.sync(fetcher)
    (lib.root / DROPOUT_PATH).unlink()
    findings = check_library(lib.path, [pdf_files_check(load_state(lib.config.state_path))])
    assert [(f.code, f.key) for f in findings] == [("missing-file", "srivastava2014dropout")]

    report = lib.sync(fetcher)

    assert statuses(report)["srivastava2014dropout"] == "downloaded"
    assert (lib.root / DROPOUT_PATH).read_bytes() == DROPOUT


def test_missing_recorded_file_without_file_field_is_reported(lib: Library, fetcher: PdfFetcher):
    lib.sync(fetcher)
    (lib.root / DROPOUT_PATH).unlink()
    lib.path.write_text(lib.path.read_text().replace("  file = {:" + DROPOUT_PATH + ":PDF},\n", ""))
    findings = check_library(lib.path, [pdf_files_check(load_state(lib.config.state_path))])
    assert [(f.code, f.message) for f in findings] == [
        ("missing-file", f"recorded PDF {DROPOUT_PATH!r} does not exist")
    ]


def test_altered_file_is_kept_and_reported(lib: Library, fetcher: PdfFetcher):
    lib.sync(fetcher)
    annotated = ARXIV_V1.replace(b"attention v1", b"attention !!")
    (lib.root / ATTENTION_PATH).write_bytes(annotated)
    findings = check_library(lib.path, [pdf_files_check(load_state(lib.config.state_path))])
    assert [(f.code, f.key) for f in findings] == [("altered-file", "vaswani2017attention")]
    lib.set_arxiv_version(2)

    report = lib.sync(fetcher)

    outcome = report.outcomes[0]
    assert outcome.status == "skipped"
    assert "changed since download" in outcome.reason
    assert (lib.root / ATTENTION_PATH).read_bytes() == annotated
    assert lib.server.hits("/pdf/1706.03762v2") == 0

    report = lib.sync(fetcher, force=True, keys=["vaswani2017attention"])
    assert report.outcomes[0].status == "downloaded"
    assert (lib.root / ATTENTION_PATH).read_bytes() == ARXIV_V2


def test_hand_made_file_field_is_left_alone(lib: Library, fetcher: PdfFetcher):
    mine = lib.root / "mine.pdf"
    mine.write_bytes(b"%PDF-1.4 my own copy %%EOF")
    lib.path.write_text(
        lib.path.read_text().replace(
            "  year = {2017},\n", "  year = {2017},\n  file = {:mine.pdf:PDF},\n"
        )
    )

    report = lib.sync(fetcher, keys=["vaswani2017attention"])

    assert (report.outcomes[0].status, report.outcomes[0].path) == ("skipped", "mine.pdf")
    assert lib.file_field("vaswani2017attention") == "{:mine.pdf:PDF}"
    assert lib.server.hits("/pdf/1706.03762v1") == 0


def test_stale_file_field_is_replaced(lib: Library, fetcher: PdfFetcher):
    text = lib.path.read_text().replace(
        "  year = {2017},\n",
        "  year = {2017},\n  file = {:gone.pdf:PDF;Slides:slides.pdf:PDF},\n",
        1,
    )
    lib.path.write_text(text)
    lib.sync(fetcher, keys=["vaswani2017attention"])
    assert (
        lib.file_field("vaswani2017attention")
        == "{:" + ATTENTION_PATH + ":PDF;Slides:slides.pdf:PDF}"
    )


HOSTILE_KEYS = ["..", "a..b", "x/../../../../evil", "CON", "k;v:w\\z"]


def test_hostile_keys_and_titles_stay_in_papers(
    tmp_path: Path, pdf_server: PdfServer, fetcher: PdfFetcher
):
    url = pdf_server.pdf("/p.pdf", DROPOUT)
    entries = [
        f"@misc{{{key},\n  title = {{../../{i}/..}},\n  year = {{/etc}},\n"
        f"  pdfurl = {{{url}}},\n}}\n"
        for i, key in enumerate(HOSTILE_KEYS)
    ]
    library = tmp_path / "lib" / "library.bib"
    library.parent.mkdir()
    library.write_text("\n".join(entries))
    config = load_config(library, {})

    report = sync_library_pdfs(config, fetcher)

    assert report.counts["downloaded"] == len(HOSTILE_KEYS)
    papers = (tmp_path / "lib" / "papers").resolve()
    for outcome in report.outcomes:
        assert outcome.path is not None
        assert (library.parent / outcome.path).resolve().parent.parent == papers
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lib"]
    files = {r.key: r.files for r in load_library(library).references}
    assert files["k;v:w\\z"][0].path == "papers/n.d/k;v_w-z - Anonymous n.d. - -..-4-.pdf"
    assert "k\\;v" in library.read_text()


def test_two_entries_with_one_name_get_distinct_files(lib: Library, fetcher: PdfFetcher):
    config = replace(lib.config, pdf_pattern="{year}.pdf")
    text = lib.path.read_text().replace("{2014}", "{2017}").replace("{2015}", "{2017}")
    lib.path.write_text(text)

    lib.sync(fetcher, config)
    assert lib.pdfs() == ["papers/2017 (2).pdf", "papers/2017 (3).pdf", "papers/2017.pdf"]
    report = lib.sync(fetcher, config)
    assert report.counts["skipped"] == 4


class Recorder:
    """A PdfProgress that records events, and can press Ctrl-C inside one entry's download."""

    def __init__(self, interrupt_in: str | None = None) -> None:
        self.interrupt_in = interrupt_in
        self.key = ""
        self.entries: list[tuple[str, int, int]] = []
        self.bytes = 0
        self.statuses: list[str] = []

    def entry(self, key: str, index: int, total: int) -> None:
        self.key = key
        self.entries.append((key, index, total))

    def chunk(self, nbytes: int) -> None:
        if self.key == self.interrupt_in:
            raise KeyboardInterrupt
        self.bytes += nbytes

    def outcome(self, outcome: PdfOutcome) -> None:
        self.statuses.append(outcome.status)


def test_ctrl_c_keeps_finished_work_and_library_valid(lib: Library, fetcher: PdfFetcher):
    with pytest.raises(KeyboardInterrupt):
        lib.sync(fetcher, progress=Recorder(interrupt_in="srivastava2014dropout"))

    assert lib.pdfs() == [ATTENTION_PATH]
    assert lib.file_field("vaswani2017attention") == "{:" + ATTENTION_PATH + ":PDF}"
    assert lib.state("vaswani2017attention") is not None
    assert lib.state("srivastava2014dropout") is None
    report = lib.sync(fetcher)
    assert report.counts == {"downloaded": 2, "moved": 0, "skipped": 2, "failed": 0}


def test_progress_sees_every_entry_and_byte(lib: Library, fetcher: PdfFetcher):
    recorder = Recorder()
    lib.sync(fetcher, progress=recorder)
    assert recorder.entries[0] == ("vaswani2017attention", 0, 4)
    assert len(recorder.entries) == 4
    assert recorder.bytes == len(ARXIV_V1) + len(DROPOUT) + len(CRITICAL)
    assert recorder.statuses == ["downloaded", "downloaded", "skipped", "downloaded"]


def test_in_memory_api_leaves_saving_to_the_caller(lib: Library, fetcher: PdfFetcher):
    library = load_library(lib.path)
    state = load_state(lib.config.state_path)
    before = lib.path.read_bytes()

    report = sync_pdfs(library, state, lib.config, fetcher, keys=["srivastava2014dropout"])

    assert statuses(report) == {"srivastava2014dropout": "downloaded"}
    assert library.get("srivastava2014dropout").pdf_path == DROPOUT_PATH
    assert state.get("srivastava2014dropout", "pdf") is not None
    assert lib.path.read_bytes() == before
    assert lib.state("srivastava2014dropout") is None


def test_unknown_key_and_bad_pattern_fail_before_fetching(lib: Library, fetcher: PdfFetcher):
    with pytest.raises(ReferenceNotFoundError):
        lib.sync(fetcher, keys=["nope"])
    with pytest.raises(ConfigError):
        lib.sync(fetcher, replace(lib.config, pdf_pattern="../{key}.pdf"))
    assert lib.server.requests == []


@pytest.mark.parametrize(
    ("fields", "state_version", "expected"),
    [
        ({"eprint": "{1706.03762v5}"}, 2, ("https://x/pdf/1706.03762v5", "1706.03762", 5)),
        ({"eprint": "{1706.03762}"}, 2, ("https://x/pdf/1706.03762v2", "1706.03762", 2)),
        ({"eprint": "{1706.03762}", "arxivversion": "{v4}"}, 2,
         ("https://x/pdf/1706.03762v4", "1706.03762", 4)),
        ({"eprint": "{1706.03762v3}", "arxivversion": "{v4}"}, 2,
         ("https://x/pdf/1706.03762v3", "1706.03762", 3)),
        ({"eprint": "{1706.03762}"}, None, ("https://x/pdf/1706.03762", "1706.03762", None)),
        ({"eprint": "{cs/0112017v1}"}, None, ("https://x/pdf/cs/0112017v1", "cs/0112017", 1)),
        ({"url": "{https://arxiv.org/abs/1502.03167v3}"}, None,
         ("https://x/pdf/1502.03167v3", "1502.03167", 3)),
        ({"pdfurl": "{https://jmlr.org/a.pdf}", "url": "{https://jmlr.org/b.pdf}"}, None,
         ("https://jmlr.org/a.pdf", None, None)),
        ({"url": "{https://e.org/paper.PDF#page=2}"}, None,
         ("https://e.org/paper.PDF#page=2", None, None)),
    ],
    ids=["eprint-version", "state-version", "arxivversion", "cited-beats-arxivversion",
         "no-version", "old-style", "arxiv-url", "pdfurl",
         "url-pdf"],
)  # fmt: skip
def test_pdf_source(fields, state_version, expected):
    state = SyncState(Path("x.json"))
    if state_version:
        state.section("k", "arxiv")["version"] = state_version
    source = pdf_source(Reference("k", "misc", fields), state, "https://x/pdf/")
    assert source is not None
    assert (source.url, source.arxiv, source.version) == expected


@pytest.mark.parametrize(
    "fields",
    [{}, {"url": "{https://e.org/page.html}"}, {"url": "{https://e.org/x.pdf.html}"}],
    ids=["nothing", "html-url", "pdf-in-middle"],
)
def test_no_pdf_source(fields):
    assert (
        pdf_source(Reference("k", "misc", fields), SyncState(Path("x.json")), "https://x") is None
    )


def test_with_pdf_file_keeps_url_records():
    ref = Reference("k", "misc", {"file": "{Online:https\\://e.org/x.pdf:PDF}"})
    new = with_pdf_file(ref, "papers/k.pdf")
    assert new.fields["file"] == "{:papers/k.pdf:PDF;Online:https\\://e.org/x.pdf:PDF}"


def test_with_pdf_file_escapes():
    ref = Reference("k", "misc", {})
    new = with_pdf_file(ref, "papers/a;b:c\\d.pdf")
    assert new.fields["file"] == "{:papers/a\\;b\\:c\\\\d.pdf:PDF}"
    assert new.pdf_path == "papers/a;b:c\\d.pdf"
    assert with_pdf_file(new, "papers/a;b:c\\d.pdf") is new


def test_report_as_dict():
    report = PdfReport([PdfOutcome("k", "downloaded", "", "papers/k.pdf", "http://x", 10)])
    assert report.as_dict() == {
        "counts": {"downloaded": 1, "moved": 0, "skipped": 0, "failed": 0},
        "bytes": 10,
        "outcomes": [report.outcomes[0].as_dict()],
    }


def test_outcome_as_dict():
    outcome = PdfOutcome("k", "failed", "HTTP 404", None, "http://x", 0)
    assert outcome.as_dict() == {
        "key": "k", "status": "failed", "reason": "HTTP 404", "path": None, "url": "http://x",
        "bytes": 0,
    }  # fmt: skip


def test_torn_file_is_fetched_again_and_check_says_damaged(lib: Library, fetcher: PdfFetcher):
    lib.sync(fetcher)
    (lib.root / DROPOUT_PATH).write_bytes(DROPOUT[:1000])  # as a power cut could leave it
    findings = check_library(lib.path, [pdf_files_check(load_state(lib.config.state_path))])
    assert [(f.code, "damaged" in f.message) for f in findings] == [("altered-file", True)]

    report = lib.sync(fetcher)

    assert statuses(report)["srivastava2014dropout"] == "downloaded"
    assert (lib.root / DROPOUT_PATH).read_bytes() == DROPOUT


def test_public_api():
    import dlbib

    for name in ("PdfFetcher", "PdfDownloadError", "pdf_path", "sync_pdfs", "sync_library_pdfs",
                 "PdfReport"):  # fmt: skip
        assert name in dlbib.__all__
        assert getattr(dlbib, name) is not None


@pytest.mark.parametrize("kind", ["not-a-pdf", "matching-pdf"])
def test_sidecar_path_outside_papers_is_never_touched(
    lib: Library, fetcher: PdfFetcher, kind: str
) -> None:
    """The sidecar is committed and hand-editable: a record naming ../x must not make sync
    delete or move a file outside the PDF folder, nor check read it."""
    from dlbib.library.state import save_state

    lib.sync(fetcher)
    victim = lib.root.parent / f"victim-{kind}.pdf"
    body = b"precious notes" if kind == "not-a-pdf" else ARXIV_V1
    victim.write_bytes(body)
    state = load_state(lib.config.state_path)
    record = state.section("vaswani2017attention", "pdf")
    record["path"] = f"../{victim.name}"
    record["sha256"] = hashlib.sha256(body).hexdigest()
    record["version"] = 0  # pretend a new arXiv version is due
    save_state(state)

    findings = check_library(lib.path, [pdf_files_check(load_state(lib.config.state_path))])
    assert [(f.code, f.key) for f in findings] == [("bad-record", "vaswani2017attention")]

    lib.sync(fetcher, keys=["vaswani2017attention"])
    assert victim.read_bytes() == body
    assert lib.state("vaswani2017attention") is None  # the bad record is forgotten
    assert (lib.root / ATTENTION_PATH).read_bytes() == ARXIV_V1


def test_a_symlink_inside_papers_cannot_send_downloads_elsewhere(
    lib: Library, fetcher: PdfFetcher, tmp_path_factory: pytest.TempPathFactory
):
    """papers/ is a jail: papers/2017 -> /elsewhere makes that entry fail, nothing written there."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (lib.root / "papers").mkdir()
    (lib.root / "papers" / "2017").symlink_to(elsewhere, target_is_directory=True)

    report = lib.sync(fetcher)

    assert statuses(report)["vaswani2017attention"] == "failed"
    assert "outside the PDF folder" in report.failed[0].reason
    assert list(elsewhere.iterdir()) == []
    assert statuses(report)["srivastava2014dropout"] == "downloaded"  # the rest goes on
    assert lib.state("vaswani2017attention") is None
