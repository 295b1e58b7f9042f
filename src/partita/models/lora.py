"""Small trainable additions to a frozen :class:`~partita.models.MusicLM`: LoRA, pivotal deltas, new tokens.

What a *concept* (a style learned from a few reference pieces, JEN-1 DreamStyler's recipe) adds to a base
model, all of it without changing the base weights:

- :class:`LoRALinear`: a frozen ``nn.Linear`` plus a low-rank update ``scale * B @ A`` (Hu et al. 2021), ``B``
  initialised to zero so that a fresh wrapper computes exactly what the base layer does;
  :func:`add_lora` wraps the attention projections (``attn.qkv``, ``attn.proj``) of every block;
- pivotal layers (:func:`pivotal_names`): chosen parameters of the base model (e.g. the last block's MLP and
  layer norms) tuned, and kept as ``delta = tuned - base`` (applied as ``base + scale * delta``);
- :class:`ConceptEmbedding` and :class:`ConceptHead`: extra token embeddings appended after the
  vocabulary (the concept's id is the base vocabulary size), and a head that never predicts them.

:func:`with_additions` returns a copy of a model with all three in place (the config's ``vocab_size`` grown by
the new tokens, so that samplers accept their ids in a prompt); ``scale`` is the concept's strength, the knob
between likeness to the references (1) and the base model (0).
"""

from __future__ import annotations

import copy
import fnmatch
import math
from collections.abc import Iterable

import torch
from torch import nn

from partita.models.music_lm import MusicLM, MusicLMConfig

LORA_TARGETS = ("attn.qkv", "attn.proj")
"""The linear layers LoRA wraps by default: every block's attention projections."""

PIVOTAL_LAYERS = {
    "last_mlp": ("blocks.{last}.mlp.0", "blocks.{last}.mlp.2", "blocks.{last}.ln2"),
    "last_block": ("blocks.{last}",),
    "layer_norms": ("blocks.*.ln1", "blocks.*.ln2", "ln_f"),
}
"""Named choices of pivotal layers (module-name patterns; ``{last}`` is the last block, ``*`` every one)."""


class LoRALinear(nn.Module):
    """``base(x) + scale * (alpha / rank) * x A^T B^T`` with ``base`` frozen; ``B`` starts at zero."""

    def __init__(self, base: nn.Linear, rank: int = 4, alpha: float | None = None) -> None:
        super().__init__()
        if rank <= 0:
            raise ValueError(f"LoRA rank must be positive, got {rank}")
        self.base = base
        for p in base.parameters():
            p.requires_grad_(False)
        self.rank = int(rank)
        self.alpha = float(alpha if alpha is not None else rank)
        self.lora_a = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))
        self.scale = 1.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.base(x)
        if self.scale == 0.0:
            return out
        delta = (x @ self.lora_a.to(x.dtype).t()) @ self.lora_b.to(x.dtype).t()
        return out + delta * (self.scale * self.alpha / self.rank)


def add_lora(
    model: nn.Module, rank: int = 4, alpha: float | None = None, targets: Iterable[str] = LORA_TARGETS
) -> dict[str, LoRALinear]:
    """Wrap every ``nn.Linear`` whose name ends with one of ``targets`` in a :class:`LoRALinear`, in place;
    returns the wrappers by module name."""
    targets = tuple(targets)
    names = [n for n, m in model.named_modules() if isinstance(m, nn.Linear) and n.endswith(targets)]
    if not names:
        raise ValueError(f"no linear layer of the model is named like {', '.join(targets)}")
    wrapped = {}
    for name in names:
        parent, _, attr = name.rpartition(".")
        owner = model.get_submodule(parent) if parent else model
        wrapped[name] = LoRALinear(getattr(owner, attr), rank, alpha)
        setattr(owner, attr, wrapped[name])
    return wrapped


