"""Cues for key changes a fifth away, tried against POP909's time-stamped keys and not shipped (issue 20).

``key_segments`` (``partita describe``'s key changes) misses 15 of the 83 annotated changes of the even POP909
songs, most of them moves to a neighbour key (a fifth away, or its relative), which its search for short
excursions skips on purpose: a dominant or subdominant passage is no change to POP909's annotators. This
benchmark tries cues that could tell such a move from a passing tonicisation, each as a pass over the regions
``key_segments`` returns (so the shipped method is the baseline, in the same run):

- ``signature``: the key signature moving by one accidental, read from the notes: the new key's note that the
  old scale lacks appears and the old key's note that the new scale lacks disappears (C to G: F# in, F out;
  C to F: Bb in, B out). Per bar, the share of the new note's duration minus the old one's in a window of
  bars, against a threshold; a three-state Viterbi (stay, one sharp more, one flat more) per region, a
  passage at least the shortest length long and over the threshold as a whole becomes a region in the
  neighbour key (major or minor as ``estimate_key`` names it for the passage, else the region's mode).
- ``chords``: the tonic function of the annotated chords (``chord_midi.txt``; an upper bound, since
  ``describe`` has no annotated chords): each chord's notes, its bass counted twice, in a histogram per bar
  correlated with the key profiles; a two-state Viterbi per region between the region's key (plus a bonus) and
  the best of its neighbour keys, a passage whose chords favour a neighbour key by the margin becoming a
  region.
- ``far-only``: the shipped excursion search with the neighbour keys left out of its "other key" state (they
  are refused afterwards anyway), so a song whose neighbour keys score alike everywhere is not one long
  excursion (POP909 592's parallel minor passages).

Each cue's settings are chosen on the even songs (002-800, best boundary F within 10 s, then within 3 s, then
fewer false changes in songs that never modulate) and reported on the odd songs (001-799) beside the shipped
method; songs 801-909 are never read. A cue would be kept only if the odd songs' F within 10 s and 3 s did
not fall and no more songs that never modulate got a change.

    python bench/bench_key_cues.py
"""

from __future__ import annotations

import argparse
import itertools
import logging
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_key_changes import (  # noqa: E402
    TIGHT_S,
    TOLERANCE_S,
    Piece,
    Tally,
    annotated_changes,
    annotated_keys,
    changes_of,
    frame_scores,
    load_piece,
)
from bench_large_files import pop909_songs  # noqa: E402
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_key_cues")

COMMAND = "python bench/bench_key_cues.py"
SLOW = True
"""Left out of ``python -m bench`` unless asked for: 45 settings over 800 songs, minutes of CPU, for cues not
shipped."""
GRIDS: dict[str, list[dict]] = {
    "signature": [
        {"window": w, "cost": c, "threshold": t, "shortest": 8.0}
        for w, c, t in itertools.product((4.0, 8.0), (0.3, 0.6, 1.0), (0.0, 0.02, 0.04))
    ],
    "chords": [
        {"window": w, "cost": c, "bonus": b, "margin": 0.1, "shortest": 8.0}
        for w, c, b in itertools.product((8.0, 16.0), (1.0, 2.0, 4.0), (0.05, 0.1, 0.2))
    ],
    "far-only": [{"bonus": b, "margin": m} for b, m in itertools.product((0.0, 0.1, 0.2), (0.3, 0.4, 0.5))],
}
"""The settings tried for each cue on the even songs (lengths in bars of four quarter notes)."""


def major_of(key: int) -> int:
    """The major key with the same signature (a minor key's relative major)."""
    from partita.analysis.key import relative_key

    return key if key < 12 else relative_key(key)


def window_chroma(chroma: np.ndarray, bars: np.ndarray, before: float, span: float) -> np.ndarray:
    """Each bar's histogram of the bars from ``before`` ticks before its start to ``span`` ticks after it."""
    n_bars = len(bars) - 1
    cs = np.cumsum(np.vstack([np.zeros((1, 12)), chroma]), axis=0)
    lo = np.clip(np.searchsorted(bars, bars[:-1] - before, side="left"), 0, n_bars)
    hi = np.clip(np.searchsorted(bars, bars[:-1] + span - before, side="left"), 1, n_bars)
    return cs[np.maximum(hi, np.arange(n_bars) + 1)] - cs[lo]


def signature_shift(c: np.ndarray, major: int) -> tuple[np.ndarray, np.ndarray]:
    """The share of the note a sharp key more adds (#4) minus the one it drops (4), and the same for a flat
    key more (b7 in, 7 out), of histograms ``c`` against the signature of ``major``."""
    total = np.maximum(c.sum(axis=-1), 1e-9)
    sharp = (c[..., (major + 6) % 12] - c[..., (major + 5) % 12]) / total
    flat = (c[..., (major + 10) % 12] - c[..., (major + 11) % 12]) / total
    return sharp, flat


def _join(out: list[tuple[int, int, int]], a: int, b: int, key: int) -> None:
    if out and out[-1][2] == key:
        out[-1] = (out[-1][0], b, key)
    else:
        out.append((a, b, key))


