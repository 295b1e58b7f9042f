import json
import math
from pathlib import Path

import pytest

from partita.pipelines import debug_generator, generate
from partita.score import read_midi


@pytest.fixture(scope="module")
def model():
    return debug_generator(seed=0)


def spy_constraints(monkeypatch, value) -> list:
    """Record ``value(constraints)`` of every constraint processor built from here on."""
    from partita.generation.rules import RuleSet

    seen = []
    init = RuleSet.__init__

    def spy(self, tok, constraints, **kw):
        seen.append(value(constraints))
        init(self, tok, constraints, **kw)

    monkeypatch.setattr(RuleSet, "__init__", spy)
    return seen


def test_generate_writes_candidates_with_measured_adherence(model, tmp_path):
    request, cands = generate(
        "a waltz in G major for violin, 4 bars", n=2, seed=3, model=model, out_dir=tmp_path, wav=False
    )
    assert request.conditions.meter == "3/4" and request.conditions.bars == 4
    assert [c.rank for c in cands] == [1, 2]
    means = [c.adherence_mean for c in cands if c.adherence_mean is not None]
    assert means == sorted(means, reverse=True)  # ranked by adherence
    doc = json.loads((tmp_path / "generation.json").read_text())
    assert doc["request"]["conditions"]["key"] == "G" and len(doc["candidates"]) == 2
    # an untrained model may play nothing within its budget; what it plays obeys the constraints (the
    # guarantees themselves are tested on many samples in tests/generation/test_constraints.py)
    for cand in (c for c in cands if c.score.note_num()):
        back = read_midi(cand.files["midi"])
        assert {(t.numerator, t.denominator) for t in back.time_signatures} == {(3, 4)}  # guaranteed meter
        assert {t.program for t in back.tracks} <= {40}  # guaranteed instrument set
        assert cand.adherence["meter"] == 1.0 and cand.adherence["instrument_precision"] == 1.0
        assert (tmp_path / f"candidate-{cand.rank}-pianoroll.png").stat().st_size > 1000


def test_requested_tempo_is_kept():
    from symusic import Score, Tempo

    from partita.generation.candidates import _set_missing_tempo

    score = Score(480)  # what the decoder gives when no tempo token was sampled: no tempo of its own
    assert _set_missing_tempo(score, 66.0) and [round(t.qpm) for t in score.tempos] == [66]
    score.tempos.clear()
    score.tempos.append(Tempo(0, 68.0))  # a sampled tempo in the requested bin stays as it is
    assert not _set_missing_tempo(score, 66.0) and [round(t.qpm) for t in score.tempos] == [68]


def test_a_new_piece_in_a_key_carries_its_key_signature(model, tmp_path):
    _, keyed = generate("a motet in E minor for choir, 2 bars", n=2, seed=3, model=model, wav=False)
    for c in keyed:
        assert [(k.time, k.key, k.tonality) for k in c.score.key_signatures] == [(0, 1, 1)]
    _, keyless = generate("a waltz, 2 bars", n=1, seed=3, model=model, wav=False)
    assert not len(keyless[0].score.key_signatures)  # no key asked: the engraver still estimates one
    _, files = generate("a piece in Bb major, 2 bars", n=1, seed=3, model=model, wav=False, out_dir=tmp_path)
    written = read_midi(next(tmp_path.glob("*.mid")))
    assert [(k.key, k.tonality) for k in written.key_signatures] == [(-2, 0)]


def test_generate_is_reproducible_and_rejects_bad_options(model):
    _, a = generate("calm chorale, 2 bars", n=1, seed=11, model=model)
    _, b = generate("calm chorale, 2 bars", n=1, seed=11, model=model)
    assert a[0].score.dumps_midi() == b[0].score.dumps_midi()
    with pytest.raises(ValueError, match="candidates"):
        generate("x", n=0, model=model)
    with pytest.raises(ValueError, match="unknown instrument"):
        generate("x", instruments=["zorblax"], model=model)


def test_a_meter_the_model_cannot_write_is_said_and_not_enforced():
    from partita.pipelines import debug_generator, generate

    lm = debug_generator(seed=0)
    known = {t.split("_", 1)[1] for t in lm.tokenizer.miditok.vocab if t.startswith("TimeSig_")}
    assert "11/16" not in known
    request, candidates = generate(
        "a piece in 11/16, 2 bars", n=1, seed=0, model=lm, wav=False, selector=None
    )
    assert request.conditions.meter == "11/16"
    assert any("11/16 is not in this model's vocabulary" in note for note in request.notes)
    assert candidates and candidates[0].stop_reason != "error"


