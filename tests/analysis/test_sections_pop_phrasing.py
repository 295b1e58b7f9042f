"""Sections of pop songs as a listener counts them: phrases after an intro, in four-beat bars when the file
declares one-beat bars (1/4, as most of POP909 does), and the whole of a long file analysed."""

from __future__ import annotations

import symusic

from partita.analysis import describe
from partita.analysis.structure import find_sections
from partita.analysis.timeline import beat_grid, note_arrays

TPQ = 480
BAR = 4 * TPQ
# two 8-bar phrases: a verse and a chorus, each bar its own melody figure and chord
VERSE = [(60, 64, 67, 64), (62, 65, 69, 65), (64, 67, 71, 67), (65, 69, 72, 69)] * 2
CHORUS = [(72, 71, 69, 67), (74, 72, 71, 69), (76, 74, 72, 71), (77, 76, 74, 72)] * 2
VERSE_BASS = [48, 45, 41, 43, 48, 45, 41, 43]
CHORUS_BASS = [41, 43, 40, 45, 41, 43, 40, 45]
VERSE_RHYTHM = (1.0, 0.5, 0.5, 2.0)
CHORUS_RHYTHM = (0.5, 0.5, 1.0, 2.0)


def _song(form: str = "VCCVC", intro_bars: int = 2, numerator: int = 1, songs: int = 1) -> symusic.Score:
    """``songs`` copies of a song: ``intro_bars`` bars of a held chord, then its phrases in ``form`` (V verse,
    C chorus, 8 bars each); bars of four quarters whatever ``numerator``/4 the file declares."""
    score = symusic.Score(TPQ)
    score.time_signatures.append(symusic.TimeSignature(0, numerator, 4))
    score.tempos.append(symusic.Tempo(0, 120.0))
    melody, bass = symusic.Track("Melody", 0), symusic.Track("Bass", 33)
    bar = 0
    for _ in range(songs):
        for i in range(intro_bars):
            for p in (55, 59, 62):
                melody.notes.append(symusic.Note(bar * BAR, BAR, p, 50))
            bass.notes.append(symusic.Note(bar * BAR, BAR, 36 + i, 70))
            bar += 1
        for phrase in form:
            figures, low, rhythm = (
                (VERSE, VERSE_BASS, VERSE_RHYTHM) if phrase == "V" else (CHORUS, CHORUS_BASS, CHORUS_RHYTHM)
            )
            for fig, b in zip(figures, low, strict=True):
                t = bar * BAR
                for pitch, q in zip(fig, rhythm, strict=True):
                    melody.notes.append(symusic.Note(t, int(q * TPQ) - 10, pitch, 90))
                    t += int(q * TPQ)
                bass.notes.append(symusic.Note(bar * BAR, BAR - 10, b, 100))
                bar += 1
    score.tracks.extend([melody, bass])
    return score


def _bounds(d) -> list[float]:
    return [s["start"] for s in d.sections]


def test_phrases_start_after_an_intro_when_shifting_is_asked_for():
    score = _song(numerator=4)
    notes = note_arrays(score)
    grid = beat_grid(score, notes, int(notes.end.max()))
    assert find_sections(notes, grid.bars)[1][0] == 8  # by default blocks count from the first bar
    sections = find_sections(notes, grid.bars, shift=True)
    assert [(a, b) for a, b, _ in sections] == [(0, 2), (2, 10), (10, 18), (18, 26), (26, 34), (34, 42)]
    labels = [lab for *_, lab in sections]
    assert labels[1] == labels[4] and labels[2] == labels[3] == labels[5]
    assert len({labels[0], labels[1], labels[2]}) == 3


def test_a_file_of_one_beat_bars_gets_phrase_sized_sections():
    d = describe(_song(numerator=1), analyse_chords=False)
    assert d.n_bars == 42 * 4  # the file's own bars, one beat each
    seconds_per_bar = 2.0  # four quarters at 120 bpm
    assert _bounds(d) == [x * seconds_per_bar for x in (0, 2, 10, 18, 26, 34)]
    assert [s["bars"] for s in d.sections][1] == [8, 40]  # indices into the file's one-beat bars
    labels = [s["label"] for s in d.sections]
    assert labels[1] == labels[4] != labels[2] == labels[3] == labels[5]


def test_the_same_song_reads_alike_in_one_beat_and_four_beat_bars():
    one = describe(_song(numerator=1, intro_bars=0), analyse_chords=False)
    four = describe(_song(numerator=4, intro_bars=0), analyse_chords=False)
    assert len(four.sections) == 5
    assert _bounds(one) == _bounds(four)
    assert [s["label"] for s in one.sections] == [s["label"] for s in four.sections]


def test_a_long_file_of_one_beat_bars_is_analysed_to_its_end():
    # 13 songs joined: 2,184 one-beat bars, more than the 2,000 bars compared before; no section may swallow
    # the rest of the file
    d = describe(_song(numerator=1, songs=13), analyse_chords=False)
    lengths = [s["end"] - s["start"] for s in d.sections]
    assert d.sections[-1]["end"] == d.duration
    assert max(lengths) <= 16 * 2.0, max(lengths)
    assert 13 * 2 <= len(d.sections) <= 13 * 6
