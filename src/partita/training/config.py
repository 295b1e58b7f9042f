"""The training configuration (:class:`TrainConfig`, saved as JSON) and the named presets."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partita.atomic import atomic_write_text


@dataclass
class TrainConfig:
    """Everything one training run needs; ``partita train --config FILE`` reads it from JSON.

    ``data`` names the training tokens: ``"jsb"`` (the JSB Chorales, see :mod:`partita.tokens.jsb`),
    ``"debug"`` (a small synthetic pattern, for tests), or a path to a ``.npy`` array of token ids (a flat
    uint16/int array, memory-mapped, or a 2-D array of sequences) or to a folder with ``train.npy`` and
    ``valid.npy``. ``model`` holds the :class:`~partita.models.MusicLMConfig` fields (``vocab_size`` is taken
    from the data when it knows it).
    """

    name: str = "run"
    data: str = "debug"
    valid_data: str | None = None  # default: the data's own validation split
    model: dict[str, Any] = field(default_factory=dict)
    batch_size: int = 8  # sequences per micro-batch per process
    grad_accum: int = 1  # micro-batches per optimizer step
    max_steps: int = 1000
    lr: float = 3e-4
    min_lr: float = 3e-5
    warmup_steps: int = 100
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.95
    grad_clip: float = 1.0
    bf16: str = "auto"  # "auto" (on when the CPU has native bf16 or on GPU), "on", "off"
    seed: int = 1337
    threads: int = 0  # torch threads per process (0: torch's default)
    augment_transpose: bool = False  # JSB: transpose the training chorales by -5..+6 semitones
    eval_interval: int = 200
    eval_tokens: int = 0  # tokens scored per evaluation (0: the whole validation split)
    checkpoint_interval: int = 100
    log_interval: int = 10
    tokens_per_note: float | None = None  # how many tokens make one note (for the NLL per note)
    # continual pretraining (CultureMERT's two-stage recipe); used when training starts from --init-from
    init_from: str | None = None
    stage1_steps: int = 0  # stage 1: only the embeddings, final norm (and position table) train
    stage1_warmup: int = 20
    stage1_lr: float | None = None  # default: lr
    replay_data: str | None = None  # old-domain data mixed into stage 1 to limit forgetting
    replay_fraction: float = 0.2
    fim_rate: float = 0.0
    """The share of training windows in the fill-in-the-middle layout (:mod:`partita.models.fim`): the
    model learns to write bars between given ones. Its vocabulary gets the two marker ids (a model given by
    ``init_from`` grows by them)."""
    # a style expert (partita.models.experts): LoRA on a frozen base given by init_from
    lora_rank: int = 0
    """Above 0: only low-rank updates of ``lora_targets`` train, the base model (``init_from``) stays frozen,
    and the run saves an expert (``expert/``) beside the merged model."""
    lora_alpha: float | None = None  # default: twice the rank
    lora_targets: list[str] = field(default_factory=lambda: ["attn.qkv", "attn.proj", "mlp.0", "mlp.2"])
    expert_style: str | None = None
    """The style the expert is for (what a request's style must be for the generator to use it)."""

    def __post_init__(self) -> None:
        if self.bf16 not in ("auto", "on", "off"):
            raise ValueError(f"bf16 must be 'auto', 'on' or 'off', got {self.bf16!r}")
        for name in (
            "batch_size",
            "grad_accum",
            "max_steps",
            "log_interval",
            "eval_interval",
            "checkpoint_interval",
        ):
            if int(getattr(self, name)) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        if self.warmup_steps < 0 or self.stage1_steps < 0:
            raise ValueError("warmup_steps and stage1_steps must not be negative")
        if self.stage1_steps >= self.max_steps and self.stage1_steps:
            raise ValueError(f"stage1_steps ({self.stage1_steps}) must be below max_steps ({self.max_steps})")
        if not 0.0 <= self.fim_rate <= 1.0:
            raise ValueError(f"fim_rate must be in [0, 1], got {self.fim_rate}")
        if self.lora_rank < 0:
            raise ValueError(f"lora_rank must not be negative, got {self.lora_rank}")
        if self.lora_rank and not self.init_from:
            raise ValueError("lora_rank adapts a trained model: give init_from (the base model) too")
        if self.lora_rank and self.stage1_steps:
            raise ValueError("lora_rank and stage1_steps do not go together: the base stays frozen")
        if not 0.0 <= self.replay_fraction < 1.0:
            raise ValueError(f"replay_fraction must be in [0, 1), got {self.replay_fraction}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ValueError(f"unknown training config keys: {', '.join(unknown)}")
        return cls(**d)

    def save(self, path: str | Path) -> None:
        atomic_write_text(path, json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")


def load_train_config(path: str | Path) -> TrainConfig:
    """Read a :class:`TrainConfig` from JSON, naming the file in any error."""
    path = Path(path)
    try:
        return TrainConfig.from_dict(json.loads(path.read_text()))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: training config not found") from None
    except (json.JSONDecodeError, TypeError, ValueError) as e:
        raise ValueError(f"{path}: not a valid training config: {e}") from None


# Music Transformer's JSB setting; 400 steps took ~44 min per model on one thread of the busy shared machine
# (bf16): the two presets differ only in the position scheme (same size, steps, batch, block size, seed).
_JSB_MODEL = dict(
    block_size=512,
    n_layer=4,
    n_head=4,
    d_model=192,
    d_ff=768,
    dropout=0.15,
    max_relative_distance=512,
    attention_block=512,
)
_JSB = dict(
    data="jsb",
    batch_size=8,
    grad_accum=1,
    max_steps=400,
    lr=1e-3,
    min_lr=5e-5,
    warmup_steps=50,
    weight_decay=0.05,
    augment_transpose=True,
    eval_interval=200,
    checkpoint_interval=50,
    tokens_per_note=1.0,
    threads=1,
)

PRESETS: dict[str, dict[str, Any]] = {
    "debug": dict(
        name="debug",
        data="debug",
        model=dict(
            block_size=64, n_layer=2, n_head=2, d_model=32, d_ff=64, dropout=0.0, max_relative_distance=16
        ),
        batch_size=4,
        max_steps=20,
        lr=3e-3,
        min_lr=3e-4,
        warmup_steps=4,
        eval_interval=10,
        eval_tokens=2048,
        checkpoint_interval=5,
        log_interval=1,
        threads=1,
    ),
    "jsb-relative": dict(name="jsb-relative", model={**_JSB_MODEL, "position": "relative"}, **_JSB),
    "jsb-absolute": dict(name="jsb-absolute", model={**_JSB_MODEL, "position": "absolute"}, **_JSB),
    "jsb-rotary": dict(name="jsb-rotary", model={**_JSB_MODEL, "position": "rotary"}, **_JSB),
    # partita-small: 6 layers x 320 with relative attention, ~9M params at vocab 2000, trained on the token
    # folder that `make partita-small` builds (the corpus mix, BPE 2000, conditions, transposition + tempo
    # augmentation) under `torchrun --nproc_per_node=2` (one thread per process: measured on this 2-core
    # machine, two 1-thread processes train ~1.7k tok/s where one 2-thread process trains ~1.1k, and bf16
    # autocast gains nothing here). Block 512 keeps a whole folk tune or ~220 notes of pop in view; sampling
    # slides past it keeping the condition prefix (as training windows do). 500 steps x 2 x 8 x 512 = 4.1M
    # tokens (~0.3 epoch, ~55 min) is what one working session leaves for training after the corpus and token
    # builds; a later session continues with --init-from.
    "small": dict(
        name="partita-small",
        data="data/tokens/all",
        model=dict(
            block_size=512,
            n_layer=6,
            n_head=5,
            d_model=320,
            d_ff=1280,
            dropout=0.0,
            max_relative_distance=512,
            attention_block=128,
        ),
        batch_size=8,  # per process: 16 sequences per step under torchrun --nproc_per_node=2
        grad_accum=1,
        max_steps=500,
        lr=6e-4,
        min_lr=6e-5,
        warmup_steps=50,
        eval_interval=100,
        eval_tokens=100_000,
        checkpoint_interval=25,
        log_interval=5,
        threads=1,
        bf16="off",
    ),
}
# The second stage of the shipped partita-small: `--init-from` the first stage's model, the learning rate
# re-warmed and re-decayed over 2,400 more steps (19.7M tokens, ~1.3 epochs) with bf16 autocast, which this
# AMD EPYC runs natively (~5.1k tok/s under torchrun --nproc_per_node=2, against ~1.7k fp32 on the older
# machine of stage 1).
PRESETS["small-continue"] = {
    **PRESETS["small"],
    "max_steps": 2400,
    "warmup_steps": 100,
    "eval_interval": 200,
    "bf16": "on",
}

# The third stage (2026-12-04, one 1-thread process on the CPU beside other work, ~45 min): `--init-from` the
# second stage's model on the bundle's token folder (`data/tokens/base`: the same corpus and tokenizer, four
# augmented copies), the learning rate re-warmed to half the second stage's peak and decayed over 2,400 steps
# (9.8M tokens). The run was started with max_steps 3200 and resumed at step 700 with --max-steps 2400 (the
# schedule's step then moved from 0.97 to 0.91 of the peak), as docs/MODEL.md records.
PRESETS["small-stage3"] = {
    **PRESETS["small-continue"],
    "data": "data/tokens/base",
    "lr": 3e-4,
    "min_lr": 3e-5,
    "eval_interval": 800,
    "checkpoint_interval": 100,
}

# partita-base: 8 layers x 512 with relative attention over a 1024-token context (~26M parameters at vocab
# 2000: 52 MB in bf16, under the shipping limit),
# trained on a GPU from a training bundle (`partita tokens bundle`, scripts/train-bundle.py), which sizes
# max_steps to the time at hand; 64 sequences of 1024 tokens per step, bf16 autocast, dropout against the few
# unique tokens.
PRESETS["base"] = dict(
    name="partita-base",
    data="data/tokens/all",
    model=dict(
        block_size=1024,
        n_layer=8,
        n_head=8,
        d_model=512,
        d_ff=1536,
        dropout=0.1,
        max_relative_distance=1024,
        attention_block=256,
    ),
    batch_size=64,
    grad_accum=1,
    max_steps=4000,
    lr=8e-4,
    min_lr=8e-5,
    warmup_steps=200,
    eval_interval=500,
    eval_tokens=200_000,
    checkpoint_interval=100_000,  # the end of the run only: a lent GPU's run is short and not resumed
    log_interval=50,
    bf16="on",
)


def preset(name: str, **overrides: Any) -> TrainConfig:
    """The training config of a named preset, with ``overrides`` applied."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}: choose one of {', '.join(sorted(PRESETS))}")
    d = json.loads(json.dumps(PRESETS[name]))  # a deep copy
    d.update(overrides)
    return TrainConfig.from_dict(d)
