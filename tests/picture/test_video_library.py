"""Music for a video from the library: pieces of a discovery index ranked by how their measured tempo, mode
and density fit what the video's shots ask for, with the reasons; the ``match-video`` command."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from tests.picture.pictures import COLD_DARK, WARM_BRIGHT, image

from partita.cli.main import cli
from partita.discovery.for_picture import (
    PictureTarget,
    PieceTraits,
    ShotControls,
    control_query,
    fit,
    image_target,
    piece_traits,
    rank_pieces,
    video_target,
)
from partita.picture import read_image_features, read_video_features
from partita.picture.synthetic import SyntheticShot, SyntheticVideo, write_synthetic_video

TUNE = "X:{x}\nT:{title}\nR:{rhythm}\nM:4/4\nL:1/8\nQ:1/4={bpm}\nK:{key}\n{body}\n"
TUNES = [
    dict(title="Dark Lament", rhythm="air", bpm=66, key="Am", body="A4 c4 | B4 E4 | A4 e4 | A8 |]" * 6),
    dict(title="Bright Reel", rhythm="reel", bpm=150, key="D", body="DFAF dFAF | GBdB AFED |]" * 12),
]


def clip(colour, speed: float, seconds: float = 3.0) -> SyntheticVideo:
    return SyntheticVideo(seconds, [SyntheticShot(0.0, colour, speed=speed)], width=96, height=64, fps=12.0)


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("videos")
    dark = write_synthetic_video(clip(COLD_DARK, 0.01), folder / "dark.mp4")
    bright = write_synthetic_video(clip(WARM_BRIGHT, 0.8), folder / "bright.mp4")
    return dark, bright


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """A built corpus of the two tunes and its discovery index."""
    from partita.corpus import build_corpus, load_corpus
    from partita.discovery.index import build_index

    base = tmp_path_factory.mktemp("library")
    (base / "tunes").mkdir()
    text = "\n".join(TUNE.format(x=i + 1, **t) for i, t in enumerate(TUNES))
    (base / "tunes" / "tunes.abc").write_text("%abc-2.1\n\n" + text)
    build_corpus("tunes", [str(base / "tunes")], out_dir=base / "corpus", workers=1)
    build_index(load_corpus(base / "corpus"), base / "index")
    return base / "index"


def shot(label, start, end, tempo=100.0, mode="major", density=2.0):
    return ShotControls(label, start, end, tempo, mode, density, 62.0, 80.0, 0.0, 0.0)


def traits(piece_id, tempo=100.0, mode="major", sections=(), duration=20.0, density=4.0) -> PieceTraits:
    return PieceTraits(piece_id, tempo, mode, f"C {mode}", duration, density, 62.0, 80.0, list(sections))


def test_what_a_video_asks_follows_its_light_and_motion(videos):
    dark, bright = (video_target(read_video_features(v), v.name) for v in videos)
    assert dark.duration == pytest.approx(3.0) and len(dark.shots) == 1
    (d,), (b,) = dark.shots, bright.shots
    assert d.mode == "minor" and b.mode == "major"
    assert d.tempo < 105 < b.tempo and d.density < b.density and d.mean_pitch < 62 < b.mean_pitch
    assert d.velocity < b.velocity  # loudness follows the motion
    assert "minor" in control_query(dark) and "major" in control_query(bright)
    still = image_target(read_image_features_of(WARM_BRIGHT), "sunny.png")
    assert still.duration is None and still.shots[0].mode == "major"


def read_image_features_of(colour):
    import tempfile
    from pathlib import Path

    import cv2

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.png"
        cv2.imwrite(str(path), image(colour, texture=30))
        return read_image_features(path)


def test_the_fit_prefers_the_piece_whose_tempo_mode_and_length_match():
    target = PictureTarget("v", [shot("shot 1", 0.0, 10.0, tempo=80.0, mode="minor", density=1.5)], 10.0)
    good = traits("good", tempo=84.0, mode="minor", density=2.0)  # 2 notes a second = 1.43 a beat at 84
    wrong_mode = traits("wrong-mode", tempo=84.0, mode="major", density=2.0)
    fast = traits("fast", tempo=160.0, mode="minor", density=4.0)
    short = traits("short", tempo=84.0, mode="minor", density=2.0, duration=4.0)
    ranked = rank_pieces([fast, wrong_mode, short, good], target, k=4)
    assert [m.piece_id for m in ranked][0] == "good" and ranked[-1].piece_id in ("fast", "wrong-mode")
    score, controls = fit(good, target)
    assert score == pytest.approx(1.0, abs=0.05) and controls["mode"].matched == ["shot 1"]
    why = ranked[0].why()
    assert why[0].startswith("tempo 84 bpm fits 80 asked") and "minor, as asked" in why
    short_why = " ".join(next(m for m in ranked if m.piece_id == "short").why())
    assert "covers 40% of the video's 10 s" in short_why
    fast_why = next(m for m in ranked if m.piece_id == "fast").why()
    assert any(w.startswith("tempo 160 bpm misses 80 asked") for w in fast_why)


def test_each_shot_is_compared_with_the_sections_that_sound_under_it():
    calm_then_busy = PictureTarget(
        "v",
        [shot("shot 1", 0.0, 8.0, density=1.0), shot("shot 2", 8.0, 16.0, density=4.0)],
        16.0,
    )
    # notes a second per section at 120 bpm (2 beats a second): 2/s = 1 a beat, 8/s = 4 a beat
    rising = traits("rising", tempo=120.0, sections=[(0, 8, 2.0, 60, 80), (8, 16, 8.0, 64, 80)])
    falling = traits("falling", tempo=120.0, sections=[(0, 8, 8.0, 60, 80), (8, 16, 2.0, 64, 80)])
    assert rising.during(0, 8)[0] == pytest.approx(1.0) and rising.during(8, 16)[0] == pytest.approx(4.0)
    best = rank_pieces([falling, rising], calm_then_busy, k=1)[0]
    assert best.piece_id == "rising" and best.controls["density"].matched == ["shot 1", "shot 2"]
    dark_then_bright = PictureTarget(
        "v", [shot("shot 1", 0.0, 8.0, mode="minor"), shot("shot 2", 8.0, 16.0, mode="major")], 16.0
    )
    turning = traits("turning", mode="minor", sections=rising.sections)
    turning.keys = [(0.0, 7.5, "minor"), (7.5, 16.0, "major")]
    assert turning.mode_during(0, 8) == "minor" and turning.mode_during(8, 16) == "major"
    turned = rank_pieces([turning], dark_then_bright)[0].controls["mode"]
    assert turned.matched == ["shot 1", "shot 2"] and turned.piece == "minor/major"
    assert rank_pieces([traits("all minor", mode="minor")], dark_then_bright)[0].controls["mode"].missed == [
        "shot 2"
    ]
    worse = rank_pieces([falling], calm_then_busy)[0]
    assert worse.controls["density"].missed == ["shot 1", "shot 2"]
    assert "(no shot)" in " ".join(worse.why())


def test_a_piece_without_notes_is_refused():
    with pytest.raises(ValueError, match="holds no notes"):
        piece_traits("x", json.dumps({"duration": 0, "n_notes": 0}))
    t = piece_traits("y", {"duration": 10.0, "n_notes": 40, "tempo": 90, "key": "E minor", "sections": []})
    assert (t.mode, t.tempo, t.density, t.mean_pitch) == ("minor", 90.0, 4.0, None)


def test_match_video_lists_the_fitting_pieces_with_why(videos, library):
    dark, bright = videos
    runner = CliRunner()
    res = runner.invoke(cli, ["match-video", str(dark), "--index", str(library), "-k", "2"])
    assert res.exit_code == 0, res.output
    assert "dark.mp4 asks for, 3.0 s long:" in res.output
    lines = [ln for ln in res.output.splitlines() if ln[:3].strip().rstrip(".").isdigit()]
    assert len(lines) == 2 and "Dark Lament" in lines[0] and "Bright Reel" in lines[1]
    assert "minor, as asked" in res.output
    res = runner.invoke(cli, ["match-video", str(bright), "--index", str(library), "-k", "1", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["asked"]["shots"][0]["mode"] == "major" and doc["pieces"][0]["title"].startswith("Bright Reel")
    assert doc["pieces"][0]["why"] and doc["pieces"][0]["controls"]["mode"]["matched"] == ["shot 1"]


def test_match_video_takes_an_image_and_refuses_bad_input(videos, library, tmp_path):
    import cv2

    runner = CliRunner()
    sunny = tmp_path / "sunny.png"
    cv2.imwrite(str(sunny), image(WARM_BRIGHT, texture=30))
    res = runner.invoke(cli, ["match-video", str(sunny), "--image", "--index", str(library), "-k", "1"])
    assert res.exit_code == 0 and "sunny.png asks for:" in res.output and "Bright Reel" in res.output
    res = runner.invoke(cli, ["match-video", str(tmp_path / "none.mp4"), "--index", str(library)])
    assert res.exit_code != 0 and "no such video file" in res.output and "Traceback" not in res.output
    res = runner.invoke(cli, ["match-video", str(videos[0]), "--index", str(tmp_path / "noindex")])
    assert res.exit_code != 0 and "no discovery index here" in res.output
    res = runner.invoke(
        cli, ["match-video", str(videos[0]), "--index", str(library), "--where", "colour = 1"]
    )
    assert res.exit_code != 0 and "unknown field 'colour'" in res.output
