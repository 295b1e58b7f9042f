"""Training the music encoder (:mod:`partita.models.encoder`): masked-note pretraining, per-note fine-tuning.

- :func:`pretrain`: masked-note modelling as MidiBERT's: a share of the notes (``mask_prob``, 15%) is chosen
  by a *masker*, and of those 80% have every field replaced by the mask id, 10% by random ids, 10% stay; the
  model predicts every field of the chosen notes (cross-entropy summed over fields). The masker is a hook:
  :func:`random_mask` is the default (any fixed masker with its signature fits). Adversarial-MidiBERT's
  learned masker needs the loss and the notes' places in their pieces, so it is its own function,
  :func:`partita.training.adversarial_mask.adversarial_pretrain`, with the same loop and loss.
- :func:`finetune`: a per-note classifier (token classification: melody / bridge / piano), the encoder
  trained with it or frozen (``freeze_encoder=True``: a probe over the pretrained features).

Both sample random windows of ``max_len`` notes from the pieces (a piece drawn in proportion to its length),
optionally transposed, and stop after ``steps`` optimizer steps or ``time_limit_s`` seconds, whichever first.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from partita.models.encoder import FIELDS, MASK, OFFSET, PAD, MusicEncoder, pad_batch, window_tokens
from partita.progress import ProgressCallback, report
from partita.training.interrupt import StopSignals, TrainingInterrupted
from partita.training.train_state import (
    TRAIN_STATE,
    TrainState,
    load_train_state,
    rng_tensors,
    save_train_state,
)

log = logging.getLogger(__name__)

Masker = Callable[[torch.Tensor, torch.Tensor, float, torch.Generator], torch.Tensor]
"""``masker(tokens, keep, prob, generator) -> chosen``: which real notes to mask (a bool tensor like keep)."""


@dataclass
class EncoderTrainConfig:
    """Settings of :func:`pretrain` and :func:`finetune`."""

    steps: int = 1000
    batch_size: int = 16
    lr: float = 5e-4
    weight_decay: float = 0.01
    warmup: int = 50
    mask_prob: float = 0.15
    transpose: int = 0
    """Transpose each window by a random number of semitones in [-transpose, transpose] (0: never)."""
    time_limit_s: float | None = None
    """Stop after this many wall-clock seconds."""
    cpu_limit_s: float | None = None
    """Stop after this many seconds of this process's CPU time (steady on a shared, loaded machine)."""
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def random_mask(
    tokens: torch.Tensor, keep: torch.Tensor, prob: float, generator: torch.Generator
) -> torch.Tensor:
    """Each real note chosen independently with probability ``prob`` (at least one a sequence)."""
    u = torch.rand(keep.shape, generator=generator)
    chosen = (u < prob) & keep
    u = u.masked_fill(~keep, 2.0)
    first = u.argmin(dim=1)
    chosen[torch.arange(len(first)), first] |= keep[torch.arange(len(first)), first]
    return chosen


def corrupt(
    tokens: torch.Tensor, chosen: torch.Tensor, vocab: Sequence[int], generator: torch.Generator
) -> torch.Tensor:
    """BERT's corruption of the chosen notes: 80% all fields masked, 10% random ids, 10% unchanged."""
    out = tokens.clone()
    u = torch.rand(chosen.shape, generator=generator)
    masked = chosen & (u < 0.8)
    randomised = chosen & (u >= 0.8) & (u < 0.9)
    out[masked] = MASK
    for i, v in enumerate(vocab):
        rand = torch.randint(OFFSET, v, chosen.shape, generator=generator)
        out[..., i] = torch.where(randomised, rand, out[..., i])
    return out


def lr_factor(step: int, total: int, warmup: int) -> float:
    """Linear warm-up, then cosine decay to a tenth."""
    if step < warmup:
        return (step + 1) / max(1, warmup)
    frac = min(1.0, (step - warmup) / max(1, total - warmup))
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac))


