#!/usr/bin/env python3
"""Build the pop texture library (:mod:`partita.generation.pop_texture`) from POP909's training songs.

    python scripts/fit-pop-textures.py [--corpus all] [--bars 16] [--most 1] [--out PATH]

One passage of ``--bars`` whole 4-beat bars of each POP909 song in the corpus's ``train`` split (never its
valid or test songs, never POP909 801-909, which partita does not hold): its PIANO and BRIDGE parts and one
chord a beat from POP909's annotations (``chord_midi.txt``, timed by ``beat_midi.txt``). Writes
``src/partita/generation/pop_textures.safetensors`` by default.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _listed(value) -> list:
    if isinstance(value, str):
        return ast.literal_eval(value) if value not in ("None", "") else []
    return list(value) if value is not None else []


def four_beat_bars(downbeat: np.ndarray, labels: list[str]) -> np.ndarray | None:
    """Bar starts of 4 beats: the annotated ones where POP909 counts in four, every other one where it counts
    in two (at the phase where more chords change), None where it counts in three."""
    starts = np.flatnonzero(downbeat)
    if len(starts) < 4:
        return None
    gap = int(np.median(np.diff(starts)))
    if gap == 4:
        return downbeat
    if gap != 2:
        return None
    changes = np.array([i > 0 and labels[i] != labels[i - 1] for i in range(len(labels))] + [False])
    phases = [np.arange(starts[0] + off, len(downbeat), 4) for off in (0, 2)]
    best = max(phases, key=lambda idx: changes[idx[idx < len(changes)]].sum())
    out = np.zeros_like(downbeat)
    out[best] = True
    return out


def main() -> None:
    import symusic

    from partita.analysis.timeline import TempoMap
    from partita.corpus import load_corpus
    from partita.generation.harmony import root_pitch_class
    from partita.generation.pop_texture import LIBRARY_FILE, TextureLibrary, beat_labels, song_passages

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default="all")
    ap.add_argument("--bars", type=int, default=16)
    ap.add_argument("--out", default=str(LIBRARY_FILE))
    args = ap.parse_args()
    corpus = load_corpus(args.corpus)
    records = [r for r in corpus.records() if r["source"] == "pop909" and r["split"] == "train"]
    notes, roots, quals, sungs, tonics, songs = [], [], [], [], [], []
    for rec in records:
        score = symusic.Score(str(corpus.path / rec["midi_path"]))
        beats = np.asarray(_listed(rec["beats"]), dtype=float)
        if len(beats) < 8:
            continue
        downs = set(np.round(_listed(rec["downbeats"]), 6).tolist())
        segments = [(s["start"], s["end"], s["label"]) for s in _listed(rec["chord_segments"])]
        ends = np.append(beats, beats[-1] + (beats[-1] - beats[-2]))
        labels = beat_labels(ends, segments)
        ticks = TempoMap(score).ticks_at(ends)
        downbeat = four_beat_bars(np.array([round(b, 6) in downs for b in ends]), labels)
        if downbeat is None:
            continue
        for rows, r, q, sung in song_passages(score, ticks, downbeat, labels, args.bars):
            index = len(roots)
            notes.append(np.column_stack([np.full(len(rows), index), rows]))
            roots.append(r)
            quals.append(q)
            sungs.append(sung)
            tonics.append(root_pitch_class(str(rec["key"]).split()[0]))
            songs.append(rec["work_id"])
    library = TextureLibrary(
        notes=np.concatenate(notes),
        roots=np.stack(roots),
        qualities=np.stack(quals),
        bars=args.bars,
        songs=songs,
        sung=np.stack(sungs),
        tonics=np.array(tonics),
    )
    path = library.save(args.out)
    print(
        json.dumps(
            {
                "songs": len(records),
                "passages": len(library),
                "notes": int(len(library.notes)),
                "bytes": path.stat().st_size,
            }
        )
    )


if __name__ == "__main__":
    main()
