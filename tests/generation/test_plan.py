"""Plan, then generate: plans proposed, read back and checked, and followed section by section."""

from __future__ import annotations

import json

import pytest
import symusic

from partita.cli.main import main
from partita.generation.plan import (
    PiecePlan,
    Section,
    load_plan,
    parse_minutes,
    plan_from_dict,
    plan_piece,
    play_again,
    repeats,
    save_plan,
    section_options,
)
from partita.generation.prompt import project_prompt
from partita.pipelines import Generator
from partita.score.bars import bar_lines


@pytest.mark.parametrize(
    "prompt, labels",
    [
        ("an Irish jig in D", ["A", "A", "B", "B"]),
        ("a chorale in G for choir", ["A", "A", "B"]),
        ("a pop ballad in C", ["I", "A", "B", "A'", "B", "C", "B", "O"]),
        ("a song in F", ["A", "A'", "B", "A"]),
    ],
)
def test_a_plan_takes_its_styles_usual_form(prompt, labels):
    plan = plan_piece(project_prompt(prompt))
    assert [s.label for s in plan.sections] == labels


@pytest.mark.parametrize("bars", [16, 40, 64, 100, 200])
def test_a_plan_is_as_long_as_asked(bars):
    plan = plan_piece(project_prompt("a pop song in A minor", bars=min(bars, 128)))
    plan2 = plan_piece(project_prompt("a jig in G"), minutes=None)
    assert plan.bars == min(bars, 128) and plan2.bars == 32
    assert all(s.bars >= 1 for s in plan.sections)


def test_minutes_become_bars_at_the_tempo_and_a_pop_plan_has_chords_in_its_key():
    request = project_prompt("a 3-minute pop ballad in E flat")
    assert parse_minutes(request.text) == 3.0 and parse_minutes("90 seconds of calm") == 1.5
    plan = plan_piece(request, minutes=3.0)
    assert plan.bars == round(3 * request.conditions.tempo_bpm / 4)  # 4/4: four quarters a bar
    verse = next(s for s in plan.sections if s.label == "A")
    assert verse.chords == ["Eb:maj", "C:min", "Ab:maj", "Bb:maj"]  # I vi IV V in E flat


def test_a_plan_survives_its_json_and_bad_plans_are_named(tmp_path):
    plan = plan_piece(project_prompt("a jig in D for fiddle"))
    path = save_plan(plan, tmp_path / "plan.json")
    assert load_plan(path) == plan
    bad = [
        ({"sections": []}, "non-empty list of 'sections'"),
        ({"sections": [{"label": "A", "bars": 0}]}, "bars must be a whole number from 1 to 128"),
        ({"sections": [{"label": "", "bars": 4}]}, "section 1 has no label"),
        ({"sections": [{"label": "A", "bars": 4, "tempo": 3}]}, "unknown field"),
        ({"sections": [{"label": "A", "bars": 4}, {"label": "A", "bars": 8}]}, "give the new one a prime"),
        ({"sections": [{"label": x, "bars": 128} for x in "ABC"]}, "at most 256"),
    ]
    for doc, message in bad:
        with pytest.raises(ValueError, match=message):
            plan_from_dict(doc)
    (tmp_path / "broken.json").write_text("{sections: ")
    with pytest.raises(ValueError, match="not a JSON plan"):
        load_plan(tmp_path / "broken.json")


def test_a_label_that_comes_back_is_played_again_and_a_prime_is_written_anew():
    plan = PiecePlan(
        "", [Section("A", 4), Section("B", 4), Section("A", 4), Section("A'", 4), Section("B", 4)]
    )
    # A again whole; A' takes the first half of A and is written on from there
    assert repeats(plan) == [None, None, (0, 4), (0, 2), (1, 4)]
    opts = section_options(PiecePlan("", [], key="D major", tempo=90.0), Section("B", 4, chords=["G:maj"]))
    assert opts == {"bars": 4, "key": "D major", "tempo": 90.0, "chords": ["G:maj"]}


def test_play_again_copies_the_bars_as_written():
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 2, 4))
    t = symusic.Track("flute", 73, False)
    for i, p in enumerate([60, 62, 64, 65]):  # bars 1-2 of 2/4, quarter notes, the last one held over
        t.notes.append(symusic.Note(i * 480, 480 if i < 3 else 960, p, 80))
    s.tracks.append(t)
    play_again(s, first=0, bars=2, at=2)
    lines = bar_lines(s, 4)
    again = [(n.time - lines[2], n.duration, n.pitch) for n in s.tracks[0].notes if n.time >= lines[2]]
    assert again == [
        (0, 480, 60),
        (480, 480, 62),
        (960, 480, 64),
        (1440, 480, 65),
    ]  # held note cut at its bar


