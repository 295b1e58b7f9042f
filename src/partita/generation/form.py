"""Phrase form: a tune that states a phrase and comes back to it, as folk and dance tunes do.

Real folk and dance tunes repeat themselves: in the corpus's held-out tunes cut to 8-32 bars, 15 % (Chinese
and German folk songs) to 37 % (jigs) of bars repeat an earlier bar exactly, where partita-small's pieces
repeat 3-5 % (the realism benchmark's ``bar_repetition``: with key gravity off it was the feature that told
generated jigs from real ones most). A 9M-parameter model with a 512-token window does not plan that far, so
the plan is made for it, the way the tunes themselves are built (antecedent and consequent, an A part that
returns):

    bars  1 .. N/2        sampled (the statement)
    bars  N/2+1 .. 3N/4   the first N/4 bars again (the return)
    bars  3N/4+1 .. N     sampled as a continuation of all that came before (a new ending, the cadence)

:func:`phrase_plan` gives the lengths; :func:`with_return` writes the return into a sampled statement. The
continuation is sampled by the caller with the whole piece so far as its prompt (re-encoded by the tokenizer,
so BPE merges stay what the model knows), under the same constraints over all N bars.

A chorale's Stollen (:func:`stollen_plan`) is the same machinery with other lengths: a Lutheran chorale's
first phrase is sung twice to two lines of the text (bar form, A A B); of the corpus's chorales cut to 8-16
bars, 0.29 play it so: bars 1-3 come back as bars 5-7, the fourth bar (the phrase's cadence, the upbeat into
the repeat) sampled each time (``scripts/stollen-stats.py``). Measured and not a default
(``GenerationConfig.style_restatements``; docs/GENERATION.md § Realism).
"""

from __future__ import annotations

from dataclasses import dataclass

from partita.score import Score
from partita.score.bars import bar_lines, trim_to_bars

FORM_STYLES = frozenset(
    {
        "jig",
        "irish_reel",
        "hornpipe",
        "strathspey",
        "polka",
        "waltz",
        "march",
        "air",
        "folk",
        "german_folk",
        "chinese_folk",
    }
)
"""Styles whose tunes are built from returning phrases (the corpus's folk songs and dance tunes)."""


@dataclass(frozen=True)
class PhrasePlan:
    """``statement`` bars sampled, then ``returning`` of them again (from bar ``source``, 0-based: after a
    pickup bar, say), then the rest to ``bars``."""

    bars: int
    statement: int
    returning: int
    source: int = 0

    @property
    def ending(self) -> int:
        """The bars sampled after the return."""
        return self.bars - self.statement - self.returning


def phrase_plan(bars: int) -> PhrasePlan | None:
    """The plan for a piece of ``bars`` bars, or None where it has no such shape (under 8 bars, or not a
    multiple of 4)."""
    if bars < 8 or bars % 4:
        return None
    return PhrasePlan(bars=bars, statement=bars // 2, returning=bars // 4)


STOLLEN_PHRASE = 4
"""Bars of a chorale's first phrase (its Stollen): the held-out chorales that repeat it do so 4 bars later
in 115 of 224 repeated bars of the training split (lags of 6 and 8 bars come next, 38 and 29)."""


def stollen_plan(bars: int, lead: int = 0) -> PhrasePlan | None:
    """A chorale of ``bars`` sampled bars (``lead`` of them a pickup bar before the first) whose first
    phrase's bars but its last come back after it, or None where too short for that and a bar after it."""
    statement, returning = lead + STOLLEN_PHRASE, STOLLEN_PHRASE - 1
    if bars < statement + returning + 1:
        return None
    return PhrasePlan(bars=bars, statement=statement, returning=returning, source=lead)


def with_return(statement: Score, plan: PhrasePlan) -> Score:
    """The sampled statement (cut at its last bar) followed by ``plan.returning`` of its bars again, from bar
    ``plan.source``; a copy."""
    score = statement.copy()
    trim_to_bars(score, plan.statement)
    lines = bar_lines(score, plan.statement + plan.returning)
    begin, cut = lines[plan.source], lines[plan.source + plan.returning]
    shift = lines[plan.statement] - begin
    for track in score.tracks:
        again = [n.copy() for n in track.notes if begin <= n.time < cut]
        for note in again:
            note.time += shift
            note.duration = min(note.duration, cut + shift - note.time)
            track.notes.append(note)
        track.notes.sort(key=lambda n: (n.time, n.pitch))
    return score
