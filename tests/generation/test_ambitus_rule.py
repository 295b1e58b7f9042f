"""A melody's range: once notes span lo..hi, no pitch beyond lo + ambitus or under hi - ambitus."""

from partita.generation.rules import Constraints, RuleSet
from partita.generation.rules.ambitus import Ambitus
from partita.pipelines import Generator
from partita.tokens import MiditokTokenizer


def test_the_range_so_far_bounds_the_next_pitch():
    tok = MiditokTokenizer()
    rules = RuleSet(tok, Constraints(bars=4, ambitus=12))
    rule = next(r for r in rules.rules if isinstance(r, Ambitus))
    vocab = tok.miditok.vocab
    state = rule.start(None)
    for pitch in (60, 64):
        state = rule.advance(state, vocab[f"Pitch_{pitch}"], None)
    assert state == [60, 64]
    bad = rule.mask(state, None, tok.vocab_size)
    assert bad[vocab["Pitch_73"]] and bad[vocab["Pitch_51"]]
    assert not bad[vocab["Pitch_72"]] and not bad[vocab["Pitch_52"]] and not bad[vocab["Position_0"]]
    assert not any(isinstance(r, Ambitus) for r in RuleSet(tok, Constraints(bars=4)).rules)


def test_a_one_instrument_piece_keeps_its_styles_range():
    gen = Generator.debug(seed=0)
    narrow = {"german_folk": 7}
    for seed in (0, 1):
        (cand,) = gen.generate(
            "a German folk song for voice, 4 bars", n=1, seed=seed, wav=False, selector=None,
            style_ambitus=narrow, pickups=False,
        )  # fmt: skip
        pitches = [n.pitch for t in cand.score.tracks for n in t.notes]
        assert pitches and max(pitches) - min(pitches) <= 7
