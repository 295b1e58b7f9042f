"""The melody tagger (issue 22): it learns a high sustained line from chords; a saved tagger reads back."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from partita.evaluation.melody_extraction import melody_metrics
from partita.evaluation.melody_tagger import (
    MelodyTagger,
    TaggerConfig,
    TaggerTrainConfig,
    fit_normalisation,
    load_tagger,
    tagger_inputs,
    train_tagger,
)
from partita.models.encoder import NoteArrays

TPQ = 480


def _song(seed: int, beats: int = 48) -> tuple[NoteArrays, np.ndarray]:
    """A held melody line (class 0) above eighth-note chords (class 2), the melody sometimes lower than the
    chords' top when the chords climb, so pitch rank alone is not the whole answer."""
    rng = np.random.default_rng(seed)
    rows = []  # start, duration, pitch, velocity, label
    t = 0
    while t < beats * TPQ:
        length = int(rng.choice([1, 2])) * TPQ
        rows.append((t, length, int(rng.integers(70, 80)), 90, 0))
        t += length
    for k in range(beats * 2):
        root = int(rng.integers(48, 58))
        for iv in (0, 4, 7):
            rows.append((k * TPQ // 2, TPQ // 2, root + iv, 60, 2))
    a = np.array(sorted(rows, key=lambda r: (r[0], r[2])), dtype=np.int64).reshape(-1, 5)
    start = a[:, 0]
    bar_start = (start // (4 * TPQ)) * 4 * TPQ
    notes = NoteArrays(start, a[:, 1], a[:, 2], a[:, 3], a[:, 4], start // (4 * TPQ), bar_start, TPQ)
    return notes, a[:, 4]


def _trained(use_velocity: bool = True, steps: int = 40) -> MelodyTagger:
    songs = [_song(s) for s in range(6)]
    inputs = [tagger_inputs(n, use_velocity) for n, _ in songs]
    config = fit_normalisation(
        TaggerConfig(use_velocity=use_velocity, hidden=16, layers=1, pitch_dim=4, dropout=0.0),
        [x for x, _ in inputs],
    )
    torch.manual_seed(0)
    model = MelodyTagger(config)
    train_tagger(
        model, inputs, [y for _, y in songs], TaggerTrainConfig(steps=steps, batch=4, window=64, lr=1e-2)
    )
    return model


def test_inputs_shape_and_velocity_zeroed() -> None:
    notes, _ = _song(0)
    x, p = tagger_inputs(notes, use_velocity=True)
    x0, _ = tagger_inputs(notes, use_velocity=False)
    assert x.shape == (len(notes), 28) and p.shape == (len(notes),)
    assert np.isfinite(x).all()
    assert x[:, 9].any() and not x0[:, 9].any()


def test_tagger_learns_melody_from_chords() -> None:
    untrained = MelodyTagger(TaggerConfig(hidden=16, layers=1, pitch_dim=4))
    notes, labels = _song(99)
    before = melody_metrics(labels, untrained.tag(notes))["accuracy"]
    model = _trained()
    after = melody_metrics(labels, model.tag(notes))["accuracy"]
    assert after > 0.95 and after > before


def test_save_load_round_trip(tmp_path) -> None:
    model = _trained(use_velocity=False, steps=5)
    folder = model.save(tmp_path / "tagger")
    assert (folder / "melody_tagger.json").is_file() and (folder / "model.safetensors").is_file()
    back = load_tagger(folder)
    assert back.config == model.config and back.config.use_velocity is False
    notes, _ = _song(3)
    x, p = tagger_inputs(notes, False)
    with torch.no_grad():
        a = model(torch.from_numpy(x)[None], torch.from_numpy(p)[None])
        b = back(torch.from_numpy(x)[None], torch.from_numpy(p)[None])
    assert torch.allclose(a, b)
    assert (back.tag(notes) == model.tag(notes)).all()


def test_bad_input(tmp_path) -> None:
    model = MelodyTagger(TaggerConfig(hidden=8, layers=1, pitch_dim=2))
    empty, _ = _song(0, beats=0)
    assert model.tag(empty).shape == (0,)
    with pytest.raises(FileNotFoundError, match="not a melody tagger"):
        load_tagger(tmp_path)
    with pytest.raises(ValueError, match="no labelled notes"):
        train_tagger(model, [], [], TaggerTrainConfig(steps=1))


def test_a_time_limit_stops_training() -> None:
    """On a shared machine the bench trains to a wall-clock limit: the run stops there, not at ``steps``."""
    songs = [_song(s) for s in range(2)]
    inputs = [tagger_inputs(n) for n, _ in songs]
    model = MelodyTagger(
        fit_normalisation(TaggerConfig(hidden=8, layers=1, pitch_dim=2), [x for x, _ in inputs])
    )
    config = TaggerTrainConfig(steps=1000, batch=2, window=32, time_limit_s=1e-6)
    assert train_tagger(model, inputs, [y for _, y in songs], config)["steps"] == 1
