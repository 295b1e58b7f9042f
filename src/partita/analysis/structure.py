"""Sections with labels (A, B, A', ...) from bar-level self-similarity.

Each bar is described by its pitch-class profile and its onset pattern (16 positions); bars are compared by
cosine similarity. The piece is cut into blocks of ``P`` bars, ``P`` being the largest phrase length (16, 8
or 4 bars) at which at least half of the blocks repeat another block nearly exactly (three quarters for
4-bar phrases in pieces of 16 bars or more: weaker 4-bar evidence cut O'Neill's 8-bar strains in half):
that is the unit at which the piece repeats (the strains of a folk tune, the verses and choruses of a
song). When nothing repeats, 8-bar phrases are assumed (4 for pieces under 16 bars), the commonest phrase
length. Blocks are then labelled in order: a block like an earlier label's first block (mean bar similarity
>= ``same``) takes its letter, a block that is close (>= ``variant``) takes the letter with a prime (A'),
anything else opens a new letter. Consecutive blocks that are a continuation (same label not repeating at
the phrase level) are not merged: a repeat is a section of its own, as in the notated A A B B of a tune. A
piece that opens with a pickup (its first notes in the second half of the first bar) counts its phrases
from the first full bar.
"""

from __future__ import annotations

import string

import numpy as np

from partita.analysis.timeline import NoteArrays, segment_chroma

ONSET_STEPS = 16


def bar_features(notes: NoteArrays, bars: np.ndarray) -> np.ndarray:
    """(bars x 28): unit-norm pitch-class profile and unit-norm onset pattern of each bar, side by side."""
    n_bars = max(len(bars) - 1, 0)
    chroma = segment_chroma(notes, bars) if len(notes) else np.zeros((n_bars, 12))
    onsets = np.zeros((n_bars, ONSET_STEPS))
    if len(notes) and n_bars:
        b = np.clip(np.searchsorted(bars, notes.start, side="right") - 1, 0, n_bars - 1)
        length = np.maximum(bars[b + 1] - bars[b], 1)
        step = np.clip(((notes.start - bars[b]) * ONSET_STEPS) // length, 0, ONSET_STEPS - 1)
        np.add.at(onsets, (b, step), 1.0)
    feats = []
    for m in (chroma, onsets):
        norm = np.linalg.norm(m, axis=1, keepdims=True)
        feats.append(np.divide(m, norm, out=np.zeros_like(m), where=norm > 0))
    return np.hstack(feats) / np.sqrt(2)


def _label(i: int) -> str:
    letters = string.ascii_uppercase
    return letters[i] if i < 26 else f"{letters[i // 26 - 1]}{letters[i % 26]}"


def find_sections(
    notes: NoteArrays,
    bars: np.ndarray,
    same: float = 0.9,
    variant: float = 0.75,
    max_bars: int = 2000,
    phrases: tuple[int, ...] = (16, 8, 4),
    short: int = 16,
    four: float = 0.75,
) -> list[tuple[int, int, str]]:
    """Sections as ``(start_bar, end_bar, label)``; one section ``A`` for pieces too short to compare.

    Pieces longer than ``max_bars`` bars are analysed on their first ``max_bars`` bars and the rest extends
    the last section (the block similarity matrix grows with the square of the bar count).
    """
    n_bars = max(len(bars) - 1, 0)
    if n_bars == 0 or len(notes) == 0:
        return []
    if n_bars > 2 and float(notes.start.min()) >= bars[0] + 0.5 * (bars[1] - bars[0]):
        # an anacrusis: the first bar is a pickup (a score pads it to a full bar). Phrases are counted from
        # the first full bar, and the pickup joins the first section (O'Neill's strains end a bar later than
        # blocks counted from the pickup bar would)
        rest = find_sections(notes, bars[1:], same, variant, max_bars, phrases, short, four)
        if rest:
            return [(0 if i == 0 else a + 1, e + 1, lab) for i, (a, e, lab) in enumerate(rest)]
    n = min(n_bars, max_bars)
    feats = bar_features(notes, bars[: n + 1])
    silent = ~feats.any(axis=1)
    # silent bars are alike each other (a rest bar repeats a rest bar)
    feats = np.hstack([feats, silent[:, None].astype(float)])
    size, blocks = 0, None
    for p in phrases:
        m = -(-n // p)
        if n < 2 * p:
            continue
        padded = np.zeros((m * p, feats.shape[1]))
        padded[:n] = feats
        per_bar = padded.reshape(m, p, -1)
        # mean bar-by-bar cosine similarity of every pair of blocks
        blk = np.einsum("ikd,jkd->ij", per_bar, per_bar) / p
        np.fill_diagonal(blk, 0.0)
        full = n // p  # a partial last block does not count as evidence
        matched = (blk[:full, :full] >= same).any(axis=1).mean() if full >= 2 else 0.0
        if blocks is None and p <= 8:
            size, blocks = p, blk  # the phrase-length default when nothing repeats
        # in pieces of ``short`` bars or more, 4-bar phrases need stronger evidence (``four``)
        if matched >= (four if p < 8 and n >= short else 0.5):
            size, blocks = p, blk
            break
    if size == 0 or blocks is None:
        return [(0, n_bars, "A")]
    sections: list[tuple[int, int, str]] = []
    heads: list[int] = []  # the first block of each letter
    for i, a in enumerate(range(0, n, size)):
        e = min(a + size, n)
        sims = [blocks[h, i] for h in heads]
        best = int(np.argmax(sims)) if sims else -1
        if best >= 0 and sims[best] >= same:
            label = _label(best)
        elif best >= 0 and sims[best] >= variant:
            label = _label(best) + "'"
        else:
            heads.append(i)
            label = _label(len(heads) - 1)
        if sections and e - a < size // 2:
            # a short tail joins the section before it
            sections[-1] = (sections[-1][0], e, sections[-1][2])
        else:
            sections.append((a, e, label))
    if n < n_bars:
        # bars beyond ``max_bars`` are not compared: they extend the last section
        sections[-1] = (sections[-1][0], n_bars, sections[-1][2])
    return sections
