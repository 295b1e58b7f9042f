"""Cultural adaptation of the music encoder (issue 22, item 4; after CultureMERT).

Continual pretraining: an encoder pretrained on one mix of music (the *base*, here Western: German and other
Western European folk songs, the Irish and Scottish tune books, Bach, Palestrina, pop) is trained further by
masked-note modelling (:mod:`partita.training.encoder`) on the pieces of one *target culture* (its train
split only), starting from the base weights. Two learning-rate schedules (:class:`AdaptConfig`):

- ``rewarm``: re-warming and re-decaying, a linear warm-up to ``lr`` then a cosine decay to
  ``lr * min_lr_ratio``, restarted from the pretrained weights (what CultureMERT does);
- ``constant``: the ablation without re-warming: a constant low rate, ``lr * min_lr_ratio`` (the rate the
  base schedule ended on), for the same number of steps.

Several cultures can be trained together (multi-culture continual training): each window is drawn from a
culture chosen with equal probability (``balance="equal"``) or in proportion to its notes (``"notes"``).

Replay (``AdaptConfig.replay``, the usual remedy for forgetting): a share of each batch's windows is drawn
from the base's own pieces (``replay_culture``, ``western``), the rest from the target cultures.

Task arithmetic (:func:`merge`): single-culture adapted models merged in weight space,
``base + lambda * combine(adapted_i - base)``; the combiners are :mod:`partita.training.merge_methods`
(``linear``: the sum; ``ties``: TIES-merging; ``dare``: DARE then the sum; ``dare_ties``: DARE then TIES's
sign election and disjoint mean). Per-model ``weights`` scale each task vector first (a weighted merge).
Every parameter (the masked-modelling heads included) is merged.

Cultures are rules over manifest rows (:data:`CULTURES`): ``china`` (Essen's Chinese folk songs, 1,217),
``lorraine_luxembourg`` (Essen's songs of Lorraine and Luxembourg, 1,208), ``western`` (the base mix: the
rest of Essen's European songs, German-language song from Germany to the German-speaking communities of
Eastern Europe, and the non-Essen sources of :data:`WESTERN_SOURCES`).

A saved adapted model is an encoder folder (:meth:`MusicEncoder.save_pretrained`) with its
:class:`AdaptConfig` beside the weights as ``adapt_config.json``; a merged one has ``merge_config.json``
(:class:`MergeConfig`).

Masking (``AdaptConfig.masking``): ``random`` (each note with probability ``mask_prob``) or ``adversarial``
(Adversarial-MidiBERT's learned masker and mask book,
:func:`partita.training.adversarial_mask.adversarial_adapt`, with ``AdaptConfig.adversarial``'s settings);
recorded in ``adapt_config.json`` and as the card's ``masking`` (:func:`masking_of` reads it back, and
:func:`resume_masking` refuses to resume a folder with another masking). An adversarial run's masker (its
weights and mask book) is saved beside the weights as ``masker.safetensors`` (``save_adapted(...,
masker=)``; :func:`partita.training.adversarial_mask.load_masker` reads it back for a resumed run).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from partita.atomic import atomic_write_text
from partita.models.encoder import (
    FIELDS,
    MASK,
    PAD,
    MusicEncoder,
    note_tokens,
    pad_batch,
    score_notes,
    window_tokens,
)
from partita.progress import ProgressCallback, report
from partita.training.adversarial_mask import (
    MASKER_WEIGHTS,
    AdversarialMaskConfig,
    MaskerState,
    adversarial_adapt,
    load_masker,
    masker_in_state,
    save_masker,
    save_state_with_masker,
)
from partita.training.culture_merge import (  # re-exported: the merge API's older home
    MERGE_CONFIG as MERGE_CONFIG,
)
from partita.training.culture_merge import (
    MergeConfig as MergeConfig,
)
from partita.training.culture_merge import (
    check_compatible as check_compatible,
)
from partita.training.culture_merge import (
    fresh_copy as fresh_copy,
)
from partita.training.culture_merge import (
    load_merge_config as load_merge_config,
)
from partita.training.culture_merge import (
    merge as merge,
)
from partita.training.culture_merge import (
    save_merged as save_merged,
)
from partita.training.culture_merge import (
    task_vector as task_vector,
)
from partita.training.encoder import EncoderTrainConfig, _loop, corrupt, random_mask, sample_windows
from partita.training.interrupt import check_same_run, warn_renamed
from partita.training.merge_methods import combine as combine  # re-exported: older imports
from partita.training.merge_methods import dare_vectors as dare_vectors  # re-exported: older imports
from partita.training.merge_methods import ties_vector as ties_vector
from partita.training.train_state import (
    TRAIN_STATE,
    TrainState,
    load_train_state,
    state_digest,
)

log = logging.getLogger(__name__)

ADAPT_CONFIG = "adapt_config.json"
SCHEDULES = ("rewarm", "constant", "cosine")
"""``cosine`` is ``rewarm`` from random weights: the base pretraining's schedule."""
MASKINGS = ("random", "adversarial")
"""How the masked notes are chosen: at random, or by Adversarial-MidiBERT's learned masker."""

