"""Slice embeddings (partita.models.slices) and Chuan et al.'s measures of them (partita.evaluation.slices),
on sentences whose geometry is known: chords of keys that wander round the circle of fifths."""

from __future__ import annotations

import json

import numpy as np
import pytest

from partita.analysis.slices import SlicedPiece, chord_word, sentences, shuffled_pitch_pieces
from partita.evaluation.slices import (
    chord_functions,
    cooccurrence_embedding,
    corpus_key_vectors,
    fifths_distance,
    fifths_rho,
    geometry,
    headline,
    key_distances,
    key_table,
    pitch_class_embedding,
    random_embedding,
    transposition,
)
from partita.models.slices import CONFIG, VECTORS, SliceModel, SliceModelConfig

DEGREES = ((0, "maj"), (5, "maj"), (7, "maj"), (2, "min"), (4, "min"), (9, "min"))  # I IV V ii iii vi
TINY = SliceModelConfig(vector_size=16, window=3, min_count=1, epochs=5, seed=0)


def fifths_walk(n_pieces: int = 300, length: int = 40, seed: int = 0) -> list[SlicedPiece]:
    """Pieces of diatonic triads whose key moves a fifth up or down one chord in ten."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_pieces):
        key = start = int(rng.integers(12))
        words = []
        for _ in range(length):
            if rng.random() < 0.1:
                key = (key + (7 if rng.random() < 0.5 else 5)) % 12
            degree, quality = DEGREES[int(rng.integers(len(DEGREES)))]
            words.append(chord_word(key + degree, quality))
        out.append(SlicedPiece(words, start, str(i)))
    return out


@pytest.fixture(scope="module")
def walk() -> list[SlicedPiece]:
    return fifths_walk()


@pytest.fixture(scope="module")
def model(walk) -> SliceModel:
    return SliceModel.train(sentences(walk), TINY)


def test_fifths_distance():
    assert [fifths_distance(0, b) for b in (0, 7, 5, 2, 9, 4, 11, 6)] == [0, 1, 1, 2, 3, 4, 5, 6]
    assert fifths_distance(7, 2) == 1 and fifths_distance(10, 3) == 1


def test_fifths_rho_of_keys_laid_on_a_circle_of_fifths_is_one():
    angle = {pc: 2 * np.pi * (7 * pc % 12) / 12 for pc in range(12)}
    circle = {pc: np.array([np.cos(a), np.sin(a), 0.3]) for pc, a in angle.items()}
    exact = fifths_rho(circle)
    assert exact["rho"] == pytest.approx(1.0) and exact["p"] <= 0.002 and exact["pairs"] == 66
    chromatic = {pc: circle[7 * pc % 12] for pc in range(12)}  # the circle of semitones instead
    assert fifths_rho(chromatic)["rho"] < 0.3 and fifths_rho(chromatic)["p"] > 0.05
    assert np.isnan(fifths_rho({0: circle[0], 7: circle[7]})["rho"])


def test_skipgram_finds_the_circle_of_fifths_and_the_shuffled_control_does_not(walk, model):
    result = headline(geometry(model, walk))
    assert result["rho_triad_major"] > 0.85 and result["rho_triad_minor"] > 0.85
    assert result["rho_corpus_major"] > 0.85
    assert result["iv_v_mean_rank"] < 5 and result["diatonic_at_5"] > 0.8
    control = SliceModel.train(sentences(shuffled_pitch_pieces(walk, seed=0)), TINY)
    shuffled = headline(geometry(control, walk))
    assert abs(shuffled["rho_triad_major"]) < 0.4 and abs(shuffled["rho_triad_minor"]) < 0.4
    assert shuffled["iv_v_mean_rank"] > 7
    # a random embedding of the same words knows nothing either
    rand = headline(geometry(random_embedding(model.words, 16, seed=3), walk))
    assert abs(rand["rho_triad_major"]) < 0.4


def test_the_nearest_triads_of_a_tonic_are_its_diatonic_neighbours(model):
    near = [w for w, _ in model.most_similar(chord_word(0, "maj"), 5)]
    assert set(near) <= {
        chord_word(r, q) for r, q in ((5, "maj"), (7, "maj"), (2, "min"), (4, "min"), (9, "min"))
    }
    functions = chord_functions(model)
    assert functions["tonics"] == 12 and functions["chance_rank"] == 12.0


def test_transposition_measures_on_embeddings_whose_answer_is_known(model):
    # pitch-class content is transposition-equivariant by construction: a permutation matrix maps it exactly
    exact = transposition(pitch_class_embedding(model.words))
    assert exact["map_accuracy"] == 1.0 and exact["analogies"] == 24 * 23 * 11
    noise = transposition(random_embedding(model.words, 16, seed=0))
    assert noise["map_accuracy"] < 0.2 and noise["analogy_accuracy"] < 0.2
    assert transposition(model)["map_accuracy"] > noise["map_accuracy"]


def test_cooccurrence_baseline_sees_the_circle_too(walk, model):
    counts = cooccurrence_embedding(sentences(walk), model.words, window=3, dim=8)
    assert key_distances(counts)["triad_major"]["rho"] > 0.7


def test_key_table_names_each_keys_nearest_key(walk, model):
    vectors, n = corpus_key_vectors(model, walk)
    assert n[:12].sum() == len(walk) and n[12:].sum() == 0
    table = key_table(vectors, n)
    assert len(table) == 12 and np.mean([row["fifths"] <= 1 for row in table]) >= 0.75


def test_training_is_deterministic_for_a_seed(walk, model):
    again = SliceModel.train(sentences(walk), TINY)
    assert again.words == model.words and np.array_equal(again.vectors, model.vectors)
    other = SliceModel.train(sentences(walk), SliceModelConfig(**{**TINY.to_dict(), "seed": 1}))
    assert not np.array_equal(other.vectors, model.vectors)


def test_save_and_load_round_trip(tmp_path, walk, model):
    model = SliceModel(model.words, model.vectors, model.counts, model.config, dict(model.card))
    model.key_vectors, model.key_pieces = corpus_key_vectors(model, walk)
    model.save_pretrained(tmp_path / "m", card={"name": "tiny", "data": "a random walk"})
    assert not (tmp_path / "m" / "config.json").exists()  # not to be taken for a language model folder
    back = SliceModel.from_pretrained(tmp_path / "m")
    assert back.words == model.words and back.counts == model.counts and back.config == model.config
    assert np.array_equal(back.vectors, model.vectors) and np.array_equal(back.key_pieces, model.key_pieces)
    assert np.allclose(back.key_vector("C major"), model.key_vector(0))
    assert back.most_similar("0-4-7", 3) == model.most_similar("0-4-7", 3)
    assert back.card["data"] == "a random walk" and "tiny" in (tmp_path / "m" / "README.md").read_text()
    with pytest.raises(ValueError, match="no corpus vector"):
        back.key_vector("A minor")  # no piece of the walk starts in a minor key


def test_errors_are_clear(tmp_path, model):
    with pytest.raises(ValueError, match="not in the vocabulary"):
        model.vector("0-1-2-3")
    with pytest.raises(ValueError, match="not a slice word"):
        model.most_similar("C major")
    with pytest.raises(ValueError, match="nothing to train on"):
        SliceModel.train([], TINY)
    with pytest.raises(ValueError, match="nothing to train on"):
        SliceModel.train([["0-4-7"]], SliceModelConfig(min_count=2))
    with pytest.raises(ValueError):
        SliceModelConfig(window=0)
    with pytest.raises(FileNotFoundError, match="no slice model"):
        SliceModel.from_pretrained(tmp_path / "missing")
    model.save_pretrained(tmp_path / "broken")
    (tmp_path / "broken" / CONFIG).write_text(json.dumps({"vector_size": 16, "colour": "red"}))
    with pytest.raises(ValueError, match="colour"):
        SliceModel.from_pretrained(tmp_path / "broken")
    model.save_pretrained(tmp_path / "broken")
    (tmp_path / "broken" / VECTORS).write_bytes(b"not safetensors")
    with pytest.raises(ValueError, match="unreadable vectors"):
        SliceModel.from_pretrained(tmp_path / "broken")
