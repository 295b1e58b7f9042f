"""Pictures made in code for the tests: images drawn with numpy, a video with known cuts and motion bursts."""

from __future__ import annotations

import numpy as np

from partita.picture.synthetic import SyntheticShot, SyntheticVideo

BLUE, RED, GREEN = (200, 80, 40), (40, 60, 220), (60, 200, 60)
WARM_BRIGHT, COLD_DARK = (90, 190, 250), (90, 40, 15)  # BGR: a light orange, a dark navy
SPEC = SyntheticVideo(
    10.0,
    [
        SyntheticShot(0.0, BLUE),
        SyntheticShot(3.0, RED, fade_to=(20, 30, 120)),  # a fade inside the shot is not a cut
        SyntheticShot(6.4, GREEN, speed=0.3),
    ],
    bursts=[(4.5, 0.5), (8.0, 0.4)],
)
"""Cuts at 3.0 s (frame 75) and 6.4 s (frame 160); motion bursts centred on 4.75 s and 8.2 s."""


def image(colour: tuple[int, int, int], size=(240, 320), texture: float = 0.0, seed: int = 0) -> np.ndarray:
    """A BGR picture of one colour, with random texture of amplitude ``texture`` (0-255) when asked."""
    rng = np.random.default_rng(seed)
    img = np.empty((*size, 3), dtype=np.float32)
    img[:] = colour
    if texture:
        img += rng.uniform(-texture, texture, size=(*size, 1))
    return np.clip(img, 0, 255).astype(np.uint8)
