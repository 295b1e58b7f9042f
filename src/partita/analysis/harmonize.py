"""Chords for a melody alone: one chord a bar (or a half bar), chosen among the key's own chords.

:mod:`partita.analysis.chords` hears the chords a texture plays; a bare melody states too little of its
harmony for that (a bar of three notes fits half a dozen triads), so harmonising it is a choice, made here the
way a musician writing a lead sheet makes it:

- **candidates**: the key's diatonic triads (major: I ii iii IV V vi; minor: i iv V (harmonic minor's, with
  the leading tone) III VI VII) and the dominant seventh;
- **fit**: each note of the segment votes for the chords it belongs to, weighted by how long it sounds in
  the segment and more when it starts on a strong beat (a note on the downbeat is a chord tone far more
  often than a passing note between beats); a note outside the chord costs half its weight;
- **preference**: the primary chords (I, IV, V) are a little likelier, the tonic ends the piece and the
  dominant comes before it where the melody allows (a cadence), and each change of chord costs a little, so
  a chord holds where the melody does not ask for a new one (:func:`partita.analysis.viterbi.viterbi_path`).

Why written here: no maintained library harmonises a symbolic melody (music21 analyses chords that sound; it
does not choose them for a melody); the rules are the textbook ones, and the bench
(``bench/bench_accompany.py``) measures them against POP909's chord annotations beside partita's chord
recogniser run on the melody alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from partita.analysis.chords import chord_label, spell_in_key
from partita.analysis.key import parse_key
from partita.analysis.timeline import NoteArrays
from partita.analysis.viterbi import viterbi_path

MAJOR_DEGREES = ((0, "maj", 1.0), (2, "min", 0.6), (4, "min", 0.4), (5, "maj", 1.0), (7, "maj", 1.0),
                 (9, "min", 0.8), (7, "7", 0.5))  # fmt: skip
MINOR_DEGREES = ((0, "min", 1.0), (5, "min", 0.9), (7, "maj", 1.0), (3, "maj", 0.7), (8, "maj", 0.8),
                 (10, "maj", 0.7), (7, "7", 0.5))  # fmt: skip
"""(semitones above the tonic, quality, prior weight): the chords a melody in the key is harmonised with."""

TONES = {"maj": (0, 4, 7), "min": (0, 3, 7), "7": (0, 4, 7, 10)}


@dataclass(frozen=True)
class HarmonizeConfig:
    """The weights of :func:`harmonize_melody` (set by ear on development melodies, measured in the bench)."""

    strong_weight: float = 2.0
    """A note starting on a strong beat counts this many times its duration."""
    miss_cost: float = 0.5
    """A note outside the chord costs this share of its weight."""
    prior_weight: float = 0.15
    """How much the chords' prior (primary chords likelier) counts against the notes' votes."""
    change_cost: float = 0.12
    """The cost of a change of chord, in shares of a segment's weight."""
    cadence_weight: float = 0.3
    """The bonus for the tonic in the last segment and the dominant in the one before."""


def candidate_chords(key: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The chords a melody in ``key`` ("G major", "E minor") may be given: their labels (mir_eval syntax,
    spelled in the key), pitch-class masks (chords x 12) and prior weights."""
    index = parse_key(key)
    tonic, minor = index % 12, index >= 12
    labels, masks, prior = [], [], []
    for step, quality, weight in MINOR_DEGREES if minor else MAJOR_DEGREES:
        root = (tonic + step) % 12
        labels.append(spell_in_key(chord_label(root, quality), index))
        mask = np.zeros(12)
        mask[[(root + t) % 12 for t in TONES[quality]]] = 1.0
        masks.append(mask)
        prior.append(weight)
    return labels, np.array(masks), np.array(prior)


def segment_votes(notes: NoteArrays, bounds: np.ndarray, beat: int, strong_weight: float = 2.0) -> np.ndarray:
    """Per segment (between consecutive ``bounds``), the weight of each pitch class: its notes' durations in
    the segment, times ``strong_weight`` for a note that starts on a beat (of ``beat`` ticks) at the
    segment's start or halfway through it."""
    out = np.zeros((max(len(bounds) - 1, 0), 12))
    for s in range(len(out)):
        a, b = int(bounds[s]), int(bounds[s + 1])
        inside = (notes.start < b) & (notes.end > a)
        for start, end, pitch in zip(
            notes.start[inside], notes.end[inside], notes.pitch[inside], strict=True
        ):
            weight = float(min(end, b) - max(start, a))
            strong = start >= a and (start - a) % max(1, (b - a) // 2) == 0 and (start - a) % beat == 0
            out[s, int(pitch) % 12] += weight * (strong_weight if strong else 1.0)
    return out


def harmonize_melody(
    notes: NoteArrays, bounds: np.ndarray, key: str, beat: int, config: HarmonizeConfig | None = None
) -> list[str]:
    """One chord label per segment between consecutive ``bounds`` (bar lines, or half bars) for the pitched
    ``notes`` of a melody in ``key``; a segment with no notes holds the chord before it."""
    cfg = config or HarmonizeConfig()
    labels, masks, prior = candidate_chords(key)
    votes = segment_votes(notes, bounds, beat, cfg.strong_weight)
    if len(votes) == 0:
        return []
    total = votes.sum(axis=1, keepdims=True)
    share = np.divide(votes, total, out=np.zeros_like(votes), where=total > 0)
    hits = share @ masks.T
    scores = hits - cfg.miss_cost * (1.0 - hits) + cfg.prior_weight * prior[None, :]
    scores[total[:, 0] <= 0] = cfg.prior_weight * prior  # no notes: only the prior (the chord holds)
    tonic, dominant = 0, 4  # the first and fifth candidates are the tonic and dominant triads
    scores[-1, tonic] += cfg.cadence_weight
    if len(scores) > 1:
        scores[-2, dominant] += cfg.cadence_weight / 2
        scores[-2, 6] += cfg.cadence_weight / 2  # or its seventh chord
    return [labels[i] for i in viterbi_path(scores, cfg.change_cost)]
