"""Pop accompaniment from POP909's figures: a song's opening cut, re-voiced to new chords, under a melody."""

from __future__ import annotations

import numpy as np
import pytest
import symusic

from partita.analysis.chords import QUALITIES
from partita.generation import pop_texture as pt
from partita.generation.harmony import chord_pitch_classes
from partita.pipelines import Generator

MAJ, MIN, MAJ7 = (pt.QUALITY_NAMES.index(q) for q in ("maj", "min", "maj7"))
C, F, G, A = 0, 5, 7, 9
C_MAJOR = np.array([0, 2, 4, 5, 7, 9, 11])


def test_a_chord_tone_moves_to_the_tone_of_the_new_chord_nearest_it():
    # E4 (the third of C) over F: the nearest tone of F major is F4 (one up), not A4 (its third)
    assert pt.revoice_pitch(64, (C, MAJ), (F, MAJ), C_MAJOR, 0) == 65
    # G3 (the fifth of C) over A minor: E is 3 away, A 2 away: A3
    assert pt.revoice_pitch(55, (C, MAJ), (A, MIN), C_MAJOR, 0) == 57
    # a bass note on the root goes to the new root, the nearest one
    assert pt.revoice_pitch(36, (C, MAJ), (G, MAJ), C_MAJOR, 0, bass=True) == 31
    assert pt.revoice_pitch(36, (C, MAJ), (F, MAJ), C_MAJOR, 0, bass=True) == 41


def test_a_note_between_chord_tones_keeps_its_distance_from_the_root():
    # D4 over C (a ninth) over G: A4, nine semitones... the nearest A to D4+0 is A3 or A4: A3 (5 down) vs
    # A4 (7 up): A3
    assert pt.revoice_pitch(62, (C, MAJ), (G, MAJ), C_MAJOR, 0) == 57


def test_a_key_shift_moves_the_figure_with_the_key_and_no_chord_snaps_to_the_scale():
    # the passage in C, the piece in D (shift 2): C4 over C -> D4 over D
    assert pt.revoice_pitch(60, (C, MAJ), (2, MAJ), C_MAJOR, 2) == 62
    # no chord known: the note moved by the shift, then onto the scale given (D major)
    d_major = (C_MAJOR + 2) % 12
    assert pt.revoice_pitch(61, (-1, 0), (2, MAJ), d_major, 2) in (62, 64)


def test_a_seventh_in_the_figure_stays_a_seventh_over_a_plain_triad():
    # E4 under a C maj7 figure, over F major: the chord keeps its colour (F maj7: F A C E), so E4 stays;
    # under a plain C triad it would move to F4
    assert QUALITIES["maj7"] == (0, 4, 7, 11)
    assert pt.revoice_pitch(64, (C, MAJ7), (F, MAJ), C_MAJOR, 0) == 64
    assert pt.revoice_pitch(64, (C, MAJ), (F, MAJ), C_MAJOR, 0) == 65


def _song(bars: int = 20) -> tuple[symusic.Score, np.ndarray, np.ndarray, list[str]]:
    """A song in C: 2 bars of piano alone, then a melody; the piano plays the bar's chord on each beat."""
    tpq = 480
    s = symusic.Score(tpq)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    melody, piano = symusic.Track("MELODY", 0, False), symusic.Track("PIANO", 0, False)
    chords = ["C:maj", "A:min", "F:maj", "G:maj"]
    labels = []
    for b in range(bars):
        label = chords[b % 4]
        root = {"C": 48, "A": 45, "F": 41, "G": 43}[label[0]]
        for beat in range(4):
            t = (b * 4 + beat) * tpq
            piano.notes.append(
                symusic.Note(t, tpq, root if beat == 0 else root + 12 + (4 if "maj" in label else 3), 60)
            )
            labels.append(label)
        if b >= 2:
            melody.notes.append(symusic.Note(b * 4 * tpq, 2 * tpq, 72, 80))
    s.tracks.extend([melody, piano])
    beats = np.arange(bars * 4 + 1) * tpq
    downbeat = np.arange(bars * 4 + 1) % 4 == 0
    return s, beats.astype(float), downbeat, labels


def test_a_songs_opening_is_cut_on_its_beats_with_its_chords_and_where_it_sings():
    score, beats, downbeat, labels = _song()
    [(rows, roots, quals, sung)] = pt.song_passages(score, beats, downbeat, labels, bars=16)
    assert len(roots) == 64 and roots[:8].tolist() == [C] * 4 + [A] * 4 and quals[4] == MIN
    assert sung[:2].tolist() == [0, 0] and sung[2:].all()  # the melody comes in at bar 3
    assert rows[:, 0].max() < 64 * pt.GRID and set(rows[:, 0] % pt.GRID) == {0}  # on the beats
    assert set(rows[:, 4]) == {0}  # the PIANO part only (no BRIDGE in this song)
    # a song whose melody comes in too late has no opening to give
    assert pt.song_passages(score, beats, downbeat, labels, bars=16, most_intro=1) == []


