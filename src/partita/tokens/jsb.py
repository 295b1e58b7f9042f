"""JSB Chorales in Music Transformer's setting: SATB on a 16th-note grid, serialized voice by voice per step.

The data is the Coconet form of the JSB Chorales (``jsb/Jsb16thSeparated.json`` in the reference data): for each
chorale a list of 16th-note steps, each ``[soprano, alto, tenor, bass]`` MIDI pitches with ``-1`` for silence.
Like Music Transformer (Huang et al. 2018) and Coconet, a chorale becomes one token per voice per step, in the
order S, A, T, B, step after step, framed by start and end tokens.

Vocabulary (:data:`VOCAB_SIZE` = 132): ``PAD`` 0, ``BOS`` 1, ``EOS`` 2, ``REST`` 3 (a silent voice), and pitch
``p`` (0..127) as ``PITCH_OFFSET + p``. Every token after ``BOS`` except ``EOS`` is one voice at one 16th step,
so "NLL per note" in this setting is the NLL per pitch/rest token (and per 16th step it is 4 times that).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from partita.paths import shared_data_dir

logger = logging.getLogger(__name__)

PAD, BOS, EOS, REST = 0, 1, 2, 3
PITCH_OFFSET = 4
VOCAB_SIZE = PITCH_OFFSET + 128
VOICES = 4
SPLITS = ("train", "valid", "test")
STEPS_PER_QUARTER = 4  # the grid is in 16th notes


class JSBError(ValueError):
    """The JSB file or a chorale in it is not in the expected form."""


def default_path() -> Path:
    """``jsb/Jsb16thSeparated.json`` in the reference data folder."""
    return shared_data_dir() / "jsb" / "Jsb16thSeparated.json"


def read_jsb(path: str | Path | None = None) -> dict[str, list[np.ndarray]]:
    """Read the chorales: ``{"train"|"valid"|"test": [int array (steps, 4) of MIDI pitch or -1]}``."""
    path = Path(path) if path is not None else default_path()
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: JSB chorales file not found") from None
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise JSBError(f"{path}: not a readable JSON file: {e}") from e
    if not isinstance(raw, dict) or not all(s in raw for s in SPLITS):
        raise JSBError(f"{path}: expected the keys {', '.join(SPLITS)}")
    out: dict[str, list[np.ndarray]] = {}
    for split in SPLITS:
        pieces = []
        for n, piece in enumerate(raw[split]):
            try:
                arr = np.asarray(piece, dtype=np.int64)
            except (TypeError, ValueError) as e:
                raise JSBError(f"{path}: {split}[{n}] is not a grid of pitches: {e}") from e
            if arr.ndim != 2 or arr.shape[1] != VOICES or ((arr < -1) | (arr > 127)).any():
                raise JSBError(f"{path}: {split}[{n}] is not a (steps, 4) grid of MIDI pitches or -1")
            pieces.append(arr)
        out[split] = pieces
    return out


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
    """The (steps, 4) pitch grid (-1 = silence) of a token sequence; framing tokens are dropped, a partial last
    step is padded with silence."""
    toks = [int(t) for t in tokens if int(t) not in (PAD, BOS, EOS)]
    if any(t >= VOCAB_SIZE for t in toks):
        raise JSBError(f"token ids must be below {VOCAB_SIZE}")
    vals = [-1 if t == REST else t - PITCH_OFFSET for t in toks]
    vals += [-1] * (-len(vals) % VOICES)
    return np.asarray(vals, dtype=np.int64).reshape(-1, VOICES)


def to_score(grid: np.ndarray, tpq: int = 480, tempo: float = 60.0):
    """A ``symusic.Score`` (tick time) of a (steps, 4) grid: one track per voice, held repeated pitches merged."""
    from partita.corpus.pieces import jsb_score

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
    """The token arrays of one split; ``augment`` adds the transpositions -5..+6 semitones (use for train only)."""
    if split not in SPLITS:
        raise JSBError(f"unknown JSB split {split!r}: use one of {', '.join(SPLITS)}")
    grids = read_jsb(path)[split]
    arrays = transpositions(grids) if augment else [encode_chorale(g) for g in grids]
    logger.info("JSB %s: %d sequences, %d tokens", split, len(arrays), sum(len(a) for a in arrays))
    return arrays


def seconds_per_token(bpm: float = 60.0) -> float:
    """Seconds of music per token at a tempo of ``bpm`` quarter notes per minute (4 tokens per 16th step)."""
    return 60.0 / bpm / STEPS_PER_QUARTER / VOICES
