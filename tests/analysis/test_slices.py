"""Beat slices: the words of music as words (partita.analysis.slices)."""

from __future__ import annotations

import pytest
import symusic

from partita.analysis.slices import (
    REST,
    SlicedPiece,
    beat_slices,
    chord_word,
    parse_slice,
    relabel_slice,
    shuffled_pitch_pieces,
    slice_name,
    slice_piece,
    slice_scores,
    slice_source,
    slice_word,
    transpose_slice,
)

TPQ = 480


def score_of(
    notes: list[tuple[int, int, int]], meter: tuple[int, int] | None = (4, 4), drums=(), tpq: int = TPQ
) -> symusic.Score:
    """A score with one piano track of ``(start, duration, pitch)`` notes in ticks, and a drum track."""
    s = symusic.Score(tpq)
    if meter:
        s.time_signatures.append(symusic.TimeSignature(0, *meter))
    piano = symusic.Track("Piano", 0, False)
    for start, dur, pitch in notes:
        piano.notes.append(symusic.Note(start, dur, pitch, 80))
    s.tracks.append(piano)
    if drums:
        kit = symusic.Track("Drums", 0, True)
        for start, dur, pitch in drums:
            kit.notes.append(symusic.Note(start, dur, pitch, 100))
        s.tracks.append(kit)
    return s


def chord(start: int, dur: int, pitches) -> list[tuple[int, int, int]]:
    return [(start, dur, p) for p in pitches]


def test_a_c_major_chord_held_for_a_beat_is_0_4_7_in_any_voicing():
    assert beat_slices(score_of(chord(0, TPQ, (60, 64, 67)))) == ["0-4-7"]
    assert beat_slices(score_of(chord(0, TPQ, (52, 67, 72, 76)))) == ["0-4-7"]  # first inversion, doubled
    assert beat_slices(score_of(chord(0, 2 * TPQ, (48, 64, 79)))) == ["0-4-7", "0-4-7"]  # two beats


def test_a_rest_is_skipped_or_written_as_the_rest_word():
    notes = chord(0, TPQ, (60, 64, 67)) + chord(2 * TPQ, TPQ, (55, 59, 62))
    assert beat_slices(score_of(notes)) == ["0-4-7", "2-7-11"]
    assert beat_slices(score_of(notes), rest=REST) == ["0-4-7", REST, "2-7-11"]


def test_beats_follow_the_time_signature():
    # a dotted half note: three beats in 3/4, but one beat (a dotted quarter) and its double in 6/8
    held = chord(0, 3 * TPQ, (57, 60, 64))
    assert beat_slices(score_of(held, meter=(3, 4))) == ["0-4-9"] * 3
    assert beat_slices(score_of(held, meter=(6, 8))) == ["0-4-9"] * 2
    # a melody C D E in 3/4 at another resolution: one word a beat
    tpq = 96
    melody = [(0, tpq, 60), (tpq, tpq, 62), (2 * tpq, tpq, 64)]
    assert beat_slices(score_of(melody, meter=(3, 4), tpq=tpq)) == ["0", "2", "4"]
    # a bar of 3/4 then 2/4: the second meter's beats are quarters too, and no beat is lost at the change
    s = score_of([(0, 5 * TPQ, 62)], meter=(3, 4))
    s.time_signatures.append(symusic.TimeSignature(3 * TPQ, 2, 4))
    assert beat_slices(s) == ["2"] * 5


