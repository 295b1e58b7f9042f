"""Phrase form: a folk or dance tune states a phrase and comes back to it."""

from symusic import Note, Score, TimeSignature, Track

from partita.generation.form import PhrasePlan, phrase_plan, stollen_plan, with_return
from partita.pipelines import debug_generator, generate
from partita.score.bars import bar_lines


def _statement(bars: int, tpq: int = 480) -> Score:
    score = Score(tpq)
    score.time_signatures.append(TimeSignature(0, 6, 8))
    track = Track(program=40)
    for bar in range(bars):
        for k in range(6):  # running eighth notes, one pitch a bar plus its position
            track.notes.append(Note((bar * 6 + k) * tpq // 2, tpq // 2, 60 + bar + k, 80))
    track.notes.append(Note(bars * 3 * tpq - tpq // 2, 3 * tpq, 90, 80))  # rings past the statement: cut
    score.tracks.append(track)
    return score


def test_the_plan_halves_and_quarters_a_tune():
    assert phrase_plan(16) == PhrasePlan(bars=16, statement=8, returning=4)
    assert phrase_plan(32).ending == 8
    assert phrase_plan(4) is None and phrase_plan(10) is None


def test_the_return_repeats_the_first_bars_after_the_statement():
    plan = phrase_plan(8)
    piece = with_return(_statement(4), plan)
    lines = bar_lines(piece, 8)
    notes = [(n.time, n.duration, n.pitch) for n in piece.tracks[0].notes]
    first = [x for x in notes if x[0] < lines[2]]
    back = [(t - lines[4], d, p) for t, d, p in notes if lines[4] <= t < lines[6]]
    assert back == first and len(first) == 12
    assert max(t + d for t, d, _ in notes) <= lines[6]  # nothing past the return: the ending is sampled next
    assert not [x for x in notes if lines[2] <= x[0] < lines[4] and x[2] == 90 and x[1] > lines[4] - x[0]]


def test_a_folk_tune_comes_back_to_its_first_phrase_with_exactly_its_bars():
    model = debug_generator(seed=0)
    request, cands = generate(
        "a jig in D for fiddle, 8 bars", n=2, seed=3, model=model, wav=False, selector=None, form=True
    )
    assert any("phrase form" in note for note in request.notes)
    for cand in cands:
        score = cand.score
        lines = bar_lines(score, 8)
        assert max(n.time for t in score.tracks for n in t.notes) < lines[8]
        notes = {(n.time, n.pitch) for t in score.tracks for n in t.notes}
        first = {(t, p) for t, p in notes if t < lines[2]}
        assert first and {(t + lines[4], p) for t, p in first} <= notes
    _, plain = generate("a jig in D for fiddle, 8 bars", n=1, seed=3, model=model, wav=False)
    assert plain[0].score.note_num()


def test_a_chorale_stollen_returns_the_bars_after_its_pickup():
    assert stollen_plan(8) == PhrasePlan(bars=8, statement=4, returning=3, source=0)
    assert stollen_plan(9, lead=1) == PhrasePlan(bars=9, statement=5, returning=3, source=1)
    assert stollen_plan(7) is None and stollen_plan(8, lead=1) is None  # no bar left after the return
    plan = stollen_plan(9, lead=1)
    piece = with_return(_statement(5), plan)
    lines = bar_lines(piece, 9)
    notes = [(n.time, n.duration, n.pitch) for n in piece.tracks[0].notes]
    source = [(t - lines[1], d, p) for t, d, p in notes if lines[1] <= t < lines[4]]
    again = [(t - lines[5], d, p) for t, d, p in notes if lines[5] <= t < lines[8]]
    assert again == source and len(source) == 18
    assert not [x for x in notes if lines[4] <= x[0] < lines[5] and x[0] >= lines[8]]
    assert max(t + d for t, d, _ in notes) <= lines[8]


def test_a_chorale_drawn_to_restate_plays_its_first_phrase_twice():
    model = debug_generator(seed=0)
    prompt = "a chorale in G major for choir, 8 bars, starting on the downbeat"
    request, cands = generate(
        prompt, n=2, seed=3, model=model, wav=False, selector=None, style_restatements={"chorale": 1.0}
    )
    assert any("bars 1-3 come back as bars 5-7" in note for note in request.notes)
    for cand in cands:
        score = cand.score
        lines = bar_lines(score, 8)
        notes = {(n.time, n.pitch) for t in score.tracks for n in t.notes}
        first = {(t, p) for t, p in notes if t < lines[3]}
        assert first and {(t + lines[4], p) for t, p in first} <= notes
    plain, _ = generate(prompt, n=1, seed=3, model=model, wav=False, selector=None)
    assert not any("come back" in note for note in plain.notes)  # no share for chorales: never


def test_the_restatement_draw_follows_its_share():
    from partita.generation.config import GenerationConfig

    config = GenerationConfig(style_restatements={"chorale": 0.5})
    drawn = [config.restates("chorale", seed) for seed in range(200)]
    assert 70 < sum(drawn) < 130
    assert not any(config.restates("jig", seed) for seed in range(50))
