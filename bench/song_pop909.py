"""How the lines of a pop melody start, for ``bench_song_real.py`` (issue 25): POP909's vocal melodies (the
MELODY track, songs 1-800 only: 801-909 are never read) beside partita's songs in style "pop".

A line of a POP909 melody starts at a note after a silence of a beat or more (POP909 has no lyrics; its
beats and downbeats, chords and keys are its own annotations: ``beat_midi.txt``, the third column marking
4/4 downbeats, ``chord_midi.txt``, ``key_audio.txt``). A line of partita's starts at a lyric line's first
note. For each line start but a song's first:

- ``downbeat``: on the bar's first beat; ``on_beat``: on any beat; ``before_bar``: on the bar's last beat
  or after it (a pickup into the next bar);
- ``chord_tone``: its pitch class is in the chord sounding there (root, third or fifth: ``root``,
  ``third``, ``fifth``), ``tonic_triad``: in the key's tonic triad;
- ``leap``: more than 4 semitones from the previous line's last note (``line_start_leaps`` of
  ``song_measures``); ``mean_interval``: the mean absolute interval from it (semitones).

The POP909 songs are split as :mod:`scripts/song-ranges.py` reads them: even ids are the development half
(``STYLE_RANGE["pop"]`` was measured on them), odd ids the held-out half.
"""

from __future__ import annotations

import bisect
import math
from pathlib import Path

import numpy as np

LAST_SONG = 800
"""The highest POP909 id read: 801-909 are kept for a final test and never read here."""
GAP_BEATS = 1.0
"""The silence (beats) before a POP909 note that makes it a line's first."""


def _share(xs) -> float:
    return float(np.mean(xs)) if len(xs) else math.nan


def _chord_pcs(label: str) -> tuple[int, ...] | None:
    """(root, third, fifth) pitch classes of a mir_eval chord label; None for no chord or an odd one."""
    import mir_eval

    try:
        root, bits, _ = mir_eval.chord.encode(label)
    except mir_eval.chord.InvalidChordException:
        return None
    if root < 0:
        return None
    third = 3 if bits[3] else 4 if bits[4] else 2 if bits[2] else 5 if bits[5] else None
    fifth = 7 if bits[7] else 6 if bits[6] else 8 if bits[8] else None
    if third is None or fifth is None:
        return None
    return root, (root + third) % 12, (root + fifth) % 12


def _tonic_triad(key: str) -> tuple[int, ...] | None:
    return _chord_pcs(key)  # "G:maj", "F:min": the key's tonic triad


def start_measures(starts: list[dict]) -> dict[str, float]:
    """The shares above over line starts (each a dict of booleans and ``interval``)."""
    out: dict[str, float] = {"line_starts": len(starts)}
    for k in ("downbeat", "on_beat", "before_bar", "chord_tone", "root", "third", "fifth", "tonic_triad"):
        out[k] = _share([s[k] for s in starts if s.get(k) is not None])
    out["leap"] = _share([abs(s["interval"]) > 4 for s in starts])
    out["mean_interval"] = _share([abs(s["interval"]) for s in starts])
    return out


def _start(pitch: int, prev: int, beat_pos: float, beats_in_bar: int, chord, triad) -> dict:
    on_beat = abs(beat_pos - round(beat_pos)) < 0.125
    downbeat = on_beat and round(beat_pos) % beats_in_bar == 0  # a note a little early counts as on it
    pc = pitch % 12
    return {
        "downbeat": downbeat,
        "on_beat": on_beat,
        "before_bar": beat_pos >= beats_in_bar - 1 - 0.125 and not downbeat,
        "chord_tone": None if chord is None else pc in chord,
        "root": None if chord is None else pc == chord[0],
        "third": None if chord is None else pc == chord[1],
        "fifth": None if chord is None else pc == chord[2],
        "tonic_triad": None if triad is None else pc in triad,
        "interval": pitch - prev,
    }


# --- POP909 ----------------------------------------------------------------------------------------------


def _spans(path: Path) -> list[tuple[float, float, str]]:
    out = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3:
            out.append((float(parts[0]), float(parts[1]), parts[2]))
    return out


def _at(spans: list[tuple[float, float, str]], t: float) -> str | None:
    for a, b, label in spans:
        if a <= t + 0.05 < b:
            return label
    return None


