"""Training the Selector's style / quality classifier
(:class:`partita.models.style_classifier.StyleClassifier`).

:func:`train_style_classifier` reads a token folder written by ``partita tokens build`` (``train.npy``,
``valid.npy``, ``test.npy``, ``meta.json``, ``tokenizer/``); every piece there is ``BOS, Cond..., CondEnd,
music..., EOS``. A piece's style label is its ``CondStyle_<style>`` token; the classifier is shown only the
music.

- Labels: the styles with at least ``min_sequences`` training sequences (rarer ones are listed in the card as
  excluded); pieces without a style token (or with an excluded one) still serve the quality head.
- Batches are balanced across styles (a style, then a piece of it, then a window of it, all uniform), plus a
  share of unlabeled pieces. Each real window gets one degraded twin (:data:`DEGRADATIONS`): the quality head
  learns real vs degraded, the style head learns from the real windows only.
- Selection and report: the validation split is evaluated every ``eval_every`` steps and the checkpoint with
  the best validation macro-F1 + quality AUC is kept; the test split is evaluated once, on that checkpoint.
  Style metrics are per piece (probabilities averaged over up to ``eval_windows`` windows); the
  majority-class and chance baselines are computed on the same pieces. Quality ROC-AUC compares one real
  window of every held-out piece with a degraded copy of it of each kind (fixed seed).
- Generated negatives (``StyleTrainConfig.negatives``, a folder that ``scripts/generate-negatives.py`` writes:
  ``{train,valid,test}.npz`` of music ids in the classifier's tokenizer, split by prompt): a share
  (``negatives_share``) of the degraded twins is replaced by windows of the model's own generations (the real
  window is cut to the generated one's length, so length is never the tell), and valid / test also report the
  quality ROC-AUC of real pieces against the generations of that split's prompts (``quality_auc_generated``:
  one window each; ``quality_auc_generated_piece``: whole pieces scored as the Selector scores them, real ones
  cut to the generated ones' lengths). Checkpoints are then selected on macro-F1 + the mean of both AUCs.

- Instruments (``StyleTrainConfig.programs``): ``"neutral"`` reads every piece with one neutral program
  (:func:`partita.models.style_classifier.classifier_ids`, the mapping the Selector applies to its
  candidates), so the style head cannot learn a style from its instrument names.

The metrics (accuracy, macro-F1, baselines, accuracy within :data:`STYLE_GROUPS`, ROC-AUC) are in
:mod:`partita.training.style_metrics`; they stay importable from here.

Everything is a function of ``seed`` (batches, degradations, initialisation) at a given thread count.
"""

from __future__ import annotations

import copy
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from partita.models.style_classifier import (
    PROGRAMS,
    StyleClassifier,
    StyleClassifierConfig,
    classifier_ids,
    strict_from_dict,
)
from partita.progress import ProgressCallback, report
from partita.tokens import MiditokTokenizer
from partita.tokens.conditions import STYLES
from partita.training.data import PrefixIndex
from partita.training.style_metrics import STYLE_GROUPS as STYLE_GROUPS
from partita.training.style_metrics import baselines, roc_auc, style_metrics, within_group_accuracy

logger = logging.getLogger(__name__)

DEGRADATIONS = ("shuffle", "splice", "repitch", "loop", "unigram")
STYLE_PREFIX = "CondStyle_"


