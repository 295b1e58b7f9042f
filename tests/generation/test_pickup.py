"""Pickups (anacruses): a piece may open with an upbeat, and the bars asked for follow it."""

import pytest
from symusic import Note, Score, TimeSignature, Track

from partita.evaluation.realism import MarkovBaseline, count_bars, crop_bars
from partita.generation.config import GenerationConfig
from partita.generation.planning import plan_request
from partita.generation.rules.pickup import in_open_bar
from partita.generation.rules.tracker import Track as RuleTrack
from partita.pipelines import Generator
from partita.score.bars import full_bars, notated_bars, pickup_ticks

JIG_UPBEAT = {"jig": {"1": 1.0}}


def _score(meter: tuple[int, int], notes: list[tuple[int, int]], tpq: int = 480) -> Score:
    score = Score(tpq)
    score.time_signatures.append(TimeSignature(0, *meter))
    track = Track()
    for start, duration in notes:
        track.notes.append(Note(start, duration, 67, 80))
    score.tracks.append(track)
    return score


def test_a_pickup_is_a_first_note_in_the_second_half_of_the_first_bar():
    upbeat = _score((6, 8), [(1200, 240), (1440, 480), (2880, 720)])  # one eighth before bar 2, then 2 bars
    assert pickup_ticks(upbeat) == 1200
    assert notated_bars(upbeat) == 3 and full_bars(upbeat) == 2
    early = _score((4, 4), [(480, 480), (1920, 480)])  # a rest of one beat: a bar that starts late
    assert pickup_ticks(early) == 0 and full_bars(early) == 2
    alone = _score((4, 4), [(1440, 480)])  # one bar with its last beat: a fragment, not a pickup
    assert pickup_ticks(alone) == 0 and full_bars(alone) == 1
    assert pickup_ticks(Score(480)) == 0


def test_real_pieces_are_cropped_and_counted_after_their_pickup():
    bar = 1920
    piece = _score((4, 4), [(1440, 480)] + [(bar * k, bar) for k in range(1, 10)])
    assert count_bars(piece) == 10 and count_bars(piece, pickup=True) == 9
    cropped = crop_bars(piece, 8, pickup=True)
    assert count_bars(cropped) == 9 and count_bars(cropped, pickup=True) == 8
    assert count_bars(crop_bars(piece, 8)) == 8  # without: the pickup bar is bar 1


def test_the_markov_chain_adds_a_bar_after_a_pickup_it_draws():
    bar = 1920
    real = [_score((4, 4), [(1440, 480)] + [(bar * k + 480 * j, 480) for k in range(1, 5) for j in range(4)])]
    chain = MarkovBaseline().fit(real)
    piece = chain.sample(4, (4, 4), 480, seed=0, pickup=True)
    assert pickup_ticks(piece) == 1440
    assert count_bars(piece) == 5 and count_bars(piece, pickup=True) == 4
    assert count_bars(chain.sample(4, (4, 4), 480, seed=0)) == 4


def test_a_style_opens_with_a_pickup_as_often_as_its_shares_say():
    config = GenerationConfig(style_pickups={"jig": {"1": 0.5, "3": 0.25, "4": 0.25}})
    drawn = [config.pickup_beats("jig", 6, seed) for seed in range(400)]
    assert set(drawn) == {0, 1, 3}  # 4 beats of 6/8 is more than half a bar: never
    assert 0.4 < drawn.count(1) / 400 < 0.6 and 0.15 < drawn.count(3) / 400 < 0.35
    assert config.pickup_beats("chorale", 4, 0) == 0  # a style without shares
    assert GenerationConfig(style_pickups=JIG_UPBEAT, pickups=False).pickup_beats("jig", 6, 0) == 0


def test_a_pickup_bar_asks_only_its_share_of_a_bars_notes():
    first, second = RuleTrack(meter="4/4", bars=1), RuleTrack(meter="4/4", bars=2)
    assert in_open_bar(8, first, pickup=1) == 2  # one beat of four
    assert in_open_bar(8, second, pickup=1) == 8
    assert in_open_bar(8, first, pickup=0) == 8
    assert in_open_bar(8, RuleTrack(meter="3/4", bars=1), pickup=2) == 8  # over half the bar: no pickup


def test_the_plan_samples_a_pickup_bar_before_the_bars_asked_for():
    gen = Generator.debug()
    request = gen.request("an Irish jig in D major for fiddle, 6/8, 4 bars")
    config = GenerationConfig(style_pickups=JIG_UPBEAT)
    plan = plan_request(request, gen.tokenizer, config, seed=1)
    assert plan.lead_bars == 1 and plan.sampled_bars(4) == 5
    assert plan.constraints.bars == 5 and plan.constraints.pickup == 1
    assert any("pickup" in note for note in plan.notes)
    assert plan_request(request, gen.tokenizer, config).lead_bars == 0  # no seed, no draw
    off = GenerationConfig(pickups=False)
    assert plan_request(request, gen.tokenizer, off, seed=1).constraints.pickup == 0


