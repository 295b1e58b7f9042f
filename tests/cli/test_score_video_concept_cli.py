"""`partita score-video --concept`: every section sampled with a learned concept in place, at the strength
asked; a concept of another model is one sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import symusic

from partita.cli.main import main
from partita.picture.synthetic import SyntheticShot, SyntheticVideo, write_synthetic_video
from partita.pipelines import Generator
from partita.training.concept import ConceptConfig, learn_concept

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def concept_dir(tmp_path_factory):
    """A concept learned in 2 steps on the debug model from the test fixtures' two-track MIDI file."""
    reference = symusic.Score(str(Path(__file__).parents[1] / "fixtures" / "score" / "two_tracks.mid"))
    base = Generator.debug()
    config = ConceptConfig(name="rise", steps=2)
    concept = learn_concept([("two_tracks.mid", reference)], base.model, base.tokenizer, config)
    return concept.save_pretrained(tmp_path_factory.mktemp("concept") / "rise")


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    spec = SyntheticVideo(4.0, [SyntheticShot(0, (200, 80, 40)), SyntheticShot(2.0, (60, 200, 60))], fps=12.0)
    return write_synthetic_video(spec, tmp_path_factory.mktemp("clip") / "clip.mp4")


def test_score_video_samples_with_the_concept(concept_dir, video, tmp_path, capsys, monkeypatch):
    used = []
    original = Generator.generate_plan

    def spy(self, *args, **kwargs):
        used.append((self.concept, self.card.get("concept_strength")))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Generator, "generate_plan", spy)
    out = tmp_path / "out"
    args = ["score-video", str(video), "-o", str(out), "--model", "debug", "--n", "1", "--no-wav"]
    assert main([*args, "--seed", "1", "--concept", str(concept_dir), "--concept-strength", "0.5"]) == 0
    assert "concept <rise> at strength 0.5" in capsys.readouterr().out
    assert used == [("rise", 0.5)]
    assert json.loads((out / "picture.json").read_text())["plan"]["tempo_changes"]
    assert main([*args, "--seed", "1"]) == 0  # without it: the base model
    assert used[-1][0] is None


def test_a_concept_of_another_model_is_one_sentence(concept_dir, video, tmp_path, capsys):
    other = Generator.debug(seed=1).save_pretrained(tmp_path / "other")
    args = ["score-video", str(video), "--model", str(other), "--concept", str(concept_dir), "--no-wav"]
    assert main([*args, "-o", str(tmp_path / "out")]) != 0
    err = capsys.readouterr().err
    assert "concept <rise> was learned on the base model" in err and "Traceback" not in err
