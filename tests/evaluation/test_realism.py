import json
import math

import numpy as np
import pytest
import symusic
from click.testing import CliRunner
from evaluation_fixtures import C_MAJOR_SCALE, make_score

from partita.cli.main import cli
from partita.evaluation.realism import (
    FEATURES,
    MarkovBaseline,
    count_bars,
    crop_bars,
    frechet_distance,
    longest_figure_run,
    longest_repeat_run,
    real_floor,
    realism_features,
    realism_report,
    skyline,
    two_sample_test,
    voice_crossing,
)
from partita.score import write_midi


def _tune(rng: np.random.Generator, bars: int = 4, step_only: bool = True, meter=(4, 4)):
    """A random one-voice tune of quarter notes: stepwise (a folk-like walk) or leaping (random pitches)."""
    beats = bars * meter[0]
    if step_only:
        pitches = 64 + np.cumsum(rng.choice([-2, -1, 1, 2], beats))
        pitches = np.clip(pitches, 50, 80)
    else:
        pitches = rng.integers(40, 90, beats)
    return make_score([(i * 480, 480, int(p)) for i, p in enumerate(pitches)], time_signature=meter)


def test_features_of_a_scale():
    f = realism_features(make_score(C_MAJOR_SCALE))
    assert set(f) == set(FEATURES)
    assert f["melody_step_share"] == 1.0 and f["melody_leap_share"] == 0.0 and f["melody_repeat_share"] == 0.0
    assert f["bars"] == 2 and f["notes_per_bar"] == 4 and f["onsets_per_bar"] == 4
    assert f["pitch_range"] == 12 and f["tracks"] == 1 and f["empty_beat_share"] == 0.0
    assert f["notes_at_onset"] == 1.0 and f["thick_beat_share"] == 0.0
    assert f["ioi_mean"] == 1.0 and f["ioi_std"] == 0.0 and f["ioi_entropy"] == 0.0
    assert f["duration_mean"] == 1.0 and f["bar_repetition"] == 0.0
    assert f["pitch_class_entropy"] == pytest.approx(-(6 / 8 * math.log2(1 / 8) + 2 / 8 * math.log2(2 / 8)))
    assert f["melody_mean_interval"] == pytest.approx(12 / 7)


def test_features_texture_repetition_drums_and_empty():
    bar = [(0, 480, 60), (480, 480, 62), (960, 480, 64), (1440, 480, 65)]
    chords = [(i * 480, 480, p) for i in range(8) for p in (48, 52)]
    drums = (0, True, [(i * 240, 60, 36) for i in range(32)])
    score = make_score(bar + [(s + 1920, d, p) for s, d, p in bar], extra_tracks=[(32, False, chords), drums])
    f = realism_features(score)
    assert f["tracks"] == 2  # the drum track is left out
    assert f["bar_repetition"] == 0.5  # bar 2 repeats bar 1
    assert f["notes_at_onset"] == 3.0 and f["thick_beat_share"] == 1.0 and f["all_tracks_beat_share"] == 1.0
    assert f["melody_mean_interval"] > 1  # the skyline is the melody above the chords
    # a whole-note, a silent bar, one quarter: 7 of 12 beats are empty; an empty score is all zeros
    gap = make_score([(0, 480 * 4, 60), (480 * 8, 480, 60)])
    assert realism_features(gap)["empty_beat_share"] == pytest.approx(7 / 12)
    empty = realism_features(symusic.Score(480))
    assert all(v == 0.0 for v in empty.values())
    assert all(math.isfinite(v) for v in realism_features(make_score([(0, 10, 60)])).values())


def test_skyline_keeps_a_held_top_note():
    inner = [(i * 480, 480, p) for i, p in enumerate([60, 62, 64, 65, 64])]
    score = make_score([(0, 1920, 72), (1920, 480, 71)], extra_tracks=[(0, False, inner)])
    assert skyline(score) == [(0, 1920, 72), (1920, 480, 71)]
    low = make_score([(0, 480, 72)], extra_tracks=[(0, False, [(0, 960, 60), (480, 480, 64)])])
    assert skyline(low) == [(0, 480, 72), (480, 480, 64)]  # the newest of the notes below comes up
    assert realism_features(score)["melody_mean_interval"] == 1.0


def test_crop_bars_cuts_at_the_bar_line():
    score = make_score([(i * 480, 720, 60 + i) for i in range(16)], time_signature=(3, 4))
    assert count_bars(score) == 6
    cut = crop_bars(score, 2)
    assert count_bars(cut) == 2 and cut.note_num() == 6
    assert max(n.time + n.duration for n in cut.tracks[0].notes) == 2 * 3 * 480
    assert crop_bars(score, 10).note_num() == 16
    with pytest.raises(ValueError):
        crop_bars(score, 0)


