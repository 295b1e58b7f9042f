import dataclasses
import itertools

import pytest
import torch

from partita.generation.harmony import chord_pitch_classes, scale_pitch_classes
from partita.generation.rules import REMI_NEXT, Constraints, RuleSet
from partita.tokens import Conditions, MiditokTokenizer, TokenizerConfig


@pytest.fixture(scope="module")
def tok():
    return MiditokTokenizer()


# What follows each REMI+ token type in a well-formed sequence: the stand-in model below prefers these.
_NEXT = {
    "Bar": ("TimeSig",),
    "TimeSig": ("Position",),
    "Position": ("Program", "Tempo"),
    "Tempo": ("Program",),
    "Program": ("Pitch",),
    "Pitch": ("Velocity",),
    "Velocity": ("Duration",),
    "Duration": ("Program", "Position", "Bar", "EOS"),
    "CondEnd": ("Bar",),
}


def _kinds(tok):
    return [tok.miditok[i].split("_")[0] for i in range(tok.vocab_size)]


def _sample(tok, constraints, batch=4, steps=900, seed=0, downbeats=False):
    """Sample under the constraints from random logits biased towards REMI+'s grammar (a stand-in for a
    model)."""
    proc = RuleSet(tok, constraints)
    g = torch.Generator().manual_seed(seed)
    rows = [tok.condition_ids(Conditions()) for _ in range(batch)]
    done = [False] * batch
    kinds = _kinds(tok)
    prefer = {k: torch.tensor([kind in nxt for kind in kinds]) for k, nxt in _NEXT.items()}
    bar = tok.miditok.vocab["Bar_None"]
    position_0 = tok.miditok.vocab["Position_0"]
    for _ in range(steps):
        logits = torch.randn(batch, tok.vocab_size, generator=g) * 2
        for b, r in enumerate(rows):
            last = kinds[r[-1]]
            if last in prefer:
                logits[b, prefer[last]] += 8.0
            if last == "Duration":  # one id among hundreds of positions and programs: make bar lines likely
                logits[b, [bar, tok.eos_id]] += 5.0
            if downbeats and last in ("Bar", "TimeSig"):  # a bar's music mostly starts on its first beat
                logits[b, position_0] += 8.0
        logits = proc(rows, logits)
        nxt = torch.multinomial(torch.softmax(logits, -1), 1, generator=g)[:, 0].tolist()
        for b in range(batch):
            if not done[b]:
                rows[b].append(nxt[b])
                done[b] = nxt[b] == tok.eos_id
        if all(done):
            break
    return rows, done


def test_bars_meter_programs_and_termination_are_guaranteed(tok):
    c = Constraints(meter="3/4", bars=6, programs=[40, 33])
    rows, done = _sample(tok, c)
    assert all(done), "every sequence must end"
    for r in rows:
        toks = tok.tokens(r)
        assert toks.count("Bar_None") == 6
        assert {t for t in toks if t.startswith("TimeSig_")} == {"TimeSig_3/4"}
        assert {t for t in toks if t.startswith("Program_")} <= {"Program_40", "Program_33"}
        assert toks.index("EOS_None") == len(toks) - 1
        score = tok.decode(r)  # what a user gets: the decoded score keeps the guarantees too
        assert score.note_num() > 0
        assert {(t.numerator, t.denominator) for t in score.time_signatures} == {(3, 4)}
        assert {t.program for t in score.tracks} <= {40, 33}


def test_in_key_pitches(tok):
    c = Constraints(bars=4, key="Eb", mode="minor", in_key=True)
    rows, _ = _sample(tok, c, seed=1)
    allowed = scale_pitch_classes("Eb", "minor")
    pcs = {int(t.split("_")[1]) % 12 for r in rows for t in tok.tokens(r) if t.startswith("Pitch_")}
    assert pcs and pcs <= allowed


def test_tempo_tokens_stay_in_the_requested_bin(tok):
    from partita.analysis.tempo import tempo_bin

    free, _ = _sample(tok, Constraints(bars=6), seed=2)
    seen_free = {float(t.split("_")[1]) for r in free for t in tok.tokens(r) if t.startswith("Tempo_")}
    assert {tempo_bin(t) for t in seen_free} - {tempo_bin(72)}, "unconstrained, other bins occur"
    rows, _ = _sample(tok, Constraints(bars=6, tempo=72.0), seed=2)
    seen = {float(t.split("_")[1]) for r in rows for t in tok.tokens(r) if t.startswith("Tempo_")}
    assert seen and {tempo_bin(t) for t in seen} == {tempo_bin(72)}


