"""Retexted lines (issue 25, ``RhythmStyle.retext``): most of POP909's near repeats change a repeated line's
rhythm (a note added or taken away where the words differ), not only its ending. A line whose syllables
differ from its tune's by more than one sings the tune's first half note for note and the rest to its own
rhythm, each note there on the tune's note sounding at its onset."""

from __future__ import annotations

from dataclasses import replace

import pytest

from partita.generation import song_rhythm
from partita.generation.song import sing
from partita.generation.song_rhythm import SLOT, is_strong, section_form
from partita.lyrics import read_lyrics

TEXT = """Silver stars tonight
Children running down the lane
Morning light is on the town
Everybody home again"""
"""Line 3 (7 syllables) is sung to line 1's tune (5 syllables: ABAB), two syllables more than it."""
BAR = 8 * SLOT


def _lines(song) -> dict[int, list[tuple[int, int, bool]]]:
    """Each line's notes: (onset from the line's first bar, pitch, carries a syllable)."""
    out: dict[int, list] = {}
    for n in song.notes:
        out.setdefault(n.line, []).append(n)
    return {k: [(n.onset - v[0].onset // BAR * BAR, n.pitch, n.syllable is not None) for n in v]
            for k, v in out.items()}  # fmt: skip


@pytest.fixture
def style(monkeypatch):
    def set_to(**changes) -> None:
        pop = replace(song_rhythm.STYLE_RHYTHM["pop"], **changes)
        monkeypatch.setitem(song_rhythm.STYLE_RHYTHM, "pop", pop)

    return set_to


def test_the_form_names_a_tune_for_lines_of_other_lengths_only_when_loose():
    stresses = [[s.stressed for s in line.syllables] for line in read_lyrics(TEXT).lines]
    assert section_form(stresses) == [None, None, None, 1]  # 5 against 7 syllables: no tune
    assert section_form(stresses, loose=True) == [None, None, 0, 1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_longer_line_keeps_the_tunes_first_bar_and_sings_its_notes_to_its_own_rhythm(style, seed):
    style(reprise=1.0, retext=1.0)
    lines = _lines(sing(read_lyrics(TEXT), style="pop", seed=seed))
    tune, line = lines[0], lines[2]
    assert [n for n in line if n[0] < BAR] == [n for n in tune if n[0] < BAR]  # the first bar note for note
    assert sum(s for *_, s in line) == 7  # every syllable of its own
    rest = [n for n in line if n[0] >= BAR]
    for t, p, _ in rest[:-1]:  # each note of the rest on the tune's note sounding at its onset
        assert p == [q for a, q, _ in tune if a <= t][-1]
    assert rest[-1][1] == tune[-1][1]  # the same cadence: the tune's last note
    style(reprise=1.0, retext=0.0)
    before = _lines(sing(read_lyrics(TEXT), style="pop", seed=seed))[2]
    assert before != line and [n for n in before if n[0] < BAR] != [n for n in tune if n[0] < BAR]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_retexted_line_keeps_its_stresses_on_strong_beats(style, seed):
    def strong(song) -> int:
        return sum(
            n.syllable.stressed and is_strong(n.onset, song.meter)
            for n in song.notes
            if n.line == 2 and n.syllable is not None
        )

    style(reprise=1.0, retext=1.0)
    got = sing(read_lyrics(TEXT), style="pop", seed=seed)
    style(reprise=0.0, retext=0.0)
    assert strong(got) >= strong(sing(read_lyrics(TEXT), style="pop", seed=seed))
