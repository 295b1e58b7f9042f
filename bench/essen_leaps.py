"""Leaps at the phrase starts of the Essen folk songs of music21's corpus (their ABC lines are phrases), read
by ``essen_abc``'s small ABC reader, for ``bench_song_real.py``: the reference of
``song_pitch.DEFAULT_LEAPS.across`` (notes, not syllables: the songs have no text)."""

from __future__ import annotations

from pathlib import Path

from essen_abc import _ABC_EVENT, _abc_tunes, _share

_STEPS = {c: i for i, c in enumerate("CDEFGAB")}


def _abc_step(token: str) -> int:
    """A note's diatonic step from its ABC token (C = 0, c = 7, c' = 14, C, = -7; accidentals ignored)."""
    letter = token.lstrip("_^=")[0]
    return _STEPS[letter.upper()] + 7 * (letter.islower() + token.count("'") - token.count(","))


def essen_line_leaps(files: tuple[str, ...]) -> dict[str, float]:
    """Leaps of a fourth or more (three diatonic steps or more: a leap over a major third but for a rare
    augmented third) into each phrase's first note from the previous phrase's last, and inside the phrases,
    in Essen folk songs of music21's corpus (ABC lines are phrases; notes, not syllables)."""
    import os

    from music21 import corpus

    base = Path(os.path.dirname(corpus.__file__)) / "essenFolksong"
    across, inside, tunes = [], [], 0
    for f in files:
        for _, _, body in _abc_tunes((base / f).read_text(encoding="latin-1")):
            last = None
            for line in body:
                tokens = [m.group(2) for m in _ABC_EVENT.finditer(line) if m.group(2)]
                steps = [_abc_step(t) for t in tokens if not t.endswith("z")]
                if not steps:
                    continue
                if last is not None:
                    across.append(abs(steps[0] - last) >= 3)
                inside += [abs(b - a) >= 3 for a, b in zip(steps, steps[1:], strict=False)]
                last = steps[-1]
            tunes += 1
    return {"line_start_leaps": _share(across), "line_starts": len(across), "inside_leaps": _share(inside),
            "tunes": tunes}  # fmt: skip
