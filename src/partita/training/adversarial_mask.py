"""Adversarial-MidiBERT's learned masking for the music encoder's masked-note pretraining.

After Zhao, "Adversarial-MidiBERT" (arXiv 2407.08306) and its code (RS2002/Adversarial-MidiBERT):

- A *masker* (:class:`MaskerHead`, a small MLP) reads the encoder's hidden states of the uncorrupted window
  and scores every note in [0, 1]. The notes masked are the top-scored ones: a share drawn uniformly in
  ``[share_low, share_high]`` of the notes still maskable, at most ``mask_prob`` of the window's notes, at
  least one. BERT's 80/10/10 corruption then applies as in :func:`partita.training.encoder.pretrain`.
- *Adversarial*: after the recoverer's loss, the masker is taught by a squared error to score 1 the
  ``target_share`` of the corrupted notes with the highest loss and 0 those with the lowest, so it learns to
  pick the notes the encoder finds hardest.
- A *mask book* (:class:`MaskBook`) per piece holds the notes that may be masked. From time to time the
  notes the masker scores highest (``freeze_low``..``freeze_high`` of the open ones: those the context gives
  least, which the paper calls the biased ones) are closed, and a random few (up to ``unfreeze_max``) opened
  again, so pretraining stops spending its masks on notes the context cannot give.

Differences from the paper's code (the ablation isolates the masking): the masker head reads *detached*
hidden states (its loss trains the head, not the encoder); the book of a window is updated when the window is
drawn (with probability ``book_rate``, after ``book_after`` steps), not once every five epochs; the
recoverer's loss stays partita's (the chosen notes, the five fields summed; no loss on unmasked notes and no
accuracy-weighted fields). :func:`partita.training.encoder.pretrain`'s ``masker`` hook takes fixed maskers
only: this one needs the loss and the notes' places in their pieces, hence its own functions,
:func:`adversarial_pretrain` (pieces of one set, :func:`partita.training.encoder.pretrain`'s schedule) and
:func:`adversarial_adapt` (cultures mixed and scheduled as :func:`partita.training.culture.adapt`, which
calls it for ``AdaptConfig.masking == "adversarial"``: what ``partita encoder pretrain|adapt --masking
adversarial`` runs).

The masker's state (:class:`MaskerState`: its head's weights, the mask book, its step count) is saved beside
an encoder's weights as ``masker.safetensors`` (:func:`save_masker`, :func:`load_masker`), so that a resumed
run continues the same masker: give the loaded state to :func:`adversarial_adapt` (``masker=``), which starts
from it and leaves the final state in it. The book is restored only for the same pieces (a digest of their
tokens); for other pieces the book starts afresh and the head is kept. :func:`adversarial_pretrain` saves
and resumes as :func:`partita.training.encoder.pretrain` does (``save_to``, ``resume_from``,
``checkpoint_every``), the masker with the weights (:func:`save_state_with_masker`: inside
``train_state.safetensors`` too); a stop inside a step takes the masker's step back
(:meth:`_Adversary.settle`), so it is saved at the step's start.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import SafetensorError
from safetensors.torch import save_file
from torch import nn

from partita.atomic import atomic_path
from partita.models.encoder import FIELDS, PAD, MusicEncoder, pad_batch, window_tokens
from partita.progress import ProgressCallback
from partita.training.encoder import EncoderTrainConfig, _loop, _Saving, corrupt
from partita.training.interrupt import check_same_run
from partita.training.train_state import TRAIN_STATE, TrainState, read_safetensors, save_train_state

if TYPE_CHECKING:
    from partita.training.culture import AdaptConfig

log = logging.getLogger(__name__)

MASKER_WEIGHTS = "masker.safetensors"
"""The adversarial masker's state beside an encoder's weights (:func:`save_masker`)."""


@dataclass
class AdversarialMaskConfig:
    """Settings of the learned masker and its mask book (the paper's values by default)."""

    share_low: float = 0.1
    share_high: float = 0.3
    """Each window masks a share drawn in [share_low, share_high] of its open notes (at most mask_prob of
    its notes)."""
    target_share: float = 0.3
    """The masker learns 1 for this share of the corrupted notes with the highest loss, 0 for the lowest."""
    hidden: int = 64
    """Width of the masker's hidden layer."""
    book_rate: float = 0.2
    """Probability that a drawn window updates its piece's mask book (0: no book)."""
    book_after: int = 100
    """Steps before the book is first updated (the masker learns first)."""
    freeze_low: float = 0.1
    freeze_high: float = 0.3
    """An update closes a share drawn in [freeze_low, freeze_high] of the window's open notes."""
    unfreeze_max: float = 0.1
    """An update then opens each note of the window with a probability drawn in [0, unfreeze_max]."""

    def __post_init__(self) -> None:
        for lo, hi in (("share_low", "share_high"), ("freeze_low", "freeze_high")):
            a, b = getattr(self, lo), getattr(self, hi)
            if not (0 < a <= b <= 1):
                raise ValueError(f"AdversarialMaskConfig: need 0 < {lo} <= {hi} <= 1, not {a} and {b}")
        for name in ("target_share", "book_rate", "unfreeze_max"):
            v = getattr(self, name)
            if not 0 <= v <= (0.5 if name == "target_share" else 1):
                raise ValueError(f"AdversarialMaskConfig.{name} out of range: {v}")
        if self.hidden < 1 or self.book_after < 0:
            raise ValueError("AdversarialMaskConfig: hidden must be at least 1 and book_after not negative")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class MaskerHead(nn.Module):
    """Scores each note's hidden state in [0, 1]: how much it should be masked."""

    def __init__(self, d_model: int, hidden: int = 64) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Dropout(0.1), nn.Linear(d_model, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(hidden)).squeeze(-1)


class MaskBook:
    """Which notes of each piece may still be masked (all at first)."""

    def __init__(self, lengths: Sequence[int]) -> None:
        self.open = [np.ones(int(n), dtype=bool) for n in lengths]

    def window(self, piece: int, start: int, length: int) -> np.ndarray:
        return self.open[piece][start : start + length]

    def update(
        self,
        piece: int,
        start: int,
        scores: np.ndarray,
        config: AdversarialMaskConfig,
        rng: np.random.Generator,
    ) -> None:
        """Close the top-scored share of the window's open notes, then open a random few."""
        w = self.open[piece][start : start + len(scores)]  # a view: edits the book
        idx = np.flatnonzero(w)
        n = int(rng.uniform(config.freeze_low, config.freeze_high) * len(idx))
        if n:
            w[idx[np.argsort(-scores[idx], kind="stable")[:n]]] = False
        w[rng.random(len(w)) < rng.uniform(0, config.unfreeze_max)] = True

    def closed_share(self) -> float:
        total = sum(len(o) for o in self.open)
        return float(sum(int((~o).sum()) for o in self.open) / max(1, total))


def pieces_digest(pieces: Sequence[np.ndarray]) -> str:
    """A digest of the pieces' tokens (their order and lengths included): the pieces a mask book is of."""
    h = hashlib.blake2b(digest_size=16)
    for p in pieces:
        a = np.ascontiguousarray(p, dtype=np.int64)
        h.update(np.array(a.shape, dtype=np.int64).tobytes())
        h.update(a.tobytes())
    return h.hexdigest()


@dataclass
class MaskerState:
    """The learned masker of a run: its head's weights, its mask book (one flag a note of each piece, the
    pieces named by ``digest``) and its step count (``book_after`` counts from the first run). Empty (no
    ``head``): a fresh masker. :func:`adversarial_adapt` starts from it and leaves the final state in it."""

    head: dict[str, torch.Tensor] | None = None
    book: list[np.ndarray] = field(default_factory=list)
    digest: str = ""
    step: int = 0
    updates: int = 0
    config: dict[str, Any] = field(default_factory=dict)


def masker_tensors(state: MaskerState) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """``state`` as named tensors (the head's ``head.*``, the book as one flag a note) and a header: what
    :func:`save_masker` writes and a training state holds (:func:`save_state_with_masker`)."""
    if state.head is None:
        raise ValueError("no masker to save (the state is empty)")
    tensors = {f"head.{k}": v.detach().contiguous().cpu() for k, v in state.head.items()}
    lengths = np.array([len(b) for b in state.book], dtype=np.int64)
    flags = np.concatenate(state.book) if state.book else np.zeros(0, dtype=bool)
    tensors["book.open"] = torch.from_numpy(flags.astype(np.uint8))
    tensors["book.lengths"] = torch.from_numpy(lengths)
    meta = {
        "format": "pt",
        "partita": "MaskerState",
        "digest": state.digest,
        "step": str(state.step),
        "updates": str(state.updates),
        "config": json.dumps(state.config),
    }
    return tensors, meta


def masker_from_tensors(tensors: Mapping[str, torch.Tensor], meta: Mapping[str, str]) -> MaskerState:
    """The masker of :func:`masker_tensors` (ValueError or KeyError when it is not one)."""
    tensors = dict(tensors)
    lengths = tensors.pop("book.lengths").numpy()
    flags = tensors.pop("book.open").numpy().astype(bool)
    if int(lengths.sum()) != len(flags) or meta.get("partita") != "MaskerState":
        raise ValueError("book sizes disagree")
    head = {k.removeprefix("head."): v for k, v in tensors.items()}
    book = [b.copy() for b in np.split(flags, np.cumsum(lengths)[:-1])] if len(lengths) else []
    return MaskerState(
        head,
        book,
        meta.get("digest", ""),
        int(meta.get("step", 0)),
        int(meta.get("updates", 0)),
        json.loads(meta.get("config", "{}")),
    )


def save_masker(state: MaskerState, directory: str | Path) -> Path:
    """Write ``state`` as ``directory/masker.safetensors`` (atomically; the book as one flag a note)."""
    tensors, meta = masker_tensors(state)
    path = Path(directory) / MASKER_WEIGHTS
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata=meta)
    return path


