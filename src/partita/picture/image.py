"""What a still picture is made of, read with OpenCV: light, colour, contrast, edges and warmth.

:func:`read_image_features` reads an image file into :class:`ImageFeatures`; :func:`frame_features` measures a
decoded frame (a BGR array), so that a video's frames are measured the same way. Nothing here understands
what the picture shows (no vision model is available offline): only the statistics of its pixels.

Bad input is refused with a one-line :class:`~partita.score.errors.ScoreError`: a missing file, a file
OpenCV cannot decode (corrupt, or not an image), an image over :data:`MAX_IMAGE_PIXELS` (refused before it is
decoded, from its header). An image under the limit but larger than :data:`WORK_SIDE` is measured downscaled
(the statistics of a picture do not need its full resolution). An animated GIF is read from its first frame,
and :attr:`ImageFeatures.notes` says so.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

from partita.score.errors import ScoreError

log = logging.getLogger(__name__)

MAX_IMAGE_PIXELS = 64_000_000
"""The largest image read (64 megapixels, e.g. 8000 x 8000); a larger one is refused from its header, before
it is decoded (a small PNG can decode into gigabytes)."""
MAX_IMAGE_BYTES = 200 * 2**20
"""The largest image file read (200 MiB)."""
WORK_SIDE = 512
"""Images are measured with their long side at most this many pixels (INTER_AREA downscaling)."""
HUE_BINS = 12
"""The hue histogram's bins (30 degrees each: red, orange, yellow, ...)."""
CANNY_THRESHOLDS = (100, 200)
BLUR_BLOCKS = 16
"""Motion blur is read over square blocks of 1/16 of the long side (32 pixels at :data:`WORK_SIDE`)."""
BLUR_DETAIL_SIGMA = 2.0
"""Motion blur is read on the picture's fine detail: the grey picture less its Gaussian blur of this sigma
(pixels at :data:`WORK_SIDE`). A broad ramp (an edge smeared across the motion) has none, so it does not vote
against the streaks; texture smeared along the motion becomes fine streaks that do."""
BLUR_MIN_ENERGY = 3e-4
"""A block whose detail's mean squared Sobel gradient (grey 0-1) is under this is flat (sky, a blank wall, a
defocused ground) and casts no vote on the blur's direction."""
BLUR_MIN_TEXTURED = 0.5
"""The coherence is scaled down where fewer than this share of the blocks are textured (a defocused picture
with a few textured blocks is no evidence of motion)."""
TEXTURE_MEDIAN = 5
"""Texture is the detail a median filter this many pixels wide (at :data:`WORK_SIDE`) takes away: fur, grass,
foliage, grain, stone, anything fine-grained; the outlines of things and the lines of a composition, wider
than it, stay (:func:`structure_edges`)."""
DARK_VALUE = 0.5
"""Under this HSV value a pixel's saturation counts in proportion to its value
(:attr:`ImageFeatures.lit_saturation`): HSV's S is (max - min) / max, near 1 for any faintly tinted
near-black pixel."""


