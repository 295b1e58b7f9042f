"""Recommendation from a set of pieces (a collection, a playlist, the pieces a person liked): embed the set
and rank every other piece by how well it continues it.

Set scorers, all over the discovery model's music vectors (unit length):

- ``mean``: cosine of each candidate to the set's mean vector (a centroid; one LanceDB query);
- ``max``: each candidate's best cosine to any piece of the set (a collection of several kinds of piece is
  not averaged away);
- ``mean+max``: the sum of both, each z-scored over the candidates.

Baselines (:func:`popularity_scores`, :func:`label_scores`) and the evaluation that hides one piece of a real
collection of the corpus (:func:`collection_of`, :func:`episodes`, :func:`episode_ranks`) live here too, so
that the benchmark and the tests use the same definitions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from partita.discovery.metrics import zscore

METHODS = ("mean", "max", "mean+max")
MATCH_FIELDS = ("collection", "genre", "tune_type", "region", "country", "composer", "meter", "key")
"""Labels the same-label baseline compares with the set's most common value."""


def set_scores(query: np.ndarray, candidates: np.ndarray, method: str = "mean") -> np.ndarray:
    """How well each candidate (rows of ``candidates``) continues the set of pieces ``query`` (rows).

    Both are unit vectors of the discovery model; ``method`` is one of :data:`METHODS`."""
    query = np.atleast_2d(np.asarray(query, dtype=np.float32))
    candidates = np.asarray(candidates, dtype=np.float32)
    if len(query) == 0:
        raise ValueError("an empty set of pieces: give at least one piece to recommend from")
    if method not in METHODS:
        raise ValueError(f"unknown recommendation method {method!r}; choose one of {', '.join(METHODS)}")
    sims = candidates @ query.T
    mean = candidates @ query.mean(0)
    if method == "mean":
        return mean
    best = sims.max(1)
    return best if method == "max" else zscore(mean) + zscore(best)


def popularity_scores(work_groups: Sequence[str | None]) -> np.ndarray:
    """A popularity prior where no one has listened: how many versions of the same tune or work the corpus
    holds (a tune found in many books is a popular tune). Pieces without a work group count one."""
    counts = Counter(g for g in work_groups if g)
    return np.asarray([counts[g] if g else 1 for g in work_groups], dtype=np.float64)


def label_scores(
    query_labels: Sequence[Mapping[str, str]], labels: Sequence[Mapping[str, str]]
) -> np.ndarray:
    """The same-label baseline: for each candidate, how many of :data:`MATCH_FIELDS` equal the set's most
    common (non-empty) value of that field."""
    modes = {}
    for f in MATCH_FIELDS:
        values = Counter(q.get(f) for q in query_labels if q.get(f))
        if values:
            modes[f] = values.most_common(1)[0][0]
    return np.asarray([sum(1 for f, v in modes.items() if c.get(f) == v) for c in labels], dtype=np.float64)


def collection_of(record: Mapping[str, Any]) -> str | None:
    """The real collection a corpus piece belongs to, as a person would name it, or None.

    A tune book or Essen file (the source file of an ABC collection: O'Neill's 100-tune files, Aird's books,
    Essen's regional files), a mass (Palestrina: its movements), an opus or a composer's set (Bach's chorales,
    Monteverdi's madrigals, a Haydn quartet's movements). Pieces that stand alone in their source (Ryan's
    Mammoth Collection has one file a tune, POP909 one song a folder, JSB is Bach's chorales again) are not in
    a collection."""
    collection = record.get("collection") or ""
    source = (record.get("source_key") or "").split("#")[0]
    if not collection or collection in ("ryansMammoth", "pop909") or collection.startswith("jsb"):
        return None
    if collection == "palestrina":
        parent = record.get("parent_title")
        return f"palestrina:{parent}" if parent else None
    if source.endswith(".abc") and collection not in ("josquin",):
        return source
    return collection


@dataclass(frozen=True)
class Episode:
    """One evaluation case: the set a person has (``query``), the hidden piece to find (``target``) and
    pieces of other collections to rank it against (``negatives``, the sampled protocol)."""

    collection: str
    query: tuple[str, ...]
    target: str
    negatives: tuple[str, ...] = ()


def episodes(
    records: Sequence[Mapping[str, Any]],
    set_size: int = 5,
    per_collection: int = 10,
    target_split: str = "test",
    min_size: int = 4,
    seed: int = 0,
    negatives: int = 99,
) -> list[Episode]:
    """Cases drawn from the corpus's real collections: a hidden piece of the ``target_split`` (held out from
    the discovery model's training) and ``set_size`` other pieces of its collection (any split), at most
    ``per_collection`` cases a collection. Collections with fewer than ``min_size`` pieces are left out.
    Each case also draws ``negatives`` pieces of the corpus outside the collection (any piece, in or out of a
    collection), for the sampled protocol of recommender evaluation (the hidden piece among 1 + 99)."""
    rng = np.random.default_rng(seed)
    members: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    home = {}
    for r in records:
        c = collection_of(r)
        home[r["piece_id"]] = c
        if c:
            members[c].append(r)
    everyone = [r["piece_id"] for r in records]
    out = []
    for name in sorted(members):
        group = members[name]
        if len(group) < max(min_size, set_size + 1):
            continue
        targets = [r for r in group if r.get("split") == target_split]
        for t in rng.permutation(len(targets))[:per_collection]:
            target = targets[int(t)]["piece_id"]
            others = [r["piece_id"] for r in group if r["piece_id"] != target]
            chosen = rng.choice(len(others), size=set_size, replace=False)
            outside: list[str] = []
            while len(outside) < min(negatives, len(everyone) - len(group)):
                p = everyone[int(rng.integers(len(everyone)))]
                if home[p] != name and p not in outside:
                    outside.append(p)
            out.append(Episode(name, tuple(others[int(i)] for i in chosen), target, tuple(outside)))
    return out


def episode_rank(scores: np.ndarray, target: int, excluded: Sequence[int]) -> float:
    """The rank (1 = first) of candidate ``target`` among all candidates but ``excluded`` (the set itself);
    ties count half."""
    keep = np.ones(len(scores), dtype=bool)
    keep[list(excluded)] = False
    keep[target] = True
    s = np.asarray(scores, dtype=np.float64)[keep]
    right = float(scores[target])
    above = int((s > right + 1e-9).sum())
    tied = int((np.abs(s - right) <= 1e-9).sum()) - 1
    return 1.0 + above + 0.5 * tied


def sampled_rank(scores: np.ndarray, target: int, negatives: Sequence[int]) -> float:
    """The rank of candidate ``target`` among itself and ``negatives`` only; ties count half."""
    s = np.asarray(scores, dtype=np.float64)[list(negatives)]
    right = float(scores[target])
    return 1.0 + float((s > right + 1e-9).sum()) + 0.5 * float((np.abs(s - right) <= 1e-9).sum())


def rank_metrics(ranks: Sequence[float]) -> dict[str, float]:
    """MRR, Hit@1 and Hit@10 of a list of ranks."""
    r = np.asarray(ranks, dtype=np.float64)
    if len(r) == 0:
        return {"mrr": float("nan"), "hit1": float("nan"), "hit10": float("nan"), "n": 0}
    return {
        "mrr": float(np.mean(1.0 / r)),
        "hit1": float(np.mean(r <= 1)),
        "hit10": float(np.mean(r <= 10)),
        "n": len(r),
    }