def test_chord_per_bar(tok):
    chords = ["C:maj", "A:min", "F:maj", "G:7"]
    c = Constraints(bars=4, chords=chords, chord_tones_only=True)
    rows, _ = _sample(tok, c, seed=2)
    for r in rows:
        bar = 0
        for t in tok.tokens(r)[tok.tokens(r).index("CondEnd_None") + 1 :]:
            if t == "Bar_None":
                bar += 1
            elif t.startswith("Pitch_"):
                assert int(t.split("_")[1]) % 12 in chord_pitch_classes(chords[bar - 1])


def test_chords_loop_over_the_bars_with_chord_tones_on_the_beats(tok):
    chords = ["C:maj", "A:min", "F:maj", "G:7"]
    c = Constraints(bars=8, meter="4/4", chords=chords, key="C", mode="major")
    rows, done = _sample(tok, c, seed=5)
    assert all(done)
    scale = scale_pitch_classes("C", "major")
    resolution = max(r for _, _, r in tok.config.beat_resolution)
    on_beat, between = 0, 0
    for r in rows:
        bar, pos = 0, -1
        for t in tok.tokens(r)[tok.tokens(r).index("CondEnd_None") + 1 :]:
            if t == "Bar_None":
                bar, pos = bar + 1, -1
            elif t.startswith("Position_"):
                pos = int(t.split("_")[1])
            elif t.startswith("Pitch_"):
                pc, tones = int(t.split("_")[1]) % 12, chord_pitch_classes(chords[(bar - 1) % 4])
                if pos % resolution == 0:
                    on_beat += 1
                    assert pc in tones, (bar, pos, t)
                else:
                    between += 1
                    assert pc in tones | scale, (bar, pos, t)
        assert bar == 8
    assert on_beat and between  # both kinds of notes were sampled


def test_chord_pitch_classes():
    assert chord_pitch_classes("A:min7") == {9, 0, 4, 7}
    assert chord_pitch_classes("Bb:maj") == {10, 2, 5}
    assert chord_pitch_classes("N") == set()


def test_only_remi_is_supported():
    with pytest.raises(ValueError, match="REMI"):
        RuleSet(MiditokTokenizer(TokenizerConfig(kind="tsd")), Constraints(bars=2))


def _drive(tok, proc, logits_of, seed: int, batch: int = 3, steps: int = 800) -> tuple[list[list[int]], int]:
    """Sample ``batch`` rows under ``proc`` from ``logits_of(rows, generator)``; (rows, where the music
    starts)."""
    g = torch.Generator().manual_seed(seed)
    rows = [tok.condition_ids(Conditions()) for _ in range(batch)]
    start = len(rows[0])
    for _ in range(steps):
        logits = proc(rows, logits_of(rows, g))
        nxt = torch.multinomial(torch.softmax(logits, -1), 1, generator=g)[:, 0].tolist()
        for b, r in enumerate(rows):
            if r[-1] != tok.eos_id:
                r.append(nxt[b])
        if all(r[-1] == tok.eos_id for r in rows):
            break
    return rows, start


def _notes_per_bar(tok, row, kinds: tuple[str, ...] = ("Pitch_", "PitchDrum_")) -> list[int]:
    """Per bar, the tokens of ``kinds`` in it (notes; with ``("Position_",)`` its onsets)."""
    counts: list[int] = []
    for t in tok.tokens(row):
        if t == "Bar_None":
            counts.append(0)
        elif t.startswith(kinds) and counts:
            counts[-1] += 1
    return counts


@pytest.mark.parametrize("minimum", [0, 1, 2])
def test_no_bar_closes_before_its_notes(tok, minimum):
    """A stand-in model that would rather close every bar at once (empty bars) plays notes in each one."""
    proc = RuleSet(tok, Constraints(bars=5, min_notes_per_bar=minimum))
    kinds = _kinds(tok)
    prefer = {k: torch.tensor([kind in nxt for kind in kinds]) for k, nxt in _NEXT.items()}
    closing = torch.tensor([kind in ("Bar", "EOS") for kind in kinds])

    def logits_of(rows, g):
        logits = torch.randn(len(rows), tok.vocab_size, generator=g)
        for b, r in enumerate(rows):
            if kinds[r[-1]] in prefer:
                logits[b, prefer[kinds[r[-1]]]] += 6.0
            logits[b, closing] += 12.0  # always the likeliest next token
        return logits

    rows, _ = _drive(tok, proc, logits_of, seed=3, steps=600)
    for r in rows:
        assert r[-1] == tok.eos_id
        counts = _notes_per_bar(tok, r)
        assert len(counts) == 5
        if minimum:
            assert min(counts) >= minimum, counts
        else:
            assert min(counts) == 0  # without the constraint this model leaves bars empty