def lora_modules(model: nn.Module) -> dict[str, LoRALinear]:
    """The :class:`LoRALinear` wrappers of a model by module name."""
    return {n: m for n, m in model.named_modules() if isinstance(m, LoRALinear)}


def pivotal_names(model: MusicLM, layers: str | Iterable[str]) -> list[str]:
    """The parameter names of the pivotal layers ``layers`` (a key of :data:`PIVOTAL_LAYERS` or module-name
    patterns) in ``model``, sorted."""
    patterns = PIVOTAL_LAYERS.get(layers, (layers,)) if isinstance(layers, str) else tuple(layers)
    last = model.config.n_layer - 1
    out = []
    wanted = [p.replace("{last}", str(last)) for p in patterns]
    for name, _ in model.named_parameters():
        if name != "head.weight" and any(fnmatch.fnmatchcase(name, w + ".*") for w in wanted):
            out.append(name)
    if not out:
        raise ValueError(f"no parameter of the model is in the pivotal layers {layers!r}")
    return sorted(out)


class ConceptEmbedding(nn.Module):
    """The base token embedding (frozen) with ``extra`` rows after it: id ``vocab + k`` is ``extra[k]``.

    With ``scale`` below 1 a new row is mixed with its starting point ``init`` (``scale * extra + (1 - scale)
    * init``): the concept token's part of the strength knob."""

    def __init__(self, base: nn.Embedding, extra: torch.Tensor, init: torch.Tensor | None = None) -> None:
        super().__init__()
        self.base = base
        self.vocab = base.num_embeddings
        self.extra = nn.Parameter(extra.detach().clone().reshape(-1, base.embedding_dim))
        self.register_buffer(
            "init", (init if init is not None else extra).detach().clone().reshape_as(self.extra)
        )
        self.scale = 1.0

    @property
    def weight(self) -> torch.Tensor:
        """The base embedding matrix (what a tied head multiplies with)."""
        return self.base.weight

    def rows(self) -> torch.Tensor:
        return self.init + self.scale * (self.extra - self.init) if self.scale != 1.0 else self.extra

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        new = idx >= self.vocab
        if not bool(new.any()):
            return self.base(idx)
        out = self.base(idx.clamp(max=self.vocab - 1))
        rows = self.rows().to(out.dtype)[(idx[new] - self.vocab).clamp(max=self.extra.shape[0] - 1)]
        return out.masked_scatter(new[..., None].expand_as(out), rows) if rows.numel() else out


class ConceptHead(nn.Module):
    """The base head's logits with ``extra`` columns of ``-inf``: the new tokens are read, never predicted."""

    def __init__(self, base: nn.Linear, extra: int) -> None:
        super().__init__()
        self.base = base
        self.extra = int(extra)

    @property
    def weight(self) -> torch.Tensor:
        return self.base.weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.base(x)
        pad = logits.new_full((*logits.shape[:-1], self.extra), float("-inf"))
        return torch.cat([logits, pad], dim=-1)


def copy_model(model: MusicLM) -> MusicLM:
    """A deep copy of ``model`` sharing its tokenizer and without its forward hooks: a hook belongs to
    whoever set it on the original (the studio's per-request :class:`~partita.web.limits.Deadline` holds a
    thread-local, which cannot be copied, and would watch the wrong model's requests)."""
    memo: dict[int, object] = {}
    tokenizer = getattr(model, "tokenizer", None)  # shared, not copied
    if tokenizer is not None:
        memo[id(tokenizer)] = tokenizer
    for module in model.modules():
        for name in ("_forward_pre_hooks", "_forward_hooks"):
            hooks = getattr(module, name, None)
            if hooks:
                memo[id(hooks)] = type(hooks)()
    return copy.deepcopy(model, memo=memo)


