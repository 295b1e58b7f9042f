"""Videos with a known answer, drawn with numpy and written with OpenCV: shots of a given colour cut at known
times, a textured square moving at a given speed, bursts of fast motion at known times, colour fades.

The tests and ``bench/bench_picture.py`` measure cut detection, motion peaks and the music's alignment on
these (the ground truth is the spec). They are not natural video: flat backgrounds and one moving object.

Stills with a known blur for the image reading (``bench/bench_picture_blur.py``): :func:`textured_still` (a
ground of shapes of every orientation), :func:`motion_blur` (a blur of known length and direction) and
:func:`paste_subject` (a sharp subject on a streaked ground: a panning shot).
"""

from __future__ import annotations

import math
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


def motion_blur(bgr: np.ndarray, length: float, angle: float) -> np.ndarray:
    """``bgr`` smeared as a camera or subject moving ``length`` pixels during the exposure in the direction
    ``angle`` (degrees counterclockwise from horizontal, as the picture is seen) does: a line kernel
    (anti-aliased, normalised) applied with reflected borders. ``length`` under 2 returns a copy."""
    if length < 2:
        return bgr.copy()
    size = int(math.ceil(length)) | 1  # odd, so the kernel has a centre
    canvas = np.zeros((size, size), np.uint8)
    c = size // 2
    dx, dy = math.cos(math.radians(angle)), -math.sin(math.radians(angle))  # y points down in an image
    half = (length - 1) / 2
    p0 = (int(round((c - half * dx) * 16)), int(round((c - half * dy) * 16)))
    p1 = (int(round((c + half * dx) * 16)), int(round((c + half * dy) * 16)))
    cv2.line(canvas, p0, p1, 255, 1, cv2.LINE_AA, shift=4)
    kernel = canvas.astype(np.float32)
    kernel /= kernel.sum()
    return cv2.filter2D(bgr, -1, kernel, borderType=cv2.BORDER_REFLECT)


def textured_still(rng: np.random.Generator, width: int = 512, height: int = 384) -> np.ndarray:
    """A still picture with a known absence of direction: a ground of a random hue and lightness, 60-150
    shapes of every orientation (discs, squares, lines) and grain, so that every block of it has texture
    and its gradients point every way. :func:`motion_blur` then gives it a known blur, and
    :func:`paste_subject` a sharp subject (a panning shot: the camera follows the subject, the ground
    streaks)."""
    hue = float(rng.uniform(0, 180))
    ground = _hsv_bgr(hue, rng.uniform(0.2, 0.8), rng.uniform(0.35, 0.85))
    img = np.full((height, width, 3), ground, dtype=np.uint8)
    for _ in range(int(rng.integers(60, 151))):
        colour = _hsv_bgr(hue + rng.uniform(-30, 30), rng.uniform(0.1, 0.9), rng.uniform(0.1, 1.0))
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(rng.integers(4, max(5, height // 6)))
        kind = int(rng.integers(0, 3))
        if kind == 0:
            cv2.circle(img, (x, y), r, colour, -1, cv2.LINE_AA)
        elif kind == 1:
            box = cv2.boxPoints(((x, y), (r, r), float(rng.uniform(0, 90))))
            cv2.fillPoly(img, [box.astype(np.int32)], colour, cv2.LINE_AA)
        else:
            a = rng.uniform(0, math.pi)
            end = (int(x + 2 * r * math.cos(a)), int(y + 2 * r * math.sin(a)))
            cv2.line(img, (x, y), end, colour, int(rng.integers(1, 4)), cv2.LINE_AA)
    grain = rng.normal(0, 6, size=(height, width, 1))
    return np.clip(img.astype(np.float32) + grain, 0, 255).astype(np.uint8)


def paste_subject(background: np.ndarray, subject: np.ndarray, share: float = 0.3) -> np.ndarray:
    """``background`` with the sharp ``subject`` (a picture of any size) scaled to ``share`` of its width
    and pasted in an ellipse at its centre."""
    height, width = background.shape[:2]
    w = max(2, int(width * share))
    h = max(2, int(w * subject.shape[0] / subject.shape[1]))
    h = min(h, height)
    small = cv2.resize(subject, (w, h), interpolation=cv2.INTER_AREA)
    mask = np.zeros((h, w), np.uint8)
    cv2.ellipse(mask, (w // 2, h // 2), (w // 2, h // 2), 0, 0, 360, 255, -1)
    out = background.copy()
    y, x = (height - h) // 2, (width - w) // 2
    region = out[y : y + h, x : x + w]
    region[mask > 0] = small[mask > 0]
    return out


def _hsv_bgr(hue: float, sat: float, value: float) -> tuple[int, int, int]:
    hsv = np.uint8([[[int(hue) % 180, int(255 * min(1, max(0, sat))), int(255 * min(1, max(0, value)))]]])
    return tuple(int(x) for x in cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0])
