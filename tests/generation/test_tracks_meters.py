"""Track infill, bar infill and continuation of pieces in a meter the vocabulary lacks (4/2, 3/2), on the
debug model: sampled in bars the model has, written back in the piece's own bars."""

from __future__ import annotations

import pytest
import symusic
from tests.generation.test_infill import notes_outside

from partita.generation.notation import sampling_frame, single_meter
from partita.generation.tracks import in_vocabulary, piece_nll, tracks_request, whole_request, with_tracks
from partita.pipelines import Generator
from partita.score.bars import bar_lines, notated_bars

KNOWN = ["1/4", "12/8", "2/4", "3/4", "3/8", "4/4", "5/4", "6/4", "6/8"]
# C, F, G, C as four voices (soprano, alto, tenor, bass), one chord a bar, a quarter note a beat
CHORDS = [(72, 67, 64, 48), (72, 69, 65, 41), (71, 67, 62, 43), (72, 67, 64, 48)]


def motet(bars: int = 4, meter: tuple[int, int] = (4, 2)) -> symusic.Score:
    num, den = meter
    beats = num * 4 // den  # quarter notes a bar
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=90.0))
    s.time_signatures.append(symusic.TimeSignature(0, num, den))
    for v, name in enumerate(("Soprano", "Alto", "Tenor", "Bass")):
        track = symusic.Track(name, 52, False)
        for b in range(bars):
            for q in range(beats):
                track.notes.append(symusic.Note((b * beats + q) * 480, 480, CHORDS[b % 4][v], 80))
        s.tracks.append(track)
    return s


@pytest.fixture(scope="module")
def generator():
    return Generator.debug(seed=0)


def test_a_piece_in_one_meter_the_vocabulary_lacks_has_a_sampling_frame():
    assert single_meter(motet()) == "4/2" and sampling_frame(motet(), KNOWN) == ("4/4", 2)
    assert sampling_frame(motet(meter=(3, 2)), KNOWN) == ("6/4", 1)
    assert sampling_frame(motet(meter=(4, 4)), KNOWN) is None  # known: sampled as it is
    changing = motet()
    changing.time_signatures.append(symusic.TimeSignature(3840, 3, 2))
    assert single_meter(changing) is None and sampling_frame(changing, KNOWN) is None


def test_the_request_of_a_4_2_piece_is_framed_in_bars_of_4_4():
    refill = in_vocabulary(tracks_request(motet(), "bass"), KNOWN)
    c = refill.request.conditions
    assert refill.sampled_in == ("4/4", 2) and (c.meter, c.bars) == ("4/4", 8)
    assert refill.request.chords == ["C:maj", "C:maj", "F:maj", "F:maj", "G:maj", "G:maj", "C:maj", "C:maj"]
    assert refill.chords == ["C:maj", "F:maj", "G:maj", "C:maj"]  # the piece's own bars
    assert any("sampled in 2 bars of 4/4" in n for n in refill.request.notes)
    assert whole_request(refill).conditions.meter == "4/2"  # measured as written
    assert in_vocabulary(refill, KNOWN) is refill  # framed once
    heard = in_vocabulary(tracks_request(motet(), "bass", (2, 3)), KNOWN)
    given = heard.request.given
    assert (given.bars, given.after_bars, heard.request.conditions.bars) == (2, 2, 8)
    assert [(t.numerator, t.denominator) for t in given.score.time_signatures] == [(4, 4)]
    assert notated_bars(given.after) == 2
    plain = tracks_request(motet(meter=(4, 4)), "bass")
    assert in_vocabulary(plain, KNOWN) is plain
    three = in_vocabulary(tracks_request(motet(meter=(3, 2)), "bass", (2, 3)), KNOWN)
    assert three.sampled_in is None and three.request.conditions.meter == "3/2"  # read in 4/4 as trained
    assert three.request.given.bars == 1 and len(three.request.chords) == 4


