import pytest
import symusic

from partita.generation.instruments import (
    MIN_PROGRAM_SHARE,
    fit_to_range,
    instrument_range,
    program_prior,
    stand_in_programs,
    write_back,
)
from partita.pipelines import debug_generator
from partita.tokens import Conditions

PRIOR = {0: 0.9, 52: 0.08, 40: 0.015, 24: 0.005}


def test_a_known_program_is_sampled_as_itself():
    s = stand_in_programs([52], PRIOR)
    assert s.sampled == [52] and s.prefix_programs == [52] and not s.written and not s.notes


def test_a_rare_program_is_sampled_as_the_likeliest_and_written_back():
    s = stand_in_programs([40], PRIOR)
    assert s.sampled == [0] and s.prefix_programs == [0] and s.written == {0: 40}
    assert "Violin (40)" in s.notes[0] and "Acoustic Grand Piano (0)" in s.notes[0]


def test_two_rare_programs_become_two_voices_of_the_stand_in():
    s = stand_in_programs([24, 0, 40], PRIOR)
    assert s.sampled == [
        1,
        0,
        2,
    ]  # the piano asked for keeps program 0; the stand-ins are the next piano voices
    assert s.written == {1: 24, 2: 40} and s.prefix_programs == [0]


def test_no_prior_or_no_request_changes_nothing():
    assert stand_in_programs([40], {}).sampled == [40]
    assert stand_in_programs([], PRIOR).sampled == []
    assert stand_in_programs([40], {40: MIN_PROGRAM_SHARE}).written == {}


def _track(program: int, pitches: list[int]) -> symusic.Track:
    from partita.score.general_midi import gm_program_names

    t = symusic.Track(program=program, name=gm_program_names()[program])
    for i, p in enumerate(pitches):
        t.notes.append(symusic.Note(i * 480, 480, p, 80))
    return t


def test_a_written_back_track_moves_by_octaves_into_its_range():
    low, high = instrument_range(73)  # flute: music21 gives C4 as its lowest note
    assert low == 60
    score = symusic.Score(480)
    score.tracks.append(_track(0, [43, 47, 50, 55]))  # G2..G3, below the flute
    score.tracks.append(_track(1, [43, 47]))  # a voice that keeps its instrument
    write_back(score, {0: 73}, refit={73})
    flute, other = score.tracks
    assert flute.program == 73 and [n.pitch for n in flute.notes] == [67, 71, 74, 79]
    assert other.program == 1 and [n.pitch for n in other.notes] == [43, 47]
    assert fit_to_range(_track(0, [60, 64]), 73) == 0  # already inside: not moved


def test_the_prior_is_a_distribution_over_programs():
    generator = debug_generator()
    prior = program_prior(
        generator.model, generator.tokenizer, Conditions(style="jig", key="D", mode="major")
    )
    assert len(prior) == 128 and sum(prior.values()) == pytest.approx(1.0, abs=1e-4)
    assert all(v >= 0 for v in prior.values())


def test_monophonic_programs_follow_what_each_is_written_as():
    from partita.generation.instruments import MONOPHONIC_PROGRAMS, monophonic_programs

    assert {32, 40, 56, 73}.issubset(MONOPHONIC_PROGRAMS) and not {0, 24, 46, 48, 52} & MONOPHONIC_PROGRAMS
    # a bass sampled as the second piano voice (1) plays one note at a time; the piano (0) does not
    assert monophonic_programs([0, 1], {1: 32}) == [1]
    assert monophonic_programs([0, 73], {}) == [73]


def test_a_bass_part_stays_in_a_bass_register_where_music21_gives_no_highest_note():
    low, high = instrument_range(32)  # music21: E1 as the lowest note, no highest
    assert low == 28 and high == 28 + 36
    score = symusic.Score(480)
    score.tracks.append(_track(1, [60, 64, 67, 72]))  # C4..C5, sampled as a piano voice: down an octave
    write_back(score, {1: 32}, refit={32})
    assert score.tracks[0].program == 32 and [n.pitch for n in score.tracks[0].notes] == [48, 52, 55, 60]
    assert score.tracks[0].name == "Acoustic Bass"


def test_voices_of_one_instrument_are_written_back_from_the_highest_down():
    """A chorale's engraved score read voice 4 on top: its voices now go soprano to bass down the score."""
    from symusic import Note, Score, Track

    from partita.generation.instruments import write_back

    score = Score(480)
    for program, pitch in ((53, 48), (54, 72), (48, 60), (0, 40)):
        track = Track(program=program)
        track.notes.append(Note(0, 480, pitch, 80))
        score.tracks.append(track)
    write_back(score, {53: 52, 54: 52, 48: 52})
    assert [int(t.program) for t in score.tracks] == [52, 52, 52, 0]
    assert [t.notes[0].pitch for t in score.tracks] == [72, 60, 48, 40]
    assert [t.name for t in score.tracks[:3]] == ["Choir Aahs", "Choir Aahs 2", "Choir Aahs 3"]