def load_masker(directory: str | Path) -> MaskerState | None:
    """The masker saved in ``directory`` (None when there is none; one-line ValueError when unreadable)."""
    path = Path(directory) / MASKER_WEIGHTS
    if not path.is_file():
        return None
    try:
        return masker_from_tensors(*read_safetensors(path))
    except (SafetensorError, KeyError, ValueError, OSError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: not a saved masker ({str(e).splitlines()[0] if str(e) else e})") from None


def save_state_with_masker(
    state: TrainState,
    directory: str | Path,
    weights: Mapping[str, torch.Tensor],
    masker: MaskerState | None,
) -> Path:
    """:func:`partita.training.train_state.save_train_state` with ``masker`` in it too (its tensors named
    ``masker.*``, its header and step in the record): a checkpoint whole in one file."""
    has = masker is not None and masker.head is not None
    state.record["masker_step"] = masker.step if has else None
    extra: dict[str, torch.Tensor] = {}
    state.record["masker_meta"] = None
    if has:
        tensors, state.record["masker_meta"] = masker_tensors(masker)
        extra = {f"masker.{k}": v for k, v in tensors.items()}
    return save_train_state(state, directory, weights, extra)


def masker_in_state(state: TrainState, masker: MaskerState | None, where: str) -> None:
    """Make ``masker`` (the one saved beside the weights, or empty) the one ``state`` was saved with: the
    state's own copy (:func:`save_state_with_masker`) when the file's is of another step (a later checkpoint
    cut short); one-line ValueError when they still disagree (or the state's copy is unreadable)."""
    have = masker.step if masker is not None and masker.head is not None else None
    meta = state.record.get("masker_meta")
    if masker is not None and meta and have != state.record.get("masker_step"):
        tensors = {k.removeprefix("masker."): v for k, v in state.payload.items() if k.startswith("masker.")}
        try:
            if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
                raise ValueError(meta)
            saved = masker_from_tensors(tensors, meta)
        except (KeyError, ValueError, json.JSONDecodeError):
            why = f"{where}: its masker is unreadable; delete {TRAIN_STATE} to go on without it"
            raise ValueError(why) from None
        for f in fields(saved):
            setattr(masker, f.name, getattr(saved, f.name))
        have = masker.step
    if state.record.get("masker_step") != have:
        raise ValueError(
            f"{where}: the training state is of a masker at step {state.record.get('masker_step')}, "
            f"{MASKER_WEIGHTS} holds {'none' if have is None else f'one at step {have}'}; delete "
            f"{TRAIN_STATE} to go on without it"
        )


def choose(
    scores: torch.Tensor,
    keep: torch.Tensor,
    open_: torch.Tensor,
    prob: float,
    config: AdversarialMaskConfig,
    rng: np.random.Generator,
) -> torch.Tensor:
    """The notes to mask: in each row the top-scored open real notes (every real note if none is open), a
    share in [share_low, share_high] of the open ones, at most ``prob`` of the real ones, at least one."""
    chosen = torch.zeros_like(keep)
    for b in range(keep.shape[0]):
        allowed = keep[b] & open_[b]
        if not allowed.any():
            allowed = keep[b]
        n_open, n_real = int(allowed.sum()), int(keep[b].sum())
        if not n_real:
            continue
        k = min(int(rng.uniform(config.share_low, config.share_high) * n_open), int(prob * n_real))
        k = max(1, min(k, n_open))
        s = scores[b].masked_fill(~allowed, float("-inf"))
        chosen[b, torch.topk(s, k).indices] = True
    return chosen


def masker_loss(
    scores: torch.Tensor, note_loss: torch.Tensor, corrupted: torch.Tensor, share: float
) -> torch.Tensor:
    """Squared error of the masker's scores: 1 for the ``share`` of each row's corrupted notes with the
    highest recoverer loss, 0 for the lowest (rows with too few corrupted notes add nothing)."""
    total, rows = scores.new_zeros(()), 0
    for b in range(scores.shape[0]):
        cand = torch.nonzero(corrupted[b]).flatten()
        j = int(share * len(cand))
        if not j:
            continue
        order = cand[torch.argsort(note_loss[b, cand], stable=True)]
        hi, lo = order[-j:], order[:j]
        total = total + F.mse_loss(scores[b, hi], torch.ones(j)) + F.mse_loss(scores[b, lo], torch.zeros(j))
        rows += 1
    return total / max(1, rows)


def note_losses(model: MusicEncoder, hidden: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of each note's fields summed (the velocity field skipped when the model has none)."""
    logits = model.mlm_logits(hidden)
    out = torch.zeros(len(target))
    for i, f in enumerate(FIELDS):
        if f == "velocity" and not model.config.use_velocity:
            continue
        out = out + F.cross_entropy(logits[f], target[:, i], ignore_index=PAD, reduction="none")
    return out


def _pick(lengths: np.ndarray, batch: int, max_len: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """``(piece, start)`` of a batch of random windows, a piece drawn in proportion to its length."""
    chosen = rng.choice(len(lengths), size=batch, p=lengths / lengths.sum())
    return [(int(k), int(rng.integers(0, max(1, int(lengths[k]) - max_len + 1)))) for k in chosen]


class _Adversary:
    """The learned masker, its mask book and its running record, over one list of pieces."""

    def __init__(
        self,
        model: MusicEncoder,
        pieces: Sequence[np.ndarray],
        adv: AdversarialMaskConfig,
        seed: int,
        saved: MaskerState | None = None,
    ):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.head = MaskerHead(model.config.d_model, adv.hidden).train()
        self.model, self.pieces, self.adv = model, pieces, adv
        self.book = MaskBook([len(p) for p in pieces])
        self.digest = pieces_digest(pieces)
        self.state: dict[str, Any] = {"step": 0, "mlm": [], "masker": [], "updates": 0, "resumed": False}
        if saved is not None and saved.head is not None:
            self._restore(saved)
        self.begun = 0
        """Steps whose loss this run began (:meth:`settle`)."""
        self._undo: tuple | None = None

    def _restore(self, saved: MaskerState) -> None:
        """Continue ``saved``: its head (the same shape or one clear error), its step count, and its book
        when it is of these pieces."""
        mine = self.head.state_dict()
        if set(saved.head) != set(mine) or any(saved.head[k].shape != mine[k].shape for k in mine):
            raise ValueError(
                "the saved masker does not fit this encoder and masker (another width or hidden size)"
            )
        self.head.load_state_dict(saved.head)
        self.state.update(step=saved.step, updates=saved.updates, resumed=True)
        if saved.digest == self.digest and len(saved.book) == len(self.book.open):
            self.book.open = [b.copy() for b in saved.book]
        else:
            log.warning("the saved mask book is of other pieces: the book starts afresh, the masker goes on")
            self.state["resumed"] = "masker"

    def save_to(self, target: MaskerState) -> None:
        """Put the masker's state now into ``target``."""
        target.head = {k: v.detach().clone() for k, v in self.head.state_dict().items()}
        target.book = [b.copy() for b in self.book.open]
        target.digest, target.config = self.digest, self.adv.to_dict()
        target.step, target.updates = int(self.state["step"]), int(self.state["updates"])

    def loss(
        self, picks: list[tuple[int, int]], mask_prob: float, rng: np.random.Generator, gen: torch.Generator
    ) -> torch.Tensor:
        """The recoverer's loss on the windows ``picks`` (``(piece, start)``) masked by the masker, plus the
        masker's own loss; the book updated."""
        model, adv, book, state = self.model, self.adv, self.book, self.state
        c = model.config
        counts = (state["step"], state["updates"], len(state["mlm"]), len(state["masker"]))
        self._undo = (counts, [(k, s, book.window(k, s, c.max_len).copy()) for k, s in picks])
        self.begun += 1
        seqs = [window_tokens(self.pieces[k][s : s + c.max_len], c) for k, s in picks]
        tokens, keep = pad_batch(seqs, c.max_len)
        open_ = np.zeros_like(keep)
        for i, (k, s) in enumerate(picks):
            open_[i, : len(seqs[i])] = book.window(k, s, len(seqs[i]))
        x, kp = torch.from_numpy(tokens), torch.from_numpy(keep)
        with torch.no_grad():
            clean = model(x, kp)
        scores = self.head(clean)
        chosen = choose(scores.detach(), kp, torch.from_numpy(open_), mask_prob, adv, rng)
        xin = corrupt(x, chosen, [c.vocab(f) for f in FIELDS], gen)
        per_note = note_losses(model, model(xin, kp)[chosen], x[chosen])
        full = torch.zeros(keep.shape)
        full[chosen] = per_note.detach()
        m_loss = masker_loss(scores, full, chosen & (xin != x).any(-1), adv.target_share)
        if state["step"] >= adv.book_after and adv.book_rate > 0:
            sc = scores.detach().numpy()
            for i, (k, s) in enumerate(picks):
                if rng.random() < adv.book_rate:
                    book.update(k, s, sc[i, : len(seqs[i])], adv, rng)
                    state["updates"] += 1
        loss = per_note.mean()
        state["step"] += 1
        state["mlm"].append(float(loss.detach()))
        state["masker"].append(float(m_loss.detach()))
        return loss + m_loss

    def settle(self, done: int) -> None:
        """Before the masker is saved with ``done`` steps of this run: a step begun but not done (a stop
        inside it, saved at its start) is taken back (its counts, losses and book updates)."""
        if self.begun <= done or self._undo is None:
            return
        (step, updates, n_mlm, n_masker), windows = self._undo
        for k, s, before in reversed(windows):
            self.book.open[k][s : s + len(before)] = before
        self.state.update(step=step, updates=updates)
        del self.state["mlm"][n_mlm:], self.state["masker"][n_masker:]
        self.begun, self._undo = done, None

    def from_record(self, record: Mapping[str, Any]) -> None:
        """The recoverer's and the masker's losses of a stopped run so far (its state's ``record``)."""
        for key in ("mlm", "masker"):
            self.state[key] = [float(x) for x in record.get(f"masker_{key}", [])]

    def finish(self, out: dict[str, Any]) -> dict[str, Any]:
        """``out`` with the recoverer's own first and final losses and the ``"adversarial"`` record."""
        self.head.eval()
        mlm, masker = self.state["mlm"], self.state["masker"]
        out["first_loss"] = float(np.mean(mlm[:20] or [float("nan")]))  # the recoverer's alone
        out["final_loss"] = float(np.mean(mlm[-50:] or [float("nan")]))
        out["adversarial"] = {
            "config": self.adv.to_dict(),
            "masker_final": float(np.mean(masker[-50:] or [float("nan")])),
            "book_updates": self.state["updates"],
            "book_closed_share": round(self.book.closed_share(), 4),
            "resumed": self.state["resumed"],
            "masker_steps": self.state["step"],
        }
        return out


def adversarial_pretrain(
    model: MusicEncoder,
    pieces: Sequence[np.ndarray],
    config: EncoderTrainConfig,
    adversarial: AdversarialMaskConfig | None = None,
    progress: ProgressCallback | None = None,
    masker: MaskerState | None = None,
    *,
    resume_from: str | Path | TrainState | None = None,
    save_to: str | Path | None = None,
    checkpoint_every: int = 0,
) -> dict[str, Any]:
    """Masked-note modelling on ``pieces`` with the learned masker and mask book (see the module doc);
    ``masker``: start from that saved state (and leave the final one in it).

    The same optimizer, schedule, corruption and loss as :func:`partita.training.encoder.pretrain`; only which
    notes are masked differs. ``config.transpose`` is not used. Returns what the run did; the recoverer's
    losses (on the notes the masker chose, so not comparable with random masking's) and the share of notes
    the book closed are in ``"adversarial"``.

    ``resume_from``, ``save_to``, ``checkpoint_every``: as :func:`partita.training.encoder.pretrain`'s, the
    masker with the rest: ``save_to`` holds it as ``masker.safetensors`` and in ``train_state.safetensors``
    (the checkpoint whole in one file); ``resume_from`` a folder puts it into ``masker`` (a fresh one when
    None), a :class:`TrainState` takes it from ``masker``. A stopped run (Ctrl-C, SIGTERM: the step under way
    ends, is saved and :class:`partita.training.interrupt.TrainingInterrupted` raised; a stop inside a step
    is saved at its start) goes on to the end of its schedule as the unbroken run would have, to the bit
    (the same ``pieces``, ``config`` and ``adversarial``; others are refused)."""
    pieces = [p for p in pieces if len(p)]
    if not pieces:
        raise ValueError("no notes to pretrain on")
    adv = adversarial or AdversarialMaskConfig()
    lengths = np.array([len(p) for p in pieces], dtype=float)
    run = _MaskerSaving(model, config, adv, masker, resume_from, save_to)
    adversary = run.start(pieces)

    def step_loss(rng: np.random.Generator, gen: torch.Generator) -> torch.Tensor:
        picks = _pick(lengths, config.batch_size, model.config.max_len, rng)
        return adversary.loss(picks, config.mask_prob, rng, gen)

    params = list(model.parameters()) + list(adversary.head.parameters())
    out = adversary.finish(run.loop(params, step_loss, progress, checkpoint_every))
    model.card.setdefault("pretraining", {}).update(
        {**out, "config": config.to_dict(), "masking": "adversarial"}
    )
    model.card["masking"] = "adversarial"
    run.finish()
    return out


class _MaskerSaving(_Saving):
    """:func:`adversarial_pretrain`'s saving and resuming: :class:`partita.training.encoder._Saving`'s, with
    the masker (its state brought up to date at each checkpoint and saved with the weights)."""

    def __init__(
        self,
        model: MusicEncoder,
        config: EncoderTrainConfig,
        adv: AdversarialMaskConfig,
        masker: MaskerState | None,
        resume_from: str | Path | TrainState | None,
        save_to: str | Path | None,
    ):
        self.adv, self.adversary = adv, None
        self.masker = masker if masker is not None else MaskerState()
        super().__init__(model, config, "adversarial pretrain", resume_from, save_to)
        if self.state is not None:
            self.state.record["adversarial"] = adv.to_dict()

    def _resumed(self, resume_from: str | Path | TrainState) -> TrainState:
        state = super()._resumed(resume_from)
        if state.empty:
            return state
        if isinstance(resume_from, TrainState):
            where = "the training state"
        else:
            where = str(Path(resume_from) / TRAIN_STATE)
            found = load_masker(resume_from)
            if found is not None:
                for f in fields(found):
                    setattr(self.masker, f.name, getattr(found, f.name))
        masker_in_state(state, self.masker, where)
        if not state.finished:
            saved, here = state.record.get("adversarial") or {}, self.adv.to_dict()
            check_same_run(state.step, state.total, saved, here, "the masker's ", "AdversarialMaskConfig")
        return state

    def start(self, pieces: Sequence[np.ndarray]) -> _Adversary:
        """The adversary of the run (the masker's state restored; a stopped run's losses so far)."""
        self.adversary = _Adversary(self.model, pieces, self.adv, self.config.seed, self.masker)
        if self.went_on is not None and self.state is not None:
            self.adversary.from_record(self.state.record)
        return self.adversary

    def checkpoint(self) -> Path | None:
        adversary, state = self.adversary, self.state
        if adversary is None:
            return None
        if state is not None:
            adversary.settle(state.step - (self.went_on or 0))
            state.record.update(masker_mlm=adversary.state["mlm"], masker_masker=adversary.state["masker"])
        adversary.save_to(self.masker)
        if state is not None:
            state.record["masker_step"] = self.masker.step
        if self.save_to is None or state is None:
            return None
        out = self.model.save_pretrained(self.save_to)
        save_masker(self.masker, out)
        save_state_with_masker(state, out, self.model.state_dict(), self.masker)
        return out


def adversarial_adapt(
    model: MusicEncoder,
    data: Mapping[str, Sequence[np.ndarray]],
    config: AdaptConfig,
    progress: ProgressCallback | None = None,
    masker: MaskerState | None = None,
    state: TrainState | None = None,
    checkpoint: Callable[[], Any] | None = None,
    every: int = 0,
    stop_after: int | None = None,
) -> dict[str, Any]:
    """:func:`partita.training.culture.adapt` with the learned masker: each batch's windows drawn from the
    cultures of ``data`` in :func:`partita.training.culture.batch_shares`'s shares, ``config``'s schedule
    (``lr_at``), the masker and book of ``config.adversarial`` (None: the defaults, then recorded there).
    ``masker``: a saved state to continue (:func:`load_masker`; empty: a fresh masker); the final state is
    left in it, for :func:`save_masker`. ``state``, ``checkpoint``, ``every``, ``stop_after``: as
    :func:`partita.training.encoder._loop`'s (at each checkpoint ``masker`` is brought up to date too, and the
    masker's losses so far go into the state's record; a stop inside a step is saved at its start, the
    masker's step taken back). Returns adapt's record plus ``"adversarial"``; the card gets the run under
    ``"adaptation"``."""
    from partita.training.culture import batch_shares, run_record, with_notes

    data = with_notes(data)
    adv = AdversarialMaskConfig(**(config.adversarial or {}))
    config.adversarial = adv.to_dict()
    names = list(data)
    lengths = [np.array([len(p) for p in data[k]], dtype=float) for k in names]
    offsets = np.cumsum([0] + [len(x) for x in lengths])
    sizes = np.array([x.sum() for x in lengths])
    weights = batch_shares(names, sizes, config)
    adversary = _Adversary(model, [p for k in names for p in data[k]], adv, config.seed, masker)
    start = 0
    if state is not None and not state.empty and not state.finished:  # a stopped run: its losses so far
        adversary.from_record(state.record)
        start = state.step

    def step_loss(rng: np.random.Generator, gen: torch.Generator) -> torch.Tensor:
        counts = rng.multinomial(config.batch_size, weights)
        picks = [
            (int(offsets[i]) + k, s)
            for i, n in enumerate(counts)
            if n
            for k, s in _pick(lengths[i], int(n), model.config.max_len, rng)
        ]
        return adversary.loss(picks, config.mask_prob, rng, gen)

    def saved() -> Any:
        if state is not None:
            adversary.settle(state.step - start)
        if masker is not None:
            adversary.save_to(masker)
        if state is not None:
            state.record.update(masker_mlm=adversary.state["mlm"], masker_masker=adversary.state["masker"])
        return checkpoint() if checkpoint is not None else None

    params = [p for p in model.parameters() if p.requires_grad] + list(adversary.head.parameters())
    what = "adversarial " + "+".join(names)
    run = (state, saved, every, stop_after)
    out = _loop(
        model, config.train_config(), params, step_loss, what, progress, config.lr_at, *run, rollback=True
    )
    out = adversary.finish(out)
    if masker is not None:
        adversary.save_to(masker)
    if state is not None:
        state.record.update(masker_mlm=adversary.state["mlm"], masker_masker=adversary.state["masker"])
    out.update(run_record(config, data, names, weights, sizes, out["steps"]))
    model.card.setdefault("adaptation", []).append({**out, "config": config.to_dict()})
    model.card["masking"] = "adversarial"
    return out