@dataclass
class StyleTrainConfig:
    """How :func:`train_style_classifier` trains (defaults: ~2-3 min of CPU on 2 threads for the full
    corpus)."""

    steps: int = 1200
    batch: int = 48
    """Real windows per step (each with a degraded twin, so the model sees twice as many)."""
    lr: float = 2e-3
    weight_decay: float = 0.01
    warmup: int = 50
    seed: int = 0
    min_sequences: int = 100
    """A style needs this many training sequences to become a label."""
    unlabeled_share: float = 0.1
    """Share of batch rows drawn from pieces without a (kept) style label: quality head only."""
    quality_weight: float = 1.0
    eval_every: int = 400
    eval_windows: int = 4
    """Windows per held-out piece whose style probabilities are averaged."""
    threads: int = 2
    window: int = 128
    d_model: int = 96
    n_layers: int = 3
    kernel: int = 5
    dilations: list[int] = field(default_factory=lambda: [1, 2, 4])
    dropout: float = 0.1
    negatives: str | None = None
    """A folder of generated pieces (``{train,valid,test}.npz``, :func:`read_negatives`) for the quality
    head."""
    negatives_share: float = 0.5
    """With ``negatives``: the share of the degraded twins replaced by windows of generated pieces."""
    programs: str = "as_written"
    """``"neutral"``: every piece is read with one neutral program (:func:`classifier_ids`), so the
    classifier cannot read instrument names; ``"as_written"``: as tokenized."""

    def __post_init__(self) -> None:
        for name in ("steps", "batch", "eval_every", "eval_windows", "threads", "window", "min_sequences"):
            if int(getattr(self, name)) < 1:
                raise ValueError(
                    f"style classifier training: {name} must be >= 1, got {getattr(self, name)!r}"
                )
        if not (self.lr > 0 and self.warmup >= 0 and self.weight_decay >= 0 and self.quality_weight >= 0):
            raise ValueError(
                "style classifier training: lr must be > 0 and warmup, weight_decay, quality_weight >= 0 "
                f"(got lr={self.lr}, warmup={self.warmup}, weight_decay={self.weight_decay}, "
                f"quality_weight={self.quality_weight})"
            )
        if not 0 <= self.unlabeled_share < 1:
            raise ValueError(
                f"style classifier training: unlabeled_share must be in [0, 1), got {self.unlabeled_share}"
            )
        if self.programs not in PROGRAMS:
            raise ValueError(
                f"style classifier training: programs must be one of {', '.join(PROGRAMS)}, "
                f"got {self.programs!r}"
            )
        if not 0 <= self.negatives_share <= 1:
            raise ValueError(
                f"style classifier training: negatives_share must be in [0, 1], got {self.negatives_share}"
            )

    @classmethod
    def from_dict(cls, d: dict) -> StyleTrainConfig:
        return strict_from_dict(cls, d, "style classifier training: unknown options")


@dataclass
class StyleTrainResult:
    """What :func:`train_style_classifier` did: where the model is and how well it does on valid and test."""

    out_dir: Path
    labels: list[str]
    steps: int
    selected_step: int
    seconds: float
    metrics: dict[str, dict[str, Any]]
    history: list[dict[str, float]] = field(default_factory=list)


@dataclass
class Pieces:
    """The pieces of one split: where each one's music lies in the flat array, and its style label index."""

    tokens: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    labels: np.ndarray  # index into the label list, -1 when unlabeled
    styles: list[str | None]  # the raw CondStyle value of each piece (None without one)

    def __len__(self) -> int:
        return len(self.starts)

    def music(self, i: int) -> np.ndarray:
        return np.asarray(self.tokens[self.starts[i] : self.ends[i]], dtype=np.int64)

    def as_read(self, config: StyleClassifierConfig, tokenizer: Any) -> Pieces:
        """The pieces as a classifier with ``config`` reads them (:func:`classifier_ids`; labels kept)."""
        if config.programs == "as_written":
            return self
        music = [classifier_ids(config, self.music(i), tokenizer) for i in range(len(self))]
        ends = np.cumsum([len(m) for m in music], dtype=np.int64)
        flat = (np.concatenate(music) if music else np.zeros(0, np.int64)).astype(self.tokens.dtype)
        return Pieces(flat, ends - [len(m) for m in music], ends, self.labels, self.styles)


def read_pieces(tokens: np.ndarray, tokenizer: Any, labels: list[str] | None = None) -> Pieces:
    """Split a flat token array into pieces and read each one's style from its condition prefix."""
    index = PrefixIndex.build(tokens, tokenizer.bos_id, tokenizer.cond_end_id)
    style_of_id = {}
    for value in _all_styles():
        tok = f"{STYLE_PREFIX}{value}"
        token_id = tokenizer.condition_token_id(tok)
        if token_id is not None:
            style_of_id[int(token_id)] = value
    nxt = np.append(index.starts[1:], len(tokens))
    starts, ends, styles = [], [], []
    for s, e, n in zip(index.starts, index.ends, nxt, strict=True):
        prefix = np.asarray(tokens[s:e]) if e > s else np.zeros(0, dtype=np.int64)
        found = [style_of_id[int(x)] for x in prefix if int(x) in style_of_id]
        music_start = e if e > s else s + 1
        music_end = int(n)
        if music_end > music_start and int(tokens[music_end - 1]) == tokenizer.eos_id:
            music_end -= 1
        starts.append(music_start)
        ends.append(max(music_start, music_end))
        styles.append(found[0] if found else None)
    label_of = {name: i for i, name in enumerate(labels or [])}
    lab = np.asarray([label_of.get(s, -1) if s else -1 for s in styles], dtype=np.int64)
    return Pieces(tokens, np.asarray(starts, np.int64), np.asarray(ends, np.int64), lab, styles)


