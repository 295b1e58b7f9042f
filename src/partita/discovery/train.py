"""Train the discovery encoders contrastively (InfoNCE, CLIP-style, both directions) on partita's captions.

Each step draws a batch of training pieces and, for each, one of its captions (English or Chinese, any of the
first ``captions_used``; the rest stay unseen for evaluation), half of the time cut down to a random subset of
its sentences or clauses in random order, so that a short query ("a jig in D major") lands near the pieces a
long caption describes. The valid split picks the best epoch (text-to-music MRR of an unseen caption against
up to 1,000 valid pieces); the test split is never read here.
"""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from partita.discovery.encoders import DiscoveryConfig, DiscoveryModel, batch_ids
from partita.discovery.metrics import retrieval_metrics
from partita.progress import ProgressCallback, report

log = logging.getLogger(__name__)

_CLAUSES = re.compile(r"(?<=\.)\s+|[，。；]")


@dataclass
class TrainConfig:
    """How the encoders are trained."""

    epochs: int = 30
    batch_size: int = 256
    lr: float = 2e-3
    weight_decay: float = 1e-4
    captions_used: int = 3
    subset_share: float = 0.5
    patience: int = 8
    seed: int = 0
    threads: int = 2
    max_valid: int = 1000


def clauses(text: str) -> list[str]:
    """A caption cut into sentences (English) or clauses (Chinese)."""
    return [c.strip() for c in _CLAUSES.split(text) if c and c.strip()]


def _piece_texts(entry: dict[str, Any], used: int) -> list[str]:
    return list(entry["captions_en"][:used]) + list(entry["captions_zh"][:used])


class _Sampler:
    """Clause ids of every training caption, and a sampler of one text per piece."""

    def __init__(self, model: DiscoveryModel, entries: list[dict[str, Any]], config: TrainConfig):
        self.rng = np.random.default_rng(config.seed)
        self.share = config.subset_share
        self.pieces = [
            [
                [model.text_ids([c])[0] for c in clauses(t)] or [[0]]
                for t in _piece_texts(e, config.captions_used)
            ]
            for e in entries
        ]

    def sample(self, index: np.ndarray) -> list[list[int]]:
        out = []
        for i in index:
            caption = self.pieces[i][self.rng.integers(len(self.pieces[i]))]
            if self.rng.random() < self.share and len(caption) > 1:
                keep = self.rng.permutation(len(caption))[: self.rng.integers(1, len(caption))]
                caption = [caption[k] for k in keep]
            out.append([t for clause in caption for t in clause])
        return out


def features_of(entries: list[dict[str, Any]]) -> np.ndarray:
    """The music feature matrix of entries (n x n_features, float32)."""
    return np.asarray([e["features"] for e in entries], dtype=np.float32)


def sections_of(entries: list[dict[str, Any]]) -> list[np.ndarray]:
    """Each entry's sections (``sections``: k x n_features; none where an entry has no such key)."""
    from partita.discovery.features import N_FEATURES

    return [np.asarray(e.get("sections", []), dtype=np.float32).reshape(-1, N_FEATURES) for e in entries]


def evaluate(
    model: DiscoveryModel, entries: list[dict[str, Any]], caption_index: int = -1
) -> dict[str, float]:
    """Text-to-music retrieval of one caption per piece (``caption_index`` of the English captions; the last,
    unseen in training, by default) against the pieces themselves."""
    queries = [e["captions_en"][caption_index] for e in entries]
    music = model.encode_features(features_of(entries), sections_of(entries))
    return retrieval_metrics(model.encode_text(queries) @ music.T)


def _loss(
    model: DiscoveryModel, ids: list[list[int]], feats: torch.Tensor, sections: list[np.ndarray] | None
) -> torch.Tensor:
    from partita.discovery.sections import pad_sections

    t = model.text(*batch_ids(ids))
    if sections is None:
        m = model.music(feats)
    else:
        padded, mask = pad_sections(sections)
        m = model.music(feats, torch.from_numpy(padded), torch.from_numpy(mask))
    logits = model.log_scale.clamp(max=np.log(100.0)).exp() * t @ m.T
    target = torch.arange(len(ids))
    return (nn.functional.cross_entropy(logits, target) + nn.functional.cross_entropy(logits.T, target)) / 2


