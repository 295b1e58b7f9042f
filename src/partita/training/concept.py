"""Concepts learned from a few reference pieces (JEN-1 DreamStyler's recipe for a symbolic LM).

:func:`learn_concept` reads 1 to :data:`MAX_REFERENCES` pieces (MIDI, MusicXML, ABC, Humdrum; a file that does
not read is skipped and named), tokenizes each with the model's own tokenizer behind a condition prefix
that holds a **new token** (``BOS, <concept>, Cond..., CondEnd``; the concept's id is the base vocabulary
size) and the piece's own conditions (key, meter, tempo, instruments, texture; each dropped at random so the
token learns what they do not say), and lowers the pieces' NLL by training, the base model frozen:

- ``method="token"``: the new token's embedding only (textual inversion);
- ``method="lora"``: the token and LoRA on every block's attention projections
  (:func:`partita.models.lora.add_lora`);
- ``method="pivotal"``: the token and chosen pivotal layers (default: the last block's MLP and its layer norm,
  :data:`partita.models.lora.PIVOTAL_LAYERS`), kept as deltas from the base weights.

A :class:`Concept` is a folder in partita's house style (:meth:`Concept.save_pretrained`,
:meth:`Concept.from_pretrained`): ``concept.safetensors`` (the tensors), ``concept_config.json`` (its
:class:`ConceptConfig`) and a ``README.md`` card (what it was learned from, how, and the copy rate when it was
measured). The earlier form, one safetensors file with the config in its metadata (:meth:`Concept.save`),
still loads (:func:`load_concept` reads either). The config records the base model's name and a hash of its
weights and of its tokenizer: :meth:`Concept.apply` refuses a model or tokenizer it was not learned on.
:meth:`Concept.apply` returns a copy of the model with the concept in place and a tokenizer whose condition
prefix carries the concept token (:class:`ConceptTokenizer`); ``strength`` scales every delta (LoRA, pivotal,
and the token from its starting point), the knob between likeness to the references and the base model's
following of the prompt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
import tempfile
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from partita.atomic import atomic_path, atomic_write_text
from partita.models import MusicLM
from partita.models.experts import weights_hash
from partita.models.lora import add_lora, add_tokens, copy_model, lora_modules, pivotal_names, with_additions
from partita.progress import ProgressCallback, report
from partita.score import Score, read_score
from partita.tokens.conditions import STYLES, Conditions
from partita.tokens.dataset import piece_conditions

logger = logging.getLogger(__name__)

METHODS = ("lora", "pivotal", "token")
MAX_REFERENCES = 5
SCORE_SUFFIXES = (".mid", ".midi", ".xml", ".musicxml", ".mxl", ".abc", ".krn")
FORMAT_VERSION = 1
CONCEPT_WEIGHTS = "concept.safetensors"
CONCEPT_CONFIG = "concept_config.json"
CONCEPT_CARD = "README.md"
COPY_GRAM = 6
"""A run of this many successive pitches of one part (transposed) shared with a reference counts as copied."""


@dataclass
class ConceptConfig:
    """How a concept was learned, and on what; saved as JSON with its tensors."""

    name: str
    method: str = "lora"  # "lora" | "pivotal" | "token"
    rank: int = 4  # LoRA rank
    alpha: float = 8.0  # LoRA alpha (the update is scaled by alpha / rank)
    pivotal: str = "last_mlp"  # a key of partita.models.lora.PIVOTAL_LAYERS
    steps: int = 40
    lr: float = 2e-3  # LoRA / pivotal learning rate
    token_lr: float = 2e-2  # the concept token's learning rate
    window: int = 192  # music tokens per training window (a longer piece is cropped at a bar)
    batch: int = 2
    condition_drop: float = 0.5  # each condition of a reference dropped with this probability per window
    seed: int = 0
    strength: float = 1.0  # the default strength at generation
    base_model: str = ""
    base_hash: str = ""
    tokenizer_hash: str = ""
    base_vocab_size: int = 0
    references: list[str] = field(default_factory=list)
    reference_tokens: list[int] = field(default_factory=list)  # music tokens of each reference
    skipped: list[str] = field(default_factory=list)
    nll_plain: float | None = None  # the references' NLL per token without the concept (base model)
    nll_before: float | None = None  # with the concept token at its starting point
    nll_after: float | None = None  # after learning
    train_seconds: float | None = None
    copy_rate: float | None = (
        None  # share of pitch runs of pieces sampled with the concept found in a reference
    )
    copy_samples: int = 0  # pieces sampled to measure it
    copy_prompt: str = ""  # the prompt they were sampled for
    version: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9][\w.-]{0,63}", self.name or ""):
            raise ValueError(
                f"concept name {self.name!r}: use letters, digits, '-', '_' or '.' (at most 64), "
                "e.g. my-style"
            )
        if self.method not in METHODS:
            raise ValueError(f"concept method {self.method!r}: choose one of {', '.join(METHODS)}")
        if self.steps < 0 or self.rank <= 0 or self.batch <= 0 or self.window < 8:
            raise ValueError("concept steps must be >= 0, rank and batch positive, window at least 8")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ConceptConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


# -- the identity of a base model --------------------------------------------------------------------------


def model_hash(model: MusicLM) -> str:
    """sha256 of a model's weights (names, shapes and float32 values; a tied head counted once)."""
    if "base_vocab_size" in model.config.extra:
        raise ValueError("this model already carries a concept: give the base model")
    return weights_hash(model)


