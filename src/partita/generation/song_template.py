"""Melody to lyrics (issue 25 item 3, SongMASS's other direction, a small version): the syllables per phrase
of a melody and where the stresses fall, as a template a writer can fill (no language model)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import symusic

from partita.generation.song_rhythm import SLOT, TPQ, is_strong, slot_weights

PHRASE_CAP_BARS = 2
"""The longest phrase :func:`lyric_template` reads without a rest or long note (bars from its first note)."""


@dataclass(frozen=True)
class TemplatePhrase:
    """A phrase of a melody as a lyric template: one syllable per note, stressed where the note is strong."""

    bar: int
    stresses: tuple[bool, ...]

    @property
    def syllables(self) -> int:
        return len(self.stresses)

    def __str__(self) -> str:
        return " ".join("DUM" if s else "da" for s in self.stresses)


def _melody(score: symusic.Score) -> list[tuple[int, int]]:
    """(onset, end) of the top voice of the first pitched track with notes (ticks)."""
    for track in score.tracks:
        if track.is_drum or not track.notes:
            continue
        top: dict[int, tuple[int, int]] = {}
        for n in track.notes:
            if n.time not in top or n.pitch > top[n.time][0]:
                top[n.time] = (n.pitch, n.time + n.duration)
        return [(t, top[t][1]) for t in sorted(top)]
    return []


def lyric_template(score: symusic.Score) -> list[TemplatePhrase]:
    """The syllables per phrase of a melody and where the stresses fall (notes on strong beats).

    A phrase ends after a note followed by a rest of at least a beat, or a note of at least twice the
    median length (of the notes of an eighth or longer: the sixteenths of dotted rhythms do not count) that
    lasts a beat or more, or before a note :data:`PHRASE_CAP_BARS` bars after its first. A note followed by
    a rest shorter than a beat counts as lasting to the next note (a detached note is not a long one).
    """
    tpq = score.ticks_per_quarter
    sigs = score.time_signatures
    num, den = (sigs[0].numerator, sigs[0].denominator) if len(sigs) else (4, 4)
    meter = f"{num}/{den}"
    scale = TPQ / tpq
    notes = [(int(round(a * scale)), int(round(b * scale))) for a, b in _melody(score)]
    if not notes:
        return []
    bar_ticks = len(slot_weights(meter)) * SLOT
    beat = TPQ * 4 // den * (3 if den == 8 else 1)
    # a note's length runs over a rest shorter than a beat (a detached note, as POP909's and partita's
    # pop lines are sung, is as long as the time to the next note)
    nexts = [c for c, _ in notes[1:]] + [notes[-1][1] + beat]
    lengths = [c - a if c - b < beat else b - a for (a, b), c in zip(notes, nexts, strict=True)]
    median = float(np.median([d for d in lengths if d >= SLOT] or lengths))  # of eighths and longer
    phrases, cur, start_bar = [], [], notes[0][0] // bar_ticks
    phrase_on = notes[0][0]
    for i, (on, off) in enumerate(notes):
        cur.append(is_strong(on, meter))
        nxt = notes[i + 1][0] if i + 1 < len(notes) else None
        long_note = lengths[i] >= max(2 * median, beat)
        too_long = nxt is not None and nxt - phrase_on >= PHRASE_CAP_BARS * bar_ticks
        if nxt is None or nxt - off >= beat or long_note or too_long:
            phrases.append(TemplatePhrase(start_bar + 1, tuple(cur)))
            cur = []
            start_bar = nxt // bar_ticks if nxt is not None else 0
            phrase_on = nxt if nxt is not None else 0
    return phrases


def format_template(phrases: list[TemplatePhrase]) -> str:
    """A template as text: ``da DUM da da DUM | DUM da ...``, phrases separated by ``|``."""
    return " | ".join(str(p) for p in phrases)
