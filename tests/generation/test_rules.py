"""The rule protocol: rules compose into a RuleSet, and each sequence is read once."""

import pytest
import torch

from partita.generation import sample
from partita.generation.rules import RULES, Constraints, Rule, RuleSet, Tier
from partita.generation.rules.bar_count import BarCount
from partita.generation.rules.tracker import Context, Track
from partita.tokens import Conditions, MiditokTokenizer


@pytest.fixture(scope="module")
def tok():
    return MiditokTokenizer()


class NoPitch60(Rule):
    """A tiny custom rule: middle C is never played (hard), and the ids naming program 40 get a bonus."""

    tier = Tier.HARD

    def __init__(self, ctx: Context) -> None:
        self.c4 = torch.tensor(["Pitch_60" in toks for toks in ctx.ids.expansions])
        self.violin = torch.tensor(["Program_40" in toks for toks in ctx.ids.expansions])

    @classmethod
    def build(cls, ctx: Context) -> "NoPitch60":
        return cls(ctx)

    def mask(self, state, track: Track, width: int) -> torch.Tensor | None:
        return self.c4[:width] if track.bars else None

    def pull(self, state, track: Track, logits: torch.Tensor) -> None:
        logits += self.violin[: logits.shape[0]].to(logits.dtype) * 5.0


class Counter(Rule):
    """Counts the tokens it is advanced by, per sequence and in all."""

    tier = Tier.SOFT
    calls = 0

    def start(self, track: Track) -> int:
        return 0

    def advance(self, state: int, token: int, track: Track) -> int:
        Counter.calls += 1
        return state + 1


def _rows(tok, n):
    return [tok.condition_ids(Conditions()) for _ in range(n)]


def test_a_custom_rule_composes_into_a_ruleset(tok):
    c = Constraints(bars=2, grammar=True)
    plain = RuleSet(tok, c)
    custom = RuleSet(tok, c, rules=(*RULES, NoPitch60))
    assert isinstance(custom.rules[-1], NoPitch60) and len(custom.rules) == len(plain.rules) + 1
    c4 = tok.miditok.vocab["Pitch_60"]
    bar, violin = tok.miditok.vocab["Bar_None"], tok.miditok.vocab["Program_40"]
    rows = [r + [bar, tok.miditok.vocab["Position_0"]] for r in _rows(tok, 2)]
    logits = torch.zeros(2, tok.vocab_size)
    before, after = plain(rows, logits), custom(rows, logits)
    neg = torch.finfo(logits.dtype).min
    assert before[0, c4] == 0 and after[0, c4] == neg  # the hard mask
    assert after[0, violin] == before[0, violin] + 5.0  # the pull


def test_finished_rows_are_not_replayed(tok):
    Counter.calls = 0
    proc = RuleSet(tok, Constraints(), rules=(*RULES, Counter))
    rows = _rows(tok, 3)
    music = [tok.miditok.vocab[t] for t in ("Bar_None", "Position_0", "Program_0", "Pitch_60")]
    for step, t in enumerate(music):
        proc(rows, torch.zeros(len(rows), tok.vocab_size))
        for r in rows:
            r.append(t)
        if step == 1:  # the middle row finishes: it leaves the batch, the others keep their state
            proc.select([0, 2])
            rows = [rows[0], rows[2]]
    proc(rows, torch.zeros(len(rows), tok.vocab_size))
    # the first token of all three rows, then three more of the two that stay: each read once
    assert Counter.calls == 3 + 2 * 3
    assert [s.states[-1] for s in proc._seqs] == [4, 4]
    proc(_rows(tok, 5), torch.zeros(5, tok.vocab_size))  # a batch of another size starts anew
    assert Counter.calls == 9


def test_sample_tells_the_ruleset_which_rows_stay(tok):
    from partita.models import debug_model

    model = debug_model(seed=4, vocab_size=tok.vocab_size)
    Counter.calls = 0
    proc = RuleSet(tok, Constraints(bars=1), rules=(*RULES, Counter))
    prefix = tok.condition_ids(Conditions())
    r = sample(
        model,
        prefix,
        max_new_tokens=60,
        seed=1,
        batch_size=4,
        logits_processor=proc,
        stop_tokens=[tok.eos_id],
    )
    new = [len(t) - len(prefix) for t in r.tokens]
    # every token but each row's last was read once (the last one ends the row before another draw)
    assert Counter.calls == sum(n - 1 for n in new)


