"""``--concept`` on ``partita accompany``, and ``partita serve`` with several concepts, with the tiny debug
model; a concept of another base model or a second concept of one name is one line."""

from __future__ import annotations

import pytest
import symusic

from partita.cli.main import main
from partita.pipelines import Generator
from partita.score import write_midi

pytestmark = pytest.mark.usefixtures("one_thread")


def melody(pitches: list[int], bars: int = 2) -> symusic.Score:
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=100.0))
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    t = symusic.Track("Flute", 73, False)
    for i in range(4 * bars):
        t.notes.append(symusic.Note(i * 480, 480, pitches[i % len(pitches)], 80))
    s.tracks.append(t)
    return s


@pytest.fixture(scope="module")
def learned(tmp_path_factory):
    """Two concept folders, <tuney> and <other>, learned in 2 steps each by the CLI on the debug model."""
    root = tmp_path_factory.mktemp("concepts")
    out = {}
    for name, pitches in (("tuney", [72, 74, 76, 79]), ("other", [67, 69, 71, 74])):
        refs = root / f"refs-{name}"
        refs.mkdir()
        write_midi(melody(pitches), refs / "one.mid")
        args = ["concept", "learn", str(refs), "--name", name, "--model", "debug", "--steps", "2"]
        assert main([*args, "-o", str(root / name)]) == 0
        out[name] = root / name
    return out


@pytest.fixture(scope="module")
def tune(tmp_path_factory):
    return write_midi(melody([72, 76, 79, 76]), tmp_path_factory.mktemp("tune") / "tune.mid")


def test_accompany_takes_a_concept(learned, tune, tmp_path, capsys):
    out = tmp_path / "acc"
    args = ["accompany", str(tune), "for piano in <tuney>", "--model", "debug", "--n", "1", "--seed", "0"]
    assert main([*args, "--concept", str(learned["tuney"]), "--explain", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "concept      <tuney>" in text and "not applied" not in text
    assert (out / "candidate-1.mid").is_file() and (out / "generation.json").is_file()
    out = tmp_path / "strength"
    args = ["accompany", str(tune), "for piano", "--model", "debug", "--n", "1", "--seed", "0"]
    assert main([*args, "--concept", str(learned["tuney"]), "--concept-strength", "0.5", "-o", str(out)]) == 0
    assert (out / "candidate-1.mid").is_file()


def test_accompany_refuses_a_concept_of_another_base_in_one_line(learned, tune, tmp_path, capsys):
    other = Generator.debug(seed=1).save_pretrained(tmp_path / "other-model")
    args = ["accompany", str(tune), "--model", str(other), "--concept", str(learned["tuney"])]
    assert main([*args, "-o", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "partita: error: concept <tuney> was learned on the base model 'debug'" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x" / "candidate-1.mid").exists()


def test_serve_takes_several_concepts_and_refuses_one_name_twice(learned, monkeypatch):
    from click.testing import CliRunner

    import partita.web as web
    from partita.cli.serve import serve

    seen = {}
    monkeypatch.setattr(web, "serve", lambda **kw: seen.update(kw))
    folders = ["--concept", str(learned["tuney"]), "--concept", str(learned["other"])]
    result = CliRunner().invoke(serve, ["--model", "debug", *folders, "--concept-strength", "0.5"])
    assert result.exit_code == 0, result.output
    assert "with the concepts <tuney>, <other>" in result.output
    assert seen["model"].concept is None  # the base model: each request picks a concept, or none
    assert [g.concept for g in seen["concepts"]] == ["tuney", "other"]
    assert seen["concepts"][0].model.card["concept_strength"] == 0.5
    twice = ["--concept", str(learned["tuney"])] * 2
    result = CliRunner().invoke(serve, ["--model", "debug", *twice])
    assert result.exit_code == 1 and "a second concept named <tuney>" in result.output
    seen.clear()
    assert CliRunner().invoke(serve, ["--model", "debug"]).exit_code == 0
    assert seen["model"] == "debug" and seen["concepts"] == []  # loaded by the studio, as before
