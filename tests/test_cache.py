"""The parse cache: trusted only for the same bytes, the same code and a whole file."""

from __future__ import annotations

import hashlib
import logging
import pickle
import re
from pathlib import Path

import pytest

from dlbib.errors import LibraryError
from dlbib.library.bibfile import Library, load_library, save_library
from dlbib.library.cache import (
    CACHE_FORMAT,
    MAGIC,
    ParseCache,
    code_stamp,
    default_cache,
    load_cached,
    loaded_to_save,
)

PARSED = re.compile(r": parsed (\d+ blocks|again where it changed \(\d+ blocks\))$")
HIT = "loaded from the parse cache"


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("dlbib.library")]


def parses(caplog: pytest.LogCaptureFixture) -> int:
    """How often a library was parsed (parse.py logs each parse)."""
    return sum(1 for m in messages(caplog) if PARSED.search(m))


def fresh(path: Path) -> Library:
    """A parse without the cache, not counted (its debug line is not logged)."""
    logger = logging.getLogger("dlbib.library.parse")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        return load_library(path)
    finally:
        logger.setLevel(level)


@pytest.fixture
def cache(tmp_path: Path) -> ParseCache:
    return ParseCache(tmp_path / "cache", stamp="code-v1")


@pytest.fixture(autouse=True)
def debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="dlbib")


def test_a_second_load_of_the_same_bytes_is_not_parsed(sample_bib, cache, caplog) -> None:
    first = cache.load(sample_bib)
    second = cache.load(sample_bib)
    assert parses(caplog) == 1
    assert any(HIT in m for m in messages(caplog))
    parsed = fresh(sample_bib)
    assert second == parsed  # blocks, lines, digest and path
    assert second.blocks == first.blocks
    assert second.lines == parsed.lines
    assert second.find("HE2017MASK") is not None  # the index works on a cached library


@pytest.mark.parametrize(
    "edit",
    [
        lambda b: b.replace(b"Mask {R-CNN}", b"Mask {R-CNM}"),  # same length, one byte
        lambda b: b + b"\n",  # trailing white space only
        lambda b: b.replace(b"year = {2008}", b"year = {2009}", 1),
    ],
    ids=["one-letter", "trailing-newline", "a-field"],
)
def test_any_byte_change_is_parsed_again(sample_bib, cache, caplog, edit) -> None:
    cache.load(sample_bib)
    sample_bib.write_bytes(edit(sample_bib.read_bytes()))
    library = cache.load(sample_bib)
    assert parses(caplog) == 2
    assert library == fresh(sample_bib)


def test_another_version_of_the_code_does_not_trust_the_cache(sample_bib, tmp_path, caplog) -> None:
    ParseCache(tmp_path / "cache", stamp="dlbib 1 / bibtexparser 2.1").load(sample_bib)
    ParseCache(tmp_path / "cache", stamp="dlbib 2 / bibtexparser 2.1").load(sample_bib)
    ParseCache(tmp_path / "cache", stamp="dlbib 2 / bibtexparser 2.2").load(sample_bib)
    assert parses(caplog) == 3
    assert any("dlbib changed" in m for m in messages(caplog))


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: b"",
        lambda raw: b"not a cache at all",
        lambda raw: raw[: len(raw) // 2],  # cut short
        lambda raw: raw[:-40] + bytes(40),  # payload damaged
        lambda raw: raw.replace(b'"format": %d' % CACHE_FORMAT, b'"format": 99'),
        lambda raw: MAGIC + b"{not json\n" + raw,
        lambda raw: MAGIC + b"[" * 60000 + b"\n" + raw,  # json.loads: RecursionError
        lambda raw: MAGIC + b"\xff\xfe\n" + raw,
    ],
    ids=[
        "empty",
        "garbage",
        "truncated",
        "zeroed-tail",
        "other-format",
        "bad-header",
        "deep-header",
        "undecodable-header",
    ],
)
def test_a_corrupt_cache_file_is_discarded_never_an_error(
    sample_bib, cache, caplog, damage
) -> None:
    cache.load(sample_bib)
    entry = cache.entry_file(sample_bib)
    entry.write_bytes(damage(entry.read_bytes()))
    library = cache.load(sample_bib)
    assert library == fresh(sample_bib)
    assert parses(caplog) == 2
    assert cache.load(sample_bib) == library  # rewritten: warm again
    assert parses(caplog) == 2


class _Planted:
    def __reduce__(self):
        return (Path.touch, (Path("planted"),))


