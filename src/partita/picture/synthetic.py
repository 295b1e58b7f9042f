"""Videos with a known answer, drawn with numpy and written with OpenCV: shots of a given colour cut at known
times, a textured square moving at a given speed, bursts of fast motion at known times, colour fades.

The tests and ``bench/bench_picture.py`` measure cut detection, motion peaks and the music's alignment on
these (the ground truth is the spec). They are not natural video: flat backgrounds and one moving object.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from partita.atomic import atomic_path

Colour = tuple[int, int, int]


@dataclass
class SyntheticShot:
    """One shot: from ``start`` (seconds) on, a background of ``colour`` (BGR), fading to ``fade_to`` by the
    shot's end when given, and the square moving at ``speed`` frame widths a second."""

    start: float
    colour: Colour
    speed: float = 0.15
    fade_to: Colour | None = None


@dataclass
class SyntheticVideo:
    """A whole video: its shots, bursts of fast motion as (start, seconds), and its format."""

    duration: float
    shots: list[SyntheticShot]
    bursts: list[tuple[float, float]] = field(default_factory=list)
    burst_speed: float = 2.5
    width: int = 160
    height: int = 120
    fps: float = 25.0
    fourcc: str = "mp4v"
    seed: int = 0

    @property
    def cuts(self) -> list[float]:
        """The cut times as written: each shot's start but the first, on a frame."""
        return [round(s.start * self.fps) / self.fps for s in self.shots[1:]]


def write_synthetic_video(spec: SyntheticVideo, path: str | os.PathLike) -> Path:
    """Write ``spec`` as a video file (atomically; ``mp4v`` in .mp4 or ``MJPG`` in .avi work with
    opencv-python-headless) and return its path."""
    path = Path(path)
    rng = np.random.default_rng(spec.seed)
    noise = rng.integers(-12, 13, size=(spec.height, spec.width, 1), dtype=np.int16)
    side = max(8, spec.height // 4)
    texture = rng.integers(0, 256, size=(side, side, 3), dtype=np.uint8)
    n = int(round(spec.duration * spec.fps))
    xs = _positions(spec, n, spec.width - side)
    frames = (_frame(spec, i / spec.fps, int(xs[i]), noise, texture) for i in range(n))
    return write_frames(path, frames, spec.fps, (spec.width, spec.height), spec.fourcc)


def write_frames(
    path: str | os.PathLike, frames: Iterable[np.ndarray], fps: float, size: tuple[int, int], fourcc: str
) -> Path:
    """Write BGR ``frames`` of ``size`` (width, height) as a video file at ``path`` (atomically)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*fourcc), fps, size)
        if not writer.isOpened():
            raise RuntimeError(f"OpenCV cannot write {fourcc} video here")
        try:
            for frame in frames:
                writer.write(frame)
        finally:
            writer.release()
    return path


def _shot_at(spec: SyntheticVideo, t: float) -> tuple[SyntheticShot, float]:
    """The shot at time ``t`` and how far through it ``t`` is (0 to 1)."""
    starts = [round(s.start * spec.fps) / spec.fps for s in spec.shots]
    k = max(i for i, s in enumerate(starts) if s <= t + 1e-9)
    end = starts[k + 1] if k + 1 < len(starts) else spec.duration
    return spec.shots[k], (t - starts[k]) / max(end - starts[k], 1e-9)


def _speed(spec: SyntheticVideo, t: float) -> float:
    if any(a <= t < a + d for a, d in spec.bursts):
        return spec.burst_speed
    return _shot_at(spec, t)[0].speed


def _positions(spec: SyntheticVideo, n: int, span: int) -> np.ndarray:
    """The square's x at each frame: the distance travelled, folded back and forth across the frame."""
    steps = np.array([_speed(spec, i / spec.fps) * spec.width / spec.fps for i in range(n)])
    travelled = np.concatenate([[0.0], np.cumsum(steps)[:-1]])
    folded = np.mod(travelled, 2 * span)
    return np.where(folded <= span, folded, 2 * span - folded)


def _frame(spec: SyntheticVideo, t: float, x: int, noise: np.ndarray, texture: np.ndarray) -> np.ndarray:
    shot, through = _shot_at(spec, t)
    colour = np.asarray(shot.colour, dtype=np.float32)
    if shot.fade_to is not None:
        colour = colour + (np.asarray(shot.fade_to, dtype=np.float32) - colour) * through
    frame = np.clip(colour[None, None, :] + noise, 0, 255).astype(np.uint8)
    side = texture.shape[0]
    y = (spec.height - side) // 2
    frame[y : y + side, x : x + side] = texture
    return frame
