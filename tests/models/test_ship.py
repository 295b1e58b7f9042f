import pytest
import torch

from partita.cli.main import main
from partita.models import debug_model, load_pretrained
from partita.models import pretrained as pretrained_mod
from partita.models.pretrained import ship_model


def _trained_folder(tmp_path):
    model = debug_model(seed=3)
    return model, model.save_pretrained(tmp_path / "run" / "model")


def test_shipped_model_loads_by_name_with_same_logits(tmp_path, monkeypatch):
    model, folder = _trained_folder(tmp_path)
    selector = tmp_path / "sel"
    selector.mkdir()
    (selector / "config.json").write_text("{}")
    pkg = tmp_path / "pkg"
    target = ship_model(folder, "tiny", selector_dir=selector, package_dir=pkg)
    assert target == pkg / "tiny" and (target / "selector" / "config.json").is_file()
    assert not [p for p in pkg.iterdir() if p.name.startswith(".")], "no temporary folder left behind"
    monkeypatch.setattr(pretrained_mod, "PACKAGE_DIR", pkg)
    assert "tiny" in pretrained_mod.available_models()
    again = load_pretrained("tiny")
    x = torch.randint(3, 60, (1, 12))
    assert torch.allclose(model(x)[0], again(x)[0])
    # shipping again replaces the old copy whole, but for the generation settings chosen for the name
    (target / "generation_config.json").write_text('{"temperature": 0.9}')
    ship_model(folder, "tiny", package_dir=pkg)
    assert not (pkg / "tiny" / "selector").exists()
    assert (pkg / "tiny" / "generation_config.json").read_text() == '{"temperature": 0.9}'


def test_ship_refuses_what_does_not_load_or_is_too_big(tmp_path, monkeypatch):
    bad = tmp_path / "bad"
    bad.mkdir()
    with pytest.raises(FileNotFoundError):
        ship_model(bad, "x", package_dir=tmp_path / "pkg")
    _, folder = _trained_folder(tmp_path)
    monkeypatch.setattr(pretrained_mod, "MAX_SHIPPED_BYTES", 1000)
    with pytest.raises(ValueError, match="over the"):
        ship_model(folder, "x", package_dir=tmp_path / "pkg")
    assert not (tmp_path / "pkg" / "x").exists()


def test_model_cli_lists_and_explains(tmp_path, capsys):
    _, folder = _trained_folder(tmp_path)
    assert main(["model", "list"]) == 0
    assert "debug" in capsys.readouterr().out.split()
    assert main(["model", "info", str(folder)]) == 0
    assert "decoder-only music language model" in capsys.readouterr().out
    assert main(["model", "info", str(tmp_path / "nothing")]) == 2
