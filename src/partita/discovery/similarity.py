"""A music embedding trained for similarity: a piece's nearest neighbours should come from its own collection.

The discovery model's music vectors (:mod:`partita.discovery.encoders`) are trained to match captions, and
measured on ``partita similar`` they rank a held-out piece's collection-mates no better than the standardised
features they read (bench/bench_similar.py). This encoder is trained for the task itself: an MLP over the same
music features (:mod:`partita.discovery.features`), standardised by the training pieces' mean and spread,
ending in a unit vector, trained contrastively (multi-positive InfoNCE, as supervised contrastive learning)
so that two pieces of one real collection (:func:`partita.discovery.recommend.collection_of`: a tune book, an
Essen regional file, a mass, a composer's set) come out closer than pieces of the other collections in the
batch. Only train-split pieces are ever paired; the valid split chooses the step and the temperature
(:func:`train_on_corpus`), the test split is the benchmark's.

A saved encoder is a folder: ``similarity_config.json`` (:class:`SimilarityConfig`), ``model.safetensors``
(float32) and a ``README.md`` card; :data:`DEFAULT_SIMILARITY` ships with partita.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch

from partita.discovery.feature_encoder import FeatureEncoder
from partita.progress import ProgressCallback, report

log = logging.getLogger(__name__)
CONFIG_FILE = "similarity_config.json"
DEFAULT_SIMILARITY = Path(__file__).resolve().parents[1] / "pretrained" / "similar-small"
"""The similarity encoder that ships with partita."""
FEATURE_WEIGHT = 0.25
"""The standardised features' share of the similarity :func:`train_on_corpus` saves (and the shipped encoder
has): on collections left out of training, the encoder alone is no better than the features and a mix is
(chosen on valid-split pieces, seen and unseen collections; bench/bench_similar_arms.py)."""


@dataclass
class SimilarityConfig:
    """Shape and training of a :class:`SimilarityEncoder`."""

    n_features: int = 506
    hidden: int = 256
    dim: int = 64
    dropout: float = 0.1
    batch_collections: int = 64
    per_collection: int = 4
    steps: int = 3000
    lr: float = 2e-3
    weight_decay: float = 1e-4
    temperature: float = 0.1
    eval_every: int = 250
    seed: int = 0
    feature_weight: float = 0.0
    """The standardised features' share of a similarity (0: the encoder alone): a vector is the encoder's
    unit vector times sqrt(1 - w) beside the unit standardised features times sqrt(w), so the cosine of two
    pieces is (1 - w) times the encoder's plus w times the features'."""
    step: int = 0
    """The step whose weights were kept (the best on the valid queries; 0 when none were given)."""
    trained_on: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SimilarityConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class SimilarityEncoder(FeatureEncoder):
    """Standardised music features -> MLP -> a unit vector; the cosine of two pieces is their similarity."""

    config_class = SimilarityConfig
    config_file = CONFIG_FILE
    kind = "similarity encoder"
    how_to_train = "; train one with `partita index train-similar`"
    default_folder = DEFAULT_SIMILARITY

    @torch.no_grad()
    def encode_features(self, features: np.ndarray, batch_size: int = 8192) -> np.ndarray:
        """Unit vectors for music feature vectors (n x n_features): the encoder's (n x dim), or with a
        ``feature_weight`` w the encoder's and the standardised features' side by side (n x (dim +
        n_features), weighted sqrt(1 - w) and sqrt(w))."""
        learned = super().encode_features(features, batch_size)
        w = float(self.config.feature_weight)
        if not 0.0 <= w <= 1.0:
            raise ValueError(f"feature_weight {w} is not between 0 and 1")
        if w == 0.0:
            return learned
        x = np.asarray(features, dtype=np.float32).reshape(-1, self.config.n_features)
        plain = (x - self.mean.numpy()) / self.scale.numpy()
        plain /= np.maximum(np.linalg.norm(plain, axis=1, keepdims=True), 1e-9)
        return np.concatenate([np.sqrt(1 - w) * learned, np.sqrt(w) * plain], axis=1).astype(np.float32)

    def encode_score(self, score) -> np.ndarray:
        """The unit vector (dim,) of one Score."""
        from partita.discovery.features import music_features

        return self.encode_features(music_features(score)[None])[0]

    def model_card(self) -> str:
        return model_card(self.config)


def model_card(config: SimilarityConfig) -> str:
    """A short model card for a saved similarity encoder."""
    metrics = "\n".join(f"- {k}: {v}" for k, v in config.metrics.items()) or "- (none recorded)"
    return (
        "# partita similarity encoder (`partita similar`)\n\n"
        "An MLP over partita's music features (partita.discovery.features) whose unit vectors put pieces of\n"
        "the same real collection (a tune book, an Essen regional file, a mass, a composer's set) close\n"
        "together: multi-positive InfoNCE over train-split pieces only; the valid split chose the step and\n"
        "the temperature. Measured on test-split queries: bench/bench_similar.py (docs/DISCOVERY.md).\n\n"
        f"- trained on: {config.trained_on or 'unknown'}\n"
        f"- shape: {config.n_features} -> {config.hidden} -> {config.hidden} -> {config.dim}\n"
        f"- {config.batch_collections} collections x {config.per_collection} pieces a batch, "
        f"temperature {config.temperature}, kept step {config.step} of {config.steps}, seed {config.seed}\n"
        f"- similarity: {1 - config.feature_weight:g} x the encoder's cosine + {config.feature_weight:g} x "
        "the standardised features'\n"
        "- no pickle: config JSON + safetensors\n\n"
        f"## Measured (valid split)\n\n{metrics}\n"
    )


def neighbour_scores(
    vectors: np.ndarray,
    groups: Sequence[str | None],
    queries: Sequence[int],
    candidates: Sequence[int],
    k: int = 10,
) -> dict[str, float]:
    """Hit@k and MRR of the first collection-mate, when each query (a row of ``vectors``) ranks the
    ``candidates`` (itself left out) by cosine; queries with no collection-mate among them are skipped."""
    home = np.asarray([g or "" for g in groups], dtype=object)
    pool = np.asarray(candidates, dtype=np.int64)
    hits, ranks = [], []
    for s in range(0, len(queries), 256):
        q = np.asarray(queries[s : s + 256], dtype=np.int64)
        sims = vectors[q] @ vectors[pool].T
        sims[pool[None, :] == q[:, None]] = -np.inf  # a query is not its own neighbour
        right = (home[pool][None, :] == home[q][:, None]) & (pool[None, :] != q[:, None])
        for i in range(len(q)):
            if not home[q[i]] or not right[i].any():
                continue
            first = 1 + int((sims[i][~right[i]] > sims[i][right[i]].max()).sum())
            hits.append(first <= k)
            ranks.append(1.0 / first)
    n = len(hits)
    return {"hit10": float(np.mean(hits)) if n else 0.0, "mrr": float(np.mean(ranks)) if n else 0.0, "n": n}


def _batch(
    groups: Sequence[np.ndarray], per: int, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``per`` pieces each of ``n`` collections drawn at random: their rows and their collection."""
    chosen = rng.choice(len(groups), size=min(n, len(groups)), replace=False)
    rows, owner = [], []
    for j, g in enumerate(chosen):
        members = groups[int(g)]
        pick = rng.choice(len(members), size=min(per, len(members)), replace=False)
        rows += members[pick].tolist()
        owner += [j] * len(pick)
    return np.asarray(rows, dtype=np.int64), np.asarray(owner, dtype=np.int64)


