"""JSB Chorales in Music Transformer's setting: SATB on a 16th-note grid, serialized voice by voice per step.

The data is the Coconet form of the JSB Chorales (``jsb/Jsb16thSeparated.json`` in the reference data): for
each chorale a list of 16th-note steps, each ``[soprano, alto, tenor, bass]`` MIDI pitches with ``-1`` for
silence. Like Music Transformer (Huang et al. 2018) and Coconet, a chorale becomes one token per voice per
step, in the order S, A, T, B, step after step, framed by start and end tokens. The file is read by the corpus
layer's reader (:func:`partita.corpus.sources.read_jsb`, re-exported here as :func:`read_jsb`), and a
grid becomes a score and back with :func:`partita.corpus.pieces.jsb_score` and
:func:`~partita.corpus.pieces.jsb_grid`.

Vocabulary (:data:`VOCAB_SIZE` = 132): ``PAD`` 0, ``BOS`` 1, ``EOS`` 2, ``REST`` 3 (a silent voice), and pitch
``p`` (0..127) as ``PITCH_OFFSET + p``. Every token after ``BOS`` except ``EOS`` is one voice at one 16th
step, so "NLL per note" in this setting is the NLL per pitch/rest token (and per 16th step it is 4 times
that).

:class:`JSBTokenizer` is the setting as a :class:`partita.tokens.base.Tokenizer`; the functions below are what
the training data (:func:`jsb_token_arrays`) is made with.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from partita.atomic import atomic_write_text
from partita.corpus.pieces import jsb_grid, jsb_score

# the file format (its one reader, splits, voices and grid) is the corpus layer's
from partita.corpus.sources import JSB_SPLITS, JSB_STEPS_PER_QUARTER, JSB_VOICES, JSBError, read_jsb
from partita.score import DEFAULT_TPQ, Score

logger = logging.getLogger(__name__)

PAD, BOS, EOS, REST = 0, 1, 2, 3
PITCH_OFFSET = 4
VOCAB_SIZE = PITCH_OFFSET + 128
VOICES = len(JSB_VOICES)
SPLITS = JSB_SPLITS
STEPS_PER_QUARTER = JSB_STEPS_PER_QUARTER  # the grid is in 16th notes
CONFIG_FILE = "jsb_tokenizer.json"


def encode_chorale(grid: np.ndarray, transpose: int = 0) -> np.ndarray:
    """Tokens of one chorale grid (steps, 4): BOS, then S A T B for each step, then EOS (uint16)."""
    grid = np.asarray(grid, dtype=np.int64)
    if grid.ndim != 2 or grid.shape[1] != VOICES:
        raise JSBError(f"a chorale grid must have shape (steps, 4), got {grid.shape}")
    sounding = grid >= 0
    pitches = np.where(sounding, grid + transpose, 0)
    if ((pitches < 0) | (pitches > 127))[sounding].any():
        raise JSBError(f"transposing by {transpose} leaves the MIDI range")
    body = np.where(sounding, pitches + PITCH_OFFSET, REST).reshape(-1)
    return np.concatenate([[BOS], body, [EOS]]).astype(np.uint16)


def decode_tokens(tokens: np.ndarray | list[int]) -> np.ndarray:
    """The (steps, 4) pitch grid (-1 = silence) of a token sequence; framing tokens are dropped, a partial
    last step is padded with silence."""
    toks = [int(t) for t in tokens if int(t) not in (PAD, BOS, EOS)]
    if any(t >= VOCAB_SIZE for t in toks):
        raise JSBError(f"token ids must be below {VOCAB_SIZE}")
    vals = [-1 if t == REST else t - PITCH_OFFSET for t in toks]
    vals += [-1] * (-len(vals) % VOICES)
    return np.asarray(vals, dtype=np.int64).reshape(-1, VOICES)


def to_score(grid: np.ndarray, tpq: int = DEFAULT_TPQ, tempo: float = 60.0) -> Score:
    """A ``symusic.Score`` (tick time) of a (steps, 4) grid: one track per voice, held repeated pitches
    merged."""
    return jsb_score(np.asarray(grid), ticks_per_quarter=tpq, qpm=tempo)


def transpositions(grids: list[np.ndarray], low: int = -5, high: int = 6) -> list[np.ndarray]:
    """Token arrays of every chorale under every transposition in ``low..high`` that stays in the MIDI range
    (the paper's augmentation; for training only)."""
    out = []
    for g in grids:
        for t in range(low, high + 1):
            try:
                out.append(encode_chorale(g, t))
            except JSBError:
                continue
    return out


def jsb_token_arrays(split: str, path: str | Path | None = None, augment: bool = False) -> list[np.ndarray]:
    """The token arrays of one split; ``augment`` adds the transpositions -5..+6 semitones (use for train
    only)."""
    if split not in SPLITS:
        raise JSBError(f"unknown JSB split {split!r}: use one of {', '.join(SPLITS)}")
    grids = read_jsb(path)[split]
    arrays = transpositions(grids) if augment else [encode_chorale(g) for g in grids]
    logger.info("JSB %s: %d sequences, %d tokens", split, len(arrays), sum(len(a) for a in arrays))
    return arrays


def seconds_per_token(bpm: float = 60.0) -> float:
    """Seconds of music per token at a tempo of ``bpm`` quarter notes per minute (4 tokens per 16th step)."""
    return 60.0 / bpm / STEPS_PER_QUARTER / VOICES


@dataclass
class JSBTokenizerConfig:
    """What a :class:`JSBTokenizer` decodes to (the vocabulary is fixed). Saved as ``jsb_tokenizer.json``."""

    ticks_per_quarter: int = DEFAULT_TPQ
    tempo: float = 60.0
    """Quarter notes per minute of a decoded score (the grid has no tempo)."""


class JSBTokenizer:
    """The JSB setting as a :class:`partita.tokens.base.Tokenizer`: a score on the 16th grid, S A T B per
    step.

    :meth:`encode_music` quantises a score as the format is (:func:`partita.corpus.pieces.jsb_grid`: 16th
    notes, four voices, highest first) and writes one id per voice per step, without ``BOS``/``EOS``;
    :meth:`encode` frames them as the training data is (:func:`encode_chorale`). :meth:`decode` is
    :func:`decode_tokens` then :func:`to_score`. The vocabulary is the fixed one of :data:`VOCAB_SIZE` ids.
    """

    kind = "jsb"

    def __init__(self, config: JSBTokenizerConfig | None = None) -> None:
        self.config = config or JSBTokenizerConfig()

    @property
    def vocab_size(self) -> int:
        return VOCAB_SIZE

    @property
    def bos_id(self) -> int:
        return BOS

    @property
    def eos_id(self) -> int:
        return EOS

    @property
    def pad_id(self) -> int:
        return PAD

    def grid(self, score: Score) -> np.ndarray:
        """The (steps, 4) pitch grid of ``score`` (-1 = silence)."""
        return jsb_grid(score)

    def encode_music(self, score: Score) -> list[int]:
        """The ids of ``score`` on the grid: S, A, T, B for each 16th step (no framing tokens)."""
        return [int(i) for i in encode_chorale(self.grid(score))[1:-1]]

    def encode(self, score: Score) -> list[int]:
        """``BOS``, the music ids, ``EOS``: a sequence as the JSB training data has them."""
        return [int(i) for i in encode_chorale(self.grid(score))]

    def decode(self, ids: list) -> Score:
        """The score of a token sequence (framing and padding ids are skipped; a partial step is padded)."""
        return to_score(decode_tokens(ids), tpq=self.config.ticks_per_quarter, tempo=self.config.tempo)

    def save_pretrained(self, directory: str | os.PathLike) -> Path:
        """Write ``jsb_tokenizer.json`` (the kind, the vocabulary size and the config) into ``directory``."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        saved = {"kind": self.kind, "vocab_size": VOCAB_SIZE, **asdict(self.config)}
        atomic_write_text(d / CONFIG_FILE, json.dumps(saved, indent=2) + "\n")
        return d

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike) -> JSBTokenizer:
        """Load a tokenizer saved by :meth:`save_pretrained`."""
        path = Path(directory) / CONFIG_FILE
        if not path.exists():
            raise FileNotFoundError(f"{Path(directory)}: no JSB tokenizer here (expected {CONFIG_FILE})")
        saved = json.loads(path.read_text())
        if saved.pop("kind", None) != cls.kind or saved.pop("vocab_size", None) != VOCAB_SIZE:
            raise ValueError(f"{path}: not a JSB tokenizer of {VOCAB_SIZE} ids")
        return cls(JSBTokenizerConfig(**saved))