def test_grammar_keeps_remi_order_and_time_running_forward(tok):
    """Random logits with no grammar bias at all still give well-formed REMI+ under ``grammar``."""
    proc = RuleSet(tok, Constraints(bars=3, programs=[40], min_notes_per_bar=1, grammar=True))
    rows, start = _drive(
        tok, proc, lambda rows, g: torch.randn(len(rows), tok.vocab_size, generator=g) * 3, 5
    )
    for r in rows:
        toks = tok.tokens(r[start:])
        assert toks[-1] == "EOS_None" and toks.count("Bar_None") == 3
        kinds = [t.split("_")[0] for t in toks]
        for a, b in itertools.pairwise(kinds):
            assert a not in REMI_NEXT or b in REMI_NEXT[a], (a, b)
        pos = -1
        for t in toks:
            if t == "Bar_None":
                pos = -1
            elif t.startswith("Position_"):
                assert int(t.split("_")[1]) > pos
                pos = int(t.split("_")[1])
        score = tok.decode(r)
        assert {t.program for t in score.tracks} == {40} and score.note_num() >= 3


@pytest.mark.parametrize("meter", [None, "3/4"])
def test_positions_stay_inside_the_bar_of_the_time_signature(tok, meter):
    """Without a requested meter too: a position past the bar of the time signature the row wrote (4/4 before
    one) is decoded in a later bar, so the bar lines (and the chord of each bar) would no longer say where
    notes sound."""
    proc = RuleSet(tok, Constraints(meter=meter, bars=3, programs=[0], grammar=True))
    rows, start = _drive(
        tok, proc, lambda rows, g: torch.randn(len(rows), tok.vocab_size, generator=g) * 3, 8
    )
    resolution = max(r for _, _, r in tok.config.beat_resolution)
    for r in rows:
        toks = tok.tokens(r[start:])
        beats, quarters, ends, positions = 4, 4.0, [0.0], 0  # 4/4 until a time signature is written
        for t in toks:
            if t.startswith("TimeSig_"):  # it opens the bar it stands in
                num, den = (int(x) for x in t.split("_")[1].split("/"))
                beats, quarters = num, num * 4 / den
                ends[-1] = ends[-2] + quarters
            elif t == "Bar_None":
                ends.append(ends[-1] + quarters)
            elif t.startswith("Position_"):
                assert int(t.split("_")[1]) < beats * resolution, (t, beats)
                positions += 1
        score = tok.decode(r)
        assert positions and score.note_num()
        assert max(n.time for tr in score.tracks for n in tr.notes) < ends[-1] * score.ticks_per_quarter


def test_cadence_opens_and_closes_on_the_tonic_triad(tok):
    c = Constraints(bars=4, key="A", mode="minor", cadence=True, min_notes_per_bar=1)
    rows, done = _sample(tok, c, seed=2)
    assert all(done)
    triad = chord_pitch_classes("A:min")
    for r in rows:
        bars: list[set[int]] = []
        for t in tok.tokens(r):
            if t == "Bar_None":
                bars.append(set())
            elif t.startswith("Pitch_") and bars:
                bars[-1].add(int(t.split("_")[1]) % 12)
        assert len(bars) == 4
        assert bars[0] and bars[-1]  # not vacuous: both bars play
        assert bars[0] <= triad and bars[-1] <= triad
    assert any(not b <= triad for r in rows for b in [_pcs_of_middle(tok, r)])  # the middle bars are free


def _pcs_of_middle(tok, row) -> set[int]:
    pcs, bar = set(), 0
    for t in tok.tokens(row):
        if t == "Bar_None":
            bar += 1
        elif t.startswith("Pitch_") and bar in (2, 3):
            pcs.add(int(t.split("_")[1]) % 12)
    return pcs


def test_a_full_bar_starts_no_more_notes(tok):
    proc = RuleSet(tok, Constraints(bars=4, min_notes_per_bar=2, max_notes_per_bar=3, grammar=True))
    notes = torch.tensor([kind in ("Program", "Pitch", "Position") for kind in _kinds(tok)])

    def logits_of(rows, g):
        logits = torch.randn(len(rows), tok.vocab_size, generator=g)
        logits[:, notes] += 6.0  # a stand-in model that would play on and on
        return logits

    rows, start = _drive(tok, proc, logits_of, seed=7)
    for r in rows:
        assert r[-1] == tok.eos_id
        counts = _notes_per_bar(tok, r[start:])
        assert len(counts) == 4 and all(2 <= n <= 3 for n in counts), counts


@pytest.mark.parametrize("bounds", [(1, 1), (2, 3)])
def test_notes_starting_together_stay_within_bounds(tok, bounds):
    proc = RuleSet(tok, Constraints(bars=3, min_notes_per_bar=1, notes_per_onset=bounds, grammar=True))
    rows, start = _drive(
        tok, proc, lambda rows, g: torch.randn(len(rows), tok.vocab_size, generator=g) * 3, 11
    )
    fewest, most = bounds
    for r in rows:
        assert r[-1] == tok.eos_id
        onsets, count = [], None
        for t in tok.tokens(r[start:]):
            if t.startswith("Position_") or t in ("Bar_None", "EOS_None"):
                if count:
                    onsets.append(count)
                count = 0 if t.startswith("Position_") else None
            elif t.startswith(("Pitch_", "PitchDrum_")) and count is not None:
                count += 1
        assert onsets and all(fewest <= n <= most for n in onsets), onsets


