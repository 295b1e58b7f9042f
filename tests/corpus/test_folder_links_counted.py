"""A link to a folder inside a folder source is counted, not skipped unseen (issue 20).

``Path.rglob`` does not descend into a linked folder, so a link loop (``sub/up -> ..``) cannot make a build
walk forever; but a linked folder of music was skipped without a word, the loop among the rejects' and the
ignored files' counts nowhere. Both are now counted under ``FOLDER_LINK`` (and a build's summary says so).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import symusic

from partita.corpus.build import build_corpus
from partita.corpus.sources import FOLDER_LINK, iter_items


def _midi(path: Path, pitch: int = 60) -> None:
    s = symusic.Score(480)
    t = symusic.Track("Piano", 0, False)
    for i in range(8):
        t.notes.append(symusic.Note(i * 480, 480, pitch + i % 3, 80))
    s.tracks.append(t)
    path.write_bytes(bytes(s.dumps_midi()))


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    _midi(src / "a.mid")
    _midi(src / "sub" / "b.mid", 62)
    (src / "sub" / "up").symlink_to("..")  # a loop: sub/up/sub/up/...
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _midi(elsewhere / "c.mid", 64)
    (src / "linked").symlink_to(elsewhere)  # a linked folder of music
    return src


def test_links_to_folders_are_counted_among_the_ignored(linked: Path) -> None:
    ignored: dict[str, int] = {}
    items = iter_items(f"folder:{linked}", ignored)
    assert sorted(Path(i.path).name for i in items) == ["a.mid", "b.mid"]  # read once each, no loop
    assert ignored == {FOLDER_LINK: 2}


def test_a_build_reports_the_folder_links_it_did_not_follow(linked: Path, tmp_path: Path) -> None:
    summary = build_corpus("links", [str(linked)], out_dir=tmp_path / "c", workers=1)
    assert summary["pieces"] == 2
    assert summary["ignored_files"] == {FOLDER_LINK: 2}


def test_the_cli_summary_names_the_links_not_followed(linked: Path, tmp_path: Path, capsys) -> None:
    from partita.cli.main import main

    out = tmp_path / "c"
    args = ["corpus", "build", "links", "--source", str(linked), "--out", str(out), "--workers", "1"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "pieces 2" in text and f"ignored, not read: {FOLDER_LINK} 2" in text, text