def test_the_bar_count_decides_the_end(tok):
    proc = RuleSet(tok, Constraints(bars=1, meter="3/4"))
    assert any(isinstance(r, BarCount) for r in proc.rules)
    rows = [r + [tok.miditok.vocab["Bar_None"]] for r in _rows(tok, 1)]
    out = proc(rows, torch.zeros(1, tok.vocab_size))
    # the first bar must open with its meter, yet the piece has its one bar: it may end
    neg = torch.finfo(out.dtype).min
    assert out[0, tok.eos_id] > 0 and out[0, tok.miditok.vocab["TimeSig_3/4"]] == 0  # the bar line's mass too
    assert out[0, tok.miditok.vocab["Position_0"]] == neg and out[0, tok.miditok.vocab["Bar_None"]] == neg


def test_reset_with_a_budget_rebuilds_the_rules(tok):
    proc = RuleSet(tok, Constraints(bars=4))
    assert not any(type(r).__name__ == "TokenBudget" for r in proc.rules)
    proc.reset(token_budget=40)
    assert proc.c.token_budget == 40 and any(type(r).__name__ == "TokenBudget" for r in proc.rules)


def test_the_token_budget_keeps_a_note_of_each_voice_for_the_bars_to_come(tok):
    from partita.generation.rules.token_budget import TokenBudget

    def budget_rule(programs):
        proc = RuleSet(tok, Constraints(bars=8, token_budget=400, programs=programs))
        return next(r for r in proc.rules if isinstance(r, TokenBudget))

    one, four = budget_rule([0]), budget_rule([52, 53, 54, 48])
    assert one.per_bar == 6  # a bar line and a position, one note
    assert four.per_bar == 18  # and a note of each of four voices: it closes the bars sooner


def test_the_repeat_pull_favours_the_next_id_of_an_earlier_bar_followed_so_far():
    from partita.generation.rules.repeat import RepeatPull

    opens = [False] * 10
    opens[1] = opens[2] = True  # ids 1 and 2 open a bar (2: a bar line merged with a time signature)
    pull = RepeatPull(opens, weight=3.0, lags=(2, 3))
    bars = pull.start()
    for t in [2, 5, 6, 7, 1, 5, 6, 9, 1, 4, 1, 5]:  # bars 5 6 7 | 5 6 9 | 4 | 5 so far
        pull.advance(bars, t)
    assert bars == [[], [2, 5, 6, 7], [1, 5, 6, 9], [1, 4], [1, 5]]
    assert pull.favoured(bars) == {6}  # bars 1 and 2 (three and two back) go on with 6 (openers not compared)
    pull.advance(bars, 6)
    assert pull.favoured(bars) == {7, 9}  # bar 2 had 9 next, bar 1 had 7
    pull.advance(bars, 7)
    assert pull.favoured(bars) == {1}  # bar 1 is repeated to its end: its bar line comes next
    logits = torch.zeros(10)
    pull.pull(bars, None, logits)
    assert logits.tolist() == [0, 3.0, 0, 0, 0, 0, 0, 0, 0, 0]
    pull.advance(bars, 8)  # the bar leaves the copy: nothing is favoured any more
    assert pull.favoured(bars) == set()


def test_the_repeat_pull_never_asks_for_a_bar_twice_in_a_row():
    from partita.generation.rules.repeat import LAGS, RepeatPull

    assert 1 not in LAGS
    opens = [False] * 10
    opens[1] = True
    pull = RepeatPull(opens, weight=3.0, lags=(1,))
    bars = pull.start()
    for t in [1, 5, 6, 1, 5]:  # bar 1: 5 6; bar 2 so far: 5 (following bar 1, the bar just played)
        pull.advance(bars, t)
    assert pull.favoured(bars) == set()
    two = RepeatPull(opens, weight=3.0, lags=(2,))
    bars = two.start()
    for t in [1, 5, 6, 1, 7, 1, 5]:  # 5 6 | 7 | 5 so far: bar 1 two back, a different bar between
        two.advance(bars, t)
    assert two.favoured(bars) == {6}
    bars = two.start()
    for t in [1, 5, 6, 1, 5, 6, 1, 5]:  # 5 6 | 5 6 | 5: bar 1 equals the bar just played
        two.advance(bars, t)
    assert two.favoured(bars) == set()  # not pulled (the model may still play it)
    bars = two.start()
    for t in [1, 5, 6, 1, 7] * 2 + [1, 5]:  # 5 6 | 7 | 5 6 | 7 | 5: bar 3 already repeats bar 1
        two.advance(bars, t)
    assert two.favoured(bars) == set()  # not a third time at that lag


