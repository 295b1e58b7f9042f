"""Video features on videos drawn with known cuts, fades and motion bursts; bad videos refused in one line."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from tests.picture.pictures import BLUE, GREEN, SPEC

from partita.picture import read_video_features
from partita.picture.synthetic import SyntheticShot, SyntheticVideo, write_synthetic_video
from partita.score.errors import ScoreError


@pytest.fixture(scope="module")
def features(video_path):
    return read_video_features(video_path)


def test_the_cuts_are_found_within_a_frame_and_the_fade_is_not_a_cut(features):
    assert features.duration == pytest.approx(SPEC.duration)
    assert len(features.cuts) == len(SPEC.cuts) == 2
    for found, true in zip(features.cuts, SPEC.cuts, strict=True):
        assert abs(found - true) <= 1.0 / SPEC.fps + 1e-6
    assert [round(s.start, 2) for s in features.shots] == [0.0, 3.0, 6.4]


def test_the_motion_peaks_are_at_the_bursts(features):
    bursts = [a + d / 2 for a, d in SPEC.bursts]
    assert len(features.motion_peaks) == len(bursts)
    for peak, burst in zip(features.motion_peaks, bursts, strict=True):
        assert abs(peak - burst) <= 0.3
    # no motion is measured across a cut: the pair of frames there is a cut, not movement
    assert any(math.isnan(m) for m in features.motion)


def test_each_shot_has_the_colour_it_was_drawn_in(features):
    blue, red, green = features.shots
    assert blue.warmth < -0.3 < 0.3 < red.warmth
    assert green.brightness > max(blue.brightness, red.brightness)
    assert green.motion > blue.motion  # the square moves twice as fast in the green shot


def test_an_mjpg_avi_reads_the_same_cuts(tmp_path):
    spec = SyntheticVideo(4.0, [SyntheticShot(0, BLUE), SyntheticShot(2.0, GREEN)], fourcc="MJPG", fps=30)
    feats = read_video_features(write_synthetic_video(spec, tmp_path / "clip.avi"))
    assert feats.fps == 30 and len(feats.cuts) == 1 and abs(feats.cuts[0] - 2.0) <= 1 / 30 + 1e-6


def _zero_frame_video(path):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, (64, 48))
    writer.release()  # opened and closed without a frame: an AVI with its headers and no frame
    return path


def _still_picture(path):
    cv2.imwrite(str(path.with_suffix(".png")), np.zeros((48, 64, 3), np.uint8))
    path.with_suffix(".png").rename(path)  # OpenCV opens a picture as a video of one frame


@pytest.mark.parametrize(
    "make,reason,message",
    [
        (lambda p: p.write_bytes(b""), "empty", "the file is empty"),
        (
            lambda p: p.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40),
            "unreadable",
            "a corrupt file",
        ),
        (lambda p: p.write_text("a shopping list, not a video\n" * 50), "unreadable", "not a video OpenCV"),
        (_zero_frame_video, "empty", "the video has no frames that can be decoded"),
        (_still_picture, "not-video", "a single frame: a still picture, not a video"),
    ],
    ids=["empty", "corrupt", "text", "zero-frames", "picture"],
)
def test_bad_videos_are_refused_in_one_line(tmp_path, make, reason, message):
    path = tmp_path / ("clip.avi" if make is _zero_frame_video else "clip.mp4")
    make(path)
    with pytest.raises(ScoreError) as e:
        read_video_features(path)
    text = str(e.value)
    assert "\n" not in text and text.startswith(str(path))
    assert e.value.reason == reason and message in text


def test_a_video_over_the_limit_is_refused_not_sampled(video_path):
    with pytest.raises(ScoreError) as e:
        read_video_features(video_path, max_seconds=5)
    assert e.value.reason == "too-long"
    assert "0:10 long: partita scores videos of at most 0:05 (refused, not sampled" in str(e.value)


def test_a_still_video_has_no_motion_peaks(tmp_path):
    spec = SyntheticVideo(3.0, [SyntheticShot(0, BLUE, speed=0.0)])
    feats = read_video_features(write_synthetic_video(spec, tmp_path / "still.mp4"))
    assert feats.motion_peaks == [] and feats.cuts == []
    assert float(np.nanmax(feats.motion)) < 0.01
