"""The key as asked, read the way a style's own music names it, where that is not a major/minor profile.

A Han Chinese folk song "in G major" is a tune in the gong mode on G: its notes lie in the pentatonic
collection G A B D E and it ends on G (the mode of a Chinese tune is named by its final, and 97% of the
notes of the corpus's Chinese songs lie in one pentatonic collection, :mod:`partita.generation.scales`).
The key profiles of :mod:`partita.analysis.key` are built on diatonic tonal music and hear such tunes in a
fifth-related key or the relative one half of the time: on the corpus's Chinese songs (training split,
300 read) the key they name has the song's final as its tonic in 53% (German folk songs 77%, jigs 71%).

The Selector ranks candidates by their adherence, and adherence judged by the profiles preferred the
Chinese candidates that used the key's fourth and seventh degrees (they sound like G major to a profile):
the less pentatonic, less real ones (issue #19, docs/GENERATION.md § Realism). :func:`modal_key_adherence`
gives CK and CKD for a style with a scale of its own, read from the collection and the final:

- **CK**: at least :data:`IN_SCALE` of the notes' duration lies in the asked key's collection (the gong
  mode on a major key's tonic, yu on a minor one's; :func:`partita.generation.scales.style_scale`) and
  the piece ends on the asked tonic;
- **CKD**: the same collection, ending on the asked tonic or on its relative's (the yu tonic of a gong
  collection, the gong tonic of a yu one): the same notes heard from the other tonic.

The benchmarks' key judges (partita's profiles and music21's) are unchanged: this reading decides what
partita reports and ranks by for such a style, not how the benchmarks judge it.
"""

from __future__ import annotations

import numpy as np

from partita.generation.scales import style_scale
from partita.tokens.conditions import PITCH_CLASS_OF_TONIC

IN_SCALE = 0.9
"""The share of the notes' duration in the collection for a piece to be in it (real Chinese songs: mean 97%,
median 99.6%; German folk songs and jigs 82-84% in their best pentatonic collection)."""


def final_pitch_class(score) -> int | None:
    """The pitch class of the piece's final: the lowest pitched note of its last onset (None if silent)."""
    best: tuple[int, int] | None = None  # (start, -pitch) of the latest onset's lowest note
    for track in score.tracks:
        if track.is_drum:
            continue
        for note in track.notes:
            key = (int(note.time), -int(note.pitch))
            if best is None or key > best:
                best = key
    return None if best is None else (-best[1]) % 12


def scale_share(score, pitch_classes: tuple[int, ...]) -> float:
    """The share of the pitched notes' total duration whose pitch class is in ``pitch_classes``."""
    weights = np.zeros(12)
    for track in score.tracks:
        if track.is_drum:
            continue
        for note in track.notes:
            weights[note.pitch % 12] += max(int(note.duration), 1)
    total = weights.sum()
    return float(weights[list(pitch_classes)].sum() / total) if total > 0 and pitch_classes else 0.0


def modal_key_adherence(style: str | None, key: str | None, mode: str | None, score) -> dict[str, float]:
    """CK and CKD of ``score`` for a request of ``style`` in ``key`` (a tonic name) and ``mode``, read from
    the style's own scale (see the module doc); empty where the style has none (the profiles judge)."""
    collection = style_scale(style, key, mode)
    if not collection:
        return {}
    final = final_pitch_class(score)
    if final is None:
        return {"CK": 0.0, "CKD": 0.0}
    asked = int(PITCH_CLASS_OF_TONIC[key])
    relative = (asked + 9) % 12 if mode != "minor" else (asked + 3) % 12
    inside = scale_share(score, collection) >= IN_SCALE
    return {"CK": float(inside and final == asked), "CKD": float(inside and final in (asked, relative))}
