"""POP909's human structure labels (Dai, Zhang and Dannenberg 2020), placed on the MIDI files of songs 1-800.

The labels come from the public ``hierarchical-structure-analysis`` repository (MIT license, (c) 2020 Shuqi
Dai): per song ``human_label1.txt`` / ``human_label2.txt`` (two annotators' readings, both correct, e.g.
``i4A4B8A4A4b4B8...o3``: a letter per phrase and its length in bars; capitals are phrases with melody,
lower case intro ``i``, outro ``o`` and instrumental ``b``/``x``) and ``melody.txt`` (the melody in 16th-note
steps from the annotation's first bar line; 16 steps a bar, 12 in the songs its ``seg.cpp`` lists as 3/4).
Their bars are not the MIDI file's: the repository aligned its own downbeats by hand. This script finds,
for each song, the shift (in the MIDI's quarter notes) at which ``melody.txt``'s onsets meet the
MIDI MELODY track's onsets, and writes one line per song to ``bench/data/pop909_structure.tsv``:

    song  first_bar_quarter  steps_per_bar  match  label1  label2

``first_bar_quarter`` is where the annotation's bar 1 starts, in the MIDI's quarter notes; ``match`` is the
share of melody onsets that meet at that shift (songs under 0.8 are written and skipped by the bench).
Songs 801-909 are never read.

    python bench/pop909_structure.py REPO_DIR   # a checkout or git mirror of that repository
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from partita.paths import shared_data_dir  # noqa: E402

TABLE = Path(__file__).resolve().parent / "data" / "pop909_structure.tsv"
# the songs (1-800) that the repository's seg.cpp reads in 3/4 (12 steps a bar)
IN_THREE = {34, 62, 102, 107, 152, 173, 176, 203, 215, 231, 254, 280, 307, 328, 369, 584, 592, 653, 654, 662}
IN_THREE |= {744, 749, 756, 770, 799}
LAST_SONG = 800
HEADER = (
    "# POP909 structure labels of Dai, Zhang & Dannenberg (2020),"
    " github.com/Dsqvival/hierarchical-structure-analysis, MIT license (c) 2020 Shuqi Dai;"
    " songs 001-800 only; written by bench/pop909_structure.py\n"
    "song\tfirst_bar_quarter\tsteps_per_bar\tmatch\tlabel1\tlabel2\n"
)


def _read(repo: Path, rel: str) -> str | None:
    """A file of the repository, from a work tree or (for a bare mirror) from its HEAD."""
    path = repo / rel
    if path.is_file():
        return path.read_text(encoding="utf-8", errors="replace")
    proc = subprocess.run(
        ["git", "--git-dir", str(repo), "show", f"HEAD:{rel}"], capture_output=True, text=True, check=False
    )
    return proc.stdout if proc.returncode == 0 else None


def melody_onsets(text: str) -> np.ndarray:
    """The 16th-note steps at which ``melody.txt``'s notes start (rests, pitch 0, skipped)."""
    pitch_dur = [tuple(int(v) for v in line.split()[:2]) for line in text.splitlines() if line.strip()]
    starts = np.cumsum([0] + [d for _, d in pitch_dur])[:-1]
    return np.array([s for s, (p, _) in zip(starts, pitch_dur, strict=True) if p > 0], dtype=np.int64)


def midi_onsets(path: Path) -> np.ndarray:
    """The MIDI MELODY track's note starts, in its quarter notes (sorted, distinct)."""
    import symusic

    score = symusic.Score(str(path))
    track = next((t for t in score.tracks if t.name.strip().upper() == "MELODY"), None)
    if track is None or not len(track.notes):
        return np.zeros(0)
    return np.unique(np.array([n.time for n in track.notes], dtype=float) / score.ticks_per_quarter)


def _nearest(midi: np.ndarray, moved: np.ndarray) -> np.ndarray:
    """Signed distance from each of ``moved`` to the nearest of ``midi`` (sorted)."""
    idx = np.clip(np.searchsorted(midi, moved), 1, len(midi) - 1)
    after, before = midi[idx] - moved, midi[idx - 1] - moved
    return np.where(np.abs(after) < np.abs(before), after, before)


def best_shift(ann: np.ndarray, midi: np.ndarray) -> tuple[float, float]:
    """Where the annotation's step 0 lies in the MIDI's quarter notes, and the share of the annotation's
    onsets then within a 16th of a MIDI onset.

    Whole-step shifts are tried around the first onsets' difference (the most onsets within a 16th wins,
    then the smaller mean distance); the shift is then refined by the median distance of the matched onsets
    (performed onsets sit a little off the 16th grid).
    """
    if len(ann) < 2 or len(midi) < 2:
        return 0.0, 0.0
    ann_q = ann / 4.0
    guess = int(round(4 * (midi[0] - ann_q[0])))
    best = (-1.0, 0.0, 0.0)  # share, -mean distance, shift
    for step in range(guess - 64, guess + 65):
        near = np.abs(_nearest(midi, ann_q + step / 4))
        ok = near <= 0.25
        key = (float(ok.mean()), -float(near[ok].mean()) if ok.any() else 0.0, step / 4)
        if key[:2] > best[:2]:
            best = key
    share, _, shift = best
    diff = _nearest(midi, ann_q + shift)
    matched = diff[np.abs(diff) <= 0.25]
    return shift + (float(np.median(matched)) if matched.size else 0.0), share


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repo", type=Path, help="hierarchical-structure-analysis checkout or git mirror")
    args = ap.parse_args()
    root = shared_data_dir() / "pop909"
    lines = []
    for n in range(1, LAST_SONG + 1):
        sid = f"{n:03d}"
        labels = [_read(args.repo, f"POP909/{sid}/human_label{k}.txt") for k in (1, 2)]
        melody = _read(args.repo, f"POP909/{sid}/melody.txt")
        midi = root / sid / f"{sid}.mid"
        if melody is None or not any(labels) or not midi.is_file():
            continue
        shift, share = best_shift(melody_onsets(melody), midi_onsets(midi))
        cells = [(lab or "").strip() or "-" for lab in labels]
        steps = 12 if n in IN_THREE else 16
        lines.append(f"{sid}\t{shift:.3f}\t{steps}\t{share:.3f}\t{cells[0]}\t{cells[1]}\n")
    TABLE.parent.mkdir(parents=True, exist_ok=True)
    TABLE.write_text(HEADER + "".join(lines), encoding="utf-8")
    good = sum(float(line.split("\t")[3]) >= 0.8 for line in lines)
    print(f"{len(lines)} songs with labels, {good} aligned (match >= 0.8); wrote {TABLE}")


if __name__ == "__main__":
    main()