def _beat_position(beats: np.ndarray, downbeats: list[int], t: float) -> tuple[float, int] | None:
    """(beats after the bar's downbeat, beats in that bar) of time ``t``; None outside the beat grid."""
    k = int(np.searchsorted(beats, t, side="right")) - 1
    if k < 0 or k + 1 >= len(beats):
        return None
    frac = (t - beats[k]) / (beats[k + 1] - beats[k])
    d = bisect.bisect_right(downbeats, k) - 1
    if d < 0 or d + 1 >= len(downbeats):
        return None
    return k - downbeats[d] + frac, downbeats[d + 1] - downbeats[d]


def pop909_song_starts(folder: Path) -> list[dict]:
    """The line starts (but the first) of one POP909 song's melody."""
    import symusic

    score = symusic.Score(str(folder / f"{folder.name}.mid"), ttype="second")
    melody = next((t for t in score.tracks if t.name.strip().upper() == "MELODY"), None)
    if melody is None or len(melody.notes) < 8:
        return []
    grid = np.loadtxt(folder / "beat_midi.txt", ndmin=2)
    beats = grid[:, 0]
    downbeats = [i for i, row in enumerate(grid) if row[2] == 1.0]
    chords, keys = _spans(folder / "chord_midi.txt"), _spans(folder / "key_audio.txt")
    notes = sorted(melody.notes, key=lambda n: (n.time, -n.pitch))
    out = []
    for prev, n in zip(notes, notes[1:], strict=False):
        gap = n.time - (prev.time + prev.duration)
        k = int(np.searchsorted(beats, n.time)) - 1
        beat_len = float(np.diff(beats[max(0, k) : max(0, k) + 2])[0]) if 0 <= k < len(beats) - 1 else 0.6
        if gap < GAP_BEATS * beat_len - 0.02:
            continue
        where = _beat_position(beats, downbeats, n.time)
        if where is None:
            continue
        chord = _chord_pcs(_at(chords, n.time) or "N")
        key = _at(keys, n.time)
        out.append(_start(n.pitch, prev.pitch, where[0], where[1], chord, _tonic_triad(key) if key else None))
    return out


def pop909_ids(root: Path, half: str) -> list[Path]:
    """The song folders of a half of POP909 songs 1-800: "development" (even ids) or "held_out" (odd)."""
    parity = 0 if half == "development" else 1
    return [
        root / f"{i:03d}"
        for i in range(1, LAST_SONG + 1)
        if i % 2 == parity and (root / f"{i:03d}" / f"{i:03d}.mid").exists()
    ]


def pop909_starts(half: str, limit: int | None = None) -> dict[str, float]:
    """:func:`start_measures` over the line starts of a half of POP909 (``limit``: its first songs only)."""
    from partita.paths import shared_data_dir

    folders = pop909_ids(shared_data_dir() / "pop909", half)[:limit]
    starts = [s for f in folders for s in pop909_song_starts(f)]
    return start_measures(starts) | {"songs": len(folders)}


# --- partita ---------------------------------------------------------------------------------------------