def test_a_model_that_stacks_notes_forever_is_stopped_at_the_cap(tok):
    """A model that wants one more pitch at the same onset for ever (a degenerate loop seen in partita-small):
    without a polyphony fader generation still caps the notes starting together."""
    from partita.generation.planning import MAX_NOTES_PER_ONSET, notes_per_onset_bounds

    kinds = _kinds(tok)
    stack = torch.tensor([k in ("Pitch", "Program", "Velocity", "Duration") for k in kinds])
    proc = RuleSet(
        tok,
        Constraints(bars=2, min_notes_per_bar=1, notes_per_onset=notes_per_onset_bounds(None), grammar=True),
    )
    rows, start = _drive(
        tok,
        proc,
        lambda rows, g: torch.randn(len(rows), tok.vocab_size, generator=g) + 12.0 * stack,
        5,
        steps=1200,
    )
    most = 0
    for r in rows:
        count = 0
        for t in tok.tokens(r[start:]):
            if t.startswith("Position_") or t == "Bar_None":
                count = 0
            elif t.startswith("Pitch_"):
                count += 1
                most = max(most, count)
    assert most == MAX_NOTES_PER_ONSET  # the model reached the cap and went no further


def _tonic_share(tok, rows, tonic: int, downbeats_only: bool = False) -> float:
    """The share of sampled pitches (of notes starting a bar, with ``downbeats_only``) that are the tonic."""
    hits = total = 0
    for r in rows:
        pos = None
        for t in tok.tokens(r):
            if t == "Bar_None":
                pos = None
            elif t.startswith("Position_"):
                pos = int(t.split("_")[1])
            elif t.startswith("Pitch_") and (pos == 0 or not downbeats_only):
                total += 1
                hits += int(t.split("_")[1]) % 12 == tonic
    return hits / max(total, 1)


def test_tonic_weight_pulls_pitches_to_the_tonic(tok):
    """The bonus is a pull, not a guarantee: more tonics than without it, and other tones still sound."""
    base = dict(bars=6, key="D", mode="major", in_key=True, grammar=True, min_notes_per_bar=1)
    plain, _ = _sample(tok, Constraints(**base), seed=4, downbeats=True)
    pulled, _ = _sample(tok, Constraints(**base, tonic_weight=3.0), seed=4, downbeats=True)
    assert _tonic_share(tok, pulled, 2) > 2 * _tonic_share(tok, plain, 2)
    assert _tonic_share(tok, pulled, 2) < 0.95
    on_beats, _ = _sample(
        tok, Constraints(**base, tonic_weight=3.0, tonic_on_downbeats=True), seed=4, downbeats=True
    )
    assert _tonic_share(tok, on_beats, 2, downbeats_only=True) > 2 * _tonic_share(tok, plain, 2, True)
    # off the downbeats the pull is off: the share there stays near the unweighted one
    assert _tonic_share(tok, on_beats, 2) < _tonic_share(tok, pulled, 2)


def _max_sounding(score) -> int:
    from partita.analysis.features import polyphony_stats
    from partita.analysis.timeline import note_arrays

    notes = note_arrays(score)
    return polyphony_stats(notes.select(~notes.drum))[1]


def _grammar_stand_in(tok, liked):
    """A stand-in model: random logits that follow REMI+'s grammar and like the ids of ``liked(name, kind)``
    (a weight per id, e.g. long notes or chords)."""
    kinds = _kinds(tok)
    prefer = {k: torch.tensor([kind in nxt for kind in kinds]) for k, nxt in _NEXT.items()}
    bias = torch.tensor([float(liked(tok.miditok[i], kinds[i])) for i in range(tok.vocab_size)])

    def logits_of(rows, g):
        logits = torch.randn(len(rows), tok.vocab_size, generator=g)
        for b, r in enumerate(rows):
            if kinds[r[-1]] in prefer:
                logits[b, prefer[kinds[r[-1]]]] += 6.0
        return logits + bias

    return logits_of


