"""Reading audio files: bounded, mono, resampled to the transcription model's rate.

Audio is recognised by its bytes (RIFF/WAVE, FLAC, Ogg, MP3, AIFF, MP4/M4A), like score files, so a renamed
file is still read and a non-audio file is refused with a clear :class:`ScoreError`. WAV, FLAC, Ogg, MP3 and
AIFF are decoded by libsndfile (through soundfile) block by block: the length is read from the header and a
file over the limit is refused before anything is decoded, and memory stays bounded by the mono result
(20 minutes at 22,050 Hz is 106 MB of float32), whatever the source rate or channel count. Other containers
(M4A/AAC, WebM, ...) go through the ffmpeg binary that the ``imageio-ffmpeg`` package ships, asked for at most
the limit plus one second of decoded mono audio, under a timeout.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from partita.progress import ProgressCallback, report
from partita.score.errors import ScoreError
from partita.score.formats import stat_score_file
from partita.score.tools import run_tool

log = logging.getLogger(__name__)

MODEL_SAMPLE_RATE = 22050
"""basic-pitch's input rate (``basic_pitch.constants.AUDIO_SAMPLE_RATE``): audio is read at this rate."""
AUDIO_SUFFIXES = (".wav", ".wave", ".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".aif", ".aiff")
"""Suffixes taken for audio when the bytes alone do not say (a corrupt file is then reported as audio)."""
FFMPEG_SUFFIXES = (".m4a", ".aac", ".mp4", ".opus", ".webm", ".wma")
"""Containers libsndfile does not read: decoded by ffmpeg."""
MIN_SAMPLE_RATE = 4000
"""Below this a file is refused (``bad-sample-rate``): no melody survives it. 8 kHz (telephone) is read."""
BLOCK_SECONDS = 10.0


@dataclass(frozen=True)
class AudioLimits:
    """The bounds on an audio file, checked before it is decoded where the format allows.

    ``max_seconds`` (20 minutes by default) bounds time and memory: transcription takes about 0.1 s of CPU
    per second of audio on 2 cores, and the decoded mono signal 88 kB a second. ``max_bytes`` (512 MiB) bounds
    what is opened at all: 20 minutes of 48 kHz 24-bit stereo WAV is 346 MB. ``timeout`` bounds the
    ffmpeg decoder of the containers libsndfile does not read.
    """

    max_seconds: float = 20 * 60.0
    max_bytes: int = 512 * 2**20
    timeout: float = 120.0


DEFAULT_AUDIO_LIMITS = AudioLimits()


@dataclass
class AudioClip:
    """Mono float32 ``samples`` at ``sample_rate``, read from a file of ``source_rate`` Hz and
    ``source_channels`` channels; ``notes`` are remarks for the user (a low sample rate, a truncated file)."""

    samples: np.ndarray
    sample_rate: int
    name: str = "<array>"
    source_rate: int = 0
    source_channels: int = 1
    notes: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.samples.shape[0] / float(self.sample_rate)


def sniff_audio(data: bytes) -> str | None:
    """The audio container of a file from its first bytes (``wav``, ``flac``, ``ogg``, ``mp3``, ``aiff``,
    ``mp4``, ``webm``), or None."""
    head = data[:64]
    if head[:4] in (b"RIFF", b"RIFX", b"RF64") and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if head.startswith(b"FORM") and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    return None


def looks_like_audio(path: str | os.PathLike) -> bool:
    """True when the file's bytes are an audio container, or else its suffix is an audio one (a corrupt
    take.wav is then reported as audio that cannot be read)."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError:
        head = b""
    if head and sniff_audio(head) is not None:
        return True
    return Path(path).suffix.lower() in AUDIO_SUFFIXES


def read_audio(
    path: str | os.PathLike,
    sample_rate: int = MODEL_SAMPLE_RATE,
    limits: AudioLimits | None = None,
    progress: ProgressCallback | None = None,
) -> AudioClip:
    """Read an audio file as mono float32 at ``sample_rate``, within ``limits``.

    Raises :class:`ScoreError`: ``missing``/``unreadable``/``not-music`` for a path that is not a readable
    file, ``empty`` for 0 bytes or 0 frames, ``too-large`` over ``limits.max_bytes``, ``too-long`` over
    ``limits.max_seconds`` (read from the header, before decoding), ``bad-sample-rate`` below 4 kHz, and
    ``unreadable-audio`` for a file that no decoder takes (a corrupt WAV or MP3, a text file named .wav).
    """
    lim = limits or DEFAULT_AUDIO_LIMITS
    name = str(path)
    size = stat_score_file(path).st_size
    if size == 0:
        raise ScoreError("the file is empty (0 bytes)", "empty", name)
    if size > lim.max_bytes:
        raise ScoreError(
            f"the audio file is {size / 2**20:.0f} MiB, over the {lim.max_bytes / 2**20:.0f} MiB limit",
            "too-large",
            name,
        )
    with open(path, "rb") as f:
        kind = sniff_audio(f.read(64))
    if kind in ("mp4", "webm") or (kind is None and Path(path).suffix.lower() in FFMPEG_SUFFIXES):
        return _read_ffmpeg(path, sample_rate, lim)
    return _read_soundfile(path, kind, sample_rate, lim, progress)


def _open(path: str | os.PathLike, kind: str | None):
    import soundfile as sf

    try:
        return sf.SoundFile(str(path))
    except Exception as e:  # LibsndfileError, RuntimeError, TypeError: a file libsndfile cannot parse
        msg = str(e).split(":")[-1].strip().rstrip(".") or type(e).__name__
        if kind is not None:  # the header says what it is, the rest does not follow
            what = f"a corrupt or truncated {kind.upper()} file (libsndfile: {msg})"
        else:
            what = f"not an audio file ({msg}); partita reads WAV, FLAC, Ogg, MP3, AIFF and M4A"
        raise ScoreError(what, "unreadable-audio", str(path)) from None


def _check_header(frames: int, rate: int, lim: AudioLimits, name: str) -> None:
    if rate < MIN_SAMPLE_RATE:
        raise ScoreError(
            f"a sample rate of {rate} Hz is too low for music (at least {MIN_SAMPLE_RATE} Hz)",
            "bad-sample-rate",
            name,
        )
    _check_seconds(frames / float(rate), lim, name)


def _check_seconds(seconds: float, lim: AudioLimits, name: str) -> None:
    if seconds > lim.max_seconds:
        raise ScoreError(
            f"the audio is {_duration(seconds)} long, over the {_duration(lim.max_seconds)} limit "
            "(cut the part you want, e.g. with ffmpeg -ss START -t LENGTH)",
            "too-long",
            name,
        )


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    if seconds >= 120:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} s"


def _read_soundfile(
    path: str | os.PathLike,
    kind: str | None,
    sample_rate: int,
    lim: AudioLimits,
    progress: ProgressCallback | None,
) -> AudioClip:
    """Decode block by block with libsndfile, mixing down and resampling each block as it comes."""
    import soxr

    name = str(path)
    with _open(path, kind) as f:
        rate, channels, frames = int(f.samplerate), int(f.channels), int(f.frames)
        _check_header(frames, rate, lim, name)
        stream = soxr.ResampleStream(rate, sample_rate, 1, dtype="float32") if rate != sample_rate else None
        block = max(1, int(BLOCK_SECONDS * rate))
        max_frames = int((lim.max_seconds + 1) * rate)
        out, read = [], 0
        try:
            while read < max_frames:
                data = f.read(block, dtype="float32", always_2d=True)
                if data.shape[0] == 0:
                    break
                read += data.shape[0]
                mono = np.nan_to_num(np.ascontiguousarray(data.mean(axis=1), dtype=np.float32))
                out.append(stream.resample_chunk(mono) if stream is not None else mono)
                report(progress, read, frames, "reading audio")
        except Exception as e:  # a decoding error in the middle of a corrupt file
            if not out:
                raise ScoreError(f"the audio cannot be decoded ({e})", "unreadable-audio", name) from None
            log.warning("%s: decoding stopped after %.1f s (%s)", name, read / rate, e)
        if stream is not None:
            out.append(stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True))
    if read > max_frames:
        _check_header(read, rate, lim, name)
    clip = AudioClip(_join(out), sample_rate, name, rate, channels)
    if read == 0:
        raise ScoreError("the audio file has no samples", "empty", name)
    if frames > 0 and read < frames * 0.99:
        clip.notes.append(
            f"the file is truncated: {read / rate:.1f} s of the {frames / rate:.1f} s its header says"
        )
    _note_rate(clip)
    return clip


def _join(parts: list[np.ndarray]) -> np.ndarray:
    parts = [p for p in parts if p.size]
    return np.concatenate(parts).astype(np.float32, copy=False) if parts else np.zeros(0, dtype=np.float32)


def _note_rate(clip: AudioClip) -> None:
    if clip.source_rate and clip.source_rate < 16000:
        clip.notes.append(
            f"the audio is sampled at {clip.source_rate} Hz: overtones above {clip.source_rate // 2} Hz are "
            "missing, so high notes may be missed"
        )
    for note in clip.notes:
        log.info("%s: %s", clip.name, note)


def _read_ffmpeg(path: str | os.PathLike, sample_rate: int, lim: AudioLimits) -> AudioClip:
    """Decode with the ffmpeg binary of imageio-ffmpeg: at most the limit plus a second of mono float32."""
    name = str(path)
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:  # the package or its binary is missing
        raise ScoreError(
            "not a readable audio file (and no ffmpeg for other containers: pip install imageio-ffmpeg)",
            "unreadable-audio",
            name,
        ) from None
    _check_ffmpeg_duration(exe, name, lim)
    seconds = lim.max_seconds + 1.0
    cmd = [exe, "-nostdin", "-v", "error", "-i", name, "-t", f"{seconds:g}", "-vn", "-ac", "1"]
    cmd += ["-ar", str(sample_rate), "-f", "f32le", "-"]
    res = run_tool(cmd, lim.timeout, f"decoding took over {lim.timeout:.0f} s", name)
    samples = np.frombuffer(res.stdout[: len(res.stdout) // 4 * 4], dtype=np.float32).copy()
    if res.returncode != 0 or samples.size == 0:
        why = res.stderr.decode("utf-8", "replace").strip().splitlines()
        why = why[-1].split(": ")[-1] if why else "no audio stream"
        raise ScoreError(
            f"not a readable audio file (ffmpeg: {why}); partita reads WAV, FLAC, Ogg, MP3, AIFF and M4A",
            "unreadable-audio",
            name,
        )
    _check_header(samples.size, sample_rate, lim, name)
    clip = AudioClip(samples, sample_rate, name, sample_rate, 1)
    _note_rate(clip)
    return clip


def _check_ffmpeg_duration(exe: str, name: str, lim: AudioLimits) -> None:
    """Refuse a container whose header gives a duration over the limit, before decoding it."""
    import re

    cmd = [exe, "-hide_banner", "-nostdin", "-i", name]
    res = run_tool(cmd, 30, "reading the file's header took over 30 s", name)
    m = re.search(rb"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)", res.stderr)
    if m:
        h, mi, se = (float(x) for x in m.groups())
        _check_seconds(h * 3600 + mi * 60 + se, lim, name)


def audio_array(
    samples: np.ndarray,
    sample_rate: int,
    target_rate: int = MODEL_SAMPLE_RATE,
    limits: AudioLimits | None = None,
) -> AudioClip:
    """An in-memory signal (``(n,)`` or ``(n, channels)``) as a mono :class:`AudioClip` at ``target_rate``,
    within the same limits as a file."""
    lim = limits or DEFAULT_AUDIO_LIMITS
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1) if x.shape[1] <= 16 else x.mean(axis=0)
    if x.ndim != 1:
        raise ScoreError(f"audio must be 1-D or (samples, channels), not shape {x.shape}", "not-music")
    if x.size == 0:
        raise ScoreError("the audio has no samples", "empty")
    _check_header(x.size, int(sample_rate), lim, "<array>")
    if not np.all(np.isfinite(x)):
        raise ScoreError("the audio has NaN or infinite samples", "unreadable-audio")
    if int(sample_rate) != target_rate:
        import soxr

        x = soxr.resample(x, int(sample_rate), target_rate).astype(np.float32)
    clip = AudioClip(x, target_rate, "<array>", int(sample_rate), 1)
    _note_rate(clip)
    return clip


SILENCE_PEAK = 10 ** (-60 / 20)
"""A clip whose peak is under -60 dBFS is silence."""
MAX_PEAK = 1000.0
"""A float sample a thousand times full scale (+60 dBFS) is not sound: a broken file, or an infinity that
the reader turned into the largest float32."""


def checked_clip(
    samples: np.ndarray,
    sample_rate: int,
    *,
    rate: int,
    min_seconds: float,
    max_seconds: float,
    purpose: str,
    silent: str,
    name: str = "the audio",
) -> np.ndarray:
    """A clip a model listens to: mono float32 at ``rate``, its first ``max_seconds``; or a
    :class:`ScoreError` that says why not, in the words of what it is for: shorter than ``min_seconds`` ("at
    least 3 s are needed to ``purpose``"), invalid samples, or silent ("the audio is silent: ``silent``")."""
    y = np.asarray(samples, dtype=np.float32)
    y = y.mean(1) if y.ndim == 2 else y.reshape(-1)
    seconds = y.size / float(sample_rate)
    if seconds < min_seconds:
        raise ScoreError(
            f"the clip is {seconds:.1f} s long: at least {min_seconds:g} s are needed to {purpose}",
            "too-short",
            name,
        )
    peak = float(np.max(np.abs(y))) if np.all(np.isfinite(y)) else np.inf
    if not peak <= MAX_PEAK:
        raise ScoreError("the audio holds invalid samples (NaN or infinity)", "unreadable-audio", name)
    if peak < SILENCE_PEAK:
        raise ScoreError(f"the audio is silent: {silent}", "silent", name)
    y = y[: int(max_seconds * sample_rate)]
    if int(sample_rate) != rate:
        import librosa

        y = librosa.resample(y, orig_sr=int(sample_rate), target_sr=rate, res_type="soxr_hq")
    return y.astype(np.float32)
