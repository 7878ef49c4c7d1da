"""``dlbib cite``: a LaTeX document's own .bib and its report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dlbib.cli._app import Settings, cli, emit_json, pass_settings

if TYPE_CHECKING:
    from dlbib.latex.docbib import DocumentBib


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
        "encoding": bib.encoding,
        "repeated": [{"key": k, "lines": list(v)} for k, v in bib.repeated],
        "authority": str(bib.cited.authority) if bib.cited.authority else None,
        "unknown_commands": [
            {"command": u.key, "file": str(u.path), "line": u.line}
            for u in bib.cited.unknown_commands
        ],
        "published_preprints": [
            {"key": k.key, "venue": k.venue, "confirmed_by": k.confirmed_by} for k in bib.preprints
        ],
    }


def _cite_text(bib: DocumentBib) -> None:
    if bib.cited.authority is not None:
        click.echo(
            f"{bib.cited.authority}: newer than every source file, so its citations (the last "
            "LaTeX run's) are used",
            err=True,
        )
    for key, lines in bib.repeated:
        where = ", ".join(map(str, lines))
        click.echo(
            f"{key}: repeated in the library (lines {where}); the first (line {lines[0]}) is "
            "written, as BibTeX uses it",
            err=True,
        )
    aux = bib.cited.source.with_suffix(".bcf" if bib.cited.biblatex else ".aux").name
    for u in bib.cited.unknown_commands:
        click.echo(
            f"{u.path}:{u.line}: \\{u.key}: unknown command with 'cite' in its name; citations "
            f"made with it may be missed: run LaTeX, then `dlbib cite {aux}`",
            err=True,
        )
    for m in bib.missing:
        c = m.citation
        hint = f"; did you mean {', '.join(m.suggestions)}?" if m.suggestions else ""
        click.echo(f"{c.path}:{c.line}: {c.key}: not in the library{hint}", err=True)
    for known in bib.preprints:
        click.echo(f"warning: {known.key}: {known.message()}", err=True)
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
    type=click.Choice(["verbatim", "bibtex", "biblatex"]),
    help="verbatim: entries exactly as the library has them [default]; bibtex/biblatex: "
    "rewritten through that export flavour.",
)
@click.option("--check", is_flag=True, help="Only report; write nothing (for CI and editors).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_settings
def cite(
    settings: Settings, document: Path, output: Path | None, flavour: str | None, check: bool,
    as_json: bool,
) -> None:  # fmt: skip
    """Write a document's .bib: the library entries it cites; exit 1 if any are missing.

    DOCUMENT is the .tex (read before any LaTeX run, following \\input/\\include and the
    document's own citation macros), or the .aux or .bcf of a run; an .aux (biblatex: .bcf)
    beside the .tex that is newer than every source is used instead. Entries are copied
    verbatim (with their crossref parents and @strings) unless --format asks for a flavour.
    Cited keys missing from the library are listed with suggestions; the .bib is still written
    for the others (unless --check).

    \b
    Example:
        dlbib cite paper.tex
        dlbib cite thesis.aux -o refs.bib --format bibtex
        dlbib cite paper.tex --check --json | jq '.missing[].key'
    """
    from dlbib.latex.docbib import cite_document

    bib = cite_document(document, settings.library, output=output, flavour=flavour, write=not check)
    if as_json:
        emit_json(_cite_json(bib))
    else:
        _cite_text(bib)
    if bib.missing:
        raise SystemExit(1)
