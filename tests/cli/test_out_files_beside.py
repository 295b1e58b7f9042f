"""Commands that write files beside others in a folder (generate, continue, infill, accompany, render, song)
never overwrite a person's file of the same name: they refuse in one line naming it, before any work, and
the file is kept byte for byte; partita's own earlier outputs (listed with their hashes in the folder's
``.partita-files.json``) are replaced by a rerun, and ``--overwrite`` replaces anyone's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import USERS_FILE as MINE

from partita.cli.main import main
from partita.generation.candidates import Candidate
from partita.pipelines import Generator
from partita.render.candidates import write_candidates
from partita.render.own_files import MANIFEST, foreign_files, record_own_files
from partita.score import write_midi


@pytest.fixture
def generated(monkeypatch, scale_score) -> list[str]:
    """A generator that writes one real candidate file set per call (no model), recording the folders."""
    calls: list[str] = []

    class Writer:
        def generate(self, request, n=1, out_dir=None, **kw):
            calls.append(out_dir)
            cands = [Candidate(rank, scale_score, 0, "end") for rank in range(1, n + 1)]
            write_candidates(request, cands, out_dir, wav=False)
            return cands

    monkeypatch.setattr(Generator, "from_pretrained", classmethod(lambda cls, name: Writer()))
    return calls


def _generate(out: Path, *extra: str) -> int:
    return main(["generate", "a jig", "--model", "debug", "--n", "1", "-o", str(out), *extra])


def _refused(capsys, path: Path, option: str = "-o/--out") -> None:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"{path}: a file partita did not write (or one changed since) would be overwritten" in err, err
    assert f"give another folder ({option}), or --overwrite to replace it" in err, err


def test_generate_keeps_a_users_candidate_and_says_so_before_any_work(mine, generated, capsys) -> None:
    assert _generate(mine) != 0
    _refused(capsys, mine / "candidate-1.mid")
    assert (mine / "candidate-1.mid").read_bytes() == MINE
    assert generated == [] and sorted(p.name for p in mine.iterdir()) == ["candidate-1.mid"]


def test_a_rerun_replaces_partitas_own_files(tmp_path, generated, capsys) -> None:
    out = tmp_path / "out"
    assert _generate(out) == 0
    listed = json.loads((out / MANIFEST).read_text())["files"]
    assert {"candidate-1.mid", "candidate-1.musicxml", "candidate-1-pianoroll.png", "generation.json"} <= set(
        listed
    )
    first = (out / "candidate-1.mid").stat().st_ino
    assert _generate(out) == 0 and generated == [str(out), str(out)]
    assert (out / "candidate-1.mid").stat().st_ino != first  # written again, not skipped
    (out / "candidate-1.mid").write_bytes(MINE)  # edited since partita wrote it: now the user's
    capsys.readouterr()
    assert _generate(out) != 0
    _refused(capsys, out / "candidate-1.mid")
    assert (out / "candidate-1.mid").read_bytes() == MINE and len(generated) == 2


def test_overwrite_replaces_the_users_file_and_then_owns_it(mine, generated) -> None:
    assert _generate(mine, "--overwrite") == 0
    assert (mine / "candidate-1.mid").read_bytes() != MINE
    assert _generate(mine) == 0 and len(generated) == 2  # partita's own now: a plain rerun passes


@pytest.mark.parametrize(
    "args",
    [
        ["continue", "{src}", "--bars", "2"],
        ["infill", "{src}", "--bars", "1-1"],
        ["accompany", "{src}"],
        ["generate", "--plan", "{src}"],  # a plan's run writes one candidate and plan.json
    ],
)
def test_every_generating_command_refuses_first(args, mine, generated, capsys, tmp_path) -> None:
    src = tmp_path / "no-such-piece.mid"  # the refusal comes before the piece is even read
    argv = [a.format(src=src) for a in args] + ["--model", "debug", "--n", "2", "-o", str(mine)]
    assert main(argv) != 0
    _refused(capsys, mine / "candidate-1.mid")
    assert (mine / "candidate-1.mid").read_bytes() == MINE and generated == []


def test_a_users_plan_json_is_kept_by_a_planned_run(tmp_path, generated, capsys) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text('{"mine": true}\n')
    assert main(["generate", "--plan", str(tmp_path / "p.json"), "--model", "debug", "-o", str(out)]) != 0
    _refused(capsys, out / "plan.json")
    assert (out / "plan.json").read_text() == '{"mine": true}\n'


@pytest.fixture
def piece(tmp_path: Path, scale_score) -> Path:
    return write_midi(scale_score, tmp_path / "in" / "piece.mid")


def _render(piece: Path, out: Path, *extra: str) -> int:
    return main(["render", str(piece), "--musicxml", "-o", str(out), *extra])


def test_render_keeps_a_users_file_reruns_and_overwrites(piece, tmp_path, capsys) -> None:
    out = tmp_path / "rendered"
    out.mkdir()
    (out / "piece.musicxml").write_bytes(MINE)
    assert _render(piece, out) != 0
    _refused(capsys, out / "piece.musicxml", "-o/--out-dir")
    assert (out / "piece.musicxml").read_bytes() == MINE
    assert _render(piece, out, "--overwrite") == 0
    assert (out / "piece.musicxml").read_bytes().startswith(b"<?xml")
    assert _render(piece, out) == 0  # a rerun over its own output
    assert json.loads((out / MANIFEST).read_text())["files"].keys() == {"piece.musicxml"}


def test_render_never_writes_a_musicxml_over_itself(piece, capsys) -> None:
    assert main(["render", str(piece), "--musicxml", "-o", str(piece.parent / "x")]) == 0
    source = piece.parent / "x" / "piece.musicxml"
    before = source.read_bytes()
    assert main(["render", str(source), "--musicxml", "-o", str(source.parent), "--overwrite"]) != 0
    assert "its MusicXML would be written over it" in capsys.readouterr().err
    assert source.read_bytes() == before


def test_song_keeps_a_users_file_of_the_songs_name(tmp_path, capsys) -> None:
    lyrics = tmp_path / "words.txt"
    lyrics.write_text("hello world\n")
    out = tmp_path / "song"
    out.mkdir()
    (out / "words.svg").write_bytes(MINE)
    assert main(["song", "melody", str(lyrics), "-o", str(out)]) != 0
    _refused(capsys, out / "words.svg")
    assert (out / "words.svg").read_bytes() == MINE and sorted(p.name for p in out.iterdir()) == ["words.svg"]


def test_model_samples_refuses_a_folder_of_the_users_files(mine, capsys) -> None:
    assert main(["model", "samples", "debug", "-o", str(mine)]) != 0
    assert f"{mine}: the folder holds other files (candidate-1.mid)" in capsys.readouterr().err
    assert (mine / "candidate-1.mid").read_bytes() == MINE


def test_what_counts_as_partitas_own(tmp_path) -> None:
    (tmp_path / "a[1]-score.svg").write_text("<svg/>")
    (tmp_path / "b.mid").write_bytes(b"1")
    (tmp_path / "link.mid").symlink_to(tmp_path / "b.mid")
    patterns = ["a[[]1]-score.svg", "b.mid", "link.mid", "absent.wav"]
    assert [p.name for p in foreign_files(tmp_path, patterns)] == ["a[1]-score.svg", "b.mid", "link.mid"]
    record_own_files(tmp_path, [tmp_path / "a[1]-score.svg", tmp_path / "b.mid", tmp_path / "link.mid"])
    assert [p.name for p in foreign_files(tmp_path, patterns)] == ["link.mid"]  # a link is never partita's
    (tmp_path / "b.mid").write_bytes(b"2")  # same size, other bytes: changed since
    assert [p.name for p in foreign_files(tmp_path, patterns)] == ["b.mid", "link.mid"]
    (tmp_path / MANIFEST).write_text("{not json")  # an unreadable manifest vouches for nothing
    assert len(foreign_files(tmp_path, patterns)) == 3


def test_a_default_name_in_the_current_folder_is_never_written_over(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    Path("take.mid").write_bytes(MINE)
    assert main(["transcribe", "take.wav"]) != 0  # AUDIO's name with .mid, chosen by partita
    err = capsys.readouterr().err
    assert "take.mid: a file partita did not write" in err and "name the score to write with -o/--out" in err
    assert Path("take.mid").read_bytes() == MINE
    assert main(["plan", "a waltz in G, 16 bars"]) == 0 and main(["plan", "a jig, 16 bars"]) == 0  # its own
    Path("plan.json").write_text(Path("plan.json").read_text() + "\n")  # edited, as the docs invite
    edited = Path("plan.json").read_bytes()
    capsys.readouterr()
    assert main(["plan", "a reel, 16 bars"]) != 0
    assert "plan.json: a file partita did not write (or one changed since)" in capsys.readouterr().err
    assert Path("plan.json").read_bytes() == edited
    assert main(["plan", "a reel, 16 bars", "-o", "plan.json"]) == 0  # named by the user: written
