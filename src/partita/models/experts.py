"""Style experts: a base :class:`~partita.models.MusicLM` adapted to one style's pieces by LoRA.

One shared model learns every style at once; folk-rnn and DeepBach, which write music musicians accept, each
learned one. A style expert is the middle way: low-rank updates (Hu et al. 2021) of the attention and MLP
layers, trained on the training pieces of one style (``partita tokens build --style jig``, then ``partita
train --config ... `` with ``lora_rank``), small enough to ship several beside the base model.

An expert is a folder in partita's house style: ``adapter.safetensors`` (the LoRA tensors, ``<module>.lora_a``
and ``<module>.lora_b``), ``expert_config.json`` (its :class:`ExpertConfig`) and a ``README.md`` card. It
records a hash of the base weights it was trained on, and :meth:`StyleExpert.apply` refuses another base. A
model folder keeps its experts under ``experts/<style>/``; :func:`experts_of` lists them, and the
:class:`~partita.Generator` samples a request of that style with its expert merged in (a copy of the model:
the base is never changed), unless ``GenerationConfig.experts`` is off.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from partita.atomic import atomic_path, atomic_write_text
from partita.models.lora import add_lora, copy_model, lora_weights, merge_lora
from partita.models.music_lm import MusicLM

EXPERTS_DIR = "experts"
ADAPTER_WEIGHTS = "adapter.safetensors"
EXPERT_CONFIG = "expert_config.json"
EXPERT_CARD = "README.md"
EXPERT_TARGETS = ("attn.qkv", "attn.proj", "mlp.0", "mlp.2")
"""The layers an expert adapts by default: every block's attention projections and MLP."""
FORMAT_VERSION = 1


@dataclass
class ExpertConfig:
    """What a style expert is, and what it was trained on; saved as JSON beside its tensors."""

    style: str
    rank: int = 16
    alpha: float = 32.0
    targets: list[str] = field(default_factory=lambda: list(EXPERT_TARGETS))
    base_model: str = ""
    base_hash: str = ""
    data: str = ""
    steps: int = 0
    tokens_seen: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    version: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        if not self.style:
            raise ValueError("a style expert needs the style it is for")
        if self.rank <= 0:
            raise ValueError(f"expert rank must be positive, got {self.rank}")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ExpertConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def weights_hash(model: MusicLM) -> str:
    """sha256 of a model's weights (names, shapes and float32 values; a tied head counted once)."""
    h = hashlib.sha256()
    for name, t in sorted(model.state_dict().items()):
        if name == "head.weight" and model.config.tie_embeddings:
            continue
        h.update(f"{name}:{tuple(t.shape)};".encode())
        h.update(t.detach().float().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


@dataclass
class StyleExpert:
    """LoRA tensors for one style (``{module: {"a": A, "b": B}}``) and their :class:`ExpertConfig`."""

    config: ExpertConfig
    lora: dict[str, dict[str, torch.Tensor]]

    @classmethod
    def from_model(cls, model: MusicLM, config: ExpertConfig) -> StyleExpert:
        """The expert held by a model whose layers carry trained LoRA wrappers (what training leaves)."""
        lora = lora_weights(model)
        if not lora:
            raise ValueError("this model carries no LoRA layers: train it with lora_rank > 0")
        return cls(config, lora)

    def apply(self, model: MusicLM, strength: float = 1.0, check: bool = True) -> MusicLM:
        """A copy of ``model`` with the expert merged in, its update scaled by ``strength`` (0: the base);
        the model passed is not changed. An expert trained on other base weights is refused."""
        if check and self.config.base_hash and weights_hash(model) != self.config.base_hash:
            raise ValueError(
                f"the {self.config.style} expert was trained on other base weights "
                f"({self.config.base_model or 'another model'}): retrain it for this model"
            )
        out = copy_model(model)
        wrapped = add_lora(out, self.config.rank, self.config.alpha, targets=tuple(self.lora))
        for name, ab in self.lora.items():
            if name not in wrapped or wrapped[name].lora_a.shape != ab["a"].shape:
                raise ValueError(f"the {self.config.style} expert's layer {name} does not fit this model")
            with torch.no_grad():
                wrapped[name].lora_a.copy_(ab["a"])
                wrapped[name].lora_b.copy_(ab["b"])
            wrapped[name].scale = float(strength)
        merge_lora(out)
        for p in out.parameters():
            p.requires_grad_(False)
        return out.eval()

    def save_pretrained(self, folder: str | Path) -> Path:
        """Write ``adapter.safetensors`` (fp16), ``expert_config.json`` and a card into ``folder``."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        tensors = {
            f"{name}.lora_{k}": t.detach().to(torch.float16).contiguous()
            for name, ab in self.lora.items()
            for k, t in ab.items()
        }
        with atomic_path(out / ADAPTER_WEIGHTS, suffix=".safetensors") as tmp:
            save_file(tensors, str(tmp), metadata={"format": "partita-style-expert"})
        atomic_write_text(out / EXPERT_CONFIG, json.dumps(asdict(self.config), indent=2) + "\n")
        atomic_write_text(out / EXPERT_CARD, expert_card(self.config))
        return out

    @classmethod
    def from_pretrained(cls, folder: str | Path) -> StyleExpert:
        """The expert saved in ``folder``, or a clear error naming what is missing."""
        root = Path(folder)
        if not (root / EXPERT_CONFIG).is_file() or not (root / ADAPTER_WEIGHTS).is_file():
            raise FileNotFoundError(f"{root}: not a style expert (no {EXPERT_CONFIG} and {ADAPTER_WEIGHTS})")
        config = ExpertConfig.from_dict(json.loads((root / EXPERT_CONFIG).read_text()))
        lora: dict[str, dict[str, torch.Tensor]] = {}
        with safe_open(str(root / ADAPTER_WEIGHTS), framework="pt") as f:
            for key in f.keys():  # noqa: SIM118 (safe_open has no __iter__)
                name, _, part = key.rpartition(".lora_")
                lora.setdefault(name, {})[part] = f.get_tensor(key).float()
        if any(set(ab) != {"a", "b"} for ab in lora.values()):
            raise ValueError(f"{root / ADAPTER_WEIGHTS}: every adapted layer needs lora_a and lora_b")
        return cls(config, lora)


def experts_of(model_folder: str | Path | None) -> dict[str, Path]:
    """The style experts saved with a model, ``{style: folder}`` (``<model>/experts/<style>/``)."""
    if model_folder is None:
        return {}
    root = Path(model_folder) / EXPERTS_DIR
    if not root.is_dir():
        return {}
    return {
        p.name: p
        for p in sorted(root.iterdir())
        if (p / EXPERT_CONFIG).is_file() and (p / ADAPTER_WEIGHTS).is_file()
    }


def expert_card(config: ExpertConfig) -> str:
    """The README of an expert: what it adapts, on what data, and how it measured."""
    lines = [
        f"# Style expert: {config.style}",
        "",
        f"LoRA (rank {config.rank}, alpha {config.alpha:g}) on {', '.join(config.targets)} of every block of "
        f"{config.base_model or 'its base model'}, trained on the training pieces of the style "
        f"{config.style} ({config.data or 'data not recorded'}): {config.steps} steps, "
        f"{config.tokens_seen:,} tokens. The base weights are not changed; partita merges the expert into a "
        "copy of the model when a request asks for this style (GenerationConfig.experts).",
        "",
    ]
    if config.metrics:
        lines += ["| metric | value |", "|---|---|"]
        lines += [f"| {k} | {v:.4f} |" for k, v in sorted(config.metrics.items())]
        lines.append("")
    return "\n".join(lines)
