"""LoRA, pivotal deltas and added tokens on a frozen MusicLM (partita.models.lora)."""

import copy

import pytest
import torch

from partita.models.lora import (
    ConceptEmbedding,
    add_lora,
    add_tokens,
    lora_modules,
    pivotal_names,
    with_additions,
)
from partita.models.pretrained import debug_model

IDS = torch.tensor([[1, 5, 9, 13, 17, 21, 25, 29]])


def logits(model, ids=IDS):
    with torch.no_grad():
        return model(ids)[0]


def test_lora_at_zero_init_leaves_outputs_unchanged():
    base = debug_model()
    model = copy.deepcopy(base)
    wrapped = add_lora(model, rank=4)
    assert set(wrapped) == {f"blocks.{i}.attn.{p}" for i in range(2) for p in ("qkv", "proj")}
    assert torch.equal(logits(model), logits(base))
    assert not any(p.requires_grad for m in wrapped.values() for p in m.base.parameters())
    assert all(m.lora_a.requires_grad and m.lora_b.requires_grad for m in wrapped.values())


def test_lora_update_changes_outputs_and_scale_zero_removes_it():
    base = debug_model()
    model = copy.deepcopy(base)
    add_lora(model, rank=2)
    for m in lora_modules(model).values():
        torch.nn.init.normal_(m.lora_b, std=0.5)
    assert not torch.allclose(logits(model), logits(base))
    for m in lora_modules(model).values():
        m.scale = 0.0
    assert torch.equal(logits(model), logits(base))


def test_add_lora_refuses_a_model_without_the_layers():
    with pytest.raises(ValueError, match="no linear layer"):
        add_lora(debug_model(), targets=("nothing.here",))


def test_pivotal_names_pick_the_last_blocks_mlp():
    names = pivotal_names(debug_model(), "last_mlp")
    assert names and all(n.startswith(("blocks.1.mlp", "blocks.1.ln2")) for n in names)
    assert "blocks.1.ln2.weight" in names and not any(n.startswith("blocks.0") for n in names)
    with pytest.raises(ValueError, match="pivotal"):
        pivotal_names(debug_model(), "no.such.layer")


def test_added_token_is_read_never_predicted_and_base_untouched():
    base = debug_model()
    vocab = base.config.vocab_size
    token = torch.randn(1, base.config.d_model)
    model = with_additions(base, token, torch.zeros_like(token))
    assert model.config.vocab_size == vocab + 1 and base.config.vocab_size == vocab
    ids = torch.tensor([[1, vocab, 5, 9]])
    out = logits(model, ids)
    assert out.shape == (1, 4, vocab + 1)
    assert torch.isinf(out[..., vocab]).all() and torch.isfinite(out[..., :vocab]).all()
    # the new row is what the embedding gives for the new id; base ids are the base model's embedding
    assert torch.allclose(model.tok_emb(torch.tensor([vocab])), token)
    assert torch.equal(logits(model)[..., :vocab], logits(base))
    assert not any(p.requires_grad for p in model.parameters())
    assert isinstance(base.tok_emb, torch.nn.Embedding)  # the base model is not changed


def test_strength_scales_pivotal_deltas_and_token():
    base = debug_model()
    names = pivotal_names(base, "last_mlp")
    params = dict(base.named_parameters())
    deltas = {n: torch.randn_like(params[n]) * 0.1 for n in names}
    token, init = torch.ones(1, base.config.d_model), torch.zeros(1, base.config.d_model)
    zero = with_additions(base, token, init, pivotal=deltas, scale=0.0)
    full = with_additions(base, token, init, pivotal=deltas, scale=1.0)
    vocab = base.config.vocab_size
    assert torch.equal(logits(zero)[..., :vocab], logits(base))
    assert not torch.allclose(logits(full)[..., :vocab], logits(base))
    assert torch.allclose(zero.tok_emb(torch.tensor([vocab])), init)
    half = ConceptEmbedding(torch.nn.Embedding(4, base.config.d_model), token, init)
    half.scale = 0.5
    assert torch.allclose(half(torch.tensor([4])), 0.5 * token)


def test_add_tokens_twice_is_refused():
    model = copy.deepcopy(debug_model())
    add_tokens(model, torch.zeros(1, model.config.d_model))
    with pytest.raises(ValueError, match="already"):
        add_tokens(model, torch.zeros(1, model.config.d_model))