# ---------------------------------------------------------------- cultures

LORRAINE_LUXEMBOURG = ("France", "Luxembourg")
"""Essen's "France" is Lorraine (504 of its 587 songs say Lothringen): with Luxembourg, the song of the
German-French border, a tradition the Western base does not include."""
WESTERN_ESSEN = (
    "Germany",
    "Austria",
    "Switzerland",
    "Netherlands",
    "Ireland",
    "England",
    "Denmark",
    "Sweden",
    "Norway",
    "Belgium",
    # German-language ballads of German-speaking communities (Gottschee, Sudetenland, Banat, the Volga):
    "Yugoslavia",
    "USSR",
    "Russia",
    "Hungary",
    "Czechoslovakia",
    "Romania",
    "Poland",
)
WESTERN_SOURCES = (
    "jsb",
    "music21:bach",
    "music21:palestrina",
    "music21:monteverdi",
    "music21:josquin",
    "music21:mozart",
    "music21:haydn",
    "music21:oneills1850",
    "music21:ryansmammoth",
    "music21:airdsairs",
    "music21:miscfolk",
    "pop909",
)


def _is_essen(row: Mapping[str, Any]) -> bool:
    return "essen" in str(row.get("source") or "").lower()


def _china(row: Mapping[str, Any]) -> bool:
    from partita.tokens.dataset import region_of

    return _is_essen(row) and region_of(dict(row)) == "china"


def _lorraine_luxembourg(row: Mapping[str, Any]) -> bool:
    return _is_essen(row) and str(row.get("country") or "") in LORRAINE_LUXEMBOURG


def _western(row: Mapping[str, Any]) -> bool:
    if _is_essen(row):
        return str(row.get("country") or "") in WESTERN_ESSEN
    return str(row.get("source") or "").lower() in WESTERN_SOURCES


@dataclass(frozen=True)
class Culture:
    """A set of corpus pieces: a rule over manifest rows."""

    name: str
    member: Callable[[Mapping[str, Any]], bool]
    description: str = ""


CULTURES: dict[str, Culture] = {
    c.name: c
    for c in (
        Culture("china", _china, "Essen's Chinese folk songs (country China)"),
        Culture(
            "lorraine_luxembourg",
            _lorraine_luxembourg,
            "Essen's songs of Lorraine (its country France) and Luxembourg",
        ),
        Culture(
            "western",
            _western,
            "the Western base mix: Essen's Western European songs (" + ", ".join(WESTERN_ESSEN) + "), the "
            "O'Neill, Ryan and Aird tune books, Bach (music21 and JSB), Palestrina, Monteverdi, Josquin, "
            "Mozart, Haydn, miscFolk, POP909",
        ),
    )
}


def culture(name: str) -> Culture:
    """The culture called ``name`` (one clear error for an unknown one)."""
    try:
        return CULTURES[name]
    except KeyError:
        raise ValueError(f"unknown culture {name!r}: choose from {', '.join(CULTURES)}") from None


def culture_rows(rows: Sequence[Mapping[str, Any]], name: str, split: str | None = "train") -> list[dict]:
    """The manifest rows of culture ``name`` in ``split`` (None: every split)."""
    c = culture(name)
    return [dict(r) for r in rows if c.member(r) and (split is None or r.get("split") == split)]


