"""Pitch classes of keys and chords: the pure helpers the harmony rules and the evaluation read.

The rules themselves are :mod:`partita.generation.rules.chords` (the chord of each bar),
:mod:`partita.generation.rules.chord_complete` (its root and third heard before the bar closes) and
:mod:`partita.generation.rules.bass_roots` (the bass on the chord's root).
"""

from __future__ import annotations

from partita.score import Score
from partita.score.bars import bar_lines
from partita.tokens.conditions import PITCH_CLASS_OF_TONIC

_MAJOR = (0, 2, 4, 5, 7, 9, 11)
_MINOR = (0, 2, 3, 5, 7, 8, 10, 11)  # harmonic and natural minor together: the raised 7th is part of the key
_QUALITY_INTERVALS = {
    "maj": (0, 4, 7), "min": (0, 3, 7), "dim": (0, 3, 6), "aug": (0, 4, 8), "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11), "min7": (0, 3, 7, 10), "hdim7": (0, 3, 6, 10), "dim7": (0, 3, 6, 9),
    "sus2": (0, 2, 7), "sus4": (0, 5, 7), "maj6": (0, 4, 7, 9), "min6": (0, 3, 7, 9), "9": (0, 4, 7, 10, 2),
}  # fmt: skip


def chord_pitch_classes(label: str) -> set[int]:
    """Pitch classes of a mir_eval-style chord label (``"A:min7"`` -> {9, 0, 4, 7}); ``N`` -> empty."""
    if label in ("N", "X", ""):
        return set()
    pc = root_pitch_class(label)
    return {(pc + i) % 12 for i in _QUALITY_INTERVALS.get(quality(label) or "maj", (0, 4, 7))}


def root_pitch_class(label: str) -> int:
    """The pitch class of a chord label's root (``"Bb:maj"`` -> 10)."""
    root = label.partition(":")[0]
    return PITCH_CLASS_OF_TONIC[root[0].upper() + root[1:]]


def quality(label: str) -> str:
    """A chord label's quality (``"A:min7/5"`` -> ``"min7"``; "" for none)."""
    return label.partition(":")[2].split("/")[0]


_DEGREES = {"b3": 3, "3": 4, "b5": 6, "5": 7, "#5": 8, "bb7": 9, "b7": 10, "7": 11}


def bass_pitch_class(label: str) -> int | None:
    """The pitch class of a chord label's bass: its root, or the degree after a slash (``"G:maj/3"`` -> 11,
    ``"D:7/b7"`` -> 0); None for ``N``."""
    if label in ("N", "X", ""):
        return None
    root = root_pitch_class(label)
    degree = label.partition("/")[2]
    return (root + _DEGREES.get(degree, 0)) % 12


def scale_pitch_classes(tonic: str, mode: str | None) -> set[int]:
    """The key's scale (in minor, natural and harmonic together)."""
    pc = PITCH_CLASS_OF_TONIC[tonic]
    return {(pc + i) % 12 for i in (_MINOR if mode == "minor" else _MAJOR)}


def needed_tones(label: str) -> set[int]:
    """The tones that make a bar sound as ``label``: all but the perfect fifth (and a ninth chord's ninth)."""
    tones = chord_pitch_classes(label)
    if not tones:
        return set()
    root = root_pitch_class(label)
    skip = {(root + 7) % 12} | ({(root + 2) % 12} if quality(label) == "9" else set())
    return tones - skip


def on_beat_chord_tones(
    score: Score,
    chords: list[str],
    first: int,
    last: int,
    from_beat: int = 0,
    tracks: list[int] | None = None,
) -> tuple[int, int]:
    """Of the pitched notes of ``score`` (its tracks ``tracks``, all when None) that start on a beat (a
    quarter note) in bars ``first``-``last`` (1-based, the score's own bars), at beat ``from_beat`` of their
    bar or later: how many are tones of their bar's chord (``chords``, one a bar from bar 1, looping), and
    how many there are. ``from_beat=4`` in 4/2 counts the bar's second half, where a chord counted in bars of
    4/4 would have been the next bar's."""
    lines = bar_lines(score, last)
    beat = int(score.ticks_per_quarter) or 480
    good = total = 0
    for i, track in enumerate(score.tracks):
        if track.is_drum or (tracks is not None and i not in tracks):
            continue
        for n in track.notes:
            t = int(n.time)
            bar = next((b for b in range(first - 1, last) if lines[b] <= t < lines[b + 1]), None)
            if bar is None or t % beat or t - lines[bar] < from_beat * beat:
                continue
            total += 1
            good += int(n.pitch) % 12 in chord_pitch_classes(chords[bar % len(chords)])
    return good, total
