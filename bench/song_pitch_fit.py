"""Fit pop's learned pitches (issue 25): the interval table of :mod:`partita.generation.song_pitch`'s
learned lines (``pop_pitch.json`` beside it), read from the vocal melodies of POP909's development half
(even ids of songs 1-800; 801-909 are never read), each note put on its own beat annotations on a sixteenth
grid in 4/4 as ``song_realism.melody_score`` puts it, with the chord of ``chord_midi.txt`` sounding at its
start.

A phrase is a run of notes with no silence of a beat or more inside it, of three notes or more (as
``song_rhythm_fit.py``); notes starting together keep the highest. An interval is counted in scale-step
classes (:func:`step_class`: 0 a repeated note, 1 a second, 2 a third, 3 a fourth or tritone, 4 a fifth,
5 a sixth, 6 a seventh, 7 an octave or more; signed), by its context:

- ``prev``: the interval before it ("start": a phrase's first note, from the last note of the phrase
  before; "first": its second note, no interval before it in the phrase; "0"; "+1" / "-1" a step;
  "+2" / "-2" a third; "+L" / "-L" a fourth or more);
- ``gap``: the time from the note before to this one ("short": a sixteenth or an eighth; "quarter": three
  or four sixteenths; "long": more);
- ``metric``: where the note falls ("strong": the downbeat or beat 3; "beat": beat 2 or 4; "off").

Also counted: the share of notes that are chord tones (root, third or fifth of the chord sounding) by
``metric``; the share of each degree of the key's scale among the notes in major and in minor keys
(``key_audio.txt``'s key at the note's start; the natural minor scale, its seventh counting the leading tone
too; notes outside the scale left out); and, printed only, the shares of repeated notes, steps, thirds and
leaps (a fourth or more) by the interval's place in its phrase, by ``metric`` and by ``gap``.

With ``--fit-correct`` it then fits :attr:`partita.generation.song_pop_pitch.PopPitch.correct` (and
``correct_tones``): partita sings ``bench_song.py``'s English texts (pop's learned rhythm) and the Tang poems
of ``bench/prompts/zh_lyrics.txt`` (pop) with seeds 0 .. ``--seeds`` - 1, counts the sizes of the intervals
between their notes, and multiplies each size's weight by (the development half's share / the sung share)
to the power 0.8, :data:`FIT_ROUNDS` times; it prints each round's sizes and weights (the last are the fit).
With ``--fit-rules`` it fits ``PopPitch.correct_rules`` the same way on the English texts sung on pop's
rules' rhythm (the default for English lyrics).

    python bench/song_pitch_fit.py [--write] [--fit-correct] [--fit-rules] [--seeds 3]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from partita.generation.song_pop_pitch import gap_label, metric_label  # noqa: E402
from song_pop909 import _chord_pcs, pop909_ids  # noqa: E402
from song_realism import FOUR_FOUR, STEPS, _beats  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "partita" / "generation" / "pop_pitch.json"
GAP = 4  # sixteenths of silence that end a phrase
PREV = ("start", "first", "0", "+1", "-1", "+2", "-2", "+L", "-L")
GAPS = ("short", "quarter", "long")
METRIC = ("strong", "beat", "off")
CLASSES = tuple(range(-7, 8))
SMOOTH = 5.0
"""Pseudo-counts of a context's table drawn from the table of its (gap, metric) over every ``prev``."""


SIZES = (0, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 6)
"""The scale-step class of an interval of 0-11 semitones (12 or more: 7)."""


def step_class(semitones: int) -> int:
    """The signed scale-step class of an interval in semitones (0 a repeat, 1 a second ... 7 an octave or
    more)."""
    k = SIZES[abs(semitones)] if abs(semitones) < 12 else 7
    return k if semitones >= 0 else -k


def prev_label(k: int | None) -> str:
    if k is None:
        return "first"
    if abs(k) >= 3:
        return "+L" if k > 0 else "-L"
    return f"{k:+d}" if k else "0"


PITCH_CLASS = {"C": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "F": 5, "F#": 6, "Gb": 6, "G": 7,
               "G#": 8, "Ab": 8, "A": 9, "A#": 10, "Bb": 10, "B": 11}  # fmt: skip
