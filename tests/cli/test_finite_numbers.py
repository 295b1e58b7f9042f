"""`partita serve` and `score-video` refuse NaN and infinity (and a tempo of 0) in their number
options before any work."""

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


def test_score_video_refuses_a_tempo_that_is_not_a_number_of_bpm_before_reading_the_video(tmp_path):
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not a video")  # generate's --tempo is checked by the prompt reader (10 to 400 bpm)
    for tempo in ("nan", "inf", "0"):
        result = CliRunner().invoke(cli, ["score-video", str(video), "--tempo", tempo])
        assert result.exit_code == 2, result.output
        assert "--tempo" in result.output and "Traceback" not in result.output
