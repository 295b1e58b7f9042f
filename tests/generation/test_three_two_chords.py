"""3/2 with chords sampled in 4/4 as the model read it: each chord held for a bar and a half of 4/4, so the
chord rules change chord in mid-bar every other bar (``Constraints.chord_slots``), and the piece barred back
in 3/2 with each chord on its own bar."""

from __future__ import annotations

import pytest
import symusic

from partita.generation.given import in_model_bars
from partita.generation.harmony import on_beat_chord_tones
from partita.generation.planning import plan_request
from partita.generation.rules.bass_roots import BassRoots
from partita.generation.rules.chords import ChordMasks
from partita.pipelines import Generator

# ids as BPE would merge them, 4 positions a beat, a bar of 4/4 (16 positions) in two halves
_IDS = [
    ["Pitch_62"],  # D at the open onset
    ["Position_8", "Pitch_62"],  # D on the second half's first beat
    ["Position_8", "Pitch_60"],  # C there
    ["Position_0", "Pitch_60"],  # C on the downbeat
    ["Duration_1.0.8", "Bar_None", "Position_8", "Pitch_64"],  # E in the next bar's second half
]


def test_a_chord_holds_for_its_part_of_the_bar():
    m = ChordMasks(_IDS, ["C:maj", "G:maj", "F:maj"], resolution=4, scale=None, slots=2, bar_positions=16)
    # bar 1: C then G; on its downbeat D is no tone of C, on the second half it is one of G's and C is not;
    # bar 2 is F then C (the progression loops): E fits its second half
    assert m.bad(1, position=0).tolist() == [True, False, True, False, False]
    assert m.bad(1, position=8)[0].item() is False  # at the second half the open onset is G's
    assert m.chord_index(2) == 2 and m.chord_index(2, 1) == 0
    assert m.bad(2, position=0)[4].item() is True  # bar 3 is G then F: E does not fit its second half
    one = ChordMasks(_IDS, ["C:maj", "G:maj"], resolution=4, scale=None)
    assert one.bad(1, position=8)[0].item() is True  # one chord a bar: C all through


def test_a_chord_is_complete_only_in_bars_that_hold_it_throughout():
    m = ChordMasks(_IDS, ["C:maj", "C:maj", "G:maj", "G:maj"], resolution=4, scale=None, slots=2)
    assert m.unfinished(1, 0, len(_IDS)) is not None  # C throughout bar 1: its tones are needed
    mixed = ChordMasks(_IDS, ["C:maj", "G:maj"], resolution=4, scale=None, slots=2)
    assert mixed.unfinished(1, 0, len(_IDS)) is None  # C then G: each fills a whole bar elsewhere


def test_the_bass_root_is_that_of_the_bars_first_part():
    ids = [["Program_32", "Pitch_43"], ["Program_32", "Pitch_36"]]  # the bass on G, on C
    m = BassRoots(ids, ["C:maj", "C:maj", "G:maj", "G:maj"], bass=32, slots=2)
    assert m.bad(m.start(), 2, 2).tolist() == [False, True]  # bar 2 opens on G
    assert m.bad(m.start(), 1, 2).tolist() == [True, False]


@pytest.fixture(scope="module")
def generator():
    gen = Generator.debug(seed=0)
    if "4/4" not in gen.tokenizer.time_signatures:
        pytest.skip("the debug tokenizer has no 4/4")
    return gen


def test_a_new_piece_in_3_2_with_chords_is_planned_in_4_4(generator):
    request = generator.request_of("a motet", meter="3/2", bars=3, chords="C G Am")
    plan = plan_request(request, generator.tokenizer, generator.config)
    c = plan.constraints
    assert (c.meter, c.bars, c.chord_slots, plan.written_meter) == ("4/4", 5, 2, "3/2")
    assert c.chords == ["C:maj"] * 3 + ["G:maj"] * 3 + ["A:min"] * 3  # three half bars of 4/4 each
    four = plan_request(
        generator.request_of("a motet", meter="4/2", bars=2, chords="C G"),
        generator.tokenizer,
        generator.config,
    )
    assert (four.constraints.chord_slots, four.constraints.chords) == (
        1,
        ["C:maj", "C:maj", "G:maj", "G:maj"],
    )


def _motet_in_3_2(bars: int = 4) -> symusic.Score:
    """Two voices in half notes on C E G C / G B D G ... (one chord a bar), 480 ticks a quarter."""
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=80.0))
    s.time_signatures.append(symusic.TimeSignature(0, 3, 2))
    roots = [60, 67, 57, 65]
    for voice, offset in enumerate((0, -12)):
        track = symusic.Track(f"voice {voice}", 52, False)
        for b in range(bars):
            for k, step in enumerate((0, 4, 7)):
                track.notes.append(symusic.Note(b * 2880 + k * 960, 960, roots[b % 4] + step + offset, 80))
        s.tracks.append(track)
    return s


def test_a_continuation_in_3_2_with_chords_is_read_in_4_4(generator):
    request = generator.continuation_of(_motet_in_3_2(), bars=2, chords="C G Am F C G")
    framed = in_model_bars(request, generator.tokenizer.time_signatures)
    assert framed.given.read_in is None and framed.chords == request.chords  # as in training: 4/4
    plan = plan_request(framed, generator.tokenizer, generator.config)
    assert plan.constraints.chord_slots == 2 and len(plan.constraints.chords) == 18


def test_a_piece_in_3_2_plays_each_chord_on_its_own_bar(generator):
    chords = ["C:maj", "F:maj", "G:maj"]
    request = generator.request_of("a motet for four voices", meter="3/2", bars=3, chords="C F G")
    cand = generator.generate(request, n=1, seed=1, selector=None)[0]
    assert [(t.numerator, t.denominator) for t in cand.score.time_signatures] == [(3, 2)]
    good, total = on_beat_chord_tones(cand.score, chords, 1, 3)
    assert total > 0 and good / total >= 0.9
    # read as one chord a 4/4 bar the same notes would not fit: the chords do change in mid-bar
    as_sampled = cand.sampled
    assert as_sampled is not None
    wrong, _ = on_beat_chord_tones(as_sampled, ["C:maj", "F:maj", "G:maj", "C:maj", "G:maj"], 1, 4)
    assert wrong < good or total < 4


@pytest.mark.parametrize(("meter", "starts"), [("4/2", {0, 2, 4, 6}), ("3/2", {0, 3, 6})])
def test_the_voices_of_a_short_motet_enter_in_its_own_bars(generator, meter, starts):
    request = generator.request_of("a motet for four voices", meter=meter, bars=4)
    plan = plan_request(request, generator.tokenizer, generator.config)
    entries = plan.constraints.entry_bars
    assert any(entries.values())  # the voices enter in turn
    # placed in the piece's bars, not the sampled ones: 4/2's second voice entered in the middle of bar 1
    # (sampled bar 1 of 8); in 3/2 sampled bar 2 is the first to start in bar 2 (its second beat)
    assert set(entries.values()) <= starts | ({2} if meter == "3/2" else set())
    assert 1 not in entries.values()
