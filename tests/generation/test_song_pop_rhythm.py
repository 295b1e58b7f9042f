"""Pop's rhythm learned from POP909 (issue 25): sixteenths, pickups and syncopations drawn from POP909's
development half, melismas where a line is short; the default for Chinese pop, asked for with
``learned=True`` otherwise; other styles and meters keep the eighth-note rhythm."""

from __future__ import annotations

import numpy as np
import pytest

from partita.generation.song import SLOT, TPQ, sing
from partita.generation.song_pop_rhythm import BREATH, PICKUP, ROOM, STEP, pop_bars, pop_line
from partita.generation.song_rhythm import LEARNED_RHYTHM, rhythm_for
from partita.lyrics import read_lyrics

SONG = """[verse]
Down by the river where the willows grow
I saw a light that I used to know
Over the water and across the sand
Came a song from a far off land
[chorus]
Sing it again and sing it loud
Sing to the sun behind the cloud
[verse 2]
Morning came and the light was gone
[chorus]
"""
BAR = 4 * TPQ


@pytest.mark.parametrize("melisma", [0.0, 0.3])
def test_a_line_places_every_syllable_in_order_within_its_bars(melisma):
    stresses = [True, False, True, False, False, True, False, True]
    for seed in range(20):
        line = pop_line(stresses, 2, np.random.default_rng(seed), melisma=melisma)
        notes = [n for syllable in line.notes for n in syllable]
        assert len(line.notes) == len(stresses) and all(line.notes)
        if melisma == 0.0:
            assert len(notes) == len(stresses)
        starts = [a for a, _ in notes]
        assert starts == sorted(set(starts)) and starts[0] >= -PICKUP
        assert all(a < b <= c for (a, b), (c, _) in zip(notes, notes[1:], strict=False))
        assert 16 <= starts[-1] <= line.total - ROOM and notes[-1][1] == line.total - BREATH
    again = pop_line(stresses, 2, np.random.default_rng(3), melisma=0.3)
    assert again == pop_line(stresses, 2, np.random.default_rng(3), melisma=0.3)


def test_gaps_and_onsets_follow_pop909_not_an_eighth_grid():
    rng = np.random.default_rng(0)
    gaps, offbeats = [], []
    for _ in range(60):
        line = pop_line([False] * 10, 2, rng, stress=0.0)
        starts = [a for syllable in line.notes for a, _ in syllable]
        gaps += np.diff(starts).tolist()
        offbeats += [a % 2 == 1 for a in starts]
    share = {g: float(np.mean([x == g for x in gaps])) for g in (1, 2, 3, 4)}
    assert share[2] == max(share.values())  # eighths the commonest gap, as in POP909 (0.49)
    assert share[1] > 0.1 and share[3] > 0.02  # sixteenths and dotted eighths too
    assert 0.05 < np.mean(offbeats) < 0.5  # some notes on a sixteenth off-beat
    assert sum(STEP[0].values()) == pytest.approx(1.0, abs=0.02)


def _by_section(song) -> dict[int, list[tuple[int, int, int]]]:
    out: dict[int, list[tuple[int, int, int]]] = {}
    first: dict[int, int] = {}
    for n in song.notes:
        start = first.setdefault(n.section, n.onset - n.onset % BAR)
        out.setdefault(n.section, []).append((n.onset - start, n.duration, n.pitch))
    return out


def test_a_pop_song_sings_sixteenths_and_pickups_and_its_chorus_recurs():
    lyrics = read_lyrics(SONG)
    song = sing(lyrics, style="pop", seed=1, learned=True)
    assert len([n for n in song.notes if n.syllable is not None]) == len(lyrics.syllables)
    assert any(n.onset % SLOT for n in song.notes)  # sixteenth off-beats (the old pop rhythm had none)
    firsts = {}
    for n in song.notes:
        firsts.setdefault((n.section, n.line), n.onset)
    assert any(t % BAR >= 3 * TPQ for t in firsts.values())  # a line starting on the beat before its bar
    for a, b in zip(song.notes, song.notes[1:], strict=False):
        assert a.duration > 0 and a.onset + a.duration <= b.onset
    sections = _by_section(song)
    assert sections[1] == sections[3]  # the same words, the same notes


def test_short_lines_fill_their_bars_with_melismas_and_long_lines_get_more_bars():
    assert (pop_bars(4), pop_bars(10), pop_bars(16), pop_bars(17)) == (1, 2, 2, 4)
    song = sing(read_lyrics("春眠不觉晓\n处处闻啼鸟\n夜来风雨声花落知多少"), style="pop")  # Chinese: learned
    assert len(song.notes) > len(song.lyrics.syllables)
    with pytest.raises(ValueError, match="do not fit"):
        pop_line([False] * 40, 1, np.random.default_rng(0))


def test_english_pop_other_styles_and_other_meters_keep_the_eighth_note_rhythm():
    assert LEARNED_RHYTHM["pop"].learned and rhythm_for("pop", "zh").learned
    assert rhythm_for("pop", "en", learned=True).learned
    cases = [("pop", "en"), ("pop", None), (None, "en"), ("chorale", None), (None, "zh"), ("chorale", "zh")]
    assert not any(rhythm_for(s, lang).learned for s, lang in cases)
    lyrics = read_lyrics(SONG)
    rules = sing(lyrics, style="pop", seed=2)
    assert rules.notes == sing(lyrics, style="pop", seed=2, learned=False).notes
    assert not any(n.onset % SLOT for n in rules.notes)  # English pop: the rules' eighth-note grid
    learned = sing(lyrics, style="pop", meter="3/4", seed=2, learned=True)  # 4/4 only
    assert sing(lyrics, style="pop", meter="3/4", seed=2, learned=False).notes == learned.notes
