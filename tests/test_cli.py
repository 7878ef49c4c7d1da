"""The CLI: exit codes, the exact Error: lines, --json, --library/DLBIB_LIBRARY, help texts."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from dlbib.cli import cli


def test_list_and_json(sample_bib: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--library", str(sample_bib), "list"], catch_exceptions=False)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["vandermaaten2008visualizing", "2008", "Visualizing", "Data",
                                "using", "t-SNE"]  # fmt: skip
    assert any(line.startswith("giusti2002quantum") and "2002" in line for line in lines)
    result = runner.invoke(cli, ["--library", str(sample_bib), "list", "--json"])
    rows = json.loads(result.stdout)
    assert rows[1] == {"key": "he2017mask", "type": "inproceedings", "year": "2017",
                       "title": "Mask R-CNN"}  # fmt: skip


def test_library_from_environment(sample_bib: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["show", "he2017mask"], env={"DLBIB_LIBRARY": str(sample_bib)})
    assert result.exit_code == 0
    assert result.stdout.startswith("@inproceedings{he2017mask,\n  author = {He, Kaiming")


def test_show_json(sample_bib: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--library", str(sample_bib), "show", "he2017mask", "--json"])
    assert json.loads(result.stdout)["fields"]["doi"] == "{10.1109/ICCV.2017.322}"


def test_show_unknown_key(sample_bib: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--library", str(sample_bib), "show", "he2017mas"])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: no entry with key 'he2017mas' in the library (did you mean he2017mask?)\n"
    )


def test_check_clean_and_json(sample_bib: Path, runner: CliRunner) -> None:
    (sample_bib.parent / "papers" / "2017").mkdir(parents=True)
    (sample_bib.parent / "papers" / "2017" / "vaswani2017attention.pdf").write_bytes(b"%PDF-")
    result = runner.invoke(cli, ["--library", str(sample_bib), "check"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == f"{sample_bib}: no problems\n"
    result = runner.invoke(cli, ["--library", str(sample_bib), "check", "--json"])
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


def test_check_reports_problems_exit_1(tmp_path: Path, runner: CliRunner) -> None:
    path = tmp_path / "library.bib"
    path.write_text("@article{a,\n  title = {T},\n  doi = {nope},\n}\n")
    result = runner.invoke(cli, ["--library", str(path), "check"])
    assert result.exit_code == 1
    assert f"{path}:1: a: malformed DOI 'nope'" in result.stdout
    assert f"{path}:1: a: @article needs author" in result.stdout
    result = runner.invoke(cli, ["--library", str(path), "check", "--json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 1
    assert {d["code"] for d in data} == {"missing-field", "bad-doi"}
    assert data[0]["line"] == 1


BAD_INPUT = {
    "missing-file": (None, "Error: {path}: no such file (create it, or pass --library PATH)\n"),
    "not-utf8": (b"@misc{a, title={caf\xe9}}\n",
                 "Error: {path}: is not UTF-8; name its encoding with --encoding (e.g. latin-1) "
                 "or DLBIB_ENCODING (line 1: byte 0xe9 is not UTF-8)\n"),
    "unbalanced": (b"@misc{a, title={x}\n\n@misc{b, title={y}}\n",
                   "Error: {path}: 1 block failed to parse (line 1: Unexpected block start: "),
    "extra-brace": (b"@misc{a,\n  title = {x}},\n  year = {2020},\n}\n",
                    "Error: {path}: 1 block failed to parse (line 2: a field outside any entry"),
}  # fmt: skip


@pytest.mark.parametrize(("content", "message"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_library_gives_one_error_line(
    tmp_path: Path, runner: CliRunner, content: bytes | None, message: str
) -> None:
    path = tmp_path / "library.bib"
    if content is not None:
        path.write_bytes(content)
    result = runner.invoke(cli, ["--library", str(path), "list"])
    assert result.exit_code == 1
    assert result.stderr.startswith(message.format(path=path))
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
    if content is not None:
        assert path.read_bytes() == content


def test_usage_errors_exit_2(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["nosuchcommand"])
    assert result.exit_code == 2
    result = runner.invoke(cli, ["show"])
    assert result.exit_code == 2
    assert "Missing argument 'KEY'" in result.stderr


def test_version(runner: CliRunner) -> None:
    from dlbib import __version__

    result = runner.invoke(cli, ["--version"])
    assert result.stdout == f"dlbib, version {__version__}\n"


def all_commands() -> dict[str, click.Command]:
    """Every command of the group (their modules imported)."""
    ctx = click.Context(cli)
    found = {name: cli.get_command(ctx, name) for name in cli.list_commands(ctx)}
    return {name: command for name, command in found.items() if command is not None}


def test_every_command_has_help_with_an_example(runner: CliRunner) -> None:
    for name, command in all_commands().items():
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example:" in result.stdout, name
        assert (command.help or "").strip(), name


def test_python_dash_m(sample_bib: Path) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "dlbib", "--library", str(sample_bib), "list"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "he2017mask" in proc.stdout


def test_the_command_table_is_the_commands() -> None:
    """``dlbib --help`` lists commands from COMMANDS without importing them: the table must say
    what each command's own help says, and where it is."""
    from dlbib.cli._app import COMMANDS

    commands = all_commands()
    assert sorted(commands) == sorted(COMMANDS)
    for name, command in commands.items():
        module, summary = COMMANDS[name]
        assert command.callback is not None
        assert command.callback.__module__ == f"dlbib.cli.{module}", name
        assert command.get_short_help_str(10_000) == summary, name


@pytest.mark.parametrize("width", [30, 52, 80, 200])
def test_help_lists_the_commands_as_click_does_without_importing_them(width: int) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from dlbib.cli import cli\n"
        f"try:\n    cli(['--help'], prog_name='dlbib', terminal_width={width})\n"
        "except SystemExit:\n    pass\n"
        "print('LOADED=' + ','.join(sorted(m for m in sys.modules if m.startswith('dlbib.cli.')"
        " and m != 'dlbib.cli._app')))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    *lazy, loaded = proc.stdout.splitlines()
    assert loaded == "LOADED="
    all_commands()  # every module imported: click's own listing from the commands themselves
    with click.Context(cli, info_name="dlbib", terminal_width=width) as ctx:
        eager = cli.get_help(ctx)
        formatter = ctx.make_formatter()
        click.Group.format_commands(cli, ctx, formatter)
    assert "\n".join(lazy) == eager
    assert formatter.getvalue().strip() in eager
