"""What a training run needs besides its weights to go on exactly where it stopped: the optimizer's state
and the random streams.

- :func:`optimizer_tensors` / :func:`load_optimizer_state`: an optimizer's state as named tensors (AdamW's
  moments, for safetensors) plus a JSON-able rest (its parameter groups and scalars); loading checks that it
  fits the optimizer's parameters (their number and shapes) and refuses in one line otherwise. The LM
  trainer's checkpoints (:mod:`partita.training.trainer`) and the encoder's (:class:`TrainState`) both use
  them.
- :func:`rng_tensors` / :func:`restore_rng`: torch's global random state and a ``torch.Generator``'s (uint8
  tensors), a numpy ``Generator``'s and python's ``random`` (JSON).
- :class:`TrainState`, :func:`save_train_state`, :func:`load_train_state`: one file,
  ``train_state.safetensors`` beside a model's weights, with the optimizer's tensors and the random states
  as tensors and the rest (the step reached, the steps planned, the loss of every step, a digest of the
  weights it goes with, the caller's own record) as JSON in its header; written atomically, never pickled.
  Given the weights, the file holds them too (``weights.*``, with a caller's other tensors, e.g. an
  adversarial masker's ``masker.*``): a checkpoint complete in one file, so that a run killed while writing
  the next one (the model's own files written, the state not yet) still goes on exactly from this one.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from partita.atomic import atomic_path

TRAIN_STATE = "train_state.safetensors"
"""The training state beside a model's weights (:func:`save_train_state`)."""
FORMAT = 1


