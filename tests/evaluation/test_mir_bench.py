"""The MIR benchmark: its registry, a tiny run of the cheap tasks on a hand-made POP909 folder, bad names."""

from __future__ import annotations

from pathlib import Path

import pytest
import symusic

from partita.evaluation.mir_bench import (
    MIR_TASKS,
    MirBenchConfig,
    format_table,
    pop909_halves,
    reference_key,
    resolve_tasks,
    run_mir_bench,
)

pytestmark = pytest.mark.usefixtures("one_thread")

NAMED = ("key", "chords", "sections", "melody", "velocity", "composer", "region", "tune_type", "style")
CHORDS = [
    (0, "C:maj", (60, 64, 67)),
    (1, "F:maj", (65, 69, 72)),
    (2, "G:maj", (67, 71, 74)),
    (3, "C:maj", (60, 64, 67)),
]
"""(two-bar block, label, pitches) of the toy song: C F G C in C major, 120 bpm (a bar is 2 s)."""


def _song(folder: Path) -> None:
    """A toy POP909 song: MELODY, BRIDGE and PIANO tracks over C F G C, with its key and chord files."""
    folder.mkdir(parents=True)
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    s.tempos.append(symusic.Tempo(0, 120.0))
    melody, bridge, piano = (symusic.Track(n, 0, False) for n in ("MELODY", "BRIDGE", "PIANO"))
    for block, _, pitches in CHORDS:
        for beat in range(8):
            start = (block * 8 + beat) * 480
            piano.notes.append(symusic.Note(start, 480, pitches[0] - 12, 60))
            piano.notes.append(symusic.Note(start, 480, pitches[1] - 12, 60))
            melody.notes.append(symusic.Note(start, 480, pitches[beat % 3] + 12, 90))
        bridge.notes.append(symusic.Note(block * 8 * 480, 960, pitches[2], 70))
    s.tracks.extend([melody, bridge, piano])
    s.dump_midi(folder / f"{folder.name}.mid")
    (folder / "key_audio.txt").write_text("0.0\t16.0\tC:maj\n")
    (folder / "chord_midi.txt").write_text(
        "".join(f"{4.0 * b:.1f}\t{4.0 * (b + 1):.1f}\t{label}\n" for b, label, _ in CHORDS)
    )


@pytest.fixture
def pop909(tmp_path: Path) -> Path:
    for sid in ("001", "002"):
        _song(tmp_path / "pop909" / sid)
    return tmp_path / "pop909"


def test_the_registry_covers_the_named_tasks():
    assert set(NAMED) <= set(MIR_TASKS)
    for task in MIR_TASKS.values():
        assert task.metric and task.baseline and task.data and task.measures
        assert 0 < task.quick_n <= task.full_n
    assert [t.name for t in resolve_tasks(None)] == list(MIR_TASKS)
    assert [t.name for t in resolve_tasks("chords, key")] == ["key", "chords"]  # table order


def test_unknown_task_names_say_which_and_what_exists():
    with pytest.raises(ValueError, match=r"unknown MIR tasks 'keys', 'beat'.*choose from key, chords"):
        resolve_tasks("keys,chords,beat")
    with pytest.raises(ValueError, match="no MIR task named"):
        run_mir_bench(" , ")


def test_a_tiny_run_of_key_and_chords(pop909: Path):
    assert pop909_halves(pop909) == (["002"], ["001"])
    assert reference_key(pop909 / "001" / "key_audio.txt") == "C major"
    calls = []
    table = run_mir_bench(
        ["key", "chords"],
        config=MirBenchConfig(pop909=str(pop909), limit=1),
        progress=lambda done, total, msg: calls.append((done, total, msg)),
    )
    assert {r["task"] for r in table} == {"key", "chords"}
    by = {r["metric"]: r for r in table}
    assert set(by) >= {"mir_eval.key weighted score", "mir_eval.chord root", "mir_eval.chord majmin"}
    for r in table:
        assert r["baseline"] and r["baseline_value"] is not None
        assert 0.0 <= r["value"] <= 1.0 and 0.0 <= r["baseline_value"] <= 1.0
        assert r["sample"].startswith("1 POP909 song")
    assert by["mir_eval.key weighted score"]["value"] == 1.0  # a plain C major song
    assert by["mir_eval.chord root"]["value"] > 0.7  # C F G C as block chords
    assert calls[-1] == (2, 2, "done")
    text = format_table(table)
    assert "mir_eval.chord mirex" in text and "music21" in text


def test_a_missing_pop909_folder_is_one_clear_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="no POP909 folder"):
        run_mir_bench("key", config=MirBenchConfig(pop909=str(tmp_path / "nowhere"), limit=1))


def test_the_cli_names_an_unknown_task_in_one_line(capsys):
    from partita.cli.main import main

    assert main(["bench", "mir", "--tasks", "key,nope"]) == 1
    err = capsys.readouterr().err
    assert "unknown MIR task 'nope'" in err and "Traceback" not in err