def _library() -> pt.TextureLibrary:
    score, beats, downbeat, labels = _song()
    rows, roots, quals, sung = pt.song_passages(score, beats, downbeat, labels, bars=16)[0]
    return pt.TextureLibrary(
        notes=np.column_stack([np.zeros(len(rows), dtype=np.int64), rows]),
        roots=roots[None, :],
        qualities=quals[None, :],
        bars=16,
        songs=["test:001"],
        sung=sung[None, :],
        tonics=np.array([C]),
    )


def _melody(bars: int = 8, meter=(4, 4)) -> symusic.Score:
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, *meter))
    t = symusic.Track("Flute", 73, False)
    for b in range(bars):
        t.notes.append(symusic.Note(b * meter[0] * 480, 480, 74, 80))
    s.tracks.append(t)
    return s


def test_the_figure_is_played_on_the_new_chords_under_a_melody():
    chords = ["D:maj", "B:min", "G:maj", "A:maj"] * 2
    parts, index = pt.figure_parts(_melody(), 8, chords, "D major", _library(), np.random.default_rng(0))
    assert index == 0
    notes = parts.tracks[0].notes
    bar = 4 * 480
    assert {n.time // bar for n in notes} == set(range(8))  # every bar, none past the melody's
    for n in notes:  # each note a tone of its bar's chord (the figure has no passing notes)
        assert n.pitch % 12 in chord_pitch_classes(chords[n.time // bar])
    assert (
        pt.figure_parts(_melody(meter=(3, 4)), 8, chords, "D major", _library(), np.random.default_rng(0))
        is None
    )


def test_the_shipped_library_loads_and_holds_training_songs():
    library = pt.load_texture_library()
    assert len(library) > 100 and library.bars == 16
    assert library.roots.shape == (len(library), 64) and library.sung.shape == (len(library), 16)
    assert all(song.startswith("pop909:") and int(song.split(":")[1]) <= 800 for song in library.songs)
    with pytest.raises(FileNotFoundError, match="fit-pop-textures"):
        pt.load_texture_library("/nonexistent/library.safetensors")


def test_the_generator_accompanies_with_figures_when_asked(tmp_path):
    generator = Generator.debug(seed=0)
    whole, cands = generator.accompany(
        _melody(), "a pop song for piano", n=2, seed=3, selector=None, figures=True
    )
    assert len(cands) == 2 and any("opening figures of POP909" in note for note in whole.notes)
    for cand in cands:
        assert cand.score.tracks[0].notes == _melody().tracks[0].notes  # the melody as written
        assert any("POP909" in r for r in cand.remarks) and len(cand.score.tracks) >= 2
    # a melody in 3/4 has no figure: the parts are sampled, and the request says so
    whole, cands = generator.accompany(
        _melody(meter=(3, 4)), "a pop song for piano", n=1, seed=3, figures=True
    )
    assert not any("POP909" in r for r in cands[0].remarks)
    assert any("no library figure" in note for note in whole.notes)


def test_the_bridge_rests_where_the_new_melody_sings_over_the_songs_intro():
    bar = pt.BEATS * pt.GRID
    rows = np.array(
        [
            [0, 12, 72, 80, 1],  # bridge, bar 1: the song's intro tune, our melody sings: dropped
            [bar, 12, 72, 80, 1],  # bridge, bar 2: the song's melody sang too: kept
            [2 * bar, 12, 72, 80, 1],  # bridge, bar 3: our melody rests: kept
            [0, 12, 48, 80, 0],  # piano, bar 1: kept
        ]
    )
    kept = pt._bridge_rests(rows, np.array([0, 1, 0]), np.array([True, True, False]))
    assert kept[:, 0].tolist() == [bar, 2 * bar, 0] and kept[:, 4].tolist() == [1, 1, 0]
    # a bar where the bridge plays alone keeps it: no bar goes silent under the melody
    alone = rows[rows[:, 4] == 1]
    assert len(pt._bridge_rests(alone, np.array([0, 1, 0]), np.array([True, True, False]))) == 3


def test_partita_accompany_says_the_parts_are_figures(tmp_path, capsys):
    from partita.cli.main import main
    from partita.score import write_midi

    path = write_midi(_melody(), tmp_path / "tune.mid")
    args = ["accompany", str(path), "a pop song for piano", "--model", "debug", "--n", "1"]
    assert main([*args, "-o", str(tmp_path / "a")]) == 0
    assert "note: the parts are opening figures of POP909 songs" in capsys.readouterr().out
    assert main([*args, "--sampled-parts", "-o", str(tmp_path / "b")]) == 0
    assert "opening figures" not in capsys.readouterr().out
