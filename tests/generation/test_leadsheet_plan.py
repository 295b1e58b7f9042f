"""Lead sheets: a plan from a chord progression's repetition, and melodies generated over the chords."""

from __future__ import annotations

import pytest

from partita.generation.harmony import chord_pitch_classes
from partita.generation.leadsheet import (
    bar_chords,
    key_of_chords,
    leadsheet_plan,
    leadsheet_request,
    phrase_labels,
    progression,
    vocabulary_label,
)
from partita.generation.plan import plan_from_dict, repeats, section_options
from partita.generation.prompt import project_prompt
from partita.pipelines import Generator
from partita.pipelines.leadsheet import generate_leadsheet
from partita.score.bars import bar_lines, notated_bars


@pytest.fixture(scope="module")
def debug() -> Generator:
    return Generator.debug(seed=0)


@pytest.mark.parametrize(
    "chords, labels",
    [
        ("C Am F G", ["A", "A'", "A", "A'"]),  # a four-bar loop: a period (A A'), and the period again
        ("C Am F G Em Am Dm G", ["A", "B", "A", "B"]),  # an eight-bar progression twice
        ("C C F F G G C C F F G G C C G C", ["A", "B", "C", "D"]),  # no phrase repeats: nothing to take
        ("C F C G Am F G C Am F G C C F C G", ["A", "B", "B'", "A'"]),
    ],
)
def test_phrases_are_labelled_by_the_repetition_of_their_chords(chords, labels):
    assert phrase_labels(bar_chords(progression(chords), 16)) == labels


def test_the_plan_of_a_repeating_progression_repeats_its_labels_and_reads_back():
    plan = leadsheet_plan("C Am F G", "for violin", bars=16, tempo=96)
    assert [s.label for s in plan.sections] == ["A", "A'", "A", "A'"]
    assert all(s.bars == 4 and s.chords == ["C:maj", "A:min", "F:maj", "G:maj"] for s in plan.sections)
    # A again whole, each A' opens as A did (its first two bars) and is written on
    assert repeats(plan) == [None, (0, 2), (0, 4), (0, 2)]
    assert plan.instruments == [] and plan.key == "C major" and plan.tempo == 96.0
    assert plan_from_dict(plan.to_dict()) == plan  # a plan a person can save, edit and load
    # chords that never repeat in a phrase: no structure to take, one section (the plain request)
    flat = leadsheet_plan("C C F F G G C C F F G G C C G C", bars=16)
    assert [(s.label, s.bars) for s in flat.sections] == [("A", 16)] and len(flat.sections[0].chords) == 16
    default = leadsheet_plan("Am F C G")
    assert (
        default.instruments == ["flute"] and default.bars == 16 and default.sections[0].prompt == "monophonic"
    )


def test_a_section_off_the_loop_gets_its_chords_where_the_rules_read_them():
    plan = leadsheet_plan("C Am F G", bars=11)  # the last phrase, bars 9-11, starts at bar 9 of a 3-bar loop
    last = plan.sections[-1]
    assert last.bars == 3
    # the rules give bar b chord (b - 1) mod 3 of the list: bars 9, 10, 11 must be C, Am, F
    assert [last.chords[(b - 1) % 3] for b in (9, 10, 11)] == ["C:maj", "A:min", "F:maj"]


def test_a_plan_without_repeats_asks_for_what_the_plain_request_asks_for():
    chords, options = "C C F F G G C C F F G G C C G C", {"key": "C major", "tempo": 90, "meter": "4/4"}
    plan = leadsheet_plan(chords, "", 16, **options)
    (section,) = plan.sections
    asked = project_prompt(section.prompt, **section_options(plan, section))
    plain = leadsheet_request(chords, "", 16, **options)
    assert asked.conditions == plain.conditions and asked.faders == plain.faders == {"polyphony": 0.0}
    assert asked.chords == plain.chords


def test_the_plain_request_loops_the_chords_with_one_melodic_line():
    request = leadsheet_request("Dm7 G7 Cmaj7", bars=12)
    c = request.conditions
    assert request.chords == ["D:min7", "G:7", "C:maj7"] and c.bars == 12
    assert c.programs == [73] and request.faders["polyphony"] == 0.0 and (c.key, c.mode) == ("C", "major")
    assert leadsheet_request("C G", "for violin, in G major").conditions.programs == [40]


def test_chords_are_read_into_the_generators_vocabulary():
    assert vocabulary_label("G:sus4(b7)") == "G:sus4" and vocabulary_label("C:maj/3") == "C:maj"
    assert vocabulary_label("D:min9") == "D:min7" and vocabulary_label("N") == "N"
    assert progression(["C:maj/5", "Am", "N"]) == ["C:maj", "A:min", "N"]
    assert key_of_chords(progression("Bb Gm Eb F")) == "Bb major"
    assert key_of_chords(progression("Am Dm E Am")) == "A minor"
    with pytest.raises(ValueError, match="no chords given"):
        leadsheet_request("")
    with pytest.raises(ValueError, match="1 to 128"):
        leadsheet_plan("C G", bars=0)


def _on_beat_tones_follow_the_chords(score, chords, bars):
    lines = bar_lines(score, bars)
    beat = score.ticks_per_quarter
    for b in range(bars):
        tones = chord_pitch_classes(chords[b % len(chords)])
        on_beat = [
            n.pitch % 12
            for t in score.tracks
            for n in t.notes
            if lines[b] <= n.time < lines[b + 1] and (n.time - lines[b]) % beat == 0
        ]
        assert set(on_beat) <= tones, f"bar {b + 1}"


@pytest.mark.parametrize("hierarchy, bars", [(True, 11), (False, 8)])
def test_a_lead_sheet_is_one_melody_of_the_bars_asked_for_over_the_chords(debug, hierarchy, bars):
    # 11 bars with phrases: A A' and a phrase of 3 bars off the four-bar loop; chords a semitone apart share
    # no tone, so a chord read one bar off would show (seed 1 puts notes on beats in bars 9, 10 and 11)
    chords = ["C:maj", "Db:maj", "D:maj", "Eb:maj"]
    request, (cand, *_) = generate_leadsheet(debug, "C Db D Eb", bars=bars, hierarchy=hierarchy, n=1, seed=1)
    score = cand.score
    assert request.conditions.bars == bars and notated_bars(score) == bars
    assert [int(t.program) for t in score.tracks if len(t.notes)] == [73]
    _on_beat_tones_follow_the_chords(score, chords, bars)
    if hierarchy:  # A A': bars 5-6 are bars 1-2 again
        lines = bar_lines(score, 8)
        notes = score.tracks[0].notes
        first = [(n.time, n.pitch) for n in notes if n.time < lines[2]]
        again = [(n.time - lines[4], n.pitch) for n in notes if lines[4] <= n.time < lines[6]]
        assert first == again and first
