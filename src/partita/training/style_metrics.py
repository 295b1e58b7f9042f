"""Metrics of the Selector's style / quality classifier (:mod:`partita.training.style_classifier` reports
them on valid and test): per-piece style accuracy and macro-F1 with their majority-class and chance baselines,
accuracy within :data:`STYLE_GROUPS` (labels that share one kind of source), and the quality ROC-AUC.

Plain numpy over label indices and scores; nothing here knows the model or the token data.
"""

from __future__ import annotations

from typing import Any

import numpy as np

STYLE_GROUPS = {
    "essen": ("german_folk", "chinese_folk"),
    "fiddle_tunes": ("irish_reel", "jig", "hornpipe", "strathspey", "air", "march"),
}
"""Styles that come from one kind of source (Essen's folk song collections; the O'Neill, Ryan and Aird tune
books). Accuracy among a group's labels only measures style apart from source identity (notation habits,
encoding) that a classifier over all labels can lean on."""


def roc_auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """ROC-AUC as the Mann-Whitney statistic (ties count half): P(a real window outscores a degraded one)."""
    # scipy.stats takes ~0.5 s to import: only when an AUC is computed
    from scipy.stats import rankdata

    pos, neg = np.asarray(positive, np.float64), np.asarray(negative, np.float64)
    if not len(pos) or not len(neg):
        return float("nan")
    ranks = rankdata(np.concatenate([pos, neg]))
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def style_metrics(truth: np.ndarray, pred: np.ndarray, labels: list[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 over the labels present in ``truth``, and recall per style.

    Written out (a few lines) because scikit-learn is not a partita dependency.
    """
    present = sorted(set(truth.tolist()))
    f1s, recall = [], {}
    for c in present:
        tp = float(np.sum((pred == c) & (truth == c)))
        p = tp / max(1.0, float(np.sum(pred == c)))
        r = tp / float(np.sum(truth == c))
        recall[labels[c]] = r
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    return {
        "style_accuracy": float(np.mean(pred == truth)) if len(truth) else float("nan"),
        "style_macro_f1": float(np.mean(f1s)) if f1s else float("nan"),
        "style_recall": recall,
    }


def within_group_accuracy(truth: np.ndarray, scores: np.ndarray, labels: list[str]) -> dict[str, dict]:
    """For each :data:`STYLE_GROUPS` entry: accuracy on the pieces of the group's styles with the argmax taken
    over the group's labels only, beside the majority-label accuracy among those pieces."""
    out = {}
    for name, group in STYLE_GROUPS.items():
        cols = [labels.index(g) for g in group if g in labels]
        if len(cols) < 2:
            continue
        rows = np.isin(truth, cols)
        if not rows.any():
            continue
        t = truth[rows]
        pred = np.asarray(cols)[scores[rows][:, cols].argmax(1)]
        counts = np.bincount(t, minlength=len(labels))
        out[name] = {
            "labels": [labels[c] for c in cols],
            "pieces": int(rows.sum()),
            "accuracy": float(np.mean(pred == t)),
            "majority_accuracy": float(counts.max() / rows.sum()),
            **{k: v for k, v in style_metrics(t, pred, labels).items() if k == "style_macro_f1"},
        }
    return out


def baselines(truth: np.ndarray, majority: int, n_labels: int) -> dict[str, float]:
    """Majority-class (the most frequent training label) and uniform-chance accuracy and macro-F1 on
    ``truth``."""
    present = sorted(set(truth.tolist()))
    if not present:
        return {}
    maj = style_metrics(truth, np.full_like(truth, majority), [str(i) for i in range(n_labels)])
    # a uniform random guess: recall 1/K per class, precision = the class's share; expected F1 per class
    shares = [float(np.mean(truth == c)) for c in present]
    k = float(n_labels)
    chance_f1 = float(np.mean([2 * s / k / (s + 1 / k) for s in shares]))
    return {
        "majority_accuracy": maj["style_accuracy"],
        "majority_macro_f1": maj["style_macro_f1"],
        "chance_accuracy": 1 / k,
        "chance_macro_f1": chance_f1,
        "chance_quality_auc": 0.5,
    }