def tokenizer_hash(tokenizer: Any) -> str:
    """sha256 of the files a tokenizer saves (its vocabulary, BPE merges and settings)."""
    h = hashlib.sha256()
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer.save_pretrained(tmp)
        for path in sorted(Path(tmp).rglob("*")):
            if path.is_file():
                h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def model_name(model: MusicLM) -> str:
    return str((getattr(model, "card", None) or {}).get("name") or "unnamed model")


# -- references ----------------------------------------------------------------------------------------------


def read_references(
    folder: str | Path, limit: int = MAX_REFERENCES
) -> tuple[list[tuple[str, Score]], list[str]]:
    """The reference pieces of ``folder`` (or one file), in name order, at most ``limit``: ``(name, score)``
    pairs, and ``"name: why"`` for each file skipped (unreadable, no notes, or past the limit)."""
    root = Path(folder).expanduser()
    if not root.exists():
        raise FileNotFoundError(f"{root}: no such folder of reference pieces")
    paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    paths = [p for p in paths if p.suffix.lower() in SCORE_SUFFIXES]
    pieces, skipped = [], []
    for path in paths:
        name = str(path.relative_to(root)) if root.is_dir() else path.name
        if len(pieces) >= limit:
            skipped.append(f"{name}: past the first {limit} pieces (a concept learns from 1 to {limit})")
            continue
        try:
            score = read_score(path)
        except Exception as e:  # any reader's failure: the file is skipped, and named
            skipped.append(f"{name}: {e}")
            continue
        if not any(len(t.notes) for t in score.tracks):
            skipped.append(f"{name}: no notes")
            continue
        pieces.append((name, score))
    for line in skipped:
        logger.warning("reference skipped: %s", line)
    if not pieces:
        why = f" ({'; '.join(skipped)})" if skipped else ""
        raise ValueError(
            f"{root}: no reference piece to learn from{why}; a concept needs 1 to {limit} MIDI, MusicXML or "
            "ABC files"
        )
    return pieces, skipped


# -- the concept ------------------------------------------------------------------------------------------


class ConceptTokenizer:
    """A tokenizer whose condition prefix carries a concept token after BOS; everything else is the base
    tokenizer's (decoding skips the concept id with the rest of the prefix)."""

    def __init__(self, base: Any, concept_id: int) -> None:
        self.__dict__["base"] = base
        self.__dict__["concept_id"] = int(concept_id)

    def __getattr__(self, name: str) -> Any:
        if "base" not in self.__dict__:  # while being copied or unpickled
            raise AttributeError(name)
        return getattr(self.__dict__["base"], name)

    def condition_ids(self, conditions: Conditions, drop: float = 0.0, rng: random.Random | None = None):
        ids = self.base.condition_ids(conditions, drop=drop, rng=rng)
        return [ids[0], self.concept_id, *ids[1:]]

    @property
    def condition_id_set(self) -> set[int]:
        return {*self.base.condition_id_set, self.concept_id}


