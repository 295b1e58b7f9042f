"""Pop accompaniment from POP909's own figures, re-voiced to a melody's chords (AccoMontage's idea).

AccoMontage (Zhao and Xia, ISMIR 2021) accompanies a melody by choosing passages of real POP909 piano parts
whose harmonic rhythm fits and re-voicing them to the melody's chords. partita-small's sampled parts under a
pop melody are told from real ones by a classifier nearly every time (too many parts, too many notes striking
together); here the *figure* (which notes sound when, how long, how loud, in which register) comes from the
opening of a POP909 training song, each note moved to the new chord:

- :func:`song_passages` cuts a song's opening into 16 whole bars of 4 beats with one chord a beat (POP909's
  annotations), keeping its PIANO and BRIDGE parts and where its melody sings;
  ``scripts/fit-pop-textures.py`` stores those of the training songs as :data:`LIBRARY_FILE` (safetensors);
- :func:`choose_passage` draws one whose chord changes fall where the melody's chords' do, as often minor,
  whose own melody sings in the bars the new one does;
- :func:`revoice` moves each note by the change of key and then the least it can to fit the new chord (a
  chord tone to the nearest tone of the new chord, keeping a seventh's colour; the bass to the root; a note
  between to the same distance from the new root), so the figure's lines run as they ran;
- :func:`figure_candidates` gives :meth:`partita.Generator.accompany` its candidates for the styles in
  :data:`FIGURE_STYLES` (``figures=True`` asks for it in any 4/4 melody).

Written here rather than taken from a library: AccoMontage's code re-voices with a trained VAE (poly-dis)
and reads POP909 through its own pipeline; no maintained package re-voices symbolic figures.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from symusic import Note, Track

from partita.analysis.chords import QUALITIES
from partita.atomic import atomic_path
from partita.generation.candidates import Candidate
from partita.generation.harmony import root_pitch_class
from partita.score import Score

LIBRARY_FILE = Path(__file__).with_name("pop_textures.safetensors")
GRID = 12
"""Steps of a beat the library stores onsets and lengths in (sixteenths and eighth-note triplets)."""
BEATS = 4
"""Beats of a bar the library holds (POP909's songs are counted in four; other meters are not arranged)."""
QUALITY_NAMES: tuple[str, ...] = tuple(QUALITIES)
PARTS = ("PIANO", "BRIDGE")
"""The POP909 parts a passage keeps (its MELODY is the new piece's own)."""
_MAJOR = (0, 2, 4, 5, 7, 9, 11)
_MINOR = (0, 2, 3, 5, 7, 8, 10)


@dataclass
class TextureLibrary:
    """Passages of real accompaniment: ``notes`` rows (passage, onset, length, pitch, velocity, part) with
    onset and length in 1/:data:`GRID` beats from the passage's start; ``roots`` / ``qualities`` one chord a
    beat of each passage (root -1: no chord); ``bars`` a passage's length in bars."""

    notes: np.ndarray
    roots: np.ndarray
    qualities: np.ndarray
    bars: int
    songs: list[str]
    sung: np.ndarray | None = None
    """Whether the passage's own melody sings in each of its bars (passages x bars)."""
    tonics: np.ndarray | None = None
    """The tonic pitch class of each passage's song (POP909's key annotation)."""

    def __len__(self) -> int:
        return len(self.roots)

    def passage(self, index: int) -> np.ndarray:
        """The note rows of one passage."""
        return self.notes[self.notes[:, 0] == index]

    def save(self, path: str | Path) -> Path:
        from safetensors.numpy import save_file

        path = Path(path)
        meta = {"bars": str(self.bars), "songs": json.dumps(self.songs), "grid": str(GRID)}
        tensors = {
            "notes": self.notes.astype(np.int16),
            "roots": self.roots.astype(np.int8),
            "qualities": self.qualities.astype(np.int8),
        }
        if self.sung is not None:
            tensors["sung"] = self.sung.astype(np.int8)
        if self.tonics is not None:
            tensors["tonics"] = self.tonics.astype(np.int8)
        with atomic_path(path) as tmp:
            save_file(tensors, str(tmp), metadata=meta)
        return path


def load_texture_library(path: str | Path = LIBRARY_FILE) -> TextureLibrary:
    """The library saved by :meth:`TextureLibrary.save` (the shipped one by default)."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no texture library at {path}: build it with scripts/fit-pop-textures.py")
    with safe_open(str(path), framework="numpy") as f:
        meta = f.metadata() or {}
        arrays = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (safe_open is not a mapping)
    return TextureLibrary(
        notes=arrays["notes"].astype(np.int64),
        roots=arrays["roots"].astype(np.int64),
        qualities=arrays["qualities"].astype(np.int64),
        bars=int(meta.get("bars", 16)),
        songs=json.loads(meta.get("songs", "[]")),
        sung=arrays["sung"].astype(np.int64) if "sung" in arrays else None,
        tonics=arrays["tonics"].astype(np.int64) if "tonics" in arrays else None,
    )


# --------------------------------------------------------------------------------------- cutting a song


def beat_labels(beats: np.ndarray, segments: list[tuple[float, float, str]]) -> list[str]:
    """The chord label sounding at the middle of each beat (``beats``: starts plus the final end, in the
    segments' unit); ``N`` where none."""
    mids = (beats[:-1] + beats[1:]) / 2
    out = []
    for t in mids:
        label = "N"
        for a, b, lab in segments:
            if a <= t < b:
                label = lab
                break
        out.append(label)
    return out


def label_code(label: str) -> tuple[int, int]:
    """(root pitch class, index in :data:`QUALITY_NAMES`) of a chord label; (-1, 0) for ``N`` or one that
    does not read."""
    if label in ("N", "X", ""):
        return -1, 0
    from partita.generation.leadsheet import vocabulary_label

    try:
        label = vocabulary_label(label)
        return root_pitch_class(label), QUALITY_NAMES.index(label.partition(":")[2] or "maj")
    except (ValueError, KeyError):
        return -1, 0


def song_passages(
    score: Score,
    beat_ticks: np.ndarray,
    downbeat: np.ndarray,
    labels: list[str],
    bars: int = 16,
    most_intro: int = 8,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """The song's opening as a passage of ``bars`` whole 4-beat bars: (note rows, roots and qualities a beat,
    whether its melody sings in each bar); an empty list where the song has no such opening.

    ``beat_ticks`` are the song's beats in ticks, ``downbeat`` which of them start a bar, ``labels`` the chord
    of each beat. The passage starts at the first bar in which anything sounds, as a real song's first bars
    are cut for the realism benchmark, provided its melody comes in within ``most_intro`` bars and its chords
    are known on 8 beats in 10.
    """
    starts = np.flatnonzero(downbeat)
    four = {int(i) for i, j in zip(starts[:-1], starts[1:], strict=False) if j - i == BEATS}
    codes = [label_code(lab) for lab in labels]
    parts = {t.name.upper(): t for t in score.tracks}
    beat_pos = np.arange(len(beat_ticks), dtype=float)
    first_note = min((int(t.notes.numpy()["time"].min()) for t in score.tracks if len(t.notes)), default=None)
    if first_note is None:
        return []
    opening = [i for i in sorted(four) if beat_ticks[min(i + BEATS, len(beat_ticks) - 1)] > first_note]
    if not opening:
        return []
    first = opening[0]
    span = [first + BEATS * b for b in range(bars)]
    if any(x not in four for x in span) or span[-1] + BEATS >= len(codes):
        return []
    beats = range(first, first + BEATS * bars)
    if np.mean([codes[b][0] >= 0 for b in beats]) < 0.8:
        return []
    sung = np.array([_plays(parts.get("MELODY"), beat_ticks, x) for x in span], dtype=np.int64)
    if not sung[: most_intro + 1].any():
        return []
    rows = []
    end_tick = beat_ticks[first + BEATS * bars]
    for part, name in enumerate(PARTS):
        track = parts.get(name)
        if track is None or not len(track.notes):
            continue
        arr = track.notes.numpy()
        keep = (arr["time"] >= beat_ticks[first]) & (arr["time"] < end_tick)
        on = np.interp(arr["time"][keep], beat_ticks, beat_pos) - first
        off = np.minimum(
            np.interp(arr["time"][keep] + arr["duration"][keep], beat_ticks, beat_pos) - first, BEATS * bars
        )
        # on the sixteenth grid: one song's performed timing would not agree with another melody's
        on_q = np.round(on * 4).astype(np.int64) * (GRID // 4)
        len_q = np.maximum(1, np.round((off - on) * 4).astype(np.int64)) * (GRID // 4)
        part_col = np.full(len(on_q), part)
        rows.append(np.stack([on_q, len_q, arr["pitch"][keep], arr["velocity"][keep], part_col], 1))
    if not rows:
        return []
    roots = np.array([codes[b][0] for b in beats])
    quals = np.array([codes[b][1] for b in beats])
    return [(np.concatenate(rows).astype(np.int64), roots, quals, sung)]


def _plays(track, beat_ticks: np.ndarray, first_beat: int) -> bool:
    """Whether ``track`` starts a note in the bar of 4 beats from ``first_beat``."""
    if track is None or not len(track.notes):
        return False
    a, b = beat_ticks[first_beat], beat_ticks[min(first_beat + BEATS, len(beat_ticks) - 1)]
    t = track.notes.numpy()["time"]
    return bool(np.any((t >= a) & (t < b)))


# ------------------------------------------------------------------------------------- choosing, revoicing


def _changes(roots: np.ndarray, quals: np.ndarray) -> np.ndarray:
    code = roots * 16 + quals
    return np.concatenate([[True], code[1:] != code[:-1]])


def choose_passage(
    library: TextureLibrary,
    roots: np.ndarray,
    quals: np.ndarray,
    rng: np.random.Generator,
    top: int = 24,
    exclude: set[int] | frozenset[int] = frozenset(),
    sung: np.ndarray | None = None,
) -> int:
    """A passage whose chord changes (beat by beat, over the piece's first bars) fall where ``roots`` /
    ``quals``' do and whose chords are as often minor, and whose melody comes in within the piece's first
    half: drawn from the ``top`` best."""
    n = min(len(roots), library.roots.shape[1])
    want = _changes(roots[:n], quals[:n])
    minor_want = np.mean([QUALITY_NAMES[q].startswith(("min", "dim", "hdim")) for q in quals[:n]])
    have = np.array([_changes(r[:n], q[:n]) for r, q in zip(library.roots, library.qualities, strict=True)])
    minor = np.array(
        [
            np.mean([QUALITY_NAMES[x].startswith(("min", "dim", "hdim")) for x in q[:n]])
            for q in library.qualities
        ]
    )
    fit = (have == want[None, :]).mean(axis=1) - 0.5 * np.abs(minor - minor_want)
    if library.sung is not None and sung is not None:  # its melody sings in the bars the new one does
        m = min(len(sung), library.sung.shape[1])
        fit = fit + (library.sung[:, :m] == (np.asarray(sung[:m]) > 0)[None, :]).mean(axis=1)
    if exclude:
        fit[list(exclude)] = -np.inf
    best = np.argsort(-fit, kind="stable")[: max(1, top)]
    return int(rng.choice(best))


def _scale(tonic: int, minor: bool) -> np.ndarray:
    return np.array([(tonic + i) % 12 for i in (_MINOR if minor else _MAJOR)])


def revoice_pitch(
    pitch: int, src: tuple[int, int], dst: tuple[int, int], scale: np.ndarray, shift: int, bass: bool = False
) -> int:
    """``pitch`` moved by ``shift`` (from the passage's key to the piece's) and then the least it can to fit
    chord ``dst`` (root pitch class, quality index): a tone of the passage's chord ``src`` to the nearest tone
    of ``dst`` (a bass note on its root to ``dst``'s root), any other note to the nearest tone of ``scale``.
    Moving each note the least keeps the figure's lines as they ran."""
    aim = int(pitch) + int(shift)
    (sr, sq), (dr, dq) = src, dst
    if sr < 0 or dr < 0:
        tones = [int(x) for x in scale]
    else:
        dq = _coloured(sq, dq)
        interval = (int(pitch) - sr) % 12
        if interval in QUALITIES[QUALITY_NAMES[sq]]:
            chord = QUALITIES[QUALITY_NAMES[dq]]
            tones = [dr] if bass and interval == 0 else [(dr + i) % 12 for i in chord]
        else:  # a note between the chord's tones keeps its distance from the root
            tones = [(dr + interval) % 12]
    if not tones:
        return aim
    moves = [((t - aim + 6) % 12) - 6 for t in tones]
    return aim + min(moves, key=lambda m: (abs(m), m))


def _coloured(src_quality: int, dst_quality: int) -> int:
    """The new chord with the passage chord's colour where both are of one kind: a seventh or sixth over a
    major or minor triad stays (a figure that sounds C maj7 over C plays F maj7 over F)."""
    src, dst = QUALITY_NAMES[src_quality], QUALITY_NAMES[dst_quality]
    kinds = {"maj": ("maj", "maj7", "7", "maj6"), "min": ("min", "min7", "min6")}
    for kind in kinds.values():
        if src in kind and dst == kind[0]:
            return QUALITY_NAMES.index(src)
    return dst_quality


def revoice(
    rows: np.ndarray,
    src_roots: np.ndarray,
    src_quals: np.ndarray,
    roots: np.ndarray,
    quals: np.ndarray,
    scale: np.ndarray,
    shift: int = 0,
) -> np.ndarray:
    """A passage's note rows (onset, length, pitch, velocity, part) with each pitch moved from the passage's
    chord at its beat to the new chord at the same beat (:func:`revoice_pitch`); beats past the passage's end
    take its chords again from the start. The lowest note starting at an onset is the bass."""
    out = rows.copy()
    span = len(src_roots)
    lowest: dict[int, int] = {}
    for on, _ln, pitch, _vel, _part in rows:
        lowest[int(on)] = min(lowest.get(int(on), 999), int(pitch))
    for i, (on, _ln, pitch, _vel, _part) in enumerate(rows):
        beat = int(on // GRID)
        if beat >= len(roots):
            continue
        src = (int(src_roots[beat % span]), int(src_quals[beat % span]))
        dst = (int(roots[beat]), int(quals[beat]))
        moved = revoice_pitch(int(pitch), src, dst, scale, shift, bass=int(pitch) == lowest[int(on)])
        out[i, 2] = min(108, max(21, moved))
    return out


def figure_parts(
    melody: Score,
    bars: int,
    chords: list[str],
    key: str | None,
    library: TextureLibrary,
    rng: np.random.Generator,
    exclude: set[int] | frozenset[int] = frozenset(),
) -> tuple[Score, int] | None:
    """Parts for ``bars`` bars of 4/4 under ``melody`` (its ticks; bar 1 at tick 0): a passage of the
    library, drawn among those whose chord changes fit ``chords`` (one a bar, mir_eval labels) and not in
    ``exclude``, re-voiced to them in ``key`` (:func:`revoice`), repeated from its start where the melody is
    longer. Returns the parts (PIANO, and BRIDGE where the passage has one) and the passage's index; None
    where the melody is not in 4/4 or no chord is known."""
    if any((ts.numerator, ts.denominator) != (4, 4) for ts in melody.time_signatures) or bars < 1:
        return None
    codes = np.array([label_code(lab) for lab in chords[:bars]], dtype=np.int64).reshape(-1, 2)
    if not len(codes):
        return None
    filled = _filled(codes[:, 0])
    if filled is None:
        return None
    roots = np.repeat(filled, BEATS)
    quals = np.repeat(codes[:, 1], BEATS)
    tonic, minor = _key(key, filled)
    index = choose_passage(library, roots, quals, rng, exclude=exclude, sung=_sung_bars(melody, bars))
    rows = library.passage(index)[:, 1:]
    total = len(roots) * GRID
    span = library.roots.shape[1] * GRID
    rows = np.concatenate([rows + np.array([lap * span, 0, 0, 0, 0]) for lap in range(-(-total // span))])
    rows = rows[rows[:, 0] < total]
    rows[:, 1] = np.minimum(rows[:, 1], total - rows[:, 0])
    if library.sung is not None:
        rows = _bridge_rests(rows, library.sung[index], _sung_bars(melody, bars))
    shift = 0 if library.tonics is None else (tonic - int(library.tonics[index]) + 6) % 12 - 6
    moved = revoice(
        rows, library.roots[index], library.qualities[index], roots, quals, _scale(tonic, minor), shift
    )
    return _parts_score(_with_the_tune(moved, melody), melody.ticks_per_quarter), index


STRIKE_WITH = 2
"""A part's note starting this near a melody note's start (in 1/:data:`GRID` beats) starts with it: a figure
on the grid strikes with a melody played off it (a performed MIDI melody), as a pianist's would."""


def _with_the_tune(rows: np.ndarray, melody: Score) -> np.ndarray:
    """``rows`` (onset and length in 1/:data:`GRID` beats) with each onset within :data:`STRIKE_WITH` of a
    melody note's start moved onto it, its end kept."""
    tpq = melody.ticks_per_quarter
    starts = np.unique([n.time * GRID / tpq for t in melody.tracks for n in t.notes])
    if not len(starts) or not len(rows):
        return rows
    out = rows.astype(float)
    after = np.clip(np.searchsorted(starts, out[:, 0]), 0, len(starts) - 1)
    before = np.clip(after - 1, 0, len(starts) - 1)
    near = np.where(
        np.abs(starts[after] - out[:, 0]) < np.abs(starts[before] - out[:, 0]), starts[after], starts[before]
    )
    move = np.abs(near - out[:, 0]) <= STRIKE_WITH
    end = out[:, 0] + out[:, 1]
    out[move, 0] = near[move]
    out[:, 1] = np.maximum(end - out[:, 0], 0.25)
    return out


def _bridge_rests(rows: np.ndarray, source_sung: np.ndarray, sung: np.ndarray) -> np.ndarray:
    """``rows`` without the BRIDGE part's notes in the bars where the new melody sings and the passage's own
    did not, and its PIANO plays: there the bridge played its song's tune (an intro), which the new melody now
    sings over. Where the bridge is all there is, it stays (a bar without accompaniment under a sung one)."""
    bar = BEATS * GRID
    index = rows[:, 0] // bar
    theirs = np.asarray(source_sung)[index % len(source_sung)] > 0
    ours = np.asarray(sung)[np.minimum(index, len(sung) - 1)]
    piano = np.zeros(int(index.max()) + 1 if len(index) else 0, dtype=bool)
    piano[index[rows[:, 4] == PARTS.index("PIANO")]] = True
    drop = (rows[:, 4] == PARTS.index("BRIDGE")) & ours & ~theirs & piano[index]
    return rows[~drop]


def _sung_bars(melody: Score, bars: int) -> np.ndarray:
    """Whether the melody starts a note in each of its ``bars`` bars of 4/4 (bar 1 at tick 0)."""
    bar = BEATS * melody.ticks_per_quarter
    out = np.zeros(bars, dtype=bool)
    for track in melody.tracks:
        for n in track.notes:
            if 0 <= n.time // bar < bars:
                out[n.time // bar] = True
    return out


def _filled(roots: np.ndarray) -> np.ndarray | None:
    """Roots with each no-chord bar given the chord before it (or after, at the start); None: no chord."""
    known = np.flatnonzero(roots >= 0)
    if not len(known):
        return None
    out = roots.copy()
    for i in range(len(out)):
        if out[i] < 0:
            prev = known[known < i]
            out[i] = out[prev[-1]] if len(prev) else out[known[0]]
    return out


def _key(key: str | None, roots: np.ndarray) -> tuple[int, bool]:
    """The tonic pitch class and whether minor, of ``key`` (``"A minor"``) or else of the commonest root."""
    if key:
        tonic, _, mode = key.partition(" ")
        try:
            return root_pitch_class(tonic), mode.startswith("min")
        except KeyError:
            pass
    return int(np.bincount(roots, minlength=12).argmax()), False


def _parts_score(rows: np.ndarray, tpq: int) -> Score:
    """The note rows as a score of one track a part (program 0: the parts' instruments are the request's)."""
    out = Score(int(tpq))
    for part, name in enumerate(PARTS):
        sel = rows[rows[:, 4] == part]
        if not len(sel):
            continue
        track = Track(name=name, program=0)
        for on, length, pitch, velocity, _ in sel:
            tick = int(round(float(on) * tpq / GRID))
            track.notes.append(
                Note(tick, max(1, int(round(float(length) * tpq / GRID))), int(pitch), int(velocity))
            )
        track.notes.sort()
        out.tracks.append(track)
    return out


FIGURE_STYLES: frozenset[str] = frozenset({"pop"})
"""The styles whose accompaniment under a given melody is a library figure rather than the model's sampled
parts (:meth:`partita.Generator.accompany`, ``figures=None``). Pop's: under 16 held-out POP909 melodies the
figures were told from other songs' openings with accuracy 0.842 (Fréchet 20.7), the sampled parts 0.933
(27.0), the songs' own parts 0.642, in 0.3 s against 22.8 s an accompaniment (``python
bench/bench_accompany_figures.py``; development split 0.883 against 0.942)."""


@functools.lru_cache(maxsize=2)
def shipped_library(path: str = str(LIBRARY_FILE)) -> TextureLibrary:
    """The library at ``path``, loaded once per process."""
    return load_texture_library(path)


def figure_candidates(
    melody: Score, bars: int, chords: list[str], key: str | None, n: int, seed: int
) -> list[Candidate]:
    """``n`` candidates of parts under ``melody`` (:func:`figure_parts`), each from another passage of the
    shipped library; an empty list where the melody cannot take one (not 4/4, no chords)."""
    library = shipped_library()
    rng = np.random.default_rng(seed)
    out: list[Candidate] = []
    used: set[int] = set()
    for k in range(n):
        made = figure_parts(melody, bars, chords, key, library, rng, exclude=used)
        if made is None:
            return []
        parts, index = made
        used.add(index)
        song = library.songs[index] if index < len(library.songs) else f"passage {index}"
        cand = Candidate(rank=k + 1, score=parts, seed=seed, stop_reason="figure", sample=k + 1)
        cand.remarks.append(
            f"parts: the opening figure of {song} (POP909, training split), re-voiced to the chords"
        )
        out.append(cand)
    return out
