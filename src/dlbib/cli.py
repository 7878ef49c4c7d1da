"""The ``dlbib`` command line: parses arguments, calls the library, renders results.

The only module that imports click, prints, or decides exit codes. Heavy modules (bibtexparser,
arxiv, requests) are imported inside commands, so ``dlbib --help`` starts fast.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from .errors import DlbibError

if TYPE_CHECKING:
    from .config import Config


@dataclass
class Settings:
    """What the group's options say, handed to every command."""

    library: Path
    verbose: int = 0

    def config(self) -> Config:
        """The library's resolved settings (dlbib.toml + environment)."""
        from .config import load_config

        return load_config(self.library)


pass_settings = click.make_pass_decorator(Settings)


class DlbibGroup(click.Group):
    """A group that turns any :class:`DlbibError` into ``Error: …`` and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DlbibError as exc:
            raise click.ClickException(str(exc)) from exc


def _emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group(cls=DlbibGroup)
@click.option(
    "--library",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="DLBIB_LIBRARY",
    default="library.bib",
    show_default=True,
    help="The library file; everything dlbib keeps for it lives beside it. Env: DLBIB_LIBRARY.",
)
@click.option("-v", "--verbose", count=True, help="Log what happens (-vv for HTTP details).")
@click.version_option(package_name="dlbib", prog_name="dlbib")
@click.pass_context
def cli(ctx: click.Context, library: Path, verbose: int) -> None:
    """dlbib: a reading list's papers as a living, verified BibTeX library.

    \b
    Example:
        dlbib update              # check, sync from arXiv, export
        dlbib --library ~/refs/library.bib list
    """
    if verbose:
        level = logging.DEBUG if verbose > 1 else logging.INFO
        logging.basicConfig(level=level, format="%(name)s: %(message)s")
    ctx.obj = Settings(library=library, verbose=verbose)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print findings as JSON.")
@pass_settings
def check(settings: Settings, as_json: bool) -> None:
    """Lint the library; exit 1 when anything is wrong.

    Reports parse failures (with line numbers), duplicate keys, two entries for one work,
    missing required fields, malformed DOIs and arXiv ids, escaped underscores in URLs,
    files that do not exist, and downloaded PDFs that changed since (SHA-256 in the sidecar).

    \b
    Example:
        dlbib check
        dlbib check --json | jq '.[].message'
    """
    from .lint import check_library, pdf_files_check
    from .state import load_state

    state = load_state(settings.config().state_path)
    findings = check_library(settings.library, extra=[pdf_files_check(state)])
    if as_json:
        _emit_json([f.as_dict() for f in findings])
    else:
        for finding in findings:
            click.echo(finding.format(settings.library))
        summary = f"{len(findings)} problem(s)" if findings else "no problems"
        click.echo(f"{settings.library}: {summary}", err=True)
    if findings:
        raise SystemExit(1)


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print entries as JSON.")
@pass_settings
def list_(settings: Settings, as_json: bool) -> None:
    """List entries: key, year and title.

    \b
    Example:
        dlbib list
        dlbib list --json
    """
    from .library import load_library
    from .text import latex_to_text

    library = load_library(settings.library)
    rows = [
        {
            "key": r.key,
            "type": r.entry_type,
            "year": r.year,
            "title": latex_to_text(r.title or ""),
        }
        for r in library.references
    ]
    if as_json:
        _emit_json(rows)
        return
    width = max((len(r["key"] or "") for r in rows), default=0)
    for row in rows:
        click.echo(f"{row['key']:<{width}}  {row['year'] or '----'}  {row['title']}")


@cli.command()
@click.argument("key")
@click.option("--json", "as_json", is_flag=True, help="Print the fields as JSON.")
@pass_settings
def show(settings: Settings, key: str, as_json: bool) -> None:
    """Show one entry as it stands in the library.

    \b
    Example:
        dlbib show ioffe2015batch
    """
    from .library import load_library, render_reference

    ref = load_library(settings.library).get(key)
    if as_json:
        _emit_json({"key": ref.key, "type": ref.entry_type, "fields": dict(ref.fields)})
    else:
        click.echo(render_reference(ref))


@cli.command()
@pass_settings
def update(settings: Settings) -> None:
    """The main job: check the library, sync it from arXiv, fetch PDFs, write the exports.

    When arXiv cannot be reached, sync is skipped with one line and update carries on.

    \b
    Example:
        dlbib update
    """
    from .update import run_update

    sync_bar, pdf_bar = _ProgressBar("arXiv"), _PdfBar()
    try:
        report = run_update(settings.config(), sync_progress=sync_bar, pdf_progress=pdf_bar)
    finally:
        sync_bar.close()
        pdf_bar.close()
    _render_update(settings, report)
    if not report.ok:
        raise SystemExit(1)


def _render_update(settings: Settings, report: Any) -> None:
    """Each step's lines; services that could not be reached get one line each."""
    for finding in report.findings:
        click.echo(finding.format(settings.library), err=True)
    count = len(report.findings)
    click.echo(f"check: {count} problem(s)" if count else "check: library is clean")
    if report.sync_skipped:
        click.echo(f"sync: skipped, {report.sync_skipped}")
    else:
        _render_sync(report.sync, False)
    _render_pdfs(report.pdfs, offline_ok=True)
    if report.pdfs.unreachable_hosts:
        skipped = len(report.pdfs.failed) - len(report.pdfs.failed_reachable)
        hosts = ", ".join(report.pdfs.unreachable_hosts)
        click.echo(f"pdf: {skipped} file(s) not fetched, could not reach {hosts}")
    _render_export_skips(report.export_skipped)
    for exported in report.exports:
        click.echo(f"{exported.path}: {exported.format}")


