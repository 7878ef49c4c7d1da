"""`dlbib import` end to end against a fake arXiv API on 127.0.0.1, plus planning (no network):
dedupe within the list and against the library, keys, keywords, order, failures midway."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dlbib.cli import cli
from dlbib.library.bibfile import load_library
from dlbib.readinglist.identity import library_index, reference_tokens
from dlbib.readinglist.importer import import_reading_list, plan_import
from dlbib.readinglist.read import parse_reading_list
from dlbib.sources.arxiv import ArxivSource

from .arxiv_server import FakeArxiv, error_feed, werkzeug_handler
from .conftest import REPO, SEED_LIST

SEED = SEED_LIST
COMMITTED = REPO / "library.bib"
needs_committed_library = pytest.mark.skipif(
    not COMMITTED.exists(), reason="library.bib is not committed at the repository root yet"
)


def run(runner: CliRunner, library: Path, *args: str, env: dict[str, str]) -> Any:
    return runner.invoke(cli, ["--library", str(library), "import", *args], env=env)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def empty_library(tmp_path: Path) -> Path:
    return write(tmp_path / "library.bib", "")


@needs_committed_library
def test_seed_list_finds_every_work_of_the_committed_library(
    tmp_path: Path, runner: CliRunner, import_arxiv: Any
) -> None:
    library = tmp_path / "library.bib"
    library.write_bytes(COMMITTED.read_bytes())
    result = run(runner, library, str(SEED), "--json", env=import_arxiv.env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["counts"] == {"added": 0, "present": 41, "unresolved": 0, "ignored": 17}
    keys = [i["key"] for i in report["items"] if i["status"] == "present"]
    assert keys == load_library(COMMITTED).keys()  # every entry, in the library's own order
    assert import_arxiv.api.requests == []
    assert library.read_bytes() == COMMITTED.read_bytes()


def test_seed_list_recreates_every_work_on_an_empty_library(
    empty_library: Path, runner: CliRunner, import_arxiv: Any
) -> None:
    result = run(runner, empty_library, str(SEED), env=import_arxiv.env)
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(
        f"{SEED}: 41 added, 0 present, 0 unresolved, 17 ignored; 2 arXiv request(s); 41 written"
    )
    # one batched look-up for the five arXiv ids, one batched search for the four titles
    # (JMLR x2, PMLR, NIPS): ti:"…" OR ti:"…"
    assert [q.get("id_list", [""])[0] for q in import_arxiv.api.requests] == [
        "1206.5533,1502.01852,1502.03167,1506.00019,1409.2329", "",
    ]  # fmt: skip
    assert import_arxiv.api.requests[1]["search_query"][0].count(" OR ") >= 3
    library = load_library(empty_library)
    assert len(library.references) == 41
    seq2seq = library.get("sutskever2014sequence")
    assert seq2seq.get("eprint") == "1409.3215"  # found by title search
    assert seq2seq.get("keywords") == "On Recurrent Neural Networks"
    assert library.get("bergstra2012random").entry_type == "article"
    assert library.get("quoramachine").get("howpublished") == "Quora"
    again = run(runner, empty_library, str(SEED), env=import_arxiv.env)
    assert again.exit_code == 0
    assert "0 added, 41 present" in again.stderr


@needs_committed_library
def test_recreated_entries_match_the_committed_library_one_to_one(
    empty_library: Path, import_arxiv: Any
) -> None:
    source = ArxivSource(api_url=import_arxiv.url, delay=0)
    report = import_reading_list(SEED, empty_library, source)
    assert report.counts()["added"] == 41
    created = library_index(load_library(empty_library).references)
    matches = {
        ref.key: created.find(reference_tokens(ref)) for ref in load_library(COMMITTED).references
    }
    assert None not in matches.values(), [k for k, m in matches.items() if m is None]
    assert len({m[0] for m in matches.values() if m}) == 41


def test_dry_run_shows_the_plan_and_writes_nothing(
    empty_library: Path, runner: CliRunner, import_arxiv: Any
) -> None:
    result = run(runner, empty_library, str(SEED), "--dry-run", env=import_arxiv.env)
    assert result.exit_code == 0
    assert result.stdout.startswith("To add (41):\n     48  r2d3 ")
    assert "Ignored (17):" in result.stdout
    assert "[a name mentioned in passing (person, organisation or product)" in result.stdout
    assert "41 would be added (dry run, nothing written)" in result.stderr
    assert empty_library.read_bytes() == b""


def test_duplicates_in_the_list_are_added_once(empty_library: Path, import_arxiv: Any) -> None:
    reading_list = write(
        empty_library.parent / "list.md",
        "# Papers\n"
        "- [abs](https://arxiv.org/abs/1502.03167)\n"
        "- [pdf](http://arxiv.org/pdf/1502.03167v3.pdf)\n"
        "- **Batch normalization: Accelerating deep network training by reducing internal "
        "covariate shift** (2015), S. Ioffe and C. Szegedy\n"
        "- [blog](https://example.org/post/) and again [it](http://www.example.org/post)\n",
    )
    report = import_reading_list(
        reading_list, empty_library, ArxivSource(api_url=import_arxiv.url, delay=0)
    )
    assert [(i.line, i.status, i.reason) for i in report.items] == [
        (2, "added", "arXiv 1502.03167"),
        (3, "ignored", "the list cites it already on line 2 (same arXiv id (1502.03167))"),
        (4, "ignored", "the list cites it already on line 2 (same title, first author and year)"),
        (5, "added", "web page (from the list)"),
    ]  # fmt: skip
    # the key never takes a label word ("blog", "post"): the site, then a title word if any
    assert load_library(empty_library).keys() == ["ioffe2015batch", "example"]


def test_works_in_the_library_are_present_with_their_keys(tmp_path: Path) -> None:
    library = write(
        tmp_path / "library.bib",
        "@article{mykey,\n  author = {LeCun, Yann and Bengio, Yoshua},\n"
        "  title = {Deep learning},\n  journal = {Nature},\n  year = {2015},\n"
        "  doi = {10.1038/nature14539},\n}\n\n"
        "@book{bishop,\n  author = {Bishop, Christopher M.},\n"
        "  title = {Pattern Recognition and Machine Learning},\n  year = {2006},\n}\n\n"
        "@misc{page,\n  title = {Home},\n  url = {https://Example.org/a/?utm_source=x},\n"
        "  note = {The list links http://old.example.org/a/index.html, now moved.},\n}\n",
    )
    text = (
        "- [review](https://doi.org/10.1038/NATURE14539)\n"
        "- **Pattern recognition and machine learning** (2006), C. Bishop [[pdf]](http://x.org/b.pdf)\n"
        "- [home](http://www.example.org/a)\n- [old home](http://old.example.org/a/)\n"
    )
    plan = plan_import(parse_reading_list(text, Path("l.md")), load_library(library))
    assert plan.works == []
    assert [(i.line, i.status, i.key) for i in plan.decided] == [
        (1, "present", "mykey"), (2, "present", "bishop"), (3, "present", "page"),
        (4, "present", "page"),
    ]  # fmt: skip


def test_new_entries_are_appended_in_list_order_with_sections(
    tmp_path: Path, import_arxiv: Any
) -> None:
    library = write(tmp_path / "library.bib", "@misc{zzz,\n  title = {First},\n}\n")
    reading_list = write(
        tmp_path / "list.md",
        "## RNNs; sequences\n- http://arxiv.org/abs/1409.2329\n## CNNs\n"
        "- [He et al.](https://arxiv.org/pdf/1502.01852v1.pdf)\n"
        "- Maxout networks (2013), I. Goodfellow et al. [[pdf]](http://jmlr.org/proceedings/"
        "papers/v28/goodfellow13.pdf)\n",
    )
    import_reading_list(reading_list, library, ArxivSource(api_url=import_arxiv.url, delay=0))
    refs = load_library(library).references
    assert [(r.key, r.get("keywords")) for r in refs] == [
        ("zzz", None), ("zaremba2014recurrent", "RNNs / sequences"),
        ("he2015delving", "CNNs"), ("goodfellow2013maxout", "CNNs"),
    ]  # fmt: skip
    maxout = refs[3]
    assert maxout.entry_type == "inproceedings"
    assert maxout.fields["author"] == "{Goodfellow, I. and others}"
    assert maxout.fields["booktitle"] == "{Proceedings of Machine Learning Research}"
    assert maxout.fields["volume"] == "{28}"


@pytest.mark.parametrize(
    ("options", "status", "reason"),
    [
        pytest.param([], "added", "arXiv title search: title (100%), authors and year agree",
                     id="search"),
        pytest.param(["--no-search"], "added", "from the list", id="no-search"),
    ],
)  # fmt: skip
def test_titles_without_a_link_are_searched_on_arxiv(
    empty_library: Path,
    runner: CliRunner,
    import_arxiv: Any,
    options: list[str],
    status: str,
    reason: str,
) -> None:
    reading_list = write(
        empty_library.parent / "list.txt",
        "Sequence to sequence learning with neural networks (2014), I. Sutskever et al.\n",
    )
    result = run(runner, empty_library, str(reading_list), "--json", *options, env=import_arxiv.env)
    assert result.exit_code == 0
    (item,) = json.loads(result.stdout)["items"]
    assert (item["line"], item["status"], item["reason"]) == (1, status, reason)


def test_uncertain_title_matches_become_papers_from_the_list(
    empty_library: Path, import_arxiv: Any
) -> None:
    reading_list = write(
        empty_library.parent / "list.md",
        "- Sequence to sequence learning with neural networks (2014), J. Smith and A. Jones\n"
        "- Sequence to sequence learning with neural networks (2003), I. Sutskever et al.\n"
        "- A paper nobody wrote about anything (2015), A. Nobody et al.\n",
    )
    report = import_reading_list(
        reading_list, empty_library, ArxivSource(api_url=import_arxiv.url, delay=0)
    )
    assert [(i.status, i.reason) for i in report.items] == [
        ("added", "from the list (no arXiv match: no candidate agrees: best 1409.3215: title "
                  "matches but the authors differ)"),
        ("added", "from the list (no arXiv match: no candidate agrees: best 1409.3215: title "
                  "and authors match but arXiv's year 2014 is far from 2003)"),
        ("added", "from the list (no arXiv match: arXiv has no paper with this title)"),
    ]  # fmt: skip
    # papers stay papers: what the list says, with a note, never an arXiv record
    refs = load_library(empty_library).references
    assert [r.key for r in refs] == [
        "smith2014sequence",
        "sutskever2003sequence",
        "nobody2015wrote",
    ]
    assert all(r.get("eprint") is None and "reading list" in (r.get("note") or "") for r in refs)


def test_an_id_arxiv_does_not_know_is_unresolved(
    empty_library: Path, runner: CliRunner, import_arxiv: Any
) -> None:
    reading_list = write(empty_library.parent / "list.md", "- arXiv:2101.99999\n")
    result = run(runner, empty_library, str(reading_list), env=import_arxiv.env)
    assert result.exit_code == 0
    assert result.stdout == (
        "Unresolved (1):\n      1                                - arXiv:2101.99999  "
        "[arXiv has no paper 2101.99999]\n"
    )


def _failing_after(n: int, api: FakeArxiv) -> Any:
    """A handler that answers like ``api`` for ``n`` requests, then with arXiv's error feed."""
    from werkzeug import Response

    ok = werkzeug_handler(api)
    calls = []

    def handle(request: Any) -> Any:
        calls.append(request.args)
        if len(calls) > n:
            return Response(error_feed("internal error"), status=400)
        return ok(request)

    return handle


