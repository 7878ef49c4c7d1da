"""LaTeX citation extraction: ``.aux``/``.bcf``/``.tex`` → ordered, de-duplicated citation keys.

Three readers, one result (:class:`CitedKeys`):

* ``.aux`` after a LaTeX run: ``\\citation{…}`` (BibTeX, natbib), biblatex's
  ``\\abx@aux@cite{…}{…}``, following ``\\@input{…}`` into included chapters' ``.aux``;
* ``.bcf``, biblatex's control file (XML ``bcf:citekey`` elements);
* ``.tex`` before any run: every citation command of LaTeX, natbib and biblatex, with comments,
  verbatim-like environments and ``\\verb`` masked, following ``\\input``/``\\include``/
  ``\\subfile``/``\\import``.

It reads files only: it knows nothing of the library and writes nothing. Every problem (missing
file, aborted run, unbalanced braces, a key BibTeX rejects, an ``\\input`` cycle) is a
:class:`~dlbib.errors.CitationError` naming the file and line.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

from dlbib.errors import CitationError
from dlbib.latex.macros import (
    MacroSpec,
    command_regex,
    learn_macros,
    macro_keys,
    unknown_cite_commands,
)
from dlbib.latex.texscan import Args, mask_tex

_CITE_BASES: Final = (
    # LaTeX and natbib
    "cite", "citep", "citet", "citealt", "citealp", "citeauthor", "citefullauthor", "citeyear",
    "citeyearpar", "citenum", "nocite", "citetext",
    # cite.sty, apacite, harvard, chicago, jurabib
    "citen", "citeonline", "citeA", "citeNP", "citeyearNP", "citeauthorNP", "shortcite",
    "shortciteNP", "shortciteA", "fullcite", "citeasnoun", "possessivecite", "citeN",
    # biblatex
    "parencite", "textcite", "autocite", "footcite", "footcitetext", "smartcite", "supercite",
    "fullcite", "footfullcite", "citetitle", "citedate", "citeurl", "notecite", "pnotecite",
    "fnotecite", "citefield", "citelist",
)  # fmt: skip
_MULTI_BASES: Final = (
    "cites", "parencites", "textcites", "autocites", "footcites", "footcitetexts", "smartcites",
    "supercites",
)  # fmt: skip
CITE_COMMANDS: Final = frozenset(
    {*_CITE_BASES, *(n[0].upper() + n[1:] for n in _CITE_BASES if n not in ("nocite",))}
)
"""Citation commands whose last argument is a comma-separated key list (starred forms too)."""
MULTICITE_COMMANDS: Final = frozenset(
    {*_MULTI_BASES, *(n[0].upper() + n[1:] for n in _MULTI_BASES)}
)
"""biblatex multicite commands: ``(pre)(post)`` then repeated ``[pre][post]{keys}`` groups."""
INCLUDE_COMMANDS: Final = frozenset({"input", "include", "subfile", "import", "subimport"})
BIB_COMMANDS: Final = frozenset({"bibliography", "addbibresource", "addglobalbib", "addsectionbib"})
GENERATED_SUFFIXES: Final = frozenset({".bbl", ".aux", ".toc", ".ind", ".gls", ".lof", ".lot"})
"""Files a LaTeX run writes: an ``\\input`` of one that does not exist yet is not an error."""
BIBTEX_REJECTED: Final = frozenset(',{}%#~\\"')
"""Characters BibTeX cannot have in a citation key (whitespace too)."""

_NAMES = sorted(CITE_COMMANDS | MULTICITE_COMMANDS | INCLUDE_COMMANDS | BIB_COMMANDS, key=len)
_COMMAND_RE: Final = re.compile(
    r"\\(?P<name>" + "|".join(map(re.escape, reversed(_NAMES))) + r")(?![A-Za-z@])(?P<star>\s*\*)?"
)
_BIBLATEX_RE: Final = re.compile(r"\\usepackage\s*(?:\[[^\]]*\])?\s*\{[^}]*\bbiblatex\b")
_PARAMETER_RE: Final = re.compile(r"#+[1-9]")


@dataclass(frozen=True, slots=True)
class Citation:
    """One cited key and where it is first cited."""

    key: str
    """The key exactly as written in the document."""
    path: Path
    """The file that cites it (a chapter's ``.tex``, an ``.aux``, a ``.bcf``)."""
    line: int
    """1-based line in ``path``."""


@dataclass(frozen=True)
class CitedKeys:
    """What a document cites, read from its ``.tex``, ``.aux`` or ``.bcf``."""

    source: Path
    """The file extraction started from."""
    citations: tuple[Citation, ...]
    """Cited keys in order of first citation, each once (``*`` excluded)."""
    cite_all: Citation | None = None
    """Where ``\\nocite{*}`` is, when the document cites the whole bibliography."""
    bib_resources: tuple[Path, ...] = ()
    """The ``.bib`` files named by ``\\bibliography``/``\\addbibresource``/``\\bibdata``."""
    files: tuple[Path, ...] = ()
    """Every file read, the source first."""
    biblatex: bool = False
    """True when the document uses biblatex (so biber, not BibTeX, will read the .bib)."""
    unknown_commands: tuple[Citation, ...] = ()
    """Unknown commands with ``cite`` in their name (``key``: the name): citations may be missed."""
    authority: Path | None = None
    """The ``.aux`` whose citations were used because it is newer than every source read."""

    @property
    def keys(self) -> list[str]:
        """The cited keys, in order of first citation."""
        return [c.key for c in self.citations]


@dataclass
class _Collector:
    root: Path
    citations: dict[str, Citation] = field(default_factory=dict)
    cite_all: Citation | None = None
    resources: list[Path] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    biblatex: bool = False
    macros: dict[str, MacroSpec] = field(default_factory=dict)
    defined: set[str] = field(default_factory=set)
    unknown: dict[str, Citation] = field(default_factory=dict)

    def add(self, key: str, path: Path, line: int) -> None:
        key = key.strip()
        if not key or _PARAMETER_RE.fullmatch(key):  # empty, or #1 in a macro definition
            return
        if key == "*":
            self.cite_all = self.cite_all or Citation(key, path, line)
            return
        check_key(key, path, line)
        self.citations.setdefault(key, Citation(key, path, line))

    def result(self, source: Path) -> CitedKeys:
        return CitedKeys(
            source,
            tuple(self.citations.values()),
            self.cite_all,
            tuple(dict.fromkeys(self.resources)),
            tuple(self.files),
            self.biblatex,
            tuple(self.unknown.values()),
        )


def check_key(key: str, path: Path, line: int, *, ascii_only: bool = False) -> None:
    """Reject a key BibTeX cannot handle: ``, { } % # ~ \\ "``, whitespace, and (``ascii_only``)
    non-ASCII characters.

    :raises CitationError: naming the key, the file and the line.
    """
    bad = sorted({ch for ch in key if ch in BIBTEX_REJECTED or ch.isspace()})
    if bad:
        shown = " ".join("whitespace" if ch.isspace() else repr(ch) for ch in bad)
        raise CitationError(
            path, f"citation key {key!r} contains {shown}, which BibTeX rejects", line
        )
    if ascii_only and not key.isascii():
        raise CitationError(
            path,
            f"citation key {key!r} is not ASCII, which BibTeX rejects "
            "(use biblatex with biber, --format biblatex, or an ASCII key)",
            line,
        )


def extract_citations(path: Path) -> CitedKeys:
    """Read what a document cites, from a ``.tex``, ``.aux`` or ``.bcf`` file.

    A path without suffix means its ``.tex``. Any other suffix is read as LaTeX source.

    :raises CitationError: when a file is missing or unreadable, a run was aborted, braces do not
        balance, a key has characters BibTeX rejects, or ``\\input`` files include each other.
    """
    if not path.suffix and not path.exists() and path.with_suffix(".tex").is_file():
        path = path.with_suffix(".tex")
    if path.suffix == ".aux":
        return citations_from_aux(path)
    if path.suffix == ".bcf":
        return citations_from_bcf(path)
    cited = citations_from_tex(path)
    return _fresh_aux(cited) or cited


def _fresh_aux(cited: CitedKeys) -> CitedKeys | None:
    """The citations of the ``.aux`` (biblatex: ``.bcf``) beside the document when it is newer
    than every source read (the last run saw them all: it is the authority) and not empty."""
    run = cited.source.with_suffix(".bcf" if cited.biblatex else ".aux")
    reader = citations_from_bcf if cited.biblatex else citations_from_aux
    try:
        newest = max(p.stat().st_mtime for p in cited.files)
        if run.stat().st_mtime < newest:
            return None
        from_aux = reader(run)
    except (OSError, CitationError):  # no such file, or an unfinished run: the sources decide
        return None
    if cited.citations and not from_aux.citations and from_aux.cite_all is None:
        return None
    return replace(
        from_aux,
        source=cited.source,
        biblatex=cited.biblatex or from_aux.biblatex,
        bib_resources=from_aux.bib_resources or cited.bib_resources,
        files=(*cited.files, *from_aux.files),
        authority=run,
    )


def _read(path: Path, *, line: int = 0, by: Path | None = None) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        if by is not None:
            raise CitationError(by, f"{path} does not exist", line) from exc
        raise CitationError(path, "no such file") from exc
    except IsADirectoryError as exc:
        raise CitationError(path, "is a folder, not a file") from exc
    except OSError as exc:
        raise CitationError(path, f"cannot be read: {exc.strerror}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # older LaTeX sources; keys are ASCII anyway


# --------------------------------------------------------------------------- .aux

_AUX_RE: Final = re.compile(
    r"^\\(?P<cmd>citation|abx@aux@cite|@input|bibdata|abx@aux@nociteall|gdef\s*\\@abspage@last"
    r"|@setckpt)(?P<rest>.*)$",
    re.MULTILINE,
)


def citations_from_aux(path: Path) -> CitedKeys:
    """Cited keys of a finished LaTeX run, from its ``.aux`` and the chapters' ``.aux`` files.

    :raises CitationError: when the file is missing, or the run that wrote it did not finish.
    """
    collector = _Collector(path.parent)
    _read_aux(path, collector, [], main=True)
    return collector.result(path)


def _read_aux(path: Path, out: _Collector, stack: list[Path], *, main: bool) -> None:
    text = _read(path)
    out.files.append(path)
    stack.append(path.resolve())
    complete = False
    newlines = [m.start() for m in re.finditer("\n", text)]  # a line is a bisection, not a count
    for m in _AUX_RE.finditer(text):
        cmd, rest, line = m.group("cmd"), m.group("rest"), bisect_right(newlines, m.start()) + 1
        arg = _last_group(rest)
        if cmd == "citation" and arg is not None:
            for key in arg.split(","):
                if key.strip() and key != key.strip():  # natbib writes `\citep{a , b}` so
                    raise CitationError(  # and BibTeX then stops: "White space in argument"
                        path,
                        f"citation key {key!r} has white space, which BibTeX rejects "
                        "(write the \\cite without spaces around the commas)",
                        line,
                    )
                out.add(key, path, line)
        elif cmd == "abx@aux@cite" and arg is not None:
            out.biblatex = True
            out.add(arg, path, line)
        elif cmd == "abx@aux@nociteall":
            out.biblatex = True
            out.add("*", path, line)
        elif cmd == "bibdata" and arg:
            out.resources.extend(_bib_paths(arg, out.root))
        elif cmd == "@input" and arg:
            child = out.root / arg
            if child.resolve() not in stack and child.is_file():  # LaTeX skips a missing one too
                _read_aux(child, out, stack, main=False)
        else:
            complete = complete or cmd.startswith("gdef" if main else "@setckpt")
    stack.pop()
    if not complete:
        marker = "\\@abspage@last" if main else "\\@setckpt"
        raise CitationError(
            path,
            f"incomplete .aux (no {marker} line): the LaTeX run that wrote it did not finish; "
            "fix the error and rerun LaTeX, or cite from the .tex",
            text.count("\n") + 1,
        )


def _last_group(rest: str) -> str | None:
    """The content of the last ``{…}`` group on an .aux line (``{0}{key}`` → ``key``)."""
    end = rest.rfind("}")
    if end < 0:
        return None
    depth = 0
    for i in range(end, -1, -1):
        depth += {"}": 1, "{": -1}.get(rest[i], 0)
        if depth == 0:
            return rest[i + 1 : end]
    return None


def _bib_paths(names: str, root: Path) -> list[Path]:
    out = []
    for name in names.split(","):
        name = name.strip()
        if name:
            out.append(root / (name if name.endswith(".bib") else name + ".bib"))
    return out


# --------------------------------------------------------------------------- .bcf


def citations_from_bcf(path: Path) -> CitedKeys:
    """Cited keys from biblatex's control file (``bcf:citekey``; ``*`` is ``\\nocite{*}``).

    :raises CitationError: when the file is missing or not complete XML (an aborted run).
    """
    from xml.parsers import expat

    text = _read(path)
    out = _Collector(path.parent, biblatex=True)
    out.files.append(path)
    parser = expat.ParserCreate(namespace_separator=" ")
    current: list[str] = []
    where: dict[str, int] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local in ("citekey", "datasource"):
            current.clear()
            where["line"] = parser.CurrentLineNumber
            where["file"] = int(local == "datasource" and attrs.get("type", "file") == "file")

    def end(name: str) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "citekey":
            out.add("".join(current), path, where["line"])
        elif local == "datasource" and where.get("file"):
            out.resources.append(path.parent / "".join(current).strip())

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = current.append
    try:
        parser.Parse(text, True)
    except expat.ExpatError as exc:
        raise CitationError(
            path,
            f"not a complete biblatex control file ({expat.ErrorString(exc.code)}); rerun LaTeX",
            exc.lineno,
        ) from exc
    return out.result(path)


# --------------------------------------------------------------------------- .tex


def citations_from_tex(path: Path) -> CitedKeys:
    """Cited keys of a LaTeX document, read from its sources before any LaTeX run.

    Included files are looked up relative to the main document's folder (as LaTeX does), then
    relative to the including file; a file only TeX's search path knows (``kpsewhich``) is skipped.

    :raises CitationError: see :func:`extract_citations`.
    """
    out = _Collector(path.parent)
    _scan_tex(path, out, [], origin=None)
    return out.result(path)


def _scan_tex(
    path: Path, out: _Collector, stack: list[Path], origin: tuple[Path, int] | None
) -> None:
    text = _read(path, line=origin[1] if origin else 0, by=origin[0] if origin else None)
    out.files.append(path)
    stack.append(path.resolve())
    masked = mask_tex(text)
    if not out.biblatex and _BIBLATEX_RE.search(masked):
        out.biblatex = True
    out.defined |= learn_macros(masked, CITE_COMMANDS | MULTICITE_COMMANDS, out.macros)
    newlines = [m.start() for m in re.finditer("\n", masked)]
    scanner = Args(masked, path, newlines)
    pattern = command_regex([*_NAMES, *out.macros]) if out.macros else _COMMAND_RE
    for m in pattern.finditer(masked):
        if m.start() < scanner.pos:  # inside an argument already consumed
            continue
        name, line = m.group("name"), bisect_right(newlines, m.start()) + 1
        scanner.pos = m.end()
        if name in CITE_COMMANDS:
            for key in scanner.cite_args(name, line):
                out.add(key, path, line)
        elif name in MULTICITE_COMMANDS:
            for key in scanner.multicite_args(name, line):
                out.add(key, path, line)
        elif name in BIB_COMMANDS:
            _bib_command(scanner, name, line, out)
        elif name in out.macros:
            for key in macro_keys(scanner, out.macros[name], line):
                out.add(key, path, line)
        else:
            for target in scanner.include_targets(name, out.root, path):
                _include(target, name, path, line, out, stack)
    _note_unknown(masked, newlines, path, out)
    stack.pop()


_NOT_CITING = "citestyle citesetup citereset citeresetall AtEveryCitekey AtNextCitekey AtEveryCite"
NOT_CITING: Final = frozenset([*_NOT_CITING.split(), "AtNextCite", "citename"])
"""Commands with ``cite`` in their name that take no keys (not reported as unknown)."""


def _note_unknown(masked: str, newlines: list[int], path: Path, out: _Collector) -> None:
    known = CITE_COMMANDS | MULTICITE_COMMANDS | out.defined | NOT_CITING
    for name, offset in unknown_cite_commands(masked, known):
        line = bisect_right(newlines, offset) + 1
        out.unknown.setdefault(name, Citation(name, path, line))


def _bib_command(scanner: Args, name: str, line: int, out: _Collector) -> None:
    opts = scanner.optional(name, line) if name != "bibliography" else None
    arg = scanner.mandatory(name, line)
    out.biblatex = out.biblatex or name != "bibliography"
    if arg is None or "#" in arg or "\\" in arg or (opts and "remote" in opts):
        return  # a macro parameter, \jobname, or a remote resource: no local file to name
    if name == "bibliography":
        out.resources.extend(_bib_paths(arg, out.root))
    else:
        out.resources.append(out.root / arg.strip())


def _include(
    target: tuple[str, Path], name: str, path: Path, line: int, out: _Collector, stack: list[Path]
) -> None:
    file, base = target
    if not file or "#" in file or "\\" in file:  # a macro definition's parameter, not a file
        return
    found = _resolve(file, (base, path.parent))
    if found is None:
        if Path(file).suffix in GENERATED_SUFFIXES or ("/" not in file and _on_tex_path(file)):
            return
        tried = " or ".join(
            n for n in (file + ".tex", file) if not file.endswith(".tex") or n == file
        )
        raise CitationError(path, f"\\{name}{{{file}}}: no such file ({tried} in {base})", line)
    if found.resolve() in stack:
        chain = " → ".join(p.name for p in [*stack[stack.index(found.resolve()) :], found])
        raise CitationError(path, f"\\{name}{{{file}}} makes an \\input cycle: {chain}", line)
    _scan_tex(found, out, stack, origin=(path, line))


def _resolve(file: str, bases: Iterable[Path]) -> Path | None:
    names = [file] if file.endswith(".tex") else [file + ".tex", file]
    for base in bases:
        for name in names:
            candidate = base / name
            if candidate.is_file():
                return candidate
    return None


def _on_tex_path(file: str) -> bool:
    """True when TeX's own search path has the file (``\\input{glyphtounicode}``)."""
    kpsewhich = shutil.which("kpsewhich")
    if kpsewhich is None:
        return False
    try:
        done = subprocess.run(
            [kpsewhich, file if "." in file else file + ".tex"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