@dataclass
class ImageFeatures:
    """The statistics of a picture that partita maps onto music. All in [0, 1] unless said otherwise."""

    brightness: float
    """Mean lightness (CIELAB L*, 0 black to 1 white)."""
    saturation: float
    """Mean saturation (HSV S)."""
    contrast: float
    """RMS contrast: the standard deviation of lightness, over its largest possible value (0.5)."""
    colourfulness: float
    """Hasler and Suesstrunk's M (2003) over 100: 0 grey, about 0.33 moderately, 0.59 quite, 0.82 extremely
    colourful (may exceed 1)."""
    edge_density: float
    """The share of pixels on a Canny edge (thresholds 100/200 on the downscaled grey image)."""
    warmth: float
    """Red-blue balance, -1 (all blue) to 1 (all red): mean (R - B) / 255."""
    hue_histogram: list[float]
    """The share of saturated pixels (S and V above 0.2) in each 30-degree hue bin, from red (0-30) on; all
    zero for a grey picture."""
    dominant_hue: float | None
    """The centre (degrees) of the fullest hue bin, or None when under 5% of the pixels are saturated."""
    warm_share: float
    """The share of saturated pixels with a warm hue (red, orange, yellow: under 60 or from 330 degrees)."""
    width: int = 0
    height: int = 0
    """The picture's size as stored (before downscaling)."""
    notes: list[str] = field(default_factory=list)
    motion_blur: float = 0.0
    """Streak coherence, a measure of directional (motion) blur: the coherence (lambda1 - lambda2) /
    (lambda1 + lambda2) of the mean over the textured blocks of each block's gradient structure tensor (of
    the picture's fine detail) normalised by its trace (:func:`streak_coherence`). 0 when the blocks'
    gradients point every way (a sharp picture: edges of many directions; or a defocused one), near 1 when
    every textured block is smooth along the same direction (a panned or motion-blurred picture: streaks). A
    picture of parallel lines (a fence, rain, wood grain) reads high too: it cannot be told from blur by
    this measure. Read for a still; the mapping leaves it out for a video's frames (their motion is
    measured)."""
    blur_direction: float | None = None
    """The direction (degrees, 0 horizontal, 90 vertical, 0-180) along which the blocks are smooth (the
    streaks' direction), or None when no block is textured."""
    lit_saturation: float | None = None
    """Mean saturation with a dark pixel's counted in proportion to its value: S x min(1, V /
    :data:`DARK_VALUE`), i.e. its chroma (max - min) over half the range below half value. A dark ground
    with a tint (a defocused green behind a flower: HSV S 0.9 at V 0.2) reads as the weak colour it shows.
    None where not measured (a video shot's mean colour): the mapping then reads :attr:`saturation`."""
    structure_density: float | None = None
    """The share of pixels on a Canny edge once texture is taken away (a median filter of
    :data:`TEXTURE_MEDIAN` pixels first), counted as at :data:`WORK_SIDE` whatever the picture's size
    (:func:`structure_edges`): the outlines and lines of the composition, not fur or foliage. None where
    not measured: the mapping then reads :attr:`edge_density`."""
    texture_share: float | None = None
    """The share of the Canny edges that are texture (gone under the median filter), 0-1."""

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        """The features as lines, as ``--explain`` shows them."""
        hue = "none (grey)" if self.dominant_hue is None else f"{self.dominant_hue:.0f} deg"
        rows = [
            ("size", f"{self.width} x {self.height}"),
            ("brightness", f"{self.brightness:.2f}"),
            ("saturation", f"{self.saturation:.2f}"),
            ("contrast", f"{self.contrast:.2f}"),
            ("colourfulness", f"{self.colourfulness:.2f}"),
            ("edge density", f"{self.edge_density:.3f}"),
            ("warmth", f"{self.warmth:+.2f} (red-blue balance)"),
            ("motion blur", _blur_text(self.motion_blur, self.blur_direction)),
            *_structure_rows(self),
            ("dominant hue", hue),
            ("warm hues", f"{self.warm_share:.2f} of the coloured pixels"),
        ]
        lines = [f"  {k:14s} {v}" for k, v in rows]
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


def frame_features(bgr: np.ndarray) -> ImageFeatures:
    """The features of one decoded picture (a BGR uint8 array, as OpenCV decodes it)."""
    if bgr.ndim == 2:
        bgr = cv2.cvtColor(bgr, cv2.COLOR_GRAY2BGR)
    height, width = bgr.shape[:2]
    small = downscale(bgr, WORK_SIDE)
    f = small.astype(np.float32)
    b, g, r = f[..., 0], f[..., 1], f[..., 2]
    lightness = cv2.cvtColor(small, cv2.COLOR_BGR2LAB)[..., 0].astype(np.float32) / 255.0
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    sat = hsv[..., 1].astype(np.float32) / 255.0
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    edges = cv2.Canny(grey, *CANNY_THRESHOLDS)
    hist, dominant, warm = _hues(hsv)
    streaks, direction = streak_coherence(grey)
    structure, texture = structure_edges(grey)
    lit = sat * np.minimum(1.0, hsv[..., 2].astype(np.float32) / (255.0 * DARK_VALUE))
    return ImageFeatures(
        brightness=_r(lightness.mean()),
        saturation=_r(sat.mean()),
        contrast=_r(lightness.std() / 0.5),
        colourfulness=_r(_colourfulness(r, g, b) / 100.0),
        edge_density=_r(np.count_nonzero(edges) / edges.size),
        warmth=_r((r - b).mean() / 255.0),
        hue_histogram=[_r(x) for x in hist],
        dominant_hue=dominant,
        warm_share=_r(warm),
        width=int(width),
        height=int(height),
        motion_blur=_r(streaks),
        blur_direction=direction,
        lit_saturation=_r(lit.mean()),
        structure_density=_r(structure),
        texture_share=_r(texture),
    )


