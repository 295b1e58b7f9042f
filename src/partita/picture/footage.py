"""Videos made from photographs, with a known answer: each shot a photograph seen through a camera that pans
across it at a known speed, shots joined by a hard cut or a dissolve (a cross-fade) of known length, and
whip pans (bursts of fast camera motion) at known times.

Closer to natural video than :mod:`partita.picture.synthetic` (flat backgrounds and one moving square): the
whole frame moves, as under camera motion, textures and colours are a photograph's, and a shot may change
into the next gradually. Still not natural video: no objects moving on their own, no zooms, no lighting
changes, no compression artefacts of a camera's own.

The photographs are those the installed packages ship (:func:`sample_photographs`: scikit-learn's sample
images, matplotlib's sample data, Gradio's media assets); nothing is downloaded.
"""

from __future__ import annotations

import importlib.util
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from partita.picture.synthetic import write_frames

PHOTOGRAPHS = (
    ("sklearn", "datasets/images/china.jpg"),
    ("sklearn", "datasets/images/flower.jpg"),
    ("matplotlib", "mpl-data/sample_data/grace_hopper.jpg"),
    ("gradio", "media_assets/images/cheetah.jpg"),
    ("gradio", "media_assets/images/lion.jpg"),
    ("gradio", "media_assets/images/tower.jpg"),
    ("gradio", "media_assets/images/groot.jpeg"),
    ("gradio", "test_data/cheetah2.jpg"),
)
"""Photographs shipped inside installed packages, as (package, path inside it)."""

OVERSCAN = 1.5
"""How much larger than the frame a photograph is scaled, so the camera has room to pan."""


def sample_photographs() -> list[Path]:
    """The paths of the :data:`PHOTOGRAPHS` that the installed packages carry (those missing are left out)."""
    found = []
    for package, inside in PHOTOGRAPHS:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        path = Path(next(iter(spec.submodule_search_locations))) / inside
        if path.is_file():
            found.append(path)
    return found


@dataclass
class FootageShot:
    """One shot: from ``start`` (seconds) on, the photograph at ``photo`` panned across at ``speed`` frame
    widths a second in the direction ``angle`` (radians), reached from the shot before by a dissolve of
    ``dissolve`` seconds centred on ``start`` (0: a hard cut)."""

    start: float
    photo: str
    speed: float = 0.1
    angle: float = 0.0
    dissolve: float = 0.0
    through_black: bool = False
    """The dissolve as a fade to black and up from it (each half of it), not a cross-fade."""


@dataclass
class Footage:
    """A whole video: its shots, whip pans as (start, seconds), and its format."""

    duration: float
    shots: list[FootageShot]
    bursts: list[tuple[float, float]] = field(default_factory=list)
    burst_speed: float = 1.5
    width: int = 320
    height: int = 180
    fps: float = 25.0
    fourcc: str = "mp4v"

    @property
    def cuts(self) -> list[float]:
        """The hard cuts, on a frame."""
        return [round(s.start * self.fps) / self.fps for s in self.shots[1:] if s.dissolve <= 0]

    @property
    def dissolves(self) -> list[float]:
        """The dissolves' middles, on a frame."""
        return [round(s.start * self.fps) / self.fps for s in self.shots[1:] if s.dissolve > 0]

    @property
    def transitions(self) -> list[float]:
        """Every change of shot (cuts and dissolves' middles), in order."""
        return sorted([*self.cuts, *self.dissolves])


def write_footage(spec: Footage, path: str | os.PathLike) -> Path:
    """Write ``spec`` as a video file (atomically) and return its path."""
    n = int(round(spec.duration * spec.fps))
    pictures = [_scaled(shot.photo, spec.width, spec.height) for shot in spec.shots]
    tracks = [_camera(spec, k, n) for k in range(len(spec.shots))]
    frames = (_frame(spec, i, pictures, tracks) for i in range(n))
    return write_frames(path, frames, spec.fps, (spec.width, spec.height), spec.fourcc)


def _scaled(photo: str, width: int, height: int) -> np.ndarray:
    image = cv2.imread(str(photo), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{photo}: not an image OpenCV can read")
    scale = OVERSCAN * max(width / image.shape[1], height / image.shape[0])
    size = (math.ceil(image.shape[1] * scale), math.ceil(image.shape[0] * scale))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _speed(spec: Footage, k: int, t: float) -> float:
    if any(a <= t < a + d for a, d in spec.bursts):
        return spec.burst_speed
    return spec.shots[k].speed


def _camera(spec: Footage, k: int, n: int) -> np.ndarray:
    """Shot ``k``'s camera offset (x, y pixels into the scaled photograph) at every frame: the distance
    travelled along its direction, folded back and forth inside the room the overscan leaves."""
    shot = spec.shots[k]
    room = np.array([(OVERSCAN - 1) * spec.width, (OVERSCAN - 1) * spec.height])
    steps = np.array([_speed(spec, k, i / spec.fps) * spec.width / spec.fps for i in range(n)])
    travelled = np.concatenate([[0.0], np.cumsum(steps)[:-1]])
    along = np.outer(travelled, [math.cos(shot.angle), math.sin(shot.angle)]) + room / 2
    folded = np.mod(along, 2 * room)
    return np.where(folded <= room, folded, 2 * room - folded)


def _view(picture: np.ndarray, offset: np.ndarray, width: int, height: int) -> np.ndarray:
    """The frame the camera sees at ``offset`` (sub-pixel: a slow pan moves a little at every frame)."""
    centre = (float(offset[0]) + (width - 1) / 2.0, float(offset[1]) + (height - 1) / 2.0)
    return cv2.getRectSubPix(picture, (width, height), centre)


def _frame(spec: Footage, i: int, pictures: list[np.ndarray], tracks: list[np.ndarray]) -> np.ndarray:
    t = i / spec.fps
    starts = [round(s.start * spec.fps) / spec.fps for s in spec.shots]
    k = max(j for j, s in enumerate(starts) if s <= t + 1e-9)
    frame = _view(pictures[k], tracks[k][i], spec.width, spec.height)
    # a dissolve into shot j runs from its start - d/2 to its start + d/2
    for j in (k, k + 1):
        if 0 < j < len(spec.shots) and spec.shots[j].dissolve > 0:
            d = spec.shots[j].dissolve
            mix = (t - (starts[j] - d / 2)) / d
            if 0.0 < mix < 1.0:
                before = _view(pictures[j - 1], tracks[j - 1][i], spec.width, spec.height)
                after = _view(pictures[j], tracks[j][i], spec.width, spec.height)
                if spec.shots[j].through_black:
                    frame = cv2.convertScaleAbs(before if mix < 0.5 else after, alpha=abs(1.0 - 2.0 * mix))
                else:
                    frame = cv2.addWeighted(before, 1.0 - mix, after, mix, 0.0)
    return frame