@pytest.mark.parametrize(("dry_run", "kept"), [(False, 100), (True, 0)], ids=["write", "dry-run"])
def test_arxiv_failing_midway_keeps_what_resolved(
    empty_library: Path, runner: CliRunner, httpserver: Any, dry_run: bool, kept: int
) -> None:
    api = FakeArxiv(synthetic=True)
    httpserver.expect_request("/api/query").respond_with_handler(_failing_after(1, api))
    links = "".join(f"- https://arxiv.org/abs/2001.{n:05d}\n" for n in range(1, 151))
    reading_list = write(empty_library.parent / "list.md", "# Many\n" + links)
    env = {"DLBIB_ARXIV_API_URL": httpserver.url_for("/api/query"), "DLBIB_ARXIV_DELAY": "0"}
    args = [str(reading_list), "--json"] + (["--dry-run"] if dry_run else [])
    result = run(runner, empty_library, *args, env=env)
    assert result.exit_code == 1
    last = result.stderr.splitlines()[-1]
    assert last.startswith(
        "Error: arXiv failed midway: arXiv rejected the query with HTTP 400: internal error ("
    )
    assert "id_list=2001.00101%2C2001.00102%2C" in last
    report = json.loads(result.stdout)
    assert report["counts"] == {"added": 100, "present": 0, "unresolved": 50, "ignored": 0}
    assert report["items"][100]["reason"].startswith("not looked up: arXiv rejected the query")
    assert len(load_library(empty_library).references) == kept