def test_two_sample_test_tells_apart_only_what_differs():
    rng = np.random.default_rng(3)
    a = [realism_features(_tune(rng)) for _ in range(20)]
    b = [realism_features(_tune(rng)) for _ in range(20)]
    c = [realism_features(_tune(rng, step_only=False)) for _ in range(20)]
    same = two_sample_test(a, b, seed=0)
    apart = two_sample_test(a, c, seed=0)
    assert same["n_a"] == 20 and same["folds"] == 5
    assert same["accuracy"] < 0.8
    assert apart["accuracy"] > 0.95
    assert apart["accuracy"] == max(apart["logistic"]["accuracy"], apart["boosting"]["accuracy"])
    tiny = two_sample_test(a[:3], c[:2])  # folds cut to the smaller side
    assert tiny["folds"] == 2
    with pytest.raises(ValueError):
        two_sample_test(a[:1], c)


def test_frechet_distance_and_floor():
    rng = np.random.default_rng(4)
    a = [realism_features(_tune(rng)) for _ in range(12)]
    c = [realism_features(_tune(rng, step_only=False)) for _ in range(12)]
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-4)
    assert frechet_distance(a, c) > 1.0
    floor = real_floor(a, seed=1)
    assert floor["n_half"] == 6 and 0 <= floor["two_sample"]["accuracy"] <= 1 and floor["frechet"] >= 0
    assert real_floor(a[:3])["two_sample"] is None


def test_markov_baseline_writes_exact_bars_from_seen_pitches():
    rng = np.random.default_rng(5)
    train = [_tune(rng, bars=4, meter=(6, 8)) for _ in range(5)]
    seen = {n.pitch for s in train for n in s.tracks[0].notes}
    chain = MarkovBaseline().fit(train)
    assert chain.pitches == seen
    for bars, seed in ((8, 0), (16, 1), (1, 2)):
        piece = chain.sample(bars, "6/8", 480, seed=seed)
        assert count_bars(piece) == bars
        assert piece.end() <= bars * 6 * 240
        assert {n.pitch for n in piece.tracks[0].notes} <= seen
    assert chain.sample(4, (6, 8), seed=3).tracks[0].notes == chain.sample(4, (6, 8), seed=3).tracks[0].notes
    with pytest.raises(ValueError):
        MarkovBaseline().fit([symusic.Score(480)])


def test_realism_report_names_each_set():
    rng = np.random.default_rng(6)
    real = [_tune(rng) for _ in range(12)]
    chain = MarkovBaseline().fit(real)
    report = realism_report(
        {"markov": [chain.sample(4, (4, 4), seed=i) for i in range(8)], "one": real[:1]}, real, seed=0
    )
    assert report["real"]["n"] == 12 and report["floor"]["n_half"] == 6
    markov = report["sets"]["markov"]
    assert markov["n"] == 8 and 0 <= markov["accuracy"] <= 1 and markov["frechet"] >= 0
    assert set(markov["means"]) == set(FEATURES) and len(markov["differences"]) == 5
    assert "error" in report["sets"]["one"]
    json.dumps(report, allow_nan=False)


def _evaluate_realism(tmp_path, generated: list, reference: list):
    """``partita evaluate GEN --reference REF --realism`` on these scores: the result and the folders."""
    gen, ref, out = tmp_path / "gen", tmp_path / "ref", tmp_path / "out"
    for folder, scores, stem in ((gen, generated, "g"), (ref, reference, "r")):
        folder.mkdir()
        for i, score in enumerate(scores):
            write_midi(score, folder / f"{stem}{i}.mid")
    args = ["evaluate", str(gen), "--reference", str(ref), "-o", str(out), "--no-compression", "--no-tension"]
    result = CliRunner().invoke(cli, [*args, "--realism"])
    assert result.exit_code == 0, result.output
    return result, gen, out


def test_evaluate_realism_command(tmp_path):
    rng = np.random.default_rng(8)
    generated = [_tune(rng, bars=4, step_only=False) for _ in range(4)]
    result, gen, out = _evaluate_realism(tmp_path, generated, [_tune(rng, bars=8) for _ in range(6)])
    assert "realism.json" in result.output and "real vs real" in result.output
    report = json.loads((out / "realism.json").read_text())
    assert report["bars"] == 4 and report["real"]["means"]["bars"] == 4  # the reference cut to 4 bars
    assert report["sets"]["generated"]["n"] == 4 and report["real"]["n"] == 6
    assert (out / "report.json").exists()
    missing = CliRunner().invoke(cli, ["evaluate", str(gen), "-o", str(out), "--realism"])
    assert missing.exit_code != 0 and "--reference" in missing.output


