"""The commands that build on a given piece (continue, infill, infill --tracks, accompany, generate --theme)
over the robustness suite's hostile files: never a traceback, and a file beyond the limits is refused before
any work, naming the file given (they used to sample for minutes and then be refused by the writer of the
candidates, naming a candidate's file; a time signature of 255/0 was a ZeroDivisionError in accompany).

The model is stood in for by one that writes nothing: what is tested is the reading of the piece."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from tests.robustness.test_hostile_files import HOSTILE, run_cli

from partita.pipelines import Generator

COMMANDS = {
    "continue": ["continue", "{f}", "--bars", "1"],
    "infill": ["infill", "{f}", "--bars", "1-1"],
    "infill-tracks": ["infill", "{f}", "--tracks", "1"],
    "accompany": ["accompany", "{f}"],
    "generate-theme": ["generate", "--theme", "{f}"],
}
ALSO_SAID = {"not a score file": "neither a score file (MIDI, MusicXML, ABC, Humdrum) nor an audio file"}
SECONDS_PER_REFUSAL = 10.0
"""A file beyond the limits is refused before any real work (after the imports)."""


class NoModel:
    """Answers every generating call at once, writing nothing."""

    def generate(self, request, **kw):
        return []

    def generate_plan(self, plan, **kw):
        return Generator.request_of(plan.prompt), []

    def accompany(self, prepared, **kw):
        return prepared[0], []

    def refill_tracks(self, prepared, **kw):
        return prepared.request, []


def _args(command: str, given: Path, out: Path) -> list[str]:
    return [a.format(f=given) for a in COMMANDS[command]] + ["--model", "debug", "--n", "1", "-o", str(out)]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-pieces")
    for name, (make, _) in HOSTILE.items():
        make(folder, name)
    warm = ("fast-tempo.mid", "deep-nesting.musicxml", "garbage.abc", "garbage.krn")
    # every command once over readable files: imports (music21's too) done, a refusal's seconds are its own
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Generator, "from_pretrained", classmethod(lambda cls, model: NoModel()))
        for command in COMMANDS:
            for name in warm:
                run_cli(_args(command, folder / name, folder / "warm"))
    return folder


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_piece_to_build_on(hostile, tmp_path, monkeypatch, name: str, command: str) -> None:
    monkeypatch.setattr(Generator, "from_pretrained", classmethod(lambda cls, model: NoModel()))
    given = hostile / name
    args = _args(command, given, tmp_path / "out")
    t0 = time.monotonic()
    code, text, escaped, tb = run_cli(args)
    seconds = time.monotonic() - t0
    assert escaped is None, f"partita {' '.join(args)} raised {escaped!r}:\n{tb}"
    assert "Traceback" not in text and code in (0, 1, 2), text
    expected = HOSTILE[name][1]
    if expected is not None:
        said = ALSO_SAID.get(expected, expected)  # these commands read audio too: "neither a score file ..."
        assert code != 0 and (expected in text or said in text), text
        assert given.name in text and "candidate-" not in text, text  # the file given is named
        assert seconds < SECONDS_PER_REFUSAL, f"refused after {seconds:.1f} s"
