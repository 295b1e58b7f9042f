import math

import numpy as np
import pytest
from evaluation_fixtures import C_MAJOR_SCALE, make_score, random_notes

from partita.analysis.timeline import note_arrays
from partita.evaluation import metrics as M
from partita.evaluation.metrics import piece_metrics


def test_c_major_scale_is_fully_consistent_in_c_major():
    score = make_score(C_MAJOR_SCALE)
    notes = note_arrays(score)
    assert M.pitch_in_scale_rate(notes, 0, "major") == 1.0
    assert M.scale_consistency(notes) == 1.0
    # a chromatic note drops it by exactly one note in nine
    notes2 = note_arrays(make_score([*C_MAJOR_SCALE, (8 * 480, 480, 61)]))
    assert M.pitch_in_scale_rate(notes2, 0, "major") == pytest.approx(8 / 9)
    assert M.pitch_in_scale_rate(notes, 2, "major") < 1.0  # D major has F# and C#


def test_hand_computed_values():
    score = make_score(C_MAJOR_SCALE)
    m = piece_metrics(score)
    assert m.pitch_range == 12
    assert m.n_pitches_used == 8
    assert m.n_pitch_classes_used == 7
    assert m.pitch_entropy == pytest.approx(3.0)  # 8 equally likely pitches
    # 7 pitch classes, C twice: entropy of (2,1,1,1,1,1,1)/8
    p = np.array([2, 1, 1, 1, 1, 1, 1]) / 8
    assert m.pitch_class_entropy == pytest.approx(float(-(p * np.log2(p)).sum()))
    assert m.polyphony == pytest.approx(1.0)
    assert m.polyphony_rate == 0.0
    assert m.empty_beat_rate == 0.0
    # a bar of 4 quarter notes repeated: every bar has the same onset pattern
    assert m.groove_consistency == 1.0


def test_empty_beats_and_polyphony():
    # beats 0 and 2 sound, beat 1 is silent, beat 3 holds a triad
    notes = [(0, 480, 60), (960, 480, 62), (1440, 480, 60), (1440, 480, 64), (1440, 480, 67)]
    m = piece_metrics(make_score(notes))
    assert m.empty_beat_rate == pytest.approx(1 / 4)
    assert m.polyphony == pytest.approx((1 + 1 + 3) / 3)
    assert m.polyphony_rate == pytest.approx(480 / 1920)  # 3 pitches during one of 4 beats


def test_empty_score_gives_nan_not_errors():
    m = piece_metrics(make_score([]))
    assert (
        math.isnan(m.pitch_entropy) and math.isnan(m.scale_consistency) and math.isnan(m.groove_consistency)
    )
    assert m.pitch_range == 0


def test_groove_is_resolution_independent():
    notes = [(b * 480 + o, 240, 60) for b in range(16) for o in (0, 240)]
    low = piece_metrics(make_score(notes))
    scaled = [(s * 2, d * 2, p) for s, d, p in notes]
    high = piece_metrics(make_score(scaled, tpq=960))
    assert low.groove_consistency == pytest.approx(high.groove_consistency)


muspy = pytest.importorskip("muspy")


def to_muspy(score, grid: int | None = None):
    """The same notes as a muspy.Music (optionally at ``grid`` steps per quarter), for cross-checks."""
    tpq = score.ticks_per_quarter
    tracks = []
    for t in score.tracks:
        ns = []
        for n in t.notes:
            if grid:
                start, end = round(n.time * grid / tpq), round(n.end * grid / tpq)
                ns.append(muspy.Note(time=start, pitch=n.pitch, duration=max(end - start, 0), velocity=80))
            else:
                ns.append(muspy.Note(time=n.time, pitch=n.pitch, duration=n.duration, velocity=80))
        tracks.append(muspy.Track(program=t.program, is_drum=t.is_drum, notes=ns))
    return muspy.Music(resolution=grid or tpq, tracks=tracks)


@pytest.mark.parametrize("seed", range(4))
def test_agrees_with_muspy(seed):
    rng = np.random.default_rng(seed)
    drums = [(int(s) * 240, 60, 36) for s in rng.integers(0, 64, 20)]
    # the last note-off falls inside a bar (muspy counts an extra bar when it falls on a bar line)
    last = [(40 * 1920, 600, 60)]
    score = make_score(random_notes(rng, 60) + last, extra_tracks=[(0, True, drums)])
    ours = piece_metrics(score)
    music = to_muspy(score)
    for name in ("pitch_class_entropy", "pitch_entropy", "scale_consistency", "polyphony", "polyphony_rate"):
        assert getattr(ours, name) == pytest.approx(float(getattr(muspy, name)(music)), abs=1e-9), name
    assert ours.pitch_range == muspy.pitch_range(music)
    assert ours.n_pitches_used == muspy.n_pitches_used(music)
    assert ours.n_pitch_classes_used == muspy.n_pitch_classes_used(music)
    # groove: muspy on the same notes quantized to the same grid and bar length
    gridded = to_muspy(score, grid=12)
    assert ours.groove_consistency == pytest.approx(muspy.groove_consistency(gridded, 48), abs=1e-9)


def test_empty_beat_rate_matches_muspy_when_no_note_ends_on_a_beat():
    notes = [(0, 300, 60), (480 * 3 + 10, 700, 62), (480 * 6, 100, 64), (480 * 9 + 5, 200, 65)]
    score = make_score(notes)
    ours = piece_metrics(score).empty_beat_rate
    music = to_muspy(score)
    # muspy counts one more beat after the last note-off; correct for that to compare the definitions
    n_ours = math.ceil(max(s + d for s, d, _ in notes) / 480)
    n_muspy = max(s + d for s, d, _ in notes) // 480 + 1
    empty_muspy = muspy.empty_beat_rate(music) * n_muspy
    assert ours * n_ours == pytest.approx(empty_muspy - (n_muspy - n_ours))