def train_discovery(
    train: list[dict[str, Any]],
    valid: list[dict[str, Any]],
    config: DiscoveryConfig | None = None,
    train_config: TrainConfig | None = None,
    progress: ProgressCallback | None = None,
) -> DiscoveryModel:
    """Train a :class:`DiscoveryModel` on ``train`` entries, keep the epoch best on ``valid``."""
    tc = train_config or TrainConfig()
    torch.manual_seed(tc.seed)
    torch.set_num_threads(tc.threads)
    model = DiscoveryModel(config or DiscoveryConfig())
    x = features_of(train)
    model.music.mean.copy_(torch.from_numpy(x.mean(0)))
    model.music.scale.copy_(torch.from_numpy(np.maximum(x.std(0), 1e-3)))
    sampler = _Sampler(model, train, tc)
    feats = torch.from_numpy(x)
    sections = sections_of(train) if model.config.pooling != "none" else None
    valid = valid[: tc.max_valid]
    opt = torch.optim.AdamW(model.parameters(), lr=tc.lr, weight_decay=tc.weight_decay)
    steps = max(1, len(train) // tc.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, tc.lr, total_steps=tc.epochs * steps, pct_start=0.1)
    best, best_state, waited, started = -1.0, None, 0, time.perf_counter()
    for epoch in range(tc.epochs):
        model.train()
        order = sampler.rng.permutation(len(train))
        for s in range(steps):
            index = order[s * tc.batch_size : (s + 1) * tc.batch_size]
            pieces = None if sections is None else [sections[i] for i in index]
            loss = _loss(model, sampler.sample(index), feats[index], pieces)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        score = evaluate(model, valid)["mrr"] if valid else -float(loss)
        log.info("epoch %d: loss %.3f, valid MRR %.4f", epoch + 1, float(loss.detach()), score)
        report(progress, epoch + 1, tc.epochs, f"valid MRR {score:.3f}")
        if score > best:
            best, waited = score, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            waited += 1
            if waited >= tc.patience:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.config.metrics = {
        "valid_mrr": round(best, 4),
        "epochs_run": epoch + 1,
        "train_pieces": len(train),
        "seconds": round(time.perf_counter() - started, 1),
    }
    return model.eval()


def split_entries(
    corpus, cache=None, workers: int = 1, progress: ProgressCallback | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The entries of a loaded corpus by split (``train``, ``valid``, ``test``)."""
    from partita.discovery.features import corpus_entries

    records = corpus.records()
    split = {r["piece_id"]: r.get("split") or "train" for r in records}
    out: dict[str, list[dict[str, Any]]] = {"train": [], "valid": [], "test": []}
    for e in corpus_entries(corpus, records, cache=cache, workers=workers, progress=progress):
        out.setdefault(split[e["piece_id"]], []).append(e)
    return out


def train_on_corpus(
    name_or_path: str,
    out: str | os.PathLike,
    train_config: TrainConfig | None = None,
    workers: int = 1,
    progress: ProgressCallback | None = None,
    cache=None,
) -> DiscoveryModel:
    """Train on a built corpus's train split (valid for the best epoch, up to 1,000 pieces drawn with the
    seed) and save the model to ``out``. The pieces' features and captions are cached in ``cache`` (default
    ``$PARTITA_DATA/discovery/NAME-entries.parquet``), so a second run does not read the scores again."""
    from partita.corpus import load_corpus

    tc = train_config or TrainConfig()
    from partita.paths import data_dir

    corpus = load_corpus(name_or_path)
    cache = cache or data_dir() / "discovery" / f"{corpus.name}-entries.parquet"
    parts = split_entries(corpus, cache, workers)
    rng = np.random.default_rng(tc.seed)
    valid = [parts["valid"][i] for i in rng.permutation(len(parts["valid"]))[: tc.max_valid]]
    if not parts["train"]:
        raise ValueError(f"{corpus.path}: no readable pieces in the train split")
    config = DiscoveryConfig(trained_on=f"{corpus.name} train split ({len(parts['train'])} pieces)")
    model = train_discovery(parts["train"], valid, config, tc, progress)
    model.save_pretrained(out)
    return model


def interpolate(base: DiscoveryModel, tuned: DiscoveryModel, alpha: float) -> DiscoveryModel:
    """A model whose weights are ``(1 - alpha) * base + alpha * tuned`` (WiSE-FT, Wortsman et al. 2022:
    a fine-tune averaged with the model it started from keeps what the start did well and most of what the
    fine-tune gained). ``tuned`` must be a fine-tune of ``base``: the same shapes and the same feature
    standardisation (the buffers are copied, never averaged); ``base``'s config is kept, its metrics
    cleared."""
    import copy

    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be between 0 and 1, not {alpha}")
    shape = ("dim", "buckets", "text_width", "hidden", "n_features", "pooling")
    differ = [k for k in shape if getattr(base.config, k) != getattr(tuned.config, k)]
    if differ:
        raise ValueError(f"cannot interpolate models of other shapes ({', '.join(differ)} differ)")
    a, b = base.state_dict(), tuned.state_dict()
    for name in ("music.mean", "music.scale"):
        if not torch.equal(a[name], b[name]):
            raise ValueError(
                "cannot interpolate models that standardise the features differently: "
                "the second must be a fine-tune of the first"
            )
    buffers = {name for name, _ in base.named_buffers()}
    mixed = {k: a[k] if k in buffers else (1.0 - alpha) * a[k] + alpha * b[k] for k in a}
    model = DiscoveryModel(copy.deepcopy(base.config))
    model.config.metrics = {}
    model.load_state_dict(mixed)
    return model.eval()