def _check_overwrite(fields: tuple[str, ...]) -> tuple[str, ...]:
    """``--overwrite``: a field sync never writes is a usage error (a typo does nothing)."""
    from .sync import SYNCED_FIELDS

    unknown = [f for f in fields if f.lower() not in SYNCED_FIELDS]
    if unknown:
        known = ", ".join(SYNCED_FIELDS)
        raise click.BadParameter(
            f"sync does not write {', '.join(unknown)} (it writes {known})",
            param_hint="--overwrite",
        )
    return fields


def _check_pdf_pattern(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--pdf-pattern``: a bad pattern is a usage error (exit 2) before any work."""
    from .errors import ConfigError
    from .pdfpaths import check_pattern

    if value is not None:
        try:
            check_pattern(value)
        except ConfigError as exc:
            raise click.BadParameter(str(exc)) from exc
    return value


# --- sync: enrich the library from arXiv (issue 3) ----------------------------------------

EXIT_UNREACHABLE = 3
"""Exit code of ``dlbib sync`` when arXiv cannot be reached at all (nothing changed)."""


class _ProgressBar:
    """A progress callback drawing a bar on stderr, only when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty()
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 1:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _run_sync(settings: Settings, keys: tuple[str, ...], options: Any) -> Any:
    """Run sync_library with a progress bar; an unknown KEY is a usage error."""
    from .errors import ReferenceNotFoundError
    from .sync import sync_library

    bar = _ProgressBar("arXiv")
    try:
        return sync_library(settings.config(), keys or None, options, progress=bar)
    except ReferenceNotFoundError as exc:
        raise click.BadParameter(str(exc), param_hint="KEY") from exc
    finally:
        bar.close()


def _short(raw: str | None, width: int = 100) -> str:
    text = "(none)" if raw is None else " ".join(raw.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _render_sync(report: Any, dry_run: bool) -> None:
    """Per-entry lines (diff when dry-running), failures on stderr, a one-line summary."""
    for o in report.outcomes:
        if o.new_version is not None:
            note = " (pinned: not applied)" if o.pinned else ""
            click.echo(f"{o.key}: v{o.old_version} \u2192 v{o.new_version}{note}")
        if o.published:
            click.echo(f"{o.key}: published as {o.published}")
        if o.found_by_search:
            click.echo(f"{o.key}: found on arXiv by title: {o.arxiv_id}")
        if o.changes and dry_run:
            click.echo(f"{o.key}:")
            for c in o.changes:
                click.echo(f"  - {c.name} = {_short(c.old)}\n  + {c.name} = {_short(c.new)}")
        elif o.changes:
            click.echo(f"{o.key}: updated {', '.join(c.name for c in o.changes)}")
        for c in o.conflicts:
            click.echo(
                f"{o.key}: kept your {c.name} (arXiv has {_short(c.upstream, 60)}; "
                f"--overwrite {c.name} takes it)"
            )
        if o.status == "unmatched":
            found = "; ".join(o.candidates[:3]) or "no candidates"
            click.echo(f"{o.key}: not matched on arXiv: {o.reason} [{_short(found, 80)}]")
    for o in report.failed:
        click.echo(f"{o.key}: {o.reason}", err=True)
    counts = [
        f"{len(report.having('updated'))} updated",
        f"{len(report.new_versions)} new version(s)",
        f"{len(report.published)} published",
        f"{len(report.having('unchanged', 'fresh'))} unchanged",
        f"{len(report.failed)} failed",
    ]
    extra = f", {len(report.conflicts)} with conflicts" if report.conflicts else ""
    mode = " (dry run: nothing written)" if dry_run else ""
    click.echo(f"sync: {', '.join(counts)}{extra}; {report.requests} API request(s){mode}")


@cli.command()
@click.argument("keys", nargs=-1, metavar="[KEY]...")
@click.option("--dry-run", is_flag=True, help="Print the per-entry, per-field diff; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the per-entry report as JSON.")
@click.option("--refresh", is_flag=True, help="Look entries up even if fetched recently.")
@click.option(
    "--overwrite",
    multiple=True,
    metavar="FIELD",
    callback=lambda ctx, param, value: _check_overwrite(value),
    help="Take arXiv's value for FIELD even where you edited it (repeatable).",
)
@click.option(
    "--search/--no-search",
    default=True,
    show_default=True,
    help="Find papers without an arXiv id by title (strict title+authors+year match).",
)
@click.option("--no-pdf", is_flag=True, help="Do not download or move PDFs.")
@click.option("--pdf-only", is_flag=True, help="Only fetch/move PDFs: no arXiv metadata look-ups.")
@click.option(
    "--pdf-pattern",
    metavar="PATTERN",
    callback=_check_pdf_pattern,
    help="PDF file names, e.g. '{section}/{key}.pdf' (default: [pdf] pattern in dlbib.toml, "
    "else '{year}/{key} - {author} {year} - {title}.pdf').",
)
@pass_settings
def sync(
    settings: Settings,
    keys: tuple[str, ...],
    dry_run: bool,
    as_json: bool,
    refresh: bool,
    overwrite: tuple[str, ...],
    search: bool,
    no_pdf: bool,
    pdf_only: bool,
    pdf_pattern: str | None,
) -> None:
    """Enrich arXiv-backed entries from the arXiv API, never losing an edit; fetch their PDFs.

    PDFs (arXiv's, of the recorded version, or an open-access `pdfurl`) go to papers/ beside
    the library, verified, recorded in the `file` field and the sidecar; present, unchanged
    files are not fetched again. Exit 0 when every entry synced, 1 when any failed (the rest
    is saved), 3 when arXiv cannot be reached at all (nothing changed). Env:
    DLBIB_ARXIV_API_URL, DLBIB_ARXIV_DELAY, DLBIB_ARXIV_PDF_URL, DLBIB_PDF_DELAY.

    \b
    Example:
        dlbib sync
        dlbib sync --dry-run ioffe2015batch
        dlbib sync --overwrite title --refresh he2015delving
        dlbib sync --pdf-only --pdf-pattern '{section}/{key}.pdf'
    """
    from .errors import ArxivUnreachableError
    from .sync import SyncOptions

    if no_pdf and pdf_only:
        raise click.UsageError("--no-pdf and --pdf-only exclude each other")
    config = _with_pattern(settings.config(), pdf_pattern)
    fields = frozenset(f.lower() for f in overwrite)
    options = SyncOptions(dry_run=dry_run, refresh=refresh, overwrite=fields, search=search)
    report = None
    if not pdf_only:
        try:
            report = _run_sync(settings, keys, options)
        except ArxivUnreachableError as exc:
            if as_json:
                _emit_json({"error": str(exc), "unreachable": True, "outcomes": []})
            click.echo(f"sync: {exc}; nothing changed", err=True)
            raise SystemExit(EXIT_UNREACHABLE) from exc
    pdfs = None if no_pdf or dry_run else _run_pdfs(config, keys)
    _render_sync_and_pdfs(report, pdfs, as_json, dry_run)
    if (report and report.failed) or (pdfs and pdfs.failed):
        raise SystemExit(1)


# --- dlbib import (issue 7) -------------------------------------------------------------------

_IMPORT_HEADINGS = {
    "added": "Added",
    "present": "Already present",
    "unresolved": "Unresolved",
    "ignored": "Ignored",
}


def _import_table(items: list[Any], status: str) -> list[str]:
    """Rows of one section of the import report: line, key or status, text, reason."""
    rows = []
    for item in items:
        if status in ("added", "present") and item.title:
            text = item.title
        else:
            text = (item.url if status == "ignored" else None) or item.text
        text = text if len(text) <= 70 else text[:67] + "..."
        who = item.key or ""
        rows.append(
            f"  {item.line:>5}  {who:<28}  {text}" + (f"  [{item.reason}]" if item.reason else "")
        )
    return rows


@cli.command("import")
@click.argument("reading_list", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would be added; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--no-search", is_flag=True, help="Do not search arXiv for titles without an id.")
@pass_settings
def import_(
    settings: Settings, reading_list: Path, dry_run: bool, as_json: bool, no_search: bool
) -> None:
    """Add the works a reading list cites (Markdown, plain text or HTML) to the library.

    arXiv ids are looked up in batches, titles without a link by arXiv title search; works
    already in the library are reported with their key, never added twice. Each new entry gets
    the list's section heading as a keyword. Exit 1 when arXiv fails midway (what resolved
    before is still added).

    \b
    Example:
        dlbib import readinglist.md --dry-run
        dlbib import awesome-papers.md --json | jq '.items[] | select(.status=="unresolved")'
    """
    from .arxiv_source import ArxivSource
    from .importer import import_reading_list

    config = settings.config()
    source = ArxivSource(api_url=config.arxiv_api_url, delay=config.arxiv_delay)
    bar = _ProgressBar("arXiv")
    try:
        report = import_reading_list(
            reading_list, settings.library, source, dry_run=dry_run, search=not no_search,
            progress=bar,
        )  # fmt: skip
    finally:
        bar.close()
    if as_json:
        _emit_json({"dry_run": dry_run, "counts": report.counts(),
                    "requests": source.requests_made,
                    "error": str(report.error) if report.error else None,
                    "items": [i.as_dict() for i in report.items]})  # fmt: skip
    else:
        for status, heading in _IMPORT_HEADINGS.items():
            items = report.by_status(status)  # type: ignore[arg-type]
            if items:
                heading = "To add" if dry_run and status == "added" else heading
                click.echo(f"{heading} ({len(items)}):")
                click.echo("\n".join(_import_table(items, status)))
    counts = ", ".join(f"{n} {s}" for s, n in report.counts().items())
    verb = "would be added (dry run, nothing written)" if dry_run else "written"
    click.echo(f"{reading_list}: {counts}; {source.requests_made} arXiv request(s); "
               f"{report.counts()['added']} {verb}", err=True)  # fmt: skip
    if report.error:
        click.echo(f"Error: arXiv failed midway: {report.error}", err=True)
        raise SystemExit(1)


# --- PDFs: download, verify, file into papers/ (issue 4) ----------------------------------


class _PdfBar:
    """Draws files done and bytes received on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.bar: Any = None
        self.bytes = 0
        self.key = ""

    def _show(self, item: Any) -> str:
        return f"{_human_bytes(self.bytes)}  {self.key}"

    def entry(self, key: str, index: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = click.progressbar(
                length=total,
                label="PDFs",
                show_pos=True,
                item_show_func=self._show,
                file=sys.stderr,
            )
            self.bar.__enter__()
        self.key = key
        self.bar.update(0, key)

    def chunk(self, nbytes: int) -> None:
        self.bytes += nbytes
        if self.bar is not None:
            self.bar.update(0, self.key)

    def outcome(self, outcome: Any) -> None:
        if self.bar is not None:
            self.bar.update(1, outcome.key)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _human_bytes(n: int) -> str:
    if n < 1000:
        return f"{n} B"
    value = float(n)
    for unit in ("KB", "MB"):
        value /= 1000
        if value < 1000:
            return f"{value:.1f} {unit}"
    return f"{value / 1000:.1f} GB"


def _with_pattern(config: Config, pattern: str | None) -> Config:
    from dataclasses import replace

    return replace(config, pdf_pattern=pattern) if pattern else config


def _run_pdfs(config: Config, keys: tuple[str, ...]) -> Any:
    """Fetch/move/verify PDFs with a progress bar; an unknown KEY is a usage error."""
    from .errors import ReferenceNotFoundError
    from .pdfsync import sync_library_pdfs

    bar = _PdfBar()
    try:
        return sync_library_pdfs(config, keys=keys or None, progress=bar)
    except ReferenceNotFoundError as exc:
        raise click.BadParameter(str(exc), param_hint="KEY") from exc
    finally:
        bar.close()


def _render_pdfs(report: Any, offline_ok: bool = False) -> None:
    """Moves and unusual skips per entry, failures on stderr, then the counts.

    With ``offline_ok`` (``update``), hosts that cannot be reached at all are one line, not one
    failure per file.
    """
    from .pdfsync import NO_SOURCE, UP_TO_DATE

    reasons = [o.reason for o in report.outcomes if o.status == "skipped"]
    for o in report.outcomes:
        if o.status == "moved":
            click.echo(f"{o.key}: moved PDF to {o.path}")
        elif o.status == "skipped" and o.reason not in (NO_SOURCE, UP_TO_DATE):
            click.echo(f"{o.key}: PDF skipped: {o.reason}")
    for o in report.failed_reachable if offline_ok else report.failed:
        click.echo(f"{o.key}: PDF: {o.reason}", err=True)
    c = report.counts
    failed = len(report.failed_reachable) if offline_ok else c["failed"]
    click.echo(
        f"pdf: {c['downloaded']} downloaded, {c['moved']} moved, {c['skipped']} skipped "
        f"({reasons.count(UP_TO_DATE)} up to date, {reasons.count(NO_SOURCE)} without a PDF "
        f"source), {failed} failed; {_human_bytes(report.bytes_downloaded)} transferred"
    )


def _render_sync_and_pdfs(report: Any, pdfs: Any, as_json: bool, dry_run: bool) -> None:
    if as_json:
        data = report.as_dict() if report is not None else {}
        if pdfs is not None:
            data["pdfs"] = pdfs.as_dict()
        _emit_json(data)
        return
    if report is not None:
        _render_sync(report, dry_run)
    if pdfs is not None:
        _render_pdfs(pdfs)


# --- export (issue 5) -------------------------------------------------------------------------

_EXPORT_FORMATS = ("bibtex", "biblatex", "csljson", "ris")


def _write_exports(
    settings: Settings, formats: list[str], output: str | None, keys: tuple[str, ...], mode: str
) -> int:
    """Export to files (or stdout for ``-o -``); returns how many entries were left out."""
    from .exporters import AttachmentMode, export_library, write_exports

    to_stdout = output == "-"
    files, skipped = export_library(
        settings.library,
        formats,
        exports_root=settings.config().exports_root,
        output=Path(output) if output and not to_stdout else None,
        keys=keys,
        attachments=cast("AttachmentMode", mode),
        to_stdout=to_stdout,
    )
    _render_export_skips(skipped)
    if to_stdout:  # bytes: UTF-8 whatever the locale, and RIS keeps its CRLF
        for exported in files:
            sys.stdout.buffer.write(exported.text.encode("utf-8"))
    else:
        write_exports(files)
        for exported in files:
            click.echo(f"{exported.path}: {exported.format}")
    return len(skipped)


def _render_export_skips(skipped: list[Any]) -> None:
    for error in skipped:
        click.echo(f"{error.format}: {error}", err=True)


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*_EXPORT_FORMATS, "all"]),
    default="all",
    show_default=True,
    help="Output format; 'all' writes the four files into the exports folder.",
)
@click.option("-o", "--output", help="Output file ('-' for stdout); only with one --format.")
@click.option(
    "--attachments",
    type=click.Choice(["relative", "absolute", "none"]),
    default="relative",
    show_default=True,
    help="How PDF paths are written (relative to the output file's folder).",
)
@click.argument("keys", nargs=-1)
@pass_settings
def export(
    settings: Settings, fmt: str, output: str | None, attachments: str, keys: tuple[str, ...]
) -> None:
    """Export the library (or some KEYs) as RIS, CSL-JSON, BibTeX or BibLaTeX.

    Without -o, writes exports/library.ris, library.json, library-bibtex.bib and
    library-biblatex.bib beside the library. An entry a format cannot represent is
    reported on stderr and left out (exit 1).

    \b
    Example:
        dlbib export                          # all four into exports/
        dlbib export --format ris -o refs.ris
        dlbib export --format biblatex -o - vaswani2017attention
    """
    if output and fmt == "all":
        raise click.UsageError("-o/--output needs a single --format")
    formats = list(_EXPORT_FORMATS) if fmt == "all" else [fmt]
    skipped = _write_exports(settings, formats, output, keys, attachments)
    if skipped:
        click.echo(f"export: {skipped} entr{'y' if skipped == 1 else 'ies'} left out", err=True)
        raise SystemExit(1)


# --------------------------------------------------------------------------- cite (issue 6)

if TYPE_CHECKING:
    from .docbib import DocumentBib


def _cite_json(bib: DocumentBib) -> dict[str, Any]:
    cited = bib.cited
    return {
        "document": str(cited.source),
        "files": [str(p) for p in cited.files],
        "format": bib.flavour,
        "output": str(bib.output) if bib.output else None,
        "cite_all": cited.cite_all is not None,
        "cited": [{"key": c.key, "file": str(c.path), "line": c.line} for c in cited.citations],
        "written": [r.key for r in bib.references],
        "missing": [
            {
                "key": m.citation.key,
                "file": str(m.citation.path),
                "line": m.citation.line,
                "suggestions": list(m.suggestions),
            }
            for m in bib.missing
        ],
        "uncited": list(bib.uncited),
    }


def _cite_text(bib: DocumentBib) -> None:
    for m in bib.missing:
        c = m.citation
        hint = f"; did you mean {', '.join(m.suggestions)}?" if m.suggestions else ""
        click.echo(f"{c.path}:{c.line}: {c.key}: not in the library{hint}", err=True)
    n_cited = "every entry" if bib.cited.cite_all else f"{len(bib.cited.citations)} cited"
    if bib.output:
        count = len(bib.references)
        noun = "entry" if count == 1 else "entries"
        click.echo(f"{bib.output}: {count} {noun} ({bib.flavour}; {n_cited})")
    else:
        click.echo(f"{bib.cited.source}: {n_cited}, {len(bib.missing)} missing; nothing written")
    if bib.uncited:
        click.echo(f"{len(bib.uncited)} library entries not cited (--json lists them)")


@cli.command()
@click.argument("document", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The .bib to write [default: the .bib the document names, else DOC.bib].",
)
@click.option(
    "--format",
    "flavour",
    type=click.Choice(["bibtex", "biblatex"]),
    help="Flavour of the .bib [default: biblatex when the document uses it, else bibtex].",
)
@click.option("--check", is_flag=True, help="Only report; write nothing (for CI and editors).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_settings
def cite(
    settings: Settings, document: Path, output: Path | None, flavour: str | None, check: bool,
    as_json: bool,
) -> None:  # fmt: skip
    """Write a document's .bib: the library entries it cites; exit 1 if any are missing.

    DOCUMENT is the .tex (read before any LaTeX run, following \\input/\\include), or the .aux
    or .bcf of a run. Cited keys missing from the library are listed with suggestions; the .bib
    is still written for the others (unless --check).

    \b
    Example:
        dlbib cite paper.tex
        dlbib cite thesis.aux -o refs.bib --format bibtex
        dlbib cite paper.tex --check --json | jq '.missing[].key'
    """
    from .docbib import cite_document

    bib = cite_document(document, settings.library, output=output, flavour=flavour, write=not check)
    if as_json:
        _emit_json(_cite_json(bib))
    else:
        _cite_text(bib)
    if bib.missing:
        raise SystemExit(1)
