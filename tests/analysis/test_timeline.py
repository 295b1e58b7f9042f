import numpy as np
import pytest
import symusic
from analysis_scores import progression_score

from partita.analysis.features import polyphony_stats, rhythm_stats, track_roles
from partita.analysis.timeline import TempoMap, beat_grid, beat_ticks, estimate_phase, note_arrays


def test_tempo_map_with_a_change():
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=120.0))
    s.tempos.append(symusic.Tempo(960, qpm=60.0))
    tm = TempoMap(s)
    assert tm.seconds(960) == pytest.approx(1.0)
    assert tm.seconds(1440) == pytest.approx(2.0)
    assert tm.ticks_at(2.0) == pytest.approx(1440)
    assert np.allclose(tm.ticks_at(tm.seconds([0, 100, 5000])), [0, 100, 5000])


def test_beat_units():
    assert beat_ticks(4, 4, 480) == 480
    assert beat_ticks(3, 8, 480) == 240
    assert beat_ticks(6, 8, 480) == 720
    assert beat_ticks(2, 2, 480) == 960


def test_phase_follows_shifted_onsets_but_not_syncopation():
    beat = 480
    onsets = np.arange(64) * beat + 40
    assert abs(estimate_phase(onsets, beat) - 40) <= 10
    # a quantised score with a few off-beat onsets keeps phase 0
    mixed = np.r_[np.arange(64) * beat, np.arange(20) * beat + 240]
    assert estimate_phase(mixed, beat) == 0


def test_grid_with_meter_change():
    s = progression_score(["C"] * 4)
    s.time_signatures.append(symusic.TimeSignature(2 * 1920, 3, 4))
    notes = note_arrays(s)
    grid = beat_grid(s, notes, int(notes.end.max()))
    assert list(np.diff(grid.bars[:4])) == [1920, 1920, 1440]
    assert [m[1:] for m in grid.meters] == [(4, 4), (3, 4)]


def test_swing_and_syncopation():
    s = symusic.Score(480)
    t = symusic.Track("x", 0, False)
    for b in range(32):  # long-short pairs on a 2:1 triplet grid
        t.notes.append(symusic.Note(b * 480, 320, 60, 80))
        t.notes.append(symusic.Note(b * 480 + 320, 160, 62, 80))
    s.tracks.append(t)
    notes = note_arrays(s)
    grid = beat_grid(s, notes, int(notes.end.max()), align=False)
    sync, swing = rhythm_stats(notes, grid.beats)
    assert swing == pytest.approx(2.0, abs=0.05)
    assert sync == 0.0
    # straight eighths tied over the beat are syncopated
    t2 = symusic.Track("y", 0, False)
    for b in range(16):
        t2.notes.append(symusic.Note(b * 480 + 240, 480, 60, 80))
    s.tracks = [t2]
    notes = note_arrays(s)
    sync, swing = rhythm_stats(notes, beat_grid(s, notes, int(notes.end.max()), align=False).beats)
    assert sync == 1.0 and swing == pytest.approx(1.0)


def test_polyphony_and_roles(pop_score):
    notes = note_arrays(pop_score)
    pitched = notes.select(~notes.drum)
    mean, peak = polyphony_stats(pitched)
    assert peak == 5 and mean == pytest.approx(5.0)
    roles = [t.role for t in track_roles(pop_score, notes)]
    assert roles == ["melody", "accompaniment", "bass", "drums"]


def test_polyphony_is_the_condition_tokens_definition():
    """One definition: the description's mean polyphony is the dataset's condition value; rests inside the
    piece count as silence, and it is at least 1."""
    from partita.analysis.features import mean_polyphony
    from partita.tokens.dataset import score_statistics

    s = symusic.Score(480)
    t = symusic.Track("p", 0, False)
    for start, dur, pitch in [(0, 960, 60), (0, 960, 64), (0, 960, 67), (1920, 960, 60), (1920, 960, 64)]:
        t.notes.append(symusic.Note(start, dur, pitch, 80))  # a bar of rest between a triad and a dyad
    s.tracks.append(t)
    notes = note_arrays(s)
    mean, peak = polyphony_stats(notes)
    assert peak == 3 and mean == pytest.approx(5 * 960 / 2880) == score_statistics(s)["polyphony"]
    assert mean_polyphony(np.array([0, 960]), np.array([480, 1440])) == 1.0  # a sparse melody: the floor
    assert mean_polyphony(np.zeros(0), np.zeros(0)) is None
    assert polyphony_stats(notes.select(notes.pitch < 0)) == (None, 0)
