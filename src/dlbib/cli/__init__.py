"""The ``dlbib`` command line: parses arguments, calls the library, renders results.

The only package that imports click, prints, or decides exit codes. Heavy modules (bibtexparser,
arxiv, requests) are imported inside commands, so ``dlbib --help`` starts fast. One module per
command group; a command's module is imported (registering its commands on :data:`cli`)
when the command is asked for.
"""

from dlbib.cli._app import cli

__all__ = ["cli"]
