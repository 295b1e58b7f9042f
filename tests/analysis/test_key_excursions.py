"""Short key changes that the 8-bar regions miss: a passage in the parallel mode, an intro in another key.

POP909's annotated changes that ``key_segments`` missed were mostly such (B major to B minor for 26 s, an
intro of 5 bars in another key); a short passage in the dominant or the relative key is still no change
(issue 20, bench/bench_key_changes.py).
"""

from __future__ import annotations

import symusic
from analysis_scores import progression_score

from partita.analysis.key import estimate_key, key_name, key_segments, neighbour_keys, parse_key
from partita.analysis.timeline import beat_grid, note_arrays

TPQ = 480
MAJOR = ["C", "F", "G", "C", "Am", "Dm", "G", "C"]
PARALLEL_MINOR = ["Cm", "Fm", "G", "Cm", "Ab", "Bb", "Eb", "Cm"]


def _score(chords: list[str], meter: tuple[int, int] = (4, 4)) -> symusic.Score:
    """Two chords a bar of four quarter notes (held triad, root below, a melody of its notes)."""
    return progression_score(chords, beats_per_chord=2, tpq=TPQ, time_signature=meter)


def _regions(score: symusic.Score, **kw) -> list[tuple[float, str]]:
    """(start in bars of four quarter notes, key name) of each key region."""
    notes = note_arrays(score)
    grid = beat_grid(score, notes, int(notes.end.max()))
    est = estimate_key(notes)
    regions = key_segments(notes, grid.bars, est.index, ticks_per_quarter=TPQ, **kw)
    return [(float(grid.bars[a]) / (4 * TPQ), key_name(k)) for a, _, k in regions]


def test_a_short_passage_in_the_parallel_minor_is_a_key_change():
    """16 bars of C major, 12 of C minor (29 s), 16 of C major: three regions, the changes within two bars
    of bars 16 and 28, in 4/4 and in 1/4. The 8-bar regions alone (as before) keep one key: they need about
    16 bars of the parallel minor."""
    chords = MAJOR * 4 + PARALLEL_MINOR * 3 + MAJOR * 4
    for meter in ((4, 4), (1, 4)):
        regions = _regions(_score(chords, meter))
        assert [k for _, k in regions] == ["C major", "C minor", "C major"], regions
        assert abs(regions[1][0] - 16) <= 2 and abs(regions[2][0] - 28) <= 2, regions
    assert [k for _, k in _regions(_score(chords), excursions=False)] == ["C major"]


def test_an_intro_in_another_key_is_its_own_region():
    """A 4-bar intro in Eb major before 32 bars of C major: the intro is a region of its own."""
    intro = ["Eb", "Ab", "Bb", "Eb"] * 2
    regions = _regions(_score(intro + MAJOR * 8))
    assert [k for _, k in regions] == ["Eb major", "C major"], regions
    assert abs(regions[1][0] - 4) <= 1, regions


def test_a_passage_in_a_neighbouring_key_is_no_change():
    """Six bars around the dominant (G major, D major chords) or the relative minor inside C major stay C
    major: they share six of its seven notes, and POP909's annotators mark no change there."""
    for passage in (["G", "D", "G", "D", "G", "C"] * 2, ["Am", "Dm", "Am", "Dm", "Am", "Am"] * 2):
        regions = _regions(_score(MAJOR * 4 + passage + MAJOR * 4))
        assert [k for _, k in regions] == ["C major"], (passage, regions)


def test_neighbour_keys():
    assert [key_name(k) for k in neighbour_keys(parse_key("C major"))] == [
        "C major",
        "F major",
        "G major",
        "D minor",
        "E minor",
        "A minor",
    ]
    assert neighbour_keys(parse_key("A minor")) == neighbour_keys(parse_key("C major"))
    assert parse_key("C minor") not in neighbour_keys(parse_key("C major"))