def culture_pieces(
    corpus: Any,
    name: str,
    split: str | None = "train",
    encoder_config: Any = None,
    max_notes: int = 512,
    limit: int | None = None,
    seed: int = 0,
    progress: ProgressCallback | None = None,
) -> list[np.ndarray]:
    """Token arrays (:func:`partita.models.encoder.note_tokens`) of the first ``max_notes`` notes of each
    piece of culture ``name`` in ``split`` of a built corpus (``limit``: a random sample of that many).
    Pieces without pitched notes are skipped."""
    rows = culture_rows(corpus.records(), name, split)
    if not rows:
        raise ValueError(f"the corpus has no {name!r} pieces in split {split!r}")
    if limit is not None and len(rows) > limit:
        pick = np.random.default_rng(seed).choice(len(rows), size=limit, replace=False)
        rows = [rows[i] for i in sorted(pick)]
    out = []
    for i, r in enumerate(rows):
        notes = score_notes(corpus.read_piece(r["piece_id"]))
        if len(notes):
            out.append(note_tokens(notes.take(np.arange(min(len(notes), max_notes))), encoder_config))
        report(progress, i + 1, len(rows), str(r["piece_id"]))
    if not out:
        raise ValueError(f"the {name!r} pieces in split {split!r} have no pitched notes")
    return out


# ---------------------------------------------------------------- continual pretraining


@dataclass
class AdaptConfig:
    """Settings of :func:`adapt`; saved as adapt_config.json beside the adapted weights."""

    cultures: tuple[str, ...] = ("china",)
    schedule: str = "rewarm"
    """``rewarm`` (warm-up then cosine decay), ``constant`` (``lr * min_lr_ratio`` throughout) or
    ``cosine`` (the same as rewarm; the name used for a base pretrained from random weights)."""
    steps: int = 200
    lr: float = 5e-4
    """Peak rate of the re-warmed schedule (the base's peak)."""
    min_lr_ratio: float = 0.1
    """The cosine ends at ``lr * min_lr_ratio``; the constant schedule runs at that rate."""
    warmup: int = 20
    batch_size: int = 16
    weight_decay: float = 0.01
    mask_prob: float = 0.15
    balance: str = "equal"
    """With several cultures: ``equal`` (a culture chosen with equal probability per window) or ``notes``."""
    max_notes: int = 512
    """Each piece's first notes only (keeps long pieces from filling the batches)."""
    replay: float = 0.0
    """Expected share of each batch's windows drawn from ``replay_culture`` (the base's data), the rest from
    the other cultures given to :func:`adapt`; 0: no replay (every culture given is a target)."""
    replay_culture: str = "western"
    seed: int = 0
    time_limit_s: float | None = None
    cpu_limit_s: float | None = None
    base: str = ""
    """Where the starting weights came from (recorded, not read)."""
    masking: str = "random"
    """``random`` or ``adversarial`` (:data:`MASKINGS`); older configs without the field were random."""
    adversarial: dict[str, Any] | None = None
    """With ``adversarial`` masking: :class:`partita.training.adversarial_mask.AdversarialMaskConfig`'s
    fields (None: its defaults, filled in when training starts)."""

    def __post_init__(self) -> None:
        self.cultures = tuple(self.cultures)
        if self.masking not in MASKINGS:
            raise ValueError(f"unknown masking {self.masking!r}: choose from {', '.join(MASKINGS)}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.schedule!r}: choose from {', '.join(SCHEDULES)}")
        if self.balance not in ("equal", "notes"):
            raise ValueError(f"unknown balance {self.balance!r}: choose equal or notes")
        if self.steps < 1 or self.batch_size < 1:
            raise ValueError("AdaptConfig: steps and batch_size must be at least 1")
        if not 0 < self.min_lr_ratio <= 1:
            raise ValueError(f"AdaptConfig.min_lr_ratio must be in (0, 1], not {self.min_lr_ratio}")
        if not 0 <= self.replay < 1:
            raise ValueError(f"AdaptConfig.replay must be in [0, 1), not {self.replay}")
        if self.replay and self.replay_culture in self.cultures:
            raise ValueError(f"replay: {self.replay_culture!r} is the replayed culture, not a target culture")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["cultures"] = list(self.cultures)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AdaptConfig:
        unknown = sorted(set(d) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"AdaptConfig: unknown fields {unknown}")
        return cls(**d)

    def lr_at(self, step: int) -> float:
        """The learning rate of optimizer step ``step`` (0-based)."""
        low = self.lr * self.min_lr_ratio
        if self.schedule == "constant":
            return low
        if step < self.warmup:
            return self.lr * (step + 1) / max(1, self.warmup)
        frac = min(1.0, (step - self.warmup) / max(1, self.steps - self.warmup))
        return low + (self.lr - low) * 0.5 * (1 + math.cos(math.pi * frac))

    def train_config(self) -> EncoderTrainConfig:
        """The settings of the optimizer loop (:func:`partita.training.encoder._loop`; the rate comes from
        :meth:`lr_at`)."""
        return EncoderTrainConfig(
            self.steps,
            self.batch_size,
            self.lr,
            self.weight_decay,
            self.warmup,
            self.mask_prob,
            time_limit_s=self.time_limit_s,
            cpu_limit_s=self.cpu_limit_s,
            seed=self.seed,
        )


