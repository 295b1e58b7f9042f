"""One entry point for music files: a score file is read as a score, an audio file is transcribed.

Commands that take a piece (a theme, a piece to continue or infill) call :func:`read_music`, so audio is
accepted wherever MIDI is.
"""

from __future__ import annotations

import logging
import os

from partita.audio.files import AudioLimits, looks_like_audio
from partita.audio.transcription import TranscriptionConfig, transcribe_audio
from partita.progress import ProgressCallback
from partita.score.errors import ScoreError
from partita.score.formats import MAX_FILE_BYTES, Score, read_score, sniff_format, stat_score_file

log = logging.getLogger(__name__)


def is_audio_file(path: str | os.PathLike) -> bool:
    """True when ``path`` is an audio file (by its bytes; by its suffix when they say nothing) and not a
    score file."""
    stat_score_file(path)
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        raise ScoreError(
            f"cannot read it ({(e.strerror or str(e)).lower()})", "unreadable", str(path)
        ) from None
    if head and sniff_format(head) is not None:
        return False
    return looks_like_audio(path)


def read_music(
    path: str | os.PathLike,
    expand_repeats: bool = True,
    config: TranscriptionConfig | None = None,
    limits: AudioLimits | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    progress: ProgressCallback | None = None,
) -> Score:
    """A Score from a score file (MIDI, MusicXML, ABC, Humdrum: :func:`partita.score.read_score`) or an audio
    file (WAV, MP3, FLAC, Ogg, AIFF, M4A: transcribed by :func:`partita.audio.transcribe`).

    Silent audio gives an empty Score and a logged warning (the caller decides whether an empty piece will
    do); every other problem is a :class:`ScoreError`.
    """
    if not is_audio_file(path):
        try:
            return read_score(path, expand_repeats=expand_repeats, max_bytes=max_bytes)
        except ScoreError as e:
            if e.reason != "not-music" or not os.path.isfile(path):
                raise
            raise ScoreError(
                "neither a score file (MIDI, MusicXML, ABC, Humdrum) nor an audio file (WAV, MP3, FLAC, Ogg, "
                "AIFF, M4A)",
                "not-music",
                str(path),
            ) from None
    log.info("%s: audio, transcribing", path)
    result = transcribe_audio(path, config, limits=limits, progress=progress)
    for message in result.messages:
        log.warning("%s: %s", path, message)
    return result.score
