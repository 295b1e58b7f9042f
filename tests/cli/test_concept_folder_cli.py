"""``partita concept learn`` writing a folder, ``concept info``, and ``--concept`` on ``partita continue``,
``partita infill`` (bars and tracks) and ``partita serve`` with the tiny debug model."""

import pytest
import symusic

from partita.cli.main import main
from partita.pipelines import Generator
from partita.score import write_midi

pytestmark = pytest.mark.usefixtures("one_thread")


def tune(pitches, bars=3, program=40, name="Fiddle"):
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=100.0))
    s.time_signatures.append(symusic.TimeSignature(0, 6, 8))
    t = symusic.Track(name, program, False)
    for i in range(bars * 6):
        t.notes.append(symusic.Note(i * 240, 240, pitches[i % len(pitches)], 80))
    s.tracks.append(t)
    return s


@pytest.fixture(scope="module")
def learned(tmp_path_factory):
    """A concept folder learned in 3 steps by the CLI (default output: NAME/ in the working folder)."""
    root = tmp_path_factory.mktemp("concept")
    refs = root / "refs"
    refs.mkdir()
    write_midi(tune([74, 76, 78, 81]), refs / "one.mid")
    write_midi(tune([69, 71, 74, 76]), refs / "two.mid")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        args = ["concept", "learn", str(refs), "--name", "jiggy", "--model", "debug", "--steps", "3"]
        assert main([*args, "--copy-check", "2"]) == 0
    return root / "jiggy"


@pytest.fixture(scope="module")
def duet(tmp_path_factory):
    """A two-track piece of 4 bars to continue and infill."""
    piece = tune([74, 76, 78, 81], bars=4)
    piece.tracks.append(tune([50, 45], bars=4, program=32, name="Bass").tracks[0])
    path = tmp_path_factory.mktemp("piece") / "duet.mid"
    write_midi(piece, path)
    return path


def test_learn_writes_a_folder_and_info_reads_its_card(learned, capsys):
    assert sorted(p.name for p in learned.iterdir()) == [
        "README.md",
        "concept.safetensors",
        "concept_config.json",
    ]
    card = (learned / "README.md").read_text()
    assert "one.mid" in card and "two.mid" in card and "3 steps" in card and "**copy rate**: " in card
    assert "not measured" not in card  # --copy-check measured it
    assert main(["concept", "info", str(learned)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("concept <jiggy>: lora, LoRA rank 4")
    assert "learned from: 2 piece(s): one.mid (" in out and "base model: debug (weights " in out
    assert "copy rate: " in out and "of 2 piece(s) sampled for '<jiggy>'" in out
    assert f"folder: {learned} (concept.safetensors" in out
    assert main(["concept", "show", str(learned)]) == 0  # the earlier name
    assert capsys.readouterr().out == out


def test_continue_and_infill_take_a_concept(learned, duet, tmp_path, capsys):
    common = ["--model", "debug", "--concept", str(learned), "--n", "1", "--seed", "0"]
    out = tmp_path / "cont"
    assert main(["continue", str(duet), "in <jiggy>", "--bars", "1", *common, "-o", str(out)]) == 0
    assert (out / "candidate-1.mid").is_file()
    text = capsys.readouterr().out
    assert "concept      <jiggy>" in text and "not applied" not in text
    out = tmp_path / "gap"
    args = ["infill", str(duet), "--bars", "2-3", *common, "--concept-strength", "0.5", "-o", str(out)]
    assert main(args) == 0 and (out / "candidate-1.mid").is_file()
    assert "is in the prefix though the prompt does not name it" in capsys.readouterr().out
    out = tmp_path / "tracks"
    assert main(["infill", str(duet), "--tracks", "Bass", *common, "-o", str(out)]) == 0
    assert (out / "candidate-1.mid").is_file() and (out / "generation.json").is_file()


def test_a_concept_of_another_base_or_not_a_concept_is_refused_in_one_line(learned, duet, tmp_path, capsys):
    other = Generator.debug(seed=1).save_pretrained(tmp_path / "other")
    for command in (["continue", str(duet)], ["infill", str(duet), "--bars", "2-3"]):
        args = [*command, "--model", str(other), "--concept", str(learned), "-o", str(tmp_path / "x")]
        assert main(args) == 2
        err = capsys.readouterr().err
        assert "partita: error: concept <jiggy> was learned on the base model 'debug'" in err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    args = ["continue", str(duet), "--model", "debug", "--concept", str(other), "-o", str(tmp_path / "x")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "a model folder, not a concept" in err and len(err.strip().splitlines()) == 1
    assert main(["concept", "info", str(tmp_path)]) == 2
    assert "not a partita concept folder" in capsys.readouterr().err
    args = ["concept", "learn", str(duet), "--name", "x", "--model", "debug", "-o", str(other)]
    assert main(args) == 1  # refused before training: the folder holds a model
    assert "holds a model" in capsys.readouterr().err


def test_the_single_file_form_is_still_written_and_read(tmp_path, capsys):
    refs = tmp_path / "refs"
    refs.mkdir()
    write_midi(tune([74, 76, 78, 81]), refs / "one.mid")
    out = tmp_path / "old.safetensors"
    args = [
        "concept",
        "learn",
        str(refs),
        "--name",
        "old",
        "--model",
        "debug",
        "--steps",
        "1",
        "-o",
        str(out),
    ]
    assert main(args) == 0 and out.is_file() and out.with_suffix(".json").is_file()
    capsys.readouterr()
    assert main(["concept", "info", str(out)]) == 0
    text = capsys.readouterr().out
    assert "concept <old>: lora" in text and "the older single-file form" in text


def test_serve_takes_a_concept_and_compose_offers_its_token(learned, monkeypatch, tmp_path):
    pytest.importorskip("gradio")
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    from click.testing import CliRunner

    import partita.web as web
    from partita.cli.serve import serve

    seen = {}
    monkeypatch.setattr(web, "serve", lambda **kw: seen.update(kw))
    result = CliRunner().invoke(serve, ["--model", "debug", "--concept", str(learned)])
    assert result.exit_code == 0, result.output
    generator = seen["concepts"][0]  # a request picks it, or none (tests/web/test_concept_choice.py)
    assert seen["model"].concept is None
    assert generator.concept == "jiggy" and generator.model.card["concept"] == "jiggy"
    from partita.web import build_app
    from partita.web.compose import ComposeView

    none = tmp_path / "none"
    app = build_app(seen["model"], views=[ComposeView()], corpora_root=none, concepts=[generator])
    try:
        boxes = [c["props"] for c in app.config["components"] if c.get("props", {}).get("elem_id")]
        prompt = next(p for p in boxes if p["elem_id"] == "compose-prompt")
        assert "<jiggy>" in prompt["placeholder"] and "<jiggy>" in prompt["info"]
    finally:
        app.studio.close()
