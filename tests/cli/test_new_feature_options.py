"""CLI options of library features: `partita selector train --programs`, `partita score-video
--event-pull` and `--no-move-onsets` reach the library calls (monkeypatched: nothing trains or samples);
a bad pull is refused in one line."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import partita.pipelines.picture as picture_pipeline
import partita.training.style_classifier as style_training
from partita.cli.main import main
from partita.generation.picture import EVENT_PULL


@pytest.fixture
def trained(monkeypatch):
    configs = []

    def fake_train(tokens_dir, out_dir, config, progress=None):
        configs.append(config)
        return SimpleNamespace(
            labels=["a"], selected_step=1, steps=1, seconds=0.0, metrics={}, out_dir=out_dir
        )

    monkeypatch.setattr(style_training, "train_style_classifier", fake_train)
    return configs


@pytest.mark.parametrize(("extra", "programs"), [([], "as_written"), (["--programs", "neutral"], "neutral")])
def test_selector_train_programs_reach_the_config(trained, tmp_path, extra, programs):
    args = ["selector", "train", str(tmp_path / "tokens"), "--out", str(tmp_path / "out"), "--steps", "1"]
    assert main([*args, *extra]) == 0
    assert [c.programs for c in trained] == [programs]


def test_selector_train_refuses_an_unknown_programs(trained, tmp_path, capsys):
    args = ["selector", "train", str(tmp_path), "--out", str(tmp_path / "out"), "--programs", "flute"]
    assert main(args) == 2
    assert not trained and "--programs" in capsys.readouterr().err


@pytest.fixture
def scored(monkeypatch):
    calls = []

    def fake_score_video(path, out_dir=None, prompt="", **kwargs):
        calls.append(kwargs)
        plan = SimpleNamespace(request=SimpleNamespace(explain=lambda: ""), explain=lambda: "")
        video = SimpleNamespace(describe=lambda: "")
        return SimpleNamespace(video=video, plan=plan, describe_choices=list, alignment={}, files={})

    monkeypatch.setattr(picture_pipeline, "score_video", fake_score_video)
    return calls


@pytest.mark.parametrize(
    ("extra", "pull", "move"),
    [
        ([], EVENT_PULL, True),
        (["--event-pull", "0"], 0.0, True),
        (["--event-pull", "1.5", "--no-move-onsets"], 1.5, False),
    ],
)
def test_score_video_event_options_reach_score_video(scored, tmp_path, extra, pull, move):
    assert main(["score-video", str(tmp_path / "clip.mp4"), "-o", str(tmp_path / "out"), *extra]) == 0
    assert [(c["event_pull"], c["move_onsets"]) for c in scored] == [(pull, move)]


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_a_bad_event_pull_is_refused_in_one_line(scored, tmp_path, capsys, value):
    args = ["score-video", str(tmp_path / "clip.mp4"), "-o", str(tmp_path / "out"), "--event-pull", value]
    assert main(args) == 2
    err = capsys.readouterr().err
    said = [line for line in err.splitlines() if "Error: " in line]
    assert len(said) == 1 and "--event-pull" in said[0] and "Traceback" not in err, err
    assert not scored


def test_the_event_pull_help_names_the_library_default():
    from partita.cli.picture import score_video

    (option,) = [p for p in score_video.params if p.name == "event_pull"]
    assert f"default {EVENT_PULL:g};" in option.help