@pytest.mark.parametrize(
    ("prompt", "meter"), [("an Irish jig in D major for fiddle, 6/8, 4 bars", "6/8"), ("a jig, 4 bars", None)]
)
def test_a_generated_piece_opens_with_its_pickup_and_has_the_bars_asked_for(prompt, meter, tmp_path):
    """Even an untrained model: its first notes start one beat before the first full bar (in the meter it
    writes where none was asked for), which is engraved as an implicit bar 0, and 4 full bars follow."""
    from partita.evaluation.realism import bar_ticks
    from partita.score.musicxml import write_musicxml

    gen = Generator.debug(seed=0)
    cands = gen.generate(prompt, n=2, seed=1, wav=False, selector=None, style_pickups=JIG_UPBEAT)
    for cand in cands:
        score = cand.score
        bar, beat = bar_ticks(score)
        if meter:
            assert (bar, beat) == (3 * score.ticks_per_quarter, score.ticks_per_quarter // 2)
        assert pickup_ticks(score) == bar - beat
        assert full_bars(score) == 4
        assert cand.adherence.get("bars") == 1.0
    path = write_musicxml(cands[0].score, tmp_path / "jig.musicxml")
    text = path.read_text()
    assert 'implicit="yes"' in text  # bar 0, the pickup


def test_the_repeat_pull_never_repeats_the_pickup_bar():
    from partita.generation.rules.repeat import RepeatPull

    opens = [False] * 10
    opens[1] = True
    bars = [[], [1, 5, 6], [1, 7, 8], [1]]  # the pickup bar, bar 1, and bar 2 just opened
    assert RepeatPull(opens, 3.0).favoured(bars) == {5}  # two bars back: the pickup bar's next id
    assert RepeatPull(opens, 3.0, first=2).favoured(bars) == set()


def test_without_a_pickup_the_first_notes_start_in_the_first_half_of_the_bar():
    """A stand-in model that wants to start on the last beat is held to the first half of bar 1."""
    import torch

    from partita.generation.rules import Constraints, RuleSet
    from partita.tokens import Conditions

    gen = Generator.debug()
    tok = gen.tokenizer
    res = tok.positions_per_beat
    late, early = tok.miditok.vocab[f"Position_{3 * res}"], tok.miditok.vocab[f"Position_{res}"]
    rule = RuleSet(tok, Constraints(meter="4/4", bars=2, grammar=True))
    vocab = tok.miditok.vocab
    rows = [[*tok.condition_ids(Conditions()), vocab["Bar_None"], vocab["TimeSig_4/4"]]]
    logits = torch.zeros(1, tok.vocab_size)
    masked = rule(rows, logits)
    assert masked[0, late] < -1e30 and masked[0, early] == 0
    picked = RuleSet(tok, Constraints(meter="4/4", bars=3, grammar=True, pickup=1))(rows, logits)
    assert picked[0, late] == 0 and picked[0, early] < -1e30


@pytest.mark.parametrize(
    ("prompt", "beats"),
    [
        ("an Irish jig in G with an upbeat, 8 bars", 1),
        ("a chorale with a two-beat pickup", 2),
        ("a tune with an upbeat of 2 beats", 2),
        ("a reel with an anacrusis", 1),
        ("a German folk song, no upbeat", 0),
        ("a hymn without a pickup", 0),
        ("a waltz starting on the downbeat", 0),
        ("an upbeat pop song", None),  # an upbeat song is a lively one: a tempo, not a pickup
    ],
)
def test_a_pickup_asked_for_in_words(prompt, beats):
    from partita.generation.prompt import project_prompt

    request = project_prompt(prompt)
    assert request.pickup == beats
    assert not request.not_understood
    if beats is None:
        assert request.conditions.tempo_bpm is not None


def test_the_plan_follows_the_pickup_asked_for_over_the_styles_shares():
    gen = Generator.debug()
    never = GenerationConfig(style_pickups={"jig": {}, "german_folk": {}})
    asked = gen.request("a German folk song in 3/4, 4 bars, with an upbeat")
    plan = plan_request(asked, gen.tokenizer, never)  # asked: no seed needed, the style's shares ignored
    assert plan.constraints.pickup == 1 and plan.sampled_bars(4) == 5
    refused = gen.request("an Irish jig in D major, 6/8, 4 bars, no upbeat")
    jig = GenerationConfig(style_pickups=JIG_UPBEAT)
    assert plan_request(refused, gen.tokenizer, jig, seed=1).lead_bars == 0
    too_long = gen.request("a waltz in 3/4 with a two-beat pickup, 4 bars")
    plan = plan_request(too_long, gen.tokenizer, never)
    assert plan.constraints.pickup == 1 and any("more than half a bar" in n for n in plan.notes)
