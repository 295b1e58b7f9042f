"""A music embedding learned for recommendation: pieces that belong together in real collections (a tune book,
a mass, an Essen regional file) come out close.

The discovery model's music vectors are trained to match captions, which say what a piece *is* (key, meter,
kind); a collection is held together by more than that (a book's register and idiom, a mass's mode and voice
layout). This model learns that from collections themselves: an MLP over the same music features
(:mod:`partita.discovery.features`), trained contrastively (InfoNCE) so that the mean of a few pieces of a
collection points at another piece of it, against pieces of the other collections in the batch. It is trained
on some collections and measured on others (bench/bench_recommend.py).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from partita.discovery.feature_encoder import FeatureEncoder
from partita.progress import ProgressCallback, report

log = logging.getLogger(__name__)
CONFIG_FILE = "set_encoder_config.json"


@dataclass
class SetEncoderConfig:
    """Shape and training of a :class:`SetEncoder`."""

    n_features: int = 506
    hidden: int = 256
    dim: int = 64
    set_size: int = 5
    batch_collections: int = 32
    steps: int = 1500
    lr: float = 2e-3
    weight_decay: float = 1e-4
    temperature: float = 0.07
    seed: int = 0
    trained_on: str = ""
    metrics: dict = field(default_factory=dict)


class SetEncoder(FeatureEncoder):
    """Standardised music features -> MLP -> a unit vector; a set is the normalised mean of its vectors."""

    config_class = SetEncoderConfig
    config_file = CONFIG_FILE
    kind = "set encoder"

    def model_card(self) -> str:
        return model_card(self.config)


def model_card(config: SetEncoderConfig) -> str:
    """A short model card for a saved set encoder."""
    return (
        "# partita set encoder (recommendation)\n\n"
        "An MLP over partita's music features (partita.discovery.features) whose unit vectors put\n"
        "pieces of the same real collection (a tune book, a mass, an Essen regional file) close\n"
        "together; a set of pieces is the normalised mean of its vectors. Used by `partita recommend`\n"
        "(docs/DISCOVERY.md).\n\n"
        f"- trained on: {config.trained_on or 'unknown'}\n"
        f"- shape: {config.n_features} -> {config.hidden} -> {config.hidden} -> {config.dim}\n"
        f"- InfoNCE, sets of {config.set_size}, {config.batch_collections} collections a batch, "
        f"{config.steps} steps, temperature {config.temperature}, seed {config.seed}\n"
        "- measured on collections held out from training: bench/bench_recommend.py (docs/BENCHMARKS.md)\n"
        "- no pickle: config JSON + safetensors\n"
    )


def _batch(
    groups: Sequence[np.ndarray], features: torch.Tensor, set_size: int, n: int, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` collections: for each, ``set_size`` pieces (the set) and one more (the positive)."""
    chosen = rng.choice(len(groups), size=min(n, len(groups)), replace=False)
    sets, positives = [], []
    for g in chosen:
        members = groups[int(g)]
        pick = rng.choice(len(members), size=min(set_size + 1, len(members)), replace=False)
        sets.append(members[pick[:-1]])
        positives.append(members[pick[-1]])
    size = min(len(s) for s in sets)
    return torch.as_tensor(np.stack([s[:size] for s in sets])), torch.as_tensor(np.asarray(positives))


def train_set_encoder(
    features: np.ndarray,
    collections: Mapping[str, Sequence[int]],
    config: SetEncoderConfig | None = None,
    progress: ProgressCallback | None = None,
) -> SetEncoder:
    """Train on ``collections`` (name -> row positions in ``features``; at least two pieces each)."""
    c = config or SetEncoderConfig(n_features=features.shape[1])
    groups = [np.asarray(v) for v in collections.values() if len(v) >= 2]
    if len(groups) < 2:
        raise ValueError("training a set encoder needs at least two collections of two pieces or more")
    torch.manual_seed(c.seed)
    rng = np.random.default_rng(c.seed)
    model = SetEncoder(c)
    x = torch.as_tensor(np.asarray(features, dtype=np.float32))
    model.standardise_on(x)
    opt = torch.optim.AdamW(model.parameters(), lr=c.lr, weight_decay=c.weight_decay)
    model.train()
    for step in range(c.steps):
        sets, positives = _batch(groups, x, c.set_size, c.batch_collections, rng)
        b, s = sets.shape
        emb = model(x[sets.reshape(-1)]).reshape(b, s, -1)
        anchor = F.normalize(emb.mean(1), dim=-1)
        logits = anchor @ model(x[positives]).T / c.temperature
        loss = F.cross_entropy(logits, torch.arange(b))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 100 == 0:
            log.info("set encoder step %d loss %.3f", step, loss.item())
        report(progress, step + 1, c.steps)
    return model.eval()


DEFAULT_SET_ENCODER = Path(__file__).resolve().parents[1] / "pretrained" / "recommend-small"


def train_on_corpus(
    name_or_path: str,
    out: str | os.PathLike,
    config: SetEncoderConfig | None = None,
    workers: int = 1,
    progress: ProgressCallback | None = None,
    cache=None,
) -> SetEncoder:
    """Train on the real collections of a built corpus (their train-split pieces) and save to ``out``."""
    from partita.corpus import load_corpus
    from partita.discovery.recommend import collection_of
    from partita.discovery.train import split_entries
    from partita.paths import data_dir

    corpus = load_corpus(name_or_path)
    cache = cache or data_dir() / "discovery" / f"{corpus.name}-entries.parquet"
    train = [e for e in split_entries(corpus, cache, workers)["train"] if not e.get("error")]
    home = {r["piece_id"]: collection_of(r) for r in corpus.records()}
    groups: dict[str, list[int]] = {}
    for i, e in enumerate(train):
        if home.get(e["piece_id"]):
            groups.setdefault(home[e["piece_id"]], []).append(i)
    features = np.asarray([e["features"] for e in train], dtype=np.float32)
    config = config or SetEncoderConfig(n_features=features.shape[1])
    config.trained_on = f"{corpus.name}: train-split pieces of {len(groups)} collections"
    model = train_set_encoder(features, groups, config, progress)
    model.save_pretrained(out)
    return model
