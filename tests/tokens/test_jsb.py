import json

import numpy as np
import pytest

from partita.paths import shared_data_dir
from partita.tokens import jsb

GRID = np.array([[72, 67, 64, 48], [72, 67, 64, 48], [74, -1, 65, 50], [76, 67, -1, 52]])


def test_encode_decode_round_trip():
    toks = jsb.encode_chorale(GRID)
    assert toks[0] == jsb.BOS and toks[-1] == jsb.EOS and len(toks) == 4 * 4 + 2
    assert toks[1] == jsb.PITCH_OFFSET + 72 and toks[1 + 4 + 4 + 1] == jsb.REST  # S,A,T,B order per step
    assert toks.max() < jsb.VOCAB_SIZE
    assert np.array_equal(jsb.decode_tokens(toks), GRID)


def test_transposition_and_range():
    up = jsb.decode_tokens(jsb.encode_chorale(GRID, 3))
    assert np.array_equal(up[GRID >= 0], GRID[GRID >= 0] + 3) and (up[GRID < 0] == -1).all()
    high = np.array([[125, 60, 55, 48]])
    with pytest.raises(jsb.JSBError, match="MIDI range"):
        jsb.encode_chorale(high, 5)
    assert len(jsb.transpositions([GRID, high])) == 12 + 8  # high: 125 + 3..6 leaves the range


def test_partial_step_and_bad_tokens():
    assert np.array_equal(jsb.decode_tokens([jsb.BOS, 80, 81]), [[76, 77, -1, -1]])
    with pytest.raises(jsb.JSBError):
        jsb.decode_tokens([500])


def test_to_score_merges_held_notes():
    score = jsb.to_score(GRID, tpq=480)
    assert len(score.tracks) == 4
    soprano = score.tracks[0].notes
    assert [(n.time, n.duration, n.pitch) for n in soprano] == [(0, 240, 72), (240, 120, 74), (360, 120, 76)]
    assert len(score.tracks[1].notes) == 2  # alto: held 67, a rest, 67 again
    assert jsb.seconds_per_token(60) == pytest.approx(1 / 16)


def test_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.json"):
        jsb.read_jsb(tmp_path / "nothing.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"train": [[[60, 61]]], "valid": [], "test": []}))
    with pytest.raises(jsb.JSBError, match=r"bad.json: train\[0\]"):
        jsb.read_jsb(bad)
    bad.write_text("[1, 2]")
    with pytest.raises(jsb.JSBError, match="keys"):
        jsb.read_jsb(bad)


@pytest.mark.skipif(shared_data_dir(required=False) is None, reason="reference data not available")
def test_standard_split_of_the_reference_data():
    data = jsb.read_jsb()
    assert {k: len(v) for k, v in data.items()} == {"train": 229, "valid": 76, "test": 77}
    valid = jsb.jsb_token_arrays("valid")
    assert sum(len(a) for a in valid) == sum(4 * len(g) + 2 for g in data["valid"])
    with pytest.raises(jsb.JSBError, match="split"):
        jsb.jsb_token_arrays("dev")
