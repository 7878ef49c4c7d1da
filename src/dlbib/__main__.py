"""``python -m dlbib``: the same as the ``dlbib`` command."""

from .cli import cli

cli()