def test_density_sets_notes_per_bar_bounds():
    from partita.generation.planning import notes_per_bar_bounds
    from partita.tokens.conditions import DENSITY_EDGES

    assert notes_per_bar_bounds(None, "4/4") == (1, None)
    low = notes_per_bar_bounds(DENSITY_EDGES[0] / 2, "4/4")  # the bottom bin: under 0.75 notes per quarter
    assert low == (1, 3)
    mid = notes_per_bar_bounds((DENSITY_EDGES[2] + DENSITY_EDGES[3]) / 2, "3/4")  # 2-3 notes per quarter
    assert mid == (6, 9)
    top = notes_per_bar_bounds(DENSITY_EDGES[-1] * 1.2, "6/8")  # the top bin has no upper bound
    assert top[1] is None and top[0] == int(DENSITY_EDGES[-1] * 3)


def test_rhythm_sets_onsets_per_bar_bounds():
    from partita.generation.planning import onsets_per_bar_bounds
    from partita.tokens.conditions import RHYTHM_EDGES

    assert onsets_per_bar_bounds(None, "4/4") == (1, None)
    assert onsets_per_bar_bounds(RHYTHM_EDGES[0] / 2, "4/4") == (1, 3)  # under 0.75 onsets per quarter
    assert onsets_per_bar_bounds((RHYTHM_EDGES[2] + RHYTHM_EDGES[3]) / 2, "3/4") == (6, 9)  # 2-3 per quarter
    top = onsets_per_bar_bounds(RHYTHM_EDGES[-1] * 1.2, "6/8")  # the top bin has no upper bound
    assert top[1] is None and top[0] == math.floor(RHYTHM_EDGES[-1] * 3)


def test_voices_of_one_instrument_are_written_apart_and_read_back(model, monkeypatch):
    """Four choir voices may use the programs the tokenizer gives such voices; each is read back as the
    choir."""

    seen = spy_constraints(monkeypatch, lambda c: sorted(c.programs))
    request, cands = generate(
        "a four-part chorale in G for choir, 2 bars", n=3, seed=2, model=model, wav=False
    )
    assert request.n_tracks == 4 and request.conditions.programs == [52]
    assert seen == [[48, 52, 53, 54]]
    for cand in cands:
        assert {t.program for t in cand.score.tracks if not t.is_drum} <= {52}
    _, solo = generate("a one-voice chorale in G for choir, 2 bars", n=1, seed=2, model=model, wav=False)
    assert seen[-1] == [52]  # one voice: only the instrument itself


def test_tonic_weight_default_applies_only_with_a_key(model, monkeypatch):
    from partita.generation.config import GenerationConfig

    TONIC_WEIGHT = GenerationConfig().tonic_weight

    seen = spy_constraints(monkeypatch, lambda c: c.tonic_weight)
    generate("a waltz in G major, 2 bars", n=1, seed=1, model=model, wav=False)
    generate("a waltz, 2 bars", n=1, seed=1, model=model, wav=False)
    generate("a waltz in G major, 2 bars", n=1, seed=1, model=model, wav=False, tonic_weight=1.0)
    assert seen == [TONIC_WEIGHT, 0.0, 1.0] and TONIC_WEIGHT == 0.0  # off: the realism benchmark's choice


def test_presence_weight_default_and_override_reach_the_constraints(model, monkeypatch):
    from partita.generation.config import GenerationConfig

    PRESENCE_WEIGHT = GenerationConfig().presence_weight_for("reel")
    assert GenerationConfig().presence_weight_for("pop") == 0.0  # pop: off, by the realism benchmark

    seen = spy_constraints(monkeypatch, lambda c: c.presence_weight)
    generate("a reel for fiddle and guitar, 2 bars", n=1, seed=1, model=model, wav=False)
    generate("a reel for fiddle and guitar, 2 bars", n=1, seed=1, model=model, wav=False, presence_weight=0.0)
    assert seen == [PRESENCE_WEIGHT, 0.0] and PRESENCE_WEIGHT > 0


def test_a_failed_wav_render_is_said_and_the_other_files_stand(model, tmp_path, monkeypatch):
    from partita.render import candidates as render
    from partita.score import ScoreError

    def hangs(score, path, **kw):
        raise ScoreError("FluidSynth did not finish within 66 s", "timeout", str(path))

    monkeypatch.setattr(render, "write_wav", hangs)
    _, cands = generate("a waltz in G, 2 bars", n=2, seed=1, model=model, out_dir=tmp_path, wav=True)
    for cand in cands:
        assert "wav" not in cand.files and (tmp_path / Path(cand.files["midi"]).name).is_file()
        assert any("WAV not written" in r and "did not finish" in r for r in cand.remarks)


