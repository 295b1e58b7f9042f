"""Notes held over a bar line: none sounds into a bar whose given chord lacks its pitch class, but for a
short suspension that chord lets resolve down by a step (issue 21,
:mod:`partita.generation.rules.carry_over`)."""

import pytest
import torch

from partita.generation.harmony import chord_pitch_classes
from partita.generation.rules import Constraints, RuleSet
from partita.generation.rules.carry_over import (
    PENDING,
    CarryOver,
    closed_notes,
    first_pitch,
    suspendable,
)
from partita.generation.rules.ruleset import RULES
from partita.tokens import Conditions, MiditokTokenizer

CHORDS = ["C:maj", "G:maj", "A:min", "F:maj"]


@pytest.fixture(scope="module")
def tok():
    return MiditokTokenizer()


def test_the_notes_an_id_closes_are_read_with_their_pitch_and_onset():
    assert closed_notes(["Velocity_79", "Duration_2.0.8"], 8) == ([(PENDING, -1.0, 2.0)], -1)
    notes, pending = closed_notes(["Pitch_62", "Velocity_79", "Duration_1.4.8", "Position_16", "Pitch_64"], 8)
    assert notes == [(62, -1.0, 1.5)] and pending == 64
    # a note after the id's own bar line is not read (its bar is not the open one); a drum is no pitch
    assert closed_notes(["Bar_None", "Position_0", "Pitch_60", "Velocity_1", "Duration_4.0.4"], 8) == ([], -1)
    assert closed_notes(["PitchDrum_36", "Velocity_1", "Duration_0.4.8"], 8) == ([], -1)
    assert closed_notes(["Position_8", "Program_0"], 8)[0] == []
    assert first_pitch(["Velocity_79", "Duration_2.0.8", "Program_52", "Pitch_67"], 8) == (67, -1.0)
    assert first_pitch(["Position_16", "Program_0", "Pitch_64"], 8) == (64, 2.0)
    assert first_pitch(["Bar_None", "Position_0", "Program_0", "Pitch_64"], 8) == (-1, -1.0)


def _row(tok, *tokens: str) -> list[int]:
    return tok.condition_ids(Conditions()) + [tok.miditok.vocab[t] for t in tokens]


def _bad(tok, constraints: Constraints, row: list[int]) -> torch.Tensor:
    logits = RuleSet(tok, constraints)([row], torch.zeros(1, tok.vocab_size))
    return logits[0] == torch.finfo(logits.dtype).min


@pytest.mark.parametrize(("pitch", "clash"), [("Pitch_65", True), ("Pitch_67", False)])
def test_a_duration_past_the_bar_line_is_forbidden_only_where_the_next_chord_lacks_the_pitch(
    tok, pitch, clash
):
    c = Constraints(meter="4/4", bars=4, chords=CHORDS, grammar=True)
    row = _row(tok, "Bar_None", "TimeSig_4/4", "Position_24", "Program_0", pitch, "Velocity_79")
    bad = _bad(tok, c, row)
    vocab = tok.miditok.vocab
    assert not bad[vocab["Duration_1.0.8"]]  # ends on the bar line
    assert bool(bad[vocab["Duration_2.0.8"]]) is clash  # F into the G bar: forbidden; G is G's own
    assert (
        bool(_bad(tok, Constraints(meter="4/4", bars=4, grammar=True), row)[vocab["Duration_2.0.8"]]) is False
    )


def test_the_pitch_classes_a_chord_lets_resolve_down_by_a_step():
    assert [pc for pc, ok in enumerate(suspendable("C:maj")) if ok] == [1, 2, 5, 6, 8, 9]
    assert [pc for pc, ok in enumerate(suspendable("G:maj")) if ok] == [0, 1, 3, 4, 8, 9]
    assert not any(suspendable("N"))


def _suspension_row(tok) -> list[int]:
    """C (pc 0) on beat 4 of a bar of C, before a bar of G: B, a step below, is G's."""
    return _row(tok, "Bar_None", "TimeSig_4/4", "Position_24", "Program_0", "Pitch_60", "Velocity_79")