@pytest.mark.parametrize("cap", [1, 3])
def test_notes_sounding_at_once_stay_under_the_cap(tok, cap):
    """A stand-in model that likes long notes and chords: held notes count, so the cap bounds the polyphony as
    measured (time-weighted, with held notes), which the notes starting together alone do not."""

    def liked(name: str, kind: str) -> float:
        long = name.startswith("Duration_") and int(name.split("_")[1].split(".")[0]) >= 2
        return 4.0 * long + 2.0 * (kind == "Pitch")

    logits_of = _grammar_stand_in(tok, liked)

    def sampled(max_sounding):
        c = Constraints(
            meter="3/4",
            bars=4,
            programs=[0],
            min_notes_per_bar=1,
            notes_per_onset=(1, cap),
            max_sounding=max_sounding,
            grammar=True,
        )
        rows, _ = _drive(tok, RuleSet(tok, c), logits_of, seed=7, steps=1500)
        return rows

    capped = sampled(cap)
    for r in capped:
        assert r[-1] == tok.eos_id
        score = tok.decode(r)
        assert score.note_num() >= 4 and _max_sounding(score) <= cap
        assert len(_notes_per_bar(tok, r)) == 4 and min(_notes_per_bar(tok, r)) >= 1
    assert max(_max_sounding(tok.decode(r)) for r in sampled(None)) > cap  # without it, held notes pile up


def test_a_pile_up_guard_counts_notes_and_keeps_long_ones(tok):
    """``hold_within_bar=False`` (generate's guard when no polyphony is asked for): the cap still bounds the
    notes sounding at once, and notes longer than a bar stay allowed (no bar here needs a note: where one does
    and the held notes fill the cap, the cap yields)."""

    def liked(name: str, kind: str) -> float:
        long = name.startswith("Duration_") and int(name.split("_")[1].split(".")[0]) >= 4
        return 4.0 * long + 2.0 * (kind == "Pitch")

    c = Constraints(
        meter="3/4",
        bars=4,
        programs=[0],
        notes_per_onset=(1, 3),
        max_sounding=4,
        hold_within_bar=False,
        grammar=True,
    )
    rows, _ = _drive(tok, RuleSet(tok, c), _grammar_stand_in(tok, liked), seed=7, steps=1500)
    scores = [tok.decode(r) for r in rows]
    assert all(_max_sounding(s) <= 4 for s in scores)
    bar = 3 * scores[0].ticks_per_quarter
    assert any(n.duration > bar for s in scores for t in s.tracks for n in t.notes)
    free = RuleSet(tok, dataclasses.replace(c, max_sounding=None))
    rows, _ = _drive(tok, free, _grammar_stand_in(tok, liked), seed=7, steps=1500)
    assert max(_max_sounding(tok.decode(r)) for r in rows) > 4  # without it, long notes pile up


def _mean_polyphony(score) -> float:
    """What the sounding floor holds: the mean number of notes sounding over the time anything sounds (the
    piece's polyphony, :func:`partita.analysis.features.mean_polyphony`, also counts its rests)."""
    from partita.analysis.timeline import note_arrays

    notes = note_arrays(score)
    notes = notes.select(~notes.drum)
    spans = sorted(zip(notes.start.tolist(), notes.end.tolist(), strict=True))
    covered, reach = 0, None
    for a, b in spans:
        if reach is None or a > reach:
            covered, reach = covered + (b - a), b
        elif b > reach:
            covered, reach = covered + (b - reach), b
    return float((notes.end - notes.start).sum()) / max(covered, 1)


def test_notes_sounding_at_once_stay_above_the_floor(tok):
    """A stand-in model that likes short notes and moving on: notes starting together are not enough (they end
    early), so with a floor time moves on before fewer than it sound, and the mean over time stays at the
    floor."""
    logits_of = _grammar_stand_in(
        tok, lambda name, kind: 3.0 * name.startswith("Duration_0.") + 3.0 * (kind in ("Position", "Bar"))
    )

    def sampled(floor):
        c = Constraints(
            meter="4/4",
            bars=4,
            programs=[0],
            min_notes_per_bar=1,
            notes_per_onset=(2, 3),
            min_sounding=floor,
            max_sounding=3,
            grammar=True,
        )
        rows, _ = _drive(tok, RuleSet(tok, c), logits_of, seed=5, steps=1500)
        return [tok.decode(r) for r in rows if r[-1] == tok.eos_id]

    floored = sampled(2)
    assert len(floored) == 3
    for score in floored:
        assert _mean_polyphony(score) >= 2.0 and _max_sounding(score) <= 3
    assert min(_mean_polyphony(s) for s in sampled(0)) < 2.0  # two notes start together, and one ends early


def test_a_fractional_floor_holds_the_mean(tok):
    """1.25 notes: two sound while the piece so far measures under 1.25, one may sound alone otherwise; so the
    mean over time reaches 1.25 where the model, left alone, plays one note at a time."""

    def liked(name: str, kind: str) -> float:
        short = name.startswith("Duration_0.") and int(name.split(".")[1]) <= 2  # a quarter beat or less
        return 9.0 * short + 4.0 * (kind in ("Position", "Bar"))

    logits_of = _grammar_stand_in(tok, liked)

    def means(floor):
        c = Constraints(
            meter="4/4",
            bars=6,
            programs=[0],
            min_notes_per_bar=1,
            notes_per_onset=(1, 2),
            min_sounding=floor,
            max_sounding=2,
            grammar=True,
        )
        rows, _ = _drive(tok, RuleSet(tok, c), logits_of, seed=11, steps=2000)
        return [_mean_polyphony(tok.decode(r)) for r in rows if r[-1] == tok.eos_id]

    held = means(1.25)
    assert len(held) == 3 and min(held) >= 1.2 and max(held) <= 1.75
    assert max(means(0)) < 1.2  # alone, it plays short notes one at a time


