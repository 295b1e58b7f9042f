"""Inputs with nothing in them: `partita corpus build` over a folder with no music, and `partita model info`
over a folder whose config.json is junk. Each is refused in one line naming what is wrong, with a non-zero
exit and no traceback, and no half-made corpus folder is left behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.robustness.test_hostile_files import mtrk, run_cli, scale, smf


def _refused(args: list[str]) -> str:
    code, text, escaped, tb = run_cli(args)
    assert escaped is None, tb
    assert code not in (0, None), text
    assert "Traceback" not in text
    return text


def _build(source: Path, out: Path) -> list[str]:
    return ["corpus", "build", "empty", "--source", str(source), "--out", str(out), "--workers", "1"]


def _no_music_folder(tmp_path: Path, kind: str) -> Path:
    folder = tmp_path / kind
    folder.mkdir()
    if kind == "not-scores":  # files the builder ignores: nothing is listed
        (folder / "notes.txt").write_text("not music\n")
        (folder / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a picture")
    elif kind == "unreadable":  # files that look like scores by name; every one is rejected
        (folder / "random.mid").write_bytes(bytes(range(256)) * 3)
        (folder / "truncated.mid").write_bytes(smf([mtrk(scale())])[:20])
        (folder / "broken.musicxml").write_text("<score-partwise><part>")
    return folder


@pytest.mark.parametrize("kind", ["empty", "not-scores", "unreadable"])
@pytest.mark.parametrize("out_exists", [False, True])
def test_corpus_build_without_music_is_refused_and_writes_nothing(
    tmp_path: Path, kind: str, out_exists: bool
) -> None:
    source = _no_music_folder(tmp_path, kind)
    out = tmp_path / "corpus"
    if out_exists:  # an empty --out folder made beforehand stays, and stays empty
        out.mkdir()
    text = _refused(_build(source, out))
    lines = [line for line in text.splitlines() if "no music found in" in line]
    assert len(lines) == 1, text
    assert source.name in lines[0] and "nothing to build" in lines[0]
    if kind == "unreadable":
        assert "3 files rejected" in lines[0]
    assert out.is_dir() == out_exists
    if out_exists:
        assert list(out.iterdir()) == []


def test_corpus_build_with_music_still_builds(tmp_path: Path) -> None:
    source = _no_music_folder(tmp_path, "unreadable")
    (source / "good.mid").write_bytes(smf([mtrk(scale())]))
    code, text, escaped, tb = run_cli([*_build(source, tmp_path / "corpus"), "--json"])
    assert escaped is None, tb
    assert code == 0, text
    assert (tmp_path / "corpus" / "manifest.parquet").is_file()
    assert '"pieces": 1' in text


@pytest.mark.parametrize(
    ("config", "why"),
    [
        ("{not json", "Expecting property name"),
        ("", "Expecting value"),
        ("[1, 2, 3]", "JSON list"),
        ('"a string"', "JSON str"),
        ('{"no_such_setting": 1}', "no_such_setting"),
    ],
)
def test_model_info_on_a_junk_config_says_why(tmp_path: Path, config: str, why: str) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text(config)
    (folder / "README.md").write_text("# a card over a broken model\n")
    text = _refused(["model", "info", str(folder)])
    assert "config.json" in text and "unreadable" in text and why in text, text
    assert "a card over" not in text


def test_model_info_on_binary_config_says_why(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_bytes(b"\xff\xfe\x00garbage")
    text = _refused(["model", "info", str(folder)])
    assert "config.json" in text and "unreadable" in text and "utf-8" in text.lower(), text


def test_model_info_on_a_good_config_shows_the_card(tmp_path: Path) -> None:
    from partita.models.music_lm import MusicLMConfig, config_json

    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text(config_json(MusicLMConfig()))
    code, text, escaped, tb = run_cli(["model", "info", str(folder)])
    assert escaped is None, tb
    assert code == 0 and "no model card" in text, text
    (folder / "README.md").write_text("# tiny model\nmade in a test\n")
    code, text, _, _ = run_cli(["model", "info", str(folder)])
    assert code == 0 and "made in a test" in text, text


def test_model_info_on_a_missing_name_is_one_line(tmp_path: Path) -> None:
    text = _refused(["model", "info", str(tmp_path / "nothing-here")])
    assert "nothing-here" in text