def test_five_thousand_links_take_fifty_requests(empty_library: Path, httpserver: Any) -> None:
    api = FakeArxiv(synthetic=True)
    httpserver.expect_request("/api/query").respond_with_handler(werkzeug_handler(api))
    links = "".join(
        f"- [paper {n}](https://arxiv.org/pdf/2001.{n:05d}v1.pdf)\n" for n in range(1, 5001)
    )
    reading_list = write(empty_library.parent / "list.md", links)
    source = ArxivSource(api_url=httpserver.url_for("/api/query"), delay=0)
    report = import_reading_list(reading_list, empty_library, source)
    assert source.requests_made == 50
    assert report.counts() == {"added": 5000, "present": 0, "unresolved": 0, "ignored": 0}
    assert len(load_library(empty_library).references) == 5000


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"", "is empty", id="empty"),
        pytest.param(b"%PDF-1.4\n\x00\x01", "2: is a binary file, not a text reading list",
                     id="binary"),
        pytest.param(b"- ok\n- caf\xe9\n", "2: is not UTF-8 text (byte 0xe9)", id="not-utf8"),
    ],
)  # fmt: skip
def test_unreadable_list_is_a_clear_error(
    empty_library: Path, runner: CliRunner, import_arxiv: Any, data: bytes, message: str
) -> None:
    reading_list = empty_library.parent / "list.md"
    reading_list.write_bytes(data)
    result = run(runner, empty_library, str(reading_list), env=import_arxiv.env)
    assert result.exit_code == 1
    sep = ":" if message[0].isdigit() else ": "
    assert result.stderr == f"Error: {reading_list}{sep}{message}\n"
    assert empty_library.read_bytes() == b""
    assert import_arxiv.api.requests == []


