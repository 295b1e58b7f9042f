import numpy as np
import pytest
import torch

from partita.generation import LoopDetector, filter_logits, sample
from partita.models import debug_model


@pytest.fixture(scope="module")
def model():
    return debug_model(seed=4)


def test_same_seed_same_samples_and_batches(model):
    a = sample(model, max_new_tokens=40, seed=7, batch_size=3, top_k=20, top_p=0.95, stop_tokens=[])
    b = sample(model, max_new_tokens=40, seed=7, batch_size=3, top_k=20, top_p=0.95, stop_tokens=[])
    c = sample(model, max_new_tokens=40, seed=8, batch_size=3, top_k=20, top_p=0.95, stop_tokens=[])
    assert a.tokens == b.tokens and a.tokens != c.tokens
    assert len(a.tokens) == 3 and all(len(t) == 41 for t in a.tokens)
    assert a.stop_reasons == ["max_tokens"] * 3


@pytest.mark.parametrize("position", ["relative", "absolute", "rotary"])
def test_greedy_with_kv_cache_equals_full_recompute(position):
    m = debug_model(seed=6, position=position)
    prompt = [1, 10, 14, 17]
    got = sample(m, prompt, max_new_tokens=30, top_k=1, stop_tokens=[], loop_tokens=0).tokens[0]
    seq = list(prompt)
    with torch.no_grad():
        for _ in range(30):
            logits, _ = m(torch.tensor([seq]))
            seq.append(int(logits[0, -1].argmax()))
    assert got == seq


def test_sliding_context_past_block_size():
    for position in ("relative", "absolute"):
        m = debug_model(seed=1, position=position)  # block_size 64
        r = sample(m, max_new_tokens=150, seed=0, stop_tokens=[], loop_tokens=0)
        assert len(r.tokens[0]) == 151 and r.stop_reasons == ["max_tokens"]


def test_sliding_context_keeps_the_condition_prefix(monkeypatch):
    import partita.generation.sampling as sampling

    m = debug_model(seed=1)  # block_size 64
    contexts = []
    real = sampling._prefill

    def spy(model, rows, block, device, keep_prefix=0):
        contexts.append([list(r) for r in rows])
        return real(model, rows, block, device, keep_prefix)

    monkeypatch.setattr(sampling, "_prefill", spy)
    prefix = [1, 7, 8, 9, 5]
    r = sample(m, prompt=prefix, max_new_tokens=150, seed=0, stop_tokens=[], loop_tokens=0, keep_prefix=5)
    assert len(contexts) > 1, "the context slid at least once"
    for rows in contexts[1:]:
        assert rows[0][:5] == prefix and len(rows[0]) == 32
        tail, full = rows[0][5:], r.tokens[0]
        assert any(full[i : i + len(tail)] == tail for i in range(5, len(full))), (
            "the tail is the recent music"
        )
    assert r.tokens[0][:5] == prefix and len(r.tokens[0]) == 155


def test_a_prompt_longer_than_the_block_keeps_its_prefix_from_the_start():
    m = debug_model(seed=1)  # block_size 64
    seen = []
    forward = m.forward

    def spy(idx, *args, **kwargs):
        seen.append(idx[0].tolist())
        return forward(idx, *args, **kwargs)

    m.forward = spy
    prompt = [1, 7, 8, 9, 5] + list(range(10, 60)) * 2  # 105 tokens
    sample(m, prompt=prompt, max_new_tokens=3, seed=0, stop_tokens=[], loop_tokens=0, keep_prefix=5)
    assert seen[0][:5] == prompt[:5] and seen[0][5:] == prompt[-27:]  # the prefix and the last half block


def test_stop_token_and_bar_budget(model):
    r = sample(model, max_new_tokens=500, seed=3, batch_size=8, stop_tokens=list(range(20, 40)))
    for toks, reason in zip(r.tokens, r.stop_reasons, strict=True):
        assert reason == "stop_token" and 20 <= toks[-1] < 40
        assert not any(20 <= t < 40 for t in toks[1:-1])
    bars = list(range(3, 34))
    r = sample(model, max_new_tokens=500, seed=3, batch_size=4, stop_tokens=[], bar=bars, max_bars=3)
    assert r.stop_reasons == ["bars"] * 4
    assert all(sum(t in bars for t in toks[1:]) == 3 and toks[-1] in bars for toks in r.tokens)
    r2 = sample(
        model, max_new_tokens=500, seed=3, batch_size=4, stop_tokens=[], bar=lambda t: 3 <= t < 34, max_bars=3
    )
    assert r2.tokens == r.tokens