def sample_windows(
    pieces: Sequence[np.ndarray],
    batch_size: int,
    max_len: int,
    rng: np.random.Generator,
    labels: Sequence[np.ndarray] | None = None,
    transpose: int = 0,
    config: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """A batch of random windows (tokens, keep, and labels padded with -100 when given)."""
    lengths = np.array([len(p) for p in pieces], dtype=float)
    chosen = rng.choice(len(pieces), size=batch_size, p=lengths / lengths.sum())
    seqs, labs = [], []
    for k in chosen:
        n = len(pieces[k])
        s = int(rng.integers(0, max(1, n - max_len + 1)))
        w = window_tokens(pieces[k][s : s + max_len], config)
        if transpose:
            w[:, 2] = np.clip(
                w[:, 2] + int(rng.integers(-transpose, transpose + 1)), OFFSET, config.vocab("pitch") - 1
            )
        seqs.append(w)
        if labels is not None:
            labs.append(labels[k][s : s + max_len])
    tokens, keep = pad_batch(seqs, max_len)
    if labels is None:
        return tokens, keep, None
    y = np.full(keep.shape, -100, dtype=np.int64)
    for i, lab in enumerate(labs):
        y[i, : len(lab)] = lab
    return tokens, keep, y


def _loop(
    model: MusicEncoder,
    config: EncoderTrainConfig,
    params: list[torch.nn.Parameter],
    step_loss: Callable[[np.random.Generator, torch.Generator], torch.Tensor],
    what: str,
    progress: ProgressCallback | None,
    lr_at: Callable[[int], float] | None = None,
    state: TrainState | None = None,
    checkpoint: Callable[[], Any] | None = None,
    every: int = 0,
    stop_after: int | None = None,
    rollback: bool = False,
) -> dict[str, Any]:
    """The optimizer loop of ``step_loss``; the rate of step ``s`` is ``lr_at(s)`` when given, else
    ``config.lr * lr_factor(s, ...)``.

    ``state`` (:class:`partita.training.train_state.TrainState`): a saved one is restored first (the
    optimizer's moments and the random streams); a stopped run (``not state.finished``) goes on from its
    step with its losses, so that it ends as the unbroken run would have; a finished one starts a new
    schedule from step 0 with its moments and random streams going on. The state is left holding the final
    one; every ``every`` steps (and when stopped by ``stop_after`` new steps) it is taken and ``checkpoint``
    called, to save it with the weights (it may return where it saved).

    Ctrl-C or SIGTERM (:class:`partita.training.interrupt.StopSignals`): the step under way ends, the state
    is taken at the step reached and saved by ``checkpoint``, and
    :class:`partita.training.interrupt.TrainingInterrupted` is raised. A ``KeyboardInterrupt`` raised inside
    a step (a second Ctrl-C, or by ``step_loss``) is saved at the step's start when ``rollback`` (the random
    streams set back: ``step_loss`` changes nothing else), else not saved there (the last checkpoint
    stays); one raised by ``progress`` after a step counts the step as done."""
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    opt = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    start, losses = 0, []
    if state is not None and not state.empty:
        state.restore(opt, gen, rng)
        if not state.finished:
            start, losses = state.step, list(state.losses)
            log.info("%s: going on from step %d of %d", what, start, config.steps)
    last = start if state is not None and not state.empty else None

    def take(done: int, save: bool, rng_at: tuple | None = None) -> Any:
        nonlocal last
        if state is None:
            return None
        state.capture(opt, done, config.steps, losses, gen, rng)
        if rng_at is not None:
            state.rng, state.rng_meta = rng_at
        if save and checkpoint is not None:
            where = checkpoint()
            last = done
            return where or "checkpoint"
        return None

    def stopped(done: int, why: str, rng_at: tuple | None = None) -> TrainingInterrupted:
        model.eval()
        log.info("%s: stopped (%s) at step %d of %d", what, why, done, config.steps)
        return TrainingInterrupted(done, config.steps, take(done, True, rng_at), why)

    model.train()
    t0, c0, step = time.monotonic(), time.process_time(), start
    with StopSignals() as stop:
        for step in range(start, config.steps):
            if stop.requested:
                raise stopped(step, stop.requested)
            if (config.time_limit_s is not None and time.monotonic() - t0 > config.time_limit_s) or (
                config.cpu_limit_s is not None and time.process_time() - c0 > config.cpu_limit_s
            ):
                log.info("%s: time limit after %d steps", what, step)
                break
            if stop_after is not None and step - start >= stop_after:
                log.info("%s: stopped after %d steps, at step %d of %d", what, stop_after, step, config.steps)
                take(step, save=True)
                break
            at, done = rng_tensors(gen, rng) if rollback else None, False
            try:
                for g in opt.param_groups:
                    g["lr"] = (
                        lr_at(step) if lr_at else config.lr * lr_factor(step, config.steps, config.warmup)
                    )
                loss = step_loss(rng, gen)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                with stop.updating():
                    opt.step()
                    losses.append(float(loss.detach()))
                    done = True
                if step % 50 == 0:
                    log.info("%s step %d loss %.4f", what, step, losses[-1])
                report(progress, step + 1, config.steps, f"{what} loss {np.mean(losses[-20:]):.3f}")
                if every and (step + 1) % every == 0 and step + 1 < config.steps:
                    take(step + 1, save=True)
            except TrainingInterrupted:
                raise
            except KeyboardInterrupt:
                if done:
                    raise stopped(step + 1, stop.requested or "SIGINT") from None
                if at is not None:
                    raise stopped(step, stop.requested or "SIGINT", at) from None
                model.eval()
                raise TrainingInterrupted(step, config.steps, None, "SIGINT", True, last) from None
        else:
            step = config.steps
    take(step, save=False)
    model.eval()
    tail = losses[-50:] or [float("nan")]
    return {
        "steps": step,
        "seconds": round(time.monotonic() - t0, 1),
        "cpu_seconds": round(time.process_time() - c0, 1),
        "final_loss": float(np.mean(tail)),
        "first_loss": float(np.mean(losses[:20] or [float("nan")])),
    }


def pretrain(
    model: MusicEncoder,
    pieces: Sequence[np.ndarray],
    config: EncoderTrainConfig,
    masker: Masker | None = None,
    progress: ProgressCallback | None = None,
    *,
    resume_from: str | Path | TrainState | None = None,
    save_to: str | Path | None = None,
    checkpoint_every: int = 0,
) -> dict[str, Any]:
    """Masked-note modelling on ``pieces`` (token arrays from :func:`partita.models.encoder.note_tokens`).

    ``save_to``: an encoder folder where the model and its training state (``train_state.safetensors``)
    are saved every ``checkpoint_every`` steps (0: never), when stopped by Ctrl-C or SIGTERM (then
    :class:`partita.training.interrupt.TrainingInterrupted` is raised) and at the end. ``resume_from``: such
    a folder (its saved weights are loaded into ``model``; ``save_to`` defaults to it) or a
    :class:`TrainState` (``model`` holds its weights): a stopped run goes on from its step to the end of its
    schedule and ends as the unbroken run would have, to the bit (the same ``pieces``, ``config`` and
    masker; another config is refused); a finished one starts a new schedule, its optimizer's moments and
    random streams going on (:func:`_loop`)."""
    pieces = [p for p in pieces if len(p)]
    if not pieces:
        raise ValueError("no notes to pretrain on")
    masker = masker or random_mask
    c = model.config
    vocab = [c.vocab(f) for f in FIELDS]

    def step_loss(rng: np.random.Generator, gen: torch.Generator) -> torch.Tensor:
        tokens, keep, _ = sample_windows(
            pieces, config.batch_size, c.max_len, rng, transpose=config.transpose, config=c
        )
        x, k = torch.from_numpy(tokens), torch.from_numpy(keep)
        chosen = masker(x, k, config.mask_prob, gen)
        logits = model.mlm_logits(model(corrupt(x, chosen, vocab, gen), k)[chosen])
        target = x[chosen]
        loss = 0.0
        for i, f in enumerate(FIELDS):
            if f == "velocity" and not c.use_velocity:
                continue
            loss = loss + F.cross_entropy(logits[f], target[:, i], ignore_index=PAD)
        return loss

    run = _Saving(model, config, "pretrain", resume_from, save_to)
    params = list(model.parameters())
    out = run.loop(params, step_loss, progress, checkpoint_every)
    model.card.setdefault("pretraining", {}).update({**out, "config": config.to_dict()})
    run.finish()
    return out


def finetune(
    model: MusicEncoder,
    pieces: Sequence[np.ndarray],
    labels: Sequence[np.ndarray],
    config: EncoderTrainConfig,
    freeze_encoder: bool = False,
    progress: ProgressCallback | None = None,
    *,
    resume_from: str | Path | TrainState | None = None,
    save_to: str | Path | None = None,
    checkpoint_every: int = 0,
) -> dict[str, Any]:
    """Train the per-note classifier (and the encoder unless ``freeze_encoder``) on labelled pieces.
    ``resume_from``, ``save_to``, ``checkpoint_every``: as :func:`pretrain`'s."""
    if model.classifier is None:
        raise ValueError("the encoder has no classifier head: call with_classifier(labels) first")
    keep_pieces = [i for i, p in enumerate(pieces) if len(p)]
    if not keep_pieces:
        raise ValueError("no notes to fine-tune on")
    pieces = [pieces[i] for i in keep_pieces]
    labels = [np.asarray(labels[i], dtype=np.int64) for i in keep_pieces]
    c = model.config
    params = list(model.classifier.parameters()) if freeze_encoder else list(model.parameters())

    def step_loss(rng: np.random.Generator, gen: torch.Generator) -> torch.Tensor:
        tokens, keep, y = sample_windows(
            pieces, config.batch_size, c.max_len, rng, labels, config.transpose, c
        )
        if freeze_encoder:
            with torch.no_grad():
                model.eval()
                hidden = model(torch.from_numpy(tokens), torch.from_numpy(keep))
        else:
            hidden = model(torch.from_numpy(tokens), torch.from_numpy(keep))
        logits = model.classifier(hidden)
        return F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), torch.from_numpy(y).reshape(-1), ignore_index=-100
        )

    run = _Saving(model, config, "finetune frozen" if freeze_encoder else "finetune", resume_from, save_to)
    out = run.loop(params, step_loss, progress, checkpoint_every)
    model.card.setdefault("finetuning", {}).update(
        {**out, "config": config.to_dict(), "frozen": freeze_encoder}
    )
    run.finish()
    return out


