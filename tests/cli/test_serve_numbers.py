"""`partita serve` refuses NaN and infinity in its number options before any server starts."""

import pytest
from click.testing import CliRunner

from partita.cli.main import cli


@pytest.mark.parametrize(
    "args",
    [["--time-limit", "nan"], ["--time-limit", "inf"], ["--concept-strength", "nan"]],
)
def test_serve_refuses_a_number_that_is_not_finite(args):
    result = CliRunner().invoke(cli, ["serve", *args])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert args[0] in result.output
