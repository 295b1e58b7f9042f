"""Chords given to a continuation, a bar infill or an accompaniment of a piece in a meter the vocabulary
lacks (4/2, 3/2): held for the bars the model samples, so each bar of the piece is sampled over its own chord.
On the debug model, measured before (one chord a bar of the model's 4/4) and after."""

from __future__ import annotations

import pytest
import symusic
from tests.generation.test_tracks_meters import motet

from partita.generation.given import in_model_bars, model_frame, model_reading
from partita.generation.harmony import on_beat_chord_tones
from partita.pipelines import Generator
from partita.score.bars import bar_lines, notated_bars

KNOWN = ["1/4", "12/8", "2/4", "3/4", "3/8", "4/4", "5/4", "6/4", "6/8"]
CHORDS = ["C:maj", "D:min"]  # no tone in common: a note over the wrong chord is never a right one


def tune(bars: int = 4, meter: tuple[int, int] = (4, 2)) -> symusic.Score:
    """The motet's soprano alone, for flute: a melody of quarter notes to accompany."""
    s = motet(bars, meter)
    s.tracks = [s.tracks[0]]
    s.tracks[0].name, s.tracks[0].program = "Flute", 73
    return s


@pytest.fixture(scope="module")
def generator():
    return Generator.debug(seed=0)


def test_chords_are_held_for_the_bars_the_model_samples():
    request = Generator.continuation_of(motet(), bars=2, chords=CHORDS)
    assert model_frame(request, KNOWN) == ("4/4", 2)
    framed = in_model_bars(request, KNOWN)
    assert framed.chords == ["C:maj", "C:maj", "D:min", "D:min"] and request.chords == CHORDS
    assert (framed.conditions.meter, framed.conditions.bars) == ("4/2", 6)  # measured in the piece's bars
    assert any("each chord held for 2" in n for n in framed.notes)
    assert (
        in_model_bars(Generator.continuation_of(motet(meter=(3, 2)), chords=CHORDS), KNOWN).chords == CHORDS
    )
    plain = Generator.continuation_of(motet(meter=(4, 4)), chords=CHORDS)
    assert in_model_bars(plain, KNOWN) is plain
    free = Generator.continuation_of(motet(meter=(3, 2)))  # no chords: read as the model read it in training
    assert in_model_bars(free, KNOWN) is free and free.given.read_in is None
    asked = Generator.continuation_of(motet(), chords=CHORDS, meter="3/4")  # new bars in a meter it has
    assert model_frame(asked, KNOWN) is None
    melody = Generator.accompaniment_of(tune(), "for piano")[0]
    assert model_frame(melody, KNOWN) == ("4/4", 2) and in_model_bars(melody, KNOWN) is melody  # the plan's
    assert in_model_bars(framed, KNOWN) is framed  # framed once: the chords are not held twice as long


def test_a_piece_in_3_2_with_chords_is_read_in_bars_of_6_4_that_line_up_with_its_own(generator):
    from partita.generation.given import given_music, read_given

    request = Generator.continuation_of(motet(meter=(3, 2)), bars=1, chords=CHORDS)
    # without a frame 3/2 stays as the model read it in training (4/4; the plan holds each chord for a bar
    # and a half: tests/generation/test_three_two_chords.py); a track refill's frame reads it in 6/4
    assert in_model_bars(request, KNOWN) is request
    framed = in_model_bars(request, KNOWN, ("6/4", 1))
    assert framed.chords == CHORDS and framed.given.read_in == "6/4" and request.given.read_in is None
    read = model_reading(framed.given)
    assert [(t.numerator, t.denominator) for t in read.time_signatures] == [(6, 4)]
    assert bar_lines(read, 4) == bar_lines(motet(meter=(3, 2)), 4)
    tok = generator.tokenizer
    prefix = tok.condition_ids(request.conditions)
    # as miditok writes 3/2 (4/4, as in training) without chords: 24 quarters are 6 bars, 30 are 7 and a half
    assert (lambda r: (r.bars, r.end_bar))(read_given(tok, request.given, {}, 5, prefix)) == (6, 8)
    assert (lambda r: (r.bars, r.end_bar))(read_given(tok, framed.given, {}, 5, prefix)) == (4, 5)
    assert "TimeSig_6/4" in tok.tokens(given_music(tok, framed.given, {}))


def _shares(generator, request, first, last, from_beat, framed):
    request = in_model_bars(request, generator.tokenizer.time_signatures) if framed else request
    good = total = 0
    for cand in generator.generate(request, n=2, seed=3, selector=None, chord_tones_only=True):
        assert notated_bars(cand.score) == 6
        g, t = on_beat_chord_tones(cand.score, CHORDS, first, last, from_beat)
        good, total = good + g, total + t
    return good / total if total else None


