"""A pull towards a mode asked without a key (a picture's mode, "a piece in minor"): the model chooses its
tonic in the first bar, then the asked mode's scale over that tonic is held, as a pull.

A mode token alone is nearly ignored by partita-small (asked minor with no key, 1 piece in 10 was heard in
minor: docs/PICTURES.md), and the rules that hold a mode (the key's scale, the tonic pull) need a tonic. This
rule takes the tonic from the music itself: while the first :data:`DECIDE_BARS` bars are drawn it counts the
pitch classes played, and at the bar line after them (with at least :data:`MIN_NOTES` notes; else at a later
one) it takes the tonic of the best of the 24 key profiles (:func:`partita.analysis.key.key_templates`, either
mode: the tonic the model has been circling). From then on an id playing a pitch class outside the asked
mode's scale over that tonic (:data:`SCALES`: the major scale, or the harmonic minor) loses ``mode_weight``
(:class:`~partita.generation.config.GenerationConfig`) from its logit, and one playing the asked mode's
third or sixth (and nothing outside) gains :data:`MODE_BONUS`. C major heard and minor asked is pulled to
C minor, the parallel key: E, A and B flat give way to E flat and A flat, with B kept as the leading tone.

Why the parallel key and the harmonic minor (``bench/bench_picture_mode.py`` on development images, then on
others: docs/PICTURES.md): the relative minor (A minor under C major) changes one pitch class and was heard
as its relative major as before; pulling only the third and the sixth let the model drift into a
neighbouring key whose scale has neither (A major into B minor), and a stronger pull of that kind was heard
in the other mode more often. The whole scale holds the tonic chosen; the harmonic minor's raised seventh is
what no major key shares, so the pulled music is not heard as the relative major.

Why it does not suffice (measured, docs/PICTURES.md): a pitch set is not a key. Pulled into C minor's scale,
the model kept its own centre of gravity (the tones it sounds longest and lowest), often the relative major's
tonic, and key finders heard that. So the plan now chooses a key for a mode asked without one
(:data:`partita.generation.planning.CHOOSE_KEY`, :mod:`partita.generation.mode_keys`): the model reads a
``Key_`` token, and this rule, which needs no key, is built only where none was chosen (that switch off, or a
plan without a seed).

Bonus, built where the constraints ask a mode and no key (a key asked has its own rules, and a request with
no mode is not touched), and only where ``mode_weight`` is set: measured, it is off by default. A pull,
not a mask, so a chromatic passing tone stays possible. The first bar is the model's own.
"""

from __future__ import annotations

import numpy as np
import torch

from partita.analysis.key import key_correlations, key_templates
from partita.generation.rules.base import Rule, Tier
from partita.generation.rules.tracker import Context, Track

BENCHED_WEIGHT = 3.0
"""The logit penalty (``GenerationConfig.mode_weight``, 0 by default: the rule is not built) of an id playing
outside the asked mode's scale once the tonic is chosen, as benched. **Off by default**: at 3.0 the minor asks
of held-out images were heard in minor 4 of 8 against 2 of 8 on one set and no more often on another, while
repeated notes rose from 0.19 to 0.29 of the melodic intervals (``bench/bench_picture_mode.py``,
docs/PICTURES.md § The mode pull). The model holds the scale it is pulled into but keeps its own tonal centre,
often the relative major's tonic."""
MODE_BONUS = 0.5
"""The logit bonus of an id playing the asked mode's third or sixth (and nothing outside its scale)."""
DECIDE_BARS = 1
"""Bars the model plays freely before the tonic is chosen."""
MIN_NOTES = 4
"""Pitch classes counted before the tonic is chosen (else it waits for the next bar line)."""
PROFILE = ("albrecht", "aarden", "krumhansl")
"""The key profiles the tonic is chosen with (partita's key analysis's default, named here so that the rule
does not move when that default does)."""
SCALES = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 11)}
"""Each mode's scale in semitones over the tonic: the major scale, the harmonic minor."""
PULLED = ("minor",)
"""The modes the rule is built for: minor only. partita-small plays major unasked (72% of its pieces), and on
held-out images the pull for a major ask lost pieces to minor (5 of 8 heard major without it, 3 of 8 with:
docs/PICTURES.md); ``("major", "minor")`` pulls both."""
DEGREES = {"major": (4, 9), "minor": (3, 8)}
"""The third and the sixth of each mode, in semitones over the tonic: what tells it from the other mode."""


class ModePull(Rule):
    tier = Tier.BONUS

    def __init__(self, ctx: Context) -> None:
        self.mode = str(ctx.constraints.mode)
        self.weight = float(ctx.constraints.mode_weight)
        self.pcs = ctx.share("pitch_classes", ctx.ids.pitch_classes)
        self.counts = self.pcs.numpy().astype(np.float64)
        self.templates = key_templates(PROFILE)
        self._pulls: dict[int, torch.Tensor] = {}

    @classmethod
    def build(cls, ctx: Context) -> ModePull | None:
        c = ctx.constraints
        return cls(ctx) if c.mode in PULLED and not c.key and c.mode_weight > 0 else None

    def start(self, track: Track) -> list:
        """[the pitch classes counted so far, the tonic chosen (None until it is)]."""
        return [np.zeros(12), None]

    def advance(self, state: list, token: int, track: Track) -> list:
        if state[1] is None:
            state[0] += self.counts[token]
            if track.bars > DECIDE_BARS and state[0].sum() >= MIN_NOTES:
                state[1] = chosen_tonic(state[0], self.templates)
        return state

    def pull(self, state: list, track: Track, logits: torch.Tensor) -> None:
        tonic = state[1]
        if tonic is None:
            return
        if tonic not in self._pulls:
            self._pulls[tonic] = mode_bonus(self.pcs, tonic, self.mode, self.weight)
        logits += self._pulls[tonic][: logits.shape[0]].to(logits.dtype)


def chosen_tonic(counts: np.ndarray, templates: np.ndarray) -> int:
    """The pitch class of the tonic of the best of the 24 keys (either mode) for a pitch-class histogram."""
    return int(np.argmax(key_correlations(counts, templates))) % 12


def mode_bonus(pitch_classes: torch.Tensor, tonic: int, mode: str, weight: float) -> torch.Tensor:
    """Per id (``pitch_classes``: vocabulary x 12): ``-weight`` where it plays a pitch class outside
    ``mode``'s scale over ``tonic``, else ``MODE_BONUS`` where it plays the mode's third or sixth, else 0."""
    outside = [(tonic + d) % 12 for d in range(12) if d not in SCALES[mode]]
    marks = [(tonic + d) % 12 for d in DEGREES[mode]]
    bad = pitch_classes[:, outside].any(dim=1)
    good = pitch_classes[:, marks].any(dim=1) & ~bad
    return torch.where(bad, -weight, torch.where(good, MODE_BONUS, 0.0)).float()