@pytest.mark.parametrize(("liking", "bounds"), [("chords", (4, 6)), ("moving on", (2, 3))])
def test_onsets_per_bar_stay_inside_the_rhythm_bounds(tok, liking, bounds):
    """The rhythmic-density fader counts onsets (positions that start notes) per bar: a stand-in that would
    rather stack chords gets enough onsets in each bar, one that would rather move on gets no more than
    allowed."""
    liked_kind = "Pitch" if liking == "chords" else "Position"
    logits_of = _grammar_stand_in(tok, lambda name, kind: 5.0 * (kind == liked_kind))

    def onsets(fewest, most):
        c = Constraints(
            meter="4/4",
            bars=4,
            programs=[0],
            min_notes_per_bar=1,
            notes_per_onset=(1, 3),
            min_onsets_per_bar=fewest,
            max_onsets_per_bar=most,
            grammar=True,
        )
        rows, _ = _drive(tok, RuleSet(tok, c), logits_of, seed=3, steps=2500)
        assert all(r[-1] == tok.eos_id for r in rows)
        return [n for r in rows for n in _notes_per_bar(tok, r, ("Position_",))]

    held = onsets(*bounds)
    assert len(held) == 12 and min(held) >= bounds[0] and max(held) <= bounds[1]
    free = onsets(0, None)
    assert (
        min(free) < bounds[0] if liking == "chords" else max(free) > bounds[1]
    )  # alone, it leaves the bounds


def test_ids_that_decode_to_no_known_token_are_never_sampled():
    """partita-small's BPE has an id that decodes to nothing (no base token): unplaceable by the grammar, and
    while it stayed allowed no soft bound could yield (it was always left), so a dense bar at the sounding cap
    sampled it and then anything after it (a loop of velocities and durations until the token budget ran
    out)."""
    from partita.models.pretrained import resolve

    bpe = MiditokTokenizer.from_pretrained(resolve("partita-small"))
    base = bpe.miditok.vocab
    special = {bpe.bos_id, bpe.eos_id, bpe.pad_id, bpe.cond_end_id, *bpe.condition_id_set}
    unknown = [
        i
        for i in range(bpe.vocab_size)
        if i not in special and (not bpe.base_tokens(i) or any(t not in base for t in bpe.base_tokens(i)))
    ]
    assert unknown  # the shipped vocabulary has one: the test keeps the guard honest
    proc = RuleSet(bpe, Constraints(meter="4/4", bars=2, programs=[0], grammar=True))
    liked = torch.zeros(bpe.vocab_size)
    liked[unknown] = 20.0  # a stand-in model that would rather sample them

    rows, start = _drive(
        bpe, proc, lambda rows, g: torch.randn(len(rows), bpe.vocab_size, generator=g) + liked, 5
    )
    assert not {i for r in rows for i in r[start:]} & set(unknown)
    assert all(r[-1] == bpe.eos_id for r in rows)


def test_bpe_ids_keep_time_running_forward_inside_the_bar():
    """BPE merges carry positions past their first token ("Duration Position_8 ... Position_16"): no such id
    may take time backwards, nor past the requested meter's bar (partita-small wrote Position_30 in 3/4)."""
    from partita.models.pretrained import resolve

    bpe = MiditokTokenizer.from_pretrained(resolve("partita-small"))
    proc = RuleSet(bpe, Constraints(meter="3/4", bars=4, programs=[0], min_notes_per_bar=1, grammar=True))
    rows, start = _drive(
        bpe, proc, lambda rows, g: torch.randn(len(rows), bpe.vocab_size, generator=g) * 3, 13, steps=1200
    )
    for r in rows:
        assert r[-1] == bpe.eos_id
        pos = -1
        for t in [base for i in r[start:-1] for base in bpe.base_tokens(i)]:
            if t == "Bar_None":
                pos = -1
            elif t.startswith("Position_"):
                at = int(t.split("_")[1])
                assert pos < at < 3 * 8, (pos, at)
                pos = at