SCALES = {"maj": (0, 2, 4, 5, 7, 9, 11), "min": (0, 2, 3, 5, 7, 8, 10)}


def _key_at(keys: list[tuple[float, float, str]], t: float) -> tuple[int, str] | None:
    """(tonic pitch class, "maj" or "min") of the key sounding at ``t`` seconds; None if none is read."""
    for a, b, label in keys:
        if a <= t < b and ":" in label:
            tonic, mode = label.split(":", 1)
            if tonic in PITCH_CLASS and mode in SCALES:
                return PITCH_CLASS[tonic], mode
    return None


def degree_of(pitch: int, key: tuple[int, str] | None) -> tuple[str, int] | None:
    """(mode, scale degree 0-6) of ``pitch`` in ``key`` (a minor key's leading tone as its seventh); None
    outside the scale."""
    if key is None:
        return None
    rel = (pitch - key[0]) % 12
    scale = SCALES[key[1]]
    if key[1] == "min" and rel == 11:
        return key[1], 6
    return (key[1], scale.index(rel)) if rel in scale else None


def read_song(folder: Path) -> list[tuple[int, int, int, tuple | None, tuple | None]] | None:
    """(onset, end, pitch, chord pitch classes, (mode, degree)) of a song's melody notes, onsets and ends in
    sixteenths from its first bar's downbeat (as ``song_realism.melody_score``: None where the song is not
    mostly 4/4)."""
    import symusic

    midi = symusic.Score(str(folder / f"{folder.name}.mid"), ttype="second")
    melody = next((t for t in midi.tracks if t.name.strip().upper() == "MELODY"), None)
    if melody is None or len(melody.notes) < 8:
        return None
    grid = np.loadtxt(folder / "beat_midi.txt", ndmin=2)
    beats, downbeats = grid[:, 0], np.flatnonzero(grid[:, 2] == 1.0)
    gaps = np.diff(downbeats)
    if len(beats) < 8 or len(gaps) < 2 or np.mean(gaps == 4) < FOUR_FOUR:
        return None
    chords = []
    for line in (folder / "chord_midi.txt").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3:
            chords.append((float(parts[0]), float(parts[1]), _chord_pcs(parts[2])))
    starts_c = [c[0] for c in chords]
    keys = []
    for line in (folder / "key_audio.txt").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3:
            keys.append((float(parts[0]), float(parts[1]), parts[2]))
    notes = sorted(melody.notes, key=lambda n: (n.time, -n.pitch))
    out, seen = [], set()
    for n in notes:
        on = round(float(_beats(beats, np.array([n.time]))[0]) * STEPS)
        off = max(on + 1, round(float(_beats(beats, np.array([n.time + n.duration]))[0]) * STEPS))
        k = int(np.searchsorted(downbeats * STEPS, on, side="right")) - 1
        if k < 0 or on - downbeats[k] * STEPS >= 16 or on in seen:
            continue
        seen.add(on)
        slot = (on - downbeats[k] * STEPS) + 16 * k  # bar k's downbeat at 16 k: metric place on % 16
        j = max(0, int(np.searchsorted(starts_c, n.time, side="right")) - 1)
        chord = chords[j][2] if chords and chords[j][0] <= n.time < chords[j][1] else None
        degree = degree_of(int(n.pitch), _key_at(keys, n.time))
        out.append((int(slot), int(slot + off - on), int(n.pitch), chord, degree))
    return out


def phrases(notes: list[tuple]) -> list[list[tuple]]:
    out, cur = [], []
    for i, note in enumerate(notes):
        cur.append(note)
        nxt = notes[i + 1][0] if i + 1 < len(notes) else None
        if nxt is None or nxt - note[1] >= GAP:
            if len(cur) >= 3:
                out.append(cur)
            cur = []
    return out


def kind(k: int) -> str:
    a = abs(k)
    return "repeat" if a == 0 else "step" if a == 1 else "third" if a == 2 else "leap"


