"""Image features: light, colour, warmth and edges as drawn; bad files refused in one line."""

from __future__ import annotations

import struct
import zlib

import cv2
import pytest
from tests.picture.pictures import COLD_DARK, WARM_BRIGHT, image

from partita.picture import read_image_features
from partita.picture.image import MAX_IMAGE_PIXELS, WORK_SIDE
from partita.score.errors import ScoreError


def test_bright_warm_and_dark_cold_images_read_as_drawn(write_image):
    warm = read_image_features(write_image("warm.png", image(WARM_BRIGHT)))
    cold = read_image_features(write_image("cold.png", image(COLD_DARK)))
    assert warm.brightness > 0.7 > 0.3 > cold.brightness
    assert warm.warmth > 0.5 and cold.warmth < -0.2
    assert warm.warm_share == 1.0 and cold.warm_share == 0.0
    assert 0 <= warm.dominant_hue < 60 and 180 <= cold.dominant_hue < 270
    assert (warm.width, warm.height) == (320, 240)


def test_texture_raises_contrast_and_edges_and_grey_has_no_hue(write_image):
    flat = read_image_features(write_image("flat.png", image((128, 128, 128))))
    busy = read_image_features(write_image("busy.png", image((128, 128, 128), texture=120)))
    assert flat.edge_density == 0 and flat.contrast < 0.01 and flat.dominant_hue is None
    assert busy.edge_density > 0.1 and busy.contrast > 0.2
    assert flat.saturation < 0.01 and flat.colourfulness < 0.01


def test_a_large_image_is_measured_downscaled_and_says_so(write_image):
    feats = read_image_features(write_image("big.jpg", image(WARM_BRIGHT, size=(1500, 2000))))
    assert (feats.width, feats.height) == (2000, 1500)
    assert any(f"long side of {WORK_SIDE}" in n for n in feats.notes)
    assert feats.brightness > 0.7


def _png_header(width: int, height: int) -> bytes:
    """A PNG that declares its size and holds (almost) no pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    out = b"\x89PNG\r\n\x1a\n"
    for kind, data in ((b"IHDR", ihdr), (b"IDAT", zlib.compress(b"\x00" * 16)), (b"IEND", b"")):
        out += struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return out


@pytest.mark.parametrize(
    "name,data,reason,message",
    [
        ("empty.png", b"", "empty", "the file is empty"),
        ("notes.jpg", b"these are words, not a picture\n" * 20, "unreadable", "not an image OpenCV can read"),
        ("cut.png", _png_header(64, 64) + b"\x00\x00", "unreadable", "not an image OpenCV can read"),
        ("huge.png", _png_header(12000, 12000), "too-large", "12000 x 12000 pixels is over the 64-megapixel"),
        ("bomb.png", _png_header(60000, 60000), "too-large", "over 179 megapixels is over the 64-megapixel"),
    ],
)
def test_bad_images_are_refused_in_one_line(tmp_path, name, data, reason, message):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ScoreError) as e:
        read_image_features(path)
    assert e.value.reason == reason and message in str(e.value) and "\n" not in str(e.value)
    assert str(path) in str(e.value)


def test_missing_file(tmp_path):
    with pytest.raises(ScoreError, match="no such image file"):
        read_image_features(tmp_path / "nothing.jpg")


def test_the_limit_is_about_pixels_not_bytes():
    assert MAX_IMAGE_PIXELS == 64_000_000


def test_an_animated_gif_is_read_from_its_first_frame(tmp_path):
    frames = [image(WARM_BRIGHT, size=(40, 50)), image(COLD_DARK, size=(40, 50))]
    path = tmp_path / "anim.gif"
    animation = cv2.Animation()
    animation.frames, animation.durations = frames, [100, 100]
    assert cv2.imwriteanimation(str(path), animation)
    feats = read_image_features(path)
    assert any("animated image of 2 frames: only its first frame was read" in n for n in feats.notes)
    assert feats.warmth > 0.3  # the first frame (warm), not the second or a mean
