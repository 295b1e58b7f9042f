"""Self-play pairs (SPIN, Chen et al. 2024): a real piece preferred to the model's own for the same prompt.

A model is tuned towards the real pieces of a style and away from what it writes itself by DPO on pairs
whose *chosen* side is a real training piece and whose *rejected* side is one of the model's candidates for
a prompt that asks for such a piece (issue #19: the realism benchmark tells the model's pieces from real
ones; this asks the model to move towards the real ones in the very prompts it is sampled under). Both sides
sit under the prompt's condition prefix, as the model samples it (:func:`condition_prefix`), the real piece
moved to the prompt's key (the nearest way, at most a tritone) and both cut to the same bars, so that the
pair compares music, not length, within the model's block. No one rates anything: the preference is the
realism benchmark's own question, real or not.

The pairs are :class:`~partita.training.dpo.TokenPair`\\ s for :func:`partita.training.dpo.tune_dpo`;
``scripts/spin-expert.py`` builds them for a style and tunes a LoRA style expert on them
(:func:`partita.training.dpo_expert.tune_expert`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from partita.analysis.key import PITCH_CLASS_OF_TONIC
from partita.evaluation.realism import crop_bars
from partita.pipelines.preferences import condition_prefix
from partita.score import Score
from partita.tokens.dataset import piece_conditions, transpose
from partita.training.dpo import TokenPair

MARGIN = 16
"""Tokens left free in the model's block beside the prefix and both continuations."""


@dataclass
class RealPiece:
    """A real piece of the style and the tonic it is in (its annotation, else partita's key analysis)."""

    score: Score
    tonic: str
    source: str = ""


def nearest_shift(from_tonic: str, to_tonic: str) -> int:
    """The semitones that move ``from_tonic`` to ``to_tonic`` the shorter way (-6 to +5)."""
    shift = (PITCH_CLASS_OF_TONIC[to_tonic] - PITCH_CLASS_OF_TONIC[from_tonic]) % 12
    return shift - 12 if shift > 5 else shift


def in_key(piece: RealPiece, tonic: str | None) -> Score:
    """``piece`` moved to ``tonic`` (as it is where the prompt asks no key)."""
    if tonic is None:
        return piece.score
    moved, _ = transpose(piece.score, piece_conditions(piece.score), nearest_shift(piece.tonic, tonic))
    return moved


def same_bars(tokenizer, real: Score, own: Score, bars: int, room: int) -> tuple[list[int], list[int], int]:
    """Both pieces' music tokens cut to the most bars (at most ``bars``) at which each fits ``room`` tokens
    (a 16-bar piece in a 512-token block: its first bars); EOS ends both only where both keep all ``bars``."""
    for b in range(int(bars), 0, -1):
        chosen = [int(t) for t in tokenizer.encode_music(crop_bars(real, b, pickup=True))]
        rejected = [int(t) for t in tokenizer.encode_music(crop_bars(own, b, pickup=True))]
        if max(len(chosen), len(rejected)) + 1 <= room or b == 1:
            break
    eos = [int(tokenizer.eos_id)] if b == int(bars) else []
    return chosen + eos, rejected + eos, b


def spin_pairs(
    generator, prompt: str, own: Sequence[Score], real: Sequence[RealPiece], bars: int
) -> list[TokenPair]:
    """One pair for each of the model's pieces ``own`` for ``prompt`` (its candidates, as sampled for it),
    the real piece of ``real`` at the same place chosen over it; ``bars``: the bars the prompt asks for. The
    caller matches the real pieces to the prompt (its mode, its meter); they are moved to its key here."""
    if len(real) < len(own):
        raise ValueError(f"{len(own)} of the model's pieces need as many real ones, not {len(real)}")
    prefix = condition_prefix(generator, prompt)
    tonic = generator.request(prompt).conditions.key
    room = int(generator.model.config.block_size) - len(prefix) - MARGIN
    if room < 8:
        raise ValueError(f"the condition prefix ({len(prefix)} tokens) leaves no room in the model's block")
    out = []
    for mine, theirs in zip(own, real, strict=False):
        chosen, rejected, _ = same_bars(generator.tokenizer, in_key(theirs, tonic), mine, bars, room)
        if chosen and rejected:
            out.append(TokenPair(prefix, chosen, rejected, source="spin"))
    return out
