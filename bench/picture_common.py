"""The measures bench_picture.py and its helpers share: the alignment windows, the events drawn, realism
proxies, detection F, the alignment ceiling and Spearman's rho against chance (moved from bench_picture.py,
unchanged)."""

from __future__ import annotations

import numpy as np

WINDOWS = (0.1, 0.2)


def truth(spec) -> list[float]:
    """The events drawn: the cuts and the centres of the bursts."""
    return sorted([*spec.cuts, *(a + d / 2 for a, d in spec.bursts)])


def realism_measures(score, selector, request) -> dict:
    """Realism proxies of the music: pitch-class entropy, repeated notes and steps among melodic intervals;
    the learned Selector's quality score where there is a classifier."""
    from partita.evaluation.realism import realism_features

    f = realism_features(score)
    out = {k: f[k] for k in ("pitch_class_entropy", "melody_repeat_share", "melody_step_share")}
    if selector is not None and selector.classifier is not None:
        out["quality"] = selector.score(score, request).get("quality")
    return out


def detection(found: list[float], drawn: list[float], window: float) -> float:
    import mir_eval

    if not found and not drawn:
        return 1.0
    if not found or not drawn:
        return 0.0
    return float(mir_eval.onset.f_measure(np.sort(drawn), np.sort(found), window=window)[0])


def ceiling(events: list[float], accents: list[float], window: float) -> float:
    """The alignment F the music would have if every event also had an accent and its other accents
    stayed: what the downbeats and loudest onsets that fall on no event cost (the precision's limit)."""
    from partita.generation.picture import alignment

    missed = [e for e in events if all(abs(e - a) > window for a in accents)]
    return alignment(events, sorted([*accents, *missed]), window)["f_measure"]


def spearman_with_chance(x: list[float], y: list[float], seed: int) -> tuple[float, float]:
    """Spearman's rho of (x, y), and the 95th percentile of |rho| over random pairings (chance)."""
    from scipy.stats import spearmanr

    rho = float(spearmanr(x, y).statistic)
    rng = np.random.default_rng(seed)
    null = [abs(float(spearmanr(rng.permutation(x), y).statistic)) for _ in range(2000)]
    return (0.0 if np.isnan(rho) else rho), float(np.nanpercentile(null, 95))
