"""A bidirectional transformer over per-note compound tokens: partita's music encoder.

Each note is one position of the sequence, as in the compound-word (CP) tokens of MidiBERT-Piano (Chou et al.
2021) and the Octuple tokens of MusicBERT: the note's fields are embedded separately and summed into one
vector. The fields (:data:`FIELDS`):

- ``bar``: the bar of the note's onset, counted from the first bar of the window (clipped);
- ``position``: the onset inside its bar, in twelfths of a quarter (so both 16ths and triplets fall on it);
- ``pitch``: the MIDI pitch;
- ``duration``: a log-scale bucket of the length in twelfths of a quarter (:func:`duration_bucket`);
- ``velocity``: velocity // 4.

In every field id 0 is padding and id 1 is the mask; values start at 2. A pre-norm transformer (nanoGPT's
blocks without the causal mask) turns the summed embeddings into one hidden vector per note. Heads:

- ``mlm``: one linear layer per field, predicting the fields of masked notes (masked-note modelling);
- ``classifier``: a per-note linear layer over ``n_labels`` classes (token classification: melody extraction).

A model folder (:meth:`MusicEncoder.save_pretrained`) holds ``encoder_config.json`` (the
:class:`EncoderConfig`; not ``config.json``, which marks a language-model folder), ``model.safetensors``
(never pickled), ``card.json`` and ``README.md``. :meth:`MusicEncoder.from_pretrained` takes a folder, a name
shipped in ``partita/pretrained/`` or ``"debug"`` (a tiny random model built in code).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from partita.atomic import atomic_path, atomic_write_text
from partita.models.pretrained import metrics_table
from partita.score.bars import bar_lines
from partita.score.formats import Score

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "pretrained"
CONFIG = "encoder_config.json"
WEIGHTS = "model.safetensors"
FIELDS = ("bar", "position", "pitch", "duration", "velocity")
PAD, MASK, OFFSET = 0, 1, 2
STEPS_PER_QUARTER = 12


@dataclass
class EncoderConfig:
    """The encoder's shape; saved as encoder_config.json."""

    n_bar: int = 64
    n_position: int = 96
    n_pitch: int = 128
    n_duration: int = 33
    n_velocity: int = 32
    max_len: int = 256
    n_layer: int = 4
    n_head: int = 4
    d_model: int = 128
    d_ff: int = 512
    dropout: float = 0.1
    use_velocity: bool = True
    """False: the velocity field is always padding (MidiBERT's CP tokens carry no velocity)."""
    n_labels: int = 0
    """Classes of the per-note classifier head; 0: no head."""
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.labels = tuple(self.labels)
        if self.d_model % self.n_head:
            raise ValueError(
                f"EncoderConfig: d_model {self.d_model} is not a multiple of n_head {self.n_head}"
            )
        for name in ("n_layer", "n_head", "d_model", "max_len"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"EncoderConfig.{name} must be at least 1, not {getattr(self, name)}")

    def vocab(self, field: str) -> int:
        """Ids of ``field``: its values plus padding and mask."""
        return int(getattr(self, f"n_{field}")) + OFFSET

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["labels"] = list(self.labels)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EncoderConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"EncoderConfig: unknown fields {unknown}")
        return cls(**d)


# ---------------------------------------------------------------- notes -> compound tokens


@dataclass
class NoteArrays:
    """The non-drum notes of a score merged into one list, sorted by onset then pitch (ticks)."""

    start: np.ndarray
    duration: np.ndarray
    pitch: np.ndarray
    velocity: np.ndarray
    track: np.ndarray
    bar: np.ndarray
    """Index of the bar of each onset (from the score's time signatures)."""
    bar_start: np.ndarray
    """Tick of the bar line before each onset."""
    ticks_per_quarter: int

    def __len__(self) -> int:
        return len(self.start)

    def take(self, index: np.ndarray) -> NoteArrays:
        """The notes at ``index`` (a boolean mask or integer indices)."""
        sub = {f.name: getattr(self, f.name)[index] for f in fields(self) if f.name != "ticks_per_quarter"}
        return NoteArrays(**sub, ticks_per_quarter=self.ticks_per_quarter)