def _all_styles() -> tuple[str, ...]:
    return STYLES


# --- generated negatives ------------------------------------------------------------------------------------

NEGATIVE_SPLITS = ("train", "valid", "test")


@dataclass
class Negatives:
    """Generated pieces of one split: their music ids (the classifier's tokenizer) and one record each."""

    seqs: list[np.ndarray]
    meta: list[dict]

    def __len__(self) -> int:
        return len(self.seqs)


def write_negatives(path: str | Path, seqs: list, meta: list[dict] | None = None) -> Path:
    """Save pieces as ``tokens`` (flat int32), ``offsets`` (n+1) and ``meta`` (a JSON list), compressed."""
    path = Path(path)
    arrays = [np.asarray(s, dtype=np.int32).reshape(-1) for s in seqs]
    meta = list(meta) if meta is not None else [{} for _ in arrays]
    if len(meta) != len(arrays):
        raise ValueError(f"{path}: {len(arrays)} pieces but {len(meta)} metadata records")
    offsets = np.zeros(len(arrays) + 1, np.int64)
    offsets[1:] = np.cumsum([len(a) for a in arrays])
    tokens = np.concatenate(arrays) if arrays else np.zeros(0, np.int32)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, tokens=tokens, offsets=offsets, meta=np.array(json.dumps(meta)))
    tmp.replace(path)
    return path


