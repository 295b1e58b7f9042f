"""Cultural adaptation of the music encoder (partita.training.culture): continual pretraining with and
without re-warming, held-out masked loss, task arithmetic, configs beside the weights, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from partita.cli.main import cli
from partita.models.encoder import OFFSET, MusicEncoder, debug_encoder
from partita.training.culture import (
    ADAPT_CONFIG,
    MERGE_CONFIG,
    AdaptConfig,
    MergeConfig,
    adapt,
    batch_shares,
    culture_rows,
    fresh_copy,
    heldout_loss,
    load_adapt_config,
    load_merge_config,
    merge,
    save_adapted,
    save_merged,
    task_vector,
    ties_vector,
)


def melody(pitches: list[int], n: int, rng: np.random.Generator) -> np.ndarray:
    """A one-voice tune of ``n`` eighth notes drawn from ``pitches`` (compound tokens, ids offset)."""
    p = rng.choice(pitches, size=n)
    bar = np.arange(n) // 8
    pos = (np.arange(n) % 8) * 6
    return np.stack([bar, pos, p, np.full(n, 10), np.full(n, 20)], axis=1).astype(np.int64) + OFFSET


@pytest.fixture(scope="module")
def pentatonic():
    rng = np.random.default_rng(0)
    scale = [60, 62, 64, 67, 69, 72]
    return [melody(scale, 40, rng) for _ in range(12)], [melody(scale, 40, rng) for _ in range(4)]


def test_adaptation_lowers_the_held_out_masked_loss_of_the_target(pentatonic):
    train, test = pentatonic
    model = debug_encoder(0)
    before = heldout_loss(model, test)
    config = AdaptConfig(cultures=("toy",), steps=40, lr=3e-3, warmup=5, batch_size=8)
    info = adapt(model, {"toy": train}, config)
    after = heldout_loss(model, test)
    assert info["steps"] == 40 and after < before - 1.0
    assert info["lr_max"] == pytest.approx(3e-3) and info["lr_last"] < 1e-3  # warmed up, then decayed
    assert model.card["adaptation"][-1]["config"]["schedule"] == "rewarm"
    assert heldout_loss(model, test) == pytest.approx(after)  # the same masks each time: comparable


def test_schedules_rewarm_then_decay_or_stay_low():
    rewarm = AdaptConfig(steps=100, lr=1e-3, warmup=10, min_lr_ratio=0.1)
    lrs = [rewarm.lr_at(s) for s in range(100)]
    assert lrs[0] < lrs[9] == pytest.approx(1e-3) and lrs[-1] == pytest.approx(1e-4, rel=0.05)
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:], strict=False))
    constant = AdaptConfig(steps=100, lr=1e-3, schedule="constant")
    assert {round(constant.lr_at(s), 12) for s in range(100)} == {1e-4}
    with pytest.raises(ValueError, match="unknown schedule"):
        AdaptConfig(schedule="linear")


def test_two_cultures_are_trained_together(pentatonic):
    train, _ = pentatonic
    rng = np.random.default_rng(1)
    other = [melody([61, 63, 66, 68, 70], 40, rng) for _ in range(6)]
    model = debug_encoder(0)
    info = adapt(model, {"a": train, "b": other}, AdaptConfig(steps=3, batch_size=4, warmup=1))
    assert info["pieces"] == {"a": 12, "b": 6}
    with pytest.raises(ValueError, match="no notes to adapt on"):
        adapt(model, {"a": []}, AdaptConfig(steps=1))


def _deltas(seed_a: int, seed_b: int):
    base = debug_encoder(0)
    a, b = debug_encoder(seed_a), debug_encoder(seed_b)  # stand-ins for two adapted models
    return base, a, b


def test_merging_at_lambda_0_is_the_base_and_at_1_the_base_plus_both_deltas():
    base, a, b = _deltas(1, 2)
    zero = merge(base, [a, b], 0.0)
    for k, v in base.state_dict().items():
        assert torch.equal(zero.state_dict()[k], v)
    one = merge(base, [a, b], 1.0)
    da, db = task_vector(base, a), task_vector(base, b)
    for k, v in base.state_dict().items():
        assert torch.allclose(one.state_dict()[k], v + da[k] + db[k], atol=1e-6)
    half = merge(base, [a], 0.5)
    k = "blocks.0.qkv.weight"
    assert torch.allclose(half.state_dict()[k], (base.state_dict()[k] + a.state_dict()[k]) / 2, atol=1e-6)
    assert not torch.equal(base.state_dict()[k], a.state_dict()[k])  # the test can fail
    assert torch.equal(debug_encoder(0).state_dict()[k], base.state_dict()[k])  # the base is untouched


def test_mismatched_models_are_one_clear_error():
    base = debug_encoder(0)
    with pytest.raises(ValueError, match="does not match the base encoder: d_model 32 against 64"):
        merge(base, [debug_encoder(0, d_model=64, n_head=2)], 0.5)
    headed = fresh_copy(base).with_classifier(("melody", "rest"))
    with pytest.raises(ValueError, match="does not match the base encoder: n_labels"):
        merge(base, [headed], 0.5)
    with pytest.raises(ValueError, match="at least one"):
        merge(base, [], 0.5)


def test_configs_round_trip_as_json_beside_the_weights(tmp_path):
    config = AdaptConfig(cultures=("china", "lorraine_luxembourg"), schedule="constant", steps=7, base="b")
    assert AdaptConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    model = debug_encoder(3)
    folder = save_adapted(model, tmp_path / "adapted", config)
    assert (folder / ADAPT_CONFIG).is_file() and (folder / "model.safetensors").is_file()
    assert load_adapt_config(folder) == config
    back = MusicEncoder.from_pretrained(folder)
    assert all(torch.equal(back.state_dict()[k], v) for k, v in model.state_dict().items())
    merged = merge(debug_encoder(0), [model], 0.25, config=MergeConfig(base="b", models=("x",)))
    mfolder = save_merged(merged, tmp_path / "merged")
    assert (mfolder / MERGE_CONFIG).is_file()
    mc = load_merge_config(mfolder)
    assert mc.lam == 0.25 and mc.models == ("x",) and mc.weights == (1.0,)
    with pytest.raises(ValueError, match="unknown fields"):
        AdaptConfig.from_dict({"cultures": ["china"], "colour": "red"})
    with pytest.raises(FileNotFoundError, match="not an adapted encoder folder"):
        load_adapt_config(tmp_path / "merged")


def test_cultures_are_read_off_manifest_rows():
    rows = [
        {"piece_id": "a", "source": "music21:essenFolksong", "country": "China", "split": "train"},
        {"piece_id": "b", "source": "pop909", "country": None, "split": "train"},
        {"piece_id": "c", "source": "music21:essenFolksong", "country": "France", "split": "train"},
        {"piece_id": "d", "source": "music21:essenFolksong", "country": "Germany", "split": "test"},
        {"piece_id": "e", "source": "music21:oneills1850", "country": None, "split": "train"},
    ]
    assert [r["piece_id"] for r in culture_rows(rows, "china")] == ["a"]  # Chinese pop is not folk song
    assert [r["piece_id"] for r in culture_rows(rows, "lorraine_luxembourg")] == ["c"]
    assert [r["piece_id"] for r in culture_rows(rows, "western", None)] == ["b", "d", "e"]
    with pytest.raises(ValueError, match="unknown culture 'mars'"):
        culture_rows(rows, "mars")


def test_cli_merge_writes_a_merged_folder_and_refuses_a_mismatch_in_one_line(tmp_path):
    debug_encoder(0).save_pretrained(tmp_path / "base")
    debug_encoder(1).save_pretrained(tmp_path / "a")
    debug_encoder(0, d_model=64, n_head=2).save_pretrained(tmp_path / "wide")
    runner = CliRunner()
    ok = runner.invoke(
        cli,
        [
            "encoder",
            "merge",
            str(tmp_path / "base"),
            str(tmp_path / "a"),
            "--lam",
            "1",
            "-o",
            str(tmp_path / "m"),
        ],
    )
    assert ok.exit_code == 0, ok.output
    merged = MusicEncoder.from_pretrained(tmp_path / "m")
    a = debug_encoder(1)
    assert all(torch.allclose(merged.state_dict()[k], v, atol=1e-6) for k, v in a.state_dict().items())
    bad = runner.invoke(
        cli, ["encoder", "merge", str(tmp_path / "base"), str(tmp_path / "wide"), "-o", str(tmp_path / "x")]
    )
    assert bad.exit_code != 0 and "does not match the base encoder" in bad.output
    assert "Traceback" not in bad.output
    missing = runner.invoke(
        cli, ["encoder", "adapt", str(tmp_path / "nope"), "--culture", "china", "-o", "x"]
    )
    assert missing.exit_code != 0 and "no encoder named" in missing.output


def test_replay_gives_the_base_culture_its_share_of_the_batches():
    names, notes = ["china", "western"], [100.0, 900.0]
    assert batch_shares(names, notes, AdaptConfig()) == pytest.approx([0.5, 0.5])  # no replay: both targets
    assert batch_shares(names, notes, AdaptConfig(replay=0.25)) == pytest.approx([0.75, 0.25])
    three = batch_shares(["a", "western", "b"], [1.0, 1.0, 3.0], AdaptConfig(replay=0.2, balance="notes"))
    assert three == pytest.approx([0.2, 0.2, 0.6])
    with pytest.raises(ValueError, match="needs the 'western' pieces"):
        batch_shares(["china"], [1.0], AdaptConfig(replay=0.1))
    with pytest.raises(ValueError, match="no target culture"):
        batch_shares(["western"], [1.0], AdaptConfig(replay=0.1))
    with pytest.raises(ValueError, match=r"replay must be in \[0, 1\)"):
        AdaptConfig(replay=1.0)
    assert AdaptConfig.from_dict({"cultures": ["china"]}).replay == 0.0  # configs saved before replay load


def test_replay_curbs_forgetting_of_the_base_culture(pentatonic):
    train, test = pentatonic
    rng = np.random.default_rng(5)
    chromatic = [melody([61, 63, 66, 68, 70, 73], 40, rng) for _ in range(12)]
    base = debug_encoder(0)
    adapt(base, {"western": train}, AdaptConfig(steps=60, lr=3e-3, warmup=5, batch_size=8))
    losses = {}
    for share in (0.0, 0.5):
        m = fresh_copy(base)
        cfg = AdaptConfig(cultures=("toy",), steps=60, lr=3e-3, warmup=5, batch_size=8, replay=share)
        data = {"toy": chromatic, "western": train} if share else {"toy": chromatic}
        info = adapt(m, data, cfg)
        losses[share] = heldout_loss(m, test)
        if share:
            assert info["shares"] == {"toy": 0.5, "western": 0.5}
    assert losses[0.5] < losses[0.0] - 0.3, losses  # replaying the base's tunes keeps them


def test_ties_trims_elects_a_sign_and_averages_the_agreeing_entries():
    a = {"w": torch.tensor([4.0, -3.0, 0.1, 2.0]), "b": torch.tensor([0.2])}
    b = {"w": torch.tensor([2.0, 1.0, -0.2, -1.0]), "b": torch.tensor([-5.0])}
    out = ties_vector([a, b], density=0.6)  # 3 of each vector's 5 entries kept
    # a keeps 4, -3, 2 (0.1 and 0.2 trimmed); b keeps 2, -1, -5 (1 and -0.2 trimmed)
    assert torch.allclose(out["w"], torch.tensor([3.0, -3.0, 0.0, 2.0]))  # 2 + -1 > 0: a's 2 alone
    assert torch.allclose(out["b"], torch.tensor([-5.0]))
    full = ties_vector([a], density=1.0)
    assert all(torch.equal(full[k], a[k]) for k in a)  # one vector, nothing trimmed: itself


def test_ties_merge_of_one_model_at_full_density_is_that_model_and_is_recorded(tmp_path):
    base, a, b = _deltas(1, 2)
    one = merge(base, [a], 1.0, method="ties", density=1.0)
    assert all(torch.allclose(one.state_dict()[k], v, atol=1e-6) for k, v in a.state_dict().items())
    ties = merge(base, [a, b], 1.0, method="ties", density=0.2)
    linear = merge(base, [a, b], 0.5)
    k = "blocks.0.qkv.weight"
    delta = ties.state_dict()[k] - base.state_dict()[k]
    assert 0 < (delta != 0).float().mean() < 0.5  # trimmed: most entries stay at the base
    assert not torch.allclose(ties.state_dict()[k], linear.state_dict()[k])
    mc = load_merge_config(save_merged(ties, tmp_path / "ties"))
    assert (mc.method, mc.density, mc.lam) == ("ties", 0.2, 1.0)
    with pytest.raises(ValueError, match="unknown merge method 'mean'"):
        merge(base, [a], 1.0, method="mean")
    with pytest.raises(ValueError, match="density must be in"):
        merge(base, [a], 1.0, method="ties", density=0.0)


def test_cli_ties_merge_and_replay_errors_are_one_line(tmp_path):
    debug_encoder(0).save_pretrained(tmp_path / "base")
    debug_encoder(1).save_pretrained(tmp_path / "a")
    debug_encoder(2).save_pretrained(tmp_path / "b")
    runner = CliRunner()
    args = ["encoder", "merge", str(tmp_path / "base"), str(tmp_path / "a"), str(tmp_path / "b")]
    ok = runner.invoke(
        cli, [*args, "--method", "ties", "--density", "0.3", "--lam", "1", "-o", str(tmp_path / "m")]
    )
    assert ok.exit_code == 0 and "ties, density 0.3" in ok.output, ok.output
    assert load_merge_config(tmp_path / "m").method == "ties"
    bad = runner.invoke(cli, [*args, "--method", "ties", "--density", "0", "-o", str(tmp_path / "x")])
    assert bad.exit_code != 0 and "density" in bad.output and "Traceback" not in bad.output
    replay = runner.invoke(
        cli,
        ["encoder", "adapt", str(tmp_path / "base"), "--culture", "western", "--replay", "0.2", "-o", "y"],
    )
    assert replay.exit_code != 0 and "not a target culture" in replay.output, replay.output
    assert "Traceback" not in replay.output