def structure_edges(grey: np.ndarray) -> tuple[float, float]:
    """The edge density of a grey picture (uint8, long side at most :data:`WORK_SIDE`) once its texture is
    taken away, and the share of its edges that were texture (:attr:`ImageFeatures.structure_density`).

    A median filter of :data:`TEXTURE_MEDIAN` pixels removes detail finer than itself (fur, foliage, grain:
    spots and strands a few pixels wide) and keeps a step between two regions where it was, so the Canny
    edges left are the outlines of things. A smaller picture is filtered with a proportionally smaller
    median (at least 3) and its density counted as at :data:`WORK_SIDE`: an edge is a line a pixel wide, so
    at half the size it covers twice the share of the pixels (Gradio's 256-pixel lion: all edges 0.21 at its
    own size, 0.14 enlarged to 512 bicubically; enlarging is not used, its edges depend on the
    interpolation)."""
    side = max(grey.shape[:2])
    if side < 8:
        return 0.0, 0.0
    scale = min(1.0, side / WORK_SIDE)
    k = max(3, 2 * int(round((TEXTURE_MEDIAN * scale - 1) / 2)) + 1)
    raw = np.count_nonzero(cv2.Canny(grey, *CANNY_THRESHOLDS))
    kept = np.count_nonzero(cv2.Canny(cv2.medianBlur(grey, k), *CANNY_THRESHOLDS))
    texture = max(0.0, 1.0 - kept / raw) if raw else 0.0
    return float(kept / grey.size * scale), float(texture)


def _structure_rows(f: ImageFeatures) -> list[tuple[str, str]]:
    rows = []
    if f.lit_saturation is not None:
        rows.append(("lit saturation", f"{f.lit_saturation:.2f} (dark pixels' tint counted by their value)"))
    if f.structure_density is not None:
        share = f.texture_share or 0.0
        rows.append(
            ("structure", f"{f.structure_density:.3f} (edges without texture; {share:.0%} were texture)")
        )
    return rows


def _blur_text(coherence: float, direction: float | None) -> str:
    if direction is None:
        return f"{coherence:.2f} (streak coherence; no textured block)"
    return f"{coherence:.2f} (streak coherence), streaks at {direction:.0f} deg"


