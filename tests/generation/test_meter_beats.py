"""3/2 sampled in 4/4 as the model read it (its half-note beats on 4/4's half notes, not on 6/4's dotted
halves), 4/2 as before, and accompaniment of melodies in 4/2 and 3/2, with the debug model."""

from __future__ import annotations

from fractions import Fraction

import pytest
import symusic

from partita.generation.notation import sampled_meter, trained_frame
from partita.generation.planning import plan_request
from partita.pipelines import Generator
from partita.score.bars import bar_lines

KNOWN = ["1/4", "12/8", "2/4", "3/4", "3/8", "4/4", "5/4", "6/4", "6/8"]


@pytest.fixture(scope="module")
def generator():
    return Generator.debug(seed=0)


@pytest.mark.parametrize(
    ("meter", "expected"),
    [("3/2", ("4/4", Fraction(3, 2))), ("5/2", ("4/4", Fraction(5, 2))), ("4/2", None), ("2/2", None)],
)
def test_a_meter_in_half_notes_whose_bars_straddle_4_4_is_read_as_in_training(meter, expected):
    assert trained_frame(meter, KNOWN) == expected
    if expected:  # each of its beats (a half note) starts on a half note of 4/4
        half_notes_of_4_4 = set(range(0, 48, 2))
        assert set(range(0, 24, 2)) <= half_notes_of_4_4


@pytest.mark.parametrize("meter", ["4/4", "6/8", "3/4", "9/8", "7/8", "x/2"])
def test_every_other_meter_keeps_its_frame(meter):
    assert trained_frame(meter, KNOWN) is None
    assert trained_frame("3/2", [m for m in KNOWN if m != "4/4"]) is None  # no 4/4 to read it in
    assert sampled_meter("3/2", KNOWN) == ("6/4", 1)  # chords one a bar still need bars that line up


def test_a_new_piece_in_3_2_is_planned_in_4_4_with_or_without_chords(generator):
    lm = generator
    if "4/4" not in lm.tokenizer.time_signatures or "6/4" not in lm.tokenizer.time_signatures:
        pytest.skip("the debug tokenizer lacks 4/4 or 6/4")
    plan = plan_request(lm.request_of("a motet", meter="3/2", bars=3), lm.tokenizer, lm.config)
    assert (plan.constraints.meter, plan.constraints.bars, plan.written_meter) == ("4/4", 5, "3/2")
    assert plan.sampled_bars(3) == 5 and plan.lead_bars == 0
    chords = plan_request(
        lm.request_of("a motet", meter="3/2", bars=3, chords="C G C"), lm.tokenizer, lm.config
    )
    c = chords.constraints
    assert (c.meter, c.bars, c.chord_slots) == ("4/4", 5, 2)
    assert chords.constraints.chords == ["C:maj"] * 3 + ["G:maj"] * 3 + ["C:maj"] * 3  # a bar and a half
    motet = plan_request(lm.request_of("a motet", meter="4/2", bars=3), lm.tokenizer, lm.config)
    assert (motet.constraints.meter, motet.constraints.bars, motet.bar_multiple) == ("4/4", 6, 2)


def test_a_piece_in_3_2_comes_out_in_its_own_bars(generator):
    if "4/4" not in generator.tokenizer.time_signatures:
        pytest.skip("the debug tokenizer has no 4/4")
    request = generator.request_of("a motet for four voices", meter="3/2", bars=3)
    cand = generator.generate(request, n=1, seed=2, selector=None)[0]
    score = cand.score
    assert [(t.numerator, t.denominator) for t in score.time_signatures] == [(3, 2)]
    end = bar_lines(score, 3)[-1]
    assert end == 18 * score.ticks_per_quarter  # three bars of three half notes
    assert all(n.time + n.duration <= end for t in score.tracks for n in t.notes)
    sampled = cand.sampled  # as sampled: bars of 4/4, whose half notes are the piece's beats
    assert sampled is not None and {(t.numerator, t.denominator) for t in sampled.time_signatures} == {(4, 4)}
    assert any("sampled in 4/4 as the model read it" in note for note in request.notes)


def melody(meter: tuple[int, int], bars: int = 2) -> symusic.Score:
    """A line in half notes (C major), ``bars`` bars of ``meter``, 1024 ticks a quarter (not the model's)."""
    tpq = 1024
    s = symusic.Score(tpq)
    s.tempos.append(symusic.Tempo(0, qpm=80.0))
    s.time_signatures.append(symusic.TimeSignature(0, *meter))
    track = symusic.Track("Soprano", 52, False)
    halves = bars * meter[0] * 2 // meter[1]
    for i in range(halves):
        track.notes.append(symusic.Note(i * 2 * tpq, 2 * tpq, [60, 64, 67, 72, 67, 64, 62, 60][i % 8], 80))
    s.tracks.append(track)
    return s


@pytest.mark.parametrize("meter", [(4, 2), (3, 2)])
def test_a_melody_in_half_note_beats_is_accompanied_in_its_own_bars(generator, meter):
    tune = melody(meter)
    whole, candidates = generator.accompany(tune, "for piano", n=1, seed=1, selector=None)
    score = candidates[0].score
    assert whole.conditions.meter == f"{meter[0]}/{meter[1]}" and whole.conditions.bars == 2
    assert [(t.numerator, t.denominator) for t in score.time_signatures] == [meter]
    assert score.tracks[0].notes == tune.tracks[0].notes  # the melody as written
    end = bar_lines(tune, 2)[-1]
    assert all(n.time + n.duration <= end for t in score.tracks[1:] for n in t.notes)


def test_the_melodys_agreement_is_measured_on_its_own_ticks(generator):
    from partita.evaluation.accompaniment import accompaniment_agreement, split_melody

    tune = melody((4, 2))  # 1024 ticks a quarter: the parts are sampled at the model's
    _, candidates = generator.accompany(tune, "for piano", n=1, seed=3, selector=None)
    cand = candidates[0]
    said = next(r for r in cand.remarks if "in the parts' chords" in r)
    found = accompaniment_agreement(*split_melody(cand.score, 1)).chord_tones or 0.0
    assert said.split("chords: ")[1].startswith(f"{found:.2f}")


@pytest.mark.parametrize(
    ("meter", "density"), [((4, 2), 0.15), ((3, 2), 0.15), ((4, 4), None), ((2, 2), None)]
)
def test_a_melody_in_breves_gets_a_sparser_texture_unless_asked(meter, density):
    from partita.generation.accompany import PARTS_DENSITY_SCALE, PARTS_VOICES, accompaniment_request

    request, _ = accompaniment_request(melody(meter), "for piano")
    if density is None:  # the voices under a melody in half notes (0.5 a quarter), each as slow as it
        asked = 0.5 * PARTS_VOICES * PARTS_DENSITY_SCALE
        assert "density" not in request.faders and request.conditions.density == pytest.approx(asked)
    else:
        assert request.faders["density"] == density
    said, _ = accompaniment_request(melody(meter), "for piano", density=0.9)
    assert said.faders["density"] == 0.9  # what the person sets wins
