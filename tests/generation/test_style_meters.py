"""A style's meters: a new piece that names none is written in one drawn from its style's."""

from partita.generation.config import GenerationConfig
from partita.pipelines import debug_generator, generate


def test_a_piece_without_a_meter_gets_its_style_s():
    model = debug_generator(seed=0)
    meters = {"chinese_folk": {"3/4": 1.0}}
    request, cands = generate(
        "a Chinese folk tune in D major, 4 bars", n=1, seed=2, model=model, wav=False, style_meters=meters
    )
    assert request.conditions.meter == "3/4"
    assert any("written in 3/4" in note for note in request.notes)
    assert {(t.numerator, t.denominator) for t in cands[0].score.time_signatures} == {(3, 4)}
    asked, _ = generate(
        "a Chinese folk tune in D major in 2/4, 4 bars",
        n=1,
        seed=2,
        model=model,
        wav=False,
        style_meters=meters,
    )
    assert asked.conditions.meter == "2/4"  # a meter asked for stays
    other, _ = generate("a jig in D, 4 bars", n=1, seed=2, model=model, wav=False, style_meters=meters)
    assert not any("written in" in note for note in other.notes)


def test_the_meter_draw_follows_the_shares():
    config = GenerationConfig(style_meters={"chinese_folk": {"2/4": 0.6, "4/4": 0.2}})
    drawn = [config.meter_for("chinese_folk", seed) for seed in range(300)]
    assert 150 < drawn.count("2/4") < 210 and 40 < drawn.count("4/4") < 80
    assert 40 < drawn.count(None) < 80  # the rest: the model's choice
    assert config.meter_for("jig", 1) is None
