"""A hummed theme in key: the clean melody of :mod:`partita.audio.melody`, its out-of-key wobble snapped.

The audio layer keeps the pitches as sung (rounded to the nearest semitone). A singer drifting a little flat
or sharp lands, now and then, a semitone off the scale; here the key of the whole melody is estimated
(:func:`partita.analysis.key.estimate_key`) and, only when the scale is clear (the major key and its relative
minor together hold ``min_confidence`` of the key probability) and few notes are off it (a chromatic melody
is left alone), each note off the scale moves a semitone onto it, towards the notes around it. In a minor
key the raised sixth and seventh (melodic and harmonic minor) are in the scale. The key is written into the
Score as its key signature.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import numpy as np
import symusic

from partita.analysis.key import estimate_key
from partita.analysis.timeline import note_arrays
from partita.audio.melody import MelodyConfig, read_hummed_melody
from partita.audio.transcription import TranscriptionConfig
from partita.progress import ProgressCallback
from partita.score import Score

log = logging.getLogger(__name__)

MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 9, 10, 11)  # natural minor with the raised 6th and 7th


@dataclass
class KeySnap:
    """What :func:`snap_to_key` did: the key found (or None), the scale's confidence, the share of the
    melody's length off the scale before snapping, and how many notes moved."""

    key: str | None
    confidence: float
    off_scale: float
    snapped: int
    applied: bool


def _scale(index: int) -> set[int]:
    tonic, steps = (index, MAJOR_SCALE) if index < 12 else (index - 12, MINOR_SCALE)
    return {(tonic + s) % 12 for s in steps}


def _scale_confidence(scores: np.ndarray, index: int, temperature: float = 0.05) -> float:
    """The probability of the key's pitch set: the key and its relative (C major and A minor share it)."""
    p = np.exp((scores - scores.max()) / temperature)
    p = p / p.sum()
    major = index if index < 12 else (index - 12 + 3) % 12
    return float(p[major] + p[12 + (major + 9) % 12])


def _target(pitches: list[int], i: int, scale: set[int]) -> int:
    """The scale tone a semitone from note ``i``, towards the mean of its neighbours."""
    up, down = pitches[i] + 1, pitches[i] - 1
    options = [p for p in (up, down) if p % 12 in scale]
    if len(options) == 1:
        return options[0]
    around = [pitches[j] for j in (i - 1, i + 1) if 0 <= j < len(pitches)]
    centre = float(np.mean(around)) if around else float(pitches[i])
    return min(options, key=lambda p: (abs(p - centre), p))


def _key_signature(index: int) -> symusic.KeySignature:
    major = index if index < 12 else (index - 12 + 3) % 12
    fifths = (major * 7 + 6) % 12 - 6
    return symusic.KeySignature(0, int(fifths), 0 if index < 12 else 1)


def snap_to_key(
    score: Score, min_confidence: float = 0.6, max_off_scale: float = 0.2
) -> tuple[Score, KeySnap]:
    """A copy of a one-line ``score`` with its off-scale notes moved a semitone onto the scale of its key,
    when the scale's confidence is at least ``min_confidence`` and at most ``max_off_scale`` of the
    melody's length is off it; otherwise the pitches are left as they are."""
    out = score.copy()
    notes = note_arrays(out)
    est = estimate_key(notes) if len(notes) else None
    if est is None:
        return out, KeySnap(None, 0.0, 0.0, 0, False)
    scale = _scale(est.index)
    conf = _scale_confidence(est.scores, est.index)
    length = np.maximum(notes.end - notes.start, 1)
    off = np.array([p % 12 not in scale for p in notes.pitch])
    share = float(length[off].sum() / length.sum())
    apply = conf >= min_confidence and share <= max_off_scale
    snapped = 0
    if apply:
        out.key_signatures.append(_key_signature(est.index))
        for track in out.tracks:
            pitches = [n.pitch for n in track.notes]
            for i, n in enumerate(track.notes):
                if n.pitch % 12 not in scale:
                    n.pitch = _target(pitches, i, scale)
                    snapped += 1
    log.info(
        "key %s (scale confidence %.2f, %.0f%% off the scale): %s",
        est.name,
        conf,
        100 * share,
        f"{snapped} notes snapped" if apply else "pitches left as sung",
    )
    return out, KeySnap(est.name, conf, share, snapped, apply)


def read_hummed_theme(
    path: str | os.PathLike,
    snap: bool = True,
    melody: MelodyConfig | None = None,
    transcription: TranscriptionConfig | None = None,
    min_confidence: float = 0.6,
    progress: ProgressCallback | None = None,
) -> Score:
    """A theme from a hummed, sung or played recording: transcribed, cleaned to one quantised line
    (:func:`partita.audio.read_hummed_melody`) and, with ``snap``, its out-of-key wobble snapped to the key
    (:func:`snap_to_key`). Silence raises :class:`partita.score.ScoreError` ``no-notes``."""
    hummed = read_hummed_melody(path, melody, transcription, progress)
    if not snap:
        return hummed.score
    return snap_to_key(hummed.score, min_confidence)[0]


def read_theme(path: str | os.PathLike, snap: bool = True, progress: ProgressCallback | None = None) -> Score:
    """A theme or melody from any file: a score file as :func:`partita.score.read_score` reads it, an audio
    file as :func:`read_hummed_theme` hears it (one clean line, quantised, in key). The one call for
    ``--theme`` and for a melody to accompany. A score beyond :class:`~partita.score.ScoreLimits` (0 ticks
    per quarter note, a note of days, thousands of tracks) is refused, naming the file, before any work."""
    from partita.audio import is_audio_file
    from partita.score import check_limits, read_score

    if is_audio_file(path):
        return read_hummed_theme(path, snap=snap, progress=progress)
    score = read_score(path)
    check_limits(score, path)
    return score