@pytest.mark.parametrize(("quarters", "allowed"), [(2.0, True), (0.0, False)])
def test_a_suspension_resolving_down_by_a_step_may_be_held_a_little_into_the_next_bar(
    tok, monkeypatch, quarters, allowed
):
    monkeypatch.setattr(CarryOver, "suspension_quarters", quarters)
    c = Constraints(meter="4/4", bars=4, chords=CHORDS, grammar=True)
    bad, vocab = _bad(tok, c, _suspension_row(tok)), tok.miditok.vocab
    assert bad[vocab["Duration_1.2.8"]]  # a quarter of a beat into the G bar: an overhang, not a suspension
    assert bool(bad[vocab["Duration_1.4.8"]]) is not allowed  # half a beat: the least
    assert bool(bad[vocab["Duration_2.0.8"]]) is not allowed  # 1 beat into the G bar
    assert bool(bad[vocab["Duration_3.0.8"]]) is not allowed  # 2 beats: the cap
    assert bad[vocab["Duration_3.4.8"]]  # 2.5 beats into the bar: past the cap
    assert bad[vocab["Duration_6.0.4"]]  # through the G bar: held past its bar line too


def _pulled(tok, row: list[int]) -> torch.Tensor:
    """What the carry-over rule adds to the logits after ``row`` (over C G Am F, 4/4)."""
    c = Constraints(meter="4/4", bars=4, chords=CHORDS, grammar=True)
    without = [r for r in RULES if r is not CarryOver]
    zeros = torch.zeros(1, tok.vocab_size)
    return (RuleSet(tok, c)([row], zeros) - RuleSet(tok, c, rules=without)([row], zeros))[0]


def test_a_suspension_pulls_towards_its_resolution_a_step_below_once_held(tok):
    vocab = tok.miditok.vocab

    def pulled(row: list[int], *tokens: str) -> torch.Tensor:
        return _pulled(tok, row + [vocab[t] for t in tokens])

    first = ("Duration_2.0.8", "Bar_None", "TimeSig_4/4")  # C held to beat 2 of the G bar
    at_end = pulled(_suspension_row(tok), *first, "Position_8", "Program_0")
    assert at_end[vocab["Pitch_59"]] == CarryOver.resolution_pull > 0  # B: a step below, G's third
    assert at_end[vocab["Pitch_60"]] == 0 and at_end[vocab["Pitch_71"]] == 0  # the held C; B an octave up
    assert (
        pulled(_suspension_row(tok), *first, "Position_4", "Program_0")[vocab["Pitch_59"]] == 0
    )  # still held
    resolved = (*first, "Position_8", "Program_0", "Pitch_59", "Velocity_79", "Duration_1.0.8")
    assert pulled(_suspension_row(tok), *resolved, "Position_16", "Program_0")[vocab["Pitch_59"]] == 0
    short = ("Duration_1.0.8", "Bar_None", "TimeSig_4/4", "Position_8", "Program_0")  # ends on the bar line
    assert pulled(_suspension_row(tok), *short)[vocab["Pitch_59"]] == 0


def test_the_last_bar_rings_on_freely(tok):
    c = Constraints(meter="4/4", bars=1, chords=CHORDS, grammar=True)
    row = _row(tok, "Bar_None", "TimeSig_4/4", "Position_24", "Program_0", "Pitch_60", "Velocity_79")
    assert not _bad(tok, c, row)[tok.miditok.vocab["Duration_2.0.8"]]


_NEXT = {
    "Bar": ("TimeSig",),
    "TimeSig": ("Position",),
    "Position": ("Program",),
    "Program": ("Pitch",),
    "Pitch": ("Velocity",),
    "Velocity": ("Duration",),
    "Duration": ("Position", "Bar", "EOS"),
    "CondEnd": ("Bar",),
}


