import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from partita.models import MusicLM, debug_model
from partita.training import (
    TrainConfig,
    latest_checkpoint,
    load_token_data,
    load_train_config,
    lr_at,
    preset,
    sequence_nll,
    train,
)
from partita.training.data import eval_windows


def _env():
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


def test_lr_warmup_then_cosine():
    cfg = TrainConfig(max_steps=100, warmup_steps=10, lr=1.0, min_lr=0.1)
    lrs = [lr_at(s, cfg) for s in range(100)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(lrs[9:], lrs[10:], strict=False))
    assert lrs[-1] == pytest.approx(0.1, abs=1e-3)


def test_two_stage_schedule_rewarms_and_redecays():
    cfg = TrainConfig(max_steps=100, stage1_steps=40, stage1_warmup=5, warmup_steps=10, lr=1.0, min_lr=0.0)
    assert lr_at(4, cfg) == pytest.approx(1.0)  # stage 1 warm-up peak
    assert lr_at(39, cfg) < 0.01  # stage 1 decayed
    assert lr_at(40, cfg) == pytest.approx(0.1)  # re-warmed from low again
    assert lr_at(49, cfg) == pytest.approx(1.0)
    assert lr_at(99, cfg) < 0.01


def test_eval_windows_score_each_token_once():
    for n, block in [(10, 8), (9, 8), (300, 64), (2, 8), (1000, 512)]:
        scored = []
        for start, end, first in eval_windows(np.arange(n), block):
            assert end - start <= block + 1
            scored += range(first, end)
        assert scored == list(range(1, n))


def test_training_lowers_validation_nll(tmp_path):
    cfg = preset("debug", max_steps=60, eval_interval=60, checkpoint_interval=60)
    data = load_token_data("debug")
    torch.manual_seed(cfg.seed)
    initial = MusicLM(debug_model().config)  # the same shape the preset builds
    before, n = sequence_nll(initial, data.valid, 64, max_tokens=2048)
    result = train(cfg, tmp_path / "run", data=data)
    assert result.step == 60
    assert result.metrics["valid_nll_per_token"] < 0.8 * before / n
    card = json.loads((tmp_path / "run" / "model" / "card.json").read_text())
    assert card["steps"] == 60 and len(card["data_hash"]) == 64
    loaded = MusicLM.from_pretrained(tmp_path / "run" / "model")
    assert loaded.config.vocab_size == 64


def test_kill_and_rerun_continues_where_it_stopped(tmp_path):
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    steps = 120
    cmd = [
        sys.executable,
        "-m",
        "partita.cli.main",
        "train",
        "--preset",
        "debug",
        "--out",
        str(killed),
        "--max-steps",
        str(steps),
    ]
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            ckpt = latest_checkpoint(killed)
            if ckpt is not None and int(ckpt.name.split("-")[1]) >= 10:
                break
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    stopped_at = int(latest_checkpoint(killed).name.split("-")[1])
    assert 10 <= stopped_at < steps, "the run was not interrupted mid-way"
    resumed = train(preset("debug"), killed, max_steps=steps)
    assert resumed.resumed_from == stopped_at and resumed.step == steps
    unbroken = train(preset("debug"), clean, max_steps=steps)
    a = load_file(str(killed / "model" / "model.safetensors"))
    b = load_file(str(clean / "model" / "model.safetensors"))
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a), "a resumed run must take the same path as an unbroken one"
    assert resumed.metrics["valid_nll_per_token"] == pytest.approx(unbroken.metrics["valid_nll_per_token"])


def test_torchrun_two_processes(tmp_path):
    out = tmp_path / "ddp"
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        "-m",
        "partita.cli.main",
        "train",
        "--preset",
        "debug",
        "--out",
        str(out),
        "--max-steps",
        "6",
    ]
    done = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads((out / "result.json").read_text())
    assert result["world_size"] == 2 and result["step"] == 6
    assert result["tokens_seen"] == 6 * 2 * 4 * 64  # steps x processes x batch x block
    assert MusicLM.from_pretrained(out / "model").config.n_layer == 2