def contrastive_loss(z: torch.Tensor, owner: torch.Tensor, temperature: float) -> torch.Tensor:
    """Multi-positive InfoNCE: each piece against every other piece of the batch, its collection-mates the
    positives (the mean log-probability of the positives, over pieces that have one)."""
    logits = z @ z.T / temperature
    eye = torch.eye(len(z), dtype=torch.bool)
    logits = logits.masked_fill(eye, float("-inf"))
    log_p = logits.log_softmax(dim=1).masked_fill(eye, 0.0)
    positive = (owner[:, None] == owner[None, :]) & ~eye
    count = positive.sum(1)
    keep = count > 0
    return -((log_p * positive).sum(1)[keep] / count[keep]).mean()


def train_similarity(
    features: np.ndarray,
    collections: Mapping[str, Sequence[int]],
    config: SimilarityConfig | None = None,
    valid: tuple[np.ndarray, Sequence[str | None], Sequence[int], Sequence[int]] | None = None,
    progress: ProgressCallback | None = None,
) -> SimilarityEncoder:
    """Train on ``collections`` (name -> row positions in ``features``; those of two pieces or more are used).

    ``valid`` (feature rows, each row's collection, the query rows, the candidate rows) is measured every
    ``eval_every`` steps (Hit@10, then MRR) and the best step's weights are kept (``config.step``)."""
    c = config or SimilarityConfig(n_features=features.shape[1])
    groups = [np.asarray(v, dtype=np.int64) for v in collections.values() if len(v) >= 2]
    if len(groups) < 2:
        raise ValueError("training a similarity encoder needs at least two collections of two pieces or more")
    torch.manual_seed(c.seed)
    rng = np.random.default_rng(c.seed)
    model = SimilarityEncoder(c)
    x = torch.as_tensor(np.asarray(features, dtype=np.float32))
    model.standardise_on(x)
    opt = torch.optim.AdamW(model.parameters(), lr=c.lr, weight_decay=c.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(c.steps, 1))
    best: tuple[tuple[float, float], int, dict] | None = None
    for step in range(1, c.steps + 1):
        model.train()
        rows, owner = _batch(groups, c.per_collection, c.batch_collections, rng)
        loss = contrastive_loss(model(x[rows]), torch.from_numpy(owner), c.temperature)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        report(progress, step, c.steps)
        if valid is not None and (step % c.eval_every == 0 or step == c.steps):
            got = neighbour_scores(model.encode_features(valid[0]), *valid[1:])
            log.info(
                "similarity step %d loss %.3f valid Hit@10 %.3f MRR %.3f",
                step,
                loss.item(),
                got["hit10"],
                got["mrr"],
            )
            if best is None or (got["hit10"], got["mrr"]) > best[0]:
                state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                best = ((got["hit10"], got["mrr"]), step, state)
    if best is not None:
        model.load_state_dict(best[2])
        c.step = best[1]
        c.metrics = {"valid_hit10": round(best[0][0], 4), "valid_mrr": round(best[0][1], 4)}
    else:
        c.step = c.steps
    return model.eval()


