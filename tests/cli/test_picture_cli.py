"""``partita score-video`` and ``partita generate --image``: end to end with the debug model, bad input in one
line with exit code 2."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from partita.cli.main import main
from partita.picture.synthetic import SyntheticShot, SyntheticVideo, write_synthetic_video
from partita.pipelines import Generator
from partita.render.audio import audio_available


@pytest.fixture(scope="module")
def short_video(tmp_path_factory):
    spec = SyntheticVideo(4.0, [SyntheticShot(0, (200, 80, 40)), SyntheticShot(2.0, (60, 200, 60))])
    return write_synthetic_video(spec, tmp_path_factory.mktemp("cli") / "short.mp4")


def test_score_video_runs_end_to_end(short_video, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["score-video", str(short_video), "for strings", "-o", str(out), "--model", "debug", "--n", "1"]
    assert main([*args, "--seed", "1", *([] if audio_available() else ["--no-wav"])]) == 0
    text = capsys.readouterr().out
    assert "cuts         2.00 s" in text and "2 sections for 4.00 s of video" in text
    assert "alignment (aligned): F " in text and "alignment (unaligned): F " in text
    assert (out / "music.mid").is_file() and (out / "picture.json").is_file()
    if audio_available():
        assert (out / "short_with_music.mp4").is_file() and "wrote video:" in text


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda p: None, "no such video file"),
        (lambda p: p.write_text("not a video\n" * 40), "not a video OpenCV can read"),
    ],
)
def test_score_video_bad_input_is_one_line(tmp_path, capsys, make, message):
    path = tmp_path / "clip.mp4"
    make(path)
    assert main(["score-video", str(path), "-o", str(tmp_path / "out"), "--model", "debug"]) == 2
    err = capsys.readouterr().err.splitlines()
    err = [line for line in err if line.strip() and not line.startswith("score-video:")]  # the progress bar
    assert len(err) == 1 and err[0].startswith("partita: error: ") and message in err[0]


@pytest.fixture
def fake_run(monkeypatch):
    """The generator replaced by a recorder: these tests are about what the CLI reads and shows."""
    calls = []

    class Recorder:
        def generate(self, request, **kw):
            calls.append(request)
            return []

    monkeypatch.setattr(Generator, "from_pretrained", classmethod(lambda cls, name: Recorder()))
    return calls


def test_generate_with_an_image_shows_what_was_read(tmp_path, capsys, fake_run):
    path = tmp_path / "sunset.png"
    img = np.empty((120, 160, 3), np.uint8)
    img[:] = (60, 170, 250)  # BGR: a warm, light orange
    cv2.imwrite(str(path), img)
    assert main(["generate", "a waltz", "--image", str(path), "--explain", "-o", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert f"read from {path}:" in out and "warmth         +0.7" in out
    assert "'sunset.png' -> valence = +" in out and "'sunset.png' -> mode = major" in out
    (request,) = fake_run
    assert request.conditions.style == "waltz" and request.conditions.mode == "major"


def test_generate_with_a_bad_image_or_with_a_plan_is_refused(tmp_path, capsys, fake_run):
    path = tmp_path / "photo.jpg"
    path.write_text("no picture here\n" * 30)
    assert main(["generate", "--image", str(path)]) == 2
    assert "partita: error: " in capsys.readouterr().err and not fake_run
    plan = tmp_path / "plan.json"
    plan.write_text('{"sections": [{"label": "A", "bars": 4}]}')
    assert main(["generate", "--image", str(path), "--plan", str(plan)]) == 2
    assert "--image and --plan" in capsys.readouterr().err
