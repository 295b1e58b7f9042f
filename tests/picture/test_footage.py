"""Videos of photographs with camera motion: a dissolve opens a shot at its middle, a cut stays a cut, a pan
alone changes no shot (partita.picture.footage; the photographs are drawn here)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from partita.picture import read_video_features
from partita.picture.footage import Footage, FootageShot, sample_photographs, write_footage


def _photograph(path, seed: int) -> str:
    """A photograph-like picture: smooth blobs of random colours with some grain."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, size=(6, 8, 3), dtype=np.uint8)
    image = cv2.resize(coarse, (480, 360), interpolation=cv2.INTER_CUBIC).astype(np.int16)
    image += rng.integers(-10, 11, size=image.shape[:2] + (1,), dtype=np.int16)
    cv2.imwrite(str(path), np.clip(image, 0, 255).astype(np.uint8))
    return str(path)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    return [_photograph(folder / f"p{k}.png", seed=k) for k in range(3)]


@pytest.fixture(scope="module")
def footage(photos, tmp_path_factory):
    spec = Footage(
        10.0,
        [
            FootageShot(0.0, photos[0], speed=0.1, angle=0.3),
            FootageShot(3.6, photos[1], speed=0.2, angle=2.0, dissolve=1.0),  # 3.1 to 4.1 s
            FootageShot(7.0, photos[2], speed=0.05, angle=4.0),  # a hard cut
        ],
        width=160,
        height=120,
    )
    path = write_footage(spec, tmp_path_factory.mktemp("footage") / "clip.mp4")
    return spec, read_video_features(path)


def test_a_dissolve_opens_a_shot_at_its_middle_and_a_cut_stays_a_cut(footage):
    spec, feats = footage
    assert spec.dissolves == [3.6] and spec.cuts == [7.0]
    assert len(feats.shots) == 3
    dissolve, cut = feats.shots[1], feats.shots[2]
    assert dissolve.transition == "dissolve" and abs(dissolve.start - 3.6) <= 0.25
    assert cut.transition == "cut" and abs(cut.start - 7.0) <= 1 / spec.fps + 1e-6
    assert feats.dissolves == [dissolve.start] and feats.cuts == [dissolve.start, cut.start]
    assert "(dissolve)" in feats.describe()


def test_a_camera_pan_alone_changes_no_shot(photos, tmp_path):
    spec = Footage(8.0, [FootageShot(0.0, photos[0], speed=0.3, angle=0.8)], width=160, height=120)
    feats = read_video_features(write_footage(spec, tmp_path / "pan.mp4"))
    assert feats.cuts == []
    assert feats.shots[0].motion > 0.03  # the whole frame moves: camera motion reads as motion


def test_the_shipped_photographs_are_files():
    for path in sample_photographs():
        assert path.is_file() and path.suffix.lower() in (".jpg", ".jpeg", ".png")


def test_a_fade_through_black_is_one_change_at_its_middle(photos, tmp_path):
    spec = Footage(
        8.0,
        [
            FootageShot(0.0, photos[0], speed=0.1),
            FootageShot(4.0, photos[1], speed=0.1, angle=2.0, dissolve=1.0, through_black=True),
        ],
        width=160,
        height=120,
    )
    feats = read_video_features(write_footage(spec, tmp_path / "black.mp4"))
    # without the rule the cut detector fires as the picture darkens and again as it comes back
    assert [s.transition for s in feats.shots[1:]] == ["fade"]
    assert abs(feats.cuts[0] - 4.0) <= 0.1