def masked_loss(
    model: MusicEncoder,
    tokens: torch.Tensor,
    keep: torch.Tensor,
    mask_prob: float,
    generator: torch.Generator,
    corrupt_chosen: bool = True,
) -> tuple[torch.Tensor, int]:
    """Masked-note loss of a batch: cross-entropy summed over the fields, averaged over the chosen notes
    (BERT's 80/10/10 corruption with ``corrupt_chosen``, every chosen note masked without); and how many
    notes were chosen."""
    c = model.config
    chosen = random_mask(tokens, keep, mask_prob, generator)
    if corrupt_chosen:
        x = corrupt(tokens, chosen, [c.vocab(f) for f in FIELDS], generator)
    else:
        x = tokens.clone()
        x[chosen] = MASK
    logits = model.mlm_logits(model(x, keep)[chosen])
    target = tokens[chosen]
    loss = torch.zeros(())
    for i, f in enumerate(FIELDS):
        if f == "velocity" and not c.use_velocity:
            continue
        loss = loss + F.cross_entropy(logits[f], target[:, i], ignore_index=PAD)
    return loss, int(chosen.sum())


def _batch(
    data: Sequence[Sequence[np.ndarray]], weights: np.ndarray, config: AdaptConfig, model: MusicEncoder, rng
) -> tuple[np.ndarray, np.ndarray]:
    counts = rng.multinomial(config.batch_size, weights)
    toks, keeps = [], []
    for pieces, k in zip(data, counts, strict=True):
        if k:
            t, m, _ = sample_windows(pieces, int(k), model.config.max_len, rng, config=model.config)
            toks.append(t)
            keeps.append(m)
    return np.concatenate(toks), np.concatenate(keeps)


def batch_shares(names: Sequence[str], notes: Sequence[float], config: AdaptConfig) -> np.ndarray:
    """Each culture's expected share of a batch's windows: the targets split ``1 - replay`` (equally or by
    notes, ``config.balance``), the replayed culture gets ``replay``."""
    replayed = np.array([config.replay > 0 and n == config.replay_culture for n in names])
    if config.replay > 0 and not replayed.any():
        raise ValueError(f"replay {config.replay:g} needs the {config.replay_culture!r} pieces to replay")
    if replayed.all():
        raise ValueError(f"replay: no target culture besides {config.replay_culture!r}")
    w = np.ones(len(names)) if config.balance == "equal" else np.asarray(notes, dtype=float)
    w = np.where(replayed, 0.0, w)
    return np.where(replayed, config.replay, w / w.sum() * (1 - config.replay))


def with_notes(data: Mapping[str, Sequence[np.ndarray]]) -> dict[str, list[np.ndarray]]:
    """``data`` without its empty pieces; one clear error when a culture (or all of ``data``) has none."""
    out = {k: [p for p in v if len(p)] for k, v in data.items()}
    empty = [k for k, v in out.items() if not v]
    if not out or empty:
        raise ValueError(f"no notes to adapt on ({', '.join(empty) or 'no cultures given'})")
    return out