def optimizer_tensors(opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The optimizer state as named tensors (``"<param index>.<name>"``, copies, for safetensors) plus its
    JSON-able rest (``param_groups`` and the non-tensor ``scalars``)."""
    sd = opt.state_dict()
    tensors, scalars = {}, {}
    for pid, st in sd["state"].items():
        for k, v in st.items():
            if torch.is_tensor(v):
                tensors[f"{pid}.{k}"] = v.detach().cpu().clone().contiguous()
            else:
                scalars[f"{pid}.{k}"] = v
    return tensors, {"param_groups": sd["param_groups"], "scalars": scalars}


def load_optimizer_state(
    opt: torch.optim.Optimizer, tensors: Mapping[str, torch.Tensor], meta: Mapping[str, Any]
) -> None:
    """Put a state from :func:`optimizer_tensors` into ``opt``: one-line ValueError when it is not of the
    optimizer's parameters (another number of groups or parameters, or a moment of another shape)."""
    params = [p for g in opt.param_groups for p in g["params"]]
    try:
        groups = [dict(g) for g in meta["param_groups"]]
        saved = [len(g["params"]) for g in groups]
        state: dict[int, dict[str, Any]] = {}
        for key, v in {**tensors, **meta["scalars"]}.items():
            pid, name = key.split(".", 1)
            state.setdefault(int(pid), {})[name] = v
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ValueError("the saved optimizer state is unreadable") from None
    here = [len(g["params"]) for g in opt.param_groups]
    if saved != here:
        raise ValueError(
            f"the saved optimizer state does not fit this model: parameters a group {saved}, here {here}"
        )
    for pid, st in state.items():
        if not 0 <= pid < len(params):
            raise ValueError(f"the saved optimizer state names parameter {pid} of {len(params)}")
        for name, v in st.items():
            if torch.is_tensor(v) and v.dim() and v.shape != params[pid].shape:
                raise ValueError(
                    f"the saved optimizer state does not fit this model: its {name} of parameter {pid} is "
                    f"{tuple(v.shape)}, the parameter {tuple(params[pid].shape)}"
                )
    opt.load_state_dict({"state": state, "param_groups": groups})


def rng_tensors(
    generator: torch.Generator | None = None, rng: np.random.Generator | None = None
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The random states now: torch's global one and ``generator``'s as uint8 tensors, ``rng``'s (numpy)
    and python's ``random`` as JSON."""
    tensors = {"torch": torch.get_rng_state()}
    if generator is not None:
        tensors["generator"] = generator.get_state()
    meta: dict[str, Any] = {"python": _listed(random.getstate())}
    if rng is not None:
        meta["numpy"] = rng.bit_generator.state
    return tensors, meta


def restore_rng(
    tensors: Mapping[str, torch.Tensor],
    meta: Mapping[str, Any],
    generator: torch.Generator | None = None,
    rng: np.random.Generator | None = None,
) -> None:
    """Set the random states of :func:`rng_tensors` again (one-line ValueError when one is missing or
    unusable)."""
    try:
        torch.set_rng_state(tensors["torch"])
        if generator is not None:
            generator.set_state(tensors["generator"])
        if rng is not None:
            rng.bit_generator.state = dict(meta["numpy"])
        random.setstate(_tupled(meta["python"]))
    except (KeyError, TypeError, ValueError, RuntimeError):
        raise ValueError("the saved random state is unusable") from None


def random_state(state: Any, back: bool = False) -> Any:
    """A python ``random.Random``'s state (``getstate()``) as JSON (nested lists), or ``back`` from JSON
    (for ``setstate``)."""
    return _tupled(state) if back else _listed(state)


def _listed(x: Any) -> Any:
    return [_listed(v) for v in x] if isinstance(x, tuple | list) else x


def _tupled(x: Any) -> Any:
    return tuple(_tupled(v) for v in x) if isinstance(x, list) else x


def state_digest(tensors: Mapping[str, torch.Tensor]) -> str:
    """A digest of named tensors (names, dtypes, shapes and bytes): the weights a training state is of."""
    h = hashlib.blake2b(digest_size=16)
    for name, t in sorted(tensors.items()):
        t = t.detach().cpu().contiguous()
        h.update(f"{name}:{t.dtype}:{tuple(t.shape)};".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


@dataclass
class TrainState:
    """Where a run stands after ``step`` of its ``total`` optimizer steps: the optimizer's state
    (:func:`optimizer_tensors`), the random states (:func:`rng_tensors`), the loss of each step so far, the
    digest of the weights it goes with (:func:`state_digest`) and the caller's own JSON-able ``record``.
    Empty (``step`` 0, no optimizer state): a fresh start. A training loop given one starts from it and
    leaves its final state in it."""

    step: int = 0
    total: int = 0
    optimizer: dict[str, torch.Tensor] = field(default_factory=dict)
    optimizer_meta: dict[str, Any] = field(default_factory=dict)
    rng: dict[str, torch.Tensor] = field(default_factory=dict)
    rng_meta: dict[str, Any] = field(default_factory=dict)
    losses: list[float] = field(default_factory=list)
    weights: str = ""
    record: dict[str, Any] = field(default_factory=dict)
    payload: dict[str, torch.Tensor] = field(default_factory=dict)
    """Tensors saved with the state (read back, not taken by :meth:`capture`): ``weights.<name>``, the
    weights at ``step``, and a caller's own (``masker.<name>``)."""

    @property
    def empty(self) -> bool:
        return not self.optimizer_meta

    @property
    def finished(self) -> bool:
        """Whether the run it is of went all its steps (else it was stopped and can go on)."""
        return self.step >= self.total

    def capture(
        self,
        opt: torch.optim.Optimizer,
        step: int,
        total: int,
        losses: list[float],
        generator: torch.Generator | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        """Take the optimizer's and the random states now, after ``step`` of ``total`` steps."""
        self.optimizer, self.optimizer_meta = optimizer_tensors(opt)
        self.rng, self.rng_meta = rng_tensors(generator, rng)
        self.step, self.total, self.losses = int(step), int(total), [float(x) for x in losses]

    def restore(
        self,
        opt: torch.optim.Optimizer,
        generator: torch.Generator | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        """Put the saved optimizer and random states into ``opt``, ``generator``, ``rng`` and the globals."""
        load_optimizer_state(opt, self.optimizer, self.optimizer_meta)
        restore_rng(self.rng, self.rng_meta, generator, rng)

    def saved_weights(self) -> dict[str, torch.Tensor]:
        """The weights saved with the state (empty: an older file, without them)."""
        return {k.removeprefix("weights."): v for k, v in self.payload.items() if k.startswith("weights.")}

    def check_weights(self, tensors: Mapping[str, torch.Tensor], where: str = "") -> None:
        """One-line ValueError when the state was saved with other weights than ``tensors``."""
        if self.weights and self.weights != state_digest(tensors):
            raise ValueError(
                f"{where or TRAIN_STATE}: the training state is not of these weights (saved at another step "
                f"or with another model); delete {TRAIN_STATE} to go on without it"
            )


def save_train_state(
    state: TrainState,
    directory: str | Path,
    weights: Mapping[str, torch.Tensor] | None = None,
    extra: Mapping[str, torch.Tensor] | None = None,
) -> Path:
    """Write ``state`` as ``directory/train_state.safetensors`` (atomically): the one file a resumed run
    needs. ``weights``: the tensors it goes with, saved in it (``weights.<name>``) with their digest;
    ``extra``: more named tensors saved in it (read back in :attr:`TrainState.payload`)."""
    if state.empty:
        raise ValueError("no training state to save (the state is empty)")
    path = Path(directory) / TRAIN_STATE
    tensors = {f"optimizer.{k}": v for k, v in state.optimizer.items()}
    tensors.update({f"rng.{k}": v for k, v in state.rng.items()})
    if weights is not None:
        state.weights = state_digest(weights)
        tensors.update({f"weights.{k}": v.detach().cpu().clone().contiguous() for k, v in weights.items()})
    tensors.update({k: v.detach().cpu().clone().contiguous() for k, v in (extra or {}).items()})
    header = {
        "format": FORMAT,
        "step": state.step,
        "total": state.total,
        "optimizer": state.optimizer_meta,
        "rng": state.rng_meta,
        "losses": state.losses,
        "weights": state.weights,
        "record": state.record,
    }
    meta = {"format": "pt", "partita": "TrainState", "state": json.dumps(header, default=_jsonable)}
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata=meta)
    return path


def _jsonable(x: Any) -> Any:
    if isinstance(x, np.integer | np.floating):
        return x.item()
    raise TypeError(f"{type(x).__name__} is not JSON-able")


def read_safetensors(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """The tensors and the header metadata of a safetensors file (SafetensorError or OSError when it is
    not one)."""
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata() or {}
        tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (safe_open is not a dict)
    return tensors, meta


def load_train_state(directory: str | Path) -> TrainState | None:
    """The training state saved in ``directory`` (None when there is none; one-line ValueError when the file
    is not one)."""
    path = Path(directory) / TRAIN_STATE
    if not path.is_file():
        return None
    try:
        tensors, meta = read_safetensors(path)
        if meta.get("partita") != "TrainState":
            raise ValueError("not partita's")
        h = json.loads(meta["state"])
        if h.get("format") != FORMAT:
            raise ValueError(f"format {h.get('format')!r}, this partita reads {FORMAT}")
        return TrainState(
            step=int(h["step"]),
            total=int(h["total"]),
            optimizer={
                k.removeprefix("optimizer."): v for k, v in tensors.items() if k.startswith("optimizer.")
            },
            optimizer_meta=dict(h["optimizer"]),
            rng={k.removeprefix("rng."): v for k, v in tensors.items() if k.startswith("rng.")},
            rng_meta=dict(h["rng"]),
            losses=[float(x) for x in h["losses"]],
            weights=str(h.get("weights", "")),
            record=dict(h.get("record") or {}),
            payload={k: v for k, v in tensors.items() if not k.startswith(("optimizer.", "rng."))},
        )
    except (SafetensorError, KeyError, TypeError, ValueError, OSError, json.JSONDecodeError) as e:
        why = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ValueError(
            f"{path}: not a saved training state ({why}); delete it to go on without it"
        ) from None