def test_web_links_become_misc_web_items_dated_by_the_list(
    empty_library: Path, import_arxiv: Any
) -> None:
    reading_list = write(
        empty_library.parent / "list.md",
        "---\ndate: 2018-05-17\n---\n# Blogs\n"
        "- [Understanding LSTM Networks](http://colah.github.io/posts/2015-08-Understanding-LSTMs/"
        "?utm_source=feed)\n- [Machine learning](https://www.coursera.org/learn/machine-learning)\n",
    )
    import_reading_list(reading_list, empty_library, ArxivSource(api_url=import_arxiv.url, delay=0))
    refs = load_library(empty_library).references
    assert [(r.key, r.entry_type, dict(r.fields)) for r in refs] == [
        ("colahunderstanding", "misc", {
            "title": "{Understanding LSTM Networks}",
            "howpublished": "{colah.github.io}", "type": "{Blog post}",
            "url": "{http://colah.github.io/posts/2015-08-Understanding-LSTMs/}",
            "key": "{colah.github.io}", "urldate": "{2018-05-17}", "keywords": "{Blogs}"}),
        ("courseramachine", "misc", {
            "title": "{Machine learning}", "howpublished": "{Coursera}", "type": "{Online course}",
            "url": "{https://www.coursera.org/learn/machine-learning}", "key": "{Coursera}",
            "urldate": "{2018-05-17}", "keywords": "{Blogs}"}),
    ]  # fmt: skip
    assert import_arxiv.api.requests == []


