"""The ``dlbib`` group: global options, settings handed to commands, error conversion.

The only module that imports click, prints, or decides exit codes. Heavy modules (bibtexparser,
arxiv, requests) are imported inside commands, so ``dlbib --help`` starts fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dlbib.errors import DlbibError

if TYPE_CHECKING:
    from dlbib.config import Config


@dataclass
class Settings:
    """What the group's options say, handed to every command."""

    library: Path
    verbose: int = 0
    encoding: str | None = None
    """``--encoding``: how to read a library without a BOM or JabRef header."""

    def config(self) -> Config:
        """The library's resolved settings (dlbib.toml + environment)."""
        from dlbib.config import load_config
        from dlbib.library.backups import set_backup_count

        config = load_config(self.library)
        set_backup_count(config.backups)
        return config


pass_settings = click.make_pass_decorator(Settings)


class DlbibGroup(click.Group):
    """A group that turns any :class:`DlbibError` into ``Error: …`` and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        from dlbib.library.encoding import encoding_override

        def chosen() -> str | None:
            from dlbib.config import load_config

            given: str | None = ctx.params.get("encoding")
            return given or load_config(ctx.params["library"]).encoding

        try:
            with encoding_override(chosen):
                return super().invoke(ctx)
        except DlbibError as exc:
            raise click.ClickException(str(exc)) from exc


def emit_json(data: Any) -> None:
    import json  # here, not at the top: `dlbib --help` imports only what it needs

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
@click.option(
    "--encoding",
    envvar="DLBIB_ENCODING",
    help="Encoding of a library without a BOM or JabRef 'Encoding:' header [default: utf-8, or "
    "dlbib.toml's [library] encoding]; it is written back the same way. Env: DLBIB_ENCODING.",
)
@click.option("-v", "--verbose", count=True, help="Log what happens (-vv for HTTP details).")
@click.version_option(package_name="dlbib", prog_name="dlbib")
@click.pass_context
def cli(ctx: click.Context, library: Path, encoding: str | None, verbose: int) -> None:
    """dlbib: a reading list's papers as a living, verified BibTeX library.

    \b
    Example:
        dlbib update              # check, sync from arXiv, export
        dlbib --library ~/refs/library.bib list
    """
    if verbose:
        import logging

        level = logging.DEBUG if verbose > 1 else logging.INFO
        logging.basicConfig(level=level, format="%(name)s: %(message)s")
    ctx.obj = Settings(library=library, verbose=verbose, encoding=encoding)


EXIT_UNREACHABLE = 3
"""Exit code of ``dlbib sync`` when arXiv cannot be reached at all (nothing changed)."""