UNSAVED = ("time_limit_s", "cpu_limit_s")
"""Settings a resumed run may change (they end a run early; the steps taken are the same)."""


class _Saving:
    """The saving and resuming of :func:`pretrain` and :func:`finetune` (see :func:`pretrain`)."""

    def __init__(
        self,
        model: MusicEncoder,
        config: EncoderTrainConfig,
        kind: str,
        resume_from: str | Path | TrainState | None,
        save_to: str | Path | None,
    ):
        self.model, self.config, self.kind = model, config, kind
        if save_to is None and resume_from is not None and not isinstance(resume_from, TrainState):
            save_to = resume_from
        self.save_to = None if save_to is None else Path(save_to)
        self.state = self._resumed(resume_from) if resume_from is not None else None
        if self.state is None and self.save_to is not None:
            self.state = TrainState()
        self.went_on = (
            self.state.step if self.state and not self.state.empty and not self.state.finished else None
        )
        if self.state is not None:
            self.state.record.update(run=kind, config=config.to_dict())

    def _resumed(self, resume_from: str | Path | TrainState) -> TrainState:
        if isinstance(resume_from, TrainState):
            state = resume_from
            state.check_weights(self.model.state_dict())
        else:
            state = load_train_state(resume_from)
            if state is None:
                raise ValueError(f"{resume_from}: no training state to resume (no {TRAIN_STATE})")
            self._load_weights(resume_from, state)
        if state.empty or state.finished:
            return state
        saved = state.record.get("config") or {}
        if state.record.get("run") not in (None, self.kind):
            raise ValueError(
                f"the state is of a {state.record['run']} run, not {self.kind}: it cannot go on here"
            )
        here = self.config.to_dict()
        differ = [k for k in here if k in saved and k not in UNSAVED and saved[k] != here[k]]
        if differ:
            shown = ", ".join(f"{k} {saved[k]!r} (not {here[k]!r})" for k in differ)
            raise ValueError(
                f"the run stopped at step {state.step} of {state.total} was made with {shown}: give its own "
                "config to go on"
            )
        return state

    def _load_weights(self, folder: str | Path, state: TrainState) -> None:
        """The weights of the state (those saved in it, else the folder's own, checked against its
        digest) into the model."""
        weights = state.saved_weights()
        if not weights:
            weights = MusicEncoder.from_pretrained(folder).state_dict()
            state.check_weights(weights, str(Path(folder) / TRAIN_STATE))
        try:
            self.model.load_state_dict(weights)
        except RuntimeError as e:
            why = str(e).splitlines()[1].strip() if len(str(e).splitlines()) > 1 else str(e)
            raise ValueError(f"{folder}: the saved weights do not fit this model ({why})") from None

    def checkpoint(self) -> Path | None:
        if self.save_to is None or self.state is None:
            return None
        out = self.model.save_pretrained(self.save_to)
        save_train_state(self.state, out, self.model.state_dict())
        return out

    def loop(
        self,
        params: list[torch.nn.Parameter],
        step_loss: Callable[[np.random.Generator, torch.Generator], torch.Tensor],
        progress: ProgressCallback | None,
        every: int,
    ) -> dict[str, Any]:
        saving = (self.state, self.checkpoint, every)
        out = _loop(
            self.model, self.config, params, step_loss, self.kind, progress, None, *saving, rollback=True
        )
        if self.went_on is not None:
            out["went_on_from"] = self.went_on
        return out

    def finish(self) -> None:
        """Save the finished (or time-limited) run where it is saved."""
        self.checkpoint()
