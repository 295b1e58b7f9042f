"""A key for a mode asked without one (a picture's minor, "a sad piano piece"): its tonic drawn from the keys
real pieces of the style are in, in that mode.

partita-small barely follows a bare ``Mode_`` token: with the empty prompt and 4 candidates, a picture's minor
was heard in minor 0.25 of the time (``bench/bench_picture_mode_select.py``, docs/PICTURES.md), a
sad text prompt's likewise. With a key it does better (its ``Key_`` token, and the rules and pulls a key
turns on), so where a request asks a mode and no key the plan chooses one
(:func:`partita.generation.planning.plan_request`): a tonic drawn with the request's seed from
:data:`TABLE_PATH` (``mode_keys.json`` beside this module, written by ``scripts/mode-keys.py`` from the
corpus's training split: per style and mode, the share of each tonic, rare ones left out), the style's own
where it has enough pieces in that mode, else the whole corpus's (A, E, G, D, B or C minor; G, F, D, C, A or
B flat major). The request says so in its notes, and its adherence still judges the mode (CM), not the key
chosen (``Request.key_chosen``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np

TABLE_PATH = Path(__file__).with_name("mode_keys.json")
"""Per style and mode, tonic -> share (``scripts/mode-keys.py``); style ``""``: the whole corpus."""
SEED_STREAM = 17
"""Mixed with the request's seed (as the meter's draw mixes 13) so this draw is not the meter's or the
pickup's."""


@cache
def mode_keys() -> dict[str, dict[str, dict[str, float]]]:
    """style -> mode -> tonic -> share, as ``mode_keys.json`` holds it."""
    return json.loads(TABLE_PATH.read_text(encoding="utf-8"))["keys"]


def key_shares(style: str | None, mode: str) -> dict[str, float]:
    """The tonics a piece of ``style`` in ``mode`` is drawn from, each with its share: the style's own where
    the table has them, else the whole corpus's; empty for a mode the table does not know."""
    table = mode_keys()
    return dict(table.get(style or "", {}).get(mode) or table.get("", {}).get(mode) or {})


def key_for_mode(style: str | None, mode: str, seed: int) -> str | None:
    """The tonic (a ``TONICS`` spelling) for a new piece of ``style`` asked in ``mode`` with no key, drawn
    with ``seed`` from :func:`key_shares`; None for a mode the table does not know."""
    shares = key_shares(style, mode)
    if not shares:
        return None
    rng = np.random.default_rng([int(seed) % 2**32, SEED_STREAM])
    draw, at = float(rng.random()) * sum(shares.values()), 0.0
    for tonic, share in shares.items():
        at += share
        if draw < at:
            return tonic
    return next(reversed(shares))
