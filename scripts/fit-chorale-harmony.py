"""Fit the chord-per-beat tables of :mod:`partita.analysis.chorale_harmony` on Bach's training chorales.

Reads the training split of the built corpus ``all`` (music21's Bach chorales in 4/4 and 3/4, as MusicXML:
their fermatas mark the phrase ends), labels each beat with the chord its voices sound
(:func:`~partita.analysis.chorale_harmony.label_beat`), relative to the chorale's key, and counts the
start, transition and bass tables, smoothed, and fits the classifier that reads the soprano
(:func:`~partita.analysis.chorale_harmony.features`); writes
``src/partita/analysis/chorale_harmony.json`` with the counts it was fitted on. Held-out (test) and
validation chorales are never read.

    python scripts/fit-chorale-harmony.py [--limit N] [--out PATH] [--C 1.0]
    python scripts/fit-chorale-harmony.py --validate   # the fitted tables on the validation chorales
"""

from __future__ import annotations

import argparse
import json
import logging
from collections import Counter
from pathlib import Path

import numpy as np

from partita.analysis.chorale_harmony import (
    MIN_COUNT,
    NAMES,
    QUALITIES,
    TABLE_PATH,
    ChoraleTables,
    beat_weights,
    features,
    label_beat,
    soprano_beats,
    state_of,
    tables_to_json,
)
from partita.analysis.key import parse_key

log = logging.getLogger("fit-chorale-harmony")
VOICES = ("soprano", "alto", "tenor", "bass")