def adapt(
    model: MusicEncoder,
    data: Mapping[str, Sequence[np.ndarray]],
    config: AdaptConfig,
    progress: ProgressCallback | None = None,
    masker: MaskerState | None = None,
    state: TrainState | None = None,
    checkpoint: Callable[[], Any] | None = None,
    every: int | None = None,
    stop_after: int | None = None,
    *,
    resume_from: str | Path | TrainState | None = None,
    save_to: str | Path | None = None,
    checkpoint_every: int = 0,
) -> dict[str, Any]:
    """Continual masked-note pretraining of ``model`` (in place) on ``data`` (culture name -> token arrays
    of its training pieces; with ``config.replay``, the replayed culture's too) with ``config``'s schedule;
    returns what the run did (steps, seconds, losses). ``masker`` (adversarial masking only): a
    :class:`partita.training.adversarial_mask.MaskerState` to continue, left holding the final state.

    ``save_to``: a folder where :func:`save_adapted` saves the model, its config, the masker and the
    training state every ``checkpoint_every`` steps (0: never), when stopped by Ctrl-C or SIGTERM (then
    :class:`partita.training.interrupt.TrainingInterrupted` is raised; a stop inside a step is saved at its
    start) and at the end. ``resume_from``: such a folder (its weights go into ``model``, its masker into
    ``masker``, a fresh one when None; ``save_to`` defaults to it) or a
    :class:`partita.training.train_state.TrainState` (``model`` and ``masker`` hold its weights and masker),
    left holding the final state: a stopped run goes on from its step to the end of its schedule, as the
    unbroken run would have (the same ``data`` and ``config``; a folder's run made with another config is
    refused), a finished one starts a new schedule with its optimizer's moments and random streams.
    ``stop_after``: stop (and save) after that many new steps.

    ``state``, ``checkpoint`` (a function that saves) and ``every`` are the older names of ``resume_from``
    (a TrainState), ``save_to`` and ``checkpoint_every``: they still work, with a DeprecationWarning."""
    data = with_notes(data)
    resume_from, checkpoint_every, checkpoint = _older_names(
        resume_from, save_to, checkpoint_every, state, checkpoint, every
    )
    folder = resume_from is not None and not isinstance(resume_from, TrainState)
    if config.masking == "adversarial" and masker is None and (folder or save_to is not None):
        masker = MaskerState()  # to save, or to load the folder's
    state = _resumed_state(model, config, masker, resume_from)
    if save_to is None and resume_from is not None and not isinstance(resume_from, TrainState):
        save_to = resume_from
    if save_to is not None:
        state = state if state is not None else TrainState()
        folder, saving = Path(save_to), state

        def checkpoint() -> Path:
            return save_adapted(model, folder, config, masker=masker, state=saving)

    info = _adapt(model, data, config, progress, masker, state, checkpoint, checkpoint_every, stop_after)
    if save_to is not None:
        checkpoint()
    return info


def _older_names(
    resume_from: str | Path | TrainState | None,
    save_to: str | Path | None,
    checkpoint_every: int,
    state: TrainState | None,
    checkpoint: Callable[[], Any] | None,
    every: int | None,
) -> tuple[str | Path | TrainState | None, int, Callable[[], Any] | None]:
    """:func:`adapt`'s ``resume_from``, ``checkpoint_every`` and own checkpoint function, given its older
    arguments ``state``, ``every``, ``checkpoint`` (each with a DeprecationWarning; with its new name too:
    one ValueError)."""
    renames = [
        ("state", "resume_from", state, resume_from),
        ("checkpoint", "save_to", checkpoint, save_to),
        ("every", "checkpoint_every", every, checkpoint_every),
    ]
    warn_renamed("adapt", renames)
    return (state if state is not None else resume_from), (every or checkpoint_every), checkpoint


def _resumed_state(
    model: MusicEncoder,
    config: AdaptConfig,
    masker: MaskerState | None,
    resume_from: str | Path | TrainState | None,
) -> TrainState | None:
    """The training state :func:`adapt` goes on from: ``resume_from`` itself, or the one saved in that
    folder (its weights put into ``model``, its masker into ``masker``; another config refused)."""
    if resume_from is None or isinstance(resume_from, TrainState):
        return resume_from
    folder = Path(resume_from)
    try:
        model.load_state_dict(MusicEncoder.from_pretrained(folder).state_dict())
    except RuntimeError as e:
        why = str(e).splitlines()[1].strip() if len(str(e).splitlines()) > 1 else str(e)
        raise ValueError(f"{folder}: the saved weights do not fit this model ({why})") from None
    found = load_masker(folder) if masker is not None else None
    if found is not None:
        for f in fields(found):
            setattr(masker, f.name, getattr(found, f.name))
    state = load_resume_state(folder, model, masker)
    if state is None:
        raise ValueError(f"{folder}: no training state to resume (no {TRAIN_STATE})")
    if not state.finished and (folder / ADAPT_CONFIG).is_file():
        check_same_run(state.step, state.total, _compared(load_adapt_config(folder)), _compared(config))
    return state


