"""Continuation: a request built around a given piece, and the piece carried on by the generator."""

from __future__ import annotations

import json

import pytest
import symusic
from tests.conftest import make_score

from partita.generation.given import continuation_request, given_piece, sampled_programs, splice
from partita.pipelines import Generator
from partita.score.bars import notated_bars
from partita.score.errors import ScoreError


@pytest.fixture(scope="module")
def generator():
    return Generator.debug(seed=0)


def chorale(bars: int = 2) -> symusic.Score:
    """Four voices of one choir program (52) in D major, quarter notes, ``bars`` bars of 3/4 at 80 bpm."""
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=80.0))
    s.time_signatures.append(symusic.TimeSignature(0, 3, 4))
    chords = [(74, 66, 62, 50), (73, 69, 64, 45), (74, 66, 62, 50), (71, 67, 62, 43), (69, 66, 62, 50)]
    for v, name in enumerate(("Soprano", "Alto", "Tenor", "Bass")):
        track = symusic.Track(name, 52, False)
        for i in range(3 * bars):
            track.notes.append(symusic.Note(i * 480, 480, chords[i % len(chords)][v], 70))
        s.tracks.append(track)
    return s


def test_a_continuation_keeps_the_pieces_own_conditions_unless_the_prompt_names_others():
    given = given_piece(chorale(), "hymn.mid")
    request = continuation_request(given, "", bars=4)
    c = request.conditions
    assert (c.key, c.mode, c.meter, round(c.tempo_bpm)) == ("D", "major", "3/4", 80)
    assert c.programs == [52] and request.n_tracks == 4  # four voices of one choir
    assert given.bars == 2 and c.bars == 6  # the whole piece: 2 given bars and 4 new ones
    assert any("bars 1-2 given, 3-6 new" in n for n in request.notes)
    other = continuation_request(given, "in G minor for flute", bars=2).conditions
    assert (other.key, other.mode, other.programs, other.meter) == ("G", "minor", [73], "3/4")
    doc = json.loads(json.dumps(request.to_dict()))  # generation.json holds a summary, not the notes
    assert doc["given"] == {"source": "hymn.mid", "bars": 2, "notes": 24, "tracks": [52, 52, 52, 52]}


@pytest.mark.parametrize(
    "score, problem",
    [
        (symusic.Score(480), "no notes"),
        (make_score([36, 38], program=0), None),
    ],
)
def test_a_piece_that_cannot_be_continued_gets_a_clear_message(score, problem):
    if problem is None:  # the same notes as drums: nothing pitched to continue
        score.tracks[0].is_drum = True
        problem = "only drums"
    with pytest.raises(ScoreError, match=problem):
        given_piece(score)


def test_the_given_voices_are_read_as_the_voices_the_model_goes_on_with():
    given = given_piece(chorale())
    # four voices of a choir are tokenized as 52, 53, 54, 48 (separate_programs), as voice_programs asks
    written = {52: 52, 53: 52, 54: 52, 48: 52}
    assert sampled_programs(given, written) == [52, 53, 54, 48]
    # a flute sampled through a stand-in (program 0) is read as the stand-in
    flute = given_piece(make_score(program=73))
    assert sampled_programs(flute, {0: 73}) == [0]


def test_splice_adds_only_what_follows_the_last_given_onset_into_the_voice_it_was_sampled_as():
    given = given_piece(chorale(bars=1))
    sampled = symusic.Score(960)  # the decoder's own resolution: twice the given piece's
    for program, pitch in ((52, 76), (54, 60), (48, 47)):
        track = symusic.Track("", program, False)
        track.notes.append(symusic.Note(1920, 960, pitch - 2, 70))  # a given note, decoded again
        track.notes.append(symusic.Note(2880, 960, pitch, 70))  # a new one, at beat 4
        sampled.tracks.append(track)
    out = splice(given, sampled, after=1920, written={52: 52, 53: 52, 54: 52, 48: 52})
    assert [len(t.notes) for t in out.tracks] == [4, 3, 4, 4]  # soprano, tenor and bass got one note
    assert [(n.time, n.duration, n.pitch) for n in out.tracks[0].notes][-1] == (1440, 480, 76)
    assert out.tracks[3].notes[-1].pitch == 47 and out.ticks_per_quarter == 480


def test_the_generator_continues_a_piece_as_written_by_the_bars_asked_for(generator, tmp_path):
    piece = chorale(bars=2)
    path = tmp_path / "hymn.mid"
    piece.dump_midi(str(path))
    request = Generator.continuation_of(path, "", bars=2)
    cands = generator.generate(request, n=2, seed=5, out_dir=tmp_path / "out", wav=False)
    written = [[(n.time, n.duration, n.pitch) for n in t.notes] for t in piece.tracks]
    for cand in cands:
        tracks = [t for t in cand.score.tracks if not t.is_drum]
        # the given bars come back exactly as written, each voice in its own track
        for notes, track in zip(written, tracks, strict=False):
            assert [(n.time, n.duration, n.pitch) for n in track.notes][: len(notes)] == notes
        assert notated_bars(cand.score) <= 4  # nothing past the last new bar
        new = [n for t in tracks for n in t.notes if n.time >= 3 * 480 * 2]
        if new:  # an untrained model may end early; what it adds lies in the new bars
            assert cand.adherence["bars"] == (1.0 if notated_bars(cand.score) == 4 else 0.0)
    doc = json.loads((tmp_path / "out" / "generation.json").read_text())
    assert doc["request"]["given"]["bars"] == 2 and doc["request"]["conditions"]["bars"] == 4


def test_a_meter_the_vocabulary_lacks_is_counted_in_the_bars_the_model_reads(generator):
    from partita.generation.given import read_given

    piece = chorale(bars=4)  # 12 quarters of 3/4 ...
    piece.time_signatures.clear()
    piece.time_signatures.append(
        symusic.TimeSignature(0, 3, 2)
    )  # ... are 2 bars of 3/2, not in the vocabulary
    given = given_piece(piece)
    assert given.bars == 2 and "3/2" not in generator.tokenizer.time_signatures
    prefix = generator.tokenizer.condition_ids(continuation_request(given, "", bars=1).conditions)
    reading = read_given(generator.tokenizer, given, {}, 3, prefix)
    # read as 4/4: 12 quarters are 3 bars, 18 quarters 4 and a half (a part bar counts)
    assert (reading.bars, reading.end_bar) == (3, 5)
    tpq = generator.tokenizer.decode(reading.music).ticks_per_quarter
    assert reading.after == 12 * tpq - 1  # new notes start after the given 12 quarters
