"""The Co-create view: an uploaded piece continued by new bars or with some of its bars written anew, with the
(taught) debug model; bad input is one clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from partita.web.cocreate import cocreate
from partita.web.limits import UserError


def piece(bars: int, drums: bool = False, notes: bool = True):
    """A 4/4 piano piece of ``bars`` bars, a C major arpeggio in quarter notes (with ``drums``: a drum
    track)."""
    import symusic

    score = symusic.Score(480)
    score.tempos.append(symusic.Tempo(0, 120.0))
    score.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track("Drums" if drums else "Piano", 0, drums)
    for i in range(4 * bars if notes else 0):
        track.notes.append(symusic.Note(i * 480, 480, 38 if drums else [60, 64, 67, 72][i % 4], 80))
    score.tracks.append(track)
    return score


def upload(uploads: Path, name: str, score=None, text: str | None = None) -> str:
    """A file in the upload folder: ``score`` as MIDI, or ``text`` as is."""
    path = uploads / name
    if score is not None:
        score.dump_midi(str(path))
    else:
        path.write_text(text or "")
    return str(path)


def test_continue_gives_the_piece_with_new_bars_after_it(local, uploads):
    from symusic import Score

    from partita.score.bars import notated_bars

    summary, files, views, original = cocreate(
        local, upload(uploads, "tune.mid", piece(2)), "continue", "2", "", n=2, seed=1
    )
    assert summary["mode"] == "continue" and summary["file"] == "tune.mid" and summary["format"] == "midi"
    assert summary["piece_bars"] == 2 and summary["kept_bars"] == "1-2" and summary["new_bars"] == "3-4"
    assert "bars 1-2 given, 3-4 new" in summary["explain"]
    assert summary["understood"]["given"]["source"] == "tune.mid"
    assert [c["rank"] for c in summary["candidates"]] == [1, 2] and len(views) == 2
    assert Path(original).stat().st_size > 1000
    midis = [f for f in files if f.endswith(".mid")]
    assert len(midis) == 2 and all(Path(f).is_file() for f in files)
    for f, row in zip(midis, summary["candidates"], strict=True):
        score = Score(f)
        assert Path(f).name == row["files"]["midi"] and score.note_num() == row["notes"]
        assert row["notes"] >= 8 and notated_bars(score) <= 4  # the given arpeggio, kept as written
    assert views[0]["paths"]["pianoroll"].endswith("-pianoroll.png")


def test_infill_writes_one_bar_anew_and_keeps_the_others(local, uploads):
    from symusic import Score

    summary, files, _, _ = cocreate(
        local, upload(uploads, "three.mid", piece(3)), "infill", "2-2", "for flute", n=1, seed=3
    )
    assert summary["mode"] == "infill" and summary["piece_bars"] == 3
    assert summary["kept_bars"] == "1, 3" and summary["new_bars"] == "2"
    assert "infilling bars 2-2" in summary["explain"] and summary["prompt"] == "for flute"
    midi = next(f for f in files if f.endswith(".mid"))
    kept = sorted((n.time, n.pitch) for t in Score(midi).tracks for n in t.notes if n.time < 4 * 480)
    assert kept == [(i * 480, [60, 64, 67, 72][i]) for i in range(4)]  # bar 1 as written


def test_accompany_keeps_the_piece_as_a_melody_and_adds_parts_under_it(local, uploads):
    from symusic import Score

    summary, files, views, _ = cocreate(
        local, upload(uploads, "tune.mid", piece(2)), "accompany", "", "for strings", n=1, seed=2
    )
    assert summary["mode"] == "accompany" and summary["new_bars"] == "parts under bars 1-2"
    assert "accompanying tune.mid: 2 bars kept as written" in summary["explain"] and len(views) == 1
    midi = Score(next(f for f in files if f.endswith(".mid")))
    melody = sorted((n.time, n.pitch) for n in midi.tracks[0].notes)
    assert melody == [(i * 480, [60, 64, 67, 72][i % 4]) for i in range(8)]  # the piece, as written


def duet(bars: int):
    """``piece(bars)`` with a bass track under it: roots in whole notes."""
    import symusic

    score = piece(bars)
    bass = symusic.Track("Bass", 33, False)
    for b in range(bars):
        bass.notes.append(symusic.Note(b * 1920, 1920, 36, 80))
    score.tracks.append(bass)
    return score


def test_tracks_writes_the_named_track_anew_and_keeps_the_others(local, uploads):
    from symusic import Score

    summary, files, views, _ = cocreate(
        local, upload(uploads, "duet.mid", duet(2)), "tracks", "", "", n=1, seed=2, tracks="bass"
    )
    assert summary["mode"] == "tracks" and summary["new_tracks"] == "bass" and len(views) == 1
    assert summary["new_bars"] == "1-2"
    midi = Score(next(f for f in files if f.endswith(".mid")))
    piano = next(t for t in midi.tracks if t.program == 0)
    assert sorted((n.time, n.pitch) for n in piano.notes) == [
        (i * 480, [60, 64, 67, 72][i % 4]) for i in range(8)
    ]
    with pytest.raises(UserError, match="tracks: name the tracks"):
        cocreate(local, upload(uploads, "duet.mid", duet(2)), "tracks", "", "", n=1, seed=2)
    with pytest.raises(UserError, match="duet.mid"):
        cocreate(local, upload(uploads, "duet.mid", duet(2)), "tracks", "", "", n=1, seed=2, tracks="violin")


@pytest.mark.parametrize(
    "mode, bars, name, score, text, message",
    [
        ("continue", "2", None, None, None, "no file was uploaded"),
        ("continue", "2", "song.mid", None, "<html>not music</html>", "song.mid: not a score file"),
        ("continue", "2", "empty.mid", piece(2, notes=False), None, "no notes"),
        ("continue", "2", "drums.mid", piece(2, drums=True), None, "drums.mid: it has only drums"),
        (
            "accompany",
            "",
            "drums.mid",
            piece(2, drums=True),
            None,
            "drums.mid: it has only drums: partita accomp",
        ),
        ("infill", "5-9", "three.mid", piece(3), None, "three.mid: bars 5-9 are outside it: it has 3 bars"),
        ("infill", "1-2", "three.mid", piece(3), None, "infilling from bar 1 is not supported"),
        ("infill", "x", "three.mid", piece(3), None, "bars 'x': give the bars to fill as FIRST-LAST"),
        ("infill", "", "three.mid", piece(3), None, "give the bars to write anew"),
        ("continue", "x", "three.mid", piece(3), None, "new bars: 'x' is not a number"),
        (
            "continue",
            "9",
            "three.mid",
            piece(3),
            None,
            "new bars 9: this server takes a whole number from 1 to 4",
        ),
        (
            "continue",
            "2",
            "long.mid",
            piece(6),
            None,
            "long.mid: it has 6 bars; this server takes pieces of at most 4",
        ),
        ("arrange", "2", "three.mid", piece(3), None, "mode 'arrange': choose continue"),
    ],
)
def test_bad_input_is_one_clear_message(local, uploads, mode, bars, name, score, text, message):
    path = None if name is None else upload(uploads, name, score, text)
    with pytest.raises(UserError) as e:
        cocreate(local, path, mode, bars, "", n=1, seed=1)
    assert message in str(e.value) and str(uploads) not in str(e.value)


def test_too_many_candidates_or_a_bad_seed_are_refused(local, uploads):
    path = upload(uploads, "tune.mid", piece(2))
    with pytest.raises(UserError, match="candidates 3: this server takes a whole number from 1 to 2"):
        cocreate(local, path, "continue", "1", "", n=3)
    with pytest.raises(UserError, match="seed: 'lucky' is not a number"):
        cocreate(local, path, "continue", "1", "", n=1, seed="lucky")


def test_cocreate_is_an_endpoint_of_the_studio(studio, tmp_path):
    from gradio_client import Client, handle_file

    url = studio[0]  # the session's running studio (conftest)
    client = Client(url, analytics_enabled=False, verbose=False)
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    names = [p["parameter_name"] for p in api["/cocreate"]["parameters"]]
    inputs = ["upload", "mode", "bars", "prompt", "n", "seed", "tracks", "recording", "concept"]
    assert names == [*inputs, "strength"]
    path = tmp_path / "tune.mid"
    piece(2).dump_midi(str(path))
    summary, files, original = client.predict(
        handle_file(str(path)), "continue", "1", "", 1, "2", api_name="/cocreate"
    )
    assert summary["new_bars"] == "3" and summary["candidates"][0]["seed"] == 2
    assert any(f.endswith(".mid") for f in files) and Path(original).stat().st_size > 1000
    with pytest.raises(Exception) as e:
        client.predict(handle_file(str(path)), "infill", "5-9", "", 1, "2", api_name="/cocreate")
    assert "tune.mid: bars 5-9 are outside it: it has 2 bars" in str(e.value) and "Traceback" not in str(
        e.value
    )