def _compared(config: AdaptConfig) -> dict[str, Any]:
    """The fields of ``config`` that a stopped run must go on with (not its time limits nor its notes)."""
    d = config.to_dict()
    for k in ("time_limit_s", "cpu_limit_s", "base"):
        d.pop(k)
    if config.masking == "adversarial":
        d["adversarial"] = AdversarialMaskConfig(**(config.adversarial or {})).to_dict()
    return d


def _adapt(
    model: MusicEncoder,
    data: dict[str, list[np.ndarray]],
    config: AdaptConfig,
    progress: ProgressCallback | None,
    masker: MaskerState | None,
    state: TrainState | None,
    checkpoint: Callable[[], Any] | None,
    every: int,
    stop_after: int | None,
) -> dict[str, Any]:
    """:func:`adapt`'s run (``state``, ``checkpoint``, ``every``, ``stop_after``: as
    :func:`partita.training.encoder._loop`'s)."""
    if config.masking == "adversarial":
        return adversarial_adapt(model, data, config, progress, masker, state, checkpoint, every, stop_after)
    names = list(data)
    sizes = np.array([sum(len(p) for p in data[k]) for k in names], dtype=float)
    weights = batch_shares(names, sizes, config)
    pieces = [data[k] for k in names]

    def step_loss(rng: np.random.Generator, gen: torch.Generator) -> torch.Tensor:
        tokens, keep = _batch(pieces, weights, config, model, rng)
        x, k = torch.from_numpy(tokens), torch.from_numpy(keep)
        return masked_loss(model, x, k, config.mask_prob, gen)[0]

    params = [p for p in model.parameters() if p.requires_grad]
    what = "adapt " + "+".join(names)
    run = (state, checkpoint, every, stop_after)
    out = _loop(
        model, config.train_config(), params, step_loss, what, progress, config.lr_at, *run, rollback=True
    )
    out.update(run_record(config, data, names, weights, sizes, out["steps"]))
    model.card.setdefault("adaptation", []).append({**out, "config": config.to_dict()})
    model.card["masking"] = config.masking
    return out


def run_record(
    config: AdaptConfig,
    data: Mapping[str, Sequence[np.ndarray]],
    names: Sequence[str],
    weights: np.ndarray,
    sizes: np.ndarray,
    steps: int,
) -> dict[str, Any]:
    """An adaptation's record besides its losses: the rates of its steps, its pieces, notes and shares."""
    lrs = [config.lr_at(s) for s in range(steps)]
    return {
        "lr_first": lrs[0] if lrs else None,
        "lr_max": max(lrs) if lrs else None,
        "lr_last": lrs[-1] if lrs else None,
        "pieces": {k: len(v) for k, v in data.items()},
        "shares": {k: round(float(w), 4) for k, w in zip(names, weights, strict=True)},
        "notes": {k: int(n) for k, n in zip(names, sizes, strict=True)},
    }


@torch.no_grad()
def heldout_loss(
    model: MusicEncoder,
    pieces: Sequence[np.ndarray],
    mask_prob: float = 0.15,
    seed: int = 0,
    batch_size: int = 32,
) -> float:
    """Masked-note loss (fields summed, mean over masked notes) of ``pieces``, cut into non-overlapping
    windows; every chosen note masked (no random corruption), the same notes for every model of the same
    shape given the same pieces and seed: comparable across adapted and merged models."""
    was = model.training
    model.eval()
    seqs = []
    L = model.config.max_len
    for p in pieces:
        for s in range(0, len(p), L):
            if len(p[s : s + L]):
                seqs.append(window_tokens(p[s : s + L], model.config))
    if not seqs:
        raise ValueError("no notes to score")
    gen = torch.Generator().manual_seed(seed)
    total, count = 0.0, 0
    for i in range(0, len(seqs), batch_size):
        tokens, keep = pad_batch(seqs[i : i + batch_size], L)
        loss, n = masked_loss(
            model, torch.from_numpy(tokens), torch.from_numpy(keep), mask_prob, gen, corrupt_chosen=False
        )
        total += float(loss) * n
        count += n
    model.train(was)
    return total / max(1, count)


