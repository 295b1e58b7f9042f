import numpy as np
import pytest
from analysis_scores import progression_score

from partita.analysis.chord_model import (
    FEATURE_BLOCKS,
    fit_chord_model,
    load_chord_model,
    rotated_features,
    save_chord_model,
)
from partita.analysis.chords import QUALITIES, beat_features
from partita.analysis.timeline import beat_grid, note_arrays


def _blocks(chords, transpose=0):
    score = progression_score(chords, transpose=transpose)
    notes = note_arrays(score)
    grid = beat_grid(score, notes, int(notes.end.max()))
    return beat_features(notes, grid.beats, melody_track=0)


def test_shipped_model_reads_known_blocks():
    model = load_chord_model()
    assert model is not None
    assert set(model.features) <= set(FEATURE_BLOCKS)
    lp = model.log_probs(_blocks(["C", "Am"]))
    assert lp.shape == (8, 12 * len(model.qualities))
    assert np.allclose(np.exp(lp).sum(axis=1), 1.0, atol=1e-4)


@pytest.mark.parametrize("hidden", [0, 4])
def test_fitted_model_is_transposition_equivariant(tmp_path, hidden):
    qualities = list(QUALITIES)
    blocks = _blocks(["C", "Am", "F", "G"])
    y = np.repeat([qualities.index("maj") * 12, qualities.index("min") * 12 + 9, 5, 7], 4)
    model = fit_chord_model([(blocks, y)], qualities, hidden=hidden, max_iter=20)
    assert (model.hidden is None) == (hidden == 0)
    model = load_chord_model(save_chord_model(model, tmp_path / "m.json"))
    a = model.log_probs(blocks)
    b = model.log_probs(_blocks(["C", "Am", "F", "G"], transpose=2))
    # transposing the music up a tone moves every chord's score two roots up
    n = len(qualities)
    a = a.reshape(len(a), n, 12)
    b = b.reshape(len(b), n, 12)
    assert np.allclose(np.roll(a, 2, axis=2), b, atol=1e-3)


def test_rotated_features_refuse_unknown_blocks():
    with pytest.raises(ValueError, match="unknown chord feature blocks"):
        rotated_features(_blocks(["C"]), ["profile", "colour"])