def test_degenerate_loop_is_cut_off():
    m = debug_model(seed=0, tie_embeddings=False)
    with torch.no_grad():  # a model that always predicts token 10
        m.ln_f.weight.zero_()
        m.ln_f.bias.zero_()
        m.ln_f.bias[0] = 1.0
        m.head.weight.zero_()
        m.head.weight[10, 0] = 20.0
    r = sample(m, max_new_tokens=1000, seed=0, loop_tokens=48, loop_period=8)
    assert r.stop_reasons == ["loop"] and len(r.tokens[0]) < 60


def test_loop_detector_periods():
    det = LoopDetector(2, span=12, max_period=4)
    flags = []
    pattern = [5, 6, 7]
    for i in range(30):
        flags.append(det.update(np.array([pattern[i % 3], i])))
    flags = np.array(flags)
    assert not flags[:, 1].any()  # no repetition in an increasing row
    assert not flags[:10, 0].any() and flags[11:, 0].all()  # period 3 covering 12 tokens after 12 tokens


def test_filter_logits():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    top2 = filter_logits(logits, top_k=2)
    assert torch.isinf(top2[0, 2:]).all() and torch.isfinite(top2[0, :2]).all()
    nucleus = filter_logits(logits, top_p=0.7)  # 0.5 + 0.3 reaches 0.7
    assert torch.isfinite(nucleus[0, :2]).all() and torch.isinf(nucleus[0, 2:]).all()
    one = filter_logits(logits, top_p=0.1)
    assert torch.isfinite(one[0, 0]) and torch.isinf(one[0, 1:]).all()
    hot = torch.softmax(filter_logits(logits, temperature=2.0), -1)
    assert hot[0, 0] < 0.5 and hot[0, 3] > 0.05


def test_bad_arguments(model):
    with pytest.raises(ValueError, match="temperature"):
        sample(model, max_new_tokens=5, temperature=0)
    with pytest.raises(ValueError, match="same length"):
        sample(model, [[1, 2], [1]], max_new_tokens=5)
    with pytest.raises(ValueError, match="max_bars"):
        sample(model, max_new_tokens=5, max_bars=2)
    with pytest.raises(ValueError, match="token ids"):
        sample(model, [1, 999], max_new_tokens=5)
    with pytest.raises(ValueError, match="max_new_tokens"):
        sample(model, max_new_tokens=0)


class _Recorder:
    """A processor that keeps a state per sequence: it records the batch widths it sees and its selections."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def select(self, keep) -> None:
        self.events.append(("select", list(keep)))

    def __call__(self, rows, logits):
        self.events.append(("call", len(rows)))
        return logits


def test_a_processor_with_select_is_told_which_rows_stay(model):
    proc = _Recorder()
    stops = list(range(20, 40))
    r = sample(model, max_new_tokens=300, seed=3, batch_size=6, stop_tokens=stops, logits_processor=proc)
    assert len({len(t) for t in r.tokens}) > 1  # rows ended at different steps
    selections = [(i, e[1]) for i, e in enumerate(proc.events) if e[0] == "select"]
    assert selections
    for i, keep in selections:
        assert keep == sorted(keep) and proc.events[i + 1] == (
            "call",
            len(keep),
        )  # the next batch is those rows
        assert proc.events[i - 1][0] == "call" and proc.events[i - 1][1] > len(keep)


def test_a_plain_callable_still_works_as_processor(model):
    seen = []

    def proc(rows, logits):
        seen.append(len(rows))
        return logits

    stops = list(range(20, 40))
    r = sample(model, max_new_tokens=300, seed=3, batch_size=6, stop_tokens=stops, logits_processor=proc)
    plain = sample(model, max_new_tokens=300, seed=3, batch_size=6, stop_tokens=stops)
    assert r.tokens == plain.tokens and seen[0] == 6 and seen[-1] < 6


def test_suppressed_tokens_are_never_drawn_and_a_processor_still_runs(model):
    vocab = model.config.vocab_size
    allowed = {5, 6}
    seen = []

    class Watch:
        def __call__(self, seqs, logits):
            seen.append(torch.isinf(logits[:, 7]).all().item())
            return logits

    out = sample(
        model,
        max_new_tokens=30,
        seed=3,
        batch_size=2,
        stop_tokens=[],
        suppress_tokens=[i for i in range(vocab) if i not in allowed],
        logits_processor=Watch(),
    )
    assert all(set(t[1:]) <= allowed for t in out.tokens)
    assert seen and all(seen)  # the processor saw the suppressed ids already at -inf


def test_free_sampling_suppresses_a_fim_models_markers():
    from partita.generation.candidates import _markers

    plain = debug_model(seed=4)
    assert _markers(plain) == []
    fim = debug_model(seed=4)
    fim.grow_vocab(fim.config.vocab_size + 2)
    fim.config.fim_hole_id = fim.config.vocab_size - 2
    assert _markers(fim) == [fim.config.vocab_size - 2, fim.config.vocab_size - 1]
