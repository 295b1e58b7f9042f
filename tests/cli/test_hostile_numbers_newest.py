"""The newest commands on numbers out of range and on outputs that would land on their own inputs: a usage
error (exit code 2) naming the option, before any model is loaded and with nothing written; and `tune` into
an empty folder made for it."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.robustness.test_hostile_files import mtrk, note, run_cli, scale, smf

from partita.pipelines import Generator
from partita.training.preferences import Preference, add_preferences, model_version


@pytest.fixture(scope="module")
def src(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("numbers")
    (d / "a.mid").write_bytes(smf([mtrk(scale())]))
    (d / "video.mp4").write_bytes(b"not a video\n" * 20)
    (d / "tokens").mkdir()
    return d


CASES = {
    "concept learn --lr nan": (["concept", "learn", "{src}/a.mid", "--name", "x", "--lr", "nan"], "--lr"),
    "concept learn --strength nan": (
        ["concept", "learn", "{src}/a.mid", "--name", "x", "--strength", "nan"],
        "--strength",
    ),
    "concept learn --seed -5": (["concept", "learn", "{src}/a.mid", "--name", "x", "--seed", "-5"], "--seed"),
    "concept learn --seed 2**70": (
        ["concept", "learn", "{src}/a.mid", "--name", "x", "--seed", str(2**70)],
        "--seed",
    ),
    "plan --minutes nan": (["plan", "a jig", "--minutes", "nan", "-o", "{out}/plan.json"], "--minutes"),
    "score-video --event-pull 1e300": (
        ["score-video", "{src}/video.mp4", "--event-pull", "1e300", "-o", "{out}"],
        "--event-pull",
    ),
    "generate --temperature nan": (
        ["generate", "a jig", "--temperature", "nan", "-o", "{out}"],
        "--temperature",
    ),
    "generate --seed 2**70": (["generate", "a jig", "--seed", str(2**70), "-o", "{out}"], "--seed"),
    "selector train --threads 100000": (
        ["selector", "train", "{src}/tokens", "--out", "{out}", "--threads", "100000"],
        "--threads",
    ),
    "selector train --seed -1": (
        ["selector", "train", "{src}/tokens", "--out", "{out}", "--seed", "-1"],
        "--seed",
    ),
    "selector train --width 1e9": (
        ["selector", "train", "{src}/tokens", "--out", "{out}", "--width", str(10**9)],
        "--width",
    ),
    "selector train --dilations 0,2": (
        ["selector", "train", "{src}/tokens", "--out", "{out}", "--dilations", "0,2"],
        "--dilations",
    ),
    "selector train --dilations 100000": (
        ["selector", "train", "{src}/tokens", "--out", "{out}", "--dilations", "100000"],
        "--dilations",
    ),
    "slices train --seed -1": (["slices", "train", "{src}", "-o", "{out}", "--seed", "-1"], "--seed"),
    "index train --seed -1": (["index", "train", "{src}", "-o", "{out}", "--seed", "-1"], "--seed"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_number_out_of_range_is_a_usage_error(name: str, src: Path, tmp_path: Path) -> None:
    args, option = CASES[name]
    out = tmp_path / "out"
    code, text, escaped, tb = run_cli([a.format(src=src, out=out) for a in args])
    assert escaped is None, tb
    assert code == 2, text
    assert option in text and "Traceback" not in text
    assert not out.exists()


@pytest.mark.parametrize("command", ["melody", "full"])
def test_a_song_is_not_written_over_its_own_lyrics(command: str, tmp_path: Path) -> None:
    lyrics = tmp_path / "words.mid"  # a text file, named as the song's MIDI would be
    lyrics.write_text("[verse]\nthe sun is high\n")
    code, text, escaped, tb = run_cli(
        ["song", command, str(lyrics), "-o", str(tmp_path), "--model", "debug"][
            : 5 if command == "melody" else 7
        ]
    )
    assert escaped is None, tb
    assert code == 1 and "written over its lyrics" in text, text
    assert lyrics.read_text() == "[verse]\nthe sun is high\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["words.mid"]


def test_tune_into_an_empty_folder_made_for_it(tmp_path: Path) -> None:
    db = tmp_path / "prefs.db"
    version = model_version(Generator.debug().model)
    steps, leaps = smf([mtrk(scale(4))]), smf([mtrk([e for p in (60, 67, 55, 72) for e in note(p)])])
    add_preferences(
        db,
        [
            Preference(
                "a piano piece in C major", steps, leaps, winner="a", model="debug", model_version=version
            )
        ],
    )
    out = tmp_path / "tuned"
    out.mkdir()
    code, text, escaped, tb = run_cli(
        ["tune", "--prefs", str(db), "-o", str(out), "--base", "debug", "--steps", "1"]
    )
    assert escaped is None, tb
    assert code == 0, text
    assert (out / "config.json").is_file() and (out / "dpo_config.json").is_file()
