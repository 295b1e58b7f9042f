"""The melodic range of real song melodies by style (issue 25): the data behind
:data:`partita.generation.song_pitch.STYLE_RANGE`.

Sources, all offline: the Bach chorales' soprano (JSB, ``train`` split), Essen folk songs of music21's
corpus by region (German: altdeu, ballad, boehme, dva, erk, fink, kinder, zuccal; Chinese: han1, han2; other
European folk: lot, lux, irl), and the vocal melody (MELODY track) of POP909's even-numbered songs (the odd
ones are the project's held-out half). The range of a song is its highest minus its lowest note (semitones).
The Essen tunes are read by a small ABC reader here (letters, octave marks, accidentals, the key signature;
an accidental's carry to the bar's end is ignored: at most a semitone at an extreme).

    python scripts/song-ranges.py [--pop 400]
"""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
ESSEN = {
    "german_folk": ("altdeu10", "altdeu20", "ballad10", "ballad20", "ballad30", "ballad40", "ballad50",
                    "ballad60", "ballad70", "ballad80", "boehme10", "boehme20", "dva0", "erk10", "erk20",
                    "erk30", "erk5", "fink0", "kinder0", "zuccal0"),
    "chinese_folk": ("han1", "han2"),
    "folk": ("lot", "lux", "irl"),
}  # fmt: skip
LETTER = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
NOTE = re.compile(r"([_^=]*)([A-Ga-g])([,']*)")


def _key_alterations(key: str) -> dict[str, int]:
    from music21 import key as m21key

    name = key.strip().split()[0] if key.strip() else "C"
    name = {"H": "B", "Es": "Eb"}.get(name, name)
    mode = "minor" if name.endswith("m") and len(name) > 1 else "major"
    tonic = name[:-1] if mode == "minor" else name
    k = m21key.Key(tonic.replace("b", "-") if len(tonic) > 1 else tonic, mode)
    return {p.step: int(p.alter) for p in k.alteredPitches}


def abc_ranges(name: str) -> list[int]:
    """The range (semitones) of each tune of an Essen ABC file."""
    from music21 import corpus

    text = (Path(os.path.dirname(corpus.__file__)) / "essenFolksong" / f"{name}.abc").read_text("latin-1")
    out = []
    for block in text.split("\nX:")[1:]:
        alter: dict[str, int] = {}
        pitches = []
        for line in block.splitlines()[1:]:
            if re.match(r"^[A-Z]:", line):
                if line.startswith("K:"):
                    alter = _key_alterations(line[2:])
                continue
            line = re.sub(r'"[^"]*"|![^!]*!', "", line)
            for acc, letter, marks in NOTE.findall(line):
                p = 60 + LETTER[letter.upper()] + (12 if letter.islower() else 0)
                p += 12 * marks.count("'") - 12 * marks.count(",")
                if acc:
                    p += acc.count("^") - acc.count("_")
                else:
                    p += alter.get(letter.upper(), 0)
                pitches.append(p)
        if len(pitches) >= 8:
            out.append(max(pitches) - min(pitches))
    return out


def chorale_ranges() -> list[int]:
    data = json.loads((SHARED / "jsb" / "Jsb16thSeparated.json").read_text())
    out = []
    for piece in data["train"]:
        sop = [step[0] for step in piece if len(step) and step[0] >= 0]
        if sop:
            out.append(max(sop) - min(sop))
    return out


def pop_ranges(limit: int) -> list[int]:
    import symusic

    out = []
    for song in sorted((SHARED / "pop909").iterdir()):
        if not song.name.isdigit() or int(song.name) % 2 or len(out) >= limit:
            continue
        score = symusic.Score(str(song / f"{song.name}.mid"))
        melody = next((t for t in score.tracks if t.name.strip().upper() == "MELODY"), None)
        if melody is not None and len(melody.notes) >= 8:
            pitches = [n.pitch for n in melody.notes]
            out.append(max(pitches) - min(pitches))
    return out


def summary(xs: list[int]) -> dict[str, float]:
    a = np.array(xs, dtype=float)
    return {
        "songs": int(a.size),
        "mean": round(float(a.mean()), 2),
        "median": float(np.median(a)),
        "q25": float(np.percentile(a, 25)),
        "q75": float(np.percentile(a, 75)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pop", type=int, default=400, help="POP909 songs (even ids) to read")
    args = ap.parse_args()
    table = {"chorale": summary(chorale_ranges())}
    for style, files in ESSEN.items():
        table[style] = summary([r for f in files for r in abc_ranges(f)])
    table["pop"] = summary(pop_ranges(args.pop))
    print(json.dumps(table, indent=1))


if __name__ == "__main__":
    main()