def read_negatives(folder: str | Path, vocab_size: int | None = None) -> dict[str, Negatives]:
    """The ``{train,valid,test}.npz`` of a negatives folder (:func:`write_negatives`); a missing split is
    empty."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{folder}: negatives folder not found (make one with scripts/generate-negatives.py)"
        )
    out = {}
    for split in NEGATIVE_SPLITS:
        path = folder / f"{split}.npz"
        if not path.is_file():
            out[split] = Negatives([], [])
            continue
        try:
            with np.load(path, allow_pickle=False) as z:
                tokens, offsets, meta = z["tokens"], z["offsets"], json.loads(str(z["meta"]))
        except (OSError, ValueError, KeyError) as e:
            raise ValueError(f"{path}: not a negatives file ({e})") from None
        seqs = [np.asarray(tokens[offsets[i] : offsets[i + 1]], np.int64) for i in range(len(offsets) - 1)]
        if vocab_size is not None and any(len(q) and (q.min() < 0 or q.max() >= vocab_size) for q in seqs):
            raise ValueError(
                f"{path}: token ids outside the vocabulary 0..{vocab_size - 1} (another tokenizer?)"
            )
        out[split] = Negatives(seqs, meta)
    if not len(out["train"]):
        raise ValueError(f"{folder}: no generated pieces in train.npz")
    return out


# --- degraded windows ---------------------------------------------------------------------------------------


@dataclass
class Degrader:
    """Makes degraded copies of real windows (same length, so length is never the tell)."""

    unigram: np.ndarray  # probability of each id among training music tokens
    same_kind: dict[int, np.ndarray]
    """id -> ids with the same token-type signature, for ids that carry a pitch."""
    source: Pieces  # where splices come from

    def __call__(self, window: np.ndarray, kind: str, rng: np.random.Generator) -> np.ndarray:
        w = window.copy()
        n = len(w)
        if n < 4:
            kind = "unigram"
        if kind == "shuffle":  # token order shuffled inside a span of 8-48 tokens
            span = int(rng.integers(min(8, n), min(48, n) + 1))
            s = int(rng.integers(0, n - span + 1))
            seg = w[s : s + span].copy()
            # a permutation that changes nothing is redrawn (a repeated token can still tie)
            for _ in range(4):
                rng.shuffle(seg)
                if not np.array_equal(seg, w[s : s + span]):
                    break
            w[s : s + span] = seg
        elif kind == "splice":  # the window's tail replaced by music of another piece
            cut = int(rng.integers(n // 4, 3 * n // 4 + 1))
            other = self.source.music(int(rng.integers(len(self.source))))
            need = n - cut
            if len(other) >= need:
                s = int(rng.integers(0, len(other) - need + 1))
                w[cut:] = other[s : s + need]
            elif len(other):
                w[cut:] = np.resize(other, need)
        elif kind == "repitch":
            # ~35% of pitch-carrying tokens replaced by a token of the same type with another pitch
            pos = [i for i, t in enumerate(w) if int(t) in self.same_kind]
            if not pos:
                return self(window, "unigram", rng)
            hit = rng.random(len(pos)) < 0.35
            if not hit.any():  # at least one wrong note, or the copy would be a real window labelled fake
                hit[int(rng.integers(len(pos)))] = True
            for i in np.asarray(pos)[hit]:
                group = self.same_kind[int(w[i])]
                w[i] = int(rng.choice(group[group != w[i]]))
        elif kind == "loop":  # from a cut on, a short pattern of the window repeated
            cut = int(rng.integers(0, n // 2 + 1))
            period = int(rng.integers(2, min(12, max(3, n - cut)) + 1))
            s = int(rng.integers(0, max(1, n - period)))
            w[cut:] = np.resize(window[s : s + period], n - cut)
        elif kind == "unigram":  # tokens drawn independently from the corpus's token frequencies
            w = rng.choice(len(self.unigram), size=n, p=self.unigram).astype(w.dtype)
        else:
            raise ValueError(f"unknown degradation {kind!r}; choose one of {', '.join(DEGRADATIONS)}")
        return w


def make_degrader(
    pieces: Pieces, tokenizer: Any, vocab_size: int, skip_ids: list[int], seed: int = 0
) -> Degrader:
    """Token frequencies from (a sample of) the training music, and the same-type groups of pitch tokens."""
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(pieces), size=min(len(pieces), 2000), replace=False)
    counts = np.zeros(vocab_size, np.float64)
    for i in pick:
        m = pieces.music(int(i))
        counts += np.bincount(m[m < vocab_size], minlength=vocab_size)[:vocab_size]
    counts[np.asarray(skip_ids, dtype=np.int64)] = 0
    if counts.sum() == 0:
        raise ValueError("the training split holds no music tokens")
    # the "type signature" of an id (e.g. Pitch+Velocity+Duration for a BPE merge): swapping ids of one
    # signature keeps the grammar of the sequence and changes only values, which is what a wrong note looks
    # like
    groups: dict[str, list[int]] = {}
    skip = set(skip_ids)
    for i in range(vocab_size):
        if i in skip or counts[i] == 0:
            continue
        parts = tokenizer.id_to_token(i).split("+")
        if not any(p.startswith("Pitch_") for p in parts):
            continue
        groups.setdefault("+".join(p.split("_")[0] for p in parts), []).append(i)
    same_kind = {i: np.asarray(g) for g in groups.values() if len(g) > 1 for i in g}
    return Degrader(unigram=counts / counts.sum(), same_kind=same_kind, source=pieces)


def _window(music: np.ndarray, width: int, rng: np.random.Generator) -> np.ndarray:
    if len(music) <= width:
        return music
    s = int(rng.integers(0, len(music) - width + 1))
    return music[s : s + width]


def _pad(rows: list[np.ndarray], width: int, pad_id: int) -> torch.Tensor:
    out = np.full((len(rows), width), pad_id, dtype=np.int64)
    for r, row in enumerate(rows):
        out[r, : len(row)] = row
    return torch.from_numpy(out)


def sample_batch(
    pieces: Pieces,
    by_label: list[np.ndarray],
    unlabeled: np.ndarray,
    degrader: Degrader,
    cfg: StyleTrainConfig,
    pad_id: int,
    rng: np.random.Generator,
    negatives: list[np.ndarray] | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Ids ``(2B, W)``, style targets (-100 = none) and quality targets: B real windows, then their twins.

    With ``negatives`` (music ids of generated pieces), a ``cfg.negatives_share`` of the twins are windows of
    generated pieces instead of degraded copies; the real window of such a row is cut to the generated
    window's length where that is shorter.
    """
    rows, styles = [], []
    for _ in range(cfg.batch):
        if len(unlabeled) and rng.random() < cfg.unlabeled_share:
            i, label = int(rng.choice(unlabeled)), -100
        else:
            label = int(rng.integers(len(by_label)))
            i = int(rng.choice(by_label[label]))
        rows.append(_window(pieces.music(i), cfg.window, rng))
        styles.append(label)
    twins = [degrader(r, DEGRADATIONS[int(rng.integers(len(DEGRADATIONS)))], rng) for r in rows]
    if negatives:
        for r in np.flatnonzero(rng.random(len(rows)) < cfg.negatives_share):
            gen = _window(negatives[int(rng.integers(len(negatives)))], cfg.window, rng)
            twins[r] = gen
            if len(gen) < len(rows[r]):
                rows[r] = _window(rows[r], len(gen), rng)
    ids = _pad(rows + twins, cfg.window, pad_id)
    style = torch.tensor(styles + [-100] * len(twins))
    quality = torch.cat([torch.ones(len(rows)), torch.zeros(len(twins))])
    return ids, style, quality


