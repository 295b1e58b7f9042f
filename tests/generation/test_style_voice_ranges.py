"""A style's registers for its own voices (GenerationConfig.style_voice_ranges): pop's melody, bridge and
piano each start notes only in their range, with no voice order asked, and a tacet voice takes its range with
it."""

from partita.generation.config import GenerationConfig
from partita.generation.planning import plan_request
from partita.pipelines import Generator

RANGES = {"pop": [[60, 72], [55, 67], [40, 52]]}
PROMPT = "a pop piano song in C major, 2 bars"


def test_the_plan_gives_each_voice_kept_its_own_range():
    gen = Generator.debug()
    request = gen.request("a pop piano song in C major, 4 bars")
    every = plan_request(
        request, gen.tokenizer, GenerationConfig(style_voice_ranges=RANGES, style_tacet={}), seed=1
    )
    assert every.constraints.voices == [0, 1, 2] and every.constraints.voice_order == []
    assert every.constraints.voicing.ranges == [(60, 72), (55, 67), (40, 52)]
    tacet = GenerationConfig(style_voice_ranges=RANGES, style_tacet={"pop": {"0": 1.0}})
    resting = plan_request(gen.request("a pop piano song in C major, 4 bars"), gen.tokenizer, tacet, seed=1)
    assert resting.constraints.voices == [1, 2]  # the melody rests: the bridge keeps the bridge's range
    assert resting.constraints.voicing.ranges == [(55, 67), (40, 52)]
    plain = plan_request(
        request, gen.tokenizer, GenerationConfig(style_voice_ranges={}, style_tacet={}), seed=1
    )
    assert plain.constraints.voicing.ranges == []  # {}: any register
    shipped = plan_request(request, gen.tokenizer, GenerationConfig(style_tacet={}), seed=1)
    assert shipped.constraints.voicing.ranges == [(56, 84), (53, 89), (37, 72)]  # POP909's, measured
    jig = plan_request(
        gen.request("an Irish jig in D, 4 bars"), gen.tokenizer, GenerationConfig(**_all()), seed=1
    )
    assert jig.constraints.voicing.ranges == []


def _all() -> dict:
    return {"style_voice_ranges": RANGES, "style_tacet": {}}


def test_each_voice_of_a_generated_piece_stays_in_its_range():
    gen = Generator.debug(seed=0)
    free = gen.generate(PROMPT, n=2, seed=3, wav=False, selector=None, style_tacet={})
    outside = [n.pitch for c in free for t in c.sampled.tracks for n in t.notes if not 40 <= n.pitch <= 72]
    assert outside, "the debug model should stray beyond the ranges on its own, or the test shows nothing"
    cands = gen.generate(PROMPT, n=2, seed=3, wav=False, selector=None, **_all())
    for cand in cands:
        for track in cand.sampled.tracks:
            lo, hi = RANGES["pop"][track.program]
            assert track.notes and all(lo <= n.pitch <= hi for n in track.notes), (track.program, track.notes)
