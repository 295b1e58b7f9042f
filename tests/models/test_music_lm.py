import json
import math

import pytest
import torch

from partita.models import MusicLM, MusicLMConfig, available_models, debug_model, load_pretrained, rel_shift

POSITIONS = ["relative", "absolute", "rotary"]


def naive_relative_attention(attn, h):
    """Shaw-style reference: gather an (L, L, D) tensor of relative embeddings, O(L^2 D) memory."""
    cfg = attn.config
    b, n, _ = h.shape
    q, k, v = attn.qkv(h).split(cfg.d_model, 2)
    q, k, v = (t.view(b, n, cfg.n_head, cfg.head_dim).transpose(1, 2) for t in (q, k, v))
    i = torch.arange(n)[:, None]
    j = torch.arange(n)[None, :]
    dist = (i - j).clamp(0, cfg.max_relative_distance - 1)
    e = attn.rel_emb[:, dist]  # (H, L, L, hd)
    srel = torch.einsum("bhid,hijd->bhij", q, e)
    s = (q @ k.transpose(-1, -2) + srel) / math.sqrt(cfg.head_dim)
    s = s.masked_fill(j > i, float("-inf"))
    y = (s.softmax(-1) @ v).transpose(1, 2).reshape(b, n, cfg.d_model)
    return attn.proj(y)


# float64 takes the explicit (non-SDPA) path
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("length,block,max_dist", [(23, 5, 16), (40, 64, 8), (17, 1, 64), (64, 16, 16)])
def test_skewed_relative_attention_equals_naive(length, block, max_dist, dtype):
    model = debug_model(seed=3, attention_block=block, max_relative_distance=max_dist).to(dtype)
    attn = model.blocks[0].attn
    h = torch.randn(2, length, model.config.d_model, dtype=dtype)
    with torch.no_grad():
        fast = attn(h)
        slow = naive_relative_attention(attn, h)
    assert torch.allclose(fast, slow, atol=1e-5), (fast - slow).abs().max()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_blocks_of_queries_give_the_gradients_of_one_block(dtype):
    """Training runs the attention in blocks of queries too (faster: each block skips its future keys)."""
    grads = []
    x = torch.randint(3, 64, (2, 40), generator=torch.Generator().manual_seed(0))
    for block in (64, 5):
        model = debug_model(seed=4, attention_block=block).to(dtype).train()
        _, loss = model(x, targets=x)
        loss.backward()
        grads.append({n: p.grad for n, p in model.named_parameters()})
    for name, g in grads[0].items():
        assert torch.allclose(g, grads[1][name], atol=1e-6), name


def test_rel_shift_places_distances():
    # column k of a (c, e) block holds distance e-1-k; after the shift [i, j] holds distance (e-c+i)-j
    c, e = 3, 5
    x = torch.tensor([[float(e - 1 - k) for k in range(e)] for _ in range(c)])
    y = rel_shift(x)
    for i in range(c):
        for j in range(e - c + i + 1):
            assert y[i, j] == (e - c + i) - j


@pytest.mark.parametrize("c,e", [(1, 4), (3, 5), (6, 6), (4, 9)])
def test_skewed_bias_is_rel_shift_plus_the_mask_with_its_gradient(c, e):
    """The hand-written skew (one strided read, one copy back) against rel_shift and autograd, in float64."""
    from partita.models.music_lm import SkewedBias, _causal_mask

    x = torch.randn(2, 3, c, e, dtype=torch.float64, requires_grad=True)  # (H, B, c, e)
    mask = _causal_mask(c, e, x.device, torch.float64)
    reference = rel_shift(x.transpose(0, 1)) + mask
    fast = SkewedBias.apply(x, mask)
    allowed = torch.isfinite(mask)
    assert torch.equal(fast[..., allowed], reference[..., allowed]) and fast.shape == (3, 2, c, e)
    weights = torch.randn(3, 2, c, e, dtype=torch.float64)
    (g_ref,) = torch.autograd.grad((reference.masked_fill(~allowed, 0) * weights).sum(), x)
    (g_fast,) = torch.autograd.grad((fast.masked_fill(~allowed, 0) * weights).sum(), x)
    assert torch.allclose(g_fast, g_ref)