# --- evaluation ---------------------------------------------------------------------------------------------


@torch.no_grad()
def evaluate(
    model: StyleClassifier,
    pieces: Pieces,
    degrader: Degrader,
    majority: int,
    windows: int = 4,
    seed: int = 1234,
    batch: int = 256,
    generated: Negatives | None = None,
) -> dict[str, Any]:
    """Per-piece style metrics with their baselines, and the quality ROC-AUC (overall and per degradation).

    With ``generated`` (pieces the model generated for this split's prompts) also the quality ROC-AUC of real
    against generated: ``quality_auc_generated`` (one window of each generated piece against a real window cut
    to its length, each real piece used in turn), ``..._by_variant`` (constrained / free sampling) and
    ``quality_auc_generated_piece`` (whole pieces through :meth:`StyleClassifier.predict`, as the Selector
    scores candidates, against real pieces cut to the same token counts).
    """
    model.eval()
    labels, width, pad = model.labels, model.config.window, model.config.pad_id
    rows, owner = [], []
    labeled = [i for i in range(len(pieces)) if pieces.labels[i] >= 0 and pieces.ends[i] > pieces.starts[i]]
    for j, i in enumerate(labeled):
        w = model.piece_windows(pieces.music(i), windows)
        rows.extend(w)
        owner.extend([j] * len(w))
    sums = np.zeros((len(labeled), len(labels)))
    if rows:
        stacked = torch.stack(rows)
        chunks = [torch.softmax(model(stacked[k : k + batch])[0], -1) for k in range(0, len(stacked), batch)]
        # the sum over a piece's windows has the mean's argmax
        np.add.at(sums, np.asarray(owner), torch.cat(chunks).numpy())
    truth = np.asarray([pieces.labels[i] for i in labeled], dtype=np.int64)
    pred = sums.argmax(1).astype(np.int64)
    out: dict[str, Any] = {"pieces": len(labeled), **style_metrics(truth, pred, labels)}
    out.update(baselines(truth, majority, len(labels)))
    out["style_within_group"] = within_group_accuracy(truth, sums, labels)
    # quality: one real window per piece (of >= 16 music tokens) and one degraded copy of it per kind
    rng = np.random.default_rng(seed)
    real, fakes = [], {k: [] for k in DEGRADATIONS}
    for i in range(len(pieces)):
        m = model.music_only(pieces.music(i))
        if len(m) < 16:
            continue
        w = _window(m, width, rng)
        real.append(w)
        for k in DEGRADATIONS:
            fakes[k].append(degrader(w, k, rng))

    def quality(ws: list[np.ndarray]) -> np.ndarray:
        if not ws:
            return np.zeros(0)
        return np.concatenate(
            [model(_pad(ws[k : k + batch], width, pad))[1].numpy() for k in range(0, len(ws), batch)]
        )

    q_real = quality(real)
    q_fake = {k: quality(v) for k, v in fakes.items()}
    out["quality_auc"] = roc_auc(q_real, np.concatenate(list(q_fake.values())))
    out["quality_auc_by_kind"] = {k: roc_auc(q_real, v) for k, v in q_fake.items()}
    out["quality_windows"] = len(real)
    if generated is not None and len(generated) and real:
        out.update(_generated_auc(model, pieces, real, generated, windows, seed, quality))
    return out


