"""The style / quality classifier trained with the model's own generations as quality negatives (#19)."""

import json

import numpy as np
import pytest
from style_tokens import TINY, tokenizer, train_args

from partita.cli.main import main
from partita.training.style_classifier import (
    StyleTrainConfig,
    evaluate_classifier,
    make_degrader,
    read_negatives,
    read_pieces,
    sample_batch,
    train_style_classifier,
    write_negatives,
)


@pytest.fixture(scope="module")
def negatives(folder, tmp_path_factory):
    """Fake "generations": music ids of the real pieces, looped and repitched at random (made in code)."""
    out = tmp_path_factory.mktemp("negatives")
    tok = tokenizer()
    pieces = read_pieces(np.load(folder / "train.npy", mmap_mode="r"), tok)
    rng = np.random.default_rng(0)
    for split, count in (("train", 10), ("valid", 4), ("test", 5)):
        seqs, meta = [], []
        for i in range(count):
            music = pieces.music(int(rng.integers(len(pieces))))
            seq = np.resize(music[: int(rng.integers(4, 9))], int(rng.integers(20, 60)))
            seqs.append(seq)
            meta.append({"prompt_id": i // 2, "variant": "free" if i % 3 == 0 else "constrained"})
        write_negatives(out / f"{split}.npz", seqs, meta)
    return out


def test_negatives_round_trip(negatives):
    neg = read_negatives(negatives)
    assert [len(neg[s]) for s in ("train", "valid", "test")] == [10, 4, 5]
    assert neg["test"].meta[0] == {"prompt_id": 0, "variant": "free"}
    assert all(q.dtype == np.int64 and 20 <= len(q) < 60 for q in neg["train"].seqs)
    with pytest.raises(ValueError, match="outside the vocabulary"):
        read_negatives(negatives, vocab_size=3)


def test_sample_batch_puts_generated_windows_among_the_twins(folder, negatives):
    tok = tokenizer()
    labels = ["jig", "chorale"]
    train = read_pieces(np.load(folder / "train.npy", mmap_mode="r"), tok, labels)
    skip = sorted(set(tok._cond_ids.values()) | {tok.bos_id, tok.eos_id, tok.pad_id})
    degrader = make_degrader(train, tok, tok.vocab_size, skip, seed=0)
    by_label = [np.flatnonzero(train.labels == k) for k in range(2)]
    unlabeled = np.flatnonzero(train.labels < 0)
    gens = read_negatives(negatives)["train"].seqs
    cfg = StyleTrainConfig(negatives_share=1.0, **{**TINY, "window": 64})
    ids, style, quality = sample_batch(
        train, by_label, unlabeled, degrader, cfg, tok.pad_id, np.random.default_rng(0), gens
    )
    b = cfg.batch
    assert ids.shape == (2 * b, 64) and quality.tolist() == [1.0] * b + [0.0] * b
    windows = {tuple(np.resize(g, len(g)).tolist()) for g in gens}
    for r in range(b):
        twin = ids[b + r][ids[b + r] != tok.pad_id].tolist()
        real = ids[r][ids[r] != tok.pad_id].tolist()
        # every twin is a window of a generated piece, and its real row is no longer than it
        assert any(any(tuple(g[s : s + len(twin)]) == tuple(twin) for s in range(len(g))) for g in windows)
        assert len(real) <= len(twin)
    # without negatives the batch is what it always was
    plain = StyleTrainConfig(**{**TINY, "window": 64})
    a = sample_batch(train, by_label, unlabeled, degrader, plain, tok.pad_id, np.random.default_rng(3))
    c = sample_batch(train, by_label, unlabeled, degrader, plain, tok.pad_id, np.random.default_rng(3), None)
    assert all(bool((x == y).all()) for x, y in zip(a, c, strict=True))


def test_trainer_accepts_negatives_and_reports_the_generated_auc(folder, negatives, tmp_path):
    cfg = StyleTrainConfig(steps=6, eval_every=3, negatives=str(negatives), **TINY)
    result = train_style_classifier(folder, tmp_path / "clf", cfg)
    for split in ("valid", "test"):
        m = result.metrics[split]
        assert 0 <= m["quality_auc_generated"] <= 1 and 0 <= m["quality_auc_generated_piece"] <= 1
        assert 0 <= m["quality_auc"] <= 1  # the degradations are still reported apart
        assert set(m["quality_auc_generated_by_variant"]) == {"constrained", "free"}
    assert result.metrics["test"]["generated_pieces"] == 5
    assert "valid_quality_auc_generated" in result.history[-1]
    card = json.loads((tmp_path / "clf" / "model_card.json").read_text())
    assert card["negatives"]["train_pieces"] == 10 and card["negatives"]["test_prompts"] == 3
    # a saved classifier (e.g. the shipped one) is evaluated on the same held-out pieces the same way
    again = evaluate_classifier(tmp_path / "clf", folder, negatives)
    assert again["test"]["quality_auc_generated"] == pytest.approx(
        result.metrics["test"]["quality_auc_generated"]
    )


def test_cli_negatives_option_and_evaluate(folder, negatives, tmp_path, capsys):
    out = tmp_path / "clf"
    code = main(train_args(folder, out, "--negatives", str(negatives)))
    printed = capsys.readouterr().out
    assert code == 0 and "test quality AUC real vs generated (5 pieces of held-out prompts)" in printed
    assert (
        main(
            [
                "selector",
                "evaluate",
                str(out),
                str(folder),
                "--negatives",
                str(negatives),
                "--json",
                str(tmp_path / "m.json"),
            ]
        )
        == 0
    )
    assert "valid quality AUC real vs generated" in capsys.readouterr().out
    assert "quality_auc_generated" in json.loads((tmp_path / "m.json").read_text())["test"]
    assert (
        main(
            [
                "selector",
                "train",
                str(folder),
                "--out",
                str(out),
                "--min-sequences",
                "3",
                "--negatives",
                str(tmp_path / "none"),
            ]
        )
        == 2
    )
    assert "negatives folder not found" in capsys.readouterr().err
