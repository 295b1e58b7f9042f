import json

import pytest
import torch

from partita.models.style_classifier import (
    StyleClassifier,
    StyleClassifierConfig,
    debug_config,
)


@pytest.fixture(scope="module")
def debug():
    return StyleClassifier.from_pretrained("debug")


def test_debug_classifier_is_tiny_deterministic_and_in_eval_mode(debug):
    assert not debug.training and debug.labels == ["a", "b", "c"]
    assert debug.num_parameters() < 20_000
    again = StyleClassifier.from_pretrained("debug")
    other = StyleClassifier.from_pretrained("debug", seed=1)
    ids = torch.randint(3, 64, (2, 20))
    style, quality = debug(ids)
    assert style.shape == (2, 3) and quality.shape == (2,)
    assert torch.equal(style, again(ids)[0])
    assert not torch.allclose(style, other(ids)[0])


def test_padding_and_skip_ids_do_not_change_a_window(debug):
    music = torch.randint(3, 64, (1, 11))
    alone = debug(music)
    padded = torch.zeros(2, 32, dtype=torch.long)  # pad_id 0
    padded[0, :11] = music[0]
    padded[1] = torch.randint(3, 64, (32,))  # another window in the batch changes nothing
    in_batch = debug(padded)
    assert torch.allclose(alone[0][0], in_batch[0][0], atol=1e-5)
    assert torch.allclose(alone[1][0], in_batch[1][0], atol=1e-5)
    framed = torch.tensor([[1, *music[0].tolist(), 2, 0]])  # BOS ... EOS PAD: specials read as padding
    assert torch.allclose(debug(framed)[1], alone[1], atol=1e-5)
    # specials inside a sequence are removed before a piece is read (forward() would see a gap there)
    interleaved = [1, *music[0, :5].tolist(), 2, 2, *music[0, 5:].tolist(), 2]
    assert debug.music_only(interleaved).tolist() == music[0].tolist()
    assert debug.predict(interleaved) == debug.predict(music[0].tolist())
    # an explicit mask can hide more; it never un-hides padding
    mask = torch.ones_like(padded)
    assert torch.allclose(debug(padded, mask)[1], in_batch[1], atol=1e-5)


def test_pad_id_is_ignored_even_when_not_a_skip_id():
    model = StyleClassifier.from_pretrained("debug").eval()
    model.config.skip_ids = [1, 2]  # the buffer was built from [0, 1, 2]: rebuild without the pad id
    model._skip[:] = False
    model._skip[[1, 2]] = True
    music = torch.randint(3, 64, (1, 9))
    padded = torch.cat([music, torch.zeros(1, 7, dtype=torch.long)], 1)
    assert torch.allclose(model(music)[1], model(padded)[1], atol=1e-5)


def test_forward_rejects_bad_input(debug):
    with pytest.raises(ValueError, match="batch, tokens"):
        debug(torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match="outside the vocabulary"):
        debug(torch.tensor([[5, 64]]))
    with pytest.raises(ValueError, match="another tokenizer"):
        debug.predict([5, 99])


def test_predict_averages_windows_of_a_piece(debug):
    long_piece = torch.randint(3, 64, (200,)).tolist()
    pred = debug.predict(long_piece, max_windows=4)
    assert pred["windows"] == 4 and pred["tokens"] == 200
    assert set(pred["style"]) == {"a", "b", "c"}
    assert sum(pred["style"].values()) == pytest.approx(1.0, abs=1e-5)
    assert 0.0 < pred["quality"] < 1.0
    windows = debug.piece_windows(long_piece, 4)
    assert windows.shape == (4, 32)
    assert (
        windows[0].tolist() == long_piece[:32] and windows[-1].tolist() == long_piece[-32:]
    )  # covers the piece
    # the condition prefix and specials are not music
    assert debug.predict([1, 2, 0, 0])["tokens"] == 0
    assert debug.predict([1, 2, 0, 0]) == {"style": {}, "quality": 0.0, "windows": 0, "tokens": 0}
    short = debug.predict([1, 7, 8, 9, 2])
    assert short["tokens"] == 3 and short["windows"] == 1


def test_config_validation():
    with pytest.raises(ValueError, match="kernel must be odd"):
        debug_config(kernel=4)
    with pytest.raises(ValueError, match="repeated style labels"):
        debug_config(labels=["a", "a"])
    with pytest.raises(ValueError, match="pad_id"):
        debug_config(pad_id=64)
    with pytest.raises(ValueError, match="dilations"):
        debug_config(dilations=[])
    with pytest.raises(ValueError, match="unknown fields"):
        StyleClassifierConfig.from_dict({"vocab_size": 10, "colour": "red"})
    c = debug_config(skip_ids=[2, 1, 2])
    assert c.skip_ids == [1, 2]
    assert StyleClassifierConfig.from_dict(json.loads(c.to_json())) == c


def test_save_load_round_trip(tmp_path):
    model = StyleClassifier(debug_config(labels=["jig", "reel"], d_model=8))
    torch.nn.init.normal_(model.quality_head.weight)  # away from the initialisation of a fresh model
    card = {"data": "tokens/x", "metrics": {"test": {"style_macro_f1": 0.75, "quality_auc": 0.9}}}
    out = model.save_pretrained(tmp_path / "clf", card=card)
    assert {p.name for p in out.iterdir()} == {
        "config.json",
        "model.safetensors",
        "model_card.json",
        "README.md",
    }
    assert (out / "model.safetensors").read_bytes()[:1] != b"\x80"  # safetensors, not a pickle
    back = StyleClassifier.from_pretrained(out)
    assert back.config == model.config and back.labels == ["jig", "reel"] and not back.training
    ids = torch.randint(3, 64, (3, 32))
    model.eval()
    assert torch.allclose(model(ids)[0], back(ids)[0]) and torch.allclose(model(ids)[1], back(ids)[1])
    assert (
        back.card["metrics"]["test"]["quality_auc"] == 0.9
        and back.card["parameters"] == model.num_parameters()
    )
    readme = (out / "README.md").read_text()
    assert "jig, reel" in readme and "| quality_auc | 0.9000 |" in readme and "tokens/x" in readme
    assert back.tokenizer is None


def test_from_pretrained_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a style classifier folder"):
        StyleClassifier.from_pretrained(tmp_path / "nothing")
    out = StyleClassifier(debug_config()).save_pretrained(tmp_path / "clf")
    config = json.loads((out / "config.json").read_text())
    (out / "config.json").write_text(json.dumps({**config, "d_model": 8}))
    with pytest.raises(ValueError, match="weights do not match config.json"):
        StyleClassifier.from_pretrained(out)
    (out / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="not a valid style classifier config"):
        StyleClassifier.from_pretrained(out)
    (out / "config.json").write_text(json.dumps(config))
    (out / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="unreadable weights"):
        StyleClassifier.from_pretrained(out)
    (out / "model.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        StyleClassifier.from_pretrained(out)