def _upbeat(tune: symusic.Score) -> symusic.Score:
    """``tune`` after a one-beat pickup (a note on the last beat of a bar 0)."""
    first = tune.tracks[0].notes[0]
    out = tune.shift_time(1920)
    out.tracks[0].notes.append(symusic.Note(1440, 480, first.pitch - 2, 80))
    out.tracks[0].notes.sort()
    return out


def test_evaluate_realism_counts_full_bars_after_a_pickup(tmp_path):
    rng = np.random.default_rng(9)
    generated = [_upbeat(_tune(rng, bars=4)) for _ in range(4)]  # an upbeat and 4 full bars each
    reference = [_upbeat(_tune(rng, bars=8)) for _ in range(6)]  # an upbeat and 8 full bars each
    _, _, out = _evaluate_realism(tmp_path, generated, reference)
    report = json.loads((out / "realism.json").read_text())
    # 4 full bars, not the 5 notated ones; the reference cut to its upbeat and 4 full bars, like the pieces
    assert report["bars"] == 4
    assert report["real"]["means"]["bars"] == report["sets"]["generated"]["means"]["bars"]


def _bars(*bars: list[int]) -> symusic.Score:
    """A 4/4 piano score whose bar i plays the pitches of ``bars[i]`` in half notes."""
    score = symusic.Score(480)
    score.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track("p", 0, False)
    for b, pitches in enumerate(bars):
        for i, p in enumerate(pitches):
            track.notes.append(symusic.Note(b * 1920 + i * 960, 960, p, 80))
    score.tracks.append(track)
    return score


def test_the_longest_repeat_run_sees_a_loop_the_repetition_share_does_not():
    looped = _bars([60, 62], [60, 62], [60, 62], [60, 62], [64, 65], [67, 69])
    spread = _bars([60, 62], [64, 65], [60, 62], [67, 69], [60, 62], [60, 62])
    assert longest_repeat_run(looped) == 4 and longest_repeat_run(spread) == 2
    assert realism_features(looped)["bar_repetition"] == realism_features(spread)["bar_repetition"]
    assert realism_features(looped)["longest_repeat_run"] == 4.0  # and the judge reads it
    assert realism_features(spread)["longest_repeat_run"] == 2.0
    assert longest_repeat_run(_bars([60], [], [], [62])) == 1  # empty bars are not a loop
    assert longest_repeat_run(symusic.Score(480)) == 0


def test_the_longest_figure_run_sees_a_two_bar_loop():
    a, b, c = [60, 62], [64, 65], [67, 69]
    looped = _bars(a, b, a, b, a, b, c, c)
    assert longest_figure_run(looped) == 3 and longest_repeat_run(looped) == 2
    assert longest_figure_run(_bars(a, b, a, c, a, b)) == 1
    assert longest_figure_run(_bars(a, b, c, a, b, c), length=3) == 2
    assert longest_figure_run(_bars([60], [], [60], [])) == 1  # a figure with an empty bar is no loop
    assert longest_figure_run(symusic.Score(480)) == 0
    assert realism_features(looped)["longest_figure_run"] == 3.0  # and the judge reads it


def test_evaluate_realism_bars_a_reference_declared_in_one_beat_bars(tmp_path):
    """POP909 declares 1/4: a reference song is barred in the generated pieces' 4/4 before it is cut."""
    rng = np.random.default_rng(10)
    generated = [_tune(rng, bars=4) for _ in range(4)]
    reference = [_tune(rng, bars=32, meter=(1, 4)) for _ in range(6)]
    _, _, out = _evaluate_realism(tmp_path, generated, reference)
    report = json.loads((out / "realism.json").read_text())
    assert report["bars"] == 4
    assert report["real"]["means"]["notes_per_bar"] == 4.0  # 4 bars of 4/4, not 4 one-beat bars


def _voices(*lines: list[int]) -> symusic.Score:
    """Tracks of quarter notes, one per line, top voice first."""
    score = symusic.Score(480)
    for i, line in enumerate(lines):
        track = symusic.Track(f"voice {i}", program=52)
        for j, p in enumerate(line):
            track.notes.append(symusic.Note(j * 480, 480, p, 80))
        score.tracks.append(track)
    return score


def test_voice_crossing_reads_a_lower_voice_above_the_one_over_it():
    apart = _voices([72, 74, 76, 77], [64, 65, 67, 69], [55, 57, 59, 60])
    crossed = _voices([72, 74, 76, 77], [64, 65, 79, 69], [55, 57, 59, 60])  # the alto over the soprano once
    assert voice_crossing(apart) == 0.0
    assert voice_crossing(crossed) == pytest.approx(1 / 8)  # 1 of 4 beats, of 2 pairs
    assert voice_crossing(_voices([72, 74])) == 0.0  # one voice crosses nothing
    assert voice_crossing(_voices([60, 62], [60, 62])) == 0.0  # unisons do not cross
    assert "voice_crossing" not in FEATURES  # a diagnostic beside the judge
