"""Style experts: LoRA trained on one style, saved small, merged into a copy of the base when asked for."""

import json

import pytest
import torch

from partita.models import MusicLM, debug_model
from partita.models.experts import ExpertConfig, StyleExpert, experts_of, weights_hash
from partita.models.lora import add_lora, lora_modules, merge_lora
from partita.training import preset, train


def _ids(vocab: int, n: int = 24) -> torch.Tensor:
    return torch.randint(3, vocab, (2, n), generator=torch.Generator().manual_seed(0))


def _logits(model, x):
    with torch.no_grad():
        return model(x)[0]


def _trained_lora(model: MusicLM, seed: int = 1) -> MusicLM:
    """``model`` with LoRA wrappers whose B is not zero (as if trained)."""
    add_lora(model, rank=4, alpha=8.0, targets=("attn.qkv", "attn.proj", "mlp.0", "mlp.2"))
    g = torch.Generator().manual_seed(seed)
    for m in lora_modules(model).values():
        with torch.no_grad():
            m.lora_b.copy_(0.05 * torch.randn(m.lora_b.shape, generator=g))
    return model.eval()


def test_merging_lora_computes_what_the_wrappers_compute():
    model = _trained_lora(debug_model(seed=3))
    x = _ids(model.config.vocab_size)
    wrapped = _logits(model, x)
    merge_lora(model)
    assert not lora_modules(model)
    assert torch.allclose(_logits(model, x), wrapped, atol=1e-4)


def test_an_expert_round_trips_and_applies_to_a_copy(tmp_path):
    base = debug_model(seed=3).eval()
    x = _ids(base.config.vocab_size)
    before = _logits(base, x)
    tuned = _trained_lora(debug_model(seed=3))
    config = ExpertConfig(style="jig", rank=4, alpha=8.0, base_hash=weights_hash(base), steps=5)
    folder = StyleExpert.from_model(tuned, config).save_pretrained(tmp_path / "jig")
    assert (folder / "README.md").read_text().startswith("# Style expert: jig")
    loaded = StyleExpert.from_pretrained(folder)
    assert loaded.config.style == "jig" and loaded.config.steps == 5
    merged = loaded.apply(base)
    assert torch.equal(_logits(base, x), before)  # the base is not changed
    assert torch.allclose(_logits(merged, x), _logits(tuned, x), atol=2e-3)  # fp16 tensors on disk
    assert not torch.allclose(_logits(merged, x), before, atol=1e-3)
    assert torch.allclose(_logits(loaded.apply(base, strength=0.0), x), before, atol=1e-5)


def test_an_expert_refuses_another_base_and_a_folder_that_is_not_one(tmp_path):
    base = debug_model(seed=3)
    config = ExpertConfig(style="jig", rank=4, alpha=8.0, base_hash=weights_hash(base))
    expert = StyleExpert.from_model(_trained_lora(debug_model(seed=3)), config)
    with pytest.raises(ValueError, match="other base weights"):
        expert.apply(debug_model(seed=4))
    with pytest.raises(FileNotFoundError, match="not a style expert"):
        StyleExpert.from_pretrained(tmp_path)
    with pytest.raises(ValueError, match="no LoRA layers"):
        StyleExpert.from_model(debug_model(seed=3), config)


def test_experts_of_lists_complete_expert_folders(tmp_path):
    base = debug_model(seed=3)
    config = ExpertConfig(style="chorale", rank=4, alpha=8.0)
    StyleExpert.from_model(_trained_lora(debug_model(seed=3)), config).save_pretrained(
        tmp_path / "experts" / "chorale"
    )
    (tmp_path / "experts" / "half").mkdir()
    (tmp_path / "experts" / "half" / "expert_config.json").write_text("{}")
    assert list(experts_of(tmp_path)) == ["chorale"]
    assert experts_of(tmp_path / "nowhere") == {} and experts_of(None) == {}
    assert weights_hash(base) == weights_hash(debug_model(seed=3))


def test_training_with_lora_rank_keeps_the_base_and_writes_an_expert(tmp_path):
    base = debug_model(seed=9)
    base.save_pretrained(tmp_path / "base")
    cfg = preset(
        "debug",
        max_steps=6,
        warmup_steps=1,
        lr=5e-3,
        checkpoint_interval=3,
        init_from=str(tmp_path / "base"),
        lora_rank=4,
        expert_style="jig",
    )
    out = tmp_path / "expert-run"
    first = train(cfg, out, stop_after=3)
    assert first.step == 3
    final = train(cfg, out)
    assert final.step == 6 and final.resumed_from == 3
    expert = StyleExpert.from_pretrained(out / "expert")
    assert expert.config.style == "jig" and expert.config.steps == 6
    assert expert.config.base_hash == weights_hash(base)
    assert set(expert.lora) == {
        f"blocks.{i}.{t}"
        for i in range(base.config.n_layer)
        for t in ("attn.qkv", "attn.proj", "mlp.0", "mlp.2")
    }
    merged = MusicLM.from_pretrained(out / "model")  # the merged model loads as any model
    x = _ids(base.config.vocab_size)
    assert torch.allclose(_logits(merged, x), _logits(expert.apply(base.eval()), x), atol=2e-3)
    assert not torch.allclose(_logits(merged, x), _logits(base.eval(), x), atol=1e-4)
    saved = json.loads((out / "train_config.json").read_text())
    assert saved["lora_rank"] == 4


def test_lora_rank_needs_a_base_model():
    with pytest.raises(ValueError, match="init_from"):
        preset("debug", lora_rank=4)


def test_the_generator_samples_a_style_with_its_expert(tmp_path, one_thread):
    from partita import Generator

    folder = Generator.debug(seed=2).save_pretrained(tmp_path / "model")
    base = Generator.from_pretrained(folder)
    assert base.experts == {}
    config = ExpertConfig(style="jig", rank=4, alpha=8.0, base_hash=weights_hash(base.model))
    tuned = _trained_lora(MusicLM.from_pretrained(folder))
    StyleExpert.from_model(tuned, config).save_pretrained(folder / "experts" / "jig")
    gen = Generator.from_pretrained(folder)
    assert list(gen.experts) == ["jig"]
    request = gen.request("an Irish jig in D for fiddle, 2 bars")
    assert request.conditions.style == "jig"
    model, style = gen.model_for("jig")
    assert style == "jig" and model is not gen.model
    assert gen.model_for("jig")[0] is model  # merged once, then kept
    assert gen.model_for("chorale") == (gen.model, None)
    assert gen.model_for("jig", gen.config.update(experts=False)) == (gen.model, None)
    (cand,) = gen.generate(request, n=1, seed=0, selector=None)
    assert "sampled with the jig style expert" in cand.remarks
    (plain,) = gen.generate(request, n=1, seed=0, selector=None, experts=False)
    assert not any("expert" in r for r in plain.remarks)