def with_additions(
    model: MusicLM,
    tokens: torch.Tensor,
    token_init: torch.Tensor | None = None,
    lora: dict[str, dict[str, torch.Tensor]] | None = None,
    lora_rank: int = 4,
    lora_alpha: float | None = None,
    pivotal: dict[str, torch.Tensor] | None = None,
    scale: float = 1.0,
) -> MusicLM:
    """A frozen copy of ``model`` with new token rows ``tokens`` (ids from its vocabulary size on), LoRA
    weights (``{module: {"a": A, "b": B}}``) and pivotal deltas (``{parameter: delta}``), each delta scaled by
    ``scale``. The copy's config counts the new tokens in ``vocab_size``; the model passed is not changed."""
    out = copy_model(model)
    for p in out.parameters():
        p.requires_grad_(False)
    if pivotal:
        params = dict(out.named_parameters())
        with torch.no_grad():
            for name, delta in pivotal.items():
                if name not in params or params[name].shape != delta.shape:
                    raise ValueError(f"pivotal parameter {name} does not fit this model")
                params[name].add_(scale * delta.to(params[name].dtype))
    if lora:
        wrapped = add_lora(out, lora_rank, lora_alpha, targets=tuple(lora))
        for name, ab in lora.items():
            if name not in wrapped:
                raise ValueError(f"LoRA layer {name} does not fit this model")
            with torch.no_grad():
                wrapped[name].lora_a.copy_(ab["a"])
                wrapped[name].lora_b.copy_(ab["b"])
            wrapped[name].lora_a.requires_grad_(False)
            wrapped[name].lora_b.requires_grad_(False)
            wrapped[name].scale = float(scale)
    add_tokens(out, tokens, token_init, scale)
    for p in out.parameters():
        p.requires_grad_(False)
    return out.eval()


def add_tokens(
    model: MusicLM, tokens: torch.Tensor, init: torch.Tensor | None = None, scale: float = 1.0
) -> ConceptEmbedding:
    """Append token rows to ``model``'s embedding in place (a :class:`ConceptEmbedding` and
    :class:`ConceptHead`, the config's ``vocab_size`` grown); returns the new embedding module."""
    base_vocab = model.tok_emb.num_embeddings if isinstance(model.tok_emb, nn.Embedding) else None
    if base_vocab is None:
        raise ValueError("this model already carries added tokens")
    emb = ConceptEmbedding(model.tok_emb, tokens, init)
    emb.scale = float(scale)
    model.tok_emb = emb
    model.head = ConceptHead(model.head, emb.extra.shape[0])
    config = MusicLMConfig.from_dict(model.config.to_dict())
    config.vocab_size = base_vocab + emb.extra.shape[0]
    config.extra = {**config.extra, "base_vocab_size": base_vocab}
    model.config = config
    return emb


def lora_weights(model: nn.Module) -> dict[str, dict[str, torch.Tensor]]:
    """The LoRA tensors of a model's wrappers, ``{module: {"a": A, "b": B}}`` (detached copies)."""
    return {
        name: {"a": m.lora_a.detach().clone(), "b": m.lora_b.detach().clone()}
        for name, m in lora_modules(model).items()
    }


def merge_lora(model: nn.Module) -> nn.Module:
    """Fold every :class:`LoRALinear` of ``model`` into a plain ``nn.Linear`` (``W + scale * alpha / rank *
    B A``), in place; returns the model. A merged model samples as fast as the base and saves like it."""
    for name, m in lora_modules(model).items():
        parent, _, attr = name.rpartition(".")
        owner = model.get_submodule(parent) if parent else model
        merged = nn.Linear(m.base.in_features, m.base.out_features, bias=m.base.bias is not None)
        with torch.no_grad():
            delta = (m.lora_b.float() @ m.lora_a.float()) * (m.scale * m.alpha / m.rank)
            merged.weight.copy_(m.base.weight.float() + delta)
            if m.base.bias is not None:
                merged.bias.copy_(m.base.bias)
        merged.to(m.base.weight.dtype)
        setattr(owner, attr, merged)
    return model