@dataclass
class Concept:
    """A learned concept: its config and tensors (``token``, ``token_init``, ``lora.<layer>.a/b``,
    ``pivotal.<parameter>``)."""

    config: ConceptConfig
    tensors: dict[str, torch.Tensor]
    snapshots: dict[int, Concept] = field(default_factory=dict, repr=False)
    """Concepts taken on the way at the steps :func:`learn_concept` was asked for (not saved)."""

    @property
    def name(self) -> str:
        return self.config.name

    def check(self, model: MusicLM, tokenizer: Any, source: str = "") -> None:
        """Refuse, in one sentence, a model or tokenizer this concept was not learned on."""
        what = source or f"concept <{self.name}>"
        if model_hash(model) != self.config.base_hash:
            raise ValueError(
                f"{what} was learned on the base model {self.config.base_model!r} (weights "
                f"{self.config.base_hash[:12]}), not on this one ({model_name(model)}): learn it again on "
                "this model with `partita concept learn`"
            )
        if tokenizer_hash(tokenizer) != self.config.tokenizer_hash:
            raise ValueError(
                f"{what} was learned with a different tokenizer ({self.config.tokenizer_hash[:12]}) than "
                "this model's: learn it again on this model with `partita concept learn`"
            )

    def apply(
        self, model: MusicLM, tokenizer: Any, strength: float | None = None, check: bool = True
    ) -> tuple[MusicLM, Any]:
        """A copy of ``model`` with the concept in place (its deltas scaled by ``strength``, default the
        config's) and the tokenizer that puts the concept token in the condition prefix; at strength 0, a
        copy of the base model and its own tokenizer (what the base model samples, seed for seed)."""
        if check:
            self.check(model, tokenizer)
        strength = self.config.strength if strength is None else float(strength)
        if not 0.0 <= strength <= 2.0:
            raise ValueError(
                f"concept strength {strength}: use 0 (the base model) to 1 (as learned), at most 2"
            )
        if strength == 0.0:  # the base model itself: no delta and no concept token in the prefix
            out = copy_model(model)
            out.card = {**(getattr(model, "card", None) or {}), "concept": self.name, "concept_strength": 0.0}
            return out, tokenizer
        lora: dict[str, dict[str, torch.Tensor]] = {}
        pivotal = {}
        for key, t in self.tensors.items():
            if key.startswith("lora."):
                layer, _, part = key[5:].rpartition(".")
                lora.setdefault(layer, {})[part] = t
            elif key.startswith("pivotal."):
                pivotal[key[8:]] = t
        out = with_additions(
            model,
            self.tensors["token"],
            self.tensors.get("token_init"),
            lora=lora or None,
            lora_rank=self.config.rank,
            lora_alpha=self.config.alpha,
            pivotal=pivotal or None,
            scale=strength,
        )
        out.card = {
            **(getattr(model, "card", None) or {}),
            "concept": self.name,
            "concept_strength": strength,
        }
        return out, ConceptTokenizer(tokenizer, model.config.vocab_size)

    def save(self, path: str | Path) -> Path:
        """Write the concept as one safetensors file (config in its metadata) and ``<stem>.json`` beside: the
        single-file form (:meth:`save_pretrained` writes the folder)."""
        path = Path(path)
        if path.suffix != ".safetensors":
            path = path / f"{self.name}.safetensors" if path.is_dir() else path.with_suffix(".safetensors")
        path.parent.mkdir(parents=True, exist_ok=True)
        config = self._write_weights(path)
        atomic_write_text(path.with_suffix(".json"), config + "\n")
        logger.info("saved concept <%s> to %s", self.name, path)
        return path

    def save_pretrained(self, directory: str | Path) -> Path:
        """Write the concept as a folder: ``concept.safetensors``, ``concept_config.json`` and a ``README.md``
        card (:func:`concept_card`); every file atomically. A folder that holds a model is refused."""
        out = Path(directory).expanduser()
        if out.exists() and not out.is_dir():
            raise ValueError(
                f"{out}: a file, not a folder: give a folder for the concept (or a .safetensors)"
            )
        if (out / "config.json").is_file() or (out / "model.safetensors").is_file():
            raise ValueError(f"{out} holds a model: write the concept to a folder of its own")
        out.mkdir(parents=True, exist_ok=True)
        config = self._write_weights(out / CONCEPT_WEIGHTS)
        atomic_write_text(out / CONCEPT_CONFIG, config + "\n")
        atomic_write_text(out / CONCEPT_CARD, concept_card(self, out.name))
        logger.info("saved concept <%s> to %s", self.name, out)
        return out

    @classmethod
    def from_pretrained(cls, path: str | Path) -> Concept:
        """A concept saved by :meth:`save_pretrained` (its folder) or by :meth:`save` (its file)."""
        return load_concept(path)

    def _write_weights(self, path: Path) -> str:
        config = json.dumps(self.config.to_dict(), indent=2, sort_keys=True)
        tensors = {k: v.detach().contiguous().float().cpu() for k, v in self.tensors.items()}
        with atomic_path(path) as tmp:
            save_file(tensors, str(tmp), metadata={"format": "pt", "partita": "concept", "config": config})
        return config

    @property
    def numbers(self) -> int:
        """How many numbers the concept holds (its token's starting point not counted)."""
        return sum(t.numel() for k, t in self.tensors.items() if k != "token_init")

    def facts(self) -> list[tuple[str, str]]:
        """The concept's key facts as ``(label, text)`` pairs: what its card and ``partita concept info``
        show."""
        c = self.config
        how = {"lora": f"LoRA rank {c.rank} (alpha {c.alpha:g}) on the attention projections",
               "pivotal": f"pivotal layers {c.pivotal}", "token": "the token alone"}[c.method]  # fmt: skip
        refs = [f"{n} ({k} tokens)" for n, k in zip(c.references, c.reference_tokens, strict=False)]
        refs += c.references[len(refs) :]
        out = [
            ("concept", f"<{c.name}>: {c.method}, {how}, {self.numbers:,} numbers"),
            (
                "base model",
                f"{c.base_model} (weights {c.base_hash[:12]}, tokenizer {c.tokenizer_hash[:12]}, "
                f"{c.base_vocab_size} tokens)",
            ),
            ("learned from", f"{len(c.references)} piece(s): {', '.join(refs) or '-'}"),
        ]
        if c.skipped:
            out.append(("skipped", f"{len(c.skipped)}: {'; '.join(c.skipped)}"))
        seconds = f", {c.train_seconds:g} s" if c.train_seconds is not None else ""
        settings = f"batch {c.batch}, windows of {c.window} tokens, lr {c.lr:g}, token lr {c.token_lr:g}"
        drop = f"condition drop {c.condition_drop:g}, seed {c.seed}{seconds}"
        out.append(("training", f"{c.steps} steps, {settings}, {drop}"))
        if c.nll_after is not None:
            nll = f"{c.nll_plain:.3f} per token without the concept, {c.nll_after:.3f} with it"
            out.append(("references' NLL", f"{nll} (on the references themselves, not held out)"))
        if c.copy_rate is not None:
            runs = f"{c.copy_rate:.3f} of the {COPY_GRAM}-pitch runs of {c.copy_samples} piece(s)"
            out.append(("copy rate", f"{runs} sampled for {c.copy_prompt!r} occur in a reference"))
        else:
            out.append(("copy rate", "not measured (`partita concept learn ... --copy-check 4`)"))
        out.append(("strength", f"{c.strength:g} by default (0: the base model, 1: as learned)"))
        return out