def song_starts(song) -> list[dict]:
    """The line starts (each lyric line's first note but the song's first) of a partita :class:`Song`."""
    from partita.generation.song import TPQ, slot_weights

    bar = len(slot_weights(song.meter)) * TPQ // 2
    beats_in_bar = int(song.meter.split("/")[0])
    beat = bar // beats_in_bar
    triad = _tonic_triad(f"{song.tonic}:{'min' if song.mode == 'minor' else 'maj'}")
    out = []
    for prev, n in zip(song.notes, song.notes[1:], strict=False):
        if (n.section, n.line) == (prev.section, prev.line):
            continue
        chord = _chord_pcs(song.chords[n.onset // bar]) if n.onset // bar < len(song.chords) else None
        out.append(_start(n.pitch, prev.pitch, (n.onset % bar) / beat, beats_in_bar, chord, triad))
    return out


POP_SEEDS = 4
"""Seeds (0 .. 3) partita's pop songs are sung with for the line starts."""
STYLE = "pop"


def _pop_lyrics() -> list:
    """The English texts of ``bench_song.py`` (:data:`bench_song.TEXTS`), which partita sings as "pop"."""
    from bench_song import TEXTS
    from partita.lyrics import read_lyrics

    return [lyr for lyr in (read_lyrics(t) for t in TEXTS.values()) if lyr.language == "en"]


def partita_pop_starts(seeds: int = POP_SEEDS, across: float | None = None) -> dict[str, float]:
    """:func:`start_measures` over partita's songs in style "pop" (``bench_song.TEXTS``, seeds 0 ..
    ``seeds`` - 1); ``across``: that chance of a line starting with a leap instead of the shipped one."""
    from dataclasses import replace

    from partita.generation import song_pitch
    from partita.generation.song import sing

    kept = song_pitch.STYLE_LEAPS[STYLE]
    try:
        if across is not None:
            song_pitch.STYLE_LEAPS[STYLE] = replace(kept, across=across)
        lyrics = _pop_lyrics()
        starts = [
            s
            for seed in range(seeds)
            for lyr in lyrics
            for s in song_starts(sing(lyr, seed=seed, style=STYLE))
        ]
    finally:
        song_pitch.STYLE_LEAPS[STYLE] = kept
    return start_measures(starts)


FIT_ACROSS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
"""The chances of a pop line starting with a leap (``LeapStyle.across``) that ``--fit-pop-starts`` tries."""
CANDIDATE_ACROSS = 0.3
"""The fit's pick on the development half (0.360 against 0.387; 0.2 gave 0.289, 0.4 0.448), measured beside
the shipped chance (0: not kept, docs/SONGS.md)."""


def fit_pop_across(real_dev: dict[str, float], seeds: int = POP_SEEDS) -> dict:
    """For each of :data:`FIT_ACROSS`, partita's pop share of lines starting with a leap over a major third,
    and the one nearest POP909's development half (``real_dev``: :func:`pop909_starts`)."""
    got = {a: partita_pop_starts(seeds, across=a)["leap"] for a in FIT_ACROSS}
    return {
        "tried": got,
        "real": real_dev["leap"],
        "fit": min(got, key=lambda a: abs(got[a] - real_dev["leap"])),
    }


def pop_start_table(songs: int, seeds: int = POP_SEEDS, fit: bool = False) -> dict:
    """POP909's line starts on each half (``songs`` songs a half at most) beside partita's pop songs with the
    shipped ``across`` and with :data:`CANDIDATE_ACROSS`, and the fit (``fit``) on the development half."""
    out = {
        "development": pop909_starts("development", songs),
        "held_out": pop909_starts("held_out", songs),
        "partita": partita_pop_starts(seeds),
        "partita_candidate": partita_pop_starts(seeds, across=CANDIDATE_ACROSS),
        "seeds": seeds,
    }
    if fit:
        out["fit"] = fit_pop_across(out["development"], seeds)
    return out


def pop_start_rows(t: dict, command: str) -> list[dict]:
    """The rows of :func:`pop_start_table`: partita's pop line starts against POP909's on each half."""
    from common import row

    p, p0 = t["partita"], t["partita_candidate"]
    other = f"across {CANDIDATE_ACROSS} (the development half's fit, not shipped)"
    rows = []
    for half in ("development", "held_out"):
        r = t[half]
        label = "development half (fitted on)" if half == "development" else "held-out half"
        rows.append(
            row(f"pop, POP909 {label}: lines starting with a leap over a major third, partita",
                p["leap"], "share", command, f"POP909's melodies, {label}", r["leap"],
                goal="near POP909's", notes=f"{r['line_starts']} line starts (a note after a beat's "
                f"silence) of {r['songs']} songs ({'even' if half == 'development' else 'odd'} ids of "
                f"1-800); partita: {p['line_starts']} lyric line starts (bench_song.TEXTS sung as pop, "
                f"seeds 0-{t['seeds'] - 1}); {other}: {p0['leap']:.3f}; mean interval into the line: "
                f"partita {p['mean_interval']:.2f}, {other} {p0['mean_interval']:.2f}, POP909 "
                f"{r['mean_interval']:.2f} semitones")
        )  # fmt: skip
    r = t["held_out"]
    for key, label in (
        ("downbeat", "on the downbeat"),
        ("before_bar", "on the bar's last beat or after it (a pickup)"),
        ("chord_tone", "on a chord tone"),
        ("root", "on the chord's root"),
        ("tonic_triad", "on a note of the tonic triad"),
    ):
        rows.append(
            row(f"pop, POP909 held-out half: lines starting {label}, partita", p[key], "share", command,
                "POP909's melodies, held-out half", r[key], goal="near POP909's",
                notes=f"development half: POP909 {t['development'][key]:.3f}; {other}: {p0[key]:.3f}")
        )  # fmt: skip
    return rows