def signature_cue(piece: Piece, chroma: np.ndarray, regions: list, p: dict) -> list[tuple[int, int, int]]:
    """``regions`` with passages whose signature moves by one accidental split out (see the module text)."""
    from partita.analysis.key import _regions, estimate_key, relative_key
    from partita.analysis.viterbi import viterbi_path

    bars, unit = piece.bars, 4.0 * piece.tpq
    local = window_chroma(chroma, bars, p["window"] * unit / 2, p["window"] * unit)
    weight = np.diff(bars) / unit
    out: list[tuple[int, int, int]] = []
    for a, b, k in regions:
        major = major_of(k)
        sharp, flat = signature_shift(local[a:b], major)
        three = np.stack([np.zeros(b - a), sharp - p["threshold"], flat - p["threshold"]], axis=1)
        for ra, rb, state in _regions(viterbi_path(three * weight[a:b, None], p["cost"])):
            key = k
            long_enough = bars[a + rb] - bars[a + ra] >= p["shortest"] * unit
            if (
                state
                and long_enough
                and signature_shift(chroma[a + ra : a + rb].sum(0), major)[state - 1] > p["threshold"]
            ):
                new = (major + (7 if state == 1 else 5)) % 12
                inside = (piece.notes.start >= bars[a + ra]) & (piece.notes.start < bars[a + rb])
                est = estimate_key(piece.notes.select(inside), longest_region=False)
                pair = (new, relative_key(new))
                key = est.index if est is not None and est.index in pair else pair[int(k >= 12)]
            _join(out, a + ra, a + rb, key)
    return out


def chord_chroma(path: Path, piece: Piece) -> np.ndarray:
    """Per bar, the notes of the annotated chords (``chord_midi.txt``) weighted by their seconds, each chord
    in the bar that holds its middle; its bass counted twice."""
    import mir_eval

    secs = piece.bar_seconds
    n = len(piece.bars) - 1
    out = np.zeros((n, 12))
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) != 3 or parts[2] == "N":
            continue
        s, e = float(parts[0]), float(parts[1])
        try:
            root, bits, bass = mir_eval.chord.encode(parts[2])
        except Exception:  # a label mir_eval cannot read counts as no chord
            continue
        v = np.roll(np.asarray(bits, dtype=float), root)
        v[(root + bass) % 12] += 1.0
        i = int(np.clip(np.searchsorted(secs, (s + e) / 2, side="right") - 1, 0, n - 1))
        out[i] += v * (e - s)
    return out


def chords_cue(piece: Piece, chords: np.ndarray, regions: list, p: dict) -> list[tuple[int, int, int]]:
    """``regions`` with passages whose annotated chords favour a neighbour key split out."""
    from partita.analysis.key import _regions, key_correlations, key_templates, neighbour_keys, relative_key
    from partita.analysis.viterbi import viterbi_path

    bars, unit = piece.bars, 4.0 * piece.tpq
    templates = key_templates()
    local = window_chroma(chords, bars, p["window"] * unit / 2, p["window"] * unit)
    scores = key_correlations(local, templates)
    scores[local.sum(axis=1) <= 0] = 0.0
    weight = (np.diff(bars) / unit)[:, None]
    out: list[tuple[int, int, int]] = []
    for a, b, k in regions:
        near = [j for j in neighbour_keys(k) if j not in (k, relative_key(k))]
        two = np.stack([scores[a:b, k] + p["bonus"], scores[a:b][:, near].max(axis=1)], axis=1)
        for ra, rb, state in _regions(viterbi_path(two * weight[a:b], p["cost"])):
            key = k
            if state and bars[a + rb] - bars[a + ra] >= p["shortest"] * unit:
                sc = key_correlations(chords[a + ra : a + rb].sum(0), templates)
                best = max(near, key=lambda j: sc[j])
                key = best if sc[best] - sc[k] >= p["margin"] else k
            _join(out, a + ra, a + rb, key)
    return out


def far_only_cue(piece: Piece, chroma: np.ndarray, regions: list, p: dict) -> list[tuple[int, int, int]]:
    """The shipped excursion search (on the regions before it) with the neighbour keys out of its other
    state, and ``p``'s bonus and margin."""
    from partita.analysis.key import (
        DEFAULT_PROFILE,
        KEY_EXCURSIONS,
        _excursion_key,
        _regions,
        _window_scores,
        neighbour_keys,
    )
    from partita.analysis.viterbi import viterbi_path

    window, cost, _, shortest, _ = KEY_EXCURSIONS
    bars, unit = piece.bars, 4.0 * piece.tpq
    scores = _window_scores(chroma, bars, window * unit / 2, window * unit, DEFAULT_PROFILE)
    weight = (np.diff(bars) / unit)[:, None]
    out: list[tuple[int, int, int]] = []
    for a, b, k in regions:
        other = scores[a:b].copy()
        other[:, list(neighbour_keys(k))] = -np.inf
        two = np.stack([scores[a:b, k] + p["bonus"], other.max(axis=1)], axis=1)
        for ra, rb, state in _regions(viterbi_path(two * weight[a:b], cost)):
            key = k
            if state == 1 and bars[a + rb] - bars[a + ra] >= shortest * unit:
                key = _excursion_key(piece.notes, bars[a + ra], bars[a + rb], k, DEFAULT_PROFILE, p["margin"])
            _join(out, a + ra, a + rb, key)
    return out