def concept_card(concept: Concept, where: str | None = None) -> str:
    """The ``README.md`` of a concept folder: what it is, what it was learned from and how, how to use it."""
    c = concept.config
    where = where or c.name
    token = f"<{c.name}>"
    lines = [
        f"# Concept `{token}`",
        "",
        f"A style learned by partita from {len(c.references)} reference piece(s): a new prompt token "
        f"`{token}` and a few parameters on top of the frozen base model `{c.base_model}` (JEN-1 "
        "DreamStyler's recipe; docs/CONCEPTS.md). It works only with that base model and its tokenizer.",
        "",
        "```bash",
        f'partita generate "a piece in <{c.name}>" --concept {where}/ --model {c.base_model}',
        f"partita continue song.mid --concept {where}/ --model {c.base_model}",
        "```",
        "",
        *[f"- **{label}**: {text.replace(token, f'`{token}`')}" for label, text in concept.facts()],
        "",
        f"Files: `{CONCEPT_WEIGHTS}` (the tensors), `{CONCEPT_CONFIG}` (how it was learned, and on what).",
        "",
    ]
    return "\n".join(lines)


def load_concept(path: str | Path) -> Concept:
    """A concept: a folder written by :meth:`Concept.save_pretrained`, a file written by :meth:`Concept.save`
    (or a folder holding one such file). Anything else is refused in one sentence."""
    path = Path(path).expanduser()
    if path.is_dir():
        if (path / CONCEPT_CONFIG).is_file():
            return _load_folder(path)
        if (path / "config.json").is_file():
            raise ValueError(
                f"{path}: a model folder, not a concept (a concept folder holds {CONCEPT_CONFIG} and "
                f"{CONCEPT_WEIGHTS}): learn one with `partita concept learn`"
            )
        found = sorted(path.glob("*.safetensors"))
        if len(found) != 1:
            raise ValueError(
                f"{path}: not a partita concept folder (no {CONCEPT_CONFIG}): learn one with "
                "`partita concept learn`"
            )
        path = found[0]
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such concept file or folder")
    meta, tensors = _read_weights(path)
    if meta.get("partita") != "concept" or "config" not in meta:
        raise ValueError(f"{path}: not a partita concept (learn one with `partita concept learn`)")
    return Concept(_config(json.loads(meta["config"]), path), tensors)


