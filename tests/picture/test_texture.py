"""A still's arousal: texture is not activity, a dark tint is not saturation, a small picture's edges are
counted as a large one's (issue 26: the dahlia and the lion)."""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np
import pytest

from partita.generation.picture import image_request, picture_affect
from partita.picture import frame_features, read_image_features
from partita.picture.footage import sample_photographs


def _old(features):
    """The reading before: HSV saturation and every Canny edge."""
    return picture_affect(dataclasses.replace(features, lit_saturation=None, structure_density=None))


def _calm(rng: np.random.Generator) -> np.ndarray:
    """A ground and four large discs: a calm composition with few outlines."""
    img = np.full((384, 512, 3), (90, 140, 170), np.uint8)
    for _ in range(4):
        centre = (int(rng.integers(60, 450)), int(rng.integers(60, 320)))
        colour = tuple(int(c) for c in rng.integers(40, 220, 3))
        cv2.circle(img, centre, int(rng.integers(40, 90)), colour, -1, cv2.LINE_AA)
    return img


def _fur(img: np.ndarray, rng: np.random.Generator, strokes: int = 6000) -> np.ndarray:
    """Short thin strokes of every orientation, lighter and darker: fine isotropic texture."""
    layer = np.zeros(img.shape[:2], np.float32)
    for _ in range(strokes):
        x, y = float(rng.uniform(0, img.shape[1])), float(rng.uniform(0, img.shape[0]))
        a, n = rng.uniform(0, math.pi), rng.uniform(3, 8)
        end = (int(x + n * math.cos(a)), int(y + n * math.sin(a)))
        cv2.line(layer, (int(x), int(y)), end, float(rng.choice([-1, 1]) * rng.uniform(30, 70)), 1)
    return np.clip(img.astype(np.float32) + layer[..., None], 0, 255).astype(np.uint8)


def _busy(img: np.ndarray, rng: np.random.Generator, n: int = 40) -> np.ndarray:
    """``n`` more shapes and thick lines: a busier composition (outlines, not texture)."""
    out = img.copy()
    for _ in range(n):
        x, y = int(rng.integers(0, 512)), int(rng.integers(0, 384))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            cv2.circle(out, (x, y), int(rng.integers(8, 40)), colour, -1, cv2.LINE_AA)
        else:
            a = rng.uniform(0, math.pi)
            end = (int(x + 80 * math.cos(a)), int(y + 80 * math.sin(a)))
            cv2.line(out, (x, y), end, colour, int(rng.integers(3, 8)), cv2.LINE_AA)
    return out


@pytest.fixture(scope="module")
def calm():
    return _calm(np.random.default_rng(0))


def test_texture_does_not_read_as_structure(calm):
    plain = frame_features(calm)
    furry = frame_features(_fur(calm, np.random.default_rng(1)))
    assert furry.edge_density > 5 * plain.edge_density + 0.05  # every Canny edge: the fur dominates
    assert furry.structure_density < plain.structure_density + 0.01  # without texture: the same outlines
    assert furry.texture_share > 0.8


def test_texture_barely_raises_the_arousal_it_used_to(calm):
    plain = frame_features(calm)
    furry = frame_features(_fur(calm, np.random.default_rng(1)))
    old_rise = _old(furry).arousal - _old(plain).arousal
    assert old_rise > 0.3  # before: fur read as activity
    # what is left is the texture's share of the RMS contrast (the contrast term is as before)
    assert picture_affect(furry).arousal - picture_affect(plain).arousal < 0.25 * old_rise


def test_a_busier_composition_still_reads_busier(calm):
    rng = np.random.default_rng(2)
    furry = frame_features(_fur(calm, np.random.default_rng(1)))
    busy_furry = frame_features(_fur(_busy(calm, rng), np.random.default_rng(1)))
    assert busy_furry.structure_density > furry.structure_density + 0.01


def test_a_dark_tint_is_not_read_as_saturation():
    def ground(sat: float, value: float) -> np.ndarray:
        hsv = np.full((384, 512, 3), (60, int(sat * 255), int(value * 255)), np.uint8)  # a teal ground
        img = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)
        cv2.circle(img, (256, 192), 90, (60, 150, 250), -1, cv2.LINE_AA)  # an orange subject
        return img

    def gap(affect, value: float) -> float:  # the arousal S 0.9 adds over S 0.1 at this value
        return (
            affect(frame_features(ground(0.9, value))).arousal
            - affect(frame_features(ground(0.1, value))).arousal
        )

    dark_tinted = frame_features(ground(0.9, 0.12))
    assert dark_tinted.saturation > 0.7  # HSV S: near 1 for a faintly tinted near-black
    assert dark_tinted.lit_saturation < 0.5 * dark_tinted.saturation
    assert gap(_old, 0.12) > 0.9 * gap(_old, 0.8)  # before: a near-black ground's tint as a lit colour's
    assert gap(picture_affect, 0.12) < 0.6 * gap(picture_affect, 0.8)
    light = frame_features(ground(0.9, 0.8))
    assert light.lit_saturation == pytest.approx(light.saturation, abs=1e-3)  # a lit colour: as before


def test_a_small_picture_counts_its_edges_as_a_large_one_does(calm):
    picture = _busy(calm, np.random.default_rng(3))
    small = cv2.resize(picture, (256, 192), interpolation=cv2.INTER_AREA)
    large, little = frame_features(picture), frame_features(small)
    assert little.edge_density > 1.4 * large.edge_density  # a line covers twice the share at half the size
    assert little.structure_density == pytest.approx(large.structure_density, rel=0.35)


def test_a_video_shot_reads_as_before():
    features = frame_features(_fur(_calm(np.random.default_rng(4)), np.random.default_rng(5)))
    shot = dataclasses.replace(features, lit_saturation=None, structure_density=None)  # as Shot.picture()
    affect = picture_affect(shot, motion=0.05)
    assert "edge_density" in affect.reasons and "structure" not in affect.reasons
    assert picture_affect(features, motion=0.05).arousal != affect.arousal


def test_the_explanation_names_what_the_arousal_read(calm, tmp_path):
    path = tmp_path / "furry.png"
    cv2.imwrite(str(path), _fur(calm, np.random.default_rng(1)))
    features = read_image_features(path)
    text = image_request(features, "", "furry.png").explain()
    assert "structure" in text and "lit saturation" in text
    assert "structure" in features.describe() and "were texture" in features.describe()


PHOTOS = {p.name: p for p in sample_photographs()}


@pytest.mark.parametrize("name", ["flower.jpg", "lion.jpg"])
def test_the_dahlia_and_the_lion_read_calmer(name):
    """The two photographs the change was made for (so not an independent test: a regression guard)."""
    if name not in PHOTOS:
        pytest.skip(f"{name} is not installed")
    features = read_image_features(PHOTOS[name])
    before, now = _old(features), picture_affect(features)
    assert before.arousal > 0.3  # 123 bpm: restless music for a still flower, a busy one for a resting lion
    assert now.arousal < 0.1
    assert now.valence == before.valence  # the valence reads as before (HSV saturation, weight 0.15)
