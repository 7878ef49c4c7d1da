"""``dlbib restore``: list the backups dlbib kept, and put one back."""

from __future__ import annotations

from pathlib import Path

import click

from dlbib.cli._app import Settings, cli, pass_settings


@cli.command()
@click.argument("backup", required=False)
@pass_settings
def restore(settings: Settings, backup: str | None) -> None:
    """List the kept versions of the library, or put BACKUP back.

    Every write of library.bib (and its sidecar) keeps the version it replaced, and a copy of
    what it wrote, in .dlbib/backups/ ([library] backups in dlbib.toml, DLBIB_BACKUPS: how
    many of each; default 5). Without an
    argument this lists them, newest first, with the entries each holds that the current
    file lacks. With a BACKUP name (or path) it replaces the library with it; the current
    file is kept as a backup first, so a restore can be undone the same way.

    \b
    Example:
        dlbib restore
        dlbib restore library.bib.20261201T221503.123456Z.bak
    """
    from dlbib.library.backups import backups_of, lost_entries, restore_backup

    settings.config()  # the backup count
    library = settings.library
    found = backups_of(library)
    if backup is None:
        if not found:
            click.echo(f"{library}: no backups yet (dlbib keeps one each time it writes)")
            return
        lost = {entry.backup.path: entry.keys for entry in lost_entries(library)}
        for item in found:
            keys = lost.get(item.path, ())
            what = "what dlbib wrote" if item.kind == "written" else "a version dlbib replaced"
            line = f"{item.path.name}  {item.taken:%Y-%m-%d %H:%M:%S} UTC  {what}"
            if keys:
                line += f"; holds {len(keys)} entries the library lacks: {', '.join(keys[:8])}"
                line += " …" if len(keys) > 8 else ""
            click.echo(line)
        return
    chosen = next((b.path for b in found if b.path.name == backup), None) or Path(backup)
    if not chosen.is_file():
        raise click.ClickException(f"no backup {backup!r}; `dlbib restore` lists them")
    kept = restore_backup(library, chosen)
    click.echo(f"{library}: restored from {chosen.name}")
    if kept is not None:
        click.echo(f"the version it replaced is kept as {kept.name}", err=True)