def _generated_auc(
    model: StyleClassifier,
    pieces: Pieces,
    real: list[np.ndarray],
    generated: Negatives,
    windows: int,
    seed: int,
    quality: Any,
) -> dict[str, Any]:
    """Real against generated, length-matched (see :func:`evaluate`)."""
    rng = np.random.default_rng([seed, 7])
    width = model.config.window
    gens, variants, real_cut = [], [], []
    order = rng.permutation(len(real))
    for j, seq in enumerate(generated.seqs):
        m = model.music_only(seq)
        if len(m) < 16:
            continue
        g = _window(m, width, rng)
        gens.append(g)
        variants.append((generated.meta[j] if j < len(generated.meta) else {}).get("variant", "generated"))
        real_cut.append(_window(real[int(order[len(real_cut) % len(real)])], len(g), rng))
    if not gens:
        return {}
    q_gen, q_real = quality(gens), quality(real_cut)
    out: dict[str, Any] = {"quality_auc_generated": roc_auc(q_real, q_gen), "generated_pieces": len(gens)}
    names = sorted(set(variants))
    out["quality_auc_generated_by_variant"] = {
        v: roc_auc(q_real, q_gen[np.asarray(variants) == v]) for v in names
    }
    # whole pieces, as the Selector scores a candidate: real pieces cut to the generated pieces' lengths
    full = [p for i in range(len(pieces)) if len(p := model.music_only(pieces.music(i))) >= 16]
    piece_order = rng.permutation(len(full)) if full else []
    p_gen, p_real = [], []
    for k, seq in enumerate(generated.seqs):
        m = model.music_only(seq)
        if len(m) < 16:
            continue
        p_gen.append(model.predict(m, windows)["quality"])
        r = full[int(piece_order[k % len(full)])] if full else m[:0]
        p_real.append(model.predict(r[: len(m)], windows)["quality"] if len(r) else 0.0)
    out["quality_auc_generated_piece"] = roc_auc(np.asarray(p_real), np.asarray(p_gen))
    return out


# --- training -----------------------------------------------------------------------------------------------