def _sample(tok, rules, constraints: Constraints, seed: int, pieces: int = 4) -> list[list[int]]:
    """Pieces sampled one by one under ``rules`` from random logits that keep REMI's order and like long
    notes (a stand-in for a model that holds notes over the bar line)."""
    g = torch.Generator().manual_seed(seed)
    kinds = [tok.miditok[i].split("_")[0] for i in range(tok.vocab_size)]
    bonus = {k: torch.tensor([kind in nxt for kind in kinds]) * 8.0 for k, nxt in _NEXT.items()}
    long = [i for i in range(tok.vocab_size) if kinds[i] == "Duration" and not tok.miditok[i].startswith(
        ("Duration_0.", "Duration_1."))]  # fmt: skip
    bonus["Velocity"][long] += 4.0
    bonus["Duration"][[tok.miditok.vocab["Bar_None"], tok.eos_id]] += 4.0
    out = []
    for _ in range(pieces):
        proc, row = RuleSet(tok, constraints, rules=rules), tok.condition_ids(Conditions())
        while row[-1] != tok.eos_id and len(row) < 1500:
            logits = torch.randn(1, tok.vocab_size, generator=g) * 2 + bonus.get(kinds[row[-1]], 0.0)
            row.append(int(torch.multinomial(torch.softmax(proc([row], logits)[0], -1), 1, generator=g)))
        assert row[-1] == tok.eos_id
        out.append(row)
    return out


def _held_over(tok, row: list[int], chords: list[str], bars: int) -> tuple[int, int]:
    """(notes held past a bar line into a bar whose chord lacks them, but as a suspension, notes) of one
    sampled row in 4/4."""
    tokens = tok.tokens(row)
    bar, at, pc, clashes, notes = 0, 0.0, -1, 0, 0
    for t in tokens[tokens.index("CondEnd_None") + 1 :]:
        kind, _, value = t.partition("_")
        if kind == "Bar":
            bar, at = bar + 1, 0.0
        elif kind == "Position":
            at = int(value) / 8
        elif kind in ("Pitch", "PitchDrum"):
            pc = int(value) % 12 if kind == "Pitch" else -1
        elif kind == "Duration" and pc >= 0:
            whole, ticks, res = (int(x) for x in value.split("."))
            end, notes = at + whole + ticks / res, notes + 1
            later = [chords[(bar + k - 1) % len(chords)] for k in range(1, bars - bar + 1) if end > 4 * k]
            short = 4 + CarryOver.suspension_min_quarters <= end <= 4 + CarryOver.suspension_quarters
            suspension = len(later) == 1 and short and suspendable(later[0])[pc]
            clashes += not suspension and any(pc not in chord_pitch_classes(label) for label in later)
    return clashes, notes


def test_sampled_notes_are_not_held_into_a_chord_that_lacks_them(tok):
    c = Constraints(meter="4/4", bars=6, chords=CHORDS, key="C", mode="major", grammar=True)
    without = [r for r in RULES if r is not CarryOver]
    before = [_held_over(tok, r, CHORDS, 6) for r in _sample(tok, without, c, seed=3)]
    after = [_held_over(tok, r, CHORDS, 6) for r in _sample(tok, RULES, c, seed=3)]
    assert sum(x for x, _ in before) > 0  # the stand-in holds notes over the next chord without the rule
    assert sum(x for x, _ in after) == 0 and sum(n for _, n in after) > 20


def test_a_generated_piece_over_chords_holds_no_note_into_a_chord_that_lacks_it():
    from partita.pipelines import Generator
    from partita.score.bars import bar_lines

    gen = Generator.debug(seed=0)
    chords = "C G Am F"
    (cand,) = gen.generate(f"a piece for piano in C major, 4/4, 4 bars, chords {chords}", n=1, seed=1,
                           wav=False, selector=None)  # fmt: skip
    score = cand.score
    lines = bar_lines(score, 4)
    labels = ["C:maj", "G:maj", "A:min", "F:maj"]
    notes = [n for t in score.tracks if not t.is_drum for n in t.notes]
    assert notes
    tpq = int(score.ticks_per_quarter)
    lo, hi = CarryOver.suspension_min_quarters * tpq, CarryOver.suspension_quarters * tpq
    for n in notes:
        for k in range(1, 4):
            if int(n.time) < lines[k] < int(n.time + n.duration):
                pc, short = int(n.pitch) % 12, lo <= int(n.time + n.duration) - lines[k] <= hi
                assert pc in chord_pitch_classes(labels[k]) or (short and suspendable(labels[k])[pc]), (n, k)
