"""A tiny token folder of two synthetic styles (as ``partita tokens build`` lays it out), built in a test.

``jig`` pieces are runs of short high notes, ``chorale`` pieces are slow four-note chords: a classifier that
learns anything separates them. A few pieces have no style token (they serve only the quality head).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import symusic

from partita.tokens import MiditokTokenizer
from partita.tokens.conditions import Conditions


def _one_track(
    qpm: float, meter: tuple[int, int], name: str, program: int
) -> tuple[symusic.Score, symusic.Track]:
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=qpm))
    s.time_signatures.append(symusic.TimeSignature(0, *meter))
    t = symusic.Track(name, program, False)
    s.tracks.append(t)
    return s, s.tracks[0]


def jig(seed: int, bars: int = 4) -> symusic.Score:
    rng = random.Random(seed)
    s, t = _one_track(120.0, (6, 8), "Violin", 40)
    pitch = rng.choice([74, 76, 79])
    for i in range(bars * 6):
        pitch = min(88, max(67, pitch + rng.choice([-2, -1, 1, 2, 3])))
        t.notes.append(symusic.Note(i * 240, 240, pitch, 90))
    return s


def chorale(seed: int, bars: int = 4) -> symusic.Score:
    rng = random.Random(seed)
    s, t = _one_track(70.0, (4, 4), "Organ", 19)
    root = rng.choice([48, 50, 53])
    for i in range(bars * 2):
        root = min(55, max(45, root + rng.choice([-5, -3, 2, 5])))
        for p in (root, root + 4, root + 7, root + 12):
            t.notes.append(symusic.Note(i * 960, 960, p, 70))
    return s


_TOKENIZER: MiditokTokenizer | None = None


def tokenizer() -> MiditokTokenizer:
    """partita's default tokenizer, built once per test session (building it takes a few seconds)."""
    global _TOKENIZER
    if _TOKENIZER is None:
        _TOKENIZER = MiditokTokenizer()
    return _TOKENIZER


def build_token_folder(out: Path, per_style: dict[str, int] | None = None, unlabeled: int = 2) -> Path:
    """Write train/valid/test.npy, meta.json and tokenizer/ with ``per_style`` training pieces of each
    style."""
    tok = tokenizer()
    per_style = per_style or {"jig": 12, "chorale": 8}
    makers = {"jig": jig, "chorale": chorale}
    out.mkdir(parents=True, exist_ok=True)
    counts = {"train": per_style, "valid": dict.fromkeys(per_style, 3), "test": dict.fromkeys(per_style, 3)}
    for k, (split, styles) in enumerate(counts.items()):
        seqs = []
        for style, n in styles.items():
            for i in range(n):
                score = makers[style](1000 * k + i)
                seqs.append(
                    tok.encode(score, Conditions(style=style, meter="6/8" if style == "jig" else "4/4"))
                )
        for i in range(unlabeled):  # no style token: quality head only
            seqs.append(tok.encode(jig(5000 + 10 * k + i), Conditions()))
        np.save(out / f"{split}.npy", np.concatenate(seqs).astype(np.uint16), allow_pickle=False)
    tok.save_pretrained(out / "tokenizer")
    meta = {
        "vocab_size": tok.vocab_size,
        "bos_id": tok.bos_id,
        "eos_id": tok.eos_id,
        "pad_id": tok.pad_id,
        "sha256": "test",
    }
    (out / "meta.json").write_text(json.dumps(meta))
    return out


TINY = dict(
    batch=8,
    min_sequences=3,
    threads=1,
    window=32,
    d_model=16,
    n_layers=2,
    kernel=3,
    dilations=[1, 2],
    warmup=2,
    dropout=0.0,
)
"""A classifier small enough to train in seconds (``StyleTrainConfig`` fields)."""


def train_args(folder, out, *extra: str) -> list[str]:
    """``partita selector train`` on a tiny folder: three steps of a tiny batch, one thread."""
    return ["selector", "train", str(folder), "--out", str(out), "--steps", "3", "--threads", "1",
            "--batch", "4", "--min-sequences", "3", *extra]  # fmt: skip
