"""`partita embed` and `partita melody` with tiny encoders built in code, and their one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import symusic
import torch
from click.testing import CliRunner

from partita.cli.main import cli
from partita.models.encoder import debug_encoder
from partita.pipelines.embed import embed, extract_melody
from partita.score.formats import read_score

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A piano piece (a tune over chords, 4 bars of 4/4), an empty score, a drum-only one, and two encoders:
    one without a classifier and one whose classifier is set to call every note melody."""
    folder = tmp_path_factory.mktemp("embed")
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    t = symusic.Track("Piano", 0, False)
    for beat in range(16):
        t.notes.append(symusic.Note(beat * 480, 480, 72 + beat % 5, 90))
        for p in (48, 52, 55):
            t.notes.append(symusic.Note(beat * 480, 240, p, 60))
    s.tracks.append(t)
    s.dump_midi(str(folder / "piano.mid"))
    symusic.Score(480).dump_midi(str(folder / "empty.mid"))
    d = symusic.Score(480)
    kit = symusic.Track("Drums", 0, True)
    kit.notes.append(symusic.Note(0, 120, 36, 100))
    d.tracks.append(kit)
    d.dump_midi(str(folder / "drums.mid"))
    debug_encoder().save_pretrained(folder / "plain")
    tagger = debug_encoder().with_classifier(("melody", "bridge", "piano"))
    with torch.no_grad():
        tagger.classifier.weight.zero_()
        tagger.classifier.bias.copy_(torch.tensor([5.0, 0.0, 0.0]))
    tagger.save_pretrained(folder / "tagger")
    return folder


def test_embed_piece_and_bars(files, tmp_path):
    e = embed(read_score(files / "piano.mid"), "debug")
    assert e.piece.shape == (32,) and e.bars.shape == (4, 32) and e.bar_index.tolist() == [0, 1, 2, 3]
    assert e.notes == 64 and np.isfinite(e.bars).all()
    out = tmp_path / "v.npz"
    r = CliRunner().invoke(
        cli, ["embed", str(files / "piano.mid"), "--bars", "--model", "debug", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert "64 notes, 4 bars" in r.output and "bar    4:" in r.output
    with np.load(out, allow_pickle=False) as z:
        np.testing.assert_allclose(z["piece"], e.piece, atol=1e-5)
        assert z["bars"].shape == (4, 32)
    r = CliRunner().invoke(
        cli, ["embed", str(files / "piano.mid"), "--model", str(files / "plain"), "--json"]
    )
    assert r.exit_code == 0 and len(json.loads(r.output)["piece"]) == 32


@pytest.mark.parametrize("name", ["empty.mid", "drums.mid"])
def test_embed_and_melody_refuse_scores_without_notes(files, tmp_path, name):
    for args in (
        ["embed", str(files / name), "--model", "debug"],
        ["melody", str(files / name), "-o", str(tmp_path / "m.mid"), "--skyline"],
    ):
        r = CliRunner().invoke(cli, args)
        assert r.exit_code == 1, r.output
        assert "no pitched notes" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "m.mid").exists()


def test_melody_by_skyline_and_by_a_classifier(files, tmp_path):
    out = tmp_path / "melody.mid"
    r = CliRunner().invoke(cli, ["melody", str(files / "piano.mid"), "-o", str(out), "--skyline"])
    assert r.exit_code == 0, r.output
    assert "16 melody notes (skyline)" in r.output
    melody = read_score(out)
    assert [n.pitch for n in melody.tracks[0].notes] == [72 + b % 5 for b in range(16)]
    # a classifier that calls every note melody keeps all 64; one with no classifier falls back to the skyline
    score, method = extract_melody(read_score(files / "piano.mid"), files / "tagger")
    assert method.startswith("encoder") and len(score.tracks[0].notes) == 64
    r = CliRunner().invoke(
        cli, ["melody", str(files / "piano.mid"), "-o", str(out), "--model", str(files / "plain")]
    )
    assert r.exit_code == 0 and "(skyline)" in r.output
    r = CliRunner().invoke(
        cli, ["melody", str(files / "piano.mid"), "-o", str(out), "--model", str(tmp_path)]
    )
    assert r.exit_code == 1 and "not an encoder folder" in r.output
