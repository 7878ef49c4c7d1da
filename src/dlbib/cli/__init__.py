"""The ``dlbib`` command line: parses arguments, calls the library, renders results.

The only package that imports click, prints, or decides exit codes. Heavy modules (bibtexparser,
arxiv, requests) are imported inside commands, so ``dlbib --help`` starts fast. One module per
command group; importing them registers their commands on :data:`cli`.
"""

from dlbib.cli import cite, export, imports, library, restore, sync, update
from dlbib.cli._app import cli

__all__ = ["cli"]
_COMMAND_MODULES = (cite, export, imports, library, restore, sync, update)
