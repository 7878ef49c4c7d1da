"""The README stays honest: every command and exporter is documented; the two commands are there."""

from __future__ import annotations

import re

from dlbib.cli import cli

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_command_is_in_the_readme() -> None:
    for name in cli.commands:
        assert re.search(rf"`dlbib {name}\b", README), name


def test_readme_opens_with_the_two_commands() -> None:
    blocks = re.findall(r"```console\n(.*?)\n```", README, flags=re.S)
    assert blocks[0].endswith("pip install . && dlbib update")
    assert blocks[1].endswith("pip install -e '.[dev]' && pytest")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -q -e '.[dev]' && pytest" in ci
