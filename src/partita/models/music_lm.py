"""The music language model: one readable decoder-only transformer (nanoGPT's house style).

Pre-norm blocks of causal self-attention and an MLP, with a ``position`` switch:

- ``"relative"``: Music Transformer's relative attention (Huang et al. 2018). Each head learns one embedding
  per relative distance ``0 .. max_relative_distance - 1`` (farther keys share the last one). The relative
  logits ``S_rel[i, j] = q_i . E[i - j]`` are computed as ``Q @ E^T`` and then *skewed* (pad one column,
  reshape, drop a row) into place, which needs O(L * D) extra memory instead of Shaw et al.'s O(L^2 * D)
  tensor of gathered embeddings. Queries are processed in blocks, so the logits of a layer never exceed
  ``block x L`` per head at inference: the peak memory grows linearly with L. The same code serves the KV
  cache: a block of new queries at offset ``s`` against ``s + c`` keys is a rectangular skew (Transformer-XL's
  ``rel_shift``), and one new query needs no skew at all.
- ``"absolute"``: learned absolute position embeddings (GPT-2).
- ``"rotary"``: rotary position embeddings (RoFormer) on queries and keys.

The model is tokenizer-agnostic: the vocabulary size lives in :class:`MusicLMConfig`; a tokenizer may be saved
alongside by :meth:`MusicLM.save_pretrained`.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

logger = logging.getLogger(__name__)

POSITIONS = ("relative", "absolute", "rotary")


@dataclass
class MusicLMConfig:
    """Shape and position scheme of a :class:`MusicLM`; saved as ``config.json`` beside the weights."""

    vocab_size: int = 512
    block_size: int = 512  # the longest context seen in training (and the table size of absolute positions)
    n_layer: int = 4
    n_head: int = 4
    d_model: int = 256
    d_ff: int = 1024
    dropout: float = 0.1
    position: str = "relative"  # "relative" | "absolute" | "rotary"
    max_relative_distance: int = 512  # relative: distances >= this share one embedding
    rotary_base: float = 10000.0
    bias: bool = True
    tie_embeddings: bool = True
    attention_block: int = 128  # relative: queries per block (memory block x L per head; skips future keys)
    pad_id: int | None = None
    bos_id: int | None = None
    eos_id: int | None = None
    tokenizer: str | None = (
        None  # what kind of tokenizer is saved alongside: "miditok", "pretrained", "jsb", ...
    )
    extra: dict[str, Any] = field(default_factory=dict)
    fim_hole_id: int | None = None
    """Trained to fill in the middle (:mod:`partita.models.fim`): the id of its ``HOLE`` marker (``FILL`` is
    the next; both follow the tokenizer's ids); None: not trained for it."""

    def __post_init__(self) -> None:
        if self.position not in POSITIONS:
            raise ValueError(f"position must be one of {POSITIONS}, got {self.position!r}")
        if self.d_model % self.n_head:
            raise ValueError(f"d_model ({self.d_model}) must be divisible by n_head ({self.n_head})")
        if self.position == "rotary" and (self.d_model // self.n_head) % 2:
            raise ValueError("rotary positions need an even head dimension")
        for name in (
            "vocab_size",
            "block_size",
            "n_layer",
            "n_head",
            "d_model",
            "d_ff",
            "max_relative_distance",
        ):
            if int(getattr(self, name)) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_head

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MusicLMConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ValueError(f"unknown model config keys: {', '.join(unknown)}")
        return cls(**d)


class KVCache:
    """Keys and values of every layer for incremental decoding, preallocated to ``capacity`` positions."""

    def __init__(self, config: MusicLMConfig, batch: int, capacity: int, device=None, dtype=None) -> None:
        shape = (batch, config.n_head, capacity, config.head_dim)
        self.k = [torch.empty(shape, device=device, dtype=dtype) for _ in range(config.n_layer)]
        self.v = [torch.empty(shape, device=device, dtype=dtype) for _ in range(config.n_layer)]
        self.length = 0  # positions filled (the same for every layer once a forward pass ends)
        self.capacity = capacity

    def append(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Store the new keys/values of ``layer`` after the cached ones; return all of them."""
        s, c = self.length, k.shape[2]
        if s + c > self.capacity:
            raise ValueError(f"KV cache full: {s} + {c} > capacity {self.capacity}")
        self.k[layer][:, :, s : s + c] = k
        self.v[layer][:, :, s : s + c] = v
        return self.k[layer][:, :, : s + c], self.v[layer][:, :, : s + c]

    def select(self, index: torch.Tensor) -> None:
        """Keep only the batch rows in ``index`` (e.g. after some sequences finished)."""
        self.k = [t.index_select(0, index) for t in self.k]
        self.v = [t.index_select(0, index) for t in self.v]


def rel_shift(x: torch.Tensor) -> torch.Tensor:
    """The skewing procedure for a (..., c, e) block of relative logits with c queries at offset ``e - c``.

    Column ``k`` of ``x`` holds the logit for relative distance ``e - 1 - k``; the result holds at ``[i, j]``
    the logit for distance ``(e - c + i) - j``, i.e. query ``i`` against key ``j``. Entries with ``j`` after
    the query are garbage and must be masked. For c == e this is Music Transformer's skew: pad, reshape, drop
    a row.
    """
    *lead, c, e = x.shape
    x = F.pad(x, (1, 0))  # (..., c, e + 1)
    x = x.reshape(*lead, e + 1, c)[..., 1:, :]  # drop the first row of the reinterpreted matrix
    return x.reshape(*lead, c, e)


class SkewedBias(torch.autograd.Function):
    """``rel_shift`` and the causal mask in one strided read: the attention bias of a block of queries.

    ``x`` is a contiguous (H, B, c, e) block of relative logits laid out as :func:`rel_shift` takes them
    (column ``k`` holds distance ``e - 1 - k``), ``mask`` the (c, e) additive causal mask; returns the (B, H,
    c, e) bias ``rel_shift(x) + mask``. The skew is a view: row ``i`` of the result starts ``c - 1 - i``
    columns into row ``i`` of ``x``, i.e. ``x`` read with row stride ``e - 1`` from offset ``c - 1``. Written
    by hand because autograd's own ``as_strided`` backward is slow for an overlapping view (an index_add over
    the whole block); here the gradient is the same strided layout written back in one copy. Measured on torch
    2.13 CPU (fp32, the training bench model): pad + reshape + scale + mask took 7 passes over each block per
    step, this takes 3.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h, b, c, e = x.shape
        ctx.dims = (h, b, c, e)
        view = x.as_strided((h, b, c, e), (b * c * e, c * e, e - 1, 1), x.storage_offset() + c - 1)
        return torch.add(view.transpose(0, 1), mask)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        h, b, c, e = ctx.dims
        grad = grad.transpose(0, 1)  # (H, B, c, e)
        out = grad.new_empty(h, b, c * e)
        # rows i and i+1 of the view overlap in one element, where row i is masked (zero gradient); the last
        # element of x belongs to the last row only. Elements before offset c - 1 are distances never used.
        out[..., : c - 1] = 0
        out[..., c - 1 : c * e - 1].copy_(grad[..., : e - 1].reshape(h, b, c * (e - 1)))
        out[..., c * e - 1] = grad[..., c - 1, e - 1]
        return out.view(h, b, c, e), None


def rotary_tables(head_dim: int, positions: torch.Tensor, base: float) -> tuple[torch.Tensor, torch.Tensor]:
    inv = 1.0 / (
        base ** (torch.arange(0, head_dim, 2, device=positions.device, dtype=torch.float32) / head_dim)
    )
    ang = positions.float()[:, None] * inv[None, :]  # (L, hd/2)
    return ang.cos(), ang.sin()


def apply_rotary(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    x1, x2 = x[..., 0::2], x[..., 1::2]
    cos, sin = cos.to(x.dtype), sin.to(x.dtype)
    out = torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1)
    return out.flatten(-2)


class CausalSelfAttention(nn.Module):
    def __init__(self, config: MusicLMConfig, layer: int) -> None:
        super().__init__()
        self.config = config
        self.layer = layer
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model, bias=config.bias)
        self.proj = nn.Linear(config.d_model, config.d_model, bias=config.bias)
        self.dropout = config.dropout
        self.resid_drop = nn.Dropout(config.dropout)
        if config.position == "relative":
            # E[h, d] is the embedding of distance d (query minus key) for head h
            self.rel_emb = nn.Parameter(
                torch.randn(config.n_head, config.max_relative_distance, config.head_dim) * 0.02
            )

    def forward(self, x: torch.Tensor, offset: int = 0, cache: KVCache | None = None) -> torch.Tensor:
        b, c, _ = x.shape
        cfg = self.config
        q, k, v = self.qkv(x).split(cfg.d_model, dim=2)
        q = q.view(b, c, cfg.n_head, cfg.head_dim).transpose(1, 2)  # (B, H, c, hd)
        k = k.view(b, c, cfg.n_head, cfg.head_dim).transpose(1, 2)
        v = v.view(b, c, cfg.n_head, cfg.head_dim).transpose(1, 2)
        if cfg.position == "rotary":
            cos, sin = rotary_tables(
                cfg.head_dim, torch.arange(offset, offset + c, device=x.device), cfg.rotary_base
            )
            q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        if cache is not None:
            k, v = cache.append(self.layer, k, v)
        drop = self.dropout if self.training else 0.0
        if cfg.position == "relative":
            y = self._relative_attention(q, k, v, offset, drop)
        elif c == 1:
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=drop)  # one query sees every cached key
        elif k.shape[2] == c:
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=drop, is_causal=True)
        else:  # a block of queries after cached keys
            mask = _causal_mask(c, k.shape[2], x.device)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=drop)
        y = y.transpose(1, 2).reshape(b, c, cfg.d_model)
        return self.resid_drop(self.proj(y))

    def relative_embeddings(self, e: int) -> torch.Tensor:
        """(H, e, hd): row k holds the embedding of distance ``e - 1 - k``, clipped to the learned range."""
        dist = torch.arange(e - 1, -1, -1, device=self.rel_emb.device).clamp_(
            max=self.config.max_relative_distance - 1
        )
        return self.rel_emb[:, dist]

    def _relative_attention(
        self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, offset: int, drop: float
    ):
        c, e = q.shape[2], k.shape[2]
        scale = 1.0 / math.sqrt(self.config.head_dim)
        if c == 1:  # one new query against the cache: no skew, its logits per distance are read off directly
            m = min(e, self.config.max_relative_distance)
            per_dist = _per_head_matmul(q, self.rel_emb[:, :m])  # (B, H, 1, m): distances 0..m-1
            srel = per_dist.flip(-1)  # key j is at distance e-1-j
            if e > m:  # farther keys share the last embedding
                srel = torch.cat([per_dist[..., m - 1 :].expand(*per_dist.shape[:3], e - m), srel], dim=-1)
            att = ((q @ k.transpose(-1, -2) + srel) * scale).softmax(dim=-1)
            return F.dropout(att, drop) @ v if drop else att @ v
        start = e - c  # absolute index of the first query among the keys
        er = self.relative_embeddings(e)  # (H, e, hd)
        er_scaled = er * scale if q.dtype == torch.float32 else None  # once per call, not per block
        # Blocks of queries bound the logits to block x L per head, and each block skips the keys after its
        # last query (a causal layer's upper triangle, about half of the L x L work). Measured on torch 2.13
        # CPU (AMD EPYC, fp32, L = 512, forward + backward of 4 layers x 256): one block 3.35 s, blocks of 256
        # 2.38 s, of 128 2.17 s; the gradients are the same (max difference 6e-8).
        block = max(1, self.config.attention_block)
        b, h, _, hd = q.shape
        outs = []
        for lo in range(0, c, block):
            hi = min(c, lo + block)
            qb = q[:, :, lo:hi]
            ke = start + hi  # keys after the last query of the block are masked: do not compute them
            # the relative logits of this block: distances ke-1 .. 0 are the last ke rows of er
            # measured on torch 2.13 CPU: SDPA with a float mask is faster in fp32, the explicit form below 2x
            # faster under bf16 autocast. In fp32 the scale is folded into the embeddings.
            if q.dtype == torch.float32:
                logits = torch.bmm(
                    qb.transpose(0, 1).reshape(h, b * (hi - lo), hd),
                    er_scaled[:, e - ke :].transpose(1, 2),
                ).view(h, b, hi - lo, ke)
                bias = SkewedBias.apply(logits, _causal_mask(hi - lo, ke, q.device))
                outs.append(
                    F.scaled_dot_product_attention(
                        qb, k[:, :, :ke], v[:, :, :ke], attn_mask=bias, dropout_p=drop
                    )
                )
                continue
            srel = rel_shift(_per_head_matmul(qb, er[:, e - ke :]))  # (B, H, hi-lo, ke)
            # (q k^T + S_rel) / sqrt(d) in one fused batched multiply-add
            att = torch.baddbmm(
                srel.reshape(b * h, hi - lo, ke),
                qb.reshape(b * h, hi - lo, hd),
                k[:, :, :ke].transpose(-1, -2).reshape(b * h, hd, ke),
                beta=scale,
                alpha=scale,
            )
            if hi - lo > 1:
                att = att.masked_fill_(_future(hi - lo, ke, q.device), float("-inf"))
            att = att.softmax(dim=-1)
            if drop:
                att = F.dropout(att, drop)
            outs.append((att @ v[:, :, :ke].reshape(b * h, ke, hd)).view(b, h, hi - lo, hd))
        return outs[0] if len(outs) == 1 else torch.cat(outs, dim=2)


