"""Learning a concept from reference pieces on a tiny model (partita.training.concept)."""

import pytest
import symusic
import torch

from partita.pipelines import Generator
from partita.score import write_midi
from partita.tokens.conditions import Conditions
from partita.training.concept import (
    Concept,
    ConceptConfig,
    ConceptTokenizer,
    learn_concept,
    load_concept,
    read_references,
)


def tune(pitches, step=240, bars=4, program=73, name="Flute"):
    """A one-track piece of eighth notes cycling through ``pitches``, ``bars`` bars of 4/4."""
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=100.0))
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    t = symusic.Track(name, program, False)
    for i in range(bars * 8):
        t.notes.append(symusic.Note(i * step, step, pitches[i % len(pitches)], 80))
    s.tracks.append(t)
    return s


REFS = [("a.mid", tune([72, 74, 76, 79])), ("b.mid", tune([74, 76, 79, 81]))]


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread: on a busy machine two threads of a tiny model wait on each other (3x slower here)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def base():
    return Generator.debug()


@pytest.fixture(scope="module")
def learned(base):
    config = ConceptConfig(name="my-style", method="lora", steps=20, window=64, batch=2)
    return learn_concept(REFS, base.model, base.tokenizer, config)


@pytest.mark.parametrize("method", ["token", "lora", "pivotal"])
def test_learning_lowers_the_references_nll_under_the_concept(base, method):
    config = ConceptConfig(name="x", method=method, steps=20, window=64, batch=2, token_lr=0.1, lr=0.01)
    concept = learn_concept(REFS, base.model, base.tokenizer, config, snapshots=(10,))
    c = concept.config
    # a random tiny model barely listens to one token: the token alone moves its NLL a little
    assert c.nll_after < c.nll_before - (0.001 if method == "token" else 0.05)
    assert c.references == ["a.mid", "b.mid"] and c.base_model == "debug" and c.train_seconds > 0
    assert set(concept.snapshots) == {10} and concept.snapshots[10].config.steps == 10
    kinds = {k.split(".")[0] for k in concept.tensors}
    assert kinds == {"token": {"token", "token_init"}, "lora": {"token", "token_init", "lora"},
                     "pivotal": {"token", "token_init", "pivotal"}}[method]  # fmt: skip


def test_save_load_round_trip_and_apply(base, learned, tmp_path):
    path = learned.save(tmp_path / "my-style.safetensors")
    assert path.is_file() and (tmp_path / "my-style.json").is_file()
    loaded = load_concept(path)
    assert loaded.config == learned.config
    assert set(loaded.tensors) == set(learned.tensors)
    assert all(torch.equal(loaded.tensors[k], learned.tensors[k]) for k in learned.tensors)
    model, tok = loaded.apply(base.model, base.tokenizer)
    vocab = base.model.config.vocab_size
    prefix = tok.condition_ids(Conditions(key="D", mode="major"))
    assert prefix[0] == base.tokenizer.bos_id and prefix[1] == vocab
    assert prefix[2:] == base.tokenizer.condition_ids(Conditions(key="D", mode="major"))[1:]
    assert isinstance(tok, ConceptTokenizer) and vocab in tok.condition_id_set
    ids = torch.tensor([prefix])
    with torch.no_grad():
        again, _ = learned.apply(base.model, base.tokenizer)
        assert torch.equal(model(ids)[0], again(ids)[0])
        # strength 0 is the base model on every base token after the prefix
        zero, _ = loaded.apply(base.model, base.tokenizer, strength=0.0)
        plain = torch.tensor([[*prefix[:1], *prefix[2:]]])
        assert torch.allclose(zero(plain)[0][..., :vocab], base.model(plain)[0], atol=1e-6)


def test_a_concept_for_another_base_model_or_tokenizer_is_refused(learned):
    other = Generator.debug(seed=1)
    with pytest.raises(ValueError, match=r"was learned on the base model 'debug' .* not on this one"):
        learned.apply(other.model, other.tokenizer)
    with pytest.raises(ValueError, match="already carries the concept"):
        Generator.debug().with_concept(learned).with_concept(learned)
    wrong = Concept(ConceptConfig.from_dict({**learned.config.to_dict(), "tokenizer_hash": "0" * 64}),
                    learned.tensors)  # fmt: skip
    with pytest.raises(ValueError, match="different tokenizer"):
        wrong.apply(Generator.debug().model, Generator.debug().tokenizer)


def test_empty_folder_and_corrupt_files(tmp_path):
    with pytest.raises(ValueError, match="no reference piece to learn from"):
        read_references(tmp_path)
    (tmp_path / "broken.mid").write_bytes(b"not a midi file")
    with pytest.raises(ValueError, match=r"no reference piece to learn from \(broken.mid"):
        read_references(tmp_path)
    write_midi(REFS[0][1], tmp_path / "good.mid")
    pieces, skipped = read_references(tmp_path)
    assert [n for n, _ in pieces] == ["good.mid"]
    assert len(skipped) == 1 and skipped[0].startswith("broken.mid: ")
    with pytest.raises(FileNotFoundError):
        read_references(tmp_path / "missing")


def test_bad_names_and_files(tmp_path):
    with pytest.raises(ValueError, match="concept name"):
        ConceptConfig(name="no spaces please")
    with pytest.raises(ValueError, match="method"):
        ConceptConfig(name="x", method="dreambooth")
    (tmp_path / "x.safetensors").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="not a safetensors file"):
        load_concept(tmp_path / "x.safetensors")
    with pytest.raises(FileNotFoundError):
        load_concept(tmp_path / "nothing.safetensors")


def test_generation_with_a_concept_runs_and_notes_the_prompt(base, learned, tmp_path):
    generator = base.with_concept(learned, strength=0.5)
    assert generator.concept == "my-style" and base.concept is None
    with pytest.raises(ValueError, match="saved as its own file"):
        generator.save_pretrained(tmp_path / "model")
    request = generator.request("a jig in <my-style>", bars=2)
    assert request.concept == "my-style" and not request.not_understood
    candidates = generator.generate(request, n=1, seed=0, selector=None)
    assert len(candidates) == 1 and candidates[0].score.note_num() > 0
    other = base.request("a jig in <someone-else>", bars=2)
    base.generate(other, n=1, seed=0, selector=None)
    assert any("no concept is loaded" in n for n in other.notes)
