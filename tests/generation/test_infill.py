"""Infilling bars: the gap written anew, the other bars kept as written, candidates chosen by what follows."""

from __future__ import annotations

import pytest
from tests.generation.test_given import chorale

from partita.generation import candidates as candidates_module
from partita.generation.candidates import Candidate
from partita.generation.infill import infill_request, parse_bar_range
from partita.pipelines import Generator
from partita.score.bars import bar_lines, notated_bars
from partita.score.errors import ScoreError


@pytest.mark.parametrize("text, bars", [("9-12", (9, 12)), ("5", (5, 5)), (" 2-2 ", (2, 2))])
def test_bar_ranges_are_read(text, bars):
    assert parse_bar_range(text) == bars


@pytest.mark.parametrize("text", ["x", "12-9", "0-3", "3-"])
def test_a_bad_bar_range_is_named(text):
    with pytest.raises(ValueError, match="--bars"):
        parse_bar_range(text)


@pytest.mark.parametrize("first, last, message", [(3, 9, "outside it: it has 4 bars"), (1, 2, "bar 1")])
def test_a_gap_outside_the_piece_or_at_its_start_is_refused(first, last, message):
    with pytest.raises(ScoreError, match=message):
        infill_request(chorale(bars=4), first, last)


def test_the_request_is_the_whole_piece_with_the_gap_new():
    request = infill_request(chorale(bars=6), 3, 4, source="hymn.mid")
    given = request.given
    assert request.conditions.bars == 6 and given.bars == 2 and given.after_bars == 2
    assert sum(len(t.notes) for t in given.after.tracks) == 4 * 6  # bars 5-6: 6 beats of four voices
    assert min(n.time for t in given.after.tracks for n in t.notes) == 0
    assert "infilling bars 3-4 of hymn.mid: bars 1-2 and 5-6 kept as written" in request.notes[-1]


def notes_outside(score, first: int, last: int) -> list[tuple]:
    """(track, time, duration, pitch) of the notes of ``score`` outside bars ``first``-``last``."""
    lines = bar_lines(score, notated_bars(score))
    start, end = lines[first - 1], lines[last]
    return [
        (i, n.time, n.duration, n.pitch)
        for i, t in enumerate(score.tracks)
        for n in t.notes
        if n.time < start or n.time >= end
    ]


def test_the_generator_fills_the_gap_and_keeps_every_other_bar_as_written(tmp_path):
    piece = chorale(bars=6)
    request = Generator.infill_of(piece, "3-4")
    cands = Generator.debug(seed=0).generate(request, n=2, seed=4, out_dir=tmp_path, wav=False)
    assert len(cands) == 2
    kept = sorted(notes_outside(piece, 3, 4))
    for cand in cands:
        assert sorted(notes_outside(cand.score, 3, 4)) == kept
        assert notated_bars(cand.score) == 6
        assert any("the bars after the gap" in r for r in cand.remarks)


def test_the_candidates_kept_are_those_under_which_what_follows_is_likeliest(monkeypatch):
    fits = iter([2.0, 0.5, 3.0, 1.0])
    monkeypatch.setattr(candidates_module, "what_follows_nll", lambda *a, **kw: next(fits))
    sampled = [Candidate(0, chorale(), seed=1, stop_reason="", sample=i + 1) for i in range(4)]
    kept = candidates_module._fitting(None, None, [], sampled, _Plan(), end_bar=2, n=2)
    assert [c.sample for c in kept] == [2, 4]  # the two best fits, in sampling order


class _Plan:
    written: dict = {}
