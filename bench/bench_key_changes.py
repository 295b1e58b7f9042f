"""Key changes that ``partita describe`` reports against POP909's time-stamped keys (issue 20).

Each POP909 song (001-800 only; 801-909 are never read) has ``key_audio.txt``: the keys over time, one for
most songs. :func:`partita.analysis.key.key_segments` (what ``describe`` lists as key changes) is run in the
same run four ways: as shipped; ``refined`` (``excursions=False``: without the search for short passages in a
far key, the parallel mode, an intro or an outro, as shipped until the sixteenth session: the baseline);
``unrefined`` (``refine=False``: the Viterbi regions without the region keys estimated again, the relative-key
merge and the placed changes, as shipped until the fifteenth session); and ``previous`` (kept here as
:func:`previous_key_segments`: window, shortest region and the bonus for the piece's key counted in the file's
own bars, so in beats for the songs that declare 1/4). A reported change is real when an annotated change lies
within ``TOLERANCE_S`` seconds (each annotated change matched once; also scored at ``TIGHT_S``, where the
change is placed); "same key" also asks that the key it changes to is the annotated one. The settings were
chosen on the even songs (002-800); the odd songs (001-799) check them. Also: boundary F, the songs whose
number of changes is the annotated one, the songs that never modulate with a change reported, the key accuracy
over time (per second of the annotated span: the key exactly, and mir_eval's weighted score), the whole-piece
key (which this does not touch; the digest of the 800 songs' keys says so) and an hour of the largest songs
joined (as in ``bench_large_files.py``), whose joins are changes too where the next song's key differs.

    python bench/bench_key_changes.py [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_large_files import concat_hour, pop909_songs  # noqa: E402
from common import row, write_result  # noqa: E402

log = logging.getLogger("bench_key_changes")

COMMAND = "python bench/bench_key_changes.py"
TOLERANCE_S = 10.0
"""A reported change within this many seconds of an annotated one is the same change."""
TIGHT_S = 3.0
"""The tighter tolerance, for where a change is placed."""
ARMS = ("shipped", "refined", "unrefined", "previous")


def previous_key_segments(notes, bars: np.ndarray, global_key: int) -> list[tuple[int, int, int]]:
    """``key_segments`` before 2026-12-06: 8 bars, cost 1.5, 8 bars, bonus 0.1, in the file's bars."""
    from partita.analysis.key import DEFAULT_PROFILE, key_correlations, key_templates
    from partita.analysis.timeline import segment_chroma
    from partita.analysis.viterbi import viterbi_path

    window, switch_cost, min_bars = 8, 1.5, 8
    n_bars = len(bars) - 1
    if n_bars <= 0 or len(notes) == 0:
        return []
    cs = np.cumsum(np.vstack([np.zeros((1, 12)), segment_chroma(notes, bars)]), axis=0)
    lo = np.clip(np.arange(n_bars) - window // 2, 0, n_bars)
    hi = np.clip(np.arange(n_bars) + (window - window // 2), 0, n_bars)
    local = cs[hi] - cs[lo]
    scores = key_correlations(local, key_templates(DEFAULT_PROFILE))
    scores[local.sum(axis=1) <= 0] = 0.0
    scores[:, global_key] += 0.1
    regions: list[list[int]] = []
    for t, k in enumerate(viterbi_path(scores, switch_cost)):
        if regions and regions[-1][2] == k:
            regions[-1][1] = t + 1
        else:
            regions.append([t, t + 1, int(k)])
    merged: list[list[int]] = []
    for r in regions:
        if merged and (r[1] - r[0] < min_bars or merged[-1][2] == r[2]):
            merged[-1][1] = r[1]
        else:
            merged.append(r)
    if len(merged) > 1 and merged[0][1] - merged[0][0] < min_bars:
        merged[1][0] = merged[0][0]
        merged.pop(0)
    return [(a, b, k) for a, b, k in merged]


def annotated_keys(path: Path) -> list[tuple[float, float, int]]:
    """``key_audio.txt`` as ``(start s, end s, key index)``."""
    from partita.analysis.key import parse_key

    out = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3:
            out.append((float(parts[0]), float(parts[1]), parse_key(parts[2])))
    return out


def annotated_changes(keys: list[tuple[float, float, int]], offset: float = 0.0) -> list[tuple[float, int]]:
    """``(time s, new key)`` wherever the annotated key differs from the one before."""
    return [(b[0] + offset, b[2]) for a, b in zip(keys, keys[1:], strict=False) if a[2] != b[2]]


@dataclass
class Piece:
    """What both segmentations of one piece need: its notes, bars (ticks and seconds) and whole key."""

    notes: object
    bars: np.ndarray
    bar_seconds: np.ndarray
    tpq: int
    key: int | None


def load_piece(score) -> Piece:
    from partita.analysis.key import estimate_key
    from partita.analysis.timeline import TempoMap, beat_grid, note_arrays

    notes = note_arrays(score)
    grid = beat_grid(score, notes, int(notes.end.max()))
    pitched = notes.select(~notes.drum)
    est = estimate_key(pitched)
    secs = np.asarray(TempoMap(score).seconds(grid.bars), dtype=float)
    return Piece(pitched, grid.bars, secs, int(score.ticks_per_quarter), None if est is None else est.index)


def reported(piece: Piece, arm: str) -> list[tuple[int, int, int]]:
    """The key regions ``describe`` lists (none for a piece under 16 bars, as there), by ``arm``."""
    from partita.analysis.key import key_segments

    if piece.key is None or len(piece.bars) - 1 < 16:
        return []
    if arm == "previous":
        return previous_key_segments(piece.notes, piece.bars, piece.key)
    return key_segments(
        piece.notes,
        piece.bars,
        piece.key,
        ticks_per_quarter=piece.tpq,
        refine=arm != "unrefined",
        excursions=arm == "shipped",
    )


def _matches(changes: list[tuple[float, int]], truth: list[tuple[float, int]], tol: float) -> tuple[int, int]:
    """Reported changes with an annotated one within ``tol`` s (each matched once), and of those how many
    change to the annotated key."""
    used: set[int] = set()
    hits = same = 0
    for t, k in changes:
        near = [j for j in range(len(truth)) if j not in used and abs(truth[j][0] - t) <= tol]
        if near:
            j = min(near, key=lambda j: abs(truth[j][0] - t))
            used.add(j)
            hits += 1
            same += int(truth[j][1] == k)
    return hits, same


@dataclass
class Tally:
    """Counts over songs: reported and annotated changes, matches, songs and per-second key scores."""

    reported: int = 0
    annotated: int = 0
    real: int = 0
    same_key: int = 0
    tight: int = 0
    songs: int = 0
    count_right: int = 0
    steady: int = 0
    steady_with_change: int = 0
    modulating: int = 0
    modulating_found: int = 0
    frames: list[float] = field(default_factory=list)
    exact: list[float] = field(default_factory=list)

    def add(self, changes: list[tuple[float, int]], truth: list[tuple[float, int]]) -> None:
        hits, same = _matches(changes, truth, TOLERANCE_S)
        self.tight += _matches(changes, truth, TIGHT_S)[0]
        self.same_key += same
        self.reported += len(changes)
        self.annotated += len(truth)
        self.real += hits
        self.songs += 1
        self.count_right += int(len(changes) == len(truth))
        if truth:
            self.modulating += 1
            self.modulating_found += int(hits > 0)
        else:
            self.steady += 1
            self.steady_with_change += int(bool(changes))

    def precision(self) -> float:
        return self.real / max(self.reported, 1)

    def recall(self) -> float:
        return self.real / max(self.annotated, 1)

    def f(self, tight: bool = False) -> float:
        """Boundary F: matches against reported and annotated changes (at ``TIGHT_S`` with ``tight``)."""
        hits = self.tight if tight else self.real
        return 2 * hits / max(self.reported + self.annotated, 1)


_WEIGHTED = None


def weighted(a: int, b: int) -> float:
    """mir_eval's weighted key score of estimate ``b`` against reference ``a`` (a 24 x 24 table)."""
    global _WEIGHTED
    if _WEIGHTED is None:
        import mir_eval

        from partita.analysis.key import key_name

        _WEIGHTED = np.array(
            [[mir_eval.key.weighted_score(key_name(i), key_name(j)) for j in range(24)] for i in range(24)]
        )
    return float(_WEIGHTED[a, b])


def frame_scores(piece: Piece, regions, keys: list[tuple[float, float, int]]) -> tuple[list, list]:
    """The weighted score of the reported key at each second of the annotated span (the whole key where
    no region is reported), and whether it is the annotated key."""
    per_bar = np.full(len(piece.bars), piece.key if piece.key is not None else 0, dtype=np.int64)
    for a, b, k in regions:
        per_bar[a:b] = k
    if regions:
        per_bar[regions[-1][1] :] = regions[-1][2]
    scores, exact = [], []
    for a, b, k in keys:
        t = np.arange(a + 0.5, b, 1.0)
        i = np.clip(np.searchsorted(piece.bar_seconds, t, side="right") - 1, 0, len(per_bar) - 1)
        scores += [weighted(k, int(e)) for e in per_bar[i]]
        exact += [float(k == e) for e in per_bar[i]]
    return scores, exact


def changes_of(piece: Piece, regions) -> list[tuple[float, int]]:
    return [(float(piece.bar_seconds[a]), k) for a, _, k in regions[1:]]


def bench_songs(paths: list[Path]) -> dict:
    """Per half (even: chosen on, odd: checked on) and setting, the tallies and the whole-piece key."""
    from partita.analysis.key import parse_key
    from partita.evaluation.mir_bench import reference_key
    from partita.score import read_midi

    out: dict = {}
    for i, path in enumerate(paths):
        half = "even" if int(path.stem) % 2 == 0 else "odd"
        piece = load_piece(read_midi(path))
        keys = annotated_keys(path.parent / "key_audio.txt")
        truth = annotated_changes(keys)
        for arm in ARMS:
            regions = reported(piece, arm)
            tally = out.setdefault((half, arm), Tally())
            tally.add(changes_of(piece, regions), truth)
            scores, exact = frame_scores(piece, regions, keys)
            tally.frames += scores
            tally.exact += exact
        whole = out.setdefault((half, "whole"), [])
        whole.append(weighted(parse_key(reference_key(path.parent / "key_audio.txt")), piece.key))
        out.setdefault("whole keys", []).append(-1 if piece.key is None else piece.key)
        if (i + 1) % 100 == 0:
            log.info("%d/%d songs", i + 1, len(paths))
    return out


WHOLE_KEYS_BEFORE = (
    "before the sixteenth session's key changes (estimate_key of commit 5c0247f), songs 001-800: "
    "sha1 048553795163"
)
"""The digest of the 800 songs' whole-piece keys before the short excursions were added: the same digest
now says the whole-piece key of every song is unchanged."""


def whole_key_digest(keys: list[int]) -> str:
    return hashlib.sha1(",".join(map(str, keys)).encode()).hexdigest()[:12]


def bench_hour(paths: list[Path]) -> dict[str, Tally]:
    """The largest songs joined into an hour (as ``bench_large_files.py``): reported changes against the
    songs' own changes and the joins where the key differs."""
    from partita.analysis.timeline import TempoMap
    from partita.score import read_midi

    with tempfile.TemporaryDirectory() as tmp:
        hour = Path(tmp) / "hour.mid"
        _, used = concat_hour(paths, hour)
        score = read_midi(hour)
    # each song starts where the one before ended (concat_hour shifts by the score's end)
    ends = np.cumsum([0] + [read_midi(p).end() for p in paths[: used - 1]])
    starts = np.asarray(TempoMap(score).seconds(ends), dtype=float)
    truth: list[tuple[float, int]] = []
    keys: list[tuple[float, float, int]] = []
    last = None
    for p, t0 in zip(paths[:used], starts, strict=True):
        song = annotated_keys(p.parent / "key_audio.txt")
        if last is not None and song and song[0][2] != last:
            truth.append((float(t0), song[0][2]))
        truth += annotated_changes(song, float(t0))
        keys += [(a + float(t0), b + float(t0), k) for a, b, k in song]
        last = song[-1][2] if song else last
    piece = load_piece(score)
    out = {}
    for arm in ARMS:
        regions = reported(piece, arm)
        out[arm] = Tally()
        out[arm].add(changes_of(piece, regions), truth)
        out[arm].frames, out[arm].exact = frame_scores(piece, regions, keys)
    out["songs"] = used
    return out


BASELINE = "key_segments(excursions=False), as shipped before (same run)"


def _table(what: str, new: Tally) -> tuple:
    """(metric, value of a tally, unit, notes, lower is better) for each row of a half or the hour."""
    counts = (
        f"{what}; {new.annotated} annotated changes in {new.modulating} songs; real (an annotated change "
        f"within {TOLERANCE_S:.0f} s)"
    )
    return (
        ("key changes reported", lambda t: t.reported, "changes", counts, True),
        ("key changes, precision", Tally.precision, "fraction", what, False),
        ("key changes, recall", Tally.recall, "fraction", what, False),
        (f"key change boundary F within {TOLERANCE_S:.0f} s", Tally.f, "F", what, False),
        (f"key change boundary F within {TIGHT_S:.0f} s", lambda t: t.f(tight=True), "F", what, False),
        (
            "songs with as many changes as annotated",
            lambda t: t.count_right / max(t.songs, 1),
            "fraction",
            f"{what}; of {new.songs} songs",
            False,
        ),
        (
            "songs that never modulate with a change reported",
            lambda t: t.steady_with_change,
            "songs",
            f"{what}; of {new.steady} songs",
            True,
        ),
        (
            "modulating songs with a change found",
            lambda t: t.modulating_found,
            "songs",
            f"{what}; of {new.modulating} songs",
            False,
        ),
        (
            "key over time, exact (share of seconds)",
            lambda t: float(np.mean(t.exact)),
            "fraction",
            what,
            False,
        ),
        (
            "key over time (weighted score per second)",
            lambda t: float(np.mean(t.frames)),
            "score",
            what,
            False,
        ),
    )


PER_SONG = ("songs with", "songs that", "modulating songs")
"""Rows that count songs: not for the hour, one piece."""


def _arm_rows(prefix: str, what: str, tallies: dict, cmd: str, songs: bool = True) -> list[dict]:
    """One row per metric: shipped against refined (the baseline), the older settings in the notes."""
    new, old, *older = (tallies[a] for a in ARMS)
    rows = []
    for name, get, unit, notes, lower in _table(what, new):
        if not songs and name.startswith(PER_SONG):
            continue
        if name == "key changes reported":
            notes += f" {new.real} (same key {new.same_key}) vs {old.real} ({old.same_key})"
        notes += "; the settings before that: " + ", ".join(
            f"{arm} {float(get(t)):.3f}" for arm, t in zip(ARMS[2:], older, strict=True)
        )
        rows.append(
            row(
                f"{prefix} {name}",
                get(new),
                unit,
                cmd,
                BASELINE,
                get(old),
                higher_is_better=not lower,
                notes=notes,
            )
        )
    return rows


def _rows(res: dict, hour: dict | None, cmd: str) -> list[dict]:
    rows = []
    for half, what in (("even", "chosen on: even songs 002-800"), ("odd", "held out: odd songs 001-799")):
        rows += _arm_rows(f"POP909 {half} songs,", what, {a: res[(half, a)] for a in ARMS}, cmd)
        rows.append(
            row(
                f"POP909 whole-piece key weighted score, {half} songs",
                float(np.mean(res[(half, "whole")])),
                "score",
                cmd,
                notes="estimate_key, unchanged by this benchmark's setting; reference: the "
                "longest key in key_audio.txt",
            )
        )
    rows.append(
        row(
            "POP909 whole-piece keys, songs read",
            len(res["whole keys"]),
            "songs",
            cmd,
            notes=f"digest of their key indices in song order (sha1 of the comma-joined list): "
            f"{whole_key_digest(res['whole keys'])}; {WHOLE_KEYS_BEFORE}",
        )
    )
    if hour:
        what = (
            f"an hour of the {hour['songs']} largest songs of 001-800 joined; real changes: the songs' own "
            "and the joins where the key differs"
        )
        rows += _arm_rows("hour of POP909 songs joined,", what, hour, cmd, songs=False)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="songs 001-100 and no hour")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    songs = pop909_songs()
    paths = [p for p in songs if int(p.stem) <= 100] if args.quick else songs
    res = bench_songs(paths)
    hour = None
    if not args.quick:
        hour = bench_hour(sorted(songs, key=lambda p: (p.stat().st_size, p.name))[::-1])
    cmd = COMMAND + (" --quick" if args.quick else "")
    rows = _rows(res, hour, cmd)
    for r in rows:
        base = "" if r["baseline_value"] is None else f" (refined {r['baseline_value']:.3f})"
        print(f"{r['metric']}: {r['value']:.3f}{base}")
    path = write_result(
        "key_changes",
        "Key changes in describe against POP909's annotated keys, short excursions in far keys",
        rows,
        quick=args.quick,
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