def score_notes(score: Score) -> NoteArrays:
    """Every non-drum note of ``score`` in one list (as a piano would play them), with bars and tracks."""
    if score.ticks_per_quarter <= 0:
        raise ValueError("the score has no valid ticks per quarter")
    if getattr(score, "ttype", None) is not None and str(score.ttype).lower().find("tick") < 0:
        score = score.to("tick")
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("time", "duration", "pitch", "velocity", "track")}
    for i, track in enumerate(score.tracks):
        if track.is_drum or not len(track.notes):
            continue
        a = track.notes.numpy()
        for k in ("time", "duration", "pitch", "velocity"):
            cols[k].append(a[k].astype(np.int64))
        cols["track"].append(np.full(len(a["time"]), i, dtype=np.int64))
    if not cols["time"]:
        e = np.zeros(0, dtype=np.int64)
        return NoteArrays(e, e, e, e, e, e, e, int(score.ticks_per_quarter))
    start, dur, pitch, vel, track = (np.concatenate(cols[k]) for k in cols)
    order = np.lexsort((pitch, start))
    start, dur, pitch, vel, track = (x[order] for x in (start, dur, pitch, vel, track))
    n_bars = _bars_needed(score, int(start.max()))
    lines = np.asarray(bar_lines(score, n_bars), dtype=np.int64)
    bar = np.searchsorted(lines, start, side="right") - 1
    return NoteArrays(
        start, np.maximum(dur, 1), pitch, vel, track, bar, lines[bar], int(score.ticks_per_quarter)
    )


def _bars_needed(score: Score, last_tick: int) -> int:
    shortest = min(
        [
            max(1, round(ts.numerator * 4 * score.ticks_per_quarter / ts.denominator))
            for ts in score.time_signatures
            if ts.numerator > 0 and ts.denominator > 0
        ]
        or [4 * score.ticks_per_quarter]
    )
    return last_tick // shortest + 2


def duration_bucket(steps: np.ndarray, n_duration: int = 33) -> np.ndarray:
    """A log-scale bucket of durations in twelfths of a quarter: 4 buckets an octave of length (a 16th is
    bucket 6, a quarter 14, a whole note 22), clipped to ``n_duration - 1``."""
    b = np.round(4 * np.log2(np.maximum(steps, 1)))
    return np.clip(b, 0, n_duration - 1).astype(np.int64)


