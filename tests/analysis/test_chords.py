import mir_eval
from analysis_scores import progression_score

from partita.analysis.chords import (
    chord_label,
    chords_per_bar,
    common_progression,
    estimate_chords,
    merge_labels,
    naive_chords,
)
from partita.analysis.timeline import beat_grid, note_arrays


def _grid(score):
    notes = note_arrays(score)
    return notes, beat_grid(score, notes, int(notes.end.max()))


def test_labels_are_mir_eval_syntax():
    assert chord_label(9, "min7") == "A:min7"
    for lab in ("C:maj", "Db:min7", "B:hdim7", "N"):
        mir_eval.chord.split(lab)


def test_progression_is_recognised_per_bar():
    score = progression_score(["C", "Am", "F", "G", "Dm", "Em", "F", "G"])
    notes, grid = _grid(score)
    labels = estimate_chords(notes.select(~notes.drum), grid.beats, melody_track=0)
    segments = merge_labels(labels, grid.beats)
    bars = chords_per_bar(segments, grid.bars)
    assert bars == ["C:maj", "A:min", "F:maj", "G:maj", "D:min", "E:min", "F:maj", "G:maj"]


def test_smoothing_holds_a_chord_through_a_passing_tone():
    score = progression_score(["C", "F"])
    # a loud passing D-F# dyad for one beat in the middle of the C bar
    import symusic

    score.tracks[1].notes.append(symusic.Note(480, 240, 62, 70))
    score.tracks[1].notes.append(symusic.Note(480, 240, 66, 70))
    notes, grid = _grid(score)
    labels = estimate_chords(notes, grid.beats, melody_track=0)
    assert labels[:4] == ["C:maj"] * 4


def test_silence_is_no_chord():
    score = progression_score(["C", "G"])
    for t in score.tracks:
        for n in t.notes:
            n.time += 4 * 480  # one silent bar first
    notes, grid = _grid(score)
    labels = estimate_chords(notes, grid.beats)
    assert labels[0] == "N"
    assert "C:maj" in labels


def test_naive_baseline_knows_only_triads():
    score = progression_score(["C", "Am"])
    notes, grid = _grid(score)
    labels = naive_chords(notes, grid.beats)
    assert set(labels) <= {"C:maj", "A:min"}
    assert all(lab.split(":")[1] in ("maj", "min") for lab in labels)


def test_common_progression():
    seq = ["N", "C:maj", "A:min", "F:maj", "G:maj"] * 3 + ["D:min"]
    assert common_progression(seq) == ["C:maj", "A:min", "F:maj", "G:maj"]
    assert common_progression(["C:maj", "G:maj"]) == []
    assert common_progression([]) == []


def test_unknown_method_is_refused():
    import pytest

    score = progression_score(["C"])
    notes, grid = _grid(score)
    with pytest.raises(ValueError, match="unknown chord method"):
        estimate_chords(notes, grid.beats, method="magic")
    assert estimate_chords(notes, grid.beats, method="templates")[0] == "C:maj"


def test_chords_are_spelled_as_the_key_spells_them():
    from partita.analysis.chords import spell_in_key
    from partita.analysis.key import parse_key

    f_sharp, d_flat = parse_key("F# major"), parse_key("Db major")
    assert [spell_in_key(c, f_sharp) for c in ("Bb:min", "Eb:min", "Db:maj", "Gb:maj")] == [
        "A#:min",
        "D#:min",
        "C#:maj",
        "F#:maj",
    ]
    assert [spell_in_key(c, d_flat) for c in ("A#:min", "F#:maj", "C:dim")] == ["Bb:min", "Gb:maj", "C:dim"]
    assert spell_in_key("C#:min7", parse_key("E minor")) == "C#:min7"
    assert spell_in_key("N", f_sharp) == "N" and spell_in_key("X", f_sharp) == "X"


def test_describe_spells_the_chords_of_a_sharp_key_with_sharps():
    import symusic

    from partita.analysis import describe

    score = symusic.Score(480)
    track = symusic.Track(program=0)
    # F# major: F#-A#-C#, B-D#-F#, C#-E#-G#, back to F#; two bars each, whole notes
    for bar, chord in enumerate([(66, 70, 73), (71, 75, 78), (73, 77, 80), (66, 70, 73)] * 2):
        for pitch in chord:
            track.notes.append(symusic.Note(bar * 1920, 1920, pitch, 80))
    score.tracks.append(track)
    d = describe(score)
    assert d.key == "F# major"
    roots = {label.split(":")[0] for label in d.bar_chords if label != "N"}
    assert roots and roots <= {"F#", "B", "C#", "D#", "G#", "A#", "E", "A", "C", "D", "G", "F"}
    assert not roots & {"Gb", "Db", "Eb", "Ab", "Bb"}
