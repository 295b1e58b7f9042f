"""Track refill of a piece in 3/2 with bars before the range (issue 21): the tracks' own bars before it are
read in 4/4, as the model read 3/2 in training and as a continuation reads them, and the new bars sampled
on from them in 4/4, each chord held for three half bars; before, the request was rebarred in 6/4, and the
refilled lower voices of 12 held-out Palestrina pieces put 0.56 of their onsets on the half-note beats and
struck 0.49 of the downbeats (real 0.90 and 1.00)."""

from __future__ import annotations

import pytest
from tests.generation.test_tracks_meters import KNOWN, motet

from partita.generation.notation import rebar, single_meter
from partita.generation.planning import plan_request
from partita.generation.tracks import TRACK_SETTINGS, in_vocabulary, piece_nll, tracks_request
from partita.pipelines import Generator
from partita.score.bars import bar_lines


@pytest.fixture(scope="module")
def generator():
    return Generator.debug(seed=0)


def test_the_bars_before_the_range_are_read_in_4_4_not_6_4(generator):
    refill = in_vocabulary(tracks_request(motet(meter=(3, 2)), "bass", (2, 3)), KNOWN)
    assert refill.sampled_in is None  # was ("6/4", 1): the request's meter 6/4, its given bar in 6/4
    request, given = refill.request, refill.request.given
    assert (request.conditions.meter, request.conditions.bars) == ("3/2", 4)
    assert given.read_in is None and single_meter(given.score) == "3/2" and given.bars == 1
    assert request.chords == ["C:maj", "F:maj", "G:maj", "C:maj"]  # one a bar of 3/2
    if "3/2" in generator.tokenizer.time_signatures or "4/4" not in generator.tokenizer.time_signatures:
        pytest.skip("the debug tokenizer reads 3/2 some other way")
    plan = plan_request(request, generator.tokenizer, generator.config.update(**TRACK_SETTINGS))
    assert plan.constraints.chord_slots == 2  # half bars of 4/4, each chord held for three
    assert plan.constraints.chords[:6] == ["C:maj"] * 3 + ["F:maj"] * 3


def test_the_piece_nll_reads_3_2_in_the_bars_of_4_4_that_hold_it(generator):
    piece = motet(meter=(3, 2))
    got = piece_nll(generator.model, generator.tokenizer, piece, 2, 3)
    in_4_4 = piece_nll(generator.model, generator.tokenizer, rebar(piece.copy(), "4/4"), 2, 5)
    in_6_4 = piece_nll(generator.model, generator.tokenizer, rebar(piece.copy(), "6/4"), 2, 3)
    assert got == pytest.approx(in_4_4, rel=2e-5) and got != pytest.approx(in_6_4, rel=2e-5)


def test_the_refill_is_sampled_in_4_4_and_written_back_in_3_2(generator):
    piece = motet(meter=(3, 2))
    whole, candidates = generator.refill_tracks(piece, "bass", "2-3", n=1, seed=5, selector=None)
    assert any("read in 4/4" in note for note in whole.notes)
    assert not any("a bar of 6/4" in note for note in whole.notes)  # as sampled before
    lines = bar_lines(piece, 4)
    out = candidates[0].score
    assert single_meter(out) == "3/2"
    bass = out.tracks[3].notes
    assert [(n.time, n.pitch) for n in bass if n.time < lines[1] or n.time >= lines[3]] == [
        (n.time, n.pitch) for n in piece.tracks[3].notes if n.time < lines[1] or n.time >= lines[3]
    ]
    assert any(lines[1] <= n.time < lines[3] for n in bass)
