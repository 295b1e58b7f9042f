"""Direct preference optimisation of a :class:`~partita.models.MusicLM` (Rafailov et al. 2023, "DPO").

Each training pair is one prompt's condition prefix and two continuations, the chosen and the rejected one,
as token ids (the generation layer builds the prefix the way sampling does, so that pairs are scored under
the prefix they were sampled from). The policy starts as the base model; the reference is the base model
frozen, and since it never changes its sequence log-probabilities are computed once, before training. The
loss of a pair is

    -log sigmoid(beta * [(log pi(y_w|x) - log ref(y_w|x)) - (log pi(y_l|x) - log ref(y_l|x))])

with ``beta`` the strength of the implicit KL term (smaller: further from the reference). ``loss="ipo"``
takes IPO's squared loss instead (Azar et al. 2023, "A general theoretical paradigm to understand learning
from human preferences"):

    (h - 1 / (2 * beta)) ** 2,   h = (log pi(y_w|x) - log ref(y_w|x)) - (log pi(y_l|x) - log ref(y_l|x))

which holds the log-ratio gap h of a pair at 1 / (2 beta) nats (sequence log-probabilities, summed over the
continuation's tokens) where DPO's keeps pushing it apart once the pairs are learnt. Either loss takes an
optional ``sft_weight`` times the chosen continuation's mean NLL per token (an SFT term that keeps the chosen
pieces likely: RPO, Pang et al. 2024, "Iterative reasoning preference optimization"). Sequences are cut to
the model's ``block_size``.

``pairs="extremes"`` trains on pairs chosen far apart (:func:`extreme_pairs`): per prompt, the pieces are
ranked by their net wins in the stored choices and each of the ``extremes`` best is paired with each of the
``extremes`` worst, so that the pairs differ by the taste more than by the rater's noise.

Pairs a reward model labelled (``TokenPair.source == "reward"``, made by
:mod:`partita.pipelines.reward_pairs` for ``partita tune --reward-pairs``) train beside the stored ones with
their ``weight`` (``DPOConfig.reward_weight``, below 1: the stored choices stay the ground truth): each pair's
loss is multiplied by its weight before the batch mean. ``pairs="extremes"`` ranks the stored pairs only and
keeps the reward-labelled ones as they are.

:func:`tune_dpo` trains in place and returns the history; :func:`save_tuned` writes a model folder that
:func:`~partita.models.pretrained.load_pretrained` and ``Generator.from_pretrained`` load, with
``dpo_config.json`` beside the weights, in one rename (never half written).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from partita.atomic import atomic_write_text
from partita.models import MusicLM
from partita.progress import ProgressCallback, report
from partita.training.interrupt import StopSignals, TrainingInterrupted, warn_renamed
from partita.training.train_state import (
    TRAIN_STATE,
    TrainState,
    load_train_state,
    random_state,
    save_train_state,
)

logger = logging.getLogger(__name__)

CONFIG_NAME = "dpo_config.json"
LOSSES = ("dpo", "ipo")
"""The pair losses :func:`dpo_loss` computes: DPO's logistic loss, or IPO's squared one."""
PAIR_CHOICES = ("all", "extremes")
"""How the training pairs are taken from the stored choices: every decided pair, or per prompt the best
pieces against the worst (:func:`extreme_pairs`)."""


@dataclass
class DPOConfig:
    """How a model is tuned from preference pairs; saved as ``dpo_config.json`` beside the tuned weights."""

    beta: float = 0.1
    steps: int = 100
    lr: float = 1e-5
    batch_size: int = 8
    sft_weight: float = 0.0
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    warmup: int = 10
    seed: int = 0
    pairs: str = "all"
    extremes: int = 4
    loss: str = "dpo"
    reward_pairs: int = 0
    reward_weight: float = 0.5
    reward_margin: float = 1.0
    epochs: float | None = None
    anchor_weight: float = 0.0

    def __post_init__(self) -> None:
        if not self.beta > 0:
            raise ValueError(f"beta {self.beta!r}: it must be positive (e.g. 0.1)")
        if int(self.steps) < 1 or int(self.batch_size) < 1:
            raise ValueError("steps and batch_size must be at least 1")
        if not self.lr > 0:
            raise ValueError(f"lr {self.lr!r}: the learning rate must be positive")
        if self.sft_weight < 0:
            raise ValueError(f"sft_weight {self.sft_weight!r}: it must not be negative")
        if self.pairs not in PAIR_CHOICES:
            raise ValueError(f"pairs {self.pairs!r}: choose one of {', '.join(PAIR_CHOICES)}")
        if int(self.extremes) < 1:
            raise ValueError(f"extremes {self.extremes!r}: at least one best and one worst piece a prompt")
        if self.loss not in LOSSES:
            raise ValueError(f"loss {self.loss!r}: choose one of {', '.join(LOSSES)}")
        if int(self.reward_pairs) < 0:
            raise ValueError(f"reward_pairs {self.reward_pairs!r}: it must not be negative")
        if not 0 < self.reward_weight <= 1:
            raise ValueError(f"reward_weight {self.reward_weight!r}: it must be in (0, 1]")
        if not self.reward_margin >= 0:
            raise ValueError(f"reward_margin {self.reward_margin!r}: it must not be negative")
        if not 0 <= self.anchor_weight < math.inf:
            raise ValueError(f"anchor_weight {self.anchor_weight!r}: it must be a number >= 0")
        if self.epochs is not None and not (0 < self.epochs < math.inf):
            raise ValueError(f"epochs {self.epochs!r}: passes over the pairs must be positive (e.g. 1.7)")

    def steps_for(self, pairs: int) -> int:
        """The steps of a run on ``pairs`` training pairs: ``steps``, or with ``epochs`` set, as many as
        ``epochs`` passes over the pairs take (``ceil(epochs * pairs / batch_size)``, at least 1)."""
        if self.epochs is None:
            return int(self.steps)
        return max(1, math.ceil(self.epochs * pairs / int(self.batch_size) - 1e-9))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DPOConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ValueError(f"unknown DPO config keys: {', '.join(unknown)}")
        return cls(**d)

    def save_pretrained(self, folder: str | Path) -> Path:
        path = Path(folder) / CONFIG_NAME
        atomic_write_text(path, json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")
        return path

    @classmethod
    def from_pretrained(cls, folder: str | Path) -> DPOConfig:
        return cls.from_dict(json.loads((Path(folder) / CONFIG_NAME).read_text()))


@dataclass
class TokenPair:
    """A prompt's condition prefix and its chosen and rejected continuations (music tokens, EOS included);
    ``source`` says who chose (``"stored"``: a stored choice; ``"reward"``: a reward model) and ``weight``
    scales its loss."""

    prefix: list[int]
    chosen: list[int]
    rejected: list[int]
    source: str = "stored"
    weight: float = 1.0

    def check(self, vocab_size: int) -> None:
        if not self.prefix or not self.chosen or not self.rejected:
            raise ValueError("a preference pair needs a prefix and two non-empty continuations")
        for ids in (self.prefix, self.chosen, self.rejected):
            if any(not 0 <= int(t) < vocab_size for t in ids):
                raise ValueError(f"a preference pair holds token ids outside the model's [0, {vocab_size})")


def extreme_pairs(pairs: Sequence[TokenPair], k: int = 4) -> list[TokenPair]:
    """Pairs chosen far apart: per prompt (condition prefix), each distinct piece is scored by its net wins
    in ``pairs`` ((wins - losses) / choices it was in, a Copeland score) and each of the ``k`` best is paired
    with each of the ``k`` worst that scored lower (``k`` at most half the prompt's pieces). Ties keep the
    order of first appearance. A prompt whose pieces all score alike makes no pair."""
    groups: dict[tuple[int, ...], dict[tuple[int, ...], list[int]]] = {}
    for p in pairs:
        tally = groups.setdefault(tuple(p.prefix), {})
        for piece, won in ((tuple(p.chosen), 1), (tuple(p.rejected), -1)):
            net_games = tally.setdefault(piece, [0, 0])
            net_games[0] += won
            net_games[1] += 1
    out = []
    for prefix, tally in groups.items():
        ranked = sorted(tally, key=lambda piece: -tally[piece][0] / tally[piece][1])
        score = {piece: tally[piece][0] / tally[piece][1] for piece in ranked}
        n = min(int(k), len(ranked) // 2)
        for best in ranked[:n]:
            for worst in ranked[len(ranked) - n :]:
                if score[best] > score[worst]:
                    out.append(TokenPair(list(prefix), list(best), list(worst)))
    return out


def select_pairs(pairs: Sequence[TokenPair], config: DPOConfig) -> list[TokenPair]:
    """The training pairs ``config.pairs`` takes from ``pairs`` (all of them, or :func:`extreme_pairs` of the
    stored ones, the reward-labelled ones kept as they are)."""
    if config.pairs != "extremes":
        return list(pairs)
    stored = [p for p in pairs if p.source != "reward"]
    return extreme_pairs(stored, config.extremes) + [p for p in pairs if p.source == "reward"]


def sequence_logprobs(
    model: MusicLM, prefixes: Sequence[Sequence[int]], continuations: Sequence[Sequence[int]]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed log-probabilities (B,) of each continuation given its prefix, and the number of tokens scored.

    Rows are right-padded (a causal model's earlier positions never see the padding) and cut to the model's
    ``block_size`` (the continuation's tail is dropped); gradients flow when enabled.
    """
    block = int(model.config.block_size)
    rows, starts = [], []
    for prefix, cont in zip(prefixes, continuations, strict=True):
        row = [int(t) for t in (*prefix, *cont)][: block + 1]
        rows.append(row)
        starts.append(min(len(prefix), len(row) - 1))
    length = max(len(r) for r in rows)
    pad = model.config.pad_id if model.config.pad_id is not None else 0
    ids = torch.full((len(rows), length), int(pad), dtype=torch.long)
    mask = torch.zeros(len(rows), length - 1, dtype=torch.bool)
    for i, (row, start) in enumerate(zip(rows, starts, strict=True)):
        ids[i, : len(row)] = torch.tensor(row)
        mask[i, start - 1 : len(row) - 1] = True  # the positions that predict the continuation's tokens
    device = next(model.parameters()).device
    ids, mask = ids.to(device), mask.to(device)
    logits, _ = model(ids[:, :-1])
    logp = torch.log_softmax(logits.float(), dim=-1).gather(2, ids[:, 1:, None])[..., 0]
    return (logp * mask).sum(dim=1), mask.sum(dim=1)


def dpo_loss(
    policy_chosen: torch.Tensor,
    policy_rejected: torch.Tensor,
    ref_chosen: torch.Tensor,
    ref_rejected: torch.Tensor,
    beta: float,
    loss: str = "dpo",
) -> tuple[torch.Tensor, torch.Tensor]:
    """The loss per pair (``loss`` one of :data:`LOSSES`) and its implicit reward margin, ``beta * h`` with
    ``h`` the log-ratio of the chosen minus that of the rejected: DPO ``-log sigmoid(beta * h)``, IPO
    ``(h - 1 / (2 beta)) ** 2``."""
    gap = (policy_chosen - ref_chosen) - (policy_rejected - ref_rejected)
    if loss == "ipo":
        return (gap - 1.0 / (2.0 * beta)) ** 2, beta * gap
    if loss != "dpo":
        raise ValueError(f"loss {loss!r}: choose one of {', '.join(LOSSES)}")
    return -F.logsigmoid(beta * gap), beta * gap


def batch_loss(
    model: MusicLM, batch: Sequence[TokenPair], reference: torch.Tensor, config: DPOConfig
) -> tuple[torch.Tensor, torch.Tensor]:
    """The training loss of ``batch`` (a scalar, with gradients) and each pair's margin: the mean of
    :func:`dpo_loss` (``config.loss``) against the pairs' reference log-probabilities ``reference`` (B, 2),
    plus ``config.sft_weight`` times the mean over pairs of the chosen continuation's NLL per token; each
    pair's terms are multiplied by its ``weight`` (1 for a stored choice) before the means."""
    lp, counts = sequence_logprobs(
        model, [p.prefix for p in batch] * 2, [p.chosen for p in batch] + [p.rejected for p in batch]
    )
    n = len(batch)
    losses, margin = dpo_loss(lp[:n], lp[n:], reference[:, 0], reference[:, 1], config.beta, config.loss)
    weight = torch.tensor([float(p.weight) for p in batch], device=losses.device)
    loss = (weight * losses).mean()
    if config.sft_weight:
        loss = loss + config.sft_weight * (weight * -lp[:n] / counts[:n].clamp(min=1)).mean()
    return loss, margin


@torch.no_grad()
def reference_logprobs(model: MusicLM, pairs: Sequence[TokenPair], batch: int = 8) -> torch.Tensor:
    """(N, 2): the frozen model's log-probability of each pair's chosen and rejected continuation."""
    was_training = model.training
    model.eval()
    out = []
    for lo in range(0, len(pairs), batch):
        chunk = pairs[lo : lo + batch]
        prefixes = [p.prefix for p in chunk] * 2
        conts = [p.chosen for p in chunk] + [p.rejected for p in chunk]
        lp, _ = sequence_logprobs(model, prefixes, conts)
        out.append(torch.stack([lp[: len(chunk)], lp[len(chunk) :]], dim=1).cpu())
    model.train(was_training)
    return torch.cat(out) if out else torch.zeros(0, 2)


def log_ratio_margin(model: MusicLM, pairs: Sequence[TokenPair], reference: torch.Tensor) -> float:
    """The mean over pairs of (log-ratio of the chosen) - (log-ratio of the rejected) under ``model``
    against the reference log-probabilities ``reference`` (:func:`reference_logprobs`): 0 at the start,
    positive when the model moved towards the preferred pieces."""
    now = reference_logprobs(model, pairs)
    return float(((now[:, 0] - reference[:, 0]) - (now[:, 1] - reference[:, 1])).mean())


def tune_dpo(
    model: MusicLM,
    pairs: Sequence[TokenPair],
    config: DPOConfig | None = None,
    progress: ProgressCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    *,
    resume_from: str | Path | TrainState | None = None,
    save_to: str | Path | None = None,
    checkpoint_every: int = 0,
    anchor: Sequence[tuple[Sequence[int], Sequence[int]]] | None = None,
    state: TrainState | None = None,
    checkpoint: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """Tune ``model`` in place on ``pairs`` (or those ``config.pairs`` selects, :func:`select_pairs`) by DPO
    (or IPO: ``config.loss``) against itself frozen, for ``config.steps`` steps (or ``config.epochs``
    passes over the pairs: :meth:`DPOConfig.steps_for`); return the training history.

    Dropout is off throughout (``model.eval()`` with gradients on), so that policy and reference score a
    sequence alike at the start. ``should_stop`` (checked every step) ends training early, e.g. at a
    wall-clock limit.

    ``save_to``: a folder where the model (``config.json``, ``model.safetensors``), ``dpo_config.json`` and
    the training state (``train_state.safetensors``, with the weights) are saved every ``checkpoint_every``
    steps (0: never), when stopped by Ctrl-C or SIGTERM (the step under way ends; then
    :class:`partita.training.interrupt.TrainingInterrupted` is raised; a stop inside a step is saved at its
    start) and at the end. ``resume_from``: such a folder (``save_to`` defaults to it) or a
    :class:`partita.training.train_state.TrainState`, left holding the run's state: a stopped run goes on
    from its step to the end, as the unbroken run would have, to the bit (``model`` the base: the reference
    is its, then the state's weights are loaded; the same pairs and config, other pairs or settings are
    refused in one line; a finished run is refused too). An empty TrainState starts a run that records into
    it.

    ``anchor``: real music as (prefix, continuation) token lists; with ``config.anchor_weight`` above 0 each
    step adds that weight times the mean NLL per token of ``batch_size`` of them (taken in turn), so that
    the model stays likely on real pieces while it moves towards the preferred ones.

    ``state`` and ``checkpoint`` (a function that saves, called when stopped) are the older names of
    ``resume_from`` (a TrainState) and ``save_to``: they still work, with a DeprecationWarning.
    """
    config = config or DPOConfig()
    resume_from, saver = _older_names(resume_from, save_to, state, checkpoint)
    if isinstance(resume_from, TrainState):
        state = resume_from
    elif resume_from is not None:
        state = load_train_state(resume_from)
        if state is None:
            raise ValueError(f"{resume_from}: no DPO run to resume (no {TRAIN_STATE})")
        save_to = resume_from if save_to is None else save_to
    else:
        state = None
    if save_to is not None:
        state = state if state is not None else TrainState()
        folder, saving = Path(save_to), state

        def saver() -> Path:
            out = model.save_pretrained(folder)
            config.save_pretrained(out)
            save_train_state(saving, out, model.state_dict())
            return out

    every = int(checkpoint_every or 0)
    result = dpo_run(model, pairs, config, progress, should_stop, state, saver, every, anchor)
    if save_to is not None:
        saver()
    return result


def _older_names(
    resume_from: str | Path | TrainState | None,
    save_to: str | Path | None,
    state: TrainState | None,
    checkpoint: Callable[[], Any] | None,
) -> tuple[str | Path | TrainState | None, Callable[[], Any] | None]:
    """:func:`tune_dpo`'s ``resume_from`` and own checkpoint function, given its older arguments ``state``
    and ``checkpoint`` (each with a DeprecationWarning; with its new name too: one ValueError)."""
    renames = [("state", "resume_from", state, resume_from), ("checkpoint", "save_to", checkpoint, save_to)]
    warn_renamed("tune_dpo", renames)
    return (state if state is not None else resume_from), checkpoint


def dpo_run(
    model: MusicLM,
    pairs: Sequence[TokenPair],
    config: DPOConfig,
    progress: ProgressCallback | None,
    should_stop: Callable[[], bool] | None,
    state: TrainState | None,
    checkpoint: Callable[[], Any] | None,
    every: int = 0,
    anchor: Sequence[tuple[Sequence[int], Sequence[int]]] | None = None,
) -> dict[str, Any]:
    """:func:`tune_dpo`'s run, for a caller that saves its own way (``partita tune`` writes a whole model
    folder): ``state`` (a TrainState to go on from, or to record into, left holding the run's state) and
    ``checkpoint`` (a function that saves, called with the state taken: when stopped by Ctrl-C or
    SIGTERM, and every ``every`` steps; not at the end)."""
    given = len(pairs)
    pairs = select_pairs(pairs, config)
    if not pairs:
        if given:
            raise ValueError(
                f"none of the {given} preference pairs ranks one piece of a prompt above another: "
                "no extreme pairs to tune on (use pairs='all')"
            )
        raise ValueError("no preference pairs to tune on (a tie or a lone piece makes none)")
    for p in pairs:
        p.check(model.config.vocab_size)
    anchor = list(anchor or []) if config.anchor_weight else []
    if config.anchor_weight and not anchor:
        raise ValueError(
            "anchor_weight is set but no anchor pieces were given (real music to stay likely on)"
        )
    t0 = time.monotonic()
    reference = reference_logprobs(model, pairs, config.batch_size)
    rng = random.Random(config.seed)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay, betas=(0.9, 0.95))
    model.eval()
    history: dict[str, list[float]] = {"loss": [], "margin": [], "accuracy": []}
    order: list[int] = []
    steps, start = config.steps_for(len(pairs)), 0
    digest = pairs_digest(pairs)
    if anchor:
        digest += "+" + pairs_digest([TokenPair(list(x), list(y), [0]) for x, y in anchor])
    if state is not None and not state.empty:
        start, order, history = _resume(model, opt, rng, state, pairs, digest, config)

    def record(done: int, at: tuple[list[int], Any]) -> None:
        if state is None:
            return
        state.capture(opt, done, steps, history["loss"])
        kept, rng_at = at
        state.record.update(
            config=config.to_dict(),
            pairs=digest,
            order=list(kept),
            order_rng=random_state(rng_at),
            history={k: list(v) for k, v in history.items()},
        )

    def stopped(done: int, why: str, at: tuple[list[int], Any] | None = None) -> TrainingInterrupted:
        saved = None
        if state is not None:
            record(done, at if at is not None else (order, rng.getstate()))
            if checkpoint is not None:
                saved = checkpoint() or "checkpoint"
        logger.info("DPO stopped (%s) at step %d of %d", why, done, steps)
        return TrainingInterrupted(done, steps, saved, why)

    with StopSignals() as stop:
        for step in range(start, steps):
            if stop.requested:
                raise stopped(step, stop.requested)
            if should_stop is not None and should_stop():
                logger.info("DPO stopped early after %d steps", step)
                break
            at, done = (list(order), rng.getstate()), False
            try:
                if len(order) < config.batch_size:
                    fresh = list(range(len(pairs)))
                    rng.shuffle(fresh)
                    order += fresh
                idx, order = order[: config.batch_size], order[config.batch_size :]
                loss, margin = batch_loss(model, [pairs[i] for i in idx], reference[idx], config)
                if anchor:
                    loss = loss + config.anchor_weight * anchor_nll(model, anchor, step, config.batch_size)
                for group in opt.param_groups:
                    group["lr"] = config.lr * min(1.0, (step + 1) / max(1, config.warmup))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                if config.grad_clip:
                    torch.nn.utils.clip_grad_norm_(params, config.grad_clip)
                with stop.updating():
                    opt.step()
                    loss, margin = loss.detach(), margin.detach()
                    history["loss"].append(float(loss))
                    history["margin"].append(float(margin.mean()))
                    history["accuracy"].append(float((margin > 0).float().mean()))
                    done = True
                report(progress, step + 1, steps, f"loss {float(loss):.3f}")
                if every and checkpoint is not None and (step + 1) % every == 0 and step + 1 < steps:
                    record(step + 1, (order, rng.getstate()))
                    checkpoint()
            except TrainingInterrupted:
                raise
            except KeyboardInterrupt:
                raise stopped(step + done, stop.requested or "SIGINT", None if done else at) from None
    record(len(history["loss"]), (order, rng.getstate()))
    model.eval()
    done = len(history["loss"])
    summary = {
        "steps": done,
        "pairs": len(pairs),
        "given_pairs": given,
        "epochs": round(done * int(config.batch_size) / len(pairs), 3),
        "reward_labelled_pairs": sum(p.source == "reward" for p in pairs),
        "anchor_pieces": len(anchor),
        "seconds": round(time.monotonic() - t0, 2),
        "final_loss": _tail_mean(history["loss"]),
        "final_margin": _tail_mean(history["margin"]),
        "final_accuracy": _tail_mean(history["accuracy"]),
    }
    return {"summary": summary, "history": history}


def anchor_nll(
    model: MusicLM, anchor: Sequence[tuple[Sequence[int], Sequence[int]]], step: int, batch: int
) -> torch.Tensor:
    """The mean NLL per token (with gradients) of step ``step``'s ``batch`` anchor pieces, taken in turn."""
    chosen = [anchor[(step * batch + i) % len(anchor)] for i in range(min(batch, len(anchor)))]
    lp, counts = sequence_logprobs(model, [x for x, _ in chosen], [y for _, y in chosen])
    return (-lp / counts.clamp(min=1)).mean()


def pairs_digest(pairs: Sequence[TokenPair]) -> str:
    """A digest of the training pairs (their tokens, sources and weights, in order)."""
    h = hashlib.blake2b(digest_size=16)
    for p in pairs:
        h.update(json.dumps([p.prefix, p.chosen, p.rejected, p.source, p.weight]).encode())
    return h.hexdigest()


def _resume(
    model: MusicLM,
    opt: torch.optim.Optimizer,
    rng: random.Random,
    state: TrainState,
    pairs: Sequence[TokenPair],
    digest: str,
    config: DPOConfig,
) -> tuple[int, list[int], dict[str, list[float]]]:
    """Put a stopped run's state (:func:`tune_dpo`) into the model, optimizer and order; its step, order
    and history (one-line ValueError when it is of other pairs, config or weights)."""
    record = state.record
    if state.finished:
        raise ValueError(f"the tuning went all its {state.total} steps: nothing to go on with")
    if record.get("pairs") != digest:
        raise ValueError("the stopped tuning was of other preference pairs (the store changed?): start anew")
    saved = record.get("config") or {}
    differ = sorted(k for k, v in config.to_dict().items() if k in saved and saved[k] != v)
    if differ:
        shown = ", ".join(f"{k} {saved[k]!r} (not {config.to_dict()[k]!r})" for k in differ)
        raise ValueError(f"the stopped tuning was made with {shown}: go on with its own settings")
    weights = state.saved_weights()
    if weights:
        model.load_state_dict(weights)
    state.check_weights(model.state_dict())
    state.restore(opt)
    rng.setstate(random_state(record["order_rng"], back=True))
    history = {k: [float(x) for x in record["history"][k]] for k in ("loss", "margin", "accuracy")}
    logger.info("DPO: going on from step %d of %d", state.step, state.total)
    return state.step, [int(i) for i in record["order"]], history


def _tail_mean(values: list[float], n: int = 10) -> float:
    tail = values[-n:]
    return float(sum(tail) / len(tail)) if tail else math.nan


def save_tuned(
    out: str | Path,
    write: Callable[[Path], Any],
    config: DPOConfig,
    history: dict[str, Any] | None = None,
    copy_from: str | Path | None = None,
    keep: Sequence[str] = ("selector", "generation_config.json"),
) -> Path:
    """Write a tuned model folder at ``out`` in one rename: ``write(folder)`` saves the model (and its
    tokenizer) into a folder beside ``out``, then ``dpo_config.json`` and ``dpo_history.json`` are added, the
    base folder's ``keep`` entries (its Selector, its generation settings) are copied from ``copy_from`` where
    ``write`` made none, and the folder replaces ``out``. An interrupted run leaves ``out`` as it was."""
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and not (target / "config.json").is_file():
        raise ValueError(f"{target}: exists and is not a model folder; choose another output folder")
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    old = target.parent / f".{target.name}-old"
    try:
        write(tmp)
        config.save_pretrained(tmp)
        if history is not None:
            atomic_write_text(tmp / "dpo_history.json", json.dumps(history, sort_keys=True) + "\n")
        if copy_from is not None:
            for name in keep:
                src, dst = Path(copy_from) / name, tmp / name
                if dst.exists() or not src.exists():
                    continue
                if src.is_dir():
                    shutil.copytree(src, dst)
                else:
                    shutil.copy2(src, dst)
        if target.exists():
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    logger.info("saved the tuned model to %s", target)
    return target
