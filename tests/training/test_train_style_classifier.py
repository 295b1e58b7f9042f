import json

import numpy as np
import pytest
import torch
from style_tokens import TINY, tokenizer

from partita.models.style_classifier import StyleClassifier
from partita.training.style_classifier import (
    DEGRADATIONS,
    StyleTrainConfig,
    baselines,
    make_degrader,
    read_pieces,
    roc_auc,
    style_metrics,
    train_style_classifier,
    within_group_accuracy,
)


@pytest.fixture(scope="module")
def train_pieces(folder):
    return read_pieces(np.load(folder / "train.npy", mmap_mode="r"), tokenizer(), ["jig", "chorale"])


@pytest.fixture(scope="module")
def trained(folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("clf")
    return train_style_classifier(folder, out, StyleTrainConfig(steps=12, eval_every=6, **TINY))


# --- reading pieces -----------------------------------------------------------------------------------------


def test_read_pieces_finds_styles_and_keeps_only_music(train_pieces):
    tok = tokenizer()
    assert len(train_pieces) == 12 + 8 + 2
    assert train_pieces.styles == ["jig"] * 12 + ["chorale"] * 8 + [None, None]
    assert train_pieces.labels.tolist() == [0] * 12 + [1] * 8 + [-1, -1]
    specials = set(tok._cond_ids.values()) | {tok.bos_id, tok.eos_id, tok.pad_id}
    for i in range(len(train_pieces)):
        music = train_pieces.music(i)
        assert len(music) > 10 and not specials & set(music.tolist())
    first = tok.split(np.asarray(train_pieces.tokens[: train_pieces.starts[1]]).tolist())[1]
    assert train_pieces.music(0).tolist() == first  # exactly the music of the first sequence


# --- degradations -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def degrader(train_pieces):
    tok = tokenizer()
    skip = sorted(set(tok._cond_ids.values()) | {tok.bos_id, tok.eos_id, tok.pad_id})
    return make_degrader(train_pieces, tok, tok.vocab_size, skip, seed=0)


def test_every_degradation_changes_the_window_and_keeps_its_length(degrader, train_pieces):
    window = train_pieces.music(0)[:32]
    for kind in DEGRADATIONS:
        for seed in range(5):
            fake = degrader(window, kind, np.random.default_rng(seed))
            assert len(fake) == len(window) and fake.dtype == window.dtype, kind
            assert not np.array_equal(fake, window), (kind, seed)
    with pytest.raises(ValueError, match="unknown degradation"):
        degrader(window, "reverse", np.random.default_rng(0))


def test_shuffle_permutes_one_span(degrader, train_pieces):
    window = train_pieces.music(1)[:64]
    for seed in range(10):
        fake = degrader(window, "shuffle", np.random.default_rng(seed))
        assert sorted(fake.tolist()) == sorted(window.tolist())  # the same tokens, another order
        changed = np.flatnonzero(fake != window)
        assert changed.max() - changed.min() < 48  # inside one span of at most 48 tokens


def test_repitch_changes_only_pitches_and_keeps_their_token_type(degrader, train_pieces):
    tok = tokenizer()
    window = train_pieces.music(2)[:64]
    for seed in range(10):
        fake = degrader(window, "repitch", np.random.default_rng(seed))
        changed = np.flatnonzero(fake != window)
        assert len(changed) >= 1
        for i in changed:
            before, after = tok.id_to_token(int(window[i])), tok.id_to_token(int(fake[i]))
            assert before.startswith("Pitch_") and after.startswith("Pitch_") and before != after


def test_splice_keeps_the_head_and_takes_the_tail_from_a_training_piece(degrader, train_pieces):
    window = train_pieces.music(3)[:40]
    music = [train_pieces.music(i).tolist() for i in range(len(train_pieces))]
    for seed in range(10):
        fake = degrader(window, "splice", np.random.default_rng(seed))
        assert np.array_equal(fake[:10], window[:10])  # the cut is at >= n // 4
        tail = fake[30:].tolist()  # the cut is at <= 3n/4: the last 10 tokens come from one piece
        assert any(any(m[s : s + len(tail)] == tail for s in range(len(m) - len(tail) + 1)) for m in music)


def test_loop_repeats_a_short_pattern(degrader):
    window = np.arange(100, 164, dtype=np.int64)  # no pattern of its own
    for seed in range(10):
        fake = degrader(window, "loop", np.random.default_rng(seed))
        tail = fake[32:]  # the loop starts at <= n // 2
        period = next(p for p in range(2, 13) if np.array_equal(tail[p:], tail[:-p]))
        assert 2 <= period <= 12


def test_unigram_draws_only_music_tokens_seen_in_training(degrader, train_pieces):
    tok = tokenizer()
    seen = set(np.concatenate([train_pieces.music(i) for i in range(len(train_pieces))]).tolist())
    fake = degrader(train_pieces.music(0)[:64], "unigram", np.random.default_rng(0))
    assert set(fake.tolist()) <= seen
    assert tok.bos_id not in fake and tok.cond_end_id not in fake


# --- metrics and baselines ----------------------------------------------------------------------------------


def test_roc_auc_on_hand_made_cases():
    assert roc_auc(np.array([3.0, 4.0]), np.array([1.0, 2.0])) == 1.0
    assert roc_auc(np.array([1.0, 2.0]), np.array([3.0, 4.0])) == 0.0
    assert roc_auc(np.array([1.0, 1.0]), np.array([1.0])) == 0.5  # ties count half
    # pairs (pos > neg): 0.9 beats 0.1 and 0.4, 0.35 beats 0.1 only, 0.8 beats both -> 5 of 6
    assert roc_auc(np.array([0.9, 0.35, 0.8]), np.array([0.1, 0.4])) == pytest.approx(5 / 6)
    assert np.isnan(roc_auc(np.array([]), np.array([1.0])))


def test_style_metrics_on_a_hand_made_case():
    truth = np.array([0, 0, 0, 1, 1, 2])
    pred = np.array([0, 0, 1, 1, 2, 2])
    m = style_metrics(truth, pred, ["a", "b", "c"])
    assert m["style_accuracy"] == pytest.approx(4 / 6)
    # a: p 1, r 2/3 -> F1 0.8; b: p 1/2, r 1/2 -> 0.5; c: p 1/2, r 1 -> 2/3
    assert m["style_macro_f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert m["style_recall"] == pytest.approx({"a": 2 / 3, "b": 0.5, "c": 1.0})
    # a label that never occurs in the truth is not part of the macro average
    assert style_metrics(np.array([0, 0]), np.array([0, 1]), ["a", "b"])["style_macro_f1"] == pytest.approx(
        2 / 3
    )


def test_baselines_on_a_hand_made_case():
    truth = np.array([0, 0, 0, 1])  # three of class 0, one of class 1, two labels
    b = baselines(truth, majority=0, n_labels=2)
    assert b["majority_accuracy"] == 0.75
    assert b["majority_macro_f1"] == pytest.approx((2 * 0.75 / 1.75 + 0.0) / 2)  # class 0: p 3/4, r 1
    assert b["chance_accuracy"] == 0.5 and b["chance_quality_auc"] == 0.5
    # uniform guessing: recall 1/2 per class, precision = the class's share
    f1 = lambda s: 2 * s * 0.5 / (s + 0.5)  # noqa: E731
    assert b["chance_macro_f1"] == pytest.approx((f1(0.75) + f1(0.25)) / 2)
    assert baselines(np.array([], dtype=np.int64), 0, 2) == {}


def test_within_group_accuracy_argmaxes_over_the_group_only():
    labels = ["german_folk", "pop", "chinese_folk", "jig"]
    truth = np.array([0, 0, 2, 1, 3])
    # piece 0: pop scores highest overall, but among the Essen labels german_folk wins -> right
    # piece 1: chinese_folk beats german_folk -> wrong; piece 2: chinese_folk -> right
    scores = np.array(
        [[0.3, 0.6, 0.1, 0.0], [0.1, 0.5, 0.4, 0.0], [0.2, 0.0, 0.7, 0.1], [1, 0, 0, 0], [0, 0, 0, 1]]
    )
    g = within_group_accuracy(truth, scores, labels)
    assert set(g) == {"essen"}  # fiddle_tunes has one label here: nothing to choose between
    assert g["essen"]["pieces"] == 3 and g["essen"]["labels"] == ["german_folk", "chinese_folk"]
    assert g["essen"]["accuracy"] == pytest.approx(2 / 3)
    assert g["essen"]["majority_accuracy"] == pytest.approx(2 / 3)


# --- training -----------------------------------------------------------------------------------------------


def test_training_selects_on_valid_reports_test_and_saves_a_loadable_folder(trained):
    r = trained
    assert r.labels == ["jig", "chorale"] and r.steps == 12 and r.selected_step in (6, 12)
    assert [h["step"] for h in r.history] == [6, 12]
    for split in ("valid", "test"):
        m = r.metrics[split]
        assert (
            m["pieces"] == 6 and m["quality_windows"] == 8
        )  # 3 + 3 labelled pieces, + 2 unlabelled for quality
        for key in (
            "style_accuracy",
            "style_macro_f1",
            "majority_accuracy",
            "majority_macro_f1",
            "chance_accuracy",
            "chance_macro_f1",
            "quality_auc",
        ):
            assert 0.0 <= m[key] <= 1.0, key
        assert m["majority_accuracy"] == 0.5 and m["chance_accuracy"] == 0.5  # 3 jigs and 3 chorales
        assert set(m["quality_auc_by_kind"]) == set(DEGRADATIONS)
    selected = next(h for h in r.history if h["step"] == r.selected_step)
    assert selected["valid_style_macro_f1"] == r.metrics["valid"]["style_macro_f1"]
    model = StyleClassifier.from_pretrained(r.out_dir)
    assert model.labels == ["jig", "chorale"] and model.tokenizer is not None
    assert model.tokenizer.vocab_size == model.config.vocab_size == tokenizer().vocab_size
    card = json.loads((r.out_dir / "model_card.json").read_text())
    assert card["selected_step"] == r.selected_step and card["metrics"]["test"] == json.loads(
        json.dumps(r.metrics["test"])
    )
    assert card["train_sequences_per_style"] == {"jig": 12, "chorale": 8}


def test_two_styles_this_different_are_learned(trained):
    # runs of high short notes against slow low chords: a dozen steps are enough to tell them apart
    assert trained.metrics["valid"]["style_accuracy"] >= 5 / 6


def test_training_is_reproducible(folder, tmp_path):
    cfg = StyleTrainConfig(steps=3, eval_every=3, **TINY)
    a = train_style_classifier(folder, tmp_path / "a", cfg)
    b = train_style_classifier(folder, tmp_path / "b", cfg)
    assert a.metrics == b.metrics
    sa = StyleClassifier.from_pretrained(a.out_dir).state_dict()
    sb = StyleClassifier.from_pretrained(b.out_dir).state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert torch.get_num_threads() >= 1  # the thread count is restored (not left at cfg.threads by a crash)


def test_bad_token_folders_get_clear_messages(folder, tmp_path):
    cfg = StyleTrainConfig(steps=1, **TINY)
    with pytest.raises(FileNotFoundError, match="token folder not found"):
        train_style_classifier(tmp_path / "missing", tmp_path / "out", cfg)
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "train.npy").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=r"missing valid\.npy, test\.npy, meta\.json, tokenizer/"):
        train_style_classifier(tmp_path / "half", tmp_path / "out", cfg)
    with pytest.raises(ValueError, match=r"at least 2 styles with >= 10 training sequences.*'jig': 12"):
        train_style_classifier(
            folder, tmp_path / "out", StyleTrainConfig(steps=1, **{**TINY, "min_sequences": 10})
        )
    assert not (tmp_path / "out").exists()


def test_train_config_validation():
    with pytest.raises(ValueError, match="steps must be >= 1"):
        StyleTrainConfig(steps=0)
    with pytest.raises(ValueError, match="unlabeled_share"):
        StyleTrainConfig(unlabeled_share=1.0)
    with pytest.raises(ValueError, match="lr must be > 0"):
        StyleTrainConfig(lr=0)
    with pytest.raises(ValueError, match="unknown options"):
        StyleTrainConfig.from_dict({"stepz": 3})
