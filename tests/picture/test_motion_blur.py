"""Motion blur in a still: read from the pixels (strength and direction) and read as motion by the mapping."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from partita.generation.picture import image_request, picture_affect
from partita.generation.picture_mapping import BLUR_FROM, blur_level
from partita.picture import frame_features, read_image_features
from partita.picture.image import streak_coherence
from partita.picture.synthetic import motion_blur, paste_subject, textured_still


def _angle_error(a: float, b: float) -> float:
    d = abs(a - b) % 180.0
    return min(d, 180.0 - d)


@pytest.fixture(scope="module")
def scene():
    return textured_still(np.random.default_rng(3))


def _coherence(bgr):
    return streak_coherence(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY))


def test_a_sharp_or_defocused_picture_has_no_streaks(scene):
    assert _coherence(scene)[0] < BLUR_FROM / 2
    assert _coherence(cv2.GaussianBlur(scene, (0, 0), 5))[0] < BLUR_FROM / 2


@pytest.mark.parametrize("angle", [0.0, 30.0, 90.0, 135.0])
def test_motion_blur_is_read_with_its_direction(scene, angle):
    coherence, direction = _coherence(motion_blur(scene, 16, angle))
    assert coherence > BLUR_FROM + 0.3
    assert _angle_error(direction, angle) < 5


def test_longer_blur_reads_stronger(scene):
    values = [_coherence(motion_blur(scene, n, 60.0))[0] for n in (0, 4, 8, 16, 32)]
    assert values == sorted(values)


def test_a_panning_shot_reads_blurred_despite_its_sharp_subject(scene):
    subject = textured_still(np.random.default_rng(4), 200, 200)
    panned = paste_subject(motion_blur(scene, 24, 0.0), subject)
    features = frame_features(panned)
    assert blur_level(features.motion_blur) > 0.5
    assert _angle_error(features.blur_direction, 0.0) < 5


def test_blur_raises_the_arousal_it_used_to_lower(scene, write_image):
    sharp = read_image_features(write_image("sharp.png", scene))
    blurred = read_image_features(write_image("blurred.png", motion_blur(scene, 24, 20.0)))
    old = picture_affect(dataclasses.replace(blurred, motion_blur=0.0))  # the reading before
    assert old.arousal < picture_affect(sharp).arousal  # fewer edges, less contrast: read as calmer
    assert picture_affect(blurred).arousal > picture_affect(sharp).arousal + 0.2
    before = image_request(dataclasses.replace(blurred, motion_blur=0.0), "", "blurred.png")
    now = image_request(blurred, "", "blurred.png")
    assert now.conditions.tempo_bpm > before.conditions.tempo_bpm + 15
    assert "motion blur" in now.explain()
    assert "motion blur" in blurred.describe()


def test_the_words_still_win_over_the_blur(scene):
    features = frame_features(motion_blur(scene, 24, 0.0))
    request = image_request(features, "a slow lullaby", "blurred.png")
    assert request.conditions.tempo_bpm < 100


def test_a_video_shot_reads_its_measured_motion_not_its_frames_blur(scene):
    features = frame_features(motion_blur(scene, 24, 0.0))
    still = dataclasses.replace(features, motion_blur=0.0)
    assert picture_affect(features, motion=0.01) == picture_affect(still, motion=0.01)


def test_the_running_cheetah_asks_for_fast_music_and_the_still_photographs_do_not_change():
    from partita.picture.footage import sample_photographs

    photos = {p.name: p for p in sample_photographs()}
    if "cheetah.jpg" not in photos:
        pytest.skip("Gradio's sample photographs are not installed")
    cheetah = read_image_features(photos["cheetah.jpg"])
    assert cheetah.motion_blur > 0.7 and _angle_error(cheetah.blur_direction, 0.0) < 10  # panned sideways
    assert image_request(cheetah, "", "cheetah.jpg").conditions.tempo_bpm >= 120  # was 94, an Andante
    for name, path in photos.items():
        if name != "cheetah.jpg":
            assert blur_level(read_image_features(path).motion_blur) == 0.0, name