def count(folders: list[Path]) -> dict:
    table: dict[tuple, Counter] = defaultdict(Counter)
    chord_tone: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by: dict[str, Counter] = defaultdict(Counter)
    degrees: dict[str, Counter] = defaultdict(Counter)
    read = 0
    for folder in folders:
        notes = read_song(folder)
        if not notes:
            continue
        read += 1
        last_pitch = None
        for ph in phrases(notes):
            prev = None
            for i, (on, _, pitch, chord, degree) in enumerate(ph):
                metric = metric_label(on)
                if degree is not None:
                    degrees[degree[0]][degree[1]] += 1
                if chord is not None:
                    chord_tone[metric][0] += pitch % 12 in chord
                    chord_tone[metric][1] += 1
                if i == 0:
                    if last_pitch is not None:
                        k = step_class(pitch - last_pitch)
                        table[("start", "long", metric)][k] += 1
                        by["place: across lines"][kind(k)] += 1
                    continue
                gap = gap_label(on - ph[i - 1][0])
                k = step_class(pitch - ph[i - 1][2])
                table[(prev_label(prev), gap, metric)][k] += 1
                place = "first" if i == 1 else "last" if i == len(ph) - 1 else "middle"
                by[f"place: {place}"][kind(k)] += 1
                by[f"metric: {metric}"][kind(k)] += 1
                by[f"gap: {gap}"][kind(k)] += 1
                by[f"after: {prev_label(prev)}"][kind(k)] += 1
                by["all"][kind(k)] += 1
                prev = k
            last_pitch = ph[-1][2]
    return {"table": table, "chord_tone": chord_tone, "by": by, "read": read, "degrees": degrees}


def smoothed(table: dict[tuple, Counter]) -> dict[str, list[float]]:
    """Each context's probabilities over :data:`CLASSES`, smoothed toward its (gap, metric) table."""
    back: dict[tuple, Counter] = defaultdict(Counter)
    for (prev, gap, metric), c in table.items():
        if prev != "start":
            back[(gap, metric)].update(c)
    out = {}
    for prev in PREV:
        for gap in GAPS if prev != "start" else ("long",):
            for metric in METRIC:
                c = table.get((prev, gap, metric), Counter())
                b = back[(gap, metric)]
                bt = sum(b.values()) or 1
                total = sum(c.values()) + SMOOTH
                probs = [(c[k] + SMOOTH * (b[k] + 0.5) / (bt + 7.5)) / total for k in CLASSES]
                s = sum(probs)
                out[f"{prev}|{gap}|{metric}"] = [round(p / s, 4) for p in probs]
    return out


FIT_ROUNDS = 4
WEIGHT_MAX = 3.0
"""The widest weight (and 1 / it the narrowest): sevenths are rare (0.006 of POP909's intervals), their
weight is noise."""


def sung_sizes(style, seeds: int, names: tuple[str, ...] = ("en", "zh")) -> dict[str, np.ndarray]:
    """The shares of interval sizes (0-7 scale-step classes) between the notes of partita's English lines
    (pop, learned rhythm: ``en``), Chinese lines (pop: ``zh``) and English lines on the rules' rhythm
    (``rules``) sung with learned pitches ``style``."""
    from bench_song_realism import ZH_LYRICS, english_texts
    from partita.generation import song_pop_pitch
    from partita.generation.song import sing
    from partita.lyrics import read_lyrics

    kept = song_pop_pitch.STYLE_PITCH["pop"]
    song_pop_pitch.STYLE_PITCH["pop"] = style
    sets = {
        "en": (english_texts(), {"learned": True}),
        "zh": ([ZH_LYRICS.read_text(encoding="utf-8")], {}),
        "rules": (english_texts(), {}),
    }
    sets = {k: v for k, v in sets.items() if k in names}
    out = {}
    try:
        for name, (texts, kw) in sets.items():
            c = np.zeros(8)
            for text in texts:
                lyrics = read_lyrics(text)
                for seed in range(seeds):
                    p = [n.pitch for n in sing(lyrics, seed=seed, style="pop", **kw).notes]
                    for a, b in zip(p, p[1:], strict=False):
                        c[abs(step_class(b - a))] += 1
            out[name] = c / c.sum()
    finally:
        song_pop_pitch.STYLE_PITCH["pop"] = kept
    return out


