"""The Selector's learned critic: a small classifier of music-token windows with a style head and a quality
head.

XMusic's Selector ranks generated candidates by control adherence *and* by a learned judge of the music. This
is partita's judge. It reads **only music tokens** (the condition prefix, BOS/EOS and padding are removed
before the first layer, so it cannot read the answer off the prompt) and has two heads on one pooled
representation:

- ``style``: a softmax over the corpus's style labels (``chorale``, ``pop``, ``jig``, ...; the list is saved
  in ``config.json``, in the order of the logits);
- ``quality``: the logit of P(real music) against degraded windows made on the fly during training (shuffled
  spans, splices of two pieces, re-drawn pitches, loops, unigram noise; see
  :mod:`partita.training.style_classifier`).

The body is deliberately small and fast on a CPU (a few hundred thousand parameters): a token embedding, a
stack of residual dilated 1-D convolutions (non-causal: the classifier sees the whole window), and masked
mean + max pooling. Padding is zeroed before every convolution, so a window scores the same alone or in a
padded batch.

A folder written by :meth:`StyleClassifier.save_pretrained` holds ``config.json`` (the config with the label
list), ``model.safetensors`` (never pickle), ``model_card.json`` / ``README.md`` (what it was trained on, its
test metrics) and, when given, the tokenizer in ``tokenizer/``.
"""

from __future__ import annotations

import json
import logging
import weakref
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from partita.atomic import atomic_path, atomic_write_text
from partita.tokens import MiditokTokenizer

logger = logging.getLogger(__name__)

CONFIG = "config.json"
WEIGHTS = "model.safetensors"
CARD_JSON = "model_card.json"
CARD_MD = "README.md"
TOKENIZER_DIR = "tokenizer"
PROGRAMS = ("as_written", "neutral")
NEUTRAL_PROGRAM = "Program_0"
"""What every pitched program token is read as by a classifier with ``programs="neutral"`` (drums stay
drums)."""


@dataclass
class StyleClassifierConfig:
    """Shape of a :class:`StyleClassifier` and what its outputs mean; saved as ``config.json``."""

    vocab_size: int = 2000
    labels: list[str] = field(default_factory=list)
    """The style labels, in the order of the style logits."""
    window: int = 128
    """Music tokens per window (the length trained on; longer pieces are scored as several windows)."""
    d_model: int = 96
    n_layers: int = 3
    kernel: int = 5
    dilations: list[int] = field(default_factory=lambda: [1, 2, 4])
    """The dilation of each convolution layer (cycled when there are more layers than entries)."""
    dropout: float = 0.1
    pad_id: int = 0
    skip_ids: list[int] = field(default_factory=list)
    """Ids that are never music (condition tokens, BOS, EOS, PAD): removed before the model reads a
    sequence."""
    programs: str = "as_written"
    """How the classifier reads instruments: ``"as_written"`` (the Program tokens as encoded) or
    ``"neutral"`` (every pitched program read as ``Program_0``, :func:`classifier_ids`: a tune for flute
    and the same notes on a piano are one input)."""

    def __post_init__(self) -> None:
        for name in ("vocab_size", "window", "d_model", "n_layers", "kernel"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"style classifier config: {name} must be >= 1, got {getattr(self, name)!r}")
        if self.kernel % 2 == 0:
            raise ValueError(
                f"style classifier config: kernel must be odd (same-length output), got {self.kernel}"
            )
        if not self.dilations or any(int(d) < 1 for d in self.dilations):
            raise ValueError(f"style classifier config: dilations must be >= 1, got {self.dilations!r}")
        if not 0 <= self.pad_id < self.vocab_size:
            raise ValueError(f"style classifier config: pad_id {self.pad_id} outside the vocabulary")
        if len(set(self.labels)) != len(self.labels):
            raise ValueError(f"style classifier config: repeated style labels in {self.labels!r}")
        if self.programs not in PROGRAMS:
            raise ValueError(
                f"style classifier config: programs must be one of {', '.join(PROGRAMS)}, "
                f"got {self.programs!r}"
            )
        self.labels = [str(x) for x in self.labels]
        self.dilations = [int(d) for d in self.dilations]
        self.skip_ids = sorted({int(i) for i in self.skip_ids})

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, d: dict) -> StyleClassifierConfig:
        return strict_from_dict(cls, d, "style classifier config: unknown fields")