def test_the_generator_follows_a_plan_and_repeats_what_the_plan_repeats(tmp_path):
    plan = PiecePlan(
        "a waltz in G for violin", [Section("A", 2), Section("B", 2), Section("A", 2)], meter="3/4"
    )
    request, (cand,) = Generator.debug(seed=0).generate_plan(plan, n=1, seed=2, out_dir=tmp_path, wav=False)
    assert request.conditions.bars == 6 and (tmp_path / "plan.json").is_file()
    lines = bar_lines(cand.score, 6)
    for track in cand.score.tracks:
        first = [(n.time, n.pitch) for n in track.notes if n.time < lines[2]]
        third = [(n.time - lines[4], n.pitch) for n in track.notes if lines[4] <= n.time < lines[6]]
        assert first == third  # the A section, played again
    assert "A (bars 5-6): bars 1-2 again" in cand.remarks
    doc = json.loads((tmp_path / "generation.json").read_text())
    assert doc["request"]["conditions"]["bars"] == 6


def test_a_theme_is_the_first_section_and_comes_back_whole_and_varied(tmp_path):
    theme = symusic.Score(480)
    theme.time_signatures.append(symusic.TimeSignature(0, 3, 4))
    track = symusic.Track("violin", 40, False)
    for i, p in enumerate([67, 71, 74, 72, 71, 69]):  # two bars of 3/4
        track.notes.append(symusic.Note(i * 480, 480, p, 80))
    theme.tracks.append(track)
    sections = [Section("A", 4), Section("B", 2), Section("A", 4), Section("A'", 4)]
    plan = PiecePlan("a waltz in G for violin", sections, meter="3/4")
    _, (cand,) = Generator.debug(seed=0).generate_plan(plan, n=1, seed=3, theme=theme, wav=False)
    lines = bar_lines(cand.score, 12)
    notes = [(n.time, n.pitch) for n in cand.score.tracks[0].notes]
    stated = [(t, p) for t, p in notes if t < lines[2]]
    assert stated == [(n.time, n.pitch) for n in track.notes]  # bars 1-2: the theme as given
    again = [(t - lines[4], p) for t, p in notes if lines[4] <= t < lines[6]]
    assert again == stated  # A (now 2 bars, the theme's length) comes back whole at bar 5
    varied = [(t - lines[6], p) for t, p in notes if lines[6] <= t < lines[7]]
    assert varied == stated[:3]  # A' opens with the theme's first bar
    assert cand.remarks[0] == "A (bars 1-2): the theme as given"


def test_plan_and_generate_plan_from_the_command_line(tmp_path, capsys):
    path = tmp_path / "plan.json"
    assert main(["plan", "an Irish jig in D for fiddle", "--bars", "8", "-o", str(path)]) == 0
    assert "wrote" in capsys.readouterr().out and load_plan(path).bars == 8
    out = tmp_path / "out"
    assert main(["generate", "--plan", str(path), "--model", "debug", "--n", "1", "-o", str(out)]) == 0
    assert (out / "candidate-1.mid").is_file()
    assert main(["generate", "a reel", "--plan", str(path), "--model", "debug"]) == 2  # one or the other
    path.write_text(json.dumps({"sections": [{"label": "A", "bars": 4}, {"label": "A", "bars": 2}]}))
    assert main(["generate", "--plan", str(path), "--model", "debug", "-o", str(out)]) == 2
    assert "give the new one a prime" in capsys.readouterr().err


def test_a_theme_from_the_command_line_with_the_plan_partita_proposes(tmp_path, capsys):
    theme = symusic.Score(480)
    theme.time_signatures.append(symusic.TimeSignature(0, 6, 8))
    track = symusic.Track("fiddle", 40, False)
    for i, p in enumerate([62, 66, 69, 74, 69, 66]):
        track.notes.append(symusic.Note(i * 240, 240, p, 80))
    theme.tracks.append(track)
    path = tmp_path / "theme.mid"
    theme.dump_midi(str(path))
    out = tmp_path / "out"
    args = ["generate", "a jig in D for fiddle, 8 bars", "--theme", str(path), "--model", "debug", "--n", "1"]
    assert main([*args, "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "A (bars 1-1): the theme as given" in text and (out / "plan.json").is_file()
    assert load_plan(out / "plan.json").sections[0].bars == 1  # the plan's A is the theme's length
    assert main([*args[:-4], str(tmp_path / "missing.mid"), "--model", "debug", "-o", str(out)]) == 2