def test_a_rare_instrument_is_sampled_as_a_stand_in_and_written_back(model, monkeypatch):
    """A model whose prior knows only piano: a fiddle jig is sampled as piano (program 0 in the prefix and the
    constraints) and every pitched track comes back as the fiddle; ``stand_ins=False`` samples the fiddle
    itself."""
    from partita.generation import candidates

    monkeypatch.setattr(candidates, "program_prior", lambda lm, tok, c: {0: 0.99, 40: 0.01})
    seen = spy_constraints(monkeypatch, lambda c: sorted(c.programs))
    request, cands = generate("a jig in D major for fiddle, 2 bars", n=2, seed=4, model=model, wav=False)
    assert seen == [[0]] and any("sampled as Acoustic Grand Piano (0)" in n for n in request.notes)
    for cand in cands:
        assert {t.program for t in cand.score.tracks if not t.is_drum} <= {40}
    request, _ = generate(
        "a jig in D major for fiddle, 2 bars", n=1, seed=4, model=model, wav=False, stand_ins=False
    )
    assert seen[-1] == [40] and not any("sampled as" in n for n in request.notes)


def test_a_monophonic_instrument_plays_one_note_at_a_time_also_as_a_stand_in(model, monkeypatch):
    """A bass (a line) sampled as the piano's second voice is held to one note per onset; the piano is not."""
    from partita.generation import candidates

    monkeypatch.setattr(candidates, "program_prior", lambda lm, tok, c: {0: 0.99, 32: 0.01})
    seen = spy_constraints(monkeypatch, lambda c: (sorted(c.programs), c.monophonic))
    _, cands = generate(
        "a piece in C major for piano and bass, 4/4, 4 bars", n=2, seed=5, model=model, wav=False
    )
    assert seen == [([0, 1], [1])]
    for cand in cands:
        for track in cand.score.tracks:
            if track.program == 32:
                starts = [n.time for n in track.notes]
                assert len(starts) == len(set(starts))


def test_with_chords_the_bass_opens_each_bar_on_the_root(model, monkeypatch):
    from partita.generation.harmony import chord_pitch_classes

    seen = spy_constraints(monkeypatch, lambda c: c.bass)
    _, cands = generate(
        "a piece in C major for piano and acoustic bass, 4/4, 4 bars",
        n=2,
        seed=5,
        model=model,
        wav=False,
        chords="Am F",
        stand_ins=False,
    )
    assert seen == [32]
    roots, bars = {0: 9, 1: 5}, 0
    for cand in cands:
        bar = cand.score.ticks_per_quarter * 4
        (bass,) = [t for t in cand.score.tracks if t.program == 32]
        first: dict[int, int] = {}
        for note in sorted(bass.notes, key=lambda n: n.time):
            first.setdefault(note.time // bar, note.pitch)
        assert all(p % 12 == roots[b % 2] for b, p in first.items()), first
        assert all(p % 12 in chord_pitch_classes(["A:min", "F:maj"][b % 2]) for b, p in first.items())
        bars += len(first)
    assert bars >= 4


def test_chord_tones_only_keeps_every_pitch_of_a_bar_in_its_chord_and_the_progression_loops(model):
    from partita.generation.harmony import chord_pitch_classes

    chords = ["C:maj", "G:maj"]
    _, cands = generate(
        "a piece in C major for piano, 4/4, 4 bars",
        n=2,
        seed=6,
        model=model,
        wav=False,
        chords="C G",
        chord_tones_only=True,
    )
    checked = 0
    for cand in cands:
        bar = cand.score.ticks_per_quarter * 4
        for track in cand.score.tracks:
            for note in track.notes:
                assert note.pitch % 12 in chord_pitch_classes(chords[(note.time // bar) % 2]), note
                checked += 1
    assert checked


def test_each_candidate_says_which_sample_of_its_seed_it_is(model, tmp_path):
    """Candidates of one request are sampled together: each names its row, and the same seed and number of
    candidates give the same piece at that row again."""
    _, ranked = generate("a waltz in G, 2 bars", n=3, seed=4, model=model, out_dir=tmp_path, wav=False)
    assert sorted(c.sample for c in ranked) == [1, 2, 3]
    _, again = generate("a waltz in G, 2 bars", n=3, seed=4, model=model, wav=False, selector=None)
    by_sample = {c.sample: c.score.dumps_midi() for c in again}
    assert all(by_sample[c.sample] == c.score.dumps_midi() for c in ranked)
    doc = json.loads((tmp_path / "generation.json").read_text())
    assert sorted(c["sample"] for c in doc["candidates"]) == [1, 2, 3]