def training_rows(
    splits: Sequence[str], owners: Sequence[str | None]
) -> tuple[list[int], dict[str, list[int]], list[int]]:
    """Which rows train and which choose: the train-split rows, their collections (name -> positions among
    those train rows; the only pairs ever trained on) and the valid-split rows of a collection (the queries).
    Test-split rows are in none of them."""
    train_rows = [i for i, s in enumerate(splits) if s == "train"]
    groups: dict[str, list[int]] = {}
    for pos, i in enumerate(train_rows):
        if owners[i]:
            groups.setdefault(owners[i], []).append(pos)
    queries = [i for i, s in enumerate(splits) if s == "valid" and owners[i]]
    return train_rows, groups, queries


def train_on_corpus(
    name_or_path: str,
    out: str | os.PathLike,
    config: SimilarityConfig | None = None,
    temperatures: Sequence[float] = (0.05, 0.1, 0.2),
    feature_weight: float = FEATURE_WEIGHT,
    workers: int = 1,
    cache=None,
    progress: ProgressCallback | None = None,
) -> SimilarityEncoder:
    """Train on the real collections of a built corpus and save the best encoder to ``out``.

    Positives are pairs of **train-split** pieces of one collection; test-split pieces are never read. The
    valid-split pieces of a collection are the queries that choose the step and the temperature (one run
    each of ``temperatures``), ranking the train and valid pieces, by the encoder alone; the saved encoder
    then mixes in the standardised features with ``feature_weight`` (:data:`FEATURE_WEIGHT`)."""
    from partita.corpus import load_corpus
    from partita.discovery.features import corpus_entries
    from partita.discovery.recommend import collection_of
    from partita.paths import data_dir

    corpus = load_corpus(name_or_path)
    cache = cache or data_dir() / "discovery" / f"{corpus.name}-entries.parquet"
    records = [r for r in corpus.records() if (r.get("split") or "train") in ("train", "valid")]
    split = {r["piece_id"]: r.get("split") or "train" for r in records}
    home = {r["piece_id"]: collection_of(r) for r in records}
    entries = [e for e in corpus_entries(corpus, records, cache=cache, workers=workers) if not e.get("error")]
    features = np.asarray([e["features"] for e in entries], dtype=np.float32)
    owners = [home[e["piece_id"]] for e in entries]
    train_rows, groups, queries = training_rows([split[e["piece_id"]] for e in entries], owners)
    valid = (features, owners, queries, list(range(len(entries))))
    base = config or SimilarityConfig(n_features=features.shape[1])
    best_model, best_key = None, None
    for t in temperatures:
        c = SimilarityConfig.from_dict(
            {**asdict(base), "temperature": t, "metrics": {}, "feature_weight": 0.0}
        )
        model = train_similarity(features[train_rows], groups, c, valid, progress)
        key = (c.metrics["valid_hit10"], c.metrics["valid_mrr"])
        log.info("temperature %.3f: valid Hit@10 %.3f MRR %.3f (step %d)", t, *key, c.step)
        if best_key is None or key > best_key:
            best_model, best_key = model, key
    assert best_model is not None
    best_model.config.feature_weight = feature_weight
    best_model.config.trained_on = (
        f"{corpus.name}: {len(train_rows)} train-split pieces, {len(groups)} collections; "
        f"{len(queries)} valid queries chose the step and temperature "
        f"(of {', '.join(map(str, temperatures))})"
    )
    best_model.save_pretrained(out)
    return best_model


def similar_order(
    scores: np.ndarray, ids: Sequence[str], allowed: set[str] | None = None, k: int = 10
) -> list[int]:
    """The positions of the ``k`` best ``scores`` (highest first, ties by position) among the pieces
    ``allowed`` keeps (None: every piece)."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    return [int(i) for i in order if allowed is None or ids[i] in allowed][:k]
