"""A concept as a folder (``save_pretrained`` / ``from_pretrained``), its card, the older single file,
refusals, the copy rate, and the Python API's ``concept=`` beyond ``generate``."""

import json

import pytest
import torch
from tests.training.test_concept import REFS, tune

import partita
from partita.pipelines import Generator, load_generator
from partita.training.concept import (
    CONCEPT_CARD,
    CONCEPT_CONFIG,
    CONCEPT_WEIGHTS,
    Concept,
    ConceptConfig,
    copy_rate,
    learn_concept,
    load_concept,
    pitch_runs,
)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def base():
    return Generator.debug()


@pytest.fixture(scope="module")
def learned(base):
    config = ConceptConfig(name="my-style", method="lora", steps=6, window=64, batch=2)
    return learn_concept(REFS, base.model, base.tokenizer, config)


def notes(candidates):
    return [[(n.time, n.duration, n.pitch) for t in c.score.tracks for n in t.notes] for c in candidates]


def test_folder_round_trip_gives_the_same_generations(base, learned, tmp_path):
    folder = learned.save_pretrained(tmp_path / "my-style")
    assert sorted(p.name for p in folder.iterdir()) == sorted([CONCEPT_WEIGHTS, CONCEPT_CONFIG, CONCEPT_CARD])
    raw = json.loads((folder / CONCEPT_CONFIG).read_text())
    assert raw["name"] == "my-style" and raw["method"] == "lora" and raw["base_model"] == "debug"
    assert raw["base_hash"] == learned.config.base_hash and len(raw["tokenizer_hash"]) == 64
    assert raw["references"] == ["a.mid", "b.mid"] and len(raw["reference_tokens"]) == 2
    card = (folder / CONCEPT_CARD).read_text()
    assert card.startswith("# Concept `<my-style>`") and "a.mid (" in card and "6 steps" in card
    assert "copy rate**: not measured" in card
    loaded = Concept.from_pretrained(folder)
    assert loaded.config == learned.config
    assert set(loaded.tensors) == set(learned.tensors)
    assert all(torch.equal(loaded.tensors[k], learned.tensors[k]) for k in learned.tensors)
    request = base.request("a jig in <my-style>", bars=2)
    first = base.with_concept(learned).generate(request, n=2, seed=5, selector=None)
    again = base.with_concept(folder).generate(base.request("a jig in <my-style>", bars=2), n=2, seed=5,
                                               selector=None)  # fmt: skip
    assert notes(first) == notes(again) and sum(map(len, notes(first))) > 0
    # the folder's weights file alone still reads (its config is in its metadata too)
    assert load_concept(folder / CONCEPT_WEIGHTS).config == learned.config


def test_the_older_single_file_still_loads(base, learned, tmp_path):
    path = learned.save(tmp_path / "old.safetensors")
    assert load_concept(path).config == learned.config
    assert load_concept(tmp_path).config == learned.config  # a folder holding just that file
    generator = base.with_concept(path, strength=0.5)
    assert generator.concept == "my-style" and generator.model.card["concept_strength"] == 0.5


def test_what_is_not_a_concept_or_belongs_to_another_base_is_refused(base, learned, tmp_path):
    folder = learned.save_pretrained(tmp_path / "c")
    other = Generator.debug(seed=1)
    with pytest.raises(
        ValueError, match=r"concept <my-style> was learned on the base model 'debug' .*learn it"
    ):
        other.with_concept(folder)
    model_dir = other.save_pretrained(tmp_path / "model")
    with pytest.raises(ValueError, match="a model folder, not a concept"):
        load_concept(model_dir)
    with pytest.raises(ValueError, match="holds a model"):
        learned.save_pretrained(model_dir)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="not a partita concept folder"):
        load_concept(tmp_path / "empty")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / CONCEPT_CONFIG).write_text("{ not json")
    with pytest.raises(FileNotFoundError, match="no concept.safetensors"):
        load_concept(broken)
    (broken / CONCEPT_WEIGHTS).write_bytes((folder / CONCEPT_WEIGHTS).read_bytes())
    with pytest.raises(ValueError, match="not a concept config"):
        load_concept(broken)
    (broken / CONCEPT_CONFIG).write_text(json.dumps({**learned.config.to_dict(), "version": 99}))
    with pytest.raises(ValueError, match="format 99"):
        load_concept(broken)
    with pytest.raises(FileNotFoundError, match="no such concept"):
        load_concept(tmp_path / "missing")