@pytest.mark.parametrize("kind", ["continue", "infill"])
def test_the_second_half_of_each_new_bar_of_4_2_is_sampled_over_its_own_chord(generator, kind, one_thread):
    if kind == "continue":
        request, (first, last) = Generator.continuation_of(motet(), bars=2, chords=CHORDS), (5, 6)
    else:
        request, (first, last) = Generator.infill_of(motet(6), "3-4", chords=CHORDS), (3, 4)
    # Generator.generate frames a request with a given piece itself (counted in bars of 4/4, beats 5-8 of
    # each bar had had the next bar's chord, no tone in common); one framed before is not framed again
    for framed in (False, True):
        share = _shares(generator, request, first, last, 4, framed=framed)
        assert share is not None and share >= 0.9


@pytest.mark.parametrize("meter", [(4, 2), (3, 2)])
def test_an_accompaniment_of_a_melody_in_4_2_or_3_2_holds_each_chord_for_its_own_bar(generator, meter):
    from partita.generation.planning import plan_request

    request, melody = Generator.accompaniment_of(tune(meter=meter), "for piano", chords=CHORDS)
    config = generator.config.update(chord_tones_only=True)
    # the plan holds each chord for the sampled bars of one of the melody's; framing a new piece's request
    # again changes nothing (the chords are not held twice as long)
    assert in_model_bars(request, generator.tokenizer.time_signatures) is request
    plan = plan_request(request, generator.tokenizer, config)
    chords, slots = plan.constraints.chords, plan.constraints.chord_slots  # what the chord rules read
    quarters = meter[0] * 4 // meter[1]
    held = [chords[p % len(chords)] for p in range(4 * quarters * slots // 4)]  # each part of a 4/4 bar
    # part p of the sampled bars lies in bar p * (4 / slots) // quarters of the melody (4/2: two bars of 4/4
    # a bar; 3/2: three half bars of 4/4)
    assert plan.constraints.meter == "4/4"
    assert held == [CHORDS[(p * 4 // slots // quarters) % 2] for p in range(len(held))]


def test_an_accompaniment_of_a_melody_in_4_2_keeps_it_in_its_bars(generator, one_thread):
    request, melody = Generator.accompaniment_of(tune(), "for piano", chords=CHORDS)
    request = in_model_bars(request, generator.tokenizer.time_signatures)
    whole, candidates = generator.accompany((request, melody), n=2, seed=3, selector=None)
    assert whole.conditions.meter == "4/2" and whole.conditions.bars == 4
    for cand in candidates:
        score = cand.score
        assert [(t.numerator, t.denominator) for t in score.time_signatures] == [(4, 2)]
        assert notated_bars(score) == 4 and score.tracks[0].notes == tune().tracks[0].notes
        parts = [n for t in score.tracks[1:] for n in t.notes]
        assert parts and max(n.time for n in parts) >= bar_lines(score, 4)[3]  # the last bar has parts
        assert cand.adherence["meter"] == 1.0 and cand.adherence["bars"] == 1.0


def test_the_cli_holds_the_chords_of_a_4_2_continuation_and_accompaniment(capsys, tmp_path):
    import json

    from partita.cli.main import main

    piece, melody = tmp_path / "motet.mid", tmp_path / "tune.mid"
    motet(2).dump_midi(str(piece))
    tune(2).dump_midi(str(melody))
    common = ["--model", "debug", "--n", "1", "--seed", "3", "--chords", "C Dm"]
    assert main(["continue", str(piece), "--bars", "1", *common, "-o", str(tmp_path / "c")]) == 0
    assert "each chord held for 2 of them" in capsys.readouterr().out  # said as it is sampled
    doc = json.loads((tmp_path / "c" / "generation.json").read_text())
    # written as asked, one chord a bar of the piece (sampled two bars of 4/4 each)
    assert doc["request"]["conditions"]["meter"] == "4/2" and doc["request"]["chords"][:2] == [
        "C:maj",
        "D:min",
    ]
    assert any("each chord held for 2" in note for note in doc["request"]["notes"])
    assert main(["accompany", str(melody), "for piano", *common, "-o", str(tmp_path / "a")]) == 0
    doc = json.loads((tmp_path / "a" / "generation.json").read_text())
    assert doc["request"]["chords"] == ["C:maj", "D:min"]
    assert (doc["request"]["conditions"]["meter"], doc["request"]["conditions"]["bars"]) == ("4/2", 2)
