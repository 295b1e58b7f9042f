"""``partita concept learn`` / ``show`` and ``partita generate --concept`` on a tiny model, end to end."""

import pytest
import symusic

from partita.cli.main import main
from partita.pipelines import Generator
from partita.score import write_midi

pytestmark = pytest.mark.usefixtures("one_thread")


def tune(pitches):
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=100.0))
    s.time_signatures.append(symusic.TimeSignature(0, 6, 8))
    t = symusic.Track("Fiddle", 40, False)
    for i in range(24):
        t.notes.append(symusic.Note(i * 240, 240, pitches[i % len(pitches)], 80))
    s.tracks.append(t)
    return s


def test_learn_show_and_generate_with_a_concept(tmp_path, capsys):
    refs = tmp_path / "refs"
    refs.mkdir()
    write_midi(tune([74, 76, 78, 81]), refs / "one.mid")
    write_midi(tune([69, 71, 74, 76]), refs / "two.mid")
    (refs / "three.mid").write_bytes(b"MThd broken")
    out = tmp_path / "jiggy.safetensors"
    args = [
        "concept",
        "learn",
        str(refs),
        "--name",
        "jiggy",
        "--model",
        "debug",
        "--steps",
        "3",
        "-o",
        str(out),
    ]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "skipped three.mid" in text and "from 2 piece(s): one.mid, two.mid" in text
    assert out.is_file() and out.with_suffix(".json").is_file() and f"wrote {out}" in text
    assert main(["concept", "show", str(out)]) == 0
    assert "concept <jiggy>: lora" in capsys.readouterr().out
    gen = tmp_path / "gen"
    prompt = "a jig in <jiggy>"
    args = ["generate", prompt, "--model", "debug", "--concept", str(out), "--concept-strength", "0.8"]
    assert main([*args, "--n", "1", "--bars", "2", "--seed", "0", "-o", str(gen)]) == 0
    text = capsys.readouterr().out
    assert "concept      <jiggy>" in text or "concept = jiggy" in text
    assert (gen / "candidate-1.mid").is_file() and (gen / "generation.json").is_file()
    # the same concept on another base model: one clear sentence, exit code 2
    other = Generator.debug(seed=1).save_pretrained(tmp_path / "other")
    assert main(["generate", prompt, "--model", str(other), "--concept", str(out), "-o", str(gen)]) == 2
    err = capsys.readouterr().err
    assert "partita: error: concept <jiggy> was learned on the base model 'debug'" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_an_empty_folder_and_a_bad_name_are_refused(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["concept", "learn", str(empty), "--name", "x", "--model", "debug"]) == 2
    err = capsys.readouterr().err
    assert "no reference piece to learn from" in err and "Traceback" not in err
    assert main(["concept", "learn", str(empty), "--name", "bad name", "--model", "debug"]) == 1
    assert "concept name 'bad name'" in capsys.readouterr().err
    assert main(["concept", "show", str(tmp_path / "none.safetensors")]) == 2
    assert "no such concept file" in capsys.readouterr().err
