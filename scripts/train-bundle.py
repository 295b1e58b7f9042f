#!/usr/bin/env python3
"""Train a partita model from a training bundle where only torch, numpy and safetensors are installed (a GPU).

    python scripts/train-bundle.py BUNDLE.npz --preset base --out RUN --seconds 420 [--export DIR]

- ``BUNDLE.npz`` comes from ``partita tokens bundle TOKENS BUNDLE.npz`` on the machine that built the tokens.
- ``--seconds`` sizes the run to the time at hand: a few timed steps of the same shape first, then as many
  steps as fit (the learning-rate schedule is laid over exactly those steps), unless ``--steps`` is given.
- ``--export DIR`` writes the trained weights as bf16 safetensors shards of at most ``--shard-mib`` each, with
  config.json, card.json and metrics.jsonl: what ``partita model import-shards`` turns back into a model
  folder.
It runs partita's own training loop (:func:`partita.training.train`): the same code as on the CPU.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import torch  # noqa: E402

from partita.models import MusicLM, MusicLMConfig  # noqa: E402
from partita.models.pretrained import export_shards  # noqa: E402
from partita.training import load_token_data, preset, train  # noqa: E402
from partita.training.data import random_windows  # noqa: E402


def timed_steps(cfg, data, device: torch.device, steps: int = 12) -> float:
    """Seconds per optimizer step of this config's model and batch here (after two warm-up steps)."""
    fields = dict(vocab_size=data.vocab_size, bos_id=data.bos_id, eos_id=data.eos_id, pad_id=data.pad_id)
    model = MusicLM(MusicLMConfig(**{**fields, **cfg.model})).to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    g = torch.Generator().manual_seed(0)
    use_bf16 = cfg.bf16 != "off" and device.type == "cuda"
    for i in range(steps + 2):
        if i == 2:
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
        for _ in range(cfg.grad_accum):
            x, y = random_windows(data.train, cfg.batch_size, model.config.block_size, g, data.prefixes)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16):
                _, loss = model(x.to(device), y.to(device))
            (loss / cfg.grad_accum).backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / steps


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bundle")
    ap.add_argument("--preset", default="base")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=float, default=0.0, help="time budget for the training steps")
    ap.add_argument("--steps", type=int, default=0, help="optimizer steps (overrides --seconds)")
    ap.add_argument("--export", default=None)
    ap.add_argument("--shard-mib", type=float, default=15.0)
    ap.add_argument("--override", action="append", default=[], help="KEY=JSON for the TrainConfig")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    cfg = preset(args.preset, data=args.bundle)
    for item in args.override:
        key, _, value = item.partition("=")
        setattr(cfg, key, json.loads(value))
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    data = load_token_data(args.bundle)
    print(
        f"bundle: {len(data.train):,} training tokens, vocab {data.vocab_size}, device {device}", flush=True
    )
    steps = args.steps
    if not steps:
        per_step = timed_steps(cfg, data, device)
        evals = 1 + 1 / cfg.eval_interval  # evaluation and checkpoint overhead, roughly
        steps = max(10, int(args.seconds / (per_step * evals)))
        tokens = steps * cfg.batch_size * cfg.grad_accum * cfg.model.get("block_size", 512)
        print(
            f"{per_step * 1000:.0f} ms per step: {steps} steps ({tokens:,} tokens) fit {args.seconds:.0f} s",
            flush=True,
        )
    cfg.max_steps = steps
    cfg.warmup_steps = min(cfg.warmup_steps, max(1, steps // 10))
    started = time.perf_counter()
    result = train(cfg, args.out)
    print(
        f"trained {result.step} steps, {result.tokens_seen:,} tokens in {time.perf_counter() - started:.0f} "
        f"s ({result.tokens_per_second:,.0f} tok/s)",
        flush=True,
    )
    print(json.dumps({k: round(v, 4) for k, v in result.metrics.items() if "nll_per_token" in k}), flush=True)
    if args.export:
        out = Path(args.export)
        names = export_shards(result.model_dir, out, args.shard_mib)
        shutil.copy(Path(args.out) / "metrics.jsonl", out / "metrics.jsonl")
        print("exported", names, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
