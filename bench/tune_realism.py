"""An interval for bench_tune's realism change (tuned minus base two-sample accuracy, same real pieces).

The realism of a set of pieces is one cross-validated two-sample accuracy (partita.evaluation.realism
``two_sample_test``: the stronger of logistic regression and gradient boosting, balanced accuracy). Its change
after tuning is the difference of two such accuracies that share the real pieces. Here the pieces already
generated are resampled: each bootstrap replicate draws the base, tuned and real pieces with replacement (one
real draw shared by both tests, so the difference is paired on the real side) and reruns both tests. A piece
drawn twice stays in one fold (grouped folds), so copies never sit on both sides of a split. The interval is
the percentile interval of the replicated differences; it counts the variation from which pieces were
sampled, not from training the tuned model again.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from partita.atomic import atomic_write_bytes


def _grouped_accuracy(
    a: np.ndarray, b: np.ndarray, ga: np.ndarray, gb: np.ndarray, folds: int, seed: int, trees: int = 100
) -> float:
    """``two_sample_test``'s accuracy (the stronger judge) with folds that keep each group together."""
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = np.vstack([a, b])
    y = np.concatenate([np.zeros(len(a), dtype=int), np.ones(len(b), dtype=int)])
    groups = np.concatenate([ga, gb + ga.max() + 1])
    k = max(2, min(folds, len(np.unique(ga)), len(np.unique(gb))))
    cv = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    judges = (
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=1.0)),
        make_pipeline(
            StandardScaler(),
            GradientBoostingClassifier(n_estimators=trees, max_depth=2, learning_rate=0.1, random_state=seed),
        ),
    )
    return max(
        float(np.mean(cross_val_score(j, x, y, cv=cv, groups=groups, scoring="balanced_accuracy")))
        for j in judges
    )


def realism_change_interval(
    base: np.ndarray,
    tuned: np.ndarray,
    real: np.ndarray,
    reps: int = 100,
    seed: int = 0,
    folds: int = 5,
    trees: int = 100,
) -> dict[str, float]:
    """Bootstrap percentile 95% interval of realism(tuned) - realism(base), each against ``real``.

    ``base``, ``tuned``, ``real``: feature matrices (one row a piece). Returns ``mean`` (of the replicated
    differences), ``ci_low``, ``ci_high``, ``share_above_005`` (the share of replicates whose change exceeds
    0.05) and ``reps``. ``trees``: the boosting judge's (``two_sample_test``'s: 100).
    """
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(reps):
        ib, it, ir = (rng.integers(0, len(m), len(m)) for m in (base, tuned, real))
        acc_base = _grouped_accuracy(base[ib], real[ir], ib, ir, folds, seed, trees)
        acc_tuned = _grouped_accuracy(tuned[it], real[ir], it, ir, folds, seed, trees)
        diffs.append(acc_tuned - acc_base)
    d = np.asarray(diffs)
    return {
        "mean": float(d.mean()),
        "ci_low": float(np.percentile(d, 2.5)),
        "ci_high": float(np.percentile(d, 97.5)),
        "share_above_005": float(np.mean(d > 0.05)),
        "reps": int(reps),
    }


def save_features(path: Path, **matrices: np.ndarray) -> None:
    """Keep the feature matrices (``.npz``) so that an interval can be computed again later."""
    import io

    buf = io.BytesIO()
    np.savez(buf, **matrices)
    atomic_write_bytes(path, buf.getvalue())


def load_features(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def add_to_result(result: Path, npz: Path, reps: int, trees: int = 100) -> dict:
    """Compute the interval from a run's kept features (``--cache``'s ``NAME-realism.npz``) and add it to the
    run's result JSON (one variant): ``details[0].variants[0].realism.change_interval`` and the realism row's
    notes. The kept features must reproduce the run's two realism figures."""
    import json

    from partita.evaluation.realism import two_sample_test

    doc = json.loads(result.read_text())
    variants = [v for d in doc["details"] for v in d["variants"]]
    if len(variants) != 1:
        raise SystemExit(f"{result}: {len(variants)} variants; this adds an interval to a one-variant result")
    m = load_features(npz)
    measured = variants[0]["realism"]
    for side in ("base", "tuned"):
        again = two_sample_test(m[side], m["real"])["accuracy"]
        if abs(again - measured[side]) > 1e-9:
            raise SystemExit(f"{npz}: {side} realism {again:.4f}, the run measured {measured[side]:.4f}")
    ci = realism_change_interval(m["base"], m["tuned"], m["real"], reps=reps, trees=trees)
    measured["change_interval"] = ci
    from bench.bench_tune import realism_note

    for r in doc["rows"]:
        if "realism two-sample accuracy" in r["metric"]:
            r["notes"] = r["notes"].split("; change ")[0] + realism_note(measured)
    atomic_write_bytes(result, (json.dumps(doc, indent=2, sort_keys=False) + "\n").encode())
    return ci


def main() -> None:
    import argparse
    import json
    import logging
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    ap = argparse.ArgumentParser(
        description="add a bootstrap interval of the realism change to a tune result"
    )
    ap.add_argument("result", type=Path, help="bench/results/NAME.json of bench_tune.py (one variant)")
    ap.add_argument("features", type=Path, help="the run's --cache folder's NAME-realism.npz")
    ap.add_argument("--reps", type=int, default=100)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for p in (args.result, args.features):
        if not p.is_file():
            raise SystemExit(f"{p}: no such file")
    print(json.dumps(add_to_result(args.result, args.features, args.reps)))


if __name__ == "__main__":
    main()
