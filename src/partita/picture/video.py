"""What a video does over time, read with OpenCV: its shots (scene cuts), each shot's light and colour, and
its motion (optical flow) with the moments it peaks.

:func:`read_video_features` reads the file once, front to back, and examines frames at bounded rates:

- **cuts**: up to :data:`CUT_RATE` frames a second are reduced to a 64-pixel-wide HSV histogram (16 hues x 4
  saturations x 4 values); a cut is a frame whose histogram is far from the previous one (Bhattacharyya
  distance at least :data:`CUT_THRESHOLD`) and much farther than the frames before it were from each other
  (three times the median of the last second), at least :data:`MIN_SHOT_SECONDS` after the last cut. A fade
  changes the histogram a little at each frame and is not a cut;
- **dissolves** (a gradual change of shot, a cross-fade): the mean histogram of :data:`DISSOLVE_WINDOW`
  seconds is compared with that of the same length :data:`DISSOLVE_SECONDS` later (Bhattacharyya distance); a
  dissolve of up to that length makes a peak of this distance as high as a cut's, centred on its middle, where
  panning, motion or a slow fade over a whole shot make a low or flat curve. A peak at least
  :data:`DISSOLVE_THRESHOLD` high and :data:`DISSOLVE_PROMINENCE` above the curve around it, away from a cut,
  opens a shot at the middle of its width (as motion peaks are timed, below);
- **camera pans** (a pan onto other colours changes the histograms as a dissolve does): the frame
  :data:`PAN_REACH` before a possible dissolve, moved along the camera's path (the phase correlation of each
  measured frame with the one before, summed), is compared with the frame as far after it on their fine
  detail; the same picture moved (:data:`PAN_MATCH`) is a pan, not a change of shot
  (:attr:`VideoFeatures.pans`; :func:`_camera_pans`);
- **fades through black** (a shot fading out and the next fading in): a stretch of black frames (mean grey
  under :data:`BLACK_LEVEL`) of at most :data:`DISSOLVE_SECONDS` with picture on both sides opens a shot at
  its middle, in place of the cuts and dissolves found within that time of it (the cut detector fires as the
  picture darkens and again as it comes back);
- **motion and colour**: up to :data:`MOTION_RATE` frames a second are downscaled to :data:`FLOW_WIDTH`
  pixels wide; the mean Farneback optical-flow magnitude between each and the frame just before it, in frame
  widths per second, is the motion (a pair that straddles a cut is not motion: it is left out; successive
  frames, because Farneback loses a fast object between frames far apart); each is measured as a picture
  (:func:`partita.picture.image.frame_features`) and a shot's colour is the mean over its frames;
- **motion peaks**: local maxima of the motion curve at least twice its median and
  :data:`MIN_PEAK_MOTION`, half a second apart at least, each timed at the middle of its width halfway down
  to the motion around it (the median of the second either side; ``scipy.signal.peak_widths``): a burst of
  motion is a plateau a few samples wide whose highest sample may fall anywhere on it (at
  :data:`MOTION_RATE` samples a second, up to a quarter second off).

The cost is one decode of every frame (OpenCV cannot skip frames without decoding them) plus the bounded
analysis, so it grows with the length: a video longer than :data:`MAX_VIDEO_SECONDS` is **refused** (from its
header when it declares its length, else as soon as reading passes the limit), not sampled. Frames larger than
:data:`MAX_VIDEO_PIXELS` are refused too. A file OpenCV cannot open, one with no frames, or a frame rate that
makes no sense, is a one-line :class:`~partita.score.errors.ScoreError`.
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

from partita.picture.image import ImageFeatures, downscale, frame_features
from partita.progress import ProgressCallback, report
from partita.score.errors import ScoreError

log = logging.getLogger(__name__)

MAX_VIDEO_SECONDS = 300.0
"""The longest video read (5 minutes): a longer one is refused (cut it into scenes first)."""
MAX_VIDEO_PIXELS = 3840 * 2160
"""The largest frame read (4K UHD)."""
CUT_RATE = 30.0
"""Frames a second examined for cuts (every frame up to 30 fps; every second one at 60 fps)."""
MOTION_RATE = 8.0
"""Frames a second measured for motion and colour."""
FLOW_WIDTH = 160
"""The width (pixels) frames are downscaled to for optical flow and colour."""
HIST_WIDTH = 64
CUT_THRESHOLD = 0.35
"""The Bhattacharyya distance between successive histograms from which a frame may be a cut."""
MIN_SHOT_SECONDS = 0.5
DISSOLVE_SECONDS = 1.5
"""The longest dissolve found whole: the histograms compared are this far apart (a longer one: missed)."""
DISSOLVE_WINDOW = 0.5
"""Seconds of histograms averaged on either side of a possible dissolve."""
DISSOLVE_THRESHOLD = 0.4
"""The Bhattacharyya distance across a dissolve (between the averaged histograms) from which it is one."""
DISSOLVE_PROMINENCE = 0.25
"""How far the distance across a dissolve must rise above the curve around it."""
BLACK_LEVEL = 0.03
"""The mean grey level (0-1) under which a frame is black: a short stretch of them between pictures is a fade
through black."""
PAN_WIDTH = 80
"""The width (pixels) of the small grey frames kept to tell a camera pan from a dissolve."""
PAN_REACH = 1.0
"""A possible dissolve is checked against the frames this many seconds before and after its middle (the
middles of the half seconds whose histograms it was found between)."""
PAN_MATCH = 0.5
"""The normalised cross-correlation of the pictures' fine detail (grey less its Gaussian blur, sigma
:data:`PAN_DETAIL_SIGMA`), the earlier frame moved by the camera's path, from which the later frame is the
same picture panned: not a dissolve (pans on the bench's videos 0.87-0.91, dissolves under 0.12)."""
PAN_DETAIL_SIGMA = 2.0
"""The Gaussian blur (pixels at :data:`PAN_WIDTH`) taken from a frame to leave its fine detail for
:data:`PAN_MATCH`."""
PAN_MIN_OVERLAP = 0.25
"""The least share of the frame the two pictures must still share once moved (a longer pan: undecided, the
dissolve is kept)."""
PAN_SEARCH = 3
"""Pixels (at :data:`PAN_WIDTH`) searched either way around the camera's path summed from frame to frame."""
PAN_CHECK = True
"""Whether possible dissolves are checked for camera pans (off: the reader of 2026-12-07, for the bench)."""
MIN_PEAK_MOTION = 0.02
"""The least motion (frame widths per second, averaged over the frame) a peak must reach."""
MIN_PEAK_GAP = 0.5
"""Seconds between two motion peaks, at least."""
COLOUR_FIELDS = ("brightness", "saturation", "contrast", "colourfulness", "edge_density", "warmth")


@dataclass
class Shot:
    """One shot: from a cut (or the start) to the next cut (or the end), with its mean colour and motion."""

    index: int
    start: float
    end: float
    brightness: float
    saturation: float
    contrast: float
    colourfulness: float
    edge_density: float
    warmth: float
    motion: float
    """Mean motion (frame widths per second)."""
    motion_max: float
    transition: str = "cut"
    """How the shot began: ``"cut"`` (or the video's start), ``"dissolve"`` (its start is the middle of a
    gradual change from the shot before) or ``"fade"`` (the middle of a fade through black)."""

    @property
    def duration(self) -> float:
        return self.end - self.start

    def picture(self) -> ImageFeatures:
        """The shot's mean colour as :class:`ImageFeatures` (hues not kept: an empty histogram)."""
        values = {k: getattr(self, k) for k in COLOUR_FIELDS}
        return ImageFeatures(**values, hue_histogram=[], dominant_hue=None, warm_share=0.0)


@dataclass
class VideoFeatures:
    """A video's length, shots, motion curve and motion peaks (times in seconds from its start)."""

    duration: float
    fps: float
    frames: int
    width: int
    height: int
    shots: list[Shot]
    motion_times: list[float]
    motion: list[float]
    """Motion (frame widths per second) between successive sampled frames, at ``motion_times``; NaN where a
    cut lies between them."""
    motion_peaks: list[float]
    notes: list[str] = field(default_factory=list)
    pans: list[float] = field(default_factory=list)
    """The middles of changes of colour read first as dissolves, then as the camera panning onto other
    colours (the picture before is found again after, moved along the camera's path): not changes of
    shot."""

    @property
    def cuts(self) -> list[float]:
        """The times the shot changes (each shot's start but the first): hard cuts, the middles of dissolves
        and of fades through black."""
        return [s.start for s in self.shots[1:]]

    @property
    def dissolves(self) -> list[float]:
        """The middles of the dissolves (the gradual changes among :attr:`cuts`)."""
        return [s.start for s in self.shots[1:] if s.transition == "dissolve"]

    @property
    def brightness(self) -> float:
        return self._mean("brightness")

    @property
    def mean_motion(self) -> float:
        return self._mean("motion")

    def _mean(self, name: str) -> float:
        total = sum(s.duration for s in self.shots)
        return sum(getattr(s, name) * s.duration for s in self.shots) / total if total else 0.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["motion"] = [None if math.isnan(m) else m for m in self.motion]
        d["cuts"] = self.cuts
        return d

    def describe(self) -> str:
        """What was read, as lines."""
        lines = [
            f"  video        {self.duration:.2f} s, {self.frames} frames at {self.fps:g} fps, "
            f"{self.width} x {self.height}",
            f"  cuts         {', '.join(_cut_label(s) for s in self.shots[1:]) or 'none'} s",
            f"  motion peaks {', '.join(f'{t:.2f}' for t in self.motion_peaks) or 'none'} s",
        ]
        if self.pans:
            pans = ", ".join(f"{t:.2f}" for t in self.pans)
            lines.append(f"  camera pans  {pans} s (a change of colour, the same picture moved: not a cut)")
        for s in self.shots:
            lines.append(
                f"  shot {s.index + 1:<3d}     {s.start:6.2f}-{s.end:6.2f} s  brightness {s.brightness:.2f}  "
                f"warmth {s.warmth:+.2f}  saturation {s.saturation:.2f}  motion {s.motion:.3f}"
            )
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


def _cut_label(shot: Shot) -> str:
    return f"{shot.start:.2f}" + (f" ({shot.transition})" if shot.transition != "cut" else "")


@dataclass
class _Samples:
    """What the reading loop collects."""

    hist_times: list[float] = field(default_factory=list)
    hist_dist: list[float] = field(default_factory=list)
    hists: list[np.ndarray] = field(default_factory=list)
    """Every histogram taken (the first frame's too: one more than ``hist_dist``)."""
    levels: list[float] = field(default_factory=list)
    """The mean grey level (0-1) of each frame histogrammed (as ``hists``)."""
    times: list[float] = field(default_factory=list)
    flow: list[float] = field(default_factory=list)
    pictures: list[ImageFeatures] = field(default_factory=list)
    picture_times: list[float] = field(default_factory=list)
    thumbs: list[np.ndarray] = field(default_factory=list)
    """Each frame measured (as ``pictures``), grey and :data:`PAN_WIDTH` wide: 3.6 KB a frame at 16:9."""
    steps: list[tuple[float, float]] = field(default_factory=list)
    """The camera's shift (x, y; pixels at :data:`PAN_WIDTH`) from the frame measured before to each (phase
    correlation of the :data:`FLOW_WIDTH` grey frames; 0 for the first)."""


def read_video_features(
    path: str | os.PathLike,
    max_seconds: float = MAX_VIDEO_SECONDS,
    progress: ProgressCallback | None = None,
) -> VideoFeatures:
    """The :class:`VideoFeatures` of the video file at ``path`` (any container and codec OpenCV's FFmpeg
    reads); a :class:`ScoreError` with one clear line when it cannot be read or is longer than
    ``max_seconds``."""
    name = str(path)
    if not Path(path).is_file():
        raise ScoreError("no such video file", "missing", name)
    if Path(path).stat().st_size == 0:
        raise ScoreError("the file is empty", "empty", name)
    cap = cv2.VideoCapture(str(path))
    try:
        fps, total, width, height = _header(cap, name, max_seconds)
        samples, frames, notes = _read(cap, fps, total, name, max_seconds, progress)
    finally:
        cap.release()
    if frames == 0:
        raise ScoreError("the video has no frames that can be decoded", "empty", name)
    if frames == 1:
        raise ScoreError(
            "a single frame: a still picture, not a video (partita generate --image reads a picture)",
            "not-video",
            name,
        )
    duration = frames / fps
    cuts = _cuts(samples.hist_times, samples.hist_dist)
    dissolves = _dissolves(samples.hist_times, samples.hists, cuts)
    dissolves, pans = _camera_pans(samples, dissolves) if PAN_CHECK else (dissolves, [])
    fades, cuts, dissolves = _through_black(samples.hist_times, samples.levels, cuts, dissolves)
    motion = _motion_without_cuts(samples.times, samples.flow, cuts)
    peaks = _peaks(samples.times, motion)
    shots = _shots(duration, cuts, dissolves, fades, samples, motion)
    report(progress, frames, frames, "read")
    log.info("read %s: %.1f s, %d shots, %d motion peaks", name, duration, len(shots), len(peaks))
    return VideoFeatures(
        duration=round(duration, 4),
        fps=float(fps),
        frames=frames,
        width=width,
        height=height,
        shots=shots,
        motion_times=[round(t, 4) for t in samples.times],
        motion=[round(m, 5) if not math.isnan(m) else math.nan for m in motion],
        motion_peaks=[round(t, 4) for t in peaks],
        notes=notes,
        pans=[round(t, 4) for t in pans],
    )


def _header(cap: cv2.VideoCapture, name: str, max_seconds: float) -> tuple[float, int, int, int]:
    """The frame rate, declared frame count and size; refuses what cannot be read or is too long."""
    if not cap.isOpened():
        raise ScoreError(
            "not a video OpenCV can read (a corrupt file, or not a video: MP4, AVI, MOV, MKV, WebM, GIF)",
            "unreadable",
            name,
        )
    fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
    if not (math.isfinite(fps) and 0.5 <= fps <= 1000.0):
        raise ScoreError(f"the video's frame rate ({fps:g} fps) makes no sense", "unreadable", name)
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    width, height = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    if width * height > MAX_VIDEO_PIXELS:
        raise ScoreError(
            f"{width} x {height} frames are over the {MAX_VIDEO_PIXELS / 1e6:.1f}-megapixel limit (4K UHD)",
            "too-large",
            name,
        )
    if total > 0 and total / fps > max_seconds:
        raise _too_long(total / fps, max_seconds, name)
    return fps, total, width, height


def _too_long(seconds: float, max_seconds: float, name: str) -> ScoreError:
    return ScoreError(
        f"{_clock(seconds)} long: partita scores videos of at most {_clock(max_seconds)} (refused, not "
        "sampled: cut it into scenes first)",
        "too-long",
        name,
    )


def _clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m // 60}:{m % 60:02d}:{s:02d}" if m >= 60 else f"{m}:{s:02d}"


def _read(
    cap: cv2.VideoCapture,
    fps: float,
    total: int,
    name: str,
    max_seconds: float,
    progress: ProgressCallback | None,
) -> tuple[_Samples, int, list[str]]:
    """Read every frame once; histogram the ones at the cut rate, measure the ones at the motion rate."""
    cut_step = max(1, round(fps / CUT_RATE))
    motion_step = max(1, round(fps / MOTION_RATE))
    limit = int(max_seconds * fps) + 1
    out, notes = _Samples(), []
    prev_hist = before = measured = window = None
    i = 0
    while cap.grab():
        if i >= limit:
            raise _too_long(i / fps, max_seconds, name)
        cut, measure, ahead = i % cut_step == 0, i % motion_step == 0, (i + 1) % motion_step == 0
        if cut or measure or ahead:
            ok, frame = cap.retrieve()
            if not ok or frame is None:
                notes.append(f"frame {i} could not be decoded: the video was read up to it")
                break
            small = downscale(frame, FLOW_WIDTH)
            grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
            if cut:
                hist = _histogram(small)
                out.hists.append(hist)
                out.levels.append(float(grey.mean()) / 255.0)
                if prev_hist is not None:
                    out.hist_times.append(i / fps)
                    out.hist_dist.append(cv2.compareHist(prev_hist, hist, cv2.HISTCMP_BHATTACHARYYA))
                prev_hist = hist
            if measure:
                if before is not None and before[0] == i - 1:  # flow between successive frames
                    out.times.append((i - 0.5) / fps)
                    out.flow.append(_flow(before[1], grey) / grey.shape[1] * fps)
                out.pictures.append(frame_features(small))
                out.picture_times.append(i / fps)
                current = grey.astype(np.float32)
                if window is None or window.shape != current.shape:
                    window = cv2.createHanningWindow(current.shape[::-1], cv2.CV_32F)
                scale = PAN_WIDTH / current.shape[1]
                shift = (0.0, 0.0) if measured is None else cv2.phaseCorrelate(measured, current, window)[0]
                out.steps.append((shift[0] * scale, shift[1] * scale))
                out.thumbs.append(downscale(grey, PAN_WIDTH))
                measured = current
            before = (i, grey)
        i += 1
        if i % 250 == 0:
            report(progress, i, max(total, i), f"frame {i}")
    return out, i, notes


def _histogram(bgr: np.ndarray) -> np.ndarray:
    hsv = cv2.cvtColor(downscale(bgr, HIST_WIDTH), cv2.COLOR_BGR2HSV)
    hist = cv2.calcHist([hsv], [0, 1, 2], None, [16, 4, 4], [0, 180, 0, 256, 0, 256])
    return cv2.normalize(hist, hist).flatten()


def _flow(prev: np.ndarray, cur: np.ndarray) -> float:
    """The mean optical-flow magnitude (pixels) from ``prev`` to ``cur`` (Farneback)."""
    flow = cv2.calcOpticalFlowFarneback(prev, cur, None, 0.5, 3, 15, 3, 5, 1.2, 0)
    return float(np.linalg.norm(flow, axis=2).mean())


def _cuts(times: list[float], dist: list[float]) -> list[float]:
    """The times of the frames that open a new shot."""
    cuts: list[float] = []
    for j, (t, d) in enumerate(zip(times, dist, strict=True)):
        if d < CUT_THRESHOLD or t - (cuts[-1] if cuts else 0.0) < MIN_SHOT_SECONDS:
            continue
        before = [dist[k] for k in range(j) if t - 1.0 <= times[k] < t]
        if d >= 3.0 * float(np.median(before)) if before else True:
            cuts.append(t)
    return cuts


def _dissolves(times: list[float], hists: list[np.ndarray], cuts: list[float]) -> list[float]:
    """The middles of the dissolves: peaks of the distance between the mean histograms of
    :data:`DISSOLVE_WINDOW` seconds :data:`DISSOLVE_SECONDS` apart, away from the cuts (whose own peaks they
    are) and :data:`MIN_SHOT_SECONDS` from each other."""
    from scipy.signal import find_peaks, peak_widths

    if len(times) < 4:
        return []
    step = (times[-1] - times[0]) / (len(times) - 1)
    gap, width = max(1, round(DISSOLVE_SECONDS / 2 / step)), max(1, round(DISSOLVE_WINDOW / step))
    h = np.asarray(hists[1:], dtype=np.float64)  # hists[k + 1] is the frame at times[k]
    if len(h) < 2 * (gap + width) + 1:
        return []
    total = np.concatenate([np.zeros((1, h.shape[1])), np.cumsum(h, axis=0)])
    centres = np.arange(gap + width, len(h) - gap - width)
    before = total[centres - gap] - total[centres - gap - width]
    after = total[centres + gap + width + 1] - total[centres + gap + 1]
    overlap = np.sqrt(before * after).sum(axis=1)
    scale = np.sqrt(before.sum(axis=1) * after.sum(axis=1))
    distance = np.sqrt(np.clip(1.0 - overlap / np.maximum(scale, 1e-12), 0.0, 1.0))
    found, _ = find_peaks(
        distance,
        height=DISSOLVE_THRESHOLD,
        prominence=DISSOLVE_PROMINENCE,
        distance=max(1, round(MIN_SHOT_SECONDS / step)),
    )
    if not len(found):
        return []
    # the top of each peak (its width a quarter of the way down its prominence): a cut's plateau holds the cut
    _, _, left, right = peak_widths(distance, found, rel_height=0.25)
    index = np.arange(len(centres))

    def when(x: float) -> float:
        return float(np.interp(np.interp(x, index, centres), np.arange(len(times)), times))

    reach = DISSOLVE_SECONDS / 2 + DISSOLVE_WINDOW
    out: list[float] = []
    for a, b in zip(left, right, strict=True):
        t, lo, hi = when((a + b) / 2.0), when(a), when(b)
        near_cut = any(lo <= c <= hi or abs(t - c) <= reach for c in cuts)
        if not near_cut and all(t - d >= MIN_SHOT_SECONDS for d in out):
            out.append(t)
    return out


def _camera_pans(samples: _Samples, dissolves: list[float]) -> tuple[list[float], list[float]]:
    """The dissolves that are changes of shot, and those that are the camera panning onto other colours.

    A dissolve replaces one picture with another everywhere at once; a pan moves the same picture across the
    frame. So the frame :data:`PAN_REACH` before a possible dissolve is moved by the camera's path (the
    frame-to-frame shifts summed, searched :data:`PAN_SEARCH` pixels around) and compared with the frame as
    far after it, on their fine detail (normalised cross-correlation over the part they share): the same
    picture moved (:data:`PAN_MATCH` or more) is a pan. A path that leaves under :data:`PAN_MIN_OVERLAP` of
    the frame shared decides nothing: the dissolve is kept."""
    if not dissolves or len(samples.thumbs) < 2:
        return dissolves, []
    times = np.asarray(samples.picture_times)
    steps = np.asarray(samples.steps, dtype=np.float64)
    kept, pans = [], []
    for t in dissolves:
        i0 = int(np.argmin(np.abs(times - (t - PAN_REACH))))
        i1 = int(np.argmin(np.abs(times - (t + PAN_REACH))))
        dx, dy = steps[i0 + 1 : i1 + 1].sum(axis=0) if i1 > i0 else (0.0, 0.0)
        match = _pan_match(samples.thumbs[i0], samples.thumbs[i1], dx, dy)
        if match is not None and match >= PAN_MATCH:
            pans.append(t)
            log.info(
                "a change of colour at %.2f s is the camera panning (match %.2f): not a dissolve", t, match
            )
        else:
            kept.append(t)
    return kept, pans


def _pan_match(before: np.ndarray, after: np.ndarray, dx: float, dy: float) -> float | None:
    """The best normalised cross-correlation of the two frames' fine detail, ``before`` moved by (``dx``,
    ``dy``) give or take :data:`PAN_SEARCH` pixels; None when they share too little of the frame."""
    a, b = (_detail(x) for x in (before, after))
    h, w = a.shape
    best = None
    for sy in range(-PAN_SEARCH, PAN_SEARCH + 1):
        for sx in range(-PAN_SEARCH, PAN_SEARCH + 1):
            x, y = int(round(dx)) + sx, int(round(dy)) + sy
            if (w - abs(x)) * (h - abs(y)) < PAN_MIN_OVERLAP * w * h or abs(x) >= w or abs(y) >= h:
                continue
            p = a[max(0, -y) : h - max(0, y), max(0, -x) : w - max(0, x)].ravel()
            q = b[max(0, y) : h - max(0, -y), max(0, x) : w - max(0, -x)].ravel()
            p, q = p - p.mean(), q - q.mean()
            ncc = float((p * q).sum() / np.sqrt((p * p).sum() * (q * q).sum() + 1e-12))
            best = ncc if best is None else max(best, ncc)
    return best


def _detail(grey: np.ndarray) -> np.ndarray:
    g = grey.astype(np.float32)
    return g - cv2.GaussianBlur(g, (0, 0), PAN_DETAIL_SIGMA)


def _through_black(
    times: list[float], levels: list[float], cuts: list[float], dissolves: list[float]
) -> tuple[list[float], list[float], list[float]]:
    """The fades through black (a shot fading out to black and the next fading in: the middle of each
    stretch of black frames, under :data:`BLACK_LEVEL`, at most :data:`DISSOLVE_SECONDS` long and with
    picture on both sides), and the cuts and dissolves left once those within :data:`DISSOLVE_SECONDS` of one
    are taken as that fade (the cut detector fires as the picture darkens, and again as it comes back)."""
    dark = [level < BLACK_LEVEL for level in levels[1:]]  # levels[k + 1] is the frame at times[k]
    fades: list[float] = []
    k = 0
    while k < len(dark):
        if not dark[k]:
            k += 1
            continue
        end = k
        while end + 1 < len(dark) and dark[end + 1]:
            end += 1
        inside = k > 0 and end < len(dark) - 1  # picture before and after it
        if inside and times[end] - times[k] <= DISSOLVE_SECONDS:
            fades.append((times[k] + times[end]) / 2.0)
        k = end + 1

    def clear(t: float) -> bool:
        return all(abs(t - f) > DISSOLVE_SECONDS for f in fades)

    return fades, [c for c in cuts if clear(c)], [d for d in dissolves if clear(d)]


def _motion_without_cuts(times: list[float], flow: list[float], cuts: list[float]) -> list[float]:
    """The motion curve with NaN where a cut lies between the sample's two frames (the flow there measures
    the cut, not motion); ``times`` are the midpoints between the two frames."""
    out = []
    for t, f in zip(times, flow, strict=True):
        out.append(math.nan if any(abs(t - c) < 0.51 / CUT_RATE + 0.02 for c in cuts) else f)
    return out


def _peaks(times: list[float], motion: list[float]) -> list[float]:
    """The times of the motion curve's peaks (:data:`MIN_PEAK_MOTION`, twice the median, apart), each at the
    middle of its width halfway down to the motion around it."""
    from scipy.signal import find_peaks, peak_widths

    if len(motion) < 3:
        return []
    m = np.nan_to_num(np.asarray(motion, dtype=float), nan=0.0)
    floor = max(MIN_PEAK_MOTION, 2.0 * float(np.median(m)))
    step = (times[-1] - times[0]) / (len(times) - 1) if len(times) > 1 else 1.0
    found, _ = find_peaks(m, height=floor, prominence=floor / 2, distance=max(1, round(MIN_PEAK_GAP / step)))
    if not len(found):
        return []
    # a burst of motion is a plateau a few samples wide, whose highest sample falls anywhere on it: its
    # time is the middle of its width halfway down to the motion around it (the median of the second either
    # side, so a burst on a moving shot is measured from that motion), interpolated between the samples
    reach = max(1, round(1.0 / step))
    lo, hi = np.maximum(found - reach, 0), np.minimum(found + reach, len(m) - 1)
    around = np.array([np.median(m[a : b + 1]) for a, b in zip(lo, hi, strict=True)])
    height = np.maximum(m[found] - around, 1e-9)
    _, _, left, right = peak_widths(m, found, rel_height=0.5, prominence_data=(height, lo, hi))
    middle = np.clip((left + right) / 2.0, 0, len(m) - 1)
    return [float(np.interp(x, np.arange(len(times)), times)) for x in middle]


def _shots(
    duration: float,
    cuts: list[float],
    dissolves: list[float],
    fades: list[float],
    samples: _Samples,
    motion: list[float],
) -> list[Shot]:
    """Shots between the cuts, dissolves and fades, each with the mean colour of its sampled frames, its
    motion."""
    bounds = [0.0, *sorted([*cuts, *dissolves, *fades]), duration]
    pictures = list(zip(samples.picture_times, samples.pictures, strict=True))
    shots = []
    for k in range(len(bounds) - 1):
        lo, hi = bounds[k], bounds[k + 1]
        inside = [p for t, p in pictures if lo <= t < hi] or samples.pictures[:1]
        moving = [m for t, m in zip(samples.times, motion, strict=True) if lo <= t < hi and not math.isnan(m)]
        colour = {f: round(float(np.mean([getattr(p, f) for p in inside])), 4) for f in COLOUR_FIELDS}
        shots.append(
            Shot(
                index=k,
                start=round(lo, 4),
                end=round(hi, 4),
                **colour,
                motion=round(float(np.mean(moving)), 5) if moving else 0.0,
                motion_max=round(float(np.max(moving)), 5) if moving else 0.0,
                transition="dissolve" if k and lo in dissolves else "fade" if k and lo in fades else "cut",
            )
        )
    return shots
