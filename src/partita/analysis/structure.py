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
from the first full bar. A file whose bars are one beat long (a MIDI file that declares 1/4, as most of
POP909 does) is compared in bars of four beats (:func:`four_beat_sections`), and there the blocks may start
after an intro of fewer bars than a phrase where that makes more blocks repeat (a pop song's verses and
choruses come after an intro of any length; the intro is a section of its own): measured against POP909's
human phrase labels in ``bench/bench_pop909_sections.py``.
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


def _block_sims(feats: np.ndarray, first: int, n: int, p: int) -> np.ndarray:
    """Mean bar-by-bar cosine similarity of every pair of ``p``-bar blocks from bar ``first`` to ``n`` (the
    last block padded with silence), the diagonal zero."""
    m = -(-(n - first) // p)
    padded = np.zeros((m * p, feats.shape[1]))
    padded[: n - first] = feats[first:n]
    flat = padded.reshape(m, -1)  # bar k of block i against bar k of block j, summed over k
    blk = flat @ flat.T / p
    np.fill_diagonal(blk, 0.0)
    return blk


def _evidence(blk: np.ndarray, full: int, same: float) -> tuple[float, float]:
    """The share of the ``full`` whole blocks that repeat another nearly exactly, and their mean best
    similarity (a partial last block does not count as evidence)."""
    if full < 2:
        return 0.0, 0.0
    best = blk[:full, :full].max(axis=1)
    return float((best >= same).mean()), float(best.mean())


def _phrasing(
    feats: np.ndarray, n: int, phrases: tuple[int, ...], same: float, need, shift: bool
) -> tuple[int, int, np.ndarray | None]:
    """(phrase length, first bar of the first whole phrase, block similarities): the longest of
    ``phrases`` whose blocks repeat enough (``need(p)``); the blocks may start after an intro of fewer bars
    than a phrase (``shift``: the offset at which the most blocks repeat; on a tie none). 8 (4 under 16
    bars) when nothing repeats."""
    size, first, blocks = 0, 0, None
    for p in phrases:
        if n < 2 * p:
            continue
        cands = []
        for off in range(p if shift else 1):
            if n - off < 2 * p:
                break
            blk = _block_sims(feats, off, n, p)
            matched, mean = _evidence(blk, (n - off) // p, same)
            cands.append((matched, off == 0, mean, off, blk))
        # an intro only where it makes more blocks repeat (a tie keeps the blocks from the first bar)
        matched, _, _, off, blk = max(cands, key=lambda c: c[:3])
        if blocks is None and p <= 8:
            # the phrase-length default when nothing repeats
            size, first, blocks = p, off, blk
        if matched >= need(p):
            return p, off, blk
    return size, first, blocks


def _labelled(blocks: np.ndarray, first: int, n: int, size: int, same: float, variant: float):
    """Sections of the blocks from bar ``first``, labelled in order (an intro before ``first`` of two bars or
    more is a section of its own, a shorter one joins the first block)."""
    sections: list[tuple[int, int, str]] = []
    heads: list[int] = []  # the first block of each letter
    if first >= 2:
        heads.append(-1)
        sections.append((0, first, _label(0)))
    for i, a in enumerate(range(first, n, size)):
        e = min(a + size, n)
        sims = [blocks[h, i] if h >= 0 else 0.0 for h in heads]
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
            sections.append((0 if not sections else a, e, label))
    return sections


def find_sections(
    notes: NoteArrays,
    bars: np.ndarray,
    same: float = 0.9,
    variant: float = 0.75,
    max_bars: int = 2000,
    phrases: tuple[int, ...] = (16, 8, 4),
    short: int = 16,
    four: float = 0.75,
    shift: bool = False,
) -> list[tuple[int, int, str]]:
    """Sections as ``(start_bar, end_bar, label)``; one section ``A`` for pieces too short to compare.

    Pieces longer than ``max_bars`` bars are analysed on their first ``max_bars`` bars and the rest extends
    the last section (the block similarity matrix grows with the square of the bar count). With ``shift``
    the phrases may start after an intro (off by default: on O'Neill's tunes it cost 0.02 of boundary F at
    0.5 s, and on POP909's files of four-four bars it changed nothing).
    """
    n_bars = max(len(bars) - 1, 0)
    if n_bars == 0 or len(notes) == 0:
        return []
    if n_bars > 2 and float(notes.start.min()) >= bars[0] + 0.5 * (bars[1] - bars[0]):
        # an anacrusis: the first bar is a pickup (a score pads it to a full bar). Phrases are counted from
        # the first full bar, and the pickup joins the first section (O'Neill's strains end a bar later than
        # blocks counted from the pickup bar would)
        rest = find_sections(notes, bars[1:], same, variant, max_bars, phrases, short, four, shift)
        if rest:
            return [(0 if i == 0 else a + 1, e + 1, lab) for i, (a, e, lab) in enumerate(rest)]
    n = min(n_bars, max_bars)
    feats = bar_features(notes, bars[: n + 1])
    silent = ~feats.any(axis=1)
    # silent bars are alike each other (a rest bar repeats a rest bar)
    feats = np.hstack([feats, silent[:, None].astype(float)])

    def need(p: int) -> float:
        # in pieces of ``short`` bars or more, 4-bar phrases need stronger evidence (``four``)
        return four if p < 8 and n >= short else 0.5

    size, first, blocks = _phrasing(feats, n, phrases, same, need, shift)
    if size == 0 or blocks is None:
        return [(0, n_bars, "A")]
    sections = _labelled(blocks, first, n, size, same, variant)
    if n < n_bars:
        # bars beyond ``max_bars`` are not compared: they extend the last section
        sections[-1] = (sections[-1][0], n_bars, sections[-1][2])
    return sections


def four_beat_sections(
    notes: NoteArrays, beats: np.ndarray, bars: np.ndarray, **kwargs
) -> list[tuple[int, int, str]]:
    """Sections of a file whose bars say nothing about phrasing (one beat long: a MIDI file that declares
    1/4, as most of POP909 does), found in bars of four beats and given back as indices into ``bars``.

    The four-beat bars start on the beat (of the first four) whose beats are the most accented
    (:func:`partita.analysis.meter_inference.beat_accents`: onsets, bass onsets, harmonic change), the beats
    before it a pickup; the phrases may start after an intro (``shift``). ``kwargs`` go to
    :func:`find_sections`.
    """
    from partita.analysis.meter_inference import beat_accents

    starts = np.asarray(beats[:-1], dtype=np.int64)
    if starts.size < 8:
        return find_sections(notes, bars, **kwargs)
    accent = beat_accents(notes, beats).sum(axis=1)
    phase = int(np.argmax([accent[p::4].mean() for p in range(4)]))
    grid = np.r_[starts[:1] if phase else starts[:0], starts[phase::4], int(beats[-1])]
    bars = np.asarray(bars, dtype=np.int64)
    out = []
    for a, b, lab in find_sections(notes, grid, **{"shift": True, **kwargs}):
        ia, ib = (int(np.argmin(np.abs(bars - int(t)))) for t in (grid[a], grid[b]))
        if ib > ia:
            out.append((ia, ib, lab))
    return out