def _per_head_matmul(q: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
    """(B, H, c, d) queries times (H, n, d) per-head embeddings -> (B, H, c, n).

    One bmm over the heads with batch and queries folded together: a broadcasting ``q @ emb`` would first copy
    the embeddings once per batch row.
    """
    b, h, c, d = q.shape
    out = torch.bmm(q.transpose(0, 1).reshape(h, b * c, d), emb.transpose(1, 2))  # (H, B*c, n)
    return out.view(h, b, c, -1).transpose(0, 1)


def _future(c: int, e: int, device) -> torch.Tensor:
    """Boolean (c, e) mask, True where a key lies after its query (c queries that are the last c of e)."""
    i = torch.arange(c, device=device)[:, None] + (e - c)
    return torch.arange(e, device=device)[None, :] > i


@functools.lru_cache(maxsize=64)
def _causal_mask(c: int, e: int, device, dtype=torch.float32) -> torch.Tensor:
    """Additive mask for c queries that are the last c of e positions: 0 where allowed, -inf in the future.

    Cached (every layer of every step asks for the same few blocks); callers never write into it.
    """
    i = torch.arange(c, device=device)[:, None] + (e - c)
    j = torch.arange(e, device=device)[None, :]
    mask = torch.zeros(c, e, device=device, dtype=dtype)
    return mask.masked_fill_(j > i, float("-inf"))


class Block(nn.Module):
    def __init__(self, config: MusicLMConfig, layer: int) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(config.d_model, bias=config.bias)
        self.attn = CausalSelfAttention(config, layer)
        self.ln2 = nn.LayerNorm(config.d_model, bias=config.bias)
        self.mlp = nn.Sequential(
            nn.Linear(config.d_model, config.d_ff, bias=config.bias),
            nn.GELU(approximate="tanh"),
            nn.Linear(config.d_ff, config.d_model, bias=config.bias),
            nn.Dropout(config.dropout),
        )

    def forward(self, x: torch.Tensor, offset: int = 0, cache: KVCache | None = None) -> torch.Tensor:
        x = x + self.attn(self.ln1(x), offset, cache)
        return x + self.mlp(self.ln2(x))


class MusicLM(nn.Module):
    """A decoder-only music language model over integer tokens."""

    def __init__(self, config: MusicLMConfig) -> None:
        super().__init__()
        self.config = config
        self.tok_emb = nn.Embedding(config.vocab_size, config.d_model)
        if config.position == "absolute":
            self.pos_emb = nn.Embedding(config.block_size, config.d_model)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config, i) for i in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.d_model, bias=config.bias)
        self.head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        if config.tie_embeddings:
            self.head.weight = self.tok_emb.weight
        self.apply(self._init_weights)
        for name, p in self.named_parameters():  # GPT-2's scaled init of the residual projections
            if name.endswith("attn.proj.weight") or name.endswith("mlp.2.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))
        self.tokenizer: Any = None  # set by from_pretrained when a tokenizer was saved alongside
        self.card: dict[str, Any] = {}

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def grow_vocab(self, vocab_size: int) -> None:
        """Grow the vocabulary to ``vocab_size`` ids, in place: the old ids keep their embeddings, the new
        ones start at the old ones' mean (so a new marker starts as an average token, not as noise)."""
        old = self.config.vocab_size
        if vocab_size < old:
            raise ValueError(f"cannot shrink the vocabulary from {old} to {vocab_size} ids")
        if vocab_size == old:
            return
        weight = self.tok_emb.weight.data
        grown = torch.cat([weight, weight.mean(0, keepdim=True).expand(vocab_size - old, -1)])
        self.tok_emb = nn.Embedding(vocab_size, self.config.d_model).to(weight.device, weight.dtype)
        self.tok_emb.weight.data.copy_(grown)
        head = self.head.weight.data
        self.head = nn.Linear(self.config.d_model, vocab_size, bias=False).to(head.device, head.dtype)
        if self.config.tie_embeddings:
            self.head.weight = self.tok_emb.weight
        else:
            new_rows = head.mean(0, keepdim=True).expand(vocab_size - old, -1)
            self.head.weight.data.copy_(torch.cat([head, new_rows]))
        self.config.vocab_size = int(vocab_size)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(
        self,
        idx: torch.Tensor,
        targets: torch.Tensor | None = None,
        cache: KVCache | None = None,
        ignore_index: int = -100,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Logits (B, T, V) for token ids ``idx`` (B, T); with ``targets`` also the mean cross-entropy.

        With a ``cache``, ``idx`` continues the cached positions and the cache is extended.
        """
        b, t = idx.shape
        offset = cache.length if cache is not None else 0
        if self.config.position == "absolute" and offset + t > self.config.block_size:
            raise ValueError(
                f"sequence of {offset + t} tokens exceeds block_size {self.config.block_size} of an "
                "absolute-position model"
            )
        x = self.tok_emb(idx)
        if self.config.position == "absolute":
            x = x + self.pos_emb(torch.arange(offset, offset + t, device=idx.device))
        x = self.drop(x)
        for block in self.blocks:
            x = block(x, offset, cache)
        if cache is not None:
            cache.length += t
        logits = self.head(self.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(
                logits.float().view(-1, logits.size(-1)), targets.reshape(-1), ignore_index=ignore_index
            )
        return logits, loss

    @torch.no_grad()
    def token_nll(self, ids: list[int]) -> torch.Tensor:
        """Nats of each id of ``ids`` after the first, given the ids before it (one sequence, at most a
        block): the per-token scores that rescoring and the co-creation benchmarks read."""
        x = torch.tensor([ids], dtype=torch.long, device=next(self.parameters()).device)
        logits, _ = self(x[:, :-1])
        return -torch.log_softmax(logits.float(), dim=-1)[0].gather(1, x[0, 1:, None])[:, 0]

    def new_cache(self, batch: int, capacity: int) -> KVCache:
        p = next(self.parameters())
        return KVCache(self.config, batch, capacity, device=p.device, dtype=p.dtype)

    # -- persistence -------------------------------------------------------------------------------------

    def save_pretrained(
        self, directory: str | Path, tokenizer: Any = None, card: dict[str, Any] | None = None
    ) -> Path:
        """Write config.json, model.safetensors, README.md (the model card) and, if given, the tokenizer."""
        # here, not at the top: partita.models.pretrained imports this module
        from partita.models.pretrained import save_pretrained

        return save_pretrained(self, directory, tokenizer=tokenizer, card=card)

    @classmethod
    def from_pretrained(cls, name_or_path: str | Path, device: str | torch.device = "cpu") -> MusicLM:
        """Load a model saved by :meth:`save_pretrained`, by folder path or by name ("debug" is built in
        code)."""
        # here, not at the top: partita.models.pretrained imports this module
        from partita.models.pretrained import load_pretrained

        return load_pretrained(name_or_path, device=device)


def config_json(config: MusicLMConfig) -> str:
    return json.dumps(config.to_dict(), indent=2, sort_keys=True) + "\n"
