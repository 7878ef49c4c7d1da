"""``python -m dlbib``: the same as the ``dlbib`` command."""

from dlbib.cli import cli

cli()
