"""A camera pan onto other colours is not a dissolve: the picture before is found again after, moved."""

from __future__ import annotations

import numpy as np
import pytest

from partita.picture import video
from partita.picture.footage import Footage, FootageShot, sample_photographs, write_footage
from partita.picture.synthetic import textured_still

STEP = (-1.5, -0.75)
"""The content's shift (pixels at the thumbnails' width) from one measured frame to the next."""


def _samples(frames: list[np.ndarray], steps: list[tuple[float, float]]) -> video._Samples:
    s = video._Samples()
    s.picture_times = [k / video.MOTION_RATE for k in range(len(frames))]
    s.thumbs = frames
    s.steps = steps
    return s


def _crop(world: np.ndarray, x: float, y: float) -> np.ndarray:
    return world[int(round(y)) : int(round(y)) + 45, int(round(x)) : int(round(x)) + 80].copy()


@pytest.fixture(scope="module")
def worlds():
    rng = np.random.default_rng(2)
    import cv2

    return [cv2.cvtColor(textured_still(rng, 200, 120), cv2.COLOR_BGR2GRAY) for _ in range(2)]


def test_a_pan_across_one_picture_is_read_as_a_pan(worlds):
    n = 33  # 4 s at 8 frames a second; the camera moves right and down, the content left and up
    frames = [_crop(worlds[0], 20 - k * STEP[0], 20 - k * STEP[1]) for k in range(n)]
    steps = [(0.0, 0.0)] + [STEP] * (n - 1)
    kept, pans = video._camera_pans(_samples(frames, steps), [2.0])
    assert kept == [] and pans == [2.0]


def test_a_cross_fade_between_two_pictures_is_kept_as_a_dissolve(worlds):
    n = 33
    frames = []
    for k in range(n):
        a = _crop(worlds[0], 20 - k * STEP[0], 20 - k * STEP[1]).astype(np.float32)
        b = _crop(worlds[1], 20 - k * STEP[0], 20 - k * STEP[1]).astype(np.float32)
        mix = float(np.clip((k / video.MOTION_RATE - 1.25) / 1.5, 0, 1))  # 1.5 s around 2 s
        frames.append(((1 - mix) * a + mix * b).astype(np.uint8))
    steps = [(0.0, 0.0)] + [STEP] * (n - 1)
    kept, pans = video._camera_pans(_samples(frames, steps), [2.0])
    assert kept == [2.0] and pans == []


def test_a_path_that_leaves_the_frame_decides_nothing(worlds):
    frames = [_crop(worlds[0], 10 + 5 * k, 10) for k in range(25)]  # 60 px of 80 in 1.5 s: too little shared
    steps = [(0.0, 0.0)] + [(-5.0, 0.0)] * 24
    kept, pans = video._camera_pans(_samples(frames, steps), [1.5])
    assert kept == [1.5] and pans == []


def test_the_grace_hopper_pan_read_as_two_dissolves_is_now_a_pan(tmp_path, monkeypatch):
    photos = {p.name: p for p in sample_photographs()}
    if "grace_hopper.jpg" not in photos:
        pytest.skip("matplotlib's sample photograph is not installed")
    # bench_picture_footage.py --seed 3 --black 1's video 9 from its second shot on: the camera panning up
    # and down the portrait (flag and face, then the dark uniform), a whip pan at 12.8 s
    spec = Footage(15.96, [FootageShot(0.0, str(photos["grace_hopper.jpg"]), 0.1605, 4.3112)], [(12.8, 0.5)])
    path = write_footage(spec, tmp_path / "pan.mp4")
    monkeypatch.setattr(video, "PAN_CHECK", False)
    before = video.read_video_features(path)
    monkeypatch.setattr(video, "PAN_CHECK", True)
    now = video.read_video_features(path)
    assert len(before.dissolves) >= 1  # the reader without the check: changes of shot where none is
    assert now.dissolves == [] and len(now.shots) == 1
    assert sorted(now.pans) == sorted(before.dissolves)


def test_a_drawn_dissolve_between_two_photographs_is_still_found(tmp_path):
    photos = sample_photographs()
    if len(photos) < 2:
        pytest.skip("fewer than 2 sample photographs installed")
    spec = Footage(
        7.0,
        [
            FootageShot(0.0, str(photos[0]), 0.1, 0.5),
            FootageShot(3.5, str(photos[1]), 0.2, 2.0, dissolve=1.2),
        ],
    )
    feats = video.read_video_features(write_footage(spec, tmp_path / "dissolve.mp4"))
    assert feats.pans == []
    assert len(feats.dissolves) == 1 and abs(feats.dissolves[0] - 3.5) < 0.25
