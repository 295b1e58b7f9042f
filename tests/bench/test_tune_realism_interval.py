"""bench_tune's realism-change interval: a bootstrap over the pieces, copies kept in one fold."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.tune_realism import add_to_result, load_features, realism_change_interval, save_features  # noqa: E402


def _sets(shift: float, n: int = 24, k: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    real = rng.normal(size=(n, k))
    base = rng.normal(size=(n, k))  # like the real pieces
    tuned = rng.normal(size=(n, k)) + shift
    return base, tuned, real


def test_a_tuned_set_far_from_the_real_pieces_gets_an_interval_above_zero():
    base, tuned, real = _sets(shift=4.0)
    ci = realism_change_interval(base, tuned, real, reps=3, seed=1, trees=10)
    assert ci["reps"] == 3 and ci["ci_low"] <= ci["mean"] <= ci["ci_high"]
    assert ci["ci_low"] > 0.2 and ci["share_above_005"] == 1.0


def test_an_unchanged_set_gets_an_interval_near_zero():
    base, tuned, real = _sets(shift=0.0)
    ci = realism_change_interval(base, tuned, real, reps=3, seed=1, trees=10)
    assert -0.35 < ci["mean"] < 0.35 and ci["ci_high"] - ci["ci_low"] < 0.7


def test_the_interval_is_added_to_a_result_whose_features_reproduce_it(tmp_path):
    from partita.evaluation.realism import two_sample_test

    base, tuned, real = _sets(shift=4.0, n=12)
    npz = tmp_path / "run-realism.npz"
    save_features(npz, base=base, tuned=tuned, real=real)
    assert np.array_equal(load_features(npz)["tuned"], tuned)
    measured = {s: two_sample_test(m, real)["accuracy"] for s, m in (("base", base), ("tuned", tuned))}
    row = {
        "metric": "stepwise: realism two-sample accuracy vs real",
        "notes": "12 generated vs 12 real pieces",
    }
    result = tmp_path / "run.json"
    result.write_text(json.dumps({"rows": [row], "details": [{"variants": [{"realism": measured}]}]}))
    add_to_result(result, npz, reps=2, trees=10)
    doc = json.loads(result.read_text())
    assert doc["details"][0]["variants"][0]["realism"]["change_interval"]["reps"] == 2
    assert "bootstrap 95%" in doc["rows"][0]["notes"]
    measured["tuned"] = 0.5  # features that do not give the run's figure are refused
    result.write_text(json.dumps({"rows": [row], "details": [{"variants": [{"realism": measured}]}]}))
    with pytest.raises(SystemExit, match="tuned realism"):
        add_to_result(result, npz, reps=2, trees=10)