def load_songs(paths: list[Path]) -> list[dict]:
    """Per song: its half, piece, annotated keys and changes, the regions as shipped and before the
    excursions, its bar histograms and its annotated chords' histograms."""
    from partita.analysis.key import key_segments
    from partita.analysis.timeline import segment_chroma
    from partita.score import read_midi

    songs = []
    for path in paths:
        piece = load_piece(read_midi(path))
        keys = annotated_keys(path.parent / "key_audio.txt")
        song = {"half": "even" if int(path.stem) % 2 == 0 else "odd", "piece": piece, "keys": keys}
        song["truth"] = annotated_changes(keys)
        if piece.key is None or len(piece.bars) - 1 < 16:  # describe lists no change here
            song["shipped"] = song["refined"] = []
        else:
            kw = {"ticks_per_quarter": piece.tpq}
            song["shipped"] = key_segments(piece.notes, piece.bars, piece.key, **kw)
            song["refined"] = key_segments(piece.notes, piece.bars, piece.key, excursions=False, **kw)
        song["chroma"] = segment_chroma(piece.notes, piece.bars)
        song["chords"] = chord_chroma(path.parent / "chord_midi.txt", piece)
        songs.append(song)
    return songs


def arm_regions(song: dict, cue: str | None, p: dict | None) -> list[tuple[int, int, int]]:
    """The regions the shipped method reports, or what ``cue`` with settings ``p`` makes of them."""
    regions = song["shipped"]
    if cue is None or not regions:
        return regions
    piece = song["piece"]
    if cue == "signature":
        return signature_cue(piece, song["chroma"], regions, p)
    if cue == "chords":
        return chords_cue(piece, song["chords"], regions, p)
    return far_only_cue(piece, song["chroma"], song["refined"], p)


def tally(songs: list[dict], half: str, cue: str | None, p: dict | None, frames: bool = False) -> Tally:
    t = Tally()
    for song in songs:
        if song["half"] != half:
            continue
        regions = arm_regions(song, cue, p)
        t.add(changes_of(song["piece"], regions), song["truth"])
        if frames:
            scores, exact = frame_scores(song["piece"], regions, song["keys"])
            t.frames += scores
            t.exact += exact
    return t


def summary(t: Tally) -> str:
    return (
        f"{t.reported} reported, {t.real} real, F@{TOLERANCE_S:.0f}s {t.f():.3f}, F@{TIGHT_S:.0f}s "
        f"{t.f(tight=True):.3f}, steady songs with a change {t.steady_with_change}/{t.steady}"
    )


def choose(songs: list[dict], cue: str) -> tuple[dict, list[str]]:
    """The setting of ``cue`` best on the even songs, and a line per setting tried."""
    lines, best, best_key = [], None, None
    for p in GRIDS[cue]:
        t = tally(songs, "even", cue, p)
        lines.append(f"{p}: {summary(t)}")
        rank = (round(t.f(), 6), round(t.f(tight=True), 6), -t.steady_with_change)
        if best_key is None or rank > best_key:
            best, best_key = p, rank
        log.info("%s %s: %s", cue, p, summary(t))
    return best, lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    songs = load_songs(pop909_songs())
    log.info("%d songs read", len(songs))
    base = {half: tally(songs, half, None, None, frames=True) for half in ("even", "odd")}
    rows = []
    for cue in GRIDS:
        p, lines = choose(songs, cue)
        for half, what in (("even", "chosen on: even songs 002-800"), ("odd", "held out: odd songs 001-799")):
            t = tally(songs, half, cue, p, frames=True)
            b = base[half]
            notes = f"{what}; cue {cue!r}, setting {p}: {summary(t)}; shipped: {summary(b)}"
            if half == "even":
                notes += f"; the {len(lines)} settings tried on the even songs: " + "; ".join(lines)
            for name, get, lower in (
                (f"key change boundary F within {TOLERANCE_S:.0f} s", Tally.f, False),
                (f"key change boundary F within {TIGHT_S:.0f} s", lambda x: x.f(tight=True), False),
                ("key changes found (an annotated change within 10 s)", lambda x: x.real, False),
                ("songs that never modulate with a change reported", lambda x: x.steady_with_change, True),
                ("key over time, exact (share of seconds)", lambda x: float(np.mean(x.exact)), False),
            ):
                rows.append(
                    row(
                        f"POP909 {half} songs, cue {cue}, {name}",
                        get(t),
                        "F" if name.startswith("key change boundary") else "value",
                        COMMAND,
                        "key_segments as shipped (same run)",
                        get(b),
                        higher_is_better=not lower,
                        notes=notes,
                    )
                )
            print(f"{half} {cue} {p}: {summary(t)} | shipped: {summary(b)}")
    path = write_result(
        "key_cues",
        "Cues for key changes a fifth away (signature shift, annotated chords' tonic, far-only excursions): "
        "tried, not shipped",
        rows,
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
