"""The concept's strength knob at its end: `partita generate --concept X --concept-strength 0` is the base
model, piece for piece with the same seed; a strength past the range is one sentence."""

from __future__ import annotations

import pytest
import symusic

from partita.cli.main import main
from partita.pipelines import Generator
from partita.training.concept import ConceptConfig, learn_concept

pytestmark = pytest.mark.usefixtures("one_thread")
PROMPT = "a jig in <jiggy>, 2 bars"


def tune(pitches) -> symusic.Score:
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=100.0))
    s.time_signatures.append(symusic.TimeSignature(0, 6, 8))
    t = symusic.Track("Fiddle", 40, False)
    for i in range(24):
        t.notes.append(symusic.Note(i * 240, 240, pitches[i % len(pitches)], 80))
    s.tracks.append(t)
    return s


@pytest.fixture(scope="module")
def concept_dir(tmp_path_factory):
    base = Generator.debug()
    config = ConceptConfig(name="jiggy", steps=3, batch=1)
    concept = learn_concept([("one.mid", tune([74, 76, 78, 81]))], base.model, base.tokenizer, config)
    return concept.save_pretrained(tmp_path_factory.mktemp("concept") / "jiggy")


def generate(out, *extra) -> bytes:
    args = ["generate", PROMPT, "--model", "debug", "--n", "1", "--seed", "7", "-o", str(out), *extra]
    assert main(args) == 0
    return (out / "candidate-1.mid").read_bytes()


def test_strength_0_is_the_base_models_piece_for_the_same_seed(concept_dir, tmp_path, capsys):
    base = generate(tmp_path / "base")
    zero = generate(tmp_path / "zero", "--concept", str(concept_dir), "--concept-strength", "0")
    full = generate(tmp_path / "full", "--concept", str(concept_dir), "--concept-strength", "1")
    assert zero == base
    assert full != base  # the knob does something: at 1 the concept's token and LoRA are in place


def test_the_library_says_the_same(concept_dir):
    base = Generator.debug()
    request = base.request("a jig, 2 bars")
    plain = base.generate(request, n=1, seed=3, selector=None)[0].score
    at_zero = base.with_concept(concept_dir, 0.0)
    assert at_zero.concept == "jiggy" and at_zero.model.card["concept_strength"] == 0.0
    piece = at_zero.generate(base.request("a jig, 2 bars"), n=1, seed=3, selector=None)[0].score
    assert piece.dumps_midi() == plain.dumps_midi()


def test_a_strength_past_the_range_is_one_sentence(concept_dir, tmp_path, capsys):
    args = ["generate", PROMPT, "--model", "debug", "--concept", str(concept_dir), "--concept-strength", "3"]
    assert main([*args, "-o", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "--concept-strength" in err and "Traceback" not in err


def test_the_explanation_at_strength_0_says_the_base_model(concept_dir):
    base = Generator.debug()
    at_zero = base.with_concept(concept_dir, 0.0)
    request = base.request(PROMPT)
    at_zero.generate(request, n=1, seed=3, selector=None)
    said = request.explain()
    assert "<jiggy> is at strength 0: the base model made these pieces" in said
    other = base.request("a jig in <waltzy>, 2 bars")  # the prompt names another concept
    at_zero.generate(other, n=1, seed=3, selector=None)
    assert "<jiggy> at strength 0, which is the base model: <waltzy> is not applied" in other.explain()
    full = base.request(PROMPT)
    base.with_concept(concept_dir, 1.0).generate(full, n=1, seed=3, selector=None)
    assert "strength 0" not in full.explain()  # applied: no such note


def test_partita_generate_prints_it(concept_dir, tmp_path, capsys):
    generate(tmp_path / "zero", "--concept", str(concept_dir), "--concept-strength", "0", "--explain")
    assert "strength 0: the base model made these pieces" in capsys.readouterr().out


def test_a_concept_folder_as_the_model_is_its_base_with_it(concept_dir, tmp_path):
    """`--model my-style/` loads the base the concept names (here "debug") with the concept in place."""
    out = tmp_path / "as-model"
    args = ["generate", PROMPT, "--model", str(concept_dir), "--n", "1", "--seed", "7", "-o", str(out)]
    assert main(args) == 0
    both = generate(tmp_path / "both", "--concept", str(concept_dir))
    assert (out / "candidate-1.mid").read_bytes() == both
