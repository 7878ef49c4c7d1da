"""The ``dlbib`` group: global options, settings handed to commands, error conversion.

The only module that imports click, prints, or decides exit codes. Heavy modules (bibtexparser,
arxiv, requests) are imported inside commands, so ``dlbib --help`` starts fast.
"""

from __future__ import annotations

import importlib
from gettext import gettext
from typing import TYPE_CHECKING, Any, Final

import click

if TYPE_CHECKING:
    from pathlib import Path

    from dlbib.config import Config

COMMANDS: Final = {
    "check": ("library", "Lint the library; exit 1 when anything is wrong."),
    "cite": (
        "cite",
        "Write a document's .bib: the library entries it cites; exit 1 if any are missing.",
    ),
    "export": (
        "export",
        "Export the library (or some KEYs) as RIS, CSL-JSON, BibTeX, BibLaTeX or Zotero RDF.",
    ),
    "format": (
        "library",
        "Rewrite the whole library in dlbib's canonical layout (other commands never reformat).",
    ),
    "import": (
        "imports",
        "Add the works a reading list cites (Markdown, plain text or HTML) to the library.",
    ),
    "list": ("library", "List entries: key, year and title."),
    "restore": ("restore", "List the kept versions of the library, or put BACKUP back."),
    "show": ("library", "Show one entry as it stands in the library."),
    "sync": (
        "sync",
        "Enrich arXiv-backed entries from the arXiv API, never losing an edit; fetch their PDFs.",
    ),
    "update": (
        "update",
        "The main job: check the library, sync it from arXiv, fetch PDFs, write the exports.",
    ),
}
"""Each command: the module of :mod:`dlbib.cli` that defines it, and the first sentence of its
help (what ``dlbib --help`` lists). A command's module is imported when the command is used or
shows its own help, so ``dlbib --help`` imports none of them (tests/test_cli.py keeps this
table equal to the commands)."""


class Settings:
    """What the group's options say, handed to every command."""

    __slots__ = ("encoding", "library", "verbose")

    def __init__(self, library: Path, verbose: int = 0, encoding: str | None = None) -> None:
        self.library = library
        self.verbose = verbose
        self.encoding = encoding
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
    """A group that turns any :class:`DlbibError` into ``Error: …`` and exit code 1, and
    imports a command's module only when the command is asked for (:data:`COMMANDS`)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(f"{__package__}.{COMMANDS[cmd_name][0]}")
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click lists commands, from :data:`COMMANDS` for those not imported."""
        names = self.list_commands(ctx)
        shown = [n for n in names if n not in self.commands or not self.commands[n].hidden]
        if not shown:
            return
        limit = formatter.width - 6 - max(len(n) for n in shown)
        rows = [
            (n, self.commands[n].get_short_help_str(limit))
            if n in self.commands
            else (n, _shortened(COMMANDS[n][1], limit))
            for n in shown
        ]
        with formatter.section(gettext("Commands")):  # click's own heading, translated alike
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        from dlbib.errors import DlbibError
        from dlbib.library.encoding import encoding_override

        def chosen() -> str | None:
            from pathlib import Path

            from dlbib.config import load_config

            given: str | None = ctx.params.get("encoding")
            return given or load_config(Path(ctx.params["library"])).encoding

        try:
            with encoding_override(chosen):
                return super().invoke(ctx)
        except DlbibError as exc:
            raise click.ClickException(str(exc)) from exc


def _shortened(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters as click cuts a command's help in a listing."""
    if len(text) <= limit:
        return text
    if limit < 3:
        return "..."
    import textwrap

    return textwrap.shorten(text, limit, placeholder="...", break_on_hyphens=False)


def emit_json(data: Any) -> None:
    import json  # here, not at the top: `dlbib --help` imports only what it needs

    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.group(cls=DlbibGroup)
@click.option(
    "--library",
    type=click.Path(dir_okay=False),
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
def cli(ctx: click.Context, library: str, encoding: str | None, verbose: int) -> None:
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
    from pathlib import Path  # here: `dlbib --help` does not need it

    ctx.obj = Settings(library=Path(library), verbose=verbose, encoding=encoding)


EXIT_UNREACHABLE = 3
"""Exit code of ``dlbib sync`` when arXiv cannot be reached at all (nothing changed)."""