def test_the_repeat_pull_is_built_only_when_asked_and_reaches_the_constraints(tok, monkeypatch):
    from partita.generation.rules.repeat import RepeatPull
    from partita.pipelines import debug_generator, generate

    assert not any(isinstance(r, RepeatPull) for r in RuleSet(tok, Constraints(bars=4, grammar=True)).rules)
    pulls = RuleSet(tok, Constraints(bars=4, grammar=True, repeat_weight=2.0)).rules
    assert any(isinstance(r, RepeatPull) for r in pulls)
    seen = []
    init = RuleSet.__init__

    def spy(self, tokenizer, constraints, **kw):
        seen.append(constraints.repeat_weight)
        init(self, tokenizer, constraints, **kw)

    monkeypatch.setattr(RuleSet, "__init__", spy)
    model = debug_generator()
    generate("a waltz in G, 2 bars", n=1, seed=1, model=model, wav=False)
    generate("a waltz in G, 2 bars", n=1, seed=1, model=model, wav=False, repeat_weight=1.5)
    assert seen == [0.0, 1.5]


def test_the_repeat_pull_follows_the_style_unless_set(tok):
    from partita.generation.config import GenerationConfig
    from partita.generation.planning import plan_request
    from partita.generation.prompt import project_prompt

    config = GenerationConfig()
    assert config.repeat_weight_for("jig") == 2.5 and config.repeat_weight_for("chinese_folk") == 1.5
    assert config.repeat_weight_for("german_folk") == 0.0 and config.repeat_weight_for(None) == 0.0
    assert config.update(repeat_weight=0.0).repeat_weight_for("jig") == 0.0  # set: it wins
    assert config.update(repeat_weight=1.0).repeat_weight_for("chorale") == 1.0
    jig = plan_request(project_prompt("an Irish jig in D, 8 bars"), tok, config)
    assert jig.constraints.repeat_weight == 2.5
    chorale = plan_request(project_prompt("a chorale in G, 8 bars"), tok, config)
    assert chorale.constraints.repeat_weight == 0.0
    saved = GenerationConfig.from_dict(config.to_dict())
    assert saved.repeat_weight is None and saved.style_repeat_weights == config.style_repeat_weights


def test_the_loop_guard_penalises_copying_the_bar_just_played_but_never_the_bar_line():
    from partita.generation.rules.loops import LoopGuard

    opens = [False] * 10
    opens[1] = True
    guard = LoopGuard(opens, weight=2.0, lags=(1,))
    bars = guard.start()
    for t in [1, 5, 6, 1, 5]:  # bar 1: 5 6; bar 2 so far: 5, copying bar 1
        guard.advance(bars, t)
    logits = torch.zeros(10)
    guard.pull(bars, None, logits)
    assert logits.tolist() == [0, 0, 0, 0, 0, 0, -2.0, 0, 0, 0]  # 6 would go on copying
    guard.advance(bars, 6)  # the copy is whole: only its bar line is left, and that is not touched
    assert guard.copying(bars) == {}
    for t in [1, 7]:  # bar 3 leaves the copy at once
        guard.advance(bars, t)
    assert guard.copying(bars) == {}


def _bars(rule, ids):
    bars = rule.start()
    for t in ids:
        rule.advance(bars, t)
    return bars


def test_a_two_bar_figure_is_not_looped():
    from partita.generation.rules.loops import LoopGuard
    from partita.generation.rules.repeat import RepeatPull, loops_figure

    opens = [False] * 12
    opens[1] = True
    a, b, c = [1, 5, 6], [1, 7, 8], [1, 9, 10]  # bars: 5 6 | 7 8 | 9 10
    guard = LoopGuard(opens, weight=2.0, lags=(1,))
    pull = RepeatPull(opens, weight=2.5)
    once = _bars(guard, [*a, *b, 1, 5])  # A B, then A again: no loop yet
    assert guard.copying(once) == {} and loops_figure(once, [5, 6]) is None
    assert 6 in pull.favoured(_bars(pull, [*a, *b, 1, 5]))
    looping = _bars(guard, [*a, *b, *a, 1, 7])  # A B A, then B: A B A B
    assert loops_figure(looping, [7, 8]) == 2 and loops_figure(looping, [9, 10]) is None
    assert guard.copying(looping) == {8: 8.0}  # 4 x the penalty
    assert 8 not in pull.favoured(_bars(pull, [*a, *b, *a, 1, 7]))
    moved_on = _bars(guard, [*a, *b, *a, *c, 1, 5])  # A B A C, then A: no figure twice in a row
    assert guard.copying(moved_on) == {}
    assert loops_figure(_bars(guard, [*a, *a]), [5, 6]) == 1


def test_the_loop_penalty_follows_the_style_unless_set():
    from partita.generation.config import GenerationConfig

    config = GenerationConfig()
    assert config.loop_penalty_for("jig") == 1.0 and config.loop_penalty_for("chorale") == 0.0
    assert config.loop_penalty_for("chinese_folk") == 1.0
    assert config.update(loop_penalty=0.0).loop_penalty_for("jig") == 0.0
    assert config.update(loop_penalty=2.0).loop_penalty_for(None) == 2.0
