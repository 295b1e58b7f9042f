"""Accompaniment: a melody harmonised one chord a bar, parts sampled under it, the melody kept as written."""

from __future__ import annotations

import numpy as np
import pytest
import symusic

from partita.analysis.harmonize import candidate_chords, harmonize_melody
from partita.analysis.timeline import note_arrays
from partita.cli.main import main
from partita.evaluation.accompaniment import accompaniment_agreement, beat_consonance, split_melody
from partita.generation.accompany import (
    accompaniment_request,
    block_chords,
    melody_piece,
    under_melody,
    with_melody,
)
from partita.pipelines import Generator
from partita.score import write_midi
from partita.score.errors import ScoreError

# a tune in C major, 3/4, quarter notes: bars outlining C, F, G7 and C
BARS = [(60, 64, 67), (65, 69, 72), (67, 71, 74), (72, 67, 64)]


def tune(bars=BARS, meter=(3, 4), program=73) -> symusic.Score:
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=100.0))
    s.time_signatures.append(symusic.TimeSignature(0, *meter))
    track = symusic.Track("Flute", program, False)
    for b, pitches in enumerate(bars):
        for i, p in enumerate(pitches):
            track.notes.append(symusic.Note((b * meter[0] + i) * 480, 480, p, 80))
    s.tracks.append(track)
    return s


@pytest.fixture(scope="module")
def generator():
    return Generator.debug(seed=0)


def test_a_melody_that_outlines_its_chords_is_harmonised_with_them():
    notes = note_arrays(tune())
    bounds = np.arange(5) * 3 * 480
    assert harmonize_melody(notes, bounds, "C major", 480) == ["C:maj", "F:maj", "G:maj", "C:maj"]
    labels, masks, _ = candidate_chords("A minor")
    assert labels[:3] == ["A:min", "D:min", "E:maj"] and masks.shape == (len(labels), 12)


def test_the_request_keeps_the_melodys_key_meter_and_bars_and_names_its_chords():
    request, melody = accompaniment_request(tune(), "for guitar and bass", source="tune.mid")
    c = request.conditions
    assert (c.key, c.mode, c.meter, c.bars) == ("C", "major", "3/4", 4)
    assert c.programs == [24, 32]
    assert request.chords == melody.chords and melody.chords_from == "harmonised" and len(melody.chords) == 4
    assert any("accompanying tune.mid: 4 bars kept as written" in n for n in request.notes)
    styled = accompaniment_request(tune(), "a pop song for piano")[0].conditions  # pop implies 4/4: not said
    assert (styled.meter, styled.key, styled.bars) == ("3/4", "C", 4)
    assert accompaniment_request(tune(), "in 6/8")[0].conditions.meter == "6/8"  # said: the words win
    given = accompaniment_request(tune(), "", chords="Am Dm E Am")[0]
    assert given.chords == ["A:min", "D:min", "E:maj", "A:min"] and given.conditions.programs == [0]


@pytest.mark.parametrize("make, problem", [(lambda: symusic.Score(480), "no notes"), (None, "only drums")])
def test_a_melody_that_cannot_be_accompanied_gets_a_clear_message(make, problem):
    score = make() if make else tune()
    if make is None:
        score.tracks[0].is_drum = True
    with pytest.raises(ScoreError, match=problem):
        melody_piece(score, "x.mid")


def test_block_chords_sound_under_the_melody_and_agree_with_it():
    _, melody = accompaniment_request(tune(), "")
    piece = block_chords(melody)
    assert len(piece.tracks) == 3 and piece.tracks[0].notes == tune().tracks[0].notes
    head, parts = split_melody(piece, 1)
    agreement = accompaniment_agreement(head, parts)
    assert agreement.beat_consonance == 1.0 and agreement.melody_notes_on_beats == 12
    assert agreement.chord_tones == 1.0  # the parts play the chords the melody outlines
    clashing = parts.copy()
    for track in clashing.tracks:  # a semitone up: every beat clashes
        for note in track.notes:
            note.pitch += 1
    assert beat_consonance(head, clashing)[0] == 0.0


def test_with_melody_keeps_the_melody_and_cuts_the_parts_at_its_last_bar():
    _, melody = accompaniment_request(tune(), "")
    parts = symusic.Score(96)  # another resolution: parts are moved onto the melody's ticks
    track = symusic.Track("Piano", 0, False)
    track.notes.append(symusic.Note(0, 96 * 3, 48, 70))
    track.notes.append(symusic.Note(96 * 12, 96, 50, 70))  # after the melody's 4 bars: dropped
    parts.tracks.append(track)
    piece = with_melody(melody, parts)
    assert [t.program for t in piece.tracks] == [73, 0]
    assert [(n.time, n.duration) for n in piece.tracks[1].notes] == [(0, 480 * 3)]


def test_parts_written_above_the_melody_are_moved_under_it_by_octaves():
    melody = tune()  # mean pitch about 67.8
    parts = symusic.Score(480)
    high = symusic.Track("Piano", 0, False)
    for i, p in enumerate((84, 88, 91)):
        high.notes.append(symusic.Note(i * 480, 480, p, 70))
    low = symusic.Track("Bass", 32, False)
    low.notes.append(symusic.Note(0, 480, 40, 70))
    parts.tracks.extend([high, low])
    assert under_melody(melody, parts) == 3  # mean 87.7 -> 51.7: at least 5 semitones under 67.7
    assert [n.pitch for n in parts.tracks[0].notes] == [48, 52, 55]  # same pitch classes
    assert parts.tracks[1].notes[0].pitch == 40  # already under it


def test_the_generator_accompanies_a_melody_and_ranks_by_agreement(generator, tmp_path):
    whole, candidates = generator.accompany(tune(), "for piano", n=2, seed=1, out_dir=tmp_path)
    assert len(candidates) == 2 and [c.rank for c in candidates] == [1, 2]
    for cand in candidates:
        assert cand.score.tracks[0].notes == tune().tracks[0].notes  # the melody as written
        assert any("melody kept as written" in r for r in cand.remarks)
    assert whole.conditions.programs[0] == 73 and (tmp_path / "generation.json").exists()


def test_partita_accompany_runs_and_bad_input_is_one_line(tmp_path, capsys):
    path = write_midi(tune(), tmp_path / "tune.mid")
    out = tmp_path / "out"
    assert main(["accompany", str(path), "for piano", "--model", "debug", "--n", "1", "-o", str(out)]) == 0
    assert (out / "generation.json").exists() and "chords harmonised" in capsys.readouterr().out
    empty = write_midi(symusic.Score(480), tmp_path / "empty.mid")
    assert main(["accompany", str(empty), "--model", "debug"]) == 2
    assert "nothing to accompany" in capsys.readouterr().err