@pytest.mark.parametrize("position", POSITIONS)
def test_kv_cache_equals_full_recompute(position):
    model = debug_model(seed=1, position=position, attention_block=7)
    x = torch.randint(3, 64, (3, 30))
    with torch.no_grad():
        full, _ = model(x)
        cache = model.new_cache(3, 40)
        parts = [model(x[:, :11], cache=cache)[0]]  # a prompt block, then one token at a time
        parts += [model(x[:, t : t + 1], cache=cache)[0] for t in range(11, 30)]
    assert cache.length == 30
    assert torch.allclose(torch.cat(parts, 1), full, atol=1e-5)


@pytest.mark.parametrize("position", POSITIONS)
def test_future_tokens_do_not_change_past_logits(position):
    model = debug_model(seed=2, position=position)
    x = torch.randint(3, 64, (2, 40))
    y = x.clone()
    y[:, 25:] = torch.randint(3, 64, (2, 15))
    with torch.no_grad():
        a, _ = model(x)
        b, _ = model(y)
    assert torch.allclose(a[:, :25], b[:, :25], atol=1e-6)
    assert not torch.allclose(a[:, 25:], b[:, 25:], atol=1e-3)


def test_relative_embeddings_are_learned():
    model = debug_model(seed=0)
    model.train()
    x = torch.randint(3, 64, (2, 33))
    _, loss = model(x[:, :-1], x[:, 1:])
    loss.backward()
    assert model.blocks[0].attn.rel_emb.grad.abs().sum() > 0


@pytest.mark.parametrize("position", POSITIONS)
def test_save_load_round_trip_gives_identical_logits(tmp_path, position):
    model = debug_model(seed=5, position=position, tie_embeddings=position != "rotary")
    model.save_pretrained(
        tmp_path,
        card={"data": "unit test", "data_hash": "abc", "steps": 7, "metrics": {"valid_nll_per_token": 1.25}},
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "README.md",
        "card.json",
        "config.json",
        "model.safetensors",
    ]
    loaded = MusicLM.from_pretrained(tmp_path)
    x = torch.randint(3, 64, (2, 20))
    with torch.no_grad():
        assert torch.equal(model(x)[0], loaded(x)[0])
    assert loaded.config == model.config
    card = (tmp_path / "README.md").read_text()
    assert "abc" in card and "valid_nll_per_token" in card and "optimizer steps: 7" in card


def test_tokenizer_saved_alongside(tmp_path):
    miditok = pytest.importorskip("miditok")
    tok = miditok.REMI()
    model = debug_model(vocab_size=len(tok))
    model.save_pretrained(tmp_path, tokenizer=tok)
    assert json.loads((tmp_path / "config.json").read_text())["tokenizer"] == "miditok"
    loaded = load_pretrained(tmp_path)
    assert type(loaded.tokenizer).__name__ == "REMI" and len(loaded.tokenizer) == len(tok)


def test_debug_and_unknown_names(tmp_path):
    assert "debug" in available_models()
    a, b = load_pretrained("debug"), MusicLM.from_pretrained("debug")
    x = torch.randint(3, 64, (1, 10))
    assert torch.equal(a(x)[0], b(x)[0])  # built in code, deterministic
    with pytest.raises(FileNotFoundError, match="debug"):
        load_pretrained("no-such-model")
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="config.json"):
        load_pretrained(tmp_path)


def test_bad_configs_are_refused():
    with pytest.raises(ValueError, match="position"):
        MusicLMConfig(position="alibi")
    with pytest.raises(ValueError, match="divisible"):
        MusicLMConfig(d_model=30, n_head=4)
    with pytest.raises(ValueError, match="unknown"):
        MusicLMConfig.from_dict({"vocab": 3})
    model = debug_model(position="absolute")
    with pytest.raises(ValueError, match="block_size"):
        model(torch.zeros(1, 65, dtype=torch.long))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_relative_attention_gradients_match_naive(dtype):
    model = debug_model(seed=7, attention_block=6, max_relative_distance=12).to(dtype)
    attn = model.blocks[0].attn
    h = torch.randn(2, 20, model.config.d_model, dtype=dtype)
    grads = []
    for fn in (attn, lambda x: naive_relative_attention(attn, x)):
        attn.zero_grad()
        (fn(h) ** 2).sum().backward()
        grads.append((attn.rel_emb.grad.clone(), attn.qkv.weight.grad.clone()))
    assert torch.allclose(grads[0][0], grads[1][0], atol=1e-5)
    assert torch.allclose(grads[0][1], grads[1][1], atol=1e-5)
