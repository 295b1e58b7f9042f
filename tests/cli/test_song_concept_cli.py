"""`partita song full --concept`: the parts under the vocal line sampled with a learned concept; a concept of
another model is one sentence."""

from __future__ import annotations

import pytest
import symusic

from partita.cli.main import main
from partita.pipelines import Generator
from partita.training.concept import ConceptConfig, learn_concept

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def concept_dir(tmp_path_factory):
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=100.0))
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    t = symusic.Track("Piano", 0, False)
    for i in range(16):
        t.notes.append(symusic.Note(i * 480, 480, [48, 55, 52, 55][i % 4], 80))
    s.tracks.append(t)
    base = Generator.debug()
    concept = learn_concept(
        [("bass.mid", s)], base.model, base.tokenizer, ConceptConfig(name="walk", steps=2)
    )
    return concept.save_pretrained(tmp_path_factory.mktemp("concept") / "walk")


def test_song_full_with_a_concept(concept_dir, tmp_path, capsys):
    lyrics = tmp_path / "star.txt"
    lyrics.write_text("Twinkle, twinkle, little star,\nHow I wonder what you are!\n")
    out = tmp_path / "out"
    args = [
        "song",
        "full",
        str(lyrics),
        "in C major with piano",
        "--model",
        "debug",
        "-n",
        "1",
        "-o",
        str(out),
    ]
    assert main([*args, "--concept", str(concept_dir), "--concept-strength", "0.5"]) == 0
    text = capsys.readouterr().out
    assert "concept <walk> at strength 0.5" in text
    assert len(symusic.Score(str(out / "star.mid")).tracks) >= 2 and (out / "star.musicxml").is_file()


def test_a_concept_of_another_model_is_one_sentence(concept_dir, tmp_path, capsys):
    lyrics = tmp_path / "star.txt"
    lyrics.write_text("Twinkle, twinkle, little star\n")
    other = Generator.debug(seed=1).save_pretrained(tmp_path / "other")
    args = [
        "song",
        "full",
        str(lyrics),
        "--model",
        str(other),
        "--concept",
        str(concept_dir),
        "-o",
        str(tmp_path),
    ]
    assert main(args) != 0
    err = capsys.readouterr().err
    assert "concept <walk> was learned on the base model" in err and "Traceback" not in err
