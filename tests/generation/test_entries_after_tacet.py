"""A style's entries belong to its voices, not to their positions once a tacet voice is left out: pop's melody
entering late (``entries=[8, 0, 0]``) never makes the bridge enter late in a piece whose melody rests."""

import pytest

from partita.generation.planning import plan_request
from partita.pipelines import debug_generator

PROMPT = "a pop song for piano in A major, 8 bars"


@pytest.fixture(scope="module")
def lm():
    return debug_generator()


def _plans(lm, **changes):
    config = lm.config.update(entries=[8, 0, 0], **changes)
    out = []
    for seed in range(8):
        request = lm.request(PROMPT)
        out.append(plan_request(request, lm.tokenizer, config, seed=seed).constraints)
    return out


def test_the_melody_enters_late_and_the_others_at_once(lm):
    plans = _plans(lm)
    with_melody = [c for c in plans if len(c.programs) == 3]
    resting = [c for c in plans if len(c.programs) == 2]
    assert with_melody and resting, "the seeds should draw both a tacet melody and a sounding one"
    for c in with_melody:
        melody, *others = c.programs
        assert c.entry_bars[melody] == 4  # squeezed to the middle of 8 bars
        assert all(c.entry_bars[p] == 0 for p in others)
    for c in resting:
        assert not any(c.entry_bars.values()), c.entry_bars


def test_without_tacet_every_voice_keeps_its_own_entry(lm):
    for c in _plans(lm, style_tacet={}):
        assert len(c.programs) == 3
        assert [c.entry_bars[p] for p in c.programs] == [4, 0, 0]
