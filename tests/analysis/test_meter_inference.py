"""Meter inferred from the notes where the file declares 1/4 or nothing (POP909's files, issue 20)."""

from __future__ import annotations

import numpy as np
import symusic

from partita.analysis.meter_inference import (
    bar_starts,
    beat_accents,
    implausible,
    infer_meter,
    track_downbeats,
)
from partita.analysis.timeline import beat_grid, note_arrays

TPQ = 480
CHORDS = [(48, 52, 55), (53, 57, 60), (55, 59, 62), (45, 48, 52)]  # C, F, G, Am


def song(bar_beats: list[int], declared: tuple[int, int] | None = (1, 4), pickup: int = 0) -> symusic.Score:
    """Bars of ``bar_beats[i]`` quarter beats: on each downbeat a new chord and a long bass note, on the
    other beats a short high note of the same chord; ``pickup`` beats of melody before the first bar."""
    score = symusic.Score(TPQ)
    if declared:
        score.time_signatures.append(symusic.TimeSignature(0, *declared))
    track = symusic.Track("Piano", 0, False)
    for b in range(pickup):
        track.notes.append(symusic.Note(b * TPQ, TPQ // 2, 72 + b, 70))
    t = pickup * TPQ
    for i, beats in enumerate(bar_beats):
        low, mid, high = CHORDS[i % len(CHORDS)]
        track.notes.append(symusic.Note(t, beats * TPQ, low - 12, 90))
        track.notes.append(symusic.Note(t, beats * TPQ, mid, 80))
        track.notes.append(symusic.Note(t, TPQ, high + 12, 80))
        for k in range(1, beats):
            track.notes.append(symusic.Note(t + k * TPQ, TPQ // 4, high + 12 + 2 * (k % 2), 60))
        t += beats * TPQ
    score.tracks.append(track)
    return score


def infer(score):
    notes = note_arrays(score)
    grid = beat_grid(score, notes, int(notes.end.max()))
    return grid, infer_meter(notes, grid.beats)


def test_two_beats_per_bar_under_a_declared_one_four_with_a_pickup():
    score = song([2] * 24, pickup=1)
    grid, guess = infer(score)
    assert guess is not None and guess.beats_per_bar == 2
    starts = grid.beats[:-1]
    assert list(starts[guess.downbeats][:4]) == [TPQ, 3 * TPQ, 5 * TPQ, 7 * TPQ]  # not on the pickup
    bars = bar_starts(grid.beats, guess)
    assert bars[0] == 0 and bars[1] == TPQ and bars[-1] == grid.beats[-1]  # a pickup bar, then the bars


def test_a_waltz_is_three_and_a_march_is_not():
    _, waltz = infer(song([3] * 16, declared=None))
    _, march = infer(song([2] * 24, declared=None))
    assert waltz is not None and waltz.beats_per_bar == 3
    assert march is not None and march.beats_per_bar == 2


def test_the_bar_lines_follow_an_inserted_beat():
    score = song([2] * 12 + [3] + [2] * 12)  # one bar of three: every later downbeat moves by a beat
    grid, guess = infer(score)
    starts = grid.beats[:-1]
    truth = np.cumsum([0] + [2] * 12 + [3] + [2] * 11) * TPQ
    found = set(starts[guess.downbeats].tolist())
    assert set(truth.tolist()) <= found and len(found) <= len(truth) + 1
    # with bars of one length only (no switch allowed), half the piece's bar lines would be a beat off
    accent = beat_accents(note_arrays(score), grid.beats) @ np.ones(3)
    fixed = set(starts[track_downbeats(accent, 2, switch_cost=1e9)].tolist())
    assert len(set(truth.tolist()) - fixed) >= 10


def test_which_declared_meters_are_implausible():
    assert implausible([]) and implausible([(0, 1, 4)]) and implausible([(0, 1, 4), (960, 1, 8)])
    assert not implausible([(0, 4, 4)]) and not implausible([(0, 1, 4), (960, 3, 4)])
    notes = note_arrays(song([2] * 2))  # four beats: too little to tell
    assert infer_meter(notes, beat_grid(song([2] * 2), notes, int(notes.end.max())).beats) is None
