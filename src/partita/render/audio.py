"""Audio: a score to WAV through FluidSynth and a General MIDI soundfont.

FluidSynth's command-line renderer is used rather than its library binding (pyfluidsynth): the CLI is what the
Debian package ships, it runs in its own process (a crash or a hang cannot take the caller down, and a timeout
bounds it), and it writes the WAV file itself.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import wave
from pathlib import Path

import numpy as np

from partita.atomic import atomic_path
from partita.score import Score, ScoreError, write_midi
from partita.score.checks import DEFAULT_LIMITS, ScoreLimits, check_limits
from partita.score.tools import run_tool

log = logging.getLogger(__name__)

SOUNDFONT_ENV = "PARTITA_SOUNDFONT"
SOUNDFONT_CANDIDATES = (
    Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
    Path("/usr/share/sounds/sf2/default-GM.sf2"),
    Path("/usr/share/soundfonts/FluidR3_GM.sf2"),
    Path("/usr/share/soundfonts/default.sf2"),
)
INSTALL_HINT = (
    "install FluidSynth and a General MIDI soundfont: sudo apt-get install fluidsynth fluid-soundfont-gm"
)
WAV_TAIL_SECONDS = 2.0
"""FluidSynth renders a little past the last event (the release of the last notes)."""
DEFAULT_GAIN = 0.5
"""FluidSynth's master gain: its default (0.2) renders a solo line at about -30 dBFS; 0.5 keeps a dense piano
part below clipping."""


class AudioUnavailable(ScoreError):
    """FluidSynth or a soundfont is missing; the message says what to install."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "audio-unavailable")


def find_soundfont(soundfont: str | os.PathLike | None = None) -> Path:
    """The soundfont to use: ``soundfont``, else ``$PARTITA_SOUNDFONT``, else a General MIDI soundfont of
    Debian."""
    for given, origin in ((soundfont, "the soundfont given"), (os.environ.get(SOUNDFONT_ENV), SOUNDFONT_ENV)):
        if given:
            p = Path(given).expanduser()
            if not p.is_file():
                raise AudioUnavailable(f"{origin} ({p}) is not a file")
            return p
    for p in SOUNDFONT_CANDIDATES:
        if p.is_file():
            return p
    raise AudioUnavailable(
        f"no General MIDI soundfont found (set {SOUNDFONT_ENV} to an .sf2 file, or {INSTALL_HINT})"
    )


def find_fluidsynth() -> str:
    """The path of the ``fluidsynth`` program, or :class:`AudioUnavailable` naming the package to install."""
    exe = shutil.which("fluidsynth")
    if exe is None:
        raise AudioUnavailable(f"the fluidsynth program is not installed ({INSTALL_HINT})")
    return exe


def audio_available() -> bool:
    """True when both FluidSynth and a soundfont are found."""
    try:
        find_fluidsynth()
        find_soundfont()
    except AudioUnavailable:
        return False
    return True


def write_wav(
    score: Score,
    path: str | os.PathLike,
    soundfont: str | os.PathLike | None = None,
    sample_rate: int = 44100,
    gain: float = DEFAULT_GAIN,
    timeout: float | None = None,
    normalize: bool = True,
    limits: ScoreLimits | None = None,
) -> Path:
    """Synthesize ``score`` to a 16-bit stereo WAV file with FluidSynth, atomically.

    ``timeout`` (seconds) bounds the render; by default 60 s plus twice the music's duration. ``normalize``
    raises a quiet rendering (a solo line peaks near -20 dBFS) so that its peak is at -1 dBFS. A score beyond
    ``limits`` (:func:`partita.score.check_limits`), or whose WAV would exceed ``limits.max_wav_bytes``, is
    refused with a :class:`ScoreError` before FluidSynth starts.
    """
    lim = limits or DEFAULT_LIMITS
    if not 8000 <= int(sample_rate) <= 192000:
        raise ValueError(f"sample rate {sample_rate} Hz is outside 8000..192000")
    check_limits(score, path, lim)
    if not sum(len(t.notes) for t in score.tracks):
        raise ScoreError("the score has no notes to synthesize", "no-notes", str(path))
    seconds = float(score.to("second").end())
    size = 44 + int((seconds + WAV_TAIL_SECONDS) * int(sample_rate)) * 4  # 16-bit stereo frames
    if size > lim.max_wav_bytes:
        raise ScoreError(
            f"{seconds / 60:.0f} minutes of audio would make a {size / 2**30:.1f} GiB WAV file, over the "
            f"{lim.max_wav_bytes / 2**30:.1f} GiB limit",
            "too-large",
            str(path),
        )
    exe = find_fluidsynth()
    sf2 = find_soundfont(soundfont)
    if timeout is None:
        timeout = 60.0 + 2.0 * seconds
    with tempfile.TemporaryDirectory(prefix="partita-wav-") as tmp:
        midi = Path(tmp) / "in.mid"
        write_midi(score, midi)
        with atomic_path(path, suffix=".wav") as out:
            cmd = [
                exe,
                "-ni",  # no MIDI input, no interactive shell
                "-q",
                "-g",
                f"{gain:g}",
                "-r",
                str(int(sample_rate)),
                "-T",
                "wav",
                "-O",
                "s16",
                "-F",
                str(out),
                str(sf2),
                str(midi),
            ]
            on_timeout = f"FluidSynth did not finish within {timeout:.0f} s"
            res = run_tool(cmd, timeout, on_timeout, str(path), text=True)
            if res.returncode != 0 or not out.exists() or out.stat().st_size <= 44:
                detail = (res.stderr or res.stdout).strip().splitlines()
                msg = detail[-1] if detail else f"exit code {res.returncode}"
                raise ScoreError(f"FluidSynth failed ({msg})", "synthesis-failed", str(path))
            if normalize:
                _normalize_peak(out)
    log.info("wrote %s (%.1f s of audio)", path, seconds)
    return Path(path)


NORMALIZE_CHUNK_FRAMES = 1 << 18
"""Frames read and written at a time when a WAV file is normalized (1 MiB of 16-bit stereo), so that an hour
of audio is scaled in a few MiB. Scaling the whole file at once held about 13 times its size in float64
copies: 1.3 GiB for 10 minutes, 3.1 GiB at the peak of ``partita render`` of a 25-minute quartet."""


def _normalize_peak(
    path: Path, peak_db: float = -1.0, max_gain: float = 16.0, chunk_frames: int = NORMALIZE_CHUNK_FRAMES
) -> None:
    """Scale a 16-bit WAV file in place so that its peak is at ``peak_db`` dBFS (louder only, at most
    ``max_gain``); the file is read twice, ``chunk_frames`` frames at a time, never whole."""
    peak = 0
    with wave.open(str(path), "rb") as w:
        params = w.getparams()
        if params.sampwidth != 2:
            return
        while frames := w.readframes(chunk_frames):
            peak = max(peak, int(np.abs(np.frombuffer(frames, dtype="<i2").astype(np.int32)).max()))
    if peak == 0:
        return
    gain = min(max_gain, 32767.0 * 10 ** (peak_db / 20) / peak)
    if gain <= 1.0:
        return
    scaled = path.with_name(path.name + ".scaled")
    try:
        with wave.open(str(path), "rb") as r, wave.open(str(scaled), "wb") as w:
            w.setparams(params)
            while frames := r.readframes(chunk_frames):
                x = np.frombuffer(frames, dtype="<i2").astype(np.float64)
                w.writeframes(np.clip(np.round(x * gain), -32768, 32767).astype("<i2").tobytes())
        os.replace(scaled, path)
    finally:
        scaled.unlink(missing_ok=True)