def _load_folder(folder: Path) -> Concept:
    weights = folder / CONCEPT_WEIGHTS
    if not weights.is_file():
        raise FileNotFoundError(
            f"{folder}: {CONCEPT_CONFIG} but no {CONCEPT_WEIGHTS}: the concept is incomplete"
        )
    try:
        raw = json.loads((folder / CONCEPT_CONFIG).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{folder / CONCEPT_CONFIG}: not a concept config ({type(e).__name__})") from None
    if not isinstance(raw, dict) or "name" not in raw:
        raise ValueError(f"{folder / CONCEPT_CONFIG}: not a concept config (no name)")
    _, tensors = _read_weights(weights)
    return Concept(_config(raw, folder), tensors)


def _read_weights(path: Path) -> tuple[dict[str, str], dict[str, torch.Tensor]]:
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (safe_open has no __iter__)
    except Exception as e:
        raise ValueError(f"{path}: not a safetensors file ({type(e).__name__})") from None
    if "token" not in tensors:
        raise ValueError(
            f"{path}: not a partita concept (no concept token; learn one with `partita concept learn`)"
        )
    return meta, tensors


def _config(raw: dict[str, Any], where: Path) -> ConceptConfig:
    try:
        config = ConceptConfig.from_dict(raw)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{where}: not a valid concept config ({e})") from None
    if config.version > FORMAT_VERSION:
        raise ValueError(
            f"{where}: a concept of format {config.version}; this partita reads {FORMAT_VERSION}"
        )
    return config


def pitch_runs(score: Score, gram: int = COPY_GRAM) -> set[tuple[int, ...]]:
    """Every run of ``gram`` successive pitches in one part of ``score``, transposed to start at 0."""
    out = set()
    for track in score.tracks:
        if track.is_drum:
            continue
        pitches = [n.pitch for n in sorted(track.notes, key=lambda n: (n.time, -n.pitch))]
        for i in range(len(pitches) - gram + 1):
            out.add(tuple(p - pitches[i] for p in pitches[i : i + gram]))
    return out


def copy_rate(pieces: list[Score], references: list[Score], gram: int = COPY_GRAM) -> float | None:
    """The share of the pieces' pitch runs (:func:`pitch_runs`) that also occur in one of the references:
    copying, not style (docs/CONCEPTS.md); None when the pieces have no such run."""
    known = set().union(*(pitch_runs(r, gram) for r in references)) if references else set()
    runs = [g for piece in pieces for g in pitch_runs(piece, gram)]
    return sum(g in known for g in runs) / len(runs) if runs else None


# -- learning ---------------------------------------------------------------------------------------------


@dataclass
class _Reference:
    name: str
    conditions: Conditions
    music: list[int]
    bar_starts: list[int]


def _encode_references(pieces, tokenizer) -> list[_Reference]:
    bars = set(getattr(tokenizer, "bar_ids", set()) or set())
    refs = []
    for name, score in pieces:
        music = [int(t) for t in tokenizer.encode_music(score)]
        if not music:
            logger.warning("reference %s has no music tokens: skipped", name)
            continue
        starts = [i for i, t in enumerate(music) if t in bars] or [0]
        refs.append(_Reference(name, piece_conditions(score), music, starts))
    return refs


def _window(ref: _Reference, length: int, rng: random.Random, eos: int) -> list[int]:
    """Music tokens of ``ref`` (a crop of at most ``length`` starting at a bar) with EOS where it ends."""
    fits = [s for s in ref.bar_starts if s == 0 or len(ref.music) - s >= length // 2] or [0]
    start = rng.choice(fits)
    crop = ref.music[start : start + length]
    return crop + [eos] if start + length > len(ref.music) else crop


def _batch(rows: list[tuple[list[int], list[int]]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and targets for ``(prefix, music)`` rows: the loss is on the music (and an EOS after it)."""
    seqs = [[*p, *m] for p, m in rows]
    n = max(len(s) for s in seqs)
    x = torch.full((len(seqs), n - 1), pad, dtype=torch.long)
    y = torch.full((len(seqs), n - 1), -100, dtype=torch.long)
    for i, ((prefix, _), seq) in enumerate(zip(rows, seqs, strict=True)):
        x[i, : len(seq) - 1] = torch.tensor(seq[:-1])
        y[i, len(prefix) - 1 : len(seq) - 1] = torch.tensor(seq[len(prefix) :])
    return x, y


def _token_init(model: MusicLM, tokenizer: Any) -> torch.Tensor:
    """The concept token's starting point: the mean embedding of the style condition tokens."""
    ids = [tokenizer.condition_token_id(f"CondStyle_{s}") for s in STYLES]
    ids = [i for i in ids if i is not None and i < model.config.vocab_size]
    weight = model.tok_emb.weight.detach()
    return (weight[ids] if ids else weight).mean(dim=0, keepdim=True).clone()


def _prefix(tokenizer, concept_id: int | None, c: Conditions, drop: float, rng) -> list[int]:
    ids = tokenizer.condition_ids(c, drop=drop, rng=rng)
    return [ids[0], concept_id, *ids[1:]] if concept_id is not None else ids


@torch.no_grad()
def references_nll(
    model: MusicLM, tokenizer: Any, refs: list[_Reference], concept_id: int | None, length: int
) -> float:
    """Mean NLL per music token of the references' openings (full conditions), with or without the concept
    token in the prefix."""
    was = model.training
    model.eval()
    total, count = 0.0, 0
    for ref in refs:
        prefix = _prefix(tokenizer, concept_id, ref.conditions, 0.0, None)
        x, y = _batch([(prefix, ref.music[:length])], tokenizer.pad_id)
        _, loss = model(x, targets=y)
        n = int((y != -100).sum())
        total, count = total + float(loss) * n, count + n
    model.train(was)
    return total / max(count, 1)


def _trainable(model: MusicLM, tokenizer: Any, config: ConceptConfig) -> tuple[MusicLM, list[dict]]:
    """A copy of ``model`` to learn in, its token (and LoRA or pivotal layers) trainable; the param groups."""
    learner = copy_model(model)
    for p in learner.parameters():
        p.requires_grad_(False)
    init = _token_init(model, tokenizer)
    emb = add_tokens(learner, init.clone(), init)
    emb.extra.requires_grad_(True)
    groups = [{"params": [emb.extra], "lr": config.token_lr}]
    if config.method == "lora":
        wrapped = add_lora(learner, config.rank, config.alpha)
        groups.append(
            {"params": [p for m in wrapped.values() for p in (m.lora_a, m.lora_b)], "lr": config.lr}
        )
    elif config.method == "pivotal":
        params = dict(learner.named_parameters())
        chosen = [params[n] for n in pivotal_names(learner, config.pivotal)]
        for p in chosen:
            p.requires_grad_(True)
        groups.append({"params": chosen, "lr": config.lr})
    return learner, groups


def _tensors(learner: MusicLM, base: MusicLM, config: ConceptConfig) -> dict[str, torch.Tensor]:
    out = {
        "token": learner.tok_emb.extra.detach().clone(),
        "token_init": learner.tok_emb.init.detach().clone(),
    }
    for name, m in lora_modules(learner).items():
        out[f"lora.{name}.a"] = m.lora_a.detach().clone()
        out[f"lora.{name}.b"] = m.lora_b.detach().clone()
    if config.method == "pivotal":
        tuned, start = dict(learner.named_parameters()), dict(base.named_parameters())
        for name in pivotal_names(base, config.pivotal):
            out[f"pivotal.{name}"] = (tuned[name].detach() - start[name].detach()).clone()
    return out


def learn_concept(
    references: str | Path | list[tuple[str, Score]],
    model: MusicLM,
    tokenizer: Any,
    config: ConceptConfig,
    progress: ProgressCallback | None = None,
    snapshots: tuple[int, ...] = (),
) -> Concept:
    """Learn ``config.name`` from reference pieces (a folder, a file, or ``(name, score)`` pairs) on the
    frozen ``model`` with its ``tokenizer``; their NLL before and after is in its config. ``snapshots``: steps
    at which the concept so far is also kept (:attr:`Concept.snapshots`), for a curve over steps."""
    if isinstance(references, (str, Path)):
        pieces, skipped = read_references(references)
    else:
        pieces, skipped = list(references)[:MAX_REFERENCES], []
        if not pieces:
            raise ValueError("no reference piece to learn from: a concept needs 1 to 5 pieces")
    refs = _encode_references(pieces, tokenizer)
    if not refs:
        raise ValueError("none of the reference pieces has music the tokenizer can read")
    config = ConceptConfig.from_dict(config.to_dict())
    config.base_model, config.base_hash = model_name(model), model_hash(model)
    config.tokenizer_hash, config.base_vocab_size = tokenizer_hash(tokenizer), model.config.vocab_size
    config.references, config.skipped = [r.name for r in refs], skipped
    config.reference_tokens = [len(r.music) for r in refs]
    concept_id = model.config.vocab_size
    length = max(8, min(config.window, model.config.block_size - 40))
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    learner, groups = _trainable(model, tokenizer, config)
    config.nll_plain = references_nll(model, tokenizer, refs, None, length)
    config.nll_before = references_nll(learner, tokenizer, refs, concept_id, length)
    optimizer = torch.optim.AdamW(groups, weight_decay=0.0)
    taken: dict[int, Concept] = {}
    start = time.perf_counter()
    learner.train()
    for step in range(config.steps):
        rows = []
        for i in range(config.batch):
            ref = refs[(step * config.batch + i) % len(refs)]
            rows.append(
                (
                    _prefix(tokenizer, concept_id, ref.conditions, config.condition_drop, rng),
                    _window(ref, length, rng, tokenizer.eos_id),
                )
            )
        x, y = _batch(rows, tokenizer.pad_id)
        _, loss = learner(x, targets=y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for g in groups for p in g["params"]], 1.0)
        optimizer.step()
        if step + 1 in snapshots and step + 1 < config.steps:
            snap = ConceptConfig.from_dict({**config.to_dict(), "steps": step + 1})
            snap.train_seconds = round(time.perf_counter() - start, 2)
            snap.nll_after = references_nll(learner, tokenizer, refs, concept_id, length)
            taken[step + 1] = Concept(snap, _tensors(learner, model, snap))
            learner.train()
        if step % 10 == 0 or step == config.steps - 1:
            report(progress, step + 1, config.steps, f"step {step + 1}: loss {loss.item():.3f}")
    config.train_seconds = round(time.perf_counter() - start, 2)
    config.nll_after = references_nll(learner, tokenizer, refs, concept_id, length)
    logger.info(
        "concept <%s> (%s): reference NLL %.3f plain, %.3f -> %.3f with the concept, %d steps in %.1f s",
        config.name, config.method, config.nll_plain, config.nll_before, config.nll_after, config.steps,
        config.train_seconds,
    )  # fmt: skip
    return Concept(config, _tensors(learner, model, config), taken)
