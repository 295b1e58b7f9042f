"""``partita generate`` on bad input: a clear account or one error line and exit code 2, never a traceback."""

import json

import pytest

from partita.cli.main import main
from partita.pipelines import Generator


@pytest.fixture
def fake_run(monkeypatch):
    """Replace the generator with one that records its call: these tests are about the CLI's messages."""
    calls = []

    class Recorder:
        def generate(self, request, **kw):
            calls.append((request.text, kw))  # the request the CLI built once, and the settings it passes
            return []

    monkeypatch.setattr(Generator, "from_pretrained", classmethod(lambda cls, name: Recorder()))
    return calls


@pytest.mark.parametrize(
    "prompt,expected",
    [
        ("", "empty prompt: generating with no conditions"),
        (
            "fast and very slow",
            "conflicting tempo words: 'fast' and 'very slow'; using the first, 'fast' (150 bpm)",
        ),
        ("a duet for piano and zorblax", "unknown instrument 'zorblax'"),
        ("400 bars, 60 tracks", "400 bars is more than partita generates at once (128): using 128"),
    ],
)
def test_bad_prompts_are_explained_before_generating(prompt, expected, fake_run, capsys, tmp_path):
    assert main(["generate", prompt, "--model", "debug", "-o", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert expected in out and "Traceback" not in out + err
    assert out.index(expected) < out.index("wrote")
    assert [p for p, _ in fake_run] == [prompt]


@pytest.mark.parametrize(
    "args,message",
    [
        (["--key", "H"], "partita: error: --key 'H': expected a key such as"),
        (["--instruments", "piano,zorblax"], "partita: error: unknown instrument 'zorblax'"),
        (["--chords", "Am Xyz"], "partita: error: --chords 'Am Xyz': not a chord symbol: 'Xyz'"),
        (["--meter", "7/3"], "partita: error: --meter '7/3': expected a time signature"),
        (["--tempo", "0"], "partita: error: --tempo 0.0: expected 10 to 400 bpm"),
    ],
)
def test_bad_options_fail_in_one_line_with_exit_code_2_before_the_model_loads(
    args, message, fake_run, capsys
):
    assert main(["generate", "a jig", "--model", "no/such/model", *args]) == 2
    out, err = capsys.readouterr()
    assert err.strip() == err.strip().splitlines()[0] and err.startswith(message)
    assert "Traceback" not in out + err and fake_run == []


def test_too_many_bars_or_candidates_are_refused_by_the_options(capsys):
    assert main(["generate", "a jig", "--bars", "400"]) == 2
    assert "Invalid value for '--bars': 400 is not in the range 1<=x<=128" in capsys.readouterr().err
    assert main(["generate", "a jig", "--n", "40"]) == 2


def test_a_missing_model_is_one_line(capsys, tmp_path):
    assert main(["generate", "a jig", "--model", str(tmp_path / "nothing"), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    lines = [
        line for line in err.splitlines() if line.strip() and not line.startswith("generate:")
    ]  # the progress bar
    assert (
        lines == [lines[0]]
        and lines[0].startswith("partita: error: no model named")
        and "Traceback" not in err
    )


def test_a_contradictory_prompt_generates_end_to_end_with_the_debug_model(capsys, tmp_path):
    out_dir = tmp_path / "out"
    args = ["generate", "fast and very slow", "--model", "debug", "--n", "1", "--bars", "2", "--seed", "3"]
    assert main([*args, "-o", str(out_dir)]) == 0
    out = capsys.readouterr().out
    assert "conflicting tempo words" in out and "#1" in out
    doc = json.loads((out_dir / "generation.json").read_text())
    assert doc["request"]["conditions"]["tempo_bpm"] == 150.0 and len(doc["candidates"]) == 1
    assert any("conflicting tempo" in n for n in doc["request"]["notes"])


def test_chord_tones_only_reaches_the_pipeline(fake_run, tmp_path):
    assert main(["generate", "a song with chords C G", "-o", str(tmp_path), "--chord-tones-only"]) == 0
    ((_, kw),) = fake_run
    assert kw["chord_tones_only"] is True


def test_presence_weight_reaches_the_pipeline(fake_run, tmp_path):
    assert (
        main(["generate", "a reel for fiddle and guitar", "-o", str(tmp_path), "--presence-weight", "0"]) == 0
    )
    ((_, kw),) = fake_run
    assert kw["presence_weight"] == 0.0


def test_repeat_weight_and_loop_penalty_reach_the_generator(fake_run, tmp_path):
    args = ["generate", "a jig in D", "-o", str(tmp_path), "--repeat-weight", "1.5", "--loop-penalty", "0"]
    assert main(args) == 0
    ((_, kw),) = fake_run
    assert kw["repeat_weight"] == 1.5 and kw["loop_penalty"] == 0.0


def test_step_weight_reaches_the_generator_and_is_left_to_the_style_unless_given(fake_run, tmp_path):
    assert main(["generate", "a motet in G minor", "-o", str(tmp_path), "--step-weight", "0"]) == 0
    assert main(["generate", "a motet in G minor", "-o", str(tmp_path / "b")]) == 0
    (_, asked), (_, left) = fake_run
    assert asked["step_weight"] == 0.0 and left["step_weight"] is None
    assert main(["generate", "a motet", "-o", str(tmp_path / "c"), "--step-weight", "-1"]) != 0


def test_continue_carries_a_file_on_end_to_end_with_the_debug_model(capsys, tmp_path):
    from tests.conftest import make_score

    path = tmp_path / "tune.mid"
    make_score(program=73, time_signature=(4, 4)).dump_midi(str(path))  # 2 bars of a flute scale in C
    out_dir = tmp_path / "out"
    args = ["continue", str(path), "--model", "debug", "--n", "1", "--bars", "2", "--seed", "3"]
    assert main([*args, "-o", str(out_dir), "--in-key"]) == 0
    out = capsys.readouterr().out
    assert "continuing tune.mid: bars 1-2 given, 3-4 new; its own key, meter, tempo, instruments kept" in out
    doc = json.loads((out_dir / "generation.json").read_text())
    c = doc["request"]["conditions"]
    assert (c["key"], c["mode"], c["programs"], c["bars"]) == ("C", "major", [73], 4)


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        (b"hello", "neither a score file"),
    ],
)
def test_continue_on_a_bad_file_is_one_line(content, message, capsys, tmp_path):
    path = tmp_path / "piece.mid"
    if content is not None:
        path.write_bytes(content)
    assert main(["continue", str(path), "--model", "debug", "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err.lower() and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # nothing written half-way


def test_continue_options_reach_the_request_and_the_generator(fake_run, tmp_path):
    from tests.conftest import make_score

    path = tmp_path / "tune.mid"
    make_score().dump_midi(str(path))
    args = ["continue", str(path), "in A minor", "--bars", "3", "--tempo", "70", "--repeat-weight", "1"]
    assert main([*args, "-o", str(tmp_path / "out")]) == 0
    ((text, kw),) = fake_run
    assert text == "in A minor" and kw["repeat_weight"] == 1.0


@pytest.mark.parametrize(
    ("given", "expected"), [("0,1,2,3", [0.0, 1.0, 2.0, 3.0]), ("none", []), (None, None)]
)
def test_entries_reach_the_generator_as_a_setting(given, expected, fake_run, tmp_path):
    args = ["generate", "a motet, 8 bars", "--model", "debug", "-o", str(tmp_path)]
    assert main(args + (["--entries", given] if given else [])) == 0
    assert fake_run[0][1].get("entries") == expected


@pytest.mark.parametrize("given", ["a,b", "0,-1"])
def test_bad_entries_are_one_line(given, capsys, tmp_path):
    assert main(["generate", "a motet", "--model", "debug", "-o", str(tmp_path), "--entries", given]) == 2
    out, err = capsys.readouterr()
    assert "--entries" in out + err and "Traceback" not in out + err
