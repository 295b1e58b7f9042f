"""The Essen folk songs of music21's corpus read by a small ABC reader, for ``bench_song_real.py``: where
their phrases (ABC lines) start, and how often their notes are dotted, by meter (notes, not syllables)."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path

import numpy as np


def _share(xs) -> float:
    return float(np.mean(xs)) if len(xs) else math.nan


def _dotted(quarters: float) -> bool:
    """A dotted length (3/4, 3/2, 3 quarter notes ...): three times a power of two."""
    return quarters > 0 and math.log2(quarters / 3) == round(math.log2(quarters / 3))


# --- phrase starts in the Essen folk songs (their ABC lines are phrases) -----------------------------------

_ABC_EVENT = re.compile(r"(\(3)|([_^=]*[A-Ga-gz][,']*)(\d*)(/*)(\d*)|(\|+)")


def _abc_tunes(text: str):
    """(meter, unit note length, body lines) of each tune of an Essen ABC file."""
    for block in text.split("\nX:")[1:]:
        meter = unit = None
        body = []
        for line in block.splitlines()[1:]:  # the first line is the tune's number
            if re.match(r"^[A-Z]:", line):
                meter = line[2:].strip() if line[0] == "M" else meter
                unit = line[2:].strip() if line[0] == "L" else unit
            elif line.strip():
                body.append(line.strip())
        yield meter, unit, body


def _abc_line_events(line: str, unit: Fraction) -> list[tuple[str, Fraction]]:
    events, triplet = [], 0
    for m in _ABC_EVENT.finditer(line):
        if m.group(1):
            triplet = 3
        elif m.group(6):
            events.append(("bar", Fraction(0)))
        else:
            d = Fraction(int(m.group(3))) if m.group(3) else Fraction(1)
            if m.group(4):
                d /= int(m.group(5)) if m.group(5) else 2 ** len(m.group(4))
            if triplet:
                d, triplet = d * Fraction(2, 3), triplet - 1
            events.append(("rest" if m.group(2).endswith("z") else "note", d * unit))
    return events


def _tune_phrase_starts(meter: str, unit: str, body: list[str]) -> list[bool] | None:
    """Whether each phrase (ABC line) of a tune starts on a strong beat; None where the tune's bar lines do
    not fall where its note lengths put them (a syntax this reader does not know)."""
    num, den = (int(x) for x in meter.split("/"))
    bar = Fraction(num, den)
    lines = [_abc_line_events(line, Fraction(*(int(x) for x in unit.split("/")))) for line in body]
    pickup = sum((d for kind, d in next(iter(lines), []) if kind != "bar"), Fraction(0))
    for k, (kind, _) in enumerate(lines[0] if lines else []):
        if kind == "bar":
            pickup = sum((d for _, d in lines[0][:k]), Fraction(0))
            break
    pos = (bar - pickup) % bar
    starts = []
    strong = {Fraction(0)} | ({Fraction(1, 2)} if (num, den) == (4, 4) else set())
    strong |= {Fraction(3, 8)} if (num, den) == (6, 8) else set()
    for events in lines:
        first = True
        for kind, d in events:
            if kind == "bar":
                if pos % bar:
                    return None
                continue
            if kind == "note" and first:
                starts.append(pos % bar in strong)
                first = False
            pos += d
    return starts


def essen_phrase_starts(files: tuple[str, ...]) -> dict[str, float]:
    """The share of phrases (ABC lines) starting on a strong beat in Essen folk-song files of music21's
    corpus, read by this file's small ABC reader (tunes whose bar lines it cannot place are left out)."""
    import os

    from music21 import corpus

    base = Path(os.path.dirname(corpus.__file__)) / "essenFolksong"
    starts, tunes, left_out = [], 0, 0
    for f in files:
        for meter, unit, body in _abc_tunes((base / f).read_text(encoding="latin-1")):
            try:
                got = _tune_phrase_starts(meter, unit, body)
            except (ValueError, TypeError, AttributeError, ZeroDivisionError):
                got = None
            if got is None:
                left_out += 1
                continue
            tunes += 1
            starts += got
    return {
        "phrase_first_strong": _share(starts),
        "phrases": len(starts),
        "tunes": tunes,
        "left_out": left_out,
    }


def essen_dotted(files: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """By meter (2/4, 3/4, 4/4): the notes and the share of them on a dotted length in Essen folk-song files
    of music21's corpus, read by this file's small ABC reader (a tied note counts as two)."""
    import os

    from music21 import corpus

    base = Path(os.path.dirname(corpus.__file__)) / "essenFolksong"
    found: dict[str, list[bool]] = {"2/4": [], "3/4": [], "4/4": []}
    for f in files:
        for meter, unit, body in _abc_tunes((base / f).read_text(encoding="latin-1")):
            if meter not in found or not unit or "/" not in unit:
                continue
            length = Fraction(*(int(x) for x in unit.split("/")))
            for line in body:
                found[meter] += [
                    _dotted(float(d * 4)) for kind, d in _abc_line_events(line, length) if kind == "note"
                ]
    return {m: {"notes": len(v), "dotted": _share(v)} for m, v in found.items()}