def _programs_by_bar(tok, liked, constraints: Constraints, seed: int) -> list[list[set[int]]]:
    """The programs named in each bar of 4 rows sampled from a stand-in model liking ``liked`` under
    ``constraints``; every row ends and has the bars asked for."""
    logits_of = _grammar_stand_in(tok, liked)
    rows, start = _drive(tok, RuleSet(tok, constraints), logits_of, seed=seed, batch=4, steps=1500)
    out = []
    for r in rows:
        assert r[-1] == tok.eos_id
        bars: list[set[int]] = []
        for t in tok.tokens(r[start:]):
            if t == "Bar_None":
                bars.append(set())
            elif t.startswith("Program_") and bars:
                bars[-1].add(int(t.split("_")[1]))
        assert len(bars) == constraints.bars
        out.append(bars)
    return out


def test_every_requested_program_enters_in_the_first_bar(tok):
    """A stand-in model that all but never names program 41: with ``enter_all_programs`` it still plays, in
    the first bar; without it, it is rarely heard at all."""

    def liked(name: str, kind: str) -> float:
        return -12.0 * (name == "Program_41")

    def programs_by_bar(enter: bool) -> list[list[set[int]]]:
        c = Constraints(
            meter="4/4", bars=3, programs=[0, 41], min_notes_per_bar=1, enter_all_programs=enter, grammar=True
        )
        return _programs_by_bar(tok, liked, c, seed=3)

    for bars in programs_by_bar(True):
        assert bars[0] == {0, 41}, bars
    heard = [set().union(*bars) for bars in programs_by_bar(False)]
    assert sum(41 in h for h in heard) < len(heard)


def test_a_program_with_an_entry_bar_is_silent_before_it_and_enters_there(tok):
    """``entry_bars``: program 41 may not play in bars 1-2 even where the model likes it, and plays in bar 3
    even where the model all but never names it."""
    c = Constraints(
        meter="4/4",
        bars=4,
        programs=[0, 41],
        min_notes_per_bar=1,
        enter_all_programs=True,
        entry_bars={41: 2},
        grammar=True,
    )
    for weight in (6.0, -12.0):
        liked = lambda name, kind, w=weight: w * (name == "Program_41")  # noqa: E731
        for bars in _programs_by_bar(tok, liked, c, seed=5):
            assert 41 not in bars[0] | bars[1], bars
            assert 41 in bars[2] and 0 in bars[0], bars


def test_the_presence_pull_brings_a_quiet_program_back(tok):
    """A stand-in model that all but ignores the second instrument: with the pull it plays in more bars."""
    vocab = tok.miditok.vocab
    piano, violin = vocab["Program_0"], vocab["Program_40"]

    def share(weight: float) -> float:
        c = Constraints(
            bars=8,
            programs=[0, 40],
            grammar=True,
            min_notes_per_bar=1,
            enter_all_programs=True,
            presence_weight=weight,
        )
        proc = RuleSet(tok, c)

        def logits(rows, g):
            out = torch.randn(len(rows), tok.vocab_size, generator=g) * 2
            out[:, piano] += 4.0
            out[:, violin] -= 4.0
            return out

        rows, start = _drive(tok, proc, logits, seed=11, batch=4, steps=1500)
        shares = []
        for r in rows:
            bars = [set()]
            for t in tok.tokens(r[start:]):
                if t == "Bar_None":
                    bars.append(set())
                elif t.startswith("Program_"):
                    bars[-1].add(int(t.split("_")[1]))
            bars = [b for b in bars[1:]]
            shares.append(sum(40 in b for b in bars) / max(1, len(bars)))
        return sum(shares) / len(shares)

    quiet, pulled = share(0.0), share(8.0)
    assert pulled > quiet + 0.3, (quiet, pulled)


@pytest.mark.parametrize("seed", [3, 4])
def test_a_piece_gets_every_bar_it_asks_for_also_when_a_bar_is_full(seed, caplog):
    """The bar count is a contract: partita-small's demo chorale once ended after 1.5 of 8 bars, because a BPE
    id "Velocity Duration Position Program" was let into a full bar, after which only a pitch was grammatical
    and the full bar forbade every pitch. No such id enters a full bar now, and where a bar's rules would
    leave no token they yield for the step (the bars come first): every row has exactly its bars and ends with
    EOS."""
    from partita.models.pretrained import resolve

    bpe = MiditokTokenizer.from_pretrained(resolve("partita-small"))
    c = Constraints(
        meter="4/4",
        bars=8,
        programs=[52, 53, 54, 48],
        min_notes_per_bar=4,
        max_notes_per_bar=8,
        notes_per_onset=(1, 4),
        enter_all_programs=True,
        grammar=True,
    )
    proc = RuleSet(bpe, c)
    kinds = [(bpe.base_tokens(i) or [""])[-1].split("_")[0] for i in range(bpe.vocab_size)]
    plays_on = torch.tensor([k in ("Program", "Position") for k in kinds])  # ids after which a note must come

    def logits_of(rows, g):
        logits = torch.randn(len(rows), bpe.vocab_size, generator=g) * 2
        logits[:, plays_on] += 6.0  # a stand-in model that would play on and on
        return logits

    with caplog.at_level("WARNING", logger="partita.generation.rules"):
        rows, start = _drive(bpe, proc, logits_of, seed, batch=4, steps=1500)
    assert "left no token" not in caplog.text
    for r in rows:
        assert r[-1] == bpe.eos_id
        base = [t for i in r[start:-1] for t in bpe.base_tokens(i)]
        assert base.count("Bar_None") == 8


