"""The training loop: one code path for one process and for ``torchrun --nproc_per_node=N`` (DDP).

- Distributed by environment: when torchrun sets ``WORLD_SIZE`` > 1 the loop joins a process group (gloo on
  CPU, nccl on GPU) and wraps the model in DDP; batches differ per rank, gradients are averaged.
- Gradient accumulation, bf16 autocast (``bf16="auto"`` turns it on where the CPU has native bf16), AdamW with
  linear warmup and cosine decay, gradient clipping.
- Checkpoints are resumable and atomic: ``checkpoints/step-N/`` holds ``model.safetensors``,
  ``optimizer.safetensors`` and ``state.json`` (step, tokens seen, RNG); ``checkpoints/latest.json`` names the
  newest complete one and is replaced in one rename. Rerunning the same command continues from there; batches
  and dropout are re-seeded from ``(seed, step, rank)``, so a resumed run takes the same path as an unbroken
  one. Ctrl-C or SIGTERM (:class:`partita.training.interrupt.StopSignals`) ends the step under way, saves a
  checkpoint at the step reached and raises :class:`partita.training.interrupt.TrainingInterrupted`.
- Validation NLL per token (and per note, when the data says how many tokens make a note) on whole sequences.
- Continual pretraining (``init_from``) follows CultureMERT's two-stage recipe (Kanatas et al., ISMIR 2025):
  stage 1 re-warms and re-decays the learning rate while only the embeddings and the final norm train (with
  optional replay of old-domain data); stage 2 re-warms and re-decays again with every weight free.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from safetensors.torch import load_file, save_file
from torch.nn.parallel import DistributedDataParallel

from partita.atomic import atomic_path, atomic_write_text
from partita.models import MusicLM, MusicLMConfig, load_pretrained
from partita.models.experts import ExpertConfig, StyleExpert, weights_hash
from partita.models.fim import FimIds
from partita.models.lora import add_lora, merge_lora
from partita.progress import ProgressCallback, report
from partita.training.config import TrainConfig
from partita.training.data import (
    FimTraining,
    TokenData,
    batch_seed,
    load_token_data,
    nll_metrics,
    random_windows,
    sequence_nll,
)
from partita.training.interrupt import StopSignals, TrainingInterrupted
from partita.training.train_state import load_optimizer_state, optimizer_tensors

logger = logging.getLogger(__name__)

STAGE1_PREFIXES = ("tok_emb.", "pos_emb.", "ln_f.", "head.")


@dataclass
class TrainResult:
    """What a finished (or stopped) run produced."""

    out_dir: Path
    step: int
    tokens_seen: int
    metrics: dict[str, float] = field(default_factory=dict)
    model_dir: Path | None = None
    resumed_from: int = 0
    tokens_per_second: float = 0.0


def lr_at(step: int, cfg: TrainConfig) -> float:
    """The learning rate of optimizer step ``step`` (0-based): warmup then cosine, per stage."""
    if step < cfg.stage1_steps:
        peak = cfg.stage1_lr if cfg.stage1_lr is not None else cfg.lr
        return _warmup_cosine(step, cfg.stage1_steps, cfg.stage1_warmup, peak, cfg.min_lr)
    return _warmup_cosine(
        step - cfg.stage1_steps, cfg.max_steps - cfg.stage1_steps, cfg.warmup_steps, cfg.lr, cfg.min_lr
    )


def _warmup_cosine(step: int, total: int, warmup: int, peak: float, floor: float) -> float:
    if warmup and step < warmup:
        return peak * (step + 1) / warmup
    span = max(1, total - warmup)
    progress = min(1.0, (step - warmup) / span)
    return floor + 0.5 * (peak - floor) * (1.0 + math.cos(math.pi * progress))


def bf16_supported(device: torch.device) -> bool:
    """Whether bf16 autocast runs natively here (AVX512-BF16 / AMX on CPU, any CUDA GPU with bf16)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


# -- distributed ----------------------------------------------------------------------------------------


