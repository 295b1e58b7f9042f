"""Infilling bars: new bars in the middle of a piece, written with the bars after them in view.

``partita infill piece.mid --bars 9-12`` keeps bars 1-8 and 13 to the end as written and writes bars 9-12
anew (:attr:`partita.generation.config.GenerationConfig.infill` chooses how):

- **fill in the middle**, with a model trained for it (:mod:`partita.models.fim`): the prompt carries the
  first bars after the gap (:func:`after_music`) before the bars up to it, and the model writes the gap
  conditioned on both;
- **sample and rescore**, with any model: the gap is sampled with the bars before it in view (as a
  continuation, :mod:`partita.generation.given`), twice as many candidates as asked for, and those kept are
  the ones under which the model finds the first bars after the gap most likely (:func:`what_follows_nll`,
  nats per token): the right context judging rather than conditioning. The two combine (``fim+rescore``).
"""

from __future__ import annotations

import torch

from partita.generation.given import (
    Given,
    continuation_request,
    given_music,
    given_piece,
    model_reading,
    sampled_programs,
)
from partita.generation.request import Request
from partita.models import MusicLM
from partita.models.fim import FimIds, suffix_span
from partita.score import Score
from partita.score.bars import bar_lines, notated_bars
from partita.score.errors import ScoreError
from partita.tokens import SteerableTokenizer

SEAM_BARS = 2
"""The bars after the gap whose likelihood chooses among the candidates: the seam, not the whole rest."""


def parse_bar_range(text: str) -> tuple[int, int]:
    """``"9-12"`` -> (9, 12); ``"5"`` -> (5, 5); a clear ValueError otherwise."""
    first, dash, last = str(text).strip().partition("-")
    try:
        a, b = int(first), int(last if dash else first)
    except ValueError:
        raise ValueError(f"--bars {text!r}: give the bars to fill as FIRST-LAST, e.g. 9-12") from None
    if a < 1 or b < a:
        raise ValueError(f"--bars {text!r}: the bars to fill run from bar 1 up, first to last, e.g. 9-12")
    return a, b


def infill_request(
    score: Score, first: int, last: int, prompt: str = "", source: str = "", **options
) -> Request:
    """The request to write bars ``first``-``last`` of ``score`` anew, keeping the others as written: the
    piece's own conditions unless ``prompt`` (or ``options``) says otherwise; its bar count the whole piece's.
    """
    name = source or "the piece"
    total = notated_bars(score)
    if last > total:
        raise ScoreError(f"bars {first}-{last} are outside it: it has {total} bars", "bars-outside", name)
    if first == 1:
        raise ScoreError(
            "infilling from bar 1 is not supported: partita needs at least one bar before the gap",
            "bars-outside",
            name,
        )
    lines = bar_lines(score, total)
    before = score.clip(0, lines[first - 1], clip_end=False)
    after = score.clip(lines[last], lines[-1] + 1, clip_end=False).shift_time(-lines[last])
    given = given_piece(before, source)
    given.bars = first - 1  # an empty bar just before the gap is still a bar of the piece
    given.after, given.after_bars = after, total - last
    return continuation_request(given, prompt, bars=last - first + 1, whole=score, **options)


def with_what_follows(score: Score, given: Given, sampled_bars: int) -> Score:
    """``score`` (the given bars and the gap's new bars) with the bars after the gap appended as written,
    from the end of bar ``sampled_bars``; in place, and returned."""
    assert given.after is not None
    at = bar_lines(score, sampled_bars)[-1]
    scale = int(score.ticks_per_quarter) / max(1, int(given.after.ticks_per_quarter))
    moved = given.after.copy() if scale == 1 else given.after.resample(int(score.ticks_per_quarter))
    moved = moved.shift_time(at)
    # the given bars and the bars after the gap are cut from one score: their tracks match by place
    for i, track in enumerate(moved.tracks):
        if i < len(score.tracks):
            score.tracks[i].notes.extend(track.notes)
            score.tracks[i].notes.sort()
        else:
            score.tracks.append(track)
    return score


def infill_markers(model: MusicLM, mode: str) -> FimIds | None:
    """The fill-in-the-middle markers to write a gap with under ``mode`` (a
    :attr:`~partita.generation.config.GenerationConfig.infill` setting), or None to sample it left to right;
    a clear ValueError when ``mode`` asks for them and the model was not trained for it."""
    fim = FimIds.of_model(model.config)
    if mode.startswith("fim") and fim is None:
        raise ValueError(
            f"infill={mode!r} needs a model trained to fill in the middle; this one was not "
            "(use infill='rescore' or 'auto')"
        )
    return None if mode == "rescore" else fim


def after_music(
    tokenizer: SteerableTokenizer, given: Given, written: dict[int, int], limit: int
) -> list[int]:
    """The first bars after an infill's gap as the model reads them (each track as the bars before the gap
    read it, :func:`~partita.generation.given.sampled_programs`, in the bars it reads them in,
    :func:`~partita.generation.given.model_reading`), cut to whole bars within ``limit`` ids."""
    assert given.after is not None
    programs = iter(sampled_programs(given, written))
    before = given.score.tracks
    score = model_reading(given, given.after)
    for i, track in enumerate(score.tracks):
        if i < len(before) and not before[i].is_drum and len(before[i].notes):
            track.program = next(programs)  # the given piece's pitched tracks, in order
    score.tracks = [t for t in score.tracks if len(t.notes)]
    if not score.tracks:
        return []
    music = list(tokenizer.encode_music(score))
    return music[: suffix_span(music, 0, tokenizer.bar_ids, limit)]


@torch.no_grad()
def what_follows_nll(
    model: MusicLM,
    tokenizer: SteerableTokenizer,
    prefix: list[int],
    piece: Score,
    written: dict[int, int],
    gap_end: int,
    read_in: str | None = None,
) -> float:
    """Nats per token the model gives the first :data:`SEAM_BARS` bars after the gap (which ends with bar
    ``gap_end``) of ``piece`` (the whole piece, gap filled), reading everything before them (in bars of
    ``read_in``, as the gap was sampled: :attr:`~partita.generation.given.Given.read_in`)."""
    whole = given_piece(piece)
    whole.read_in = read_in
    music = given_music(tokenizer, whole, written)
    bars = [i for i, t in enumerate(music) if t in tokenizer.bar_ids]
    if len(bars) <= gap_end:
        return float("inf")  # the bars after the gap are missing: nothing to fit
    start = bars[gap_end]
    end = bars[gap_end + SEAM_BARS] if len(bars) > gap_end + SEAM_BARS else len(music)
    ids = [*prefix, *music[:end]]
    start += len(prefix)
    block = model.config.block_size
    if len(ids) > block:  # the context slides as in sampling: the condition prefix stays
        cut = len(ids) - (block - len(prefix))
        ids = [*prefix, *ids[cut:]]
        start = max(len(prefix), start - cut + len(prefix))
    nll = model.token_nll(ids)[start - 1 :]
    return float(nll.mean()) if nll.numel() else float("inf")