def strict_from_dict(cls: type, d: dict, what: str) -> Any:
    """``cls(**d)`` for a dataclass, refusing keys it has no field for (``what`` starts the message)."""
    unknown = sorted(set(d) - {f.name for f in fields(cls)})
    if unknown:
        raise ValueError(f"{what} {unknown}")
    return cls(**d)


def classifier_ids(config: StyleClassifierConfig, music_ids: Any, tokenizer: Any) -> np.ndarray:
    """The music ids of a piece as a classifier with ``config`` reads them: as given, or (``programs``
    ``"neutral"``) with every pitched program replaced by :data:`NEUTRAL_PROGRAM`.

    The one mapping the trainer applies to its pieces and the Selector to its candidates, so they cannot
    drift apart. ``tokenizer`` (the classifier's, a :class:`~partita.tokens.MiditokTokenizer`) is needed only
    for ``"neutral"``.
    """
    arr = np.asarray(music_ids, dtype=np.int64).reshape(-1)
    if config.programs == "as_written":
        return arr
    if tokenizer is None:
        raise ValueError(
            "this classifier reads programs as neutral and needs its tokenizer for that: load it from a "
            f"folder with {TOKENIZER_DIR}/"
        )
    return neutral_programs(arr, tokenizer)


@dataclass
class _ProgramTable:
    """Per id of a tokenizer: the base ids it stands for with neutral programs (None: not music, kept as
    is), and whether that changes anything."""

    base: list[list[int] | None]
    changes: np.ndarray


_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _program_table(tokenizer: Any) -> _ProgramTable:
    table = _TABLES.get(tokenizer)
    if table is None:
        vocab = tokenizer.miditok.vocab
        neutral = vocab[NEUTRAL_PROGRAM]
        base: list[list[int] | None] = []
        changes = np.zeros(tokenizer.vocab_size, dtype=bool)
        for i in range(tokenizer.vocab_size):
            tokens = tokenizer.base_tokens(i)
            if not tokens:
                base.append(None)
                continue
            mapped = [neutral if t.startswith("Program_") and t != "Program_-1" else vocab[t] for t in tokens]
            changes[i] = mapped != [vocab[t] for t in tokens]
            base.append(mapped)
        table = _TABLES[tokenizer] = _ProgramTable(base, changes)
    return table


def neutral_programs(music_ids: Any, tokenizer: Any) -> np.ndarray:
    """``music_ids`` (a piece's music, BPE applied) with every pitched ``Program_*`` token replaced by
    :data:`NEUTRAL_PROGRAM`, BPE applied again; ids that are not music stay where they are. A piece already
    in the neutral program comes back unchanged; ids outside the vocabulary are left to the classifier to
    refuse."""
    arr = np.asarray(music_ids, dtype=np.int64).reshape(-1)
    table = _program_table(tokenizer)
    if not arr.size or arr.min() < 0 or arr.max() >= len(table.base) or not table.changes[arr].any():
        return arr
    out: list[int] = []
    run: list[int] = []
    for i in arr.tolist():
        base = table.base[i]
        if base is None:
            out += _merged(run, tokenizer)
            run = []
            out.append(i)
        else:
            run += base
    out += _merged(run, tokenizer)
    return np.asarray(out, dtype=np.int64)


def _merged(base_ids: list[int], tokenizer: Any) -> list[int]:
    """Base ids with the tokenizer's BPE applied as its own encoder applies it: a bar at a time when it
    splits at bars (``encode_ids_split``), so a piece read back is merged exactly as it was."""
    if not base_ids or not tokenizer.miditok.is_trained:
        return list(base_ids)
    # miditok takes ~1.2 s to import (it loads torch): only when a piece is mapped
    from miditok import TokSequence

    words = [list(base_ids)]
    if tokenizer.miditok.config.encode_ids_split == "bar":
        bar = tokenizer.miditok.vocab["Bar_None"]
        starts = [0] + [k for k, i in enumerate(base_ids) if i == bar and k] + [len(base_ids)]
        words = [base_ids[a:b] for a, b in zip(starts, starts[1:], strict=False) if b > a]
    seqs = [TokSequence(ids=w) for w in words]
    tokenizer.miditok.encode_token_ids(seqs)
    return [i for seq in seqs for i in seq.ids]


