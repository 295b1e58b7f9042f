"""Reprised lines (issue 25): real pop verses sing lines 1 and 3 to the same or nearly the same tune (an
ABAB line form); ``RhythmStyle.reprise`` lets a line re-use the tune of the nearest earlier line of its
section with the same cadence, a syllable more by splitting a note, one fewer by joining two. Line forms
(``RhythmStyle.line_form``): ABAB or AABA from the lyrics' lines, a line of another cadence sung to the
tune with its own ending (a near repeat)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from partita.generation import song_rhythm
from partita.generation.song import sing
from partita.generation.song_rhythm import SLOT, is_strong, section_form
from partita.lyrics import read_lyrics

SAME = """Morning light upon the water
Children running down the lane
Silver stars upon the river
Everybody home again"""
"""Lines 1 and 3 with one stress pattern (S u S u S u S u)."""
MORE = """Morning light upon the water
Children running down the lane
Silver stars on the river
Everybody home again"""
"""Line 3 with a syllable fewer than line 1."""


def _lines(song) -> dict[int, list[tuple[int, int, bool]]]:
    """Each line's notes: (onset from the line's first bar, pitch, carries a syllable)."""
    bar = 8 * SLOT
    out: dict[int, list] = {}
    for n in song.notes:
        out.setdefault(n.line, []).append(n)
    first = {k: min(n.onset for n in v) // bar * bar for k, v in out.items()}
    return {k: [(n.onset - first[k], n.pitch, n.syllable is not None) for n in v] for k, v in out.items()}


@pytest.fixture
def reprise(monkeypatch):
    def set_to(chance: float, **changes) -> None:
        monkeypatch.setitem(
            song_rhythm.STYLE_RHYTHM,
            "pop",
            replace(song_rhythm.STYLE_RHYTHM["pop"], reprise=chance, **changes),
        )

    return set_to


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_line_of_the_same_stresses_sings_the_earlier_lines_tune(reprise, seed):
    reprise(1.0)
    lines = _lines(sing(read_lyrics(SAME), style="pop", seed=seed))
    assert lines[2] == lines[0]
    assert lines[1] != lines[0]  # a line with another cadence is sung anew


def test_no_reprise_sings_each_line_anew(reprise):
    reprise(0.0)
    assert all(
        _lines(sing(read_lyrics(SAME), style="pop", seed=s))[2]
        != _lines(sing(read_lyrics(SAME), style="pop", seed=s))[0]
        for s in (0, 1, 2)
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_syllable_fewer_joins_two_notes_and_keeps_the_stresses_on_strong_beats(reprise, seed):
    reprise(1.0)
    song = sing(read_lyrics(MORE), style="pop", seed=seed)
    lines = _lines(song)
    one, three = lines[0], lines[2]
    assert sum(s for *_, s in three) == sum(s for *_, s in one) - 1
    assert [(t, p) for t, p, _ in one] == [(t, p) for t, p, _ in three]  # the tune, two notes one syllable
    reprise(0.0)
    fresh = sing(read_lyrics(MORE), style="pop", seed=seed)

    def on_strong(s) -> int:
        return sum(
            is_strong(n.onset, "4/4") for n in s.notes if n.line == 2 and n.syllable and n.syllable.stressed
        )

    assert on_strong(song) >= on_strong(fresh)


def _assert_chorus_recurs(text: str) -> None:
    """Sections 2 and 4 of ``text`` (a chorus and its repeat) sung as pop: the same notes."""
    by_section: dict[int, list] = {}
    for n in sing(read_lyrics(text), style="pop").notes:
        by_section.setdefault(n.section, []).append(n)
    a, b = by_section[1], by_section[3]
    shift = b[0].onset - a[0].onset
    assert [(n.onset + shift, n.pitch) for n in a] == [(n.onset, n.pitch) for n in b]


def test_a_repeated_chorus_keeps_its_notes_with_reprises(reprise):
    reprise(1.0)
    text = (
        "[verse]\n" + SAME + "\n\n[chorus]\nTake me home\nTake me home\n\n[verse 2]\n" + MORE + "\n\n[chorus]"
    )
    _assert_chorus_recurs(text)


def test_reprise_splits_a_quarter_for_a_syllable_more_and_keeps_the_stresses():
    from partita.generation.song import _Phrase
    from partita.generation.song_reprise import reprise as _reprise

    q = 2 * SLOT
    src = _Phrase([0, 2, 4], [0, 1, 2], 8, [0], [(0, q), (q, 2 * q), (2 * q, 4 * q)], runs=((), (), ()),
                  sung=((0,), (1,), (2,)))  # fmt: skip
    got = _reprise(src, [True, False, False, True], "4/4")
    assert got is not None and got.sung == ((0,), (0,), (1,), (2,))
    assert got.times == [(0, SLOT), (SLOT, q), (q, 2 * q), (2 * q, 4 * q)]
    assert _reprise(src, [True, False, True, False, True], "4/4") is None  # two more: sung anew
    fewer = _reprise(src, [True, True], "4/4")
    assert fewer is not None and fewer.sung == ((0, 1), (2,)) and fewer.runs == (((q, 2 * q),), ())


def test_pop_reprises_some_lines_by_default_and_other_styles_none():
    assert song_rhythm.STYLE_RHYTHM["pop"].reprise > 0.0
    assert song_rhythm.LEARNED_RHYTHM["pop"].reprise == 0.0
    pop = [_lines(sing(read_lyrics(SAME), style="pop", seed=s)) for s in range(6)]
    assert 0 < sum(lines[2] == lines[0] for lines in pop) < 6
    assert all(
        _lines(sing(read_lyrics(SAME), seed=s))[2] != _lines(sing(read_lyrics(SAME), seed=s))[0]
        for s in range(3)
    )


def test_vary_moves_only_off_beat_one_note_syllables_inside_the_line_by_a_step():
    import numpy as np

    from partita.generation.song import _Phrase
    from partita.generation.song_reprise import varied as _varied

    q = 2 * SLOT
    times = [(0, q), (q, 2 * q), (2 * q, 3 * q), (3 * q, 4 * q), (4 * q, 8 * q)]
    sung = ((0,), (1,), (2,), (3, 2), (4,))
    src = _Phrase([0, 2, 4, 6, 8], [0, 1, 2, 3, 4], 16, [0], times, runs=((), (), (), ((7 * q, 8 * q),), ()),
                  sung=sung)  # fmt: skip
    got = _varied(src, 1.0, "4/4", np.random.default_rng(0))
    assert got.times == src.times and got.runs == src.runs
    assert got.sung[0] == (0,) and got.sung[2] == (2,) and got.sung[3] == (3, 2) and got.sung[4] == (4,)
    assert abs(got.sung[1][0] - 1) == 1  # beat 2: a step away
    assert _varied(src, 0.0, "4/4", np.random.default_rng(0)).sung == sung


AABA = """Morning light upon the water
Silver stars upon the river
Nobody is calling me tonight
Golden leaves upon the meadow"""
"""8, 8, 9, 8 syllables: lines 1, 2 and 4 of one stress pattern, line 3 another: AABA."""


def _marks(text: str) -> list[list[bool]]:
    return [[s.stressed for s in line.syllables] for line in read_lyrics(text).sections[0].lines]


def test_section_form_follows_the_lines_syllables():
    s8, s7, s10 = [True, False] * 4, [True, False] * 3 + [True], [True, False] * 5
    assert section_form([s8, s7, s8, s7]) == [None, None, 0, 1]  # ABAB
    assert section_form([s8, s8, s10, s8]) == [None, 0, None, 0]  # AABA: line 3 does not fit line 1
    assert section_form([s8, s10, s7, s8 + s8]) == [None, None, 0, None]  # only what fits
    assert section_form([s8]) == [None]
    assert section_form([s8, s8]) == [None, 0]
    assert section_form(_marks(SAME)) == [None, None, 0, 1]  # ABAB
    assert section_form(_marks(AABA)) == [None, 0, None, 0]


def _near(a: list[tuple], b: list[tuple]) -> bool:
    """3/4 of the notes of each line are the other's (as ``bench_song_realism.phrase_repeats`` counts)."""
    return len(set(a) & set(b)) >= 0.75 * max(len(a), len(b))