def test_a_planted_pickle_runs_nothing(sample_bib, cache, caplog, tmp_path, monkeypatch) -> None:
    """A cache file naming any global but the library's dataclasses is refused, unrun."""
    monkeypatch.chdir(tmp_path)
    cache.load(sample_bib)
    entry = cache.entry_file(sample_bib)
    raw = entry.read_bytes()
    head_end = raw.index(b"\n", len(MAGIC)) + 1  # the header line, kept: stamp and digest
    payload = pickle.dumps(_Planted())
    import zlib

    trailer = f"\n{len(payload)} {zlib.adler32(payload)}\n".encode()  # a whole, valid file
    entry.write_bytes(raw[:head_end] + payload + trailer)
    assert cache.load(sample_bib) == fresh(sample_bib)
    assert not (tmp_path / "planted").exists()
    assert any("is not allowed in a parse cache" in m for m in messages(caplog))


def test_after_a_save_the_next_read_parses_where_it_changed(sample_bib, cache, caplog) -> None:
    library = cache.load(sample_bib)
    ref = library.get("he2017mask")
    longer = "{" + "A much longer\n  abstract over lines" * 3 + "}"
    library.replace(ref.with_raw_fields({"abstract": longer, "note": "{x}"}))
    assert save_library(library)
    again = cache.load(sample_bib)
    assert parses(caplog) == 2
    assert sum("parsed again where it changed" in m for m in messages(caplog)) == 1
    assert again == fresh(sample_bib)  # line numbers and layout of the new bytes
    assert cache.load(sample_bib) == again
    assert parses(caplog) == 2


def test_a_save_that_changes_nothing_keeps_the_cache(sample_bib, cache, caplog) -> None:
    library = cache.load(sample_bib)
    assert not save_library(library)
    cache.load(sample_bib)
    assert parses(caplog) == 1


def test_a_command_that_saves_caches_its_parse_when_it_ends(sample_bib, cache, caplog) -> None:
    with loaded_to_save(sample_bib, cache) as library:
        assert not cache.entry_file(sample_bib).exists()  # not yet: the block may save
        ref = library.get("he2017mask")
        library.replace(ref.with_raw_fields({"note": "{x}"}))
        assert save_library(library)
    assert cache.entry_file(sample_bib).exists()  # the parse of the bytes it read
    again = cache.load(sample_bib)
    assert sum("parsed again where it changed" in m for m in messages(caplog)) == 1
    assert again == fresh(sample_bib)


def test_nothing_saved_the_parse_is_the_files(sample_bib, cache, caplog) -> None:
    with loaded_to_save(sample_bib, cache) as first:
        pass
    assert cache.load(sample_bib) == first
    assert parses(caplog) == 1
    with pytest.raises(RuntimeError), loaded_to_save(sample_bib, cache):
        raise RuntimeError  # from the cache: nothing to write, whatever happens
    with loaded_to_save(sample_bib, cache) as again:
        assert again == first
    assert parses(caplog) == 1


def test_a_parse_is_cached_when_the_command_fails_too(sample_bib, cache, caplog) -> None:
    with pytest.raises(RuntimeError), loaded_to_save(sample_bib, cache):
        raise RuntimeError("arXiv unreachable")
    cache.load(sample_bib)
    assert parses(caplog) == 1


def test_a_save_that_rewrote_most_of_the_file_is_not_cached(sample_bib, cache, caplog) -> None:
    with loaded_to_save(sample_bib, cache) as library:
        for ref in list(library.references):  # every entry changed: the whole file, nearly
            library.replace(ref.with_raw_fields({"note": "{synced}"}))
        assert save_library(library)
    assert not cache.entry_file(sample_bib).exists()
    assert any("not cached: its save changed most of it" in m for m in messages(caplog))
    assert cache.load(sample_bib) == fresh(sample_bib)  # the next read parses it, and caches
    assert parses(caplog) == 2
    assert cache.load(sample_bib) == fresh(sample_bib)
    assert parses(caplog) == 2


def test_without_a_cache_it_is_a_plain_load(sample_bib) -> None:
    with loaded_to_save(sample_bib, None) as library:
        assert library == fresh(sample_bib)


def test_a_file_that_does_not_parse_is_never_cached(tmp_path, cache) -> None:
    path = tmp_path / "library.bib"
    path.write_text("@misc{a,\n  title = {A},\n}\n@misc{b,\n  title = {unclosed\n", "utf-8")
    for _ in range(2):
        with pytest.raises(LibraryError):
            cache.load(path)
    assert not cache.folder.exists() or not list(cache.folder.iterdir())


