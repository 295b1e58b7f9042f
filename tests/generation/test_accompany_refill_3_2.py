"""Track refill of a piece in 3/2 from its first bar is sampled as an accompaniment in 3/2 is (issue 21): in
4/4 as the model read 3/2 in training, a bar and a half of it a bar, not in 6/4, which it never saw (there the
refilled lower voices of held-out Palestrina put 0.35 of their onsets on the half-note beats, against 0.86 for
an accompaniment of the same top voices and 0.94 in the real ones)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from tests.generation.test_tracks_meters import KNOWN, motet

from partita.generation.notation import single_meter
from partita.generation.planning import plan_request
from partita.generation.tracks import TRACK_SETTINGS, in_vocabulary, tracks_request
from partita.pipelines import Generator


@pytest.fixture(scope="module")
def generator():
    return Generator.debug(seed=0)


def test_a_3_2_piece_refilled_from_bar_1_is_planned_in_4_4(generator):
    refill = in_vocabulary(tracks_request(motet(meter=(3, 2)), "bass"), KNOWN)
    assert refill.sampled_in is None  # was ("6/4", 1)
    assert refill.request.conditions.meter == "3/2" and refill.request.conditions.bars == 4
    known = generator.tokenizer.time_signatures
    if "3/2" in known or "4/4" not in known:
        pytest.skip("the debug tokenizer reads 3/2 some other way")
    config = generator.config.update(**TRACK_SETTINGS)
    plan = plan_request(refill.request, generator.tokenizer, config)
    assert plan.constraints.meter == "4/4" and plan.bar_multiple == Fraction(3, 2)
    assert plan.written_meter == "3/2"


def test_with_bars_before_the_range_it_is_read_in_4_4_too():
    refill = in_vocabulary(tracks_request(motet(meter=(3, 2)), "bass", (2, 3)), KNOWN)
    assert refill.sampled_in is None  # was ("6/4", 1): tests/generation/test_tracks_3_2_context.py


def test_the_refilled_piece_keeps_its_bars_and_the_kept_tracks(generator):
    piece = motet(meter=(3, 2))
    _, cands = generator.refill_tracks(piece, "bass", n=1, seed=0, selector=None)
    out = cands[0].score
    assert single_meter(out) == "3/2"
    for i in range(3):  # soprano, alto, tenor as written
        assert [(n.time, n.pitch) for n in out.tracks[i].notes] == [
            (n.time, n.pitch) for n in piece.tracks[i].notes
        ]
    end = 4 * 6 * 480  # four bars of 3/2
    assert len(out.tracks[3].notes) and all(n.time < end for n in out.tracks[3].notes)