def test_continual_pretraining_stage1_trains_only_embeddings(tmp_path):
    base = debug_model(seed=9)
    base.save_pretrained(tmp_path / "base")
    cfg = preset(
        "debug", max_steps=10, stage1_steps=4, stage1_warmup=2, warmup_steps=2, checkpoint_interval=2
    )
    out = tmp_path / "cpt"
    first = train(cfg, out, init_from=str(tmp_path / "base"), stop_after=4)
    assert first.step == 4
    after1 = load_file(str(latest_checkpoint(out) / "model.safetensors"))
    before = base.state_dict()
    assert not torch.equal(after1["tok_emb.weight"], before["tok_emb.weight"])
    body = [k for k in after1 if k.startswith("blocks.")]
    assert body and all(torch.equal(after1[k], before[k]) for k in body)
    final = train(cfg, out, init_from=str(tmp_path / "base"))
    assert final.step == 10 and final.resumed_from == 4
    after2 = MusicLM.from_pretrained(out / "model").state_dict()
    assert any(not torch.equal(after2[k], before[k]) for k in body)
    assert json.loads((out / "model" / "card.json").read_text())["init_from"] == str(tmp_path / "base")


def test_npy_folder_data_and_bad_inputs(tmp_path):
    folder = tmp_path / "tokens"
    folder.mkdir()
    rng = np.random.default_rng(0)
    np.save(folder / "train.npy", rng.integers(0, 50, 5000).astype(np.uint16))
    np.save(folder / "valid.npy", rng.integers(0, 50, (4, 100)).astype(np.uint16))
    data = load_token_data(str(folder))
    assert len(data.valid) == 4 and data.vocab_size == 50
    cfg = TrainConfig(
        data=str(folder),
        model=dict(block_size=32, n_layer=1, n_head=2, d_model=16, d_ff=32),
        batch_size=2,
        max_steps=3,
        eval_interval=3,
        checkpoint_interval=3,
        threads=1,
    )
    assert train(cfg, tmp_path / "run").step == 3
    np.save(tmp_path / "floats.npy", np.zeros(10, dtype=np.float32))
    with pytest.raises(ValueError, match="floats.npy"):
        load_token_data(str(tmp_path / "floats.npy"))
    with pytest.raises(FileNotFoundError, match="not found"):
        load_token_data(str(tmp_path / "nothing"))
    (tmp_path / "bad.json").write_text('{"bogus": 1}')
    with pytest.raises(ValueError, match="bad.json.*bogus"):
        load_train_config(tmp_path / "bad.json")
    with pytest.raises(ValueError, match="bf16"):
        TrainConfig(bf16="maybe")


def test_cli_errors_are_one_line(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "partita.cli.main", "train", "--preset", "nope"],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "unknown preset" in done.stderr and "Traceback" not in done.stderr


def test_windows_inside_a_piece_carry_its_condition_prefix():
    import numpy as np

    from partita.training.data import PrefixIndex, random_windows

    bos, cond_end = 1, 9
    pieces = [[bos, 5, 6, cond_end] + list(range(20, 60)) + [2], [bos, cond_end] + list(range(60, 100)) + [2]]
    pieces.append([bos] + list(range(100, 140)) + [2])  # no prefix at all
    tokens = np.concatenate([np.array(p, dtype=np.uint16) for p in pieces])
    index = PrefixIndex.build(tokens, bos, cond_end)
    assert index.starts.tolist() == [0, 45, 88] and index.ends.tolist() == [4, 47, 88]
    assert index.prefix_at(2) is None  # inside the prefix itself
    assert index.prefix_at(10) == (0, 4) and index.prefix_at(50) == (45, 47) and index.prefix_at(95) is None
    x, y = random_windows(tokens, 64, 16, torch.Generator().manual_seed(0), index)
    assert x.shape == y.shape == (64, 16)
    for row, target in zip(x.tolist(), y.tolist(), strict=True):
        assert row[1:] == target[:-1]
        assert not 20 < row[0] < 100, f"a window starting inside a piece's music lost its prefix: {row}"
        if row[0] == bos and row[1] == 5:
            assert row[:4] == [bos, 5, 6, cond_end]
    carried = [r for r in x.tolist() if r[0] == bos and r[4] not in (20, 60)]
    assert carried, "some windows start mid-piece and carry the prefix"
