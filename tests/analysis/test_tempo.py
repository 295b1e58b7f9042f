import math

import pytest

from partita.analysis.tempo import (
    N_TEMPO_BINS,
    TEMPO_BOUNDARIES,
    TEMPO_TERMS,
    tempo_bin,
    tempo_bin_center,
    tempo_bin_range,
    tempo_term,
)


def test_boundaries_are_mustangos():
    assert TEMPO_BOUNDARIES == (40, 60, 70, 90, 110, 140, 160, 210)
    assert len(TEMPO_TERMS) == N_TEMPO_BINS == 9


@pytest.mark.parametrize(
    ("bpm", "index", "term"),
    [
        (20, 0, "Grave"),
        (39.99, 0, "Grave"),
        (40, 1, "Largo"),
        (65, 2, "Larghetto"),
        (70, 3, "Adagio"),
        (100, 4, "Andante"),
        (120, 5, "Moderato"),
        (150, 6, "Allegro"),
        (180, 7, "Vivace"),
        (210, 8, "Presto"),
        (400, 8, "Presto"),
    ],
)
def test_bins_and_terms(bpm, index, term):
    assert tempo_bin(bpm) == index
    assert tempo_term(bpm) == term


def test_every_boundary_opens_the_next_bin():
    for i, b in enumerate(TEMPO_BOUNDARIES):
        assert tempo_bin(b) == i + 1
        assert tempo_bin(b - 1e-6) == i


def test_ranges_and_centres_are_consistent():
    for i in range(N_TEMPO_BINS):
        low, high = tempo_bin_range(i)
        assert low < high
        assert tempo_bin(tempo_bin_center(i)) == i
    assert tempo_bin_range(8)[1] == math.inf
    with pytest.raises(ValueError):
        tempo_bin_range(9)


@pytest.mark.parametrize("bad", [0, -5, float("nan"), float("inf"), "fast", None])
def test_bad_tempo_is_refused_with_a_message(bad):
    with pytest.raises(ValueError, match="tempo"):
        tempo_bin(bad)