def read_chorale(path: str):
    """(voices' notes as (start, end, pitch) arrays top down, beats as (time, downbeat), the soprano's
    fermata note starts) of a MusicXML chorale in quarters; None where it has not four named voices or its
    meter is not 4/4 or 3/4."""
    from music21 import converter, expressions

    s = converter.parse(path)
    parts = {}
    for p in s.parts:
        name = (p.partName or p.id or "").strip().lower()
        for v in VOICES:
            if name.startswith(v) and v not in parts:
                parts[v] = p
    if len(parts) != 4:
        return None
    sigs = {ts.ratioString for ts in parts["soprano"].recurse().getElementsByClass("TimeSignature")}
    if not sigs or not sigs <= {"4/4", "3/4"}:
        return None
    voices, fermatas = [], []
    for v in VOICES:
        notes = []
        for n in parts[v].stripTies().flatten().notes:
            start = float(n.offset)
            end = start + float(n.quarterLength)
            for p in getattr(n, "pitches", ()):
                notes.append((start, end, int(p.midi)))
            if v == "soprano" and any(isinstance(e, expressions.Fermata) for e in n.expressions):
                fermatas.append(start)
        arr = np.array(sorted(notes), dtype=float).reshape(-1, 3)
        voices.append(arr)
    beats = []
    for m in parts["soprano"].getElementsByClass("Measure"):
        pad = float(m.paddingLeft or 0.0)
        for j in range(int(round(float(m.duration.quarterLength)))):
            if float(j + pad).is_integer():
                beats.append((float(m.offset) + j, j + pad == 0))
    return voices, beats, fermatas


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="at most this many chorales (0: all)")
    ap.add_argument("--out", type=Path, default=TABLE_PATH)
    ap.add_argument("--C", type=float, default=1.0, help="the classifier's inverse regularisation")
    ap.add_argument(
        "--validate", action="store_true", help="only decode the validation chorales with the tables at --out"
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    import pandas as pd

    manifest = pd.read_parquet("data/corpora/all/manifest.parquet")
    if args.validate:
        valid = manifest[(manifest.source == "music21:bach") & (manifest.split == "valid")]
        print(json.dumps(validate(valid, args.out), indent=1))
        return
    train = manifest[(manifest.source == "music21:bach") & (manifest.split == "train")]
    if args.limit:
        train = train.head(args.limit)
    n_states = 12 * len(NAMES)
    counts = {
        mode: {
            "start": np.zeros(n_states), "down": np.zeros((n_states, n_states)),
            "beat": np.zeros((n_states, n_states)), "all": np.zeros(n_states),
            "bass": np.zeros((len(NAMES), 5, 4)), "x": [], "y": [],
        }
        for mode in ("major", "minor")
    }  # fmt: skip
    used, skipped, changes, bars, found = 0, 0, 0, 0, Counter()
    for rec in train.itertuples():
        got = read_chorale(rec.origin_path)
        if got is None or not isinstance(rec.key, str):
            skipped += 1
            continue
        voices, beats, fermatas = got
        index = parse_key(rec.key)
        tonic, mode = index % 12, "minor" if index >= 12 else "major"
        c = counts[mode]
        every = np.concatenate(voices)
        starts, ends_, pitches = every[:, 0], every[:, 1], every[:, 2].astype(np.int64)
        times = [t for t, _ in beats] + [beats[-1][0] + 1.0]
        sop = soprano_beats(
            [tuple(x) for x in voices[0].tolist()], times, {t for t, down in beats if down}, tonic
        )
        fermata_beats = {int(np.searchsorted(times[:-1], f + 1e-6, side="right") - 1) for f in fermatas}
        guessed = set(np.flatnonzero(sop.ends).tolist())
        found["fermata beats"] += len(fermata_beats)
        found["long-note ends"] += len(guessed)
        found["both"] += len(guessed & fermata_beats)
        c["x"].append(features(sop))
        prev, labels = None, []
        for t, (a, down) in enumerate(beats):
            w, bass = beat_weights(starts, ends_, pitches, a, times[t + 1])
            chord = label_beat(w, bass)
            if chord is None:
                prev = None
                labels.append(-1)
                continue
            s = state_of((chord[0] - tonic) % 12, chord[1])
            labels.append(s)
            c["all"][s] += 1
            if prev is None:
                c["start"][s] += 1
            else:
                (c["down"] if down else c["beat"])[prev, s] += 1
                changes += int(prev != s)
            bars += int(down)
            prev = s
            intervals = QUALITIES[chord[1]]
            if bass is not None and (bass - chord[0]) % 12 in intervals:
                above = None if sop.on[t] is None else (sop.on[t] + tonic - chord[0]) % 12
                row = intervals.index(above) if above in intervals else 4
                c["bass"][NAMES.index(chord[1]), row, intervals.index((bass - chord[0]) % 12)] += 1
        c["y"].append(np.array(labels))
        used += 1
        if used % 25 == 0:
            log.info("%d chorales read", used)
    modes = {mode: fitted(c, args.C) for mode, c in counts.items()}
    out = {
        "fitted_by": "python scripts/fit-chorale-harmony.py" + (f" --C {args.C:g}" if args.C != 1.0 else ""),
        "data": "built corpus 'all', split train, music21:bach (MusicXML), 4/4 and 3/4, four named voices",
        "chorales": used,
        "skipped": skipped,
        "beats": int(sum(c["all"].sum() for c in counts.values())),
        "chord_changes_a_bar": round(changes / max(1, bars), 3),
        "phrase_ends": {k: int(v) for k, v in found.items()},
        "states": {mode: len(t.states) for mode, t in modes.items()},
        "modes": {mode: tables_to_json(t) for mode, t in modes.items()},
    }
    args.out.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    summary = {k: v for k, v in out.items() if k != "modes"}
    print(json.dumps(summary, indent=1))


def validate(records, path: Path) -> dict:
    """The tables at ``path`` on the chorales of ``records`` (the validation split): the share of beats whose
    decoded chord (and root) is the one the voices sing there, chord changes a bar and chords a chorale,
    decoded and sung."""
    from partita.analysis.chorale_harmony import chord_of, decode, load_tables

    tables = load_tables(str(path))
    right = root = n = changes = sung_changes = bars = 0
    chords, sung_chords = [], []
    for rec in records.itertuples():
        got = read_chorale(rec.origin_path)
        if got is None or not isinstance(rec.key, str):
            continue
        voices, beats, _ = got
        index = parse_key(rec.key)
        tonic = index % 12
        every = np.concatenate(voices)
        starts, ends_, pitches = every[:, 0], every[:, 1], every[:, 2].astype(np.int64)
        times = [t for t, _ in beats] + [beats[-1][0] + 1.0]
        sop = soprano_beats(
            [tuple(x) for x in voices[0].tolist()], times, {t for t, down in beats if down}, tonic
        )
        path = decode(tables["minor" if index >= 12 else "major"], sop)
        sung = []
        for t in range(len(beats)):
            w, bass = beat_weights(starts, ends_, pitches, times[t], times[t + 1])
            chord = label_beat(w, bass)
            sung.append(None if chord is None else state_of((chord[0] - tonic) % 12, chord[1]))
        for got_state, real in zip(path, sung, strict=True):
            if real is not None:
                n += 1
                right += int(got_state == real)
                root += int(chord_of(got_state)[0] == chord_of(real)[0])
        changes += sum(a != b for a, b in zip(path, path[1:], strict=False))
        sung_changes += sum(
            a != b for a, b in zip(sung, sung[1:], strict=False) if a is not None and b is not None
        )
        bars += sum(down for _, down in beats)
        chords.append(len(set(path)))
        sung_chords.append(len({s for s in sung if s is not None}))
    return {
        "chorales": len(chords),
        "beats": n,
        "chord as sung": round(right / max(1, n), 3),
        "root as sung": round(root / max(1, n), 3),
        "chord changes a bar": round(changes / max(1, bars), 3),
        "sung chord changes a bar": round(sung_changes / max(1, bars), 3),
        "chords a chorale": round(float(np.mean(chords)), 2),
        "sung chords a chorale": round(float(np.mean(sung_chords)), 2),
    }


def fitted(c: dict, strength: float) -> ChoraleTables:
    """A mode's tables from its counts and beats: the smoothed transitions, and the classifier
    (multinomial logistic regression, ``strength`` its inverse regularisation) on the beats whose chord is a
    state."""
    from sklearn.linear_model import LogisticRegression

    keep = np.flatnonzero(c["all"] >= MIN_COUNT)
    uni = c["all"][keep] + 1.0
    uni = uni / uni.sum()

    def rows(m: np.ndarray) -> np.ndarray:
        return np.log((m + uni[None, :]) / (m.sum(axis=1, keepdims=True) + 1.0))

    index = {int(s): i for i, s in enumerate(keep)}
    x, y = np.concatenate(c["x"]), np.concatenate(c["y"])
    known = np.array([int(v) in index for v in y])
    x, y = x[known], np.array([index[int(v)] for v in y[known]])
    clf = LogisticRegression(C=strength, max_iter=500).fit(x, y)
    weights = np.full((x.shape[1], len(keep)), -30.0)
    bias = np.full(len(keep), -30.0)
    weights[:, clf.classes_] = clf.coef_.T
    bias[clf.classes_] = clf.intercept_
    start = (c["start"][keep] + uni) / (c["start"][keep].sum() + 1.0)
    bass = c["bass"] + 0.5
    return ChoraleTables(
        states=keep,
        prior=np.log(uni),
        start=np.log(start),
        into_downbeat=rows(c["down"][np.ix_(keep, keep)]),
        into_beat=rows(c["beat"][np.ix_(keep, keep)]),
        weights=weights,
        bias=bias,
        bass=np.log(bass / bass.sum(axis=2, keepdims=True)),
    )


if __name__ == "__main__":
    main()
