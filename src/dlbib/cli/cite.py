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
        "published_preprints": [
            {"key": k.key, "venue": k.venue, "confirmed_by": k.confirmed_by} for k in bib.preprints
        ],
    }


def _cite_text(bib: DocumentBib) -> None:
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
    from dlbib.latex.docbib import cite_document

    bib = cite_document(document, settings.library, output=output, flavour=flavour, write=not check)
    if as_json:
        emit_json(_cite_json(bib))
    else:
        _cite_text(bib)
    if bib.missing:
        raise SystemExit(1)
