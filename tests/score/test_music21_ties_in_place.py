"""Reading through music21 without copying what it need not: ties joined in the reader's own parse, repeats
expanded only where there are some (issue 20: Beethoven's op. 133 spent most of its reading in copies and in
an expansion that found nothing to write out)."""

from __future__ import annotations

import pytest

music21 = pytest.importorskip("music21")
from music21 import bar, meter, note, stream  # noqa: E402

from partita.score import from_music21, read_score  # noqa: E402


def _tied_part(repeat: bool = False) -> stream.Score:
    """Two 4/4 bars: C5 tied across the bar line (a whole and a half note, one sound), then an E5 half."""
    part = stream.Part(id="P1")
    m1, m2 = stream.Measure(number=1), stream.Measure(number=2)
    m1.append(meter.TimeSignature("4/4"))
    first, second = note.Note("C5", quarterLength=4), note.Note("C5", quarterLength=2)
    first.tie, second.tie = music21.tie.Tie("start"), music21.tie.Tie("stop")
    m1.append(first)
    m2.append([second, note.Note("E5", quarterLength=2)])
    if repeat:
        m1.leftBarline = bar.Repeat(direction="start")
        m2.rightBarline = bar.Repeat(direction="end")
    part.append([m1, m2])
    return stream.Score([part])


def _notes(score) -> list[tuple[int, int, int]]:
    return [(n.time, n.duration, n.pitch) for t in score.tracks for n in t.notes]


def test_ties_joined_without_touching_the_callers_stream():
    s = _tied_part()
    out = from_music21(s)
    tpq = out.ticks_per_quarter
    assert _notes(out) == [(0, 6 * tpq, 72), (6 * tpq, 2 * tpq, 76)]
    # the caller's stream still holds both tied notes
    assert [n.quarterLength for n in s.flatten().notes] == [4, 2, 2]


def test_in_place_gives_the_same_score_and_leaves_the_stream():
    """``in_place`` allowed the ties to be joined in the stream; they are now joined without touching it
    (``music21_bridge.tied_lengths``), so the stream stays as it was either way."""
    copied = from_music21(_tied_part())
    s = _tied_part()
    joined = from_music21(s, in_place=True)
    assert _notes(joined) == _notes(copied)
    assert [n.quarterLength for n in s.flatten().notes] == [4, 2, 2]


def test_no_repeats_no_expansion(monkeypatch):
    calls = []
    original = stream.Score.expandRepeats

    def counted(self, *a, **k):
        calls.append(self)
        return original(self, *a, **k)

    monkeypatch.setattr(stream.Score, "expandRepeats", counted)
    plain = from_music21(_tied_part())
    assert calls == [] and len(_notes(plain)) == 2
    repeated = from_music21(_tied_part(repeat=True))
    assert len(calls) == 1
    tpq = repeated.ticks_per_quarter
    # written out twice, ties joined in each pass
    assert _notes(repeated) == [
        (0, 6 * tpq, 72),
        (6 * tpq, 2 * tpq, 76),
        (8 * tpq, 6 * tpq, 72),
        (14 * tpq, 2 * tpq, 76),
    ]


def test_a_file_reads_the_same_as_its_stream(tmp_path):
    """read_score (which joins ties in its own parse) and from_music21 on a parse of the same file agree."""
    path = tmp_path / "tied.musicxml"
    _tied_part(repeat=True).write("musicxml", fp=str(path))
    from music21 import converter

    assert _notes(read_score(path)) == _notes(from_music21(converter.parse(str(path))))