def _load_folder(folder: Path) -> tuple[Any, dict, dict[str, np.ndarray]]:
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: token folder not found (make one with `partita tokens build`)")
    missing = [n for n in ("train.npy", "valid.npy", "test.npy", "meta.json") if not (folder / n).is_file()]
    if missing or not (folder / "tokenizer").is_dir():
        raise FileNotFoundError(
            f"{folder}: not a complete token folder (missing "
            f"{', '.join(missing + (['tokenizer/'] if not (folder / 'tokenizer').is_dir() else []))})"
        )
    try:
        meta = json.loads((folder / "meta.json").read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"{folder / 'meta.json'}: unreadable ({e})") from None
    tokenizer = MiditokTokenizer.from_pretrained(folder / "tokenizer")
    arrays = {}
    for split in ("train", "valid", "test"):
        try:
            arr = np.load(folder / f"{split}.npy", mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as e:
            raise ValueError(f"{folder / f'{split}.npy'}: not a readable token array ({e})") from None
        if arr.ndim != 1 or arr.dtype.kind not in "iu":
            raise ValueError(
                f"{folder / f'{split}.npy'}: expected a flat integer array, got {arr.dtype} {arr.shape}"
            )
        arrays[split] = arr
    return tokenizer, meta, arrays


def _quality_key(v: dict[str, Any]) -> float:
    """The quality part of the selection key: the AUC against degradations, averaged with the one against
    generated pieces when there is one."""
    aucs = [np.nan_to_num(v["quality_auc"])]
    if "quality_auc_generated" in v:
        aucs.append(np.nan_to_num(v["quality_auc_generated"]))
    return float(np.mean(aucs))


def _negatives_card(cfg: StyleTrainConfig, negatives: dict[str, Negatives] | None) -> dict[str, Any] | None:
    if negatives is None:
        return None
    return {
        "folder": str(cfg.negatives),
        "share": cfg.negatives_share,
        **{f"{split}_pieces": len(negatives[split]) for split in NEGATIVE_SPLITS},
        **{
            f"{split}_prompts": len({m.get("prompt_id") for m in negatives[split].meta})
            for split in NEGATIVE_SPLITS
        },
    }


def _negatives_as_read(
    negatives: dict[str, Negatives], config: StyleClassifierConfig, tokenizer: Any
) -> dict[str, Negatives]:
    """Generated pieces as a classifier with ``config`` reads them (:func:`classifier_ids`)."""
    return {
        split: Negatives([classifier_ids(config, q, tokenizer) for q in neg.seqs], neg.meta)
        for split, neg in negatives.items()
    }


def evaluate_classifier(
    classifier_dir: str | Path,
    token_folder: str | Path,
    negatives: str | Path | None = None,
    splits: tuple[str, ...] = ("valid", "test"),
    windows: int = 4,
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """Evaluate a saved classifier on a token folder's splits as :func:`train_style_classifier` reports (same
    degrader seed, same windows), with the generated negatives of those splits when given: for comparing a
    shipped classifier with a new one on the same held-out pieces."""
    model = StyleClassifier.from_pretrained(classifier_dir)
    folder = Path(token_folder).expanduser()
    tokenizer, meta, arrays = _load_folder(folder)
    vocab = int(meta.get("vocab_size") or tokenizer.vocab_size)
    if vocab != model.config.vocab_size:
        raise ValueError(f"{classifier_dir}: vocabulary {model.config.vocab_size}, token folder {vocab}")
    labels = model.labels
    train = read_pieces(arrays["train"], tokenizer, labels).as_read(model.config, tokenizer)
    skip_ids = sorted(tokenizer.condition_id_set | {tokenizer.bos_id, tokenizer.eos_id, tokenizer.pad_id})
    degrader = make_degrader(train, tokenizer, vocab, skip_ids, seed=seed)
    neg = _negatives_as_read(read_negatives(negatives, vocab), model.config, tokenizer) if negatives else None
    out = {}
    for split in splits:
        pieces = read_pieces(arrays[split], tokenizer, labels).as_read(model.config, tokenizer)
        split_degrader = Degrader(degrader.unigram, degrader.same_kind, pieces)
        out[split] = evaluate(
            model, pieces, split_degrader, 0, windows, generated=neg[split] if neg else None
        )
    return out


def _lr(step: int, cfg: StyleTrainConfig) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    frac = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * 0.5 * (1 + np.cos(np.pi * min(1.0, frac)))


def train_style_classifier(
    token_folder: str | Path,
    out_dir: str | Path,
    config: StyleTrainConfig | None = None,
    progress: ProgressCallback | None = None,
) -> StyleTrainResult:
    """Train a :class:`StyleClassifier` on a token folder, select it on valid, report on test, save it in
    ``out_dir``."""
    cfg = config or StyleTrainConfig()
    folder = Path(token_folder).expanduser()
    tokenizer, meta, arrays = _load_folder(folder)
    t0 = time.time()
    train_all = read_pieces(arrays["train"], tokenizer)
    counts: dict[str, int] = {}
    for s in train_all.styles:
        if s:
            counts[s] = counts.get(s, 0) + 1
    labels = sorted((s for s, c in counts.items() if c >= cfg.min_sequences), key=lambda s: (-counts[s], s))
    excluded = {s: c for s, c in counts.items() if c < cfg.min_sequences}
    if len(labels) < 2:
        raise ValueError(
            f"{folder}: a style classifier needs at least 2 styles with >= {cfg.min_sequences} training "
            f"sequences; the CondStyle counts are {counts or 'empty (no CondStyle tokens)'}"
        )
    train, valid, test = (read_pieces(arrays[s], tokenizer, labels) for s in ("train", "valid", "test"))
    vocab = int(meta.get("vocab_size") or tokenizer.vocab_size)
    skip_ids = sorted(tokenizer.condition_id_set | {tokenizer.bos_id, tokenizer.eos_id, tokenizer.pad_id})
    model_cfg = StyleClassifierConfig(
        vocab_size=vocab,
        labels=labels,
        window=cfg.window,
        d_model=cfg.d_model,
        n_layers=cfg.n_layers,
        kernel=cfg.kernel,
        dilations=list(cfg.dilations),
        dropout=cfg.dropout,
        pad_id=tokenizer.pad_id,
        skip_ids=skip_ids,
        programs=cfg.programs,
    )
    train, valid, test = (p.as_read(model_cfg, tokenizer) for p in (train, valid, test))
    by_label = [np.flatnonzero((train.labels == k) & (train.ends > train.starts)) for k in range(len(labels))]
    unlabeled = np.flatnonzero((train.labels < 0) & (train.ends > train.starts))
    degrader = make_degrader(train, tokenizer, vocab, skip_ids, seed=cfg.seed)
    eval_degrader = {
        name: Degrader(degrader.unigram, degrader.same_kind, p)
        for name, p in (("valid", valid), ("test", test))
    }
    negatives = read_negatives(cfg.negatives, vocab) if cfg.negatives else None
    negatives = _negatives_as_read(negatives, model_cfg, tokenizer) if negatives else None
    train_neg = [q for q in negatives["train"].seqs if len(q) >= 16] if negatives else None
    if negatives is not None:
        keep = ~np.isin(np.arange(vocab), skip_ids)
        train_neg = [q[keep[q]] for q in train_neg]
    majority = 0  # labels are sorted by training count: the first is the majority class
    threads = torch.get_num_threads()
    torch.set_num_threads(cfg.threads)
    history: list[dict[str, float]] = []
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(cfg.seed)
            model = StyleClassifier(model_cfg)
            model.tokenizer = tokenizer
            opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
            best, best_key, best_step, best_valid = None, -np.inf, 0, {}
            report(progress, 0, cfg.steps, f"training on {len(labels)} styles")
            for step in range(cfg.steps):
                model.train()
                rng = np.random.default_rng([cfg.seed, step])
                ids, style, quality = sample_batch(
                    train, by_label, unlabeled, degrader, cfg, model_cfg.pad_id, rng, train_neg
                )
                for g in opt.param_groups:
                    g["lr"] = _lr(step, cfg)
                s_logits, q_logits = model(ids)
                loss_s = F.cross_entropy(s_logits, style, ignore_index=-100)
                loss_q = F.binary_cross_entropy_with_logits(q_logits, quality)
                loss = loss_s + cfg.quality_weight * loss_q
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                done = step + 1
                if done % cfg.eval_every == 0 or done == cfg.steps:
                    v = evaluate(
                        model,
                        valid,
                        eval_degrader["valid"],
                        majority,
                        cfg.eval_windows,
                        generated=negatives["valid"] if negatives else None,
                    )
                    key = np.nan_to_num(v["style_macro_f1"]) + _quality_key(v)
                    history.append(
                        {
                            "step": done,
                            "loss_style": loss_s.item(),
                            "loss_quality": loss_q.item(),
                            "valid_style_macro_f1": v["style_macro_f1"],
                            "valid_quality_auc": v["quality_auc"],
                        }
                    )
                    if "quality_auc_generated" in v:
                        history[-1]["valid_quality_auc_generated"] = v["quality_auc_generated"]
                    logger.info(
                        "step %d: valid macro-F1 %.3f, quality AUC %.3f, vs generated %.3f",
                        done,
                        v["style_macro_f1"],
                        v["quality_auc"],
                        v.get("quality_auc_generated", float("nan")),
                    )
                    if key > best_key:
                        best, best_key, best_step, best_valid = (
                            copy.deepcopy(model.state_dict()),
                            key,
                            done,
                            v,
                        )
                report(progress, done, cfg.steps, f"loss {loss.item():.3f}")
            model.load_state_dict(best)
            test_metrics = evaluate(
                model,
                test,
                eval_degrader["test"],
                majority,
                cfg.eval_windows,
                generated=negatives["test"] if negatives else None,
            )
    finally:
        torch.set_num_threads(threads)
    seconds = time.time() - t0
    metrics = {"valid": best_valid, "test": test_metrics}
    card = {
        "name": "partita style / quality classifier",
        "data": str(folder),
        "data_hash": meta.get("sha256"),
        "steps": cfg.steps,
        "selected_step": best_step,
        "seconds": round(seconds, 1),
        "train_config": asdict(cfg),
        "excluded_styles": excluded,
        "train_sequences_per_style": {s: counts[s] for s in labels},
        "degradations": list(DEGRADATIONS),
        "negatives": _negatives_card(cfg, negatives),
        "metrics": metrics,
        "history": history,
    }
    out = model.save_pretrained(out_dir, card=card)
    return StyleTrainResult(out, labels, cfg.steps, best_step, seconds, metrics, history)
