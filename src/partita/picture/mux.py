"""A video with new music: the WAV fitted to the video's length and muxed in with FFmpeg.

FFmpeg is the binary the ``imageio-ffmpeg`` package ships (PyPI, no system package needed), run as a
subprocess with a timeout. The video stream is copied as it is (``-c:v copy``: no re-encoding, no loss); a
codec the MP4 container cannot hold is re-encoded with libx264 instead. The video's own sound, if any, is
replaced.
"""

from __future__ import annotations

import logging
import os
import re
import wave
from pathlib import Path

import numpy as np

from partita.atomic import atomic_path
from partita.score.errors import ScoreError
from partita.score.tools import run_tool

log = logging.getLogger(__name__)

FADE_SECONDS = 0.5
"""A WAV cut short fades out over its last half second (no click at the end)."""


def ffmpeg_exe() -> str:
    """The FFmpeg binary of imageio-ffmpeg; a :class:`ScoreError` naming the package when it is missing."""
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as e:  # not installed, or no binary for this platform
        raise ScoreError(
            f"no FFmpeg to write the video with ({e}): pip install imageio-ffmpeg", "audio-unavailable"
        ) from None


def fit_wav(path: str | os.PathLike, seconds: float) -> int:
    """Cut or pad (with silence) the WAV file at ``path`` to exactly ``seconds`` (rounded to a sample), in
    place and atomically, fading out a cut end; returns its frames."""
    with wave.open(str(path), "rb") as w:
        params = w.getparams()
        data = np.frombuffer(w.readframes(params.nframes), dtype="<i2").reshape(-1, params.nchannels)
    target = int(round(seconds * params.framerate))
    if len(data) >= target:
        out = data[:target].astype(np.float64)
        fade = min(target, int(FADE_SECONDS * params.framerate))
        if fade and len(data) > target:
            out[target - fade :] *= np.linspace(1.0, 0.0, fade)[:, None]
    else:
        out = np.vstack([data, np.zeros((target - len(data), params.nchannels))]).astype(np.float64)
    with atomic_path(path, suffix=".wav") as tmp, wave.open(str(tmp), "wb") as w:
        w.setnchannels(params.nchannels)
        w.setsampwidth(2)
        w.setframerate(params.framerate)
        w.writeframes(np.round(out).astype("<i2").tobytes())
    return target


def write_video_with_audio(
    video: str | os.PathLike, wav: str | os.PathLike, out: str | os.PathLike, timeout: float = 600.0
) -> Path:
    """Write ``out`` (MP4): the video stream of ``video`` with ``wav`` as its sound, as long as the shorter
    of the two (``-shortest``; fit the WAV to the video first: :func:`fit_wav`)."""
    exe = ffmpeg_exe()
    last = ""
    for codec in (["-c:v", "copy"], ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]):
        with atomic_path(out, suffix=".mp4") as tmp:
            cmd = [
                exe,
                "-y",
                "-v",
                "error",
                "-i",
                str(video),
                "-i",
                str(wav),
                "-map",
                "0:v:0",
                "-map",
                "1:a:0",
            ]
            cmd += [*codec, "-c:a", "aac", "-b:a", "192k", "-shortest", "-movflags", "+faststart", str(tmp)]
            on_timeout = f"FFmpeg did not finish within {timeout:.0f} s"
            res = run_tool(cmd, timeout, on_timeout, str(out), text=True)
            if res.returncode == 0 and tmp.stat().st_size > 0:
                return Path(out)
            last = (res.stderr.strip().splitlines() or [f"exit code {res.returncode}"])[-1]
            log.info("muxing with %s failed (%s)", codec[1], last)
    raise ScoreError(f"FFmpeg could not write the video ({last})", "synthesis-failed", str(out))


def read_media_duration(path: str | os.PathLike) -> float:
    """The duration (seconds) FFmpeg reads from a media file's container."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-i", str(path)]
    res = run_tool(cmd, 60, "reading the file's header took over 60 s", str(path), text=True)
    m = re.search(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)", res.stderr)
    if not m:
        raise ScoreError("FFmpeg reads no duration from it", "unreadable", str(path))
    return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