def note_tokens(notes: NoteArrays, config: EncoderConfig) -> np.ndarray:
    """Compound tokens ``(notes, len(FIELDS))`` of a note list; bars count from the list's first bar
    (clipped to ``n_bar - 1``; :func:`window_tokens` rebases each window)."""
    tpq = max(1, notes.ticks_per_quarter)
    step = tpq / STEPS_PER_QUARTER
    bar = notes.bar - (notes.bar.min() if len(notes) else 0)
    position = np.round((notes.start - notes.bar_start) / step)
    duration = np.round(notes.duration / step)
    out = np.stack(
        [
            np.clip(bar, 0, config.n_bar - 1),
            np.clip(position, 0, config.n_position - 1),
            np.clip(notes.pitch, 0, config.n_pitch - 1),
            duration_bucket(duration, config.n_duration),
            np.clip(notes.velocity // 4, 0, config.n_velocity - 1),
        ],
        axis=1,
    ).astype(np.int64)
    out += OFFSET
    if not config.use_velocity:
        out[:, 4] = PAD
    return out


def window_tokens(tokens: np.ndarray, config: EncoderConfig) -> np.ndarray:
    """A slice of a piece's tokens with its bars counted from its own first bar (as when encoded alone)."""
    w = tokens.copy()
    if len(w):
        w[:, 0] = np.clip(w[:, 0] - w[:, 0].min(), 0, config.n_bar - 1) + OFFSET
    return w


def windows(n: int, max_len: int, stride: int | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` windows covering ``n`` notes, ``max_len`` long, ``stride`` apart (half by default);
    the last one ends at ``n``."""
    if n <= max_len:
        return [(0, n)]
    stride = stride or max(1, max_len // 2)
    starts = list(range(0, n - max_len, stride)) + [n - max_len]
    return [(s, s + max_len) for s in starts]


# ---------------------------------------------------------------- the model


class Block(nn.Module):
    """Pre-norm transformer block; attention sees every unpadded note (no causal mask)."""

    def __init__(self, c: EncoderConfig) -> None:
        super().__init__()
        self.n_head = c.n_head
        self.ln1 = nn.LayerNorm(c.d_model)
        self.qkv = nn.Linear(c.d_model, 3 * c.d_model)
        self.proj = nn.Linear(c.d_model, c.d_model)
        self.ln2 = nn.LayerNorm(c.d_model)
        self.ff = nn.Sequential(nn.Linear(c.d_model, c.d_ff), nn.GELU(), nn.Linear(c.d_ff, c.d_model))
        self.drop = nn.Dropout(c.dropout)
        self.p = c.dropout

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = (z.view(b, t, self.n_head, d // self.n_head).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(
            q, k, v, attn_mask=keep[:, None, None, :], dropout_p=self.p if self.training else 0.0
        )
        x = x + self.drop(self.proj(y.transpose(1, 2).reshape(b, t, d)))
        return x + self.drop(self.ff(self.ln2(x)))


class MusicEncoder(nn.Module):
    """The encoder, its masked-modelling heads and an optional per-note classifier (see the module doc)."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.config = config
        self.emb = nn.ModuleDict({f: nn.Embedding(config.vocab(f), config.d_model) for f in FIELDS})
        self.pos = nn.Embedding(config.max_len, config.d_model)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.d_model)
        self.mlm = nn.ModuleDict({f: nn.Linear(config.d_model, config.vocab(f)) for f in FIELDS})
        self.classifier = nn.Linear(config.d_model, config.n_labels) if config.n_labels else None
        self.card: dict[str, Any] = {}
        self.apply(self._init)

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear | nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, tokens: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
        """Hidden states ``(batch, notes, d_model)`` of compound tokens ``(batch, notes, fields)``; ``keep``
        marks real notes (False for padding; by default every note whose pitch is not padding)."""
        if tokens.shape[1] > self.config.max_len:
            raise ValueError(f"{tokens.shape[1]} notes is over the encoder's max_len {self.config.max_len}")
        if keep is None:
            keep = tokens[..., 2] != PAD
        x = sum(self.emb[f](tokens[..., i]) for i, f in enumerate(FIELDS))
        x = self.drop(x + self.pos(torch.arange(tokens.shape[1], device=tokens.device)))
        for block in self.blocks:
            x = block(x, keep)
        return self.ln_f(x)

    def mlm_logits(self, hidden: torch.Tensor) -> dict[str, torch.Tensor]:
        """Per-field logits of the masked-modelling heads."""
        return {f: head(hidden) for f, head in self.mlm.items()}

    def with_classifier(self, labels: tuple[str, ...] | list[str]) -> MusicEncoder:
        """This model with a fresh per-note classifier over ``labels`` (the encoder weights are shared)."""
        self.config.labels = tuple(labels)
        self.config.n_labels = len(labels)
        self.classifier = nn.Linear(self.config.d_model, len(labels))
        self._init(self.classifier)
        return self

    # ------------------------------------------------------------ whole pieces

    @torch.no_grad()
    def encode(self, tokens: np.ndarray, batch_size: int = 16) -> np.ndarray:
        """Hidden states ``(notes, d_model)`` of a whole piece's tokens: windows of ``max_len`` notes with
        half overlap, each note taken from the window where it is nearest the middle."""
        was = self.training
        self.eval()
        n, d = len(tokens), self.config.d_model
        out = np.zeros((n, d), dtype=np.float32)
        best = np.full(n, np.inf)
        spans = windows(n, self.config.max_len)
        for i in range(0, len(spans), batch_size):
            chunk = spans[i : i + batch_size]
            batch, keep = pad_batch([window_tokens(tokens[s:e], self.config) for s, e in chunk])
            hidden = self(torch.from_numpy(batch), torch.from_numpy(keep)).numpy()
            for j, (s, e) in enumerate(chunk):
                dist = np.abs(np.arange(s, e) - (s + e - 1) / 2)
                better = dist < best[s:e]
                out[s:e][better] = hidden[j, : e - s][better]
                best[s:e][better] = dist[better]
        self.train(was)
        return out

    @torch.no_grad()
    def classify(self, tokens: np.ndarray) -> np.ndarray:
        """Class probabilities ``(notes, n_labels)`` of the per-note classifier."""
        if self.classifier is None:
            raise ValueError("this encoder has no classifier head (n_labels is 0)")
        hidden = torch.from_numpy(self.encode(tokens))
        return torch.softmax(self.classifier(hidden), dim=-1).numpy()

    # ------------------------------------------------------------ folders

    def save_pretrained(self, directory: str | Path, card: dict[str, Any] | None = None) -> Path:
        """Write encoder_config.json, model.safetensors, card.json and README.md (each atomically)."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().contiguous().cpu() for k, v in self.state_dict().items()}
        with atomic_path(out / WEIGHTS) as tmp:
            save_file(state, str(tmp), metadata={"format": "pt", "partita": "MusicEncoder"})
        atomic_write_text(out / CONFIG, json.dumps(self.config.to_dict(), indent=2) + "\n")
        self.card = {**self.card, **(card or {}), "parameters": self.num_parameters()}
        atomic_write_text(
            out / "card.json", json.dumps(self.card, indent=2, sort_keys=True, default=str) + "\n"
        )
        atomic_write_text(out / "README.md", model_card(self.config, self.card))
        log.info("saved encoder to %s", out)
        return out

    @classmethod
    def from_pretrained(cls, name_or_path: str | Path) -> MusicEncoder:
        """Load a folder, a shipped name (``encoder-small``) or ``"debug"``; in eval mode."""
        if str(name_or_path) == "debug":
            return debug_encoder()
        folder = resolve_encoder(name_or_path)
        try:
            config = EncoderConfig.from_dict(json.loads((folder / CONFIG).read_text()))
        except (json.JSONDecodeError, TypeError, ValueError) as e:
            raise ValueError(f"{folder / CONFIG}: not a valid encoder config: {e}") from e
        weights = folder / WEIGHTS
        if not weights.is_file():
            raise FileNotFoundError(f"{weights}: missing (an encoder folder needs {WEIGHTS})")
        model = cls(config)
        state = {k: v.float() for k, v in load_file(str(weights)).items()}
        missing, unexpected = model.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise ValueError(
                f"{weights}: weights do not match {CONFIG} (missing {missing}, unexpected {unexpected})"
            )
        card = folder / "card.json"
        model.card = json.loads(card.read_text()) if card.is_file() else {}
        return model.eval()


def pad_batch(seqs: list[np.ndarray], length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Stack token arrays into ``(batch, length, fields)`` with padding, and the mask of real notes."""
    length = length or max(1, max(len(s) for s in seqs))
    batch = np.zeros((len(seqs), length, len(FIELDS)), dtype=np.int64)
    keep = np.zeros((len(seqs), length), dtype=bool)
    for i, s in enumerate(seqs):
        batch[i, : len(s)] = s[:length]
        keep[i, : len(s)] = True
    return batch, keep


def debug_encoder(seed: int = 0, **overrides: Any) -> MusicEncoder:
    """A tiny random encoder (2 layers, width 32), the same for the same seed: for tests and examples."""
    base: dict[str, Any] = dict(n_layer=2, n_head=2, d_model=32, d_ff=64, max_len=64, dropout=0.0)
    base.update(overrides)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = MusicEncoder(EncoderConfig(**base))
    model.card = {"name": "debug", "data": "none (random weights)"}
    return model.eval()


def available_encoders() -> list[str]:
    """Names :meth:`MusicEncoder.from_pretrained` accepts besides folder paths."""
    names = ["debug"]
    if PACKAGE_DIR.is_dir():
        names += sorted(p.name for p in PACKAGE_DIR.iterdir() if (p / CONFIG).is_file())
    return names


def resolve_encoder(name_or_path: str | Path) -> Path:
    """The folder of a saved encoder: a path first, then a name shipped in ``partita/pretrained/``."""
    path = Path(name_or_path).expanduser()
    if (path / CONFIG).is_file():
        return path
    shipped = PACKAGE_DIR / str(name_or_path)
    if (shipped / CONFIG).is_file():
        return shipped
    if path.exists():
        raise FileNotFoundError(f"{path}: not an encoder folder (no {CONFIG})")
    raise FileNotFoundError(
        f"no encoder named {str(name_or_path)!r}: not a folder with {CONFIG}, and not one of: "
        + ", ".join(available_encoders())
    )


def model_card(config: EncoderConfig, card: dict[str, Any]) -> str:
    """The README.md of an encoder folder."""
    lines = [
        f"# {card.get('name', 'partita encoder')}",
        "",
        f"A bidirectional transformer over per-note compound tokens ({', '.join(FIELDS)}; "
        f"{config.n_layer} layers, width {config.d_model}, {config.n_head} heads, windows of "
        f"{config.max_len} notes; {card.get('parameters', 0):,} parameters), pretrained by masked-note "
        "modelling with partita"
        + (f", with a per-note classifier over {', '.join(config.labels)}." if config.n_labels else "."),
        "",
    ]
    for key in sorted(card):
        if key in ("name", "parameters", "metrics"):
            continue
        value = card[key]
        lines.append(f"- {key}: {json.dumps(value, sort_keys=True) if isinstance(value, dict) else value}")
    lines += metrics_table(card.get("metrics") or {})
    lines += [
        "",
        "## Use",
        "",
        "```python",
        "from partita.models.encoder import MusicEncoder",
        "from partita.pipelines.embed import embed, extract_melody",
        "",
        'model = MusicEncoder.from_pretrained("path/to/this/folder")',
        "e = embed(score, model)  # e.piece: (d_model,), e.bars: (bars, d_model)",
        "melody_score, method = extract_melody(score, model)",
        "```",
        "",
    ]
    return "\n".join(lines)
