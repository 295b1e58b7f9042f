"""A piano-roll picture of a score (matplotlib): one colour per track, bars and beats from the time
signatures.

The time axis is in bars (numbered from 1, as the MIDI's time signatures place them) rather than seconds, so a
piano roll lines up with the engraved score; tempo changes do not bend it.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

from partita.atomic import atomic_path
from partita.score import Score, ScoreError
from partita.score.checks import DEFAULT_LIMITS, ScoreLimits, check_limits, check_resolution
from partita.score.general_midi import gm_program_name

log = logging.getLogger(__name__)

LEGEND_MAX_TRACKS = 16
"""The most legend entries a piano roll shows; beyond, the first 15 tracks and "... and N more tracks"."""

_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def pitch_name(pitch: int) -> str:
    """Scientific pitch name of a MIDI number (60 is C4)."""
    return f"{_NAMES[pitch % 12]}{pitch // 12 - 1}"


def gm_instrument_name(program: int, is_drum: bool = False) -> str:
    """The General MIDI name of a program (0-127), e.g. 0 -> "Acoustic Grand Piano"."""
    try:
        return gm_program_name(program, is_drum)
    except ValueError:
        return f"Program {program}"


def bar_lines(
    score: Score, end: int | None = None, max_bars: int = DEFAULT_LIMITS.max_measures
) -> tuple[list[int], list[int]]:
    """(bar starts, beat positions) in ticks up to ``end``, from the score's time signatures (4/4 if none).

    A score of zero ticks per quarter note, or more than ``max_bars`` bars, is a :class:`ScoreError`.
    """
    tpq = check_resolution(score)
    end = int(score.end()) if end is None else int(end)
    sigs = sorted(
        ((ts.time, ts.numerator, ts.denominator) for ts in score.time_signatures), key=lambda s: s[0]
    )
    sigs = [s for s in sigs if s[1] > 0 and s[2] > 0]
    if not sigs or sigs[0][0] > 0:
        sigs.insert(0, (0, 4, 4))
    bars: list[int] = []
    beats: list[int] = []
    t, i = 0, 0
    while t < end or not bars:
        while i + 1 < len(sigs) and sigs[i + 1][0] <= t:
            i += 1
        _, num, den = sigs[i]
        beat = max(1, round(tpq * 4 / den))
        length = beat * num
        if i + 1 < len(sigs) and sigs[i + 1][0] < t + length:
            length = sigs[i + 1][0] - t
        bars.append(t)
        beats.extend(range(t, t + length, beat))
        t += length
        if len(bars) > max_bars:
            raise ScoreError(
                f"more than {max_bars} bars, over the limit of {max_bars} for a piano roll", "too-large"
            )
    bars.append(t)
    return bars, beats


def bar_label_step(n_bars: int, max_labels: int = 40) -> int:
    """Number every k-th bar so that at most ``max_labels`` numbers show: k is 1, 2, 4, 5, 10, 20, 50,
    100, ..."""
    scale = 1
    while True:
        for k in (1, 2, 4, 5) if scale == 1 else (1, 2, 5):
            if n_bars <= k * scale * max_labels:
                return k * scale
        scale *= 10


def write_pianoroll(
    score: Score,
    path: str | os.PathLike,
    title: str | None = None,
    start_bar: int | None = None,
    end_bar: int | None = None,
    width: float | None = None,
    height: float = 5.0,
    dpi: int = 110,
    limits: ScoreLimits | None = None,
) -> Path:
    """Draw ``score`` as a piano roll and save it as PNG (or SVG/PDF by the suffix of ``path``), atomically.

    Each track gets a colour and a legend entry "name (General MIDI instrument)"; bar lines are solid and
    numbered, beats dotted (while they are far enough apart to read); the pitch axis names every C, or every
    note of a narrow range. ``start_bar``/``end_bar`` (1-based, inclusive) draw an excerpt. The width grows
    with the number of bars up to 22 inches, so 4 bars and 200 bars are both readable. A score beyond
    ``limits`` (:func:`partita.score.check_limits`) is refused with a :class:`ScoreError` before anything is
    drawn.
    """
    # matplotlib takes ~0.5 s to import: only when a piano roll is drawn
    import matplotlib

    matplotlib.use("Agg", force=False)
    # after use("Agg"): pyplot picks its backend when it is imported
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection

    lim = limits or DEFAULT_LIMITS
    check_limits(score, path, lim)
    tracks = [t for t in score.tracks if len(t.notes)]
    if not tracks:
        raise ScoreError("the score has no notes to draw", "no-notes", str(path))
    try:
        bars, beats = bar_lines(score, max_bars=lim.max_measures)
    except ScoreError as e:
        raise ScoreError(str(e), e.reason, str(path)) from None
    first = 1 if start_bar is None else max(1, int(start_bar))
    last = len(bars) - 1 if end_bar is None else min(len(bars) - 1, int(end_bar))
    if first > last:
        raise ValueError(f"bars {first}..{last} are empty: the score has {len(bars) - 1} bars")
    t0, t1 = bars[first - 1], bars[last]
    tpq = score.ticks_per_quarter
    n_bars = last - first + 1

    def x(tick: float) -> float:
        return tick / tpq  # quarter notes

    lo, hi = 127, 0
    visible = []
    for tr in tracks:
        notes = [n for n in tr.notes if n.time < t1 and n.time + n.duration > t0]
        if notes:
            lo = min(lo, min(n.pitch for n in notes))
            hi = max(hi, max(n.pitch for n in notes))
        visible.append((tr, notes))
    if hi < lo:
        lo, hi = 60, 72
    lo, hi = lo - 2, hi + 2

    if width is None:
        width = min(22.0, max(7.0, 2.0 + 0.55 * n_bars))
    fig, ax = plt.subplots(figsize=(width, height), dpi=dpi)
    colours = plt.get_cmap("tab10").colors
    # Light bands behind the black-key rows, as on a keyboard, make pitches easier to follow across the page.
    for p in range(lo, hi + 1):
        if p % 12 in (1, 3, 6, 8, 10):
            ax.axhspan(p - 0.5, p + 0.5, color="#f2f2f2", zorder=0, lw=0)
    handles = []
    for k, (tr, notes) in enumerate(visible):
        colour = colours[k % len(colours)]
        polys = []
        for n in notes:
            a, b = x(max(n.time, t0)), x(min(n.time + n.duration, t1))
            polys.append([(a, n.pitch - 0.42), (b, n.pitch - 0.42), (b, n.pitch + 0.42), (a, n.pitch + 0.42)])
        coll = PolyCollection(polys, facecolors=[colour], edgecolors=["#333333"], linewidths=0.3, zorder=3)
        ax.add_collection(coll)
        name = str(tr.name).strip() or f"Track {k + 1}"
        label = f"{name} ({gm_instrument_name(tr.program, tr.is_drum)})"
        handles.append(plt.Rectangle((0, 0), 1, 1, facecolor=colour, edgecolor="#333333", label=label))

    bar_ticks = bars[first - 1 : last + 1]
    px_per_quarter = width * dpi / max(1e-9, x(t1 - t0))
    if px_per_quarter >= 12:  # beats closer than ~12 pixels are noise
        for b in beats:
            if t0 < b < t1 and b not in bar_ticks:
                ax.axvline(x(b), color="#bbbbbb", lw=0.5, ls=":", zorder=1)
    label_every = bar_label_step(n_bars)
    # One collection for all bar lines (one artist per line takes minutes for 100,000 bars); bars closer than
    # ~2 pixels would be a grey wash, so a long score gets a line at each numbered bar only.
    drawn = bar_ticks
    if n_bars * 2 > width * dpi:
        drawn = [b for i, b in enumerate(bar_ticks) if (first + i - 1) % label_every == 0] + bar_ticks[-1:]
    ax.vlines(
        [x(b) for b in drawn],
        0,
        1,
        transform=ax.get_xaxis_transform(),
        colors="#555555",
        linewidths=0.8 if n_bars <= 64 else 0.4,
        zorder=2,
    )
    ticks = [
        (x(b), str(first + i)) for i, b in enumerate(bar_ticks[:-1]) if (first + i - 1) % label_every == 0
    ]
    ax.set_xticks([t for t, _ in ticks], [s for _, s in ticks])
    ax.set_xlabel("bar")
    ax.set_xlim(x(t0), x(t1))

    ax.set_ylim(lo - 0.5, hi + 0.5)
    if hi - lo <= 26:
        yt = list(range(lo, hi + 1))
    else:
        yt = [p for p in range(lo, hi + 1) if p % 12 == 0]
    ax.set_yticks(yt, [pitch_name(p) for p in yt], fontsize=8 if len(yt) > 14 else 9)
    ax.set_yticks(range(lo, hi + 1), minor=True)  # a small tick per semitone
    ax.set_ylabel("pitch")
    ax.set_title(title or "Piano roll")
    if len(handles) > LEGEND_MAX_TRACKS:
        # a legend taller than the picture (hundreds of tracks) could not be laid out: the first tracks and a
        # count of the rest; the colours repeat every ten tracks anyway
        more = len(handles) - (LEGEND_MAX_TRACKS - 1)
        handles = handles[: LEGEND_MAX_TRACKS - 1] + [
            plt.Rectangle((0, 0), 1, 1, fill=False, edgecolor="none", label=f"... and {more} more tracks")
        ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8, frameon=False)
    with warnings.catch_warnings():
        # a picture too small for its labels is drawn as it is, without a Python warning on the terminal
        warnings.simplefilter("ignore", UserWarning)
        fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format=Path(path).suffix.lstrip(".").lower() or "png")
    plt.close(fig)
    log.info("wrote %s (%d bars)", path, n_bars)
    return Path(path)