def fit_correct(target: np.ndarray, seeds: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """``PopPitch.correct`` and ``correct_tones`` fitted as the module's docstring says."""
    from dataclasses import replace

    from partita.generation.song_pop_pitch import STYLE_PITCH

    base = STYLE_PITCH["pop"]
    corr = {"en": np.ones(8), "zh": np.ones(8)}
    used = {}
    for r in range(FIT_ROUNDS + 1):
        used = {k: tuple(round(float(x), 2) for x in v) for k, v in corr.items()}
        got = sung_sizes(replace(base, correct=used["en"], correct_tones=used["zh"]), seeds)
        for k in corr:
            print(f"round {r} {k}: weights {list(used[k])} sizes {np.round(got[k], 3).tolist()}")
            corr[k] = corr[k] * (target / np.maximum(got[k], 1e-4)) ** 0.8
            corr[k] = np.clip(corr[k] / corr[k][1], 1 / WEIGHT_MAX, WEIGHT_MAX)
    return used["en"], used["zh"]  # the last round's weights (their sizes printed)


def fit_rules(target: np.ndarray, seeds: int) -> tuple[float, ...]:
    """``PopPitch.correct_rules`` fitted as :func:`fit_correct` fits ``correct``, on the English texts sung
    on pop's rules' rhythm (``STYLE_RHYTHM``, the default for English)."""
    from dataclasses import replace

    from partita.generation.song_pop_pitch import STYLE_PITCH

    base = STYLE_PITCH["pop"]
    corr, used = np.ones(8), ()
    for r in range(FIT_ROUNDS + 1):
        used = tuple(round(float(x), 2) for x in corr)
        got = sung_sizes(replace(base, correct_rules=used), seeds, ("rules",))["rules"]
        print(f"round {r} rules: weights {list(used)} sizes {np.round(got, 3).tolist()}")
        corr = corr * (target / np.maximum(got, 1e-4)) ** 0.8
        corr = np.clip(corr / corr[1], 1 / WEIGHT_MAX, WEIGHT_MAX)
    return used


def main() -> None:
    from partita.paths import shared_data_dir

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help=f"save the tables to {OUT.relative_to(ROOT)}")
    ap.add_argument("--songs", type=int, default=None, help="the first songs of the half only")
    ap.add_argument("--fit-correct", action="store_true", help="also fit PopPitch.correct (sings partita's)")
    ap.add_argument(
        "--fit-rules", action="store_true", help="also fit PopPitch.correct_rules (sings partita's)"
    )
    ap.add_argument("--seeds", type=int, default=3, help="seeds each text is sung with for --fit-correct")
    args = ap.parse_args()
    folders = pop909_ids(shared_data_dir() / "pop909", "development")[: args.songs]
    got = count(folders)
    n = sum(sum(c.values()) for c in got["table"].values())
    print(f"# {got['read']} POP909 development-half melodies (even ids of 1-800), {n} intervals")
    for name in sorted(got["by"]):
        c = got["by"][name]
        t = sum(c.values())
        shares = ", ".join(f"{k} {c[k] / t:.3f}" for k in ("repeat", "step", "third", "leap"))
        print(f"{name:24s} n={t:6d}  {shares}")
    sizes = Counter()
    for c in got["table"].values():
        for k, v in c.items():
            sizes[abs(k)] += v
    target = np.array([sizes[k] / n for k in range(8)])
    print("interval sizes (scale steps 0-7, across lines too):", np.round(target, 4).tolist())
    ct = {m: round(a / b, 4) for m, (a, b) in got["chord_tone"].items() if b}
    print("chord tones by metric:", ct)
    deg = {}
    for mode, c in sorted(got["degrees"].items()):
        t = sum(c.values())
        deg["major" if mode == "maj" else "minor"] = [round(c[k] / t, 4) for k in range(7)]
    print("scale degrees:", deg)
    data = {
        "source": "POP909 development half (even ids of songs 1-800), bench/song_pitch_fit.py",
        "songs": got["read"],
        "intervals": n,
        "classes": list(CLASSES),
        "prev": list(PREV),
        "gaps": list(GAPS),
        "metric": list(METRIC),
        "table": smoothed(got["table"]),
        "chord_tone": ct,
        "degrees": deg,
    }
    if args.write:
        OUT.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {OUT}")
    if args.fit_correct:
        print("fit: correct={}, correct_tones={}".format(*fit_correct(target, args.seeds)))
    if args.fit_rules:
        print(f"fit: correct_rules={fit_rules(target, args.seeds)}")


if __name__ == "__main__":
    main()
