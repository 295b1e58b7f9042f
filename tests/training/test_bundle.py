"""A training bundle carries a token folder to a machine without the corpus; its weights come back as
shards."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from partita.models import MusicLM
from partita.models.pretrained import export_shards, import_shards
from partita.training import load_token_data, preset, train
from partita.training.bundle import is_bundle, save_bundle
from partita.training.data import debug_sequences

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def token_dir(tmp_path):
    folder = tmp_path / "tokens"
    (folder / "valid_by_source").mkdir(parents=True)
    train_seqs = debug_sequences(120, vocab_size=200, seed=0)
    valid = np.concatenate(debug_sequences(10, vocab_size=200, seed=1)).astype(np.uint16)
    np.save(folder / "train.npy", np.concatenate(train_seqs).astype(np.uint16))
    np.save(folder / "valid.npy", valid)
    np.save(folder / "test.npy", valid[:300])
    np.save(folder / "valid_by_source" / "bach.npy", valid[:200])
    meta = dict(vocab_size=200, bos_id=1, eos_id=2, pad_id=0, tokens_per_note=2.0, corpus="x", sha256="ab")
    (folder / "meta.json").write_text(json.dumps(meta))
    return folder


def test_a_bundle_reads_back_as_the_folder_it_packs(token_dir, tmp_path):
    out = tmp_path / "b.npz"
    info = save_bundle(token_dir, out)
    assert is_bundle(out) and not is_bundle(token_dir / "train.npy")
    assert info["bytes"] == out.stat().st_size
    folder, bundle = load_token_data(str(token_dir)), load_token_data(str(out))
    assert np.array_equal(folder.train, bundle.train)
    assert [len(v) for v in folder.valid] == [len(v) for v in bundle.valid]
    assert np.array_equal(folder.valid_by_source["bach"], bundle.valid_by_source["bach"])
    assert bundle.vocab_size == 200 and bundle.tokens_per_note == 2.0 and bundle.tokenizer_dir is None


def test_a_bundle_cut_to_a_budget_keeps_whole_pieces(token_dir, tmp_path):
    out = tmp_path / "b.npz"
    save_bundle(token_dir, out, max_train_tokens=1000)
    train_tokens = load_token_data(str(out)).train
    assert 0 < len(train_tokens) <= 1000
    assert train_tokens[0] == 1 and train_tokens[-1] == 2  # from a BOS to an EOS: no piece cut in two


def test_weights_trained_from_a_bundle_come_back_through_shards(token_dir, tmp_path):
    bundle = tmp_path / "b.npz"
    save_bundle(token_dir, bundle)
    cfg = preset("debug", data=str(bundle), max_steps=4, eval_interval=4)
    result = train(cfg, tmp_path / "run")
    names = export_shards(result.model_dir, tmp_path / "shards", shard_mib=0.01)
    assert len(names) > 1  # a tiny limit forces several shards
    back = import_shards(tmp_path / "shards", tmp_path / "model")
    original, joined = MusicLM.from_pretrained(result.model_dir), MusicLM.from_pretrained(back)
    x = torch.tensor([[1, 5, 9, 13, 17]])
    with torch.no_grad():
        a, b = original(x)[0], joined(x)[0]
    assert torch.allclose(a, b, atol=0.05 * float(a.abs().max()))  # bf16 weights: close, not equal
    assert json.loads((back / "card.json").read_text())["weights_dtype"] == "bfloat16"


def test_the_gpu_script_trains_a_bundle_with_its_own_time_budget(token_dir, tmp_path):
    bundle = tmp_path / "b.npz"
    save_bundle(token_dir, bundle)
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "train-bundle.py"),
            str(bundle),
            "--preset",
            "debug",
            "--out",
            str(tmp_path / "run"),
            "--seconds",
            "3",
            "--export",
            str(tmp_path / "out"),
            "--override",
            "eval_interval=1000",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "steps" in run.stdout and (tmp_path / "out" / "config.json").is_file()
    assert list((tmp_path / "out").glob("model-*-of-*.safetensors"))