# ---------------------------------------------------------------- saving


def save_adapted(
    model: MusicEncoder,
    directory: str | Path,
    config: AdaptConfig,
    card: dict | None = None,
    masker: MaskerState | None = None,
    state: TrainState | None = None,
) -> Path:
    """Save an adapted encoder folder with ``adapt_config.json`` beside its weights, ``masker`` (an
    adversarial run's :class:`partita.training.adversarial_mask.MaskerState`) as ``masker.safetensors`` and
    ``state`` (the run's :class:`partita.training.train_state.TrainState`: what ``--resume`` goes on from)
    as ``train_state.safetensors``, last, holding these weights and the masker too (a checkpoint whole in
    one file: a kill while the folder's other files are written leaves the previous one to resume from);
    without one, an older run's file there is removed (it is not of these weights)."""
    out = model.save_pretrained(directory, card)
    if masker is not None and masker.head is not None:
        save_masker(masker, out)
    else:
        (out / MASKER_WEIGHTS).unlink(missing_ok=True)
    atomic_write_text(out / ADAPT_CONFIG, json.dumps(config.to_dict(), indent=2) + "\n")
    if state is not None and not state.empty:
        save_state_with_masker(state, out, model.state_dict(), masker)
    else:
        (out / TRAIN_STATE).unlink(missing_ok=True)
    return out


def load_resume_state(
    directory: str | Path, model: MusicEncoder, masker: MaskerState | None = None
) -> TrainState | None:
    """The training state saved in ``directory`` for a resumed run of ``model`` (loaded from there) and
    ``masker`` (its saved masker, or None): None when none was saved (an older folder: the optimizer and the
    random streams start afresh); one-line ValueError when the file is unreadable or not of these weights
    or this masker. A state that holds its weights (and masker) puts them into ``model`` (and ``masker``)
    where the folder's own files are not the same (a later checkpoint's, cut short)."""
    state = load_train_state(directory)
    if state is None:
        log.warning(
            "%s: no training state saved: the optimizer and the random streams start afresh", directory
        )
        return None
    where = str(Path(directory) / TRAIN_STATE)
    weights = state.saved_weights()
    if weights and state.weights != state_digest(model.state_dict()):  # the folder's are a later checkpoint's
        try:
            model.load_state_dict(weights)
        except RuntimeError:
            raise ValueError(f"{where}: its weights do not fit the encoder in {directory}") from None
    masker_in_state(state, masker, where)
    state.check_weights(model.state_dict(), where)
    return state


def load_adapt_config(directory: str | Path) -> AdaptConfig:
    """The :class:`AdaptConfig` saved beside an adapted encoder's weights."""
    path = Path(directory) / ADAPT_CONFIG
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing (not an adapted encoder folder)")
    try:
        return AdaptConfig.from_dict(json.loads(path.read_text()))
    except (json.JSONDecodeError, TypeError) as e:
        raise ValueError(f"{path}: not a valid adapt config: {e}") from None


def masking_of(directory: str | Path) -> str:
    """How the encoder in ``directory`` was last pretrained: its ``adapt_config.json``'s masking, else its
    card's, else ``random`` (a folder from before the choice existed)."""
    folder = Path(directory)
    path = folder / ADAPT_CONFIG
    if path.is_file():
        return load_adapt_config(folder).masking
    card = folder / "card.json"
    try:
        found = json.loads(card.read_text()).get("masking") if card.is_file() else None
    except (json.JSONDecodeError, AttributeError):
        raise ValueError(f"{card}: not a valid model card") from None
    return str(found or "random")


def resume_masking(directory: str | Path, masking: str | None = None) -> str:
    """The masking a resumed pretraining of ``directory`` uses: the folder's own; ``masking``, when given,
    must be the same (one-line ValueError otherwise; FileNotFoundError when no encoder is there)."""
    if not (Path(directory) / "encoder_config.json").is_file():
        raise FileNotFoundError(
            f"{directory}: no encoder to resume (no encoder_config.json); drop --resume to pretrain a new one"
        )
    saved = masking_of(directory)
    if masking is not None and masking != saved:
        raise ValueError(
            f"{directory} was pretrained with {saved} masking, not {masking}: resume it with --masking "
            f"{saved} (or pretrain a new folder with --masking {masking})"
        )
    return saved
