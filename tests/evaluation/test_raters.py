"""Simulated raters: each prefers its hidden property, with noise; the held-out one measures it differently
but agrees; Wilson intervals."""

from __future__ import annotations

import pytest
import symusic

from partita.evaluation.raters import (
    SimulatedRater,
    bass_notes_per_bar,
    melody,
    stepwise_share,
    wilson_interval,
    win_rate,
)


def piece(pitches, bass=None, step=480):
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    t = symusic.Track("Flute", 73, False)
    for i, p in enumerate(pitches):
        t.notes.append(symusic.Note(i * step, step, p, 80))
    s.tracks.append(t)
    if bass:
        b = symusic.Track("Bass", 33, False)
        for i, p in enumerate(bass):
            b.notes.append(symusic.Note(i * 240, 240, p, 80))
        s.tracks.append(b)
    return s


STEPS = piece([60, 62, 64, 65, 67, 65, 64, 62])
LEAPS = piece([60, 67, 55, 72, 59, 69, 52, 71])


def test_measurements():
    assert stepwise_share(STEPS) == 1.0 and stepwise_share(LEAPS) == 0.0
    chords = piece([60, 62])
    chords.tracks[0].notes.append(symusic.Note(0, 480, 72, 80))  # the skyline takes the top note
    assert melody(chords).tolist() == [72.0, 62.0]
    busy = piece([72] * 8, bass=[36, 38] * 8)  # 16 eighths over 2 bars in the lowest part
    assert bass_notes_per_bar(busy) == 8.0


@pytest.mark.parametrize("heldout", [False, True])
def test_stepwise_rater_prefers_steps_most_of_the_time(heldout):
    rater = SimulatedRater("stepwise", seed=1, heldout=heldout)
    picks = [rater.choose(STEPS, LEAPS) for _ in range(200)]
    assert picks.count("a") > 190
    slight = piece([60, 62, 64, 65, 67, 72, 64, 62])  # one leap
    assert 0.5 < rater.prob_a(STEPS, slight) < 1.0  # noise: not certain for a small difference


def test_direction_and_register():
    low, high = piece([48, 50, 52]), piece([72, 74, 76])
    assert SimulatedRater("register", direction=1).prob_a(high, low) > 0.99
    assert SimulatedRater("register", direction=-1).prob_a(high, low) < 0.01
    with pytest.raises(ValueError, match="choose one of"):
        SimulatedRater("loudness")


def test_noise_seed_makes_two_raters_differ_and_one_repeatable():
    pairs = [(STEPS, piece([60, 62, 64, 69, 67, 65, 64, 62]))] * 60
    a = [SimulatedRater("stepwise", seed=1).choose(x, y) for x, y in pairs]
    r1, r2, r3 = (SimulatedRater("stepwise", seed=s) for s in (1, 1, 2))
    one, again, other = ([r.choose(x, y) for x, y in pairs] for r in (r1, r2, r3))
    assert one == again and one != other and len(a) == 60


def test_wilson_interval_and_win_rate():
    low, high = wilson_interval(50, 100)
    assert low == pytest.approx(0.4038, abs=1e-3) and high == pytest.approx(0.5962, abs=1e-3)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == pytest.approx(1.0)
    wr = win_rate(SimulatedRater("stepwise", seed=3), [STEPS] * 30, [LEAPS] * 30)
    assert wr["win_rate"] > 0.9 and wr["ci_low"] > 0.7 and wr["n"] == 30
