"""Fill-in-the-middle: the sequence format that lets a left-to-right model write bars between given bars.

A model trained on it (``fim_rate`` in :class:`~partita.training.config.TrainConfig`) has two ids after its
tokenizer's vocabulary: ``HOLE`` (the bars after a gap follow) and ``FILL`` (the music up to the gap, then the
gap's bars, follow). The layout is the suffix-prefix-middle order of Bavarian et al., "Efficient Training of
Language Models to Fill in the Middle" (2022), cut at bar lines::

    BOS Cond... CondEnd  HOLE  after...  FILL  before...  gap...  Bar

``after`` is the first bars after the gap (at most :data:`SUFFIX_TOKENS` ids, whole bars where they fit),
``before`` the music up to the gap and ``gap`` its bars, ended by the bar line that opens the bars after it.
The suffix comes first so that it stays in view: sampling keeps the condition prefix and what follows up
to ``FILL`` when its context slides (``keep_prefix``), and drops the oldest of ``before`` instead. A reader of
the music (the constraint rules, the decoder) starts after ``FILL`` and sees ``before`` and ``gap`` as one
left-to-right piece, as in a continuation.

Written here, not taken from a library: miditok has no fill-in-the-middle format, and the code models' FIM
transforms work on characters, not on bar lines of a token stream.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

SUFFIX_TOKENS = 96
"""The most ids of the bars after a gap a fill-in-the-middle sequence carries (training and sampling alike):
with a condition prefix it stays under the quarter block that sampling keeps in view."""

MAX_GAP_BARS = 8
"""The longest gap training cuts (in bars)."""


@dataclass(frozen=True)
class FimIds:
    """The two marker ids of a fill-in-the-middle vocabulary."""

    hole: int
    fill: int

    @classmethod
    def after(cls, tokenizer_vocab: int) -> FimIds:
        """The markers of a model whose tokenizer has ``tokenizer_vocab`` ids: the next two."""
        return cls(int(tokenizer_vocab), int(tokenizer_vocab) + 1)

    @classmethod
    def of_model(cls, config) -> FimIds | None:
        """The markers of a model config (:class:`partita.models.MusicLMConfig`): its ``fim_hole_id`` and
        the id after it when it was trained to fill in the middle, else None. (Recorded, not derived from the
        vocabulary's size: a concept adds its own ids after them.)"""
        hole = getattr(config, "fim_hole_id", None)
        return None if hole is None else cls(int(hole), int(hole) + 1)


def suffix_span(
    music: np.ndarray | list[int],
    start: int,
    bar_ids: Iterable[int] | np.ndarray,
    limit: int = SUFFIX_TOKENS,
) -> int:
    """The end of the suffix that starts at ``start`` of ``music``: as many whole bars as fit in ``limit``
    ids, or (when the first bar alone is longer) the first ``limit``."""
    arr = np.asarray(music)
    bars = bar_ids if isinstance(bar_ids, np.ndarray) else np.fromiter(bar_ids, dtype=np.int64)
    limit = min(len(arr), start + max(1, int(limit)))
    if limit == len(arr):
        return limit
    opens = np.flatnonzero(np.isin(arr[start + 1 : limit + 1], bars)) + start + 1
    return int(opens[-1]) if len(opens) else limit


def fim_prompt(prefix: list[int], before: list[int], after: list[int], ids: FimIds) -> list[int]:
    """The sampling prompt for a gap between ``before`` and ``after`` (music ids; ``after`` already cut to
    the suffix, :func:`suffix_span`): ``prefix HOLE after FILL before``. Its first
    ``len(prefix) + len(after) + 2`` ids are the part to keep in view."""
    return [*prefix, ids.hole, *after, ids.fill, *before]


def without_suffix(seq: list[int], ids: FimIds) -> list[int]:
    """``seq`` with its ``HOLE after FILL`` span removed: the condition prefix, the music before the gap and
    the gap's bars, as one left-to-right sequence to decode."""
    seq = [int(t) for t in seq]
    if ids.fill not in seq:
        return seq
    fill = seq.index(ids.fill)
    hole = seq.index(ids.hole) if ids.hole in seq[:fill] else fill
    return [*seq[:hole], *seq[fill + 1 :]]


def to_fim(
    music: np.ndarray,
    bar_ids: np.ndarray,
    ids: FimIds,
    rng: np.random.Generator,
) -> np.ndarray | None:
    """One training window's music (``music``, ids after its condition prefix) in the fill-in-the-middle
    layout ``HOLE after FILL before gap Bar``: a gap of 1 to :data:`MAX_GAP_BARS` whole bars (at least one bar
    line before it), ending at a bar line after which the window has at most :data:`SUFFIX_TOKENS` ids left
    (so the suffix is the window's tail and nothing is thrown away; where no bar line is that late, the last
    one, and the suffix cut there). No longer than ``music`` (the oldest of ``before`` is dropped to fit; it
    may come out shorter: the caller pads). None when the window has too few bar lines."""
    opens = np.flatnonzero(np.isin(music, bar_ids))
    if len(opens) < 3:
        return None
    late = [k for k in range(2, len(opens)) if len(music) - opens[k] <= SUFFIX_TOKENS]
    j = int(rng.choice(late)) if late else len(opens) - 1  # the gap ends at bar line j ...
    i = j - int(rng.integers(1, min(MAX_GAP_BARS, j - 1) + 1))  # ... and opens at bar line i >= 1
    gap_start, gap_end = int(opens[i]), int(opens[j])
    after = music[gap_end : suffix_span(music, gap_end, bar_ids)]
    parts = [[ids.hole], after, [ids.fill], music[:gap_end], music[gap_end : gap_end + 1]]
    out = np.concatenate(parts).astype(music.dtype, copy=False)
    excess = len(out) - len(music)
    if excess > 0:
        head = len(after) + 2
        if gap_start - excess < 1:
            return None  # the music before the gap would be gone
        out = np.concatenate([out[:head], out[head + excess :]])
    return out
