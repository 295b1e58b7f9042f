import json

from style_tokens import train_args

from partita.cli.main import main


def test_selector_train_prints_metrics_with_baselines_and_writes_the_classifier(folder, tmp_path, capsys):
    out = tmp_path / "clf"
    code = main(train_args(folder, out))
    printed = capsys.readouterr().out
    assert code == 0
    assert "styles: jig, chorale" in printed and "selected step" in printed
    header, valid, test = printed.splitlines()[2:5]
    assert (
        header.split()[:4] == ["split", "pieces", "style", "acc"]
        and "majority" in header
        and "chance" in header
    )
    assert valid.split()[:2] == ["valid", "6"] and test.split()[:2] == ["test", "6"]
    card = json.loads((out / "model_card.json").read_text())
    assert f"{card['metrics']['test']['majority_accuracy']:.3f}" in test
    assert f"{card['metrics']['test']['quality_auc']:.3f}" in test
    assert "test quality AUC by degradation: shuffle" in printed
    assert {p.name for p in out.iterdir()} >= {
        "config.json",
        "model.safetensors",
        "model_card.json",
        "README.md",
        "tokenizer",
    }
    assert json.loads((out / "config.json").read_text())["labels"] == ["jig", "chorale"]


def test_selector_train_bad_input_is_one_line_and_exit_2(folder, tmp_path, capsys):
    assert main(["selector", "train", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("partita: error:") and "token folder not found" in err and "Traceback" not in err
    assert main(["selector", "train", str(folder), "--out", str(tmp_path / "o"), "--steps", "1"]) == 2
    err = capsys.readouterr().err
    assert "at least 2 styles with >= 100 training sequences" in err and len(err.strip().splitlines()) == 1


def test_selector_train_shape_options_reach_the_saved_config(folder, tmp_path, capsys):
    out = tmp_path / "deep"
    code = main(
        [
            "selector",
            "train",
            str(folder),
            "--out",
            str(out),
            "--steps",
            "2",
            "--threads",
            "1",
            "--batch",
            "4",
            "--min-sequences",
            "3",
            "--n-layers",
            "4",
            "--dilations",
            "1,3",
            "--width",
            "24",
        ]
    )
    assert code == 0
    cfg = json.loads((out / "config.json").read_text())
    assert (cfg["n_layers"], cfg["dilations"], cfg["d_model"]) == (4, [1, 3], 24)
    assert main(["selector", "train", str(folder), "--out", str(tmp_path / "x"), "--dilations", "1,two"]) == 2
    assert "--dilations" in capsys.readouterr().err