def test_a_missing_library_is_the_usual_error(tmp_path, cache) -> None:
    with pytest.raises(LibraryError, match="no such file"):
        cache.load(tmp_path / "missing.bib")


def test_an_unwritable_cache_folder_is_only_a_debug_line(sample_bib, tmp_path, caplog) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    cache = ParseCache(blocker / "cache", stamp="x")
    assert cache.load(sample_bib) == fresh(sample_bib)
    assert any("parse cache not written" in m for m in messages(caplog))


def test_the_cache_lives_in_its_folder_never_beside_the_library(sample_bib, monkeypatch) -> None:
    monkeypatch.setenv("DLBIB_CACHE_DIR", str(sample_bib.parent / "elsewhere"))
    before = {p.name for p in sample_bib.parent.iterdir()}
    load_cached(sample_bib)
    after = {p.name for p in sample_bib.parent.iterdir()} - {"elsewhere"}
    assert after == before
    assert list((sample_bib.parent / "elsewhere").glob("*.pickle"))


def test_no_cache_when_turned_off(sample_bib, tmp_path, caplog) -> None:
    env = {"DLBIB_NO_CACHE": "1", "DLBIB_CACHE_DIR": str(tmp_path / "c")}
    assert default_cache(env) is None
    assert load_cached(sample_bib, None) == fresh(sample_bib)
    assert not (tmp_path / "c").exists()


def test_default_folder_is_the_users_cache_dir(tmp_path) -> None:
    cache = default_cache({"XDG_CACHE_HOME": str(tmp_path)})
    assert cache is not None
    assert cache.folder in (tmp_path / "dlbib", Path.home() / "Library" / "Caches" / "dlbib")


def test_the_stamp_is_stable_and_covers_python() -> None:
    assert code_stamp() == code_stamp()
    assert len(code_stamp()) == 32


@pytest.mark.parametrize("package", ["bibtexparser", "pylatexenc", "anyascii"])
def test_the_stamp_covers_what_exports_are_made_with(package, tmp_path, monkeypatch) -> None:
    """The results tables use this stamp: an upgrade of the LaTeX-to-Unicode (pylatexenc) or
    ASCII folding (anyascii) code changes exports, so it must change the stamp too."""
    import importlib.machinery
    import importlib.util

    real = importlib.util.find_spec
    fake = tmp_path / package
    fake.mkdir()
    (fake / "__init__.py").write_text("x = 1\n")

    def find_spec(name, *args):
        if name == package:
            spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
            spec.submodule_search_locations = [str(fake)]
            return spec
        return real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    before = code_stamp()
    (fake / "__init__.py").write_text("x = 22\n")  # another version
    assert code_stamp() != before


def test_another_encoding_choice_is_parsed_again(tmp_path, cache, caplog) -> None:
    """The same bytes read as another encoding (``--encoding``) are another library."""
    path = tmp_path / "library.bib"
    path.write_bytes("@misc{m,\n  author = {M\u00fcller, A.},\n}\n".encode("latin-1"))
    first = cache.load(path, encoding="latin-1")
    assert cache.load(path, encoding="latin-1") == first
    assert parses(caplog) == 1
    other = cache.load(path, encoding="cp1252")
    assert parses(caplog) == 2
    assert other.encoding.name != first.encoding.name


def test_a_cached_library_edits_and_saves_as_a_parsed_one(sample_bib, cache, tmp_path) -> None:
    """The cheaper pickled form (entries and segments rebuilt by their constructors, field
    names shared, no key index kept) loses nothing a save or a look-up needs."""
    cache.load(sample_bib)
    cached = cache.load(sample_bib)
    parsed = fresh(sample_bib)
    assert cached == parsed
    assert cached.layout is not None
    assert all(cached.layout.segment_of(b) is not None for b in cached.blocks)
    names: dict[str, str] = {}
    for ref in cached.references:
        for name in ref.fields:
            assert names.setdefault(name, name) is name  # one string object per field name
    outputs = []
    for library, copy in ((cached, tmp_path / "a.bib"), (parsed, tmp_path / "b.bib")):
        key = library.references[3].key
        assert library.find(key.upper()) is library.references[3]
        library.replace(library.get(key).with_raw_fields({"note": "{edited}"}))
        copy.write_bytes(sample_bib.read_bytes())
        library.path, library.digest = copy, hashlib.sha256(copy.read_bytes()).hexdigest()
        library.on_save = None
        assert save_library(library)
        outputs.append(copy.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0] != sample_bib.read_bytes()
