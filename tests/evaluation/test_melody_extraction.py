"""Melody extraction: the skyline on a hand-made piece with known labels, the metrics, features and POP909."""

from __future__ import annotations

import numpy as np
import pytest
import symusic

from partita.evaluation.melody_extraction import (
    CLASSES,
    FEATURES,
    four_four,
    melody_metrics,
    note_features,
    pop909_split,
    read_pop909_song,
    skyline_mask,
    skyline_predictions,
)
from partita.evaluation.realism import skyline
from partita.models.encoder import score_notes
from partita.paths import shared_data_dir


def _piece() -> tuple[symusic.Score, dict[tuple[int, int], int]]:
    """MELODY over PIANO chords, with a BRIDGE note above the melody once (the skyline's known failure) and a
    melody note held over a moving accompaniment. Returns the score and each note's class by (start,
    pitch)."""
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    melody, bridge, piano = (symusic.Track(n, 0, False) for n in ("MELODY", "BRIDGE", "PIANO"))
    labels = {}
    for start, dur, pitch in ((0, 480, 72), (480, 480, 74), (960, 960, 76), (1920, 480, 71)):
        melody.notes.append(symusic.Note(start, dur, pitch, 90))
        labels[(start, pitch)] = 0
    bridge.notes.append(symusic.Note(1920, 480, 79, 70))  # above the melody: the skyline takes it
    labels[(1920, 79)] = 1
    for start in (0, 480, 960, 1440, 1920):
        for pitch in (48, 55, 64):
            piano.notes.append(symusic.Note(start, 240, pitch, 60))
            labels[(start, pitch)] = 2
    s.tracks.extend([melody, bridge, piano])
    return s, labels


def test_skyline_on_a_hand_made_piece():
    score, labels = _piece()
    notes = score_notes(score)
    truth = np.array([labels[(int(a), int(b))] for a, b in zip(notes.start, notes.pitch, strict=True)])
    sky = skyline_mask(notes)
    picked = {(int(a), int(b)) for a, b in zip(notes.start[sky], notes.pitch[sky], strict=True)}
    # the held 76 stays the melody at 1440 (the chord under it is lower); at 1920 the bridge's 79 is on top
    assert picked == {(0, 72), (480, 74), (960, 76), (1920, 79)}
    onset = skyline_mask(notes, held=False)
    picked_onset = {(int(a), int(b)) for a, b in zip(notes.start[onset], notes.pitch[onset], strict=True)}
    assert picked_onset == {(0, 72), (480, 74), (960, 76), (1440, 64), (1920, 79)}
    # the same notes as partita's realism skyline
    assert {(t, p) for t, _, p in skyline(score)} == picked
    m = melody_metrics(truth, skyline_predictions(notes))
    n = len(truth)  # 20 notes: 4 melody, 1 bridge, 15 piano
    assert n == 20
    assert m["accuracy"] == pytest.approx(
        18 / 20
    )  # wrong: the melody's 71 (piano) and the bridge's 79 (melody)
    assert m["melody_precision"] == pytest.approx(3 / 4) and m["melody_recall"] == pytest.approx(3 / 4)
    assert m["melody_vs_rest"] == pytest.approx(18 / 20)
    assert m["recall_bridge"] == 0.0


def test_metrics_by_hand():
    m = melody_metrics([0, 0, 1, 2, 2, 2], [0, 2, 1, 2, 0, 2])
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["recall_melody"] == pytest.approx(0.5) and m["recall_piano"] == pytest.approx(2 / 3)
    assert m["melody_precision"] == pytest.approx(0.5) and m["melody_f1"] == pytest.approx(0.5)
    assert m["melody_vs_rest"] == pytest.approx(4 / 6)
    with pytest.raises(ValueError, match="labels against"):
        melody_metrics([0, 1], [0])
    with pytest.raises(ValueError, match="no notes"):
        melody_metrics([], [])
    assert CLASSES == ("melody", "bridge", "piano")


def test_note_features_rank_chords():
    score, _ = _piece()
    notes = score_notes(score)
    X = note_features(notes)
    assert X.shape == (len(notes), len(FEATURES)) and np.isfinite(X).all()
    col = {name: i for i, name in enumerate(FEATURES)}
    first = notes.start == 0  # 48 55 64 72
    assert X[first, col["rank_from_top"]].tolist() == [3, 2, 1, 0]
    assert X[first, col["chord_size"]].tolist() == [4, 4, 4, 4]
    assert X[first, col["below_top"]].tolist() == [24, 17, 8, 0]
    assert (note_features(notes, use_velocity=False)[:, col["velocity"]] == 0).all()


def test_four_four_and_split():
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 1, 4))
    fixed = four_four(s)
    assert [(t.numerator, t.denominator) for t in fixed.time_signatures] == [(4, 4)]
    assert s.time_signatures[0].numerator == 1  # the input is not changed
    assert pop909_split("001") == pop909_split(1) == "train"
    assert pop909_split("003") == "valid"


def test_read_a_pop909_song():
    root = shared_data_dir(required=False)
    path = root / "pop909" / "001" / "001.mid" if root else None
    if path is None or not path.is_file():
        pytest.skip("POP909 is not at hand")
    song = read_pop909_song(path)
    counts = np.bincount(song.labels, minlength=3)
    assert counts.tolist() == [264, 307, 985]  # MELODY, BRIDGE, PIANO notes of song 001
    assert (np.diff(song.notes.start) >= 0).all()
