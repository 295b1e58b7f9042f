"""Ties joined as music21's ``stripTies`` joins them, without changing the stream (issue 20: ``stripTies``
spent 38-85 s of CPU on Beethoven's op. 133, removing each joined note from its measure and scanning every
spanner for it; ``music21_bridge.tied_lengths`` decides the same joins in under a second)."""

from __future__ import annotations

import copy
import random

import pytest

music21 = pytest.importorskip("music21")
from music21 import chord, note, stream, tie  # noqa: E402

from partita.score import from_music21  # noqa: E402

TIES = (None, "start", "continue", "stop")


def _element(kind: str, pitches: list[str], ql: float, tie_type: str | None):
    el = note.Rest(quarterLength=ql) if kind == "rest" else None
    if kind == "note":
        el = note.Note(pitches[0], quarterLength=ql)
    elif kind == "chord":
        el = chord.Chord(pitches, quarterLength=ql)
    if tie_type and kind != "rest":
        el.tie = tie.Tie(tie_type)
    return el


def _part(elements) -> stream.Score:
    """One part of 4/4 measures holding ``elements`` (made with :func:`_element`) in order."""
    part = stream.Part(id="P1")
    for el in elements:
        part.append(el)
    return stream.Score([part.makeMeasures()])


def _music21_notes(s: stream.Score, tpq: int) -> list[tuple[int, int, int]]:
    """(start, duration, pitch) in ticks of every note after music21's own ``stripTies``."""
    joined = copy.deepcopy(s)
    joined.stripTies(inPlace=True)
    out = []
    for el in joined.flatten().notes:
        if el.quarterLength > 0:
            start = round(float(el.offset) * tpq)
            out += [
                (start, round(float(el.offset + el.quarterLength) * tpq) - start, p.midi) for p in el.pitches
            ]
    return sorted(out)


def _notes(s) -> list[tuple[int, int, int]]:
    score = from_music21(s)
    return sorted((n.time, n.duration, n.pitch) for t in score.tracks for n in t.notes)


def test_a_tie_chain_is_one_note_and_the_stream_is_kept():
    s = _part(
        [
            _element("note", ["C5"], 1.0, "start"),
            _element("note", ["C5"], 2.0, "continue"),
            _element("note", ["C5"], 1.0, "stop"),
            _element("chord", ["C4", "E4", "G4"], 2.0, "start"),
            _element("chord", ["C4", "E4", "G4"], 2.0, "stop"),
            _element("chord", ["C4", "E4", "G4"], 2.0, "start"),
            _element("chord", ["C4", "E4", "A4"], 2.0, "stop"),  # other pitches: not joined
        ]
    )
    tpq = from_music21(s).ticks_per_quarter
    assert _notes(s) == _music21_notes(s, tpq)
    assert (0, 4 * tpq, 72) in _notes(s) and (4 * tpq, 4 * tpq, 60) in _notes(s)
    assert len(s.flatten().notes) == 7  # the caller's stream still holds every tied note


def test_random_ties_join_as_music21_joins_them():
    """200 random lines of notes, chords and rests with random tie marks (open ties, a "stop" after a rest,
    chords of other pitches): the notes are music21's ``stripTies``'s, note for note."""
    rng = random.Random(0)
    names = ["C4", "E4", "G4", "A4", "C5"]
    for _ in range(200):
        elements = []
        for _ in range(12):
            kind = rng.choice(["note", "note", "chord", "rest"])
            pitches = rng.sample(names[:3], 3) if rng.random() < 0.7 else rng.sample(names, 3)
            elements.append(_element(kind, pitches, rng.choice([0.5, 1.0, 1.5, 2.0]), rng.choice(TIES)))
        s = _part(elements)
        tpq = 480
        assert _notes(s) == _music21_notes(s, tpq), [(type(e).__name__, e.tie) for e in elements]
