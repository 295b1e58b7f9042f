import torch

from partita.generation.harmony import chord_pitch_classes, scale_pitch_classes
from partita.generation.rules.bass_roots import BassRoots
from partita.generation.rules.chords import ChordMasks

# ids as BPE would merge them (base tokens each), resolution 4 positions per beat
_IDS = [
    ["Pitch_60"],  # E: a C, at whatever onset is open
    ["Pitch_62"],  # D
    ["Position_0", "Pitch_62"],  # D on the downbeat
    ["Position_2", "Pitch_62"],  # D between beats
    ["Duration_1.0.8", "Bar_None", "Position_0", "Pitch_67"],  # G on the next bar's downbeat
    ["Duration_1.0.8", "Bar_None", "Position_0", "Pitch_64"],  # E on the next bar's downbeat
    [],  # a special id
]


def test_notes_on_beats_are_chord_tones_and_between_beats_may_be_scale_tones():
    m = ChordMasks(_IDS, ["C:maj", "G:maj"], resolution=4, scale=scale_pitch_classes("C", "major"))
    # bar 1 (C major), the open onset on a beat: D is neither a chord tone there nor allowed on the beat
    bad = m.bad(1, position=4)
    assert bad.tolist() == [False, True, True, False, False, True, False]
    # between beats a scale tone passes
    assert m.bad(1, position=6)[1].item() is False
    # bar 2 (G major); the next bar line opens bar 3, which loops back to C: G and E both fit it
    assert m.bad(2, position=0).tolist() == [True, False, False, False, False, False, False]


def test_chord_tones_only_and_no_chord():
    m = ChordMasks(_IDS, ["C:maj", "N"], resolution=4, scale=None)
    assert m.bad(1, position=6)[3].item() is True  # no scale: D between beats is out too
    assert not m.bad(2, position=0)[:4].any()  # "N": nothing enforced in the bar
    assert m.chord_index(5) == 0 and m.chord_index(6) == 1
    assert isinstance(m.bad(0, -1), torch.Tensor)


def test_pitch_classes():
    assert chord_pitch_classes("Db:maj") == chord_pitch_classes("C#:maj") == {1, 5, 8}
    assert scale_pitch_classes("A", "minor") == {9, 11, 0, 2, 4, 5, 7, 8}


_BASS_IDS = [
    ["Program_32"],  # the bass is named
    ["Program_0"],  # the piano
    ["Pitch_45"],  # A, for whichever program is open
    ["Pitch_48"],  # C
    ["Program_32", "Pitch_36"],  # the bass plays C
    ["Duration_1.0.8", "Bar_None", "Position_0", "Program_32", "Pitch_45"],  # the next bar's bass opens on A
    ["Duration_1.0.8", "Bar_None", "Position_0", "Program_0", "Pitch_45", "Velocity_79"],  # the piano's A
]


def test_the_bass_opens_each_bar_on_its_chords_root():
    m = BassRoots(_BASS_IDS, ["A:min", "C:maj"], bass=32)
    row = m.start()
    m.advance(row, 1)  # the piano is open: its pitches are free; the bass playing C in an A minor bar is not
    assert m.bad(row, 1, 7).tolist() == [False, False, False, False, True, True, False]
    m.advance(row, 0)  # the bass is open: its first note of the bar must be A
    assert m.bad(row, 1, 7).tolist()[2:4] == [False, True]
    m.advance(row, 2)  # it played A: the rest of the bar is free, the next bar (C major) must open on C
    assert m.bad(row, 1, 7).tolist() == [False, False, False, False, False, True, False]
    m.advance(row, 6)  # bar 2 opened with the piano's A; the bass has not played in it yet
    assert not row["played"] and not row["on_bass"]
    assert (
        m.bad(row, 2, 7)[4].item() is False and m.bad(row, 2, 7)[5].item() is False
    )  # bar 3 loops to A minor