def test_copy_rate_counts_pitch_runs_found_in_a_reference():
    ref = tune([60, 62, 64, 67])
    assert copy_rate([tune([65, 67, 69, 72])], [ref]) == 1.0  # the same runs, transposed
    assert copy_rate([tune([60, 61, 65, 70, 59])], [ref]) == 0.0
    short = tune([60], bars=0)
    assert pitch_runs(short) == set() and copy_rate([short], [ref]) is None


def test_the_python_api_takes_a_concept_beyond_generate(base, learned, tmp_path):
    folder = learned.save_pretrained(tmp_path / "my-style")
    request, candidates = partita.generate("a jig in <my-style>", model=base, n=1, seed=0, bars=2,
                                           selector=None, concept=folder)  # fmt: skip
    assert request.concept == "my-style" and len(candidates) == 1
    assert not any("not applied" in n for n in request.notes)
    duet = tune([72, 74, 76, 79], bars=2)
    bass = tune([48, 43], bars=2, program=32, name="Bass")
    duet.tracks.append(bass.tracks[0])
    whole, refilled = base.refill_tracks(duet, "Bass", n=1, seed=0, selector=None, concept=folder)
    assert len(refilled) == 1 and "nll" in refilled[0].scores
    continuation = Generator.continuation_of(duet, "in <my-style>", bars=1)
    assert continuation.concept == "my-style"
    cont = base.generate(continuation, n=1, seed=0, selector=None, concept=folder)
    assert cont[0].score.note_num() > duet.note_num() - 1


def test_from_pretrained_of_a_concept_folder_loads_its_base_with_it(base, learned, tmp_path):
    folder = learned.save_pretrained(tmp_path / "my-style")
    generator = Generator.from_pretrained(folder)  # the base it names ("debug"), with the concept in place
    assert generator.concept == "my-style" and generator.model.card["concept_strength"] == 1.0
    by_hand = base.with_concept(folder)
    prompt = "a jig in <my-style>, 2 bars"
    assert notes(generator.generate(prompt, n=1, seed=4, selector=None)) == notes(
        by_hand.generate(prompt, n=1, seed=4, selector=None)
    )
    half = Generator.of_concept(folder, strength=0.5)
    assert half.concept == "my-style" and half.model.card["concept_strength"] == 0.5
    assert load_generator(str(folder)).concept == "my-style"  # what the CLI's --model loads


def test_from_pretrained_of_the_older_single_file_loads_its_base_with_it(base, learned, tmp_path):
    path = learned.save(tmp_path / "my-style.safetensors")
    prompt = "a jig in <my-style>, 2 bars"
    expected = notes(base.with_concept(path).generate(prompt, n=1, seed=4, selector=None))
    for given in (path, tmp_path):  # the file, and a folder holding only it (and its .json)
        generator = Generator.from_pretrained(given)
        assert generator.concept == "my-style"
        assert notes(generator.generate(prompt, n=1, seed=4, selector=None)) == expected
    assert load_generator(str(path)).concept == "my-style"  # what the CLI's --model loads
    stray = tmp_path / "other"
    stray.mkdir()
    (stray / "model.safetensors").write_bytes(b"not weights")
    with pytest.raises(ValueError, match="not a safetensors file"):
        Generator.from_pretrained(stray)


def test_a_concept_folder_whose_base_does_not_load_here_is_one_sentence(base, learned, tmp_path):
    import dataclasses

    elsewhere = Concept(dataclasses.replace(learned.config, base_model="my-own-model"), learned.tensors)
    folder = elsewhere.save_pretrained(tmp_path / "lost")
    with pytest.raises(
        ValueError, match=r"learned on the base model 'my-own-model', which does not load here"
    ) as e:
        Generator.from_pretrained(folder)
    assert "--model BASE --concept" in str(e.value) and "\n" not in str(e.value)
