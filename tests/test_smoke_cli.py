from click.testing import CliRunner

from dlbib.cli import cli


def test_check_passes_on_sample(sample_bib, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--library", str(sample_bib), "list"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "vaswani2017attention" in result.stdout