def test_notes_sampled_in_4_4_land_in_the_bars_of_4_2():
    refill = in_vocabulary(tracks_request(motet(), "bass", (2, 3)), KNOWN)
    sampled = symusic.Score(96)
    track = symusic.Track("", 48, False)
    for bar in range(8):  # a note at beat 2 of each bar of 4/4
        track.notes.append(symusic.Note(bar * 4 * 96 + 96, 96, 43, 70))
    sampled.tracks.append(track)
    piece, _ = with_tracks(refill, sampled)
    assert [(t.numerator, t.denominator) for t in piece.time_signatures] == [(4, 2)]
    new = sorted(n.time // 480 for n in piece.tracks[3].notes if 8 * 480 <= n.time < 24 * 480)
    assert new == [9, 13, 17, 21]  # sampled bars 3-6 of 4/4 are bars 2-3 of 4/2
    assert [n.pitch for n in piece.tracks[3].notes[:8]] == [48] * 8  # bar 1 as written


def test_the_piece_nll_reads_a_4_2_piece_in_the_model_s_bars(generator):
    from partita.generation.notation import rebar

    as_4_4 = rebar(motet().copy(), "4/4")
    got = piece_nll(generator.model, generator.tokenizer, motet(), 2, 3)
    assert got == pytest.approx(piece_nll(generator.model, generator.tokenizer, as_4_4, 3, 6), rel=1e-5)


@pytest.mark.parametrize("meter, bars", [((4, 2), None), ((4, 2), "2-3"), ((3, 2), "2-3")])
def test_the_generator_refills_a_track_of_a_piece_in_4_2_or_3_2(generator, meter, bars):
    from partita.generation.harmony import chord_pitch_classes

    piece = motet(meter=meter)
    _, candidates = generator.refill_tracks(piece, "bass", bars, n=1, seed=3, selector=None)
    first, last = (1, 4) if bars is None else (2, 3)
    lines = bar_lines(piece, 4)
    chords = ["C:maj", "F:maj", "G:maj", "C:maj"]
    for cand in candidates:
        score = cand.score
        assert [(t.numerator, t.denominator) for t in score.time_signatures] == [meter]
        assert notated_bars(score) == 4
        assert all(score.tracks[i].notes == piece.tracks[i].notes for i in range(3))
        new = [n for n in score.tracks[3].notes if lines[first - 1] <= n.time < lines[last]]
        assert new and max(n.time for n in new) >= lines[last - 1]  # the last bar asked for has notes
        # each new note a tone of its own bar's chord (chord tones only); read as one chord a bar of 4/4,
        # the second half of each bar of 4/2 had the next bar's chord
        bar = [next(k for k in range(4) if n.time < lines[k + 1]) for n in new]
        fits = [n.pitch % 12 in chord_pitch_classes(chords[b]) for n, b in zip(new, bar, strict=True)]
        assert sum(fits) >= 0.9 * len(fits)


def test_bar_infill_and_continuation_keep_a_piece_in_3_2_in_its_bars(generator):
    meter = (3, 2)  # read by the tokenizer as 4/4: its bars and the model's do not line up
    piece = motet(6, meter)
    lines = bar_lines(piece, 6)
    request = Generator.infill_of(piece, "3-4")
    for cand in generator.generate(request, n=1, seed=4, selector=None):
        assert [(t.numerator, t.denominator) for t in cand.score.time_signatures] == [meter]
        assert notated_bars(cand.score) == 6
        assert sorted(notes_outside(cand.score, 3, 4)) == sorted(notes_outside(piece, 3, 4))
        gap = [n.time for t in cand.score.tracks for n in t.notes if lines[2] <= n.time < lines[4]]
        assert gap and max(gap) >= lines[3]  # both bars of the gap, in the piece's own bars
    request = Generator.continuation_of(piece, bars=2)
    for cand in generator.generate(request, n=1, seed=4, selector=None):
        assert [(t.numerator, t.denominator) for t in cand.score.time_signatures] == [meter]
        assert notated_bars(cand.score) == 8
        assert max(n.time for t in cand.score.tracks for n in t.notes) >= bar_lines(piece, 8)[7]
