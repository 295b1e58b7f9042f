"""The measures of whether music for a still image follows the image (issue 26,
``partita.evaluation.picture_following``, used by ``bench/bench_picture_still.py``)."""

from __future__ import annotations

import numpy as np
import pytest
from symusic import Note, Score, Tempo, TimeSignature, Track

from partita.evaluation.picture_following import following, identification, mode_agreement, music_properties

TPQ = 480
C_MAJOR = [60, 64, 67, 72, 67, 64, 60, 55, 60, 64, 67, 64, 65, 62, 59, 60]
A_MINOR = [57, 60, 64, 69, 64, 60, 57, 52, 57, 60, 64, 60, 62, 59, 56, 57]


def piece(pitches: list[int], qpm: float = 120.0, step: int = TPQ, velocity: int = 80) -> Score:
    """A piano line of ``pitches``, a note every ``step`` ticks, at ``qpm``."""
    score = Score(TPQ)
    score.time_signatures.append(TimeSignature(0, 4, 4))
    score.tempos.append(Tempo(0, qpm=qpm))
    track = Track(program=0)
    for k, pitch in enumerate(pitches):
        track.notes.append(Note(k * step, step, pitch, velocity))
    score.tracks.append(track)
    return score


def test_music_properties_read_mode_tempo_register_density():
    major = music_properties(piece(C_MAJOR))
    minor = music_properties(piece(A_MINOR, qpm=60.0, step=TPQ // 2, velocity=50))
    assert major["major"] == 1.0 and major["key"].endswith("major")
    assert minor["major"] == 0.0 and minor["key"].endswith("minor")
    assert major["tempo"] == pytest.approx(120.0) and minor["tempo"] == pytest.approx(60.0)
    assert major["mean_pitch"] == pytest.approx(np.mean(C_MAJOR))
    assert (major["notes_per_quarter"], minor["notes_per_quarter"]) == pytest.approx((1.0, 2.0))
    assert (major["onsets_per_quarter"], minor["onsets_per_quarter"]) == pytest.approx((1.0, 2.0))
    assert (major["notes_per_second"], minor["notes_per_second"]) == pytest.approx((2.0, 2.0))
    assert (major["velocity"], minor["velocity"]) == (80.0, 50.0)


def test_music_properties_of_a_piece_without_notes_are_none():
    assert set(music_properties(Score(TPQ)).values()) == {None}


def test_following_beats_the_same_music_paired_otherwise():
    intended = list(range(10))
    got = following(intended, [2.0 * x + 1 for x in intended], seed=0, draws=500)
    assert got["rho"] == pytest.approx(1.0) and got["p"] < 0.01
    assert got["chance95"] < 0.8 and got["another"] < got["rho"]
    backwards = following(intended, [-x for x in intended], seed=0, draws=500)
    assert backwards["rho"] == pytest.approx(-1.0) and backwards["p"] == pytest.approx(1.0)
    assert following([1, 2, None, 4, 5], [1, 2, 3, None, 6])["n"] == 3


def test_mode_agreement_and_its_chance():
    got = mode_agreement(["major", "minor", None, "major"], ["major", "minor", "major", "minor"])
    assert got["n"] == 3 and got["agree"] == pytest.approx(2 / 3, abs=1e-4)
    asked_major, heard_major = 2 / 3, 1 / 3
    chance = asked_major * heard_major + (1 - asked_major) * (1 - heard_major)
    assert got["chance"] == pytest.approx(chance, abs=1e-4)


def test_identification_finds_each_image_only_when_the_music_follows_it():
    rng = np.random.default_rng(0)
    images = rng.normal(size=(12, 3))
    close = identification(images, 10 * images + 60 + rng.normal(scale=0.05, size=images.shape))
    assert close["top1"] == 1.0 and close["rank"] == 1.0
    shuffled = identification(images, images[rng.permutation(12)])
    assert shuffled["top1"] < 0.5 and shuffled["rank"] > close["rank"]
    assert close["chance_top1"] == pytest.approx(1 / 12, abs=1e-4) and close["chance_rank"] == 6.5