def streak_coherence(grey: np.ndarray) -> tuple[float, float | None]:
    """Directional blur in a grey picture (uint8): the streak coherence and the streaks' direction (degrees,
    0-180, 0 horizontal), as :attr:`ImageFeatures.motion_blur` describes.

    Motion blur (a moving subject, or a camera panning with one) smooths the picture along the motion, so
    every block's gradients point across it, whatever the block shows; in a sharp picture each block's
    gradients follow its own edges, which point many ways across the picture. Each block's structure tensor
    (the mean of gx^2, gy^2, gx gy over the block, Sobel) is divided by its trace so that every textured
    block votes equally, however strong its contrast; the coherence of their mean is 1 when all agree on
    one direction and 0 when they cancel. It is read on the fine detail (:data:`BLUR_DETAIL_SIGMA`), over the
    textured blocks (:data:`BLUR_MIN_ENERGY`), and scaled down where under half the blocks are textured
    (:data:`BLUR_MIN_TEXTURED`)."""
    g = grey.astype(np.float32) / 255.0
    g = g - cv2.GaussianBlur(g, (0, 0), BLUR_DETAIL_SIGMA)  # the fine detail: motion blur takes it away
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    height, width = g.shape
    block = max(4, max(height, width) // BLUR_BLOCKS)
    hb, wb = height // block, width // block
    if hb == 0 or wb == 0:
        return 0.0, None

    def means(a: np.ndarray) -> np.ndarray:
        return a[: hb * block, : wb * block].reshape(hb, block, wb, block).mean(axis=(1, 3))

    jxx, jyy, jxy = means(gx * gx), means(gy * gy), means(gx * gy)
    trace = jxx + jyy
    textured = trace > BLUR_MIN_ENERGY
    if not textured.any():
        return 0.0, None
    mxx, myy, mxy = (float((j[textured] / trace[textured]).mean()) for j in (jxx, jyy, jxy))
    coherence = float(np.hypot(mxx - myy, 2.0 * mxy))  # the mean tensor's trace is 1
    coherence *= min(1.0, float(textured.mean()) / BLUR_MIN_TEXTURED)
    across = 0.5 * np.degrees(np.arctan2(2.0 * mxy, mxx - myy))  # the gradients' mean direction (image axes)
    along = float((-(across + 90.0)) % 180.0)  # the streaks, at right angles; y points down in an image
    return coherence, round(along, 1) % 180.0


def _r(x: float) -> float:
    return round(float(x), 4)


def _colourfulness(r: np.ndarray, g: np.ndarray, b: np.ndarray) -> float:
    """Hasler and Suesstrunk's colourfulness metric M (2003)."""
    rg = r - g
    yb = 0.5 * (r + g) - b
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def _hues(hsv: np.ndarray) -> tuple[list[float], float | None, float]:
    """The hue histogram of the saturated pixels, its dominant hue (degrees) and the warm hues' share."""
    h = hsv[..., 0].astype(np.int32) * 2  # OpenCV stores hue / 2 in 8 bits
    coloured = (hsv[..., 1] > 51) & (hsv[..., 2] > 51)
    n = int(np.count_nonzero(coloured))
    if n == 0:
        return [0.0] * HUE_BINS, None, 0.0
    hues = h[coloured]
    counts = np.bincount(np.minimum(hues // (360 // HUE_BINS), HUE_BINS - 1), minlength=HUE_BINS)
    hist = counts / n
    dominant = None
    if n >= 0.05 * coloured.size:
        dominant = float(np.argmax(counts) * (360 // HUE_BINS) + 180 // HUE_BINS)
    warm = float(np.count_nonzero((hues < 60) | (hues >= 330)) / n)
    return hist.tolist(), dominant, warm


def downscale(bgr: np.ndarray, side: int) -> np.ndarray:
    """``bgr`` with its long side at most ``side`` pixels (INTER_AREA), or itself when already that small."""
    height, width = bgr.shape[:2]
    scale = side / max(height, width)
    if scale >= 1.0:
        return bgr
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)


def read_image_features(path: str | os.PathLike) -> ImageFeatures:
    """The :class:`ImageFeatures` of the image file at ``path`` (any format OpenCV reads: JPEG, PNG, WebP,
    BMP, TIFF, GIF, ...); a :class:`ScoreError` with one clear line when it cannot be read."""
    p = Path(path)
    name = str(path)
    if not p.is_file():
        raise ScoreError("no such image file", "missing", name)
    size = p.stat().st_size
    if size == 0:
        raise ScoreError("the file is empty", "empty", name)
    if size > MAX_IMAGE_BYTES:
        raise ScoreError(
            f"{size / 2**20:.0f} MiB is over the {MAX_IMAGE_BYTES / 2**20:.0f} MiB limit for an image",
            "too-large",
            name,
        )
    notes = _check_header(p, name)
    bgr = cv2.imread(str(p), _read_flag(p))
    if bgr is None:
        raise ScoreError(
            "not an image OpenCV can read (a corrupt file, or not a picture: JPEG, PNG, WebP, BMP, TIFF or "
            "GIF)",
            "unreadable",
            name,
        )
    feats = frame_features(bgr)
    width, height = _header_size(p) or (feats.width, feats.height)  # a JPEG may be decoded reduced
    feats.width, feats.height = int(width), int(height)
    feats.notes = notes + _animation_notes(p) + feats.notes
    if max(width, height) > WORK_SIDE:
        feats.notes.append(f"measured downscaled to a long side of {WORK_SIDE} pixels")
    log.info("read %s: brightness %.2f, warmth %+.2f", name, feats.brightness, feats.warmth)
    return feats


def _read_flag(path: Path) -> int:
    """Decode a large JPEG at a reduced scale (libjpeg scales while decoding: bounded memory)."""
    dims = _header_size(path)
    if not dims or path.suffix.lower() not in (".jpg", ".jpeg"):
        return cv2.IMREAD_COLOR
    side = max(dims)
    for factor, flag in ((8, cv2.IMREAD_REDUCED_COLOR_8), (4, cv2.IMREAD_REDUCED_COLOR_4)):
        if side / factor >= WORK_SIDE:
            return flag
    return cv2.IMREAD_REDUCED_COLOR_2 if side / 2 >= WORK_SIDE else cv2.IMREAD_COLOR


def _header_size(path: Path) -> tuple[int, int] | None:
    """The image's (width, height) from its header alone (Pillow reads headers lazily), (0, 0) when it is
    over Pillow's own decompression-bomb limit, or None when Pillow does not know the format (OpenCV then
    decides)."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                return int(im.size[0]), int(im.size[1])
    except Image.DecompressionBombError:  # over Pillow's own limit (179 MP): over ours too
        return (0, 0)
    except Exception:  # not a format Pillow knows, or a corrupt header: OpenCV's decoder has the last word
        return None


def _check_header(path: Path, name: str) -> list[str]:
    """Refuse an image over :data:`MAX_IMAGE_PIXELS` before decoding it."""
    dims = _header_size(path)
    if dims == (0, 0) or (dims is not None and dims[0] * dims[1] > MAX_IMAGE_PIXELS):
        shown = "over 179 megapixels" if dims == (0, 0) else f"{dims[0]} x {dims[1]} pixels"
        raise ScoreError(
            f"{shown} is over the {MAX_IMAGE_PIXELS / 1e6:.0f}-megapixel limit for an image (scale it down "
            "first)",
            "too-large",
            name,
        )
    return []


ANIMATED_SUFFIXES = (".gif", ".webp", ".png", ".apng", ".avif", ".tif", ".tiff")


def _animation_notes(path: Path) -> list[str]:
    """A note when a decoded image file holds several frames (an animated GIF, WebP or PNG, a multi-page
    TIFF): only its first was read."""
    if path.suffix.lower() not in ANIMATED_SUFFIXES:
        return []
    try:
        frames = cv2.imcount(str(path))
    except cv2.error:
        return []
    return [f"an animated image of {frames} frames: only its first frame was read"] if frames > 1 else []
