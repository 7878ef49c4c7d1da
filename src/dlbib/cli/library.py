"""``dlbib check``, ``list`` and ``show`` (read-only views of the library) and ``format``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from dlbib.cli._app import Settings, cli, emit_json, pass_settings

if TYPE_CHECKING:
    from dlbib.library.bibfile import Library


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print findings as JSON.")
@pass_settings
def check(settings: Settings, as_json: bool) -> None:
    """Lint the library; exit 1 when anything is wrong.

    Reports parse failures (with line numbers), repeated keys (all of them, and which one BibTeX
    uses), two entries for one work, missing required fields (counting what a crossref parent
    supplies), values BibTeX refuses, undefined @string macros, malformed DOIs and arXiv ids,
    escaped underscores in URLs, files that do not exist, and downloaded PDFs that changed since
    (SHA-256 in the sidecar). What BibTeX accepts silently (a repeated @string, a stray '}') and
    entries cited as preprints whose published version `dlbib sync` confirmed are printed as
    notes and do not fail the check.

    \b
    Example:
        dlbib check
        dlbib check --json | jq '.[].message'
    """
    from dlbib.check import check_library, pdf_files_check, published_versions_check
    from dlbib.library.state import load_state

    state = load_state(settings.config().state_path)
    extra = [pdf_files_check(state), published_versions_check(state)]
    findings = check_library(settings.library, extra, include_notes=True)
    errors = [f for f in findings if f.severity != "note"]
    if as_json:
        emit_json([f.as_dict() for f in findings])
    else:
        for finding in findings:
            click.echo(finding.format(settings.library))
        summary = f"{len(errors)} problem(s)" if errors else "no problems"
        if len(findings) > len(errors):
            summary += f", {len(findings) - len(errors)} note(s)"
        click.echo(f"{settings.library}: {summary}", err=True)
        _note_lost_entries(settings.library)
    if errors:
        raise SystemExit(1)


def _note_lost_entries(library: Path) -> None:
    """Tell when a backup holds entries the library lacks (a note: it does not fail check)."""
    from dlbib.library.backups import backups_of, lost_entries

    if not backups_of(library):  # nothing to compare: the library's keys are not read
        return
    lost = lost_entries(library)
    if lost:
        newest = lost[0]
        keys = ", ".join(newest.keys[:5]) + (" …" if len(newest.keys) > 5 else "")
        click.echo(
            f"note: backup {newest.backup.path.name} holds {len(newest.keys)} entries this "
            f"file lacks ({keys}); `dlbib restore` lists the backups and puts one back",
            err=True,
        )


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
    from dlbib.library.cache import load_cached
    from dlbib.library.text import latex_to_text

    library = load_cached(settings.library)
    _say_duplicates(library)
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
        emit_json(rows)
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
    from dlbib.library.cache import load_cached

    library = load_cached(settings.library)
    ref = library.get(key)
    for repeated, lines in library.duplicate_keys():
        if repeated.lower() == ref.key.lower():
            where = ", ".join(map(str, lines))
            click.echo(
                f"{settings.library}: key {key!r} is repeated (lines {where}); showing the "
                f"first (line {lines[0]}), as BibTeX uses it",
                err=True,
            )
    if as_json:
        emit_json({"key": ref.key, "type": ref.entry_type, "fields": dict(ref.fields)})
    else:
        click.echo(library.block_text(ref))


def _say_duplicates(library: Library) -> None:
    groups = library.duplicate_keys()
    if groups:
        keys = ", ".join(k for k, _ in groups[:5]) + (" …" if len(groups) > 5 else "")
        click.echo(
            f"{library.path}: {len(groups)} key(s) repeated ({keys}); BibTeX uses the first of "
            "each; `dlbib check` lists them",
            err=True,
        )


@cli.command("format")
@click.option("--check", "check_only", is_flag=True, help="Only say whether it would change.")
@click.option("--encoding", help="Convert the file to this encoding (e.g. utf-8).")
@pass_settings
def format_(settings: Settings, check_only: bool, encoding: str | None) -> None:
    """Rewrite the whole library in dlbib's canonical layout (other commands never reformat).

    Lower-case types, one field a line in the canonical order, two-space indent, a blank line
    between blocks. Comments, @string, @preamble and stray text are kept. With --check, exit 1
    when the file is not canonical and write nothing.

    \b
    Example:
        dlbib format --check
        dlbib format --encoding utf-8      # a JabRef ISO8859_1 library becomes UTF-8
    """
    from dlbib.library.bibfile import format_library

    changed = format_library(settings.library, encoding=encoding, write=not check_only)
    if check_only:
        click.echo(f"{settings.library}: {'not canonical' if changed else 'canonical'}")
        if changed:
            raise SystemExit(1)
    else:
        click.echo(f"{settings.library}: {'reformatted' if changed else 'already canonical'}")