def test_with_no_meter_asked_for_the_first_one_written_is_kept(tok):
    """A German folk song went 4/4, then 3/4 after two bars (one piece in seven): its bars were no longer the
    bars asked for. With no meter requested, the piece keeps the first time signature it writes (4/4 if
    none)."""
    proc = RuleSet(tok, Constraints(bars=6, grammar=True, min_notes_per_bar=1, max_notes_per_bar=4))
    order = sorted(tok.miditok.vocab, key=tok.miditok.vocab.get)
    meters = torch.tensor([k.startswith("TimeSig_") for k in order])

    def logits_of(rows, g):
        logits = torch.randn(len(rows), tok.vocab_size, generator=g) * 2
        logits[:, meters] += 6.0  # a stand-in model that would change the meter at every bar line
        return logits

    rows, start = _drive(tok, proc, logits_of, seed=21, batch=4, steps=1500)
    for r in rows:
        toks = tok.tokens(r[start:])
        assert toks.count("Bar_None") == 6 and toks[-1] == "EOS_None"
        assert len({t for t in toks if t.startswith("TimeSig_")}) <= 1


def test_the_bars_close_before_the_token_budget_runs_out(tok):
    """A hymn for organ stacked 221 notes in one voice and ran out of tokens after 11 of 16 bars: with the
    budget known, no new note starts once no more is left than the open bars need to close."""
    budget = 150
    proc = RuleSet(tok, Constraints(bars=6, grammar=True, min_notes_per_bar=1, token_budget=budget))
    notes = torch.tensor([kind in ("Program", "Pitch", "Position") for kind in _kinds(tok)])

    def logits_of(rows, g):
        logits = torch.randn(len(rows), tok.vocab_size, generator=g)
        logits[:, notes] += 6.0  # a stand-in model that would play on and on
        return logits

    rows, start = _drive(tok, proc, logits_of, seed=9, batch=4, steps=budget)
    for r in rows:
        assert tok.tokens(r[start:]).count("Bar_None") == 6


def test_notated_bars_count_bars_as_written():
    from symusic import Note, Score, TimeSignature, Track

    from partita.score.bars import bar_lines, notated_bars

    score = Score(480)
    score.time_signatures.append(TimeSignature(0, 3, 4))
    score.time_signatures.append(TimeSignature(1440, 6, 8))
    track = Track()
    track.notes.append(Note(0, 1440 + 2 * 1440, 60, 80))  # one 3/4 bar and two 6/8 bars
    score.tracks.append(track)
    assert bar_lines(score, 3) == [0, 1440, 2880, 4320] and notated_bars(score) == 3
    track.notes.append(Note(4320, 1, 62, 80))
    assert notated_bars(score) == 4 and notated_bars(Score(480)) == 0


def _empty_beats(score) -> list[int]:
    """The beats (quarters) of ``score`` before its last bar in which no note sounds, after its first note."""
    bar, beat = 4 * score.ticks_per_quarter, score.ticks_per_quarter
    notes = [n for t in score.tracks for n in t.notes]
    first, last_bar = min(n.time for n in notes) // beat, max(n.time for n in notes) // bar
    covered = {b for n in notes for b in range(n.time // beat, (n.time + n.duration - 1) // beat + 1)}
    return [b for b in range(first, last_bar * 4) if b not in covered]


def test_filled_beats_leave_no_beat_silent(tok):
    """A stand-in model that likes short notes and far positions (rests of beats): with ``filled_beats`` time
    moves on before a whole beat passes without a note, where without it whole beats fall silent."""

    def liked(name: str, kind: str) -> float:
        short = name.startswith("Duration_0.")
        far = kind == "Position" and int(name.split("_")[1]) >= 8
        return 3.0 * short + 4.0 * far

    logits_of = _grammar_stand_in(tok, liked)

    def sampled(filled: bool):
        c = Constraints(
            meter="4/4",
            bars=4,
            programs=[0],
            min_notes_per_bar=2,
            max_sounding=12,
            filled_beats=filled,
            grammar=True,
        )
        rows, _ = _drive(tok, RuleSet(tok, c), logits_of, seed=3, steps=1500)
        return [tok.decode(r) for r in rows if r[-1] == tok.eos_id]

    filled = sampled(True)
    assert len(filled) == 3 and all(s.note_num() for s in filled)
    assert all(_empty_beats(s) == [] for s in filled)
    assert sum(len(_empty_beats(s)) for s in sampled(False)) > 0  # the stand-in leaves beats silent
