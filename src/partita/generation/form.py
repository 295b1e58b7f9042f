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
    """``statement`` bars sampled, then the first ``returning`` bars again, then the rest to ``bars``."""

    bars: int
    statement: int
    returning: int

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


def with_return(statement: Score, plan: PhrasePlan) -> Score:
    """The sampled statement (cut at its last bar) followed by its first ``plan.returning`` bars again; a
    copy."""
    score = statement.copy()
    trim_to_bars(score, plan.statement)
    lines = bar_lines(score, plan.statement + plan.returning)
    start, cut = lines[plan.statement], lines[plan.returning]
    for track in score.tracks:
        again = [n.copy() for n in track.notes if n.time < cut]
        for note in again:
            note.time += start
            note.duration = min(note.duration, start + cut - note.time)
            track.notes.append(note)
        track.notes.sort(key=lambda n: (n.time, n.pitch))
    return score
