"""Fill-in-the-middle training: the layout cut at bar lines, windows in it, a model that grows its markers."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from partita.models import MusicLM, debug_model
from partita.models.fim import (
    MAX_GAP_BARS,
    SUFFIX_TOKENS,
    FimIds,
    fim_prompt,
    suffix_span,
    to_fim,
    without_suffix,
)
from partita.training import TrainConfig, preset, train
from partita.training.data import FimTraining, TokenData, random_windows

BAR = 3
IDS = FimIds(hole=62, fill=63)


def music_of(bar_lengths: list[int], seed: int = 0) -> np.ndarray:
    """A token stream of bars of the given lengths: each opens with the bar id, then distinct note ids."""
    rng = np.random.default_rng(seed)
    out = []
    for n in bar_lengths:
        out += [BAR, *rng.integers(10, 60, n - 1).tolist()]
    return np.array(out, dtype=np.int64)


@pytest.mark.parametrize("seed", range(30))
def test_a_window_in_the_layout_is_suffix_then_prefix_then_gap_then_the_bar_line_after_it(seed):
    music = music_of([7, 9, 5, 12, 8, 6, 10, 9, 7, 11, 6, 8], seed)
    rng = np.random.default_rng(seed)
    out = to_fim(music, np.array([BAR]), IDS, rng)
    assert out is not None and len(out) <= len(music) and out[0] == IDS.hole
    fill = int(np.flatnonzero(out == IDS.fill)[0])
    after, rest = out[1:fill], out[fill + 1 :]
    assert after[0] == BAR and rest[-1] == BAR  # the suffix opens a bar; the gap ends with the next bar line
    body = rest[:-1]  # the music before the gap and the gap: a stretch of the window ending at a bar line
    fits = [
        g
        for g in range(len(body), len(music))
        if np.array_equal(music[g - len(body) : g], body) and np.array_equal(music[g : g + len(after)], after)
    ]
    assert fits, "the parts are the window's own music, in order, the suffix right after the gap"
    assert music[fits[0]] == BAR and len(after) <= SUFFIX_TOKENS


def test_the_gap_is_one_to_eight_whole_bars_with_music_before_it():
    music = music_of([6] * 20)
    sizes = set()
    for seed in range(200):
        out = to_fim(music, np.array([BAR]), IDS, np.random.default_rng(seed))
        fill = int(np.flatnonzero(out == IDS.fill)[0])
        after = out[1:fill]
        body = out[fill + 1 : -1]
        before_and_gap_bars = int((body == BAR).sum())
        assert before_and_gap_bars >= 2  # at least one bar line before the gap's own
        sizes.add(len(after))
    assert max(sizes) <= SUFFIX_TOKENS
    assert to_fim(music_of([6, 6]), np.array([BAR]), IDS, np.random.default_rng(0)) is None  # too few bars
    assert MAX_GAP_BARS == 8


def test_the_suffix_is_whole_bars_within_its_limit():
    music = music_of([10, 10, 10, 10])
    assert suffix_span(music, 0, [BAR], limit=25) == 20  # two whole bars fit in 25
    assert suffix_span(music, 10, [BAR], limit=25) == 30
    assert suffix_span(music_of([40, 5]), 0, [BAR], limit=25) == 25  # one long bar: cut at the limit
    assert suffix_span(music, 25, [BAR], limit=100) == 40  # the rest fits: all of it


def test_a_prompt_without_its_suffix_is_the_music_left_to_right():
    prefix, before, after = [1, 5, 9], [BAR, 11, 12, BAR, 13], [BAR, 20, 21]
    prompt = fim_prompt(prefix, before, after, IDS)
    assert prompt == [1, 5, 9, IDS.hole, BAR, 20, 21, IDS.fill, BAR, 11, 12, BAR, 13]
    assert without_suffix([*prompt, 30, 31], IDS) == [*prefix, *before, 30, 31]
    assert without_suffix([1, 2, 3], IDS) == [1, 2, 3]


def _stream(n_pieces: int = 30) -> np.ndarray:
    bars = [6, 8, 5, 7, 9, 6, 8, 7]
    return np.concatenate([np.array([1, 5, 9, *music_of(bars, seed=i).tolist(), 2]) for i in range(n_pieces)])


def test_windows_in_the_layout_keep_their_prefix_and_leave_padding_unscored():
    from partita.training.data import PrefixIndex

    tokens = _stream()
    index = PrefixIndex.build(tokens, 1, 9)
    fim = FimTraining(1.0, IDS, np.array([BAR]))
    x, y = random_windows(tokens, 32, 40, torch.Generator().manual_seed(0), index, fim)
    assert x.shape == y.shape == (32, 40)
    laid_out = [r for r in x.tolist() if r[:4] == [1, 5, 9, IDS.hole]]
    assert len(laid_out) > 8, "windows with a prefix are put in the layout"
    for row, target in zip(x.tolist(), y.tolist(), strict=True):
        scored = [t for t in target if t != -100]
        assert row[1 : len(scored) + 1] == scored[: len(row) - 1]  # targets are the next tokens ...
        assert all(t == -100 for t in target[len(scored) :])  # ... and the padding is not scored
    plain = random_windows(tokens, 32, 40, torch.Generator().manual_seed(0), index)
    again = random_windows(tokens, 32, 40, torch.Generator().manual_seed(0), index, None)
    assert torch.equal(plain[0], again[0]) and (plain[1] != -100).all()  # without fim: windows as before


def test_a_grown_vocabulary_keeps_what_the_model_says_of_the_old_ids():
    model = debug_model(3)
    x = torch.randint(3, 60, (2, 20))
    before, _ = model(x)
    model.grow_vocab(66)
    after, _ = model(x)
    assert after.shape[-1] == 66 and model.config.vocab_size == 66
    assert torch.allclose(before, after[..., :64], atol=1e-5)
    with pytest.raises(ValueError, match="shrink"):
        model.grow_vocab(10)


def test_a_run_with_fim_rate_trains_a_model_with_the_markers(tmp_path):
    tokens = _stream(60)
    valid = [_stream(2)]
    data = TokenData(train=tokens, valid=valid, vocab_size=62, bos_id=1, eos_id=2, pad_id=0, cond_end_id=9)
    data.bar_ids = [BAR]
    cfg = preset("debug", max_steps=4, eval_interval=4, checkpoint_interval=4, fim_rate=0.5)
    base = debug_model(0, vocab_size=62)
    base.save_pretrained(tmp_path / "base")
    result = train(cfg, tmp_path / "run", data=data, init_from=str(tmp_path / "base"))
    model = MusicLM.from_pretrained(result.model_dir)
    assert model.config.fim_hole_id == 62 and model.config.vocab_size == 64
    assert FimIds.of_model(model.config) == FimIds(62, 63)
    model.grow_vocab(65)  # a concept's token after the markers: they stay where they were
    assert FimIds.of_model(model.config) == FimIds(62, 63)
    assert json.loads((result.model_dir / "card.json").read_text())["train_config"]["fim_rate"] == 0.5
    with pytest.raises(ValueError, match="fim_rate"):
        TrainConfig(fim_rate=1.5)
    no_bars = TokenData(train=tokens, valid=valid, vocab_size=62, bos_id=1, eos_id=2, cond_end_id=9)
    with pytest.raises(ValueError, match="bar lines"):
        train(cfg, tmp_path / "run2", data=no_bars)