def test_first_import_creates_the_library(
    tmp_path: Path, runner: CliRunner, import_arxiv: Any
) -> None:
    library = tmp_path / "library.bib"
    reading_list = write(tmp_path / "list.md", "- https://arxiv.org/abs/1502.03167\n")
    result = run(runner, library, str(reading_list), env=import_arxiv.env)
    assert result.exit_code == 0, result.output
    assert load_library(library).keys() == ["ioffe2015batch"]


def test_arxiv_unreachable_adds_only_what_needs_no_lookup(
    empty_library: Path, runner: CliRunner, unused_port: int
) -> None:
    env = {"DLBIB_ARXIV_API_URL": f"http://127.0.0.1:{unused_port}/api/query",
           "DLBIB_ARXIV_DELAY": "0"}  # fmt: skip
    result = run(runner, empty_library, str(SEED), "--json", env=env)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith(
        "Error: arXiv failed midway: arXiv could not be reached (connection refused)"
    )
    report = json.loads(result.stdout)
    unresolved = [
        (i["line"], i["reason"][:33]) for i in report["items"] if i["status"] == "unresolved"
    ]
    # the five arXiv links and the four papers that arXiv title search must see first
    assert unresolved == [
        (94, "not looked up: arXiv could not be"), (99, "not looked up: arXiv could not be"),
        (103, "not looked up: arXiv could not be"), (107, "not looked up: arXiv could not be"),
        (111, "not looked up: arXiv could not be"), (127, "not looked up: arXiv could not be"),
        (131, "not looked up: arXiv could not be"), (136, "not looked up: arXiv could not be"),
        (140, "not looked up: arXiv could not be"),
    ]  # fmt: skip
    assert report["counts"]["added"] == 32  # web pages, the Nature DOI paper and the two books
    assert len(load_library(empty_library).references) == 32


def test_progress_counts_every_planned_request(empty_library: Path, import_arxiv: Any) -> None:
    calls: list[tuple[int, int]] = []
    source = ArxivSource(api_url=import_arxiv.url, delay=0)
    import_reading_list(SEED, empty_library, source, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 2), (2, 2)]  # one id batch, one batched title search
    assert source.requests_made == 2


@needs_committed_library
def test_an_import_keeps_each_entrys_identity_between_runs(
    tmp_path: Path, import_arxiv: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The identity tokens of every entry are kept by the entry's content: a second import
    works none out again, and finds exactly what a run without the cache finds."""
    from dlbib.library.derived import entry_digest, open_results
    from dlbib.readinglist import importer

    library = write(tmp_path / "library.bib", COMMITTED.read_text(encoding="utf-8"))
    source = ArxivSource(api_url=import_arxiv.url, delay=0)
    first = import_reading_list(SEED, library, source, dry_run=True)
    table = open_results(library, "import-tokens")
    refs = load_library(library).references
    assert all(table.get(entry_digest(r)) == reference_tokens(r) for r in refs)
    worked: list[str] = []

    def counted(ref: Any) -> list[str]:
        worked.append(ref.key)
        return reference_tokens(ref)

    monkeypatch.setattr(importer, "reference_tokens", counted)
    second = import_reading_list(SEED, library, source, dry_run=True)
    assert not [k for k in worked if k in {r.key for r in refs}]  # none worked out again
    monkeypatch.setenv("DLBIB_NO_CACHE", "1")
    plain = import_reading_list(SEED, library, source, dry_run=True)
    summary = [[(i.status, i.key, i.line) for i in r.items] for r in (first, second, plain)]
    assert summary[0] == summary[1] == summary[2]