BEFORE_EIGHTHS = {"durations": ((2, 0.8), (1, -0.6), (3, -0.3), (4, -0.4), (6, -1.5)), "sixteenths": 0.0}
"""Pop's note lengths before ``song_rhythm.POP_DURATIONS``: with them the second line of :data:`SAME` is
sung in eighths whose tune, fitted to the fourth line's extra syllable, puts one stress fewer on a strong
beat than the line sung anew, so the near repeat is not taken (docs/SONGS.md, Eighths and sixteenths)."""


def test_abab_sings_the_last_line_to_the_second_lines_tune_ending_on_the_tonic(reprise):
    reprise(1.0, line_form=True, **BEFORE_EIGHTHS)
    near = 0
    for seed in range(4):
        lines = _lines(sing(read_lyrics(SAME), style="pop", seed=seed))
        assert lines[2] == lines[0]  # the same cadence: the tune exactly
        assert lines[3][-1][1] % 12 == 0  # its own ending: the authentic cadence on C
        if _near(lines[3], lines[1]):
            near += 1
            assert lines[3] != lines[1] and lines[3][0] == lines[1][0]
    assert near >= 2
    reprise(1.0, line_form=False, **BEFORE_EIGHTHS)  # as before: no same-cadence line to sing
    before = [_lines(sing(read_lyrics(SAME), style="pop", seed=s)) for s in range(4)]
    assert not any(_near(lines[3], lines[1]) for lines in before)


def test_aaba_sings_lines_two_and_four_to_the_first_lines_tune_and_the_third_anew(reprise):
    reprise(1.0, line_form=True)
    aaba = 0
    for seed in range(4):
        lines = _lines(sing(read_lyrics(AABA), style="pop", seed=seed))
        assert not _near(lines[2], lines[0])  # B: sung anew
        aaba += _near(lines[1], lines[0]) and _near(lines[3], lines[0]) and lines[3][-1][1] % 12 == 0
    assert aaba >= 2


def test_line_forms_keep_a_repeated_chorus_and_other_styles(reprise):
    reprise(1.0, line_form=True)
    text = "[verse]\n" + AABA + "\n\n[chorus]\n" + SAME + "\n\n[verse 2]\n" + SAME + "\n\n[chorus]"
    _assert_chorus_recurs(text)
    for style in ("chorale", None):  # no reprises: each line anew
        lines = _lines(sing(read_lyrics(AABA), style=style, seed=0))
        assert not _near(lines[1], lines[0])