def test_drums_are_ignored():
    drums = [(0, TPQ // 2, 42), (TPQ, TPQ // 2, 38)]  # closed hi-hat (F#), snare (D)
    s = score_of(chord(0, TPQ, (60, 64, 67)), drums=drums)
    assert beat_slices(s) == ["0-4-7"]  # the hi-hat's F# is not a pitch class; the snare's beat has no word


def test_a_note_must_sound_for_a_tenth_of_the_beat():
    legato = [(0, TPQ + 20, 60), (TPQ, TPQ, 62)]  # C held 20 ticks (1/24 of a beat) into the next beat
    assert beat_slices(score_of(legato)) == ["0", "2"]
    short = [(0, TPQ, 60), (TPQ, TPQ // 8, 67), (TPQ + TPQ // 8, TPQ - TPQ // 8, 62)]  # a 32nd grace G
    assert beat_slices(score_of(short)) == ["0", "2-7"]
    assert beat_slices(score_of(short), min_overlap=0.2) == ["0", "2"]


def test_words_parse_transpose_and_are_named():
    assert slice_word([7, 0, 4, 16]) == "0-4-7" and slice_word([]) == REST
    assert parse_slice("0-4-7") == (0, 4, 7) and parse_slice(REST) == ()
    for bad in ("0-4-7-12", "7-0-4", "0-0-4", "C", "", "0--4"):
        with pytest.raises(ValueError):
            parse_slice(bad)
    assert transpose_slice("0-4-7", 7) == "2-7-11" and transpose_slice("0-4-7", -12) == "0-4-7"
    assert transpose_slice("2-7-11", 5) == "0-4-7"
    assert chord_word(9, "min") == "0-4-9" and chord_word(7, "7") == "2-5-7-11"
    assert slice_name("0-4-7") == "C:maj" and slice_name("2-5-7-11") == "G:7" and slice_name("7") == "G"
    assert slice_name("0-4-7-10") == "C:7" and slice_name("0-3-6-10") == "C:hdim7"
    assert slice_name("0-1-2") is None
    assert relabel_slice("0-4-7", list(range(11, -1, -1))) == "4-7-11"  # inversion: C E G -> B G E


def test_the_shuffled_control_relabels_each_piece_by_one_permutation():
    pieces = [SlicedPiece(["0-4-7", "2-7-11", "0-4-7", "7"], key=0, piece_id=str(i)) for i in range(20)]
    shuffled = shuffled_pitch_pieces(pieces, seed=1)
    assert [p.key for p in shuffled] == [0] * 20 and [len(p.words) for p in shuffled] == [4] * 20
    for p in shuffled:
        assert (
            p.words[0] == p.words[2]
            and len(parse_slice(p.words[1])) == 3
            and len(parse_slice(p.words[3])) == 1
        )
        assert parse_slice(p.words[3])[0] in parse_slice(p.words[0])  # G stays a member of the C triad
    assert len({p.words[0] for p in shuffled}) > 3  # different pieces, different permutations
    assert shuffled_pitch_pieces(pieces, seed=1)[5].words == shuffled[5].words  # seeded


def test_slice_piece_estimates_the_key_and_empty_pieces_are_left_out():
    g_major = []
    for i, (root, quality) in enumerate([(7, "maj"), (0, "maj"), (2, "maj"), (7, "maj")] * 4):
        g_major += chord(i * TPQ, TPQ, [48 + p for p in parse_slice(chord_word(root, quality))])
    piece = slice_piece(score_of(g_major), "g")
    assert piece.key == 7 and piece.words[:3] == ["2-7-11", "0-4-7", "2-6-9"]
    empty = symusic.Score(TPQ)
    pieces = slice_scores([("g", score_of(g_major)), ("empty", empty)])
    assert [p.piece_id for p in pieces] == ["g"]


def test_slice_source_reads_a_folder_and_refuses_an_empty_one(tmp_path):
    (tmp_path / "music").mkdir()
    score_of(chord(0, 2 * TPQ, (60, 64, 67))).dump_midi(str(tmp_path / "music" / "c.mid"))
    pieces = slice_source(str(tmp_path / "music"))
    assert len(pieces) == 1 and pieces[0].words == ["0-4-7", "0-4-7"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no piece"):
        slice_source(str(tmp_path / "empty"))
    with pytest.raises(ValueError):
        slice_source(str(tmp_path / "no-such-folder"))