@dataclass
class _Dist:
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    initialized_here: bool = False

    @property
    def main(self) -> bool:
        return self.rank == 0


def _setup_distributed() -> _Dist:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return _Dist(device=torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu"))
    rank, local = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    here = not dist.is_initialized()
    if here:
        dist.init_process_group(backend=backend)
    device = torch.device("cuda", local) if backend == "nccl" else torch.device("cpu")
    if backend == "nccl":
        torch.cuda.set_device(device)
    return _Dist(rank=rank, world=world, local_rank=local, device=device, initialized_here=here)


def _all_reduce_sum(values: list[float], d: _Dist) -> list[float]:
    if d.world == 1:
        return values
    t = torch.tensor(values, dtype=torch.float64, device=d.device)
    dist.all_reduce(t)
    return t.tolist()


def _barrier(d: _Dist) -> None:
    if d.world > 1:
        dist.barrier()


# -- checkpoints ----------------------------------------------------------------------------------------


def latest_checkpoint(out_dir: str | Path) -> Path | None:
    """The newest complete checkpoint folder of a run, or None."""
    pointer = Path(out_dir) / "checkpoints" / "latest.json"
    if not pointer.is_file():
        return None
    try:
        folder = Path(out_dir) / "checkpoints" / json.loads(pointer.read_text())["folder"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise ValueError(f"{pointer}: corrupt checkpoint pointer; delete it to start over") from None
    return folder if (folder / "state.json").is_file() else None


def save_checkpoint(
    out_dir: Path, model: MusicLM, opt: torch.optim.Optimizer, state: dict[str, Any], keep: int = 2
) -> Path:
    """Write ``checkpoints/step-N/`` then point ``latest.json`` at it; older ones beyond ``keep`` are
    removed."""
    root = out_dir / "checkpoints"
    folder = root / f"step-{state['step']:08d}"
    tmp = root / f".{folder.name}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    weights = {
        k: v.detach().contiguous().cpu()
        for k, v in model.state_dict().items()
        if k != "head.weight" or not model.config.tie_embeddings
    }
    save_file(weights, str(tmp / "model.safetensors"))
    tensors, meta = optimizer_tensors(opt)
    save_file(tensors, str(tmp / "optimizer.safetensors"))
    (tmp / "state.json").write_text(json.dumps({**state, "optimizer": meta}, indent=1, default=str))
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)  # the folder appears complete or not at all
    atomic_write_text(root / "latest.json", json.dumps({"folder": folder.name, "step": state["step"]}) + "\n")
    done = sorted(p for p in root.glob("step-*") if p.is_dir())
    for old in done[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return folder


def _load_checkpoint(folder: Path, model: MusicLM, opt: torch.optim.Optimizer) -> dict[str, Any]:
    weights = load_file(str(folder / "model.safetensors"))
    if model.config.tie_embeddings:
        weights["head.weight"] = weights["tok_emb.weight"]
    model.load_state_dict(weights)
    state = json.loads((folder / "state.json").read_text())
    load_optimizer_state(opt, load_file(str(folder / "optimizer.safetensors")), state.pop("optimizer"))
    return state


# -- the loop -------------------------------------------------------------------------------------------


def _fim_training(cfg: TrainConfig, data: TokenData) -> FimTraining | None:
    """What fill-in-the-middle training needs (None without ``fim_rate``); the data's vocabulary grows by the
    two markers, which follow the tokenizer's ids."""
    if not cfg.fim_rate:
        return None
    if data.cond_end_id is None:
        raise ValueError(
            f"{data.description}: fim_rate needs tokens with condition prefixes (BOS ... CondEnd): the "
            "layout goes after them"
        )
    fim = FimTraining(cfg.fim_rate, FimIds.after(int(data.vocab_size)), data.bar_id_array())
    data.vocab_size = fim.ids.fill + 1
    return fim


def _build_model(
    cfg: TrainConfig, data: TokenData, init_from: str | None, fim: FimTraining | None = None
) -> tuple[MusicLM, str | None]:
    if init_from:
        model = load_pretrained(init_from)
        if fim is not None and model.config.fim_hole_id is None:  # the markers follow its vocabulary
            if model.config.vocab_size != fim.ids.hole:
                raise ValueError(
                    f"--init-from {init_from}: its vocabulary ({model.config.vocab_size}) is not the "
                    f"tokenizer's ({fim.ids.hole}): the fill-in-the-middle markers would not follow it"
                )
            model.grow_vocab(fim.ids.fill + 1)
            model.config.fim_hole_id = fim.ids.hole
        if model.config.vocab_size < int(data.vocab_size or 0):
            raise ValueError(
                f"--init-from {init_from}: its vocabulary ({model.config.vocab_size}) is smaller than the "
                f"data's ({data.vocab_size})"
            )
        block = (cfg.model or {}).get("attention_block")
        if block:  # how attention is computed, not what the model is: the run's setting applies
            model.config.attention_block = int(block)
        if cfg.model:
            logger.info(
                "init_from %s: its own model config is used; the run's model settings (but attention_block) "
                "are ignored",
                init_from,
            )
        return model, init_from
    fields = dict(
        vocab_size=data.vocab_size,
        bos_id=data.bos_id,
        eos_id=data.eos_id,
        pad_id=data.pad_id,
        tokenizer=data.tokenizer,
        fim_hole_id=fim.ids.hole if fim is not None else None,
    )
    fields.update(cfg.model)
    return MusicLM(MusicLMConfig(**fields)), None


def _as_expert(model: MusicLM, cfg: TrainConfig) -> str:
    """Wrap ``cfg.lora_targets`` of ``model`` in LoRA and freeze everything else, in place; returns the hash
    of the base weights (recorded with the expert, which refuses any other base)."""
    base_hash = weights_hash(model)
    alpha = cfg.lora_alpha if cfg.lora_alpha is not None else 2.0 * cfg.lora_rank
    add_lora(model, cfg.lora_rank, alpha, targets=tuple(cfg.lora_targets))
    for name, p in model.named_parameters():
        p.requires_grad_(".lora_" in name)
    logger.info(
        "style expert: LoRA rank %d on %s, %d trainable parameters",
        cfg.lora_rank,
        ", ".join(cfg.lora_targets),
        sum(p.numel() for p in model.parameters() if p.requires_grad),
    )
    return base_hash


def _save_expert(model: MusicLM, cfg: TrainConfig, out: Path, base_hash: str, card: dict) -> None:
    """The run's LoRA tensors as a style expert folder ``out/expert`` (:mod:`partita.models.experts`)."""
    config = ExpertConfig(
        style=cfg.expert_style or cfg.name,
        rank=cfg.lora_rank,
        alpha=cfg.lora_alpha if cfg.lora_alpha is not None else 2.0 * cfg.lora_rank,
        targets=list(cfg.lora_targets),
        base_model=str(cfg.init_from),
        base_hash=base_hash,
        data=str(card.get("data", "")),
        steps=int(card["steps"]),
        tokens_seen=int(card["tokens_seen"]),
        metrics={k: float(v) for k, v in card["metrics"].items() if k.startswith(("valid_nll", "test_nll"))},
    )
    StyleExpert.from_model(model, config).save_pretrained(out / "expert")


def _evaluate(
    model: MusicLM, seqs: list[np.ndarray], cfg: TrainConfig, d: _Dist, prefix: str, autocast: bool, tpn
) -> dict[str, float]:
    mine = seqs[d.rank :: d.world]
    budget = cfg.eval_tokens // d.world if cfg.eval_tokens else 0
    was_training = model.training
    model.eval()
    total, count = sequence_nll(model, mine, model.config.block_size, max_tokens=budget, autocast=autocast)
    model.train(was_training)
    total, count = _all_reduce_sum([total, float(count)], d)
    return nll_metrics(total, int(count), tpn, prefix)


def train(
    config: TrainConfig,
    out_dir: str | Path,
    progress: ProgressCallback | None = None,
    init_from: str | None = None,
    max_steps: int | None = None,
    stop_after: int | None = None,
    data: TokenData | None = None,
    resume_from: str | Path | None = None,
) -> TrainResult:
    """Train (or continue training) a :class:`MusicLM` as ``config`` says, writing into ``out_dir``.

    ``out_dir`` receives ``train_config.json``, ``metrics.jsonl``, ``checkpoints/`` and, at the end, the model
    folder ``model/`` (see :meth:`MusicLM.save_pretrained`). Rerunning with the same ``out_dir`` resumes from
    the latest checkpoint. ``resume_from``: another run folder (or one of its ``checkpoints/step-N``
    folders) to go on from instead; the run goes on in ``out_dir``. ``stop_after`` ends the run after that
    many new steps (checkpointing first) without finishing it. Under torchrun the same call trains with DDP.

    Ctrl-C or SIGTERM: the step under way ends (a second Ctrl-C: at once, the step dropped), a checkpoint is
    saved at the step reached and :class:`partita.training.interrupt.TrainingInterrupted` is raised; the run
    resumed from it ends with the unbroken run's weights.
    """
    cfg = TrainConfig.from_dict(config.to_dict())
    if max_steps is not None:
        cfg.max_steps = int(max_steps)
    if init_from is not None:
        cfg.init_from = str(init_from)
    TrainConfig.from_dict(cfg.to_dict())  # re-validate after overrides
    out = Path(out_dir)
    d = _setup_distributed()
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    try:
        return _train(cfg, out, d, progress, stop_after, data, resume_from)
    finally:
        if d.initialized_here:
            dist.destroy_process_group()


def _checkpoint_to_resume(out: Path, resume_from: str | Path | None) -> Path | None:
    """The checkpoint a run in ``out`` goes on from: ``resume_from``'s (a run folder or a checkpoint
    folder; one line when it has none), else ``out``'s own latest (None: none)."""
    if resume_from is None:
        return latest_checkpoint(out)
    folder = Path(resume_from)
    found = folder if (folder / "state.json").is_file() else latest_checkpoint(folder)
    if found is None:
        raise ValueError(f"{folder}: no checkpoint to resume from (a run folder or its checkpoints/step-N)")
    return found


def _stop_requested(stop: StopSignals, d: _Dist) -> str | None:
    """The signal that asked the run to stop, on any process (all of them stop at the same step)."""
    if d.world == 1:
        return stop.requested
    anyone = _all_reduce_sum([1.0 if stop.requested else 0.0], d)[0] > 0
    return (stop.requested or "SIGTERM") if anyone else None


def _train(
    cfg: TrainConfig, out: Path, d: _Dist, progress, stop_after, data, resume_from=None
) -> TrainResult:
    data = data or load_token_data(
        cfg.data, cfg.valid_data, cfg.augment_transpose, cfg.model.get("vocab_size")
    )
    replay = load_token_data(cfg.replay_data).train if (cfg.replay_data and cfg.stage1_steps) else None
    tpn = cfg.tokens_per_note or data.tokens_per_note
    torch.manual_seed(cfg.seed)
    fim = _fim_training(cfg, data)
    model, init_from = _build_model(cfg, data, cfg.init_from, fim)
    base_hash = _as_expert(model, cfg) if cfg.lora_rank else None
    block = model.config.block_size
    data.check(block)
    model.to(d.device).train()
    use_bf16 = cfg.bf16 == "on" or (cfg.bf16 == "auto" and bf16_supported(d.device))

    trained = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    decay = [p for n, p in trained if p.dim() >= 2]
    no_decay = [p for n, p in trained if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.lr,
        betas=(cfg.beta1, cfg.beta2),
    )
    stage1_names = {n for n, _ in model.named_parameters() if n.startswith(STAGE1_PREFIXES)}
    frozen_in_stage1 = [p for n, p in model.named_parameters() if n not in stage1_names]

    step, tokens_seen, resumed_from = 0, 0, 0
    if d.main:
        out.mkdir(parents=True, exist_ok=True)
    ckpt = _checkpoint_to_resume(out, resume_from)
    if ckpt is not None:
        state = _load_checkpoint(ckpt, model, opt)
        saved = state.get("train_config", {})
        for key in ("data", "model", "batch_size", "grad_accum", "seed"):
            if key in saved and saved[key] != cfg.to_dict()[key]:
                raise ValueError(
                    f"{out}: the checkpoint was made with a different {key!r}; use a new --out folder"
                )
        step, tokens_seen, resumed_from = int(state["step"]), int(state["tokens_seen"]), int(state["step"])
        logger.info("resuming %s from step %d", out, step)
    if d.main:
        cfg.save(out / "train_config.json")

    ddp_model: torch.nn.Module = model
    if d.world > 1:
        ddp_model = DistributedDataParallel(
            model, device_ids=[d.local_rank] if d.device.type == "cuda" else None
        )

    tokens_per_step = cfg.batch_size * block * cfg.grad_accum * d.world
    metrics: dict[str, float] = {}
    started, start_step = time.perf_counter(), step
    tps = 0.0
    new_steps = 0
    saved_at = step if ckpt is not None and resume_from is None else None

    def checkpoint() -> Path:
        nonlocal saved_at
        folder = out / "checkpoints" / f"step-{step:08d}"
        if saved_at == step:  # saved already: never rewritten (a kill then would lose it)
            return folder
        if d.main:
            state = {
                "step": step,
                "tokens_seen": tokens_seen,
                "train_config": cfg.to_dict(),
                "init_from": init_from,
                "rng": "batches and dropout are re-seeded from (seed, step, rank) at every step",
                "data_position": {"step": step, "tokens_seen": tokens_seen},
            }
            save_checkpoint(out, model, opt, state)
        _barrier(d)
        saved_at = step
        return folder

    def stopped(why: str) -> TrainingInterrupted:
        logger.info("%s: stopped (%s) at step %d of %d", out, why, step, cfg.max_steps)
        return TrainingInterrupted(step, cfg.max_steps, checkpoint(), why)

    def _step() -> TrainResult | None:
        nonlocal step, new_steps, tokens_seen, tps, metrics
        lr = lr_at(step, cfg)
        in_stage1 = step < cfg.stage1_steps
        for group in opt.param_groups:
            group["lr"] = lr
        torch.manual_seed(batch_seed(cfg.seed + 1, step, 0, d.rank))  # dropout
        loss_sum = 0.0
        for micro in range(cfg.grad_accum):
            g = torch.Generator().manual_seed(batch_seed(cfg.seed, step, micro, d.rank))
            n_replay = (
                round(cfg.batch_size * cfg.replay_fraction) if (in_stage1 and replay is not None) else 0
            )
            x, y = random_windows(data.train, cfg.batch_size - n_replay, block, g, data.prefixes, fim)
            if n_replay:
                xr, yr = random_windows(replay, n_replay, block, g)
                x, y = torch.cat([x, xr]), torch.cat([y, yr])
            x, y = x.to(d.device), y.to(d.device)
            sync = micro == cfg.grad_accum - 1 or d.world == 1
            ctx = nullcontext() if sync else ddp_model.no_sync()
            with ctx, torch.autocast(d.device.type, dtype=torch.bfloat16, enabled=use_bf16):
                _, loss = ddp_model(x, y)
                (loss / cfg.grad_accum).backward()
            loss_sum += float(loss.detach())
        if in_stage1:  # stage 1: the transformer body stays as it is (AdamW skips parameters without grad)
            for p in frozen_in_stage1:
                p.grad = None
        if cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(
                [p for p in model.parameters() if p.grad is not None], cfg.grad_clip
            )
        with stop.updating():  # the weights and the step count change together
            opt.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            new_steps += 1
            tokens_seen += tokens_per_step
        train_loss = loss_sum / cfg.grad_accum
        if not math.isfinite(train_loss):
            raise FloatingPointError(
                f"training loss became {train_loss} at step {step}: lower the learning rate"
            )
        elapsed = time.perf_counter() - started
        tps = (step - start_step) * tokens_per_step / max(elapsed, 1e-9)
        record: dict[str, Any] = {}
        if step % cfg.eval_interval == 0 or step == cfg.max_steps:
            metrics = _evaluate(model, data.valid, cfg, d, "valid", use_bf16, tpn)
            record.update(metrics)
        if d.main and (step % cfg.log_interval == 0 or record):
            record.update(
                step=step,
                loss=train_loss,
                lr=lr,
                tokens_seen=tokens_seen,
                tokens_per_second=tps,
                stage=1 if in_stage1 else 2 if cfg.stage1_steps else 0,
            )
            with open(out / "metrics.jsonl", "a") as f:
                f.write(json.dumps(record) + "\n")
            logger.info("step %d loss %.4f lr %.2e %.0f tok/s", step, train_loss, lr, tps)
        if d.main:
            eta = (cfg.max_steps - step) * tokens_per_step / max(tps, 1e-9)
            msg = f"loss {train_loss:.3f} lr {lr:.1e} {tps:,.0f} tok/s"
            if "valid_nll_per_token" in metrics:
                msg += f" valid {metrics['valid_nll_per_token']:.3f}"
            report(progress, step, cfg.max_steps, msg + f" eta {eta / 60:.1f} min")
        if step % cfg.checkpoint_interval == 0 or step == cfg.max_steps:
            checkpoint()
        if stop_after is not None and new_steps >= stop_after and step < cfg.max_steps:
            if step % cfg.checkpoint_interval:
                checkpoint()
            return TrainResult(out, step, tokens_seen, metrics, None, resumed_from, tps)
        return None

    with StopSignals() as stop:
        while step < cfg.max_steps:
            why = _stop_requested(stop, d)
            if why:
                raise stopped(why)
            try:
                result = _step()
            except TrainingInterrupted:
                raise
            except KeyboardInterrupt:
                if d.world > 1:  # the other processes are elsewhere: the last checkpoint stays
                    raise
                raise stopped(stop.requested or "SIGINT") from None
            if result is not None:
                return result

    if not metrics:  # a finished run that was rerun: evaluate the final weights again
        metrics = _evaluate(model, data.valid, cfg, d, "valid", use_bf16, tpn)
    if data.test:
        metrics.update(_evaluate(model, data.test, cfg, d, "test", use_bf16, tpn))
    for source, tokens in sorted(data.valid_by_source.items()):  # the model card's NLL per source
        metrics.update(_evaluate(model, [tokens], cfg, d, f"valid_{source}", use_bf16, tpn))
    model_dir = out / "model"
    if d.main:
        card = {
            "name": cfg.name,
            "data": data.description,
            "data_hash": data.sha256(),
            "steps": step,
            "tokens_seen": tokens_seen,
            "metrics": metrics,
            "train_config": cfg.to_dict(),
            "tokens_per_second": round(tps, 1),
            "bf16_autocast": use_bf16,
            "processes": d.world,
        }
        if init_from:
            card["init_from"] = init_from
        tokenizer = None
        if data.tokenizer_dir:
            # partita.tokens needs symusic; a bundle trains with only torch, numpy and safetensors
            from partita.tokens import MiditokTokenizer

            tokenizer = MiditokTokenizer.from_pretrained(data.tokenizer_dir)
        if base_hash is not None:
            _save_expert(model, cfg, out, base_hash, card)
            merge_lora(model)
        model.save_pretrained(model_dir, card=card, tokenizer=tokenizer)
        with atomic_path(out / "result.json") as tmp:
            tmp.write_text(
                json.dumps(
                    {
                        "step": step,
                        "tokens_seen": tokens_seen,
                        "metrics": metrics,
                        "tokens_per_second": tps,
                        "bf16": use_bf16,
                        "world_size": d.world,
                    },
                    indent=2,
                )
            )
    _barrier(d)
    return TrainResult(out, step, tokens_seen, metrics, model_dir, resumed_from, tps)