def debug_config(**overrides: Any) -> StyleClassifierConfig:
    """The tiny configuration of the ``"debug"`` classifier (width 16, two layers, three labels)."""
    base: dict[str, Any] = dict(
        vocab_size=64,
        labels=["a", "b", "c"],
        window=32,
        d_model=16,
        n_layers=2,
        kernel=3,
        dilations=[1, 2],
        dropout=0.0,
        pad_id=0,
        skip_ids=[0, 1, 2],
    )
    base.update(overrides)
    return StyleClassifierConfig(**base)


class _ConvBlock(nn.Module):
    """Pre-norm residual block: LayerNorm, dilated Conv1d, GELU, dropout, added back."""

    def __init__(self, d: int, kernel: int, dilation: int, dropout: float) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.conv = nn.Conv1d(d, d, kernel, dilation=dilation, padding=dilation * (kernel - 1) // 2)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        h = self.norm(x) * keep  # padded positions read as zeros, exactly like the conv's own zero padding
        h = self.conv(h.transpose(1, 2)).transpose(1, 2)
        return (x + self.drop(F.gelu(h))) * keep


class StyleClassifier(nn.Module):
    """Music-token windows -> style logits and a quality logit (see the module doc)."""

    def __init__(self, config: StyleClassifierConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.embed = nn.Embedding(c.vocab_size, c.d_model, padding_idx=c.pad_id)
        self.blocks = nn.ModuleList(
            _ConvBlock(c.d_model, c.kernel, c.dilations[i % len(c.dilations)], c.dropout)
            for i in range(c.n_layers)
        )
        self.norm = nn.LayerNorm(c.d_model)
        self.hidden = nn.Linear(2 * c.d_model, c.d_model)
        self.style_head = nn.Linear(c.d_model, max(1, len(c.labels)))
        self.quality_head = nn.Linear(c.d_model, 1)
        self.card: dict[str, Any] = {}
        self.tokenizer: Any = None
        skip = torch.zeros(c.vocab_size, dtype=torch.bool)
        skip[[i for i in c.skip_ids if i < c.vocab_size]] = True
        self.register_buffer("_skip", skip, persistent=False)

    @property
    def labels(self) -> list[str]:
        return list(self.config.labels)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(
        self, ids: torch.Tensor, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``ids`` ``(B, T)`` (padded with ``pad_id``) -> style logits ``(B, n_labels)`` and quality logits
        ``(B,)``.

        ``mask`` marks the real tokens; ids equal to ``pad_id`` or in ``skip_ids`` are never real.
        """
        if ids.dim() != 2:
            raise ValueError(f"StyleClassifier expects (batch, tokens) ids, got shape {tuple(ids.shape)}")
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= self.config.vocab_size):
            raise ValueError(f"token ids outside the vocabulary 0..{self.config.vocab_size - 1}")
        real = (ids != self.config.pad_id) & ~self._skip[ids]
        if mask is not None:
            real &= mask.bool()
        keep = real.unsqueeze(-1).to(self.embed.weight.dtype)
        x = self.embed(ids) * keep
        for block in self.blocks:
            x = block(x, keep)
        x = self.norm(x) * keep
        count = keep.sum(1).clamp_min(1.0)
        mean = x.sum(1) / count
        peak = x.masked_fill(keep == 0, float("-inf")).amax(1)
        peak = torch.where(torch.isfinite(peak), peak, torch.zeros_like(peak))  # an empty window pools to 0
        h = F.gelu(self.hidden(torch.cat([mean, peak], dim=-1)))
        return self.style_head(h), self.quality_head(h).squeeze(-1)

    # --- whole pieces ---------------------------------------------------------------------------------------
    def music_only(self, ids: Any) -> np.ndarray:
        """The music ids of a sequence: everything up to a CondEnd prefix is the caller's job; skip ids go
        here."""
        arr = np.asarray(ids, dtype=np.int64).reshape(-1)
        if arr.size and (arr.min() < 0 or arr.max() >= self.config.vocab_size):
            raise ValueError(
                f"token ids outside the classifier's vocabulary 0..{self.config.vocab_size - 1} "
                f"(min {int(arr.min())}, max {int(arr.max())}): was it trained with another tokenizer?"
            )
        skip = self._skip.cpu().numpy()
        return arr[~skip[arr]] if arr.size else arr

    def piece_windows(self, music_ids: Any, max_windows: int = 8) -> torch.Tensor:
        """Up to ``max_windows`` evenly spread windows of ``config.window`` tokens covering a piece,
        padded."""
        music = self.music_only(music_ids)
        w = self.config.window
        if len(music) <= w:
            starts = [0]
        else:
            n = min(max_windows, int(np.ceil(len(music) / w)))
            starts = np.linspace(0, len(music) - w, n).round().astype(int).tolist()
        out = torch.full((len(starts), w), self.config.pad_id, dtype=torch.long)
        for r, s in enumerate(starts):
            chunk = torch.as_tensor(music[s : s + w])
            out[r, : len(chunk)] = chunk
        return out

    @torch.no_grad()
    def predict(self, music_ids: Any, max_windows: int = 8) -> dict[str, Any]:
        """Style probabilities (averaged over the piece's windows) and P(real music) of one piece's music ids.

        Returns ``{"style": {label: probability}, "quality": probability, "windows": n, "tokens": n}``; a
        piece without music tokens gets an empty style dict and quality 0.
        """
        music = self.music_only(music_ids)
        if not len(music):
            return {"style": {}, "quality": 0.0, "windows": 0, "tokens": 0}
        was_training = self.training
        self.eval()
        windows = self.piece_windows(music, max_windows).to(self.embed.weight.device)
        style, quality = self(windows)
        self.train(was_training)
        probs = torch.softmax(style.float(), -1).mean(0)
        return {
            "style": {label: float(p) for label, p in zip(self.config.labels, probs.tolist(), strict=False)},
            "quality": float(torch.sigmoid(quality.float()).mean()),
            "windows": int(windows.shape[0]),
            "tokens": int(len(music)),
        }

    # --- save / load ----------------------------------------------------------------------------------------
    def save_pretrained(self, directory: str | Path, card: dict[str, Any] | None = None) -> Path:
        """Write config.json, model.safetensors, model_card.json, README.md (and the tokenizer) atomically."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().contiguous().cpu() for k, v in self.state_dict().items()}
        with atomic_path(out / WEIGHTS) as tmp:
            save_file(state, str(tmp), metadata={"format": "pt", "partita": "StyleClassifier"})
        atomic_write_text(out / CONFIG, self.config.to_json())
        if self.tokenizer is not None and hasattr(self.tokenizer, "save_pretrained"):
            self.tokenizer.save_pretrained(out / TOKENIZER_DIR)
        info = {**self.card, **(card or {})}
        info["parameters"] = self.num_parameters()
        info["labels"] = self.labels
        atomic_write_text(out / CARD_JSON, json.dumps(info, indent=2, sort_keys=True, default=str) + "\n")
        atomic_write_text(out / CARD_MD, model_card(self.config, info))
        self.card = info
        logger.info("saved style classifier to %s", out)
        return out

    @classmethod
    def from_pretrained(cls, name_or_path: str | Path, seed: int = 0) -> StyleClassifier:
        """Load a folder written by :meth:`save_pretrained`; ``"debug"`` builds a tiny untrained one in
        code."""
        if str(name_or_path) == "debug":
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                model = cls(debug_config())
            model.card = {"name": "debug", "data": "none (random weights)", "steps": 0}
            return model.eval()
        folder = Path(name_or_path).expanduser()
        if not (folder / CONFIG).is_file():
            raise FileNotFoundError(f"{folder}: not a style classifier folder (no {CONFIG})")
        try:
            config = StyleClassifierConfig.from_dict(json.loads((folder / CONFIG).read_text()))
        except (json.JSONDecodeError, TypeError, ValueError) as e:
            raise ValueError(f"{folder / CONFIG}: not a valid style classifier config: {e}") from None
        if not (folder / WEIGHTS).is_file():
            raise FileNotFoundError(
                f"{folder / WEIGHTS}: missing (a style classifier folder needs {WEIGHTS})"
            )
        model = cls(config)
        try:
            state = load_file(str(folder / WEIGHTS), device="cpu")
        except (SafetensorError, OSError) as e:
            raise ValueError(f"{folder / WEIGHTS}: unreadable weights ({e})") from None
        try:
            model.load_state_dict(state, strict=True)
        except RuntimeError as e:
            raise ValueError(f"{folder / WEIGHTS}: weights do not match {CONFIG} ({e})") from None
        if (folder / CARD_JSON).is_file():
            try:
                model.card = json.loads((folder / CARD_JSON).read_text())
            except (OSError, json.JSONDecodeError) as e:  # the card is documentation: warn, do not fail
                logger.warning("%s: unreadable model card (%s)", folder / CARD_JSON, e)
        if (folder / TOKENIZER_DIR).is_dir():
            try:
                model.tokenizer = MiditokTokenizer.from_pretrained(folder / TOKENIZER_DIR)
            except Exception as e:  # miditok raises assorted errors on a broken tokenizer file
                raise ValueError(
                    f"{folder / TOKENIZER_DIR}: unreadable tokenizer ({type(e).__name__}: {e})"
                ) from None
            if model.tokenizer.vocab_size != config.vocab_size:
                raise ValueError(
                    f"{folder}: the tokenizer has {model.tokenizer.vocab_size} tokens but {CONFIG} says "
                    f"vocab_size {config.vocab_size}"
                )
        return model.eval()


def _card_value(v: Any, digits: int = 3) -> str:
    """A metric for a markdown table cell: floats rounded, dicts as ``key value`` pairs (nested in
    brackets)."""
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    if isinstance(v, dict):
        return ", ".join(
            f"{a} ({_card_value(b)})" if isinstance(b, dict) else f"{a} {_card_value(b)}"
            for a, b in v.items()
        )
    if isinstance(v, list):
        return "/".join(str(x) for x in v)
    return str(v)


def model_card(config: StyleClassifierConfig, info: dict[str, Any]) -> str:
    """The README.md of a classifier folder: what it reads, what it was trained on, and its held-out
    metrics."""
    lines = [f"# {info.get('name', 'partita style / quality classifier')}", ""]
    lines.append(
        f"A {config.n_layers}-layer dilated-convolution classifier of {config.window}-token music windows "
        f"(width {config.d_model}, {info.get('parameters', 0):,} parameters, vocabulary {config.vocab_size}) "
        "with a style head and a quality head (P(real music) against degraded windows). It reads only music "
        "tokens, never the condition prefix."
    )
    if config.programs == "neutral":
        lines[-1] += (
            f" It reads every pitched program as {NEUTRAL_PROGRAM} (drums stay drums), so it cannot tell a "
            "flute from a piano: the same notes are one input (`classifier_ids`, applied by its trainer and "
            "by the Selector)."
        )
    lines += ["", f"Style labels: {', '.join(config.labels) or '(none)'}.", "", "## Training", ""]
    for key in ("data", "data_hash", "steps", "seconds", "train_config", "excluded_styles", "selected_step"):
        if key in info:
            value = info[key]
            if isinstance(value, (dict, list)):
                value = "`" + json.dumps(value, sort_keys=True) + "`"
            lines.append(f"- {key.replace('_', ' ')}: {value}")
    for split in ("valid", "test"):
        metrics = (info.get("metrics") or {}).get(split)
        if not metrics:
            continue
        lines += ["", f"## Metrics ({split})", "", "| metric | value |", "|---|---|"]
        for k, v in metrics.items():
            lines.append(f"| {k} | {_card_value(v, 4)} |")
    lines += [
        "",
        "## Use",
        "",
        "```python",
        "from partita.evaluation.selector import Selector",
        "",
        'selector = Selector.from_pretrained("path/to/this/folder")',  # as ruff formats the card's code
        "ranked = selector.rank(candidates, request)",
        "```",
        "",
    ]
    return "\n".join(lines)
