"""Instruments in a mixture (partita.discovery.instruments_audio, `partita instruments`): mixtures made from
scores, the spectral-template baseline, a tiny recogniser trained here on FluidSynth renders, save/load,
retrieval, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import symusic

from partita.discovery import instruments_audio as I
from partita.render import audio_available
from partita.score import ScoreError

SR = I.SAMPLE_RATE
needs_fluidsynth = pytest.mark.skipif(
    not audio_available(), reason="FluidSynth or a General MIDI soundfont is missing"
)
pytestmark = pytest.mark.usefixtures("one_thread")


def _part_song(seed: int, parts: int = 3, beats: int = 24) -> symusic.Score:
    """A made-up piece of ``parts`` tracks at 120 bpm, each a random walk on its own register."""
    rng = np.random.default_rng(seed)
    score = symusic.Score(480)
    score.tempos.append(symusic.Tempo(0, 120.0))
    for p in range(parts):
        track = symusic.Track(f"part {p}", 0, False)
        pitch, t = 72 - 12 * p, 0
        while t < beats * 480:
            dur = int(rng.choice([240, 480, 960]))
            pitch += int(rng.integers(-3, 4))
            track.notes.append(symusic.Note(t, dur, pitch, int(rng.integers(70, 110))))
            t += dur
        score.tracks.append(track)
    return score


def _render(score, path):
    from partita.audio import read_audio
    from partita.render import write_wav

    return read_audio(write_wav(score, path, sample_rate=SR), sample_rate=SR).samples


def _tiny_config(**kw) -> I.InstrumentConfig:
    return I.InstrumentConfig(hidden=16, steps=kw.pop("steps", 10), batch=16, **kw)


def test_mixtures_put_distinct_families_on_tracks_within_their_ranges():
    pieces = [(f"song{i}", _part_song(i)) for i in range(3)]
    mixes = I.make_mixtures(pieces, 30, I.MixtureConfig(seed=1))
    assert len(mixes) == 30
    sizes = {len(m.families) for m in mixes}
    assert sizes <= {1, 2, 3} and len(sizes) >= 2
    for m in mixes:
        assert len(set(m.families)) == len(m.families) == len(m.score.tracks)
        for fam, program, track in zip(m.families, m.programs, m.score.tracks, strict=True):
            assert program in I.FAMILIES[fam] and track.program == program
            lo, hi = I.RANGES[fam]
            assert all(lo <= n.pitch <= hi for n in track.notes)
        assert m.score.end() <= 4.0 + 1e-6
        assert m.labels(list(I.FAMILIES)).sum() == len(m.families)
    with pytest.raises(ValueError, match="has a pitched note"):
        I.make_mixtures([("empty", symusic.Score(480))], 3)


def test_template_baseline_separates_synthetic_timbres():
    """Three made-up timbres (pure tone, bright odd harmonics, high noise): mixtures' mean spectra are
    explained by templates fitted with NNLS, and a solo comes out as its own family."""
    rng = np.random.default_rng(0)
    t = np.arange(2 * SR) / SR

    def voice(kind: int) -> np.ndarray:
        f0 = 110.0 * 2 ** (rng.integers(0, 12) / 12)
        if kind == 0:
            return np.sin(2 * np.pi * f0 * t)
        if kind == 1:
            return sum(np.sin(2 * np.pi * f0 * h * t) / h for h in (1, 3, 5, 7, 9, 11))
        return np.convolve(rng.normal(size=t.size), [1, -1], "same") * 0.3

    fams = ["sine", "odd", "noise"]
    spectra, labels = [], []
    for _ in range(30):
        y = rng.random(3) < 0.5
        y[rng.integers(3)] = True
        audio = sum(voice(k) for k in range(3) if y[k]).astype(np.float32)
        spectra.append(I.spectrum(I.mel_power(audio)))
        labels.append(y.astype(np.float32))
    model = I.TemplateModel.fit(np.stack(spectra), np.stack(labels), fams)
    assert model.templates.shape == (3, I.N_MELS) and (model.templates >= 0).all()
    for k in range(3):
        scores = model.scores(I.spectrum(I.mel_power(voice(k).astype(np.float32))))[0]
        assert int(np.argmax(scores)) == k and scores[k] > 0.6


def test_save_load_round_trip_and_retrieval(tmp_path):
    model = I.InstrumentModel(_tiny_config(threshold=0.37, trained_on="nothing"))
    mel = I.log_mel(I.mel_power(np.random.default_rng(0).normal(size=3 * SR).astype(np.float32)))
    before = model.probabilities(mel)
    model.save_pretrained(tmp_path / "m")
    assert {p.name for p in (tmp_path / "m").iterdir()} == {I.CONFIG_FILE, I.WEIGHTS_FILE, I.CARD_FILE}
    back = I.InstrumentModel.from_pretrained(tmp_path / "m")
    assert back.config == model.config and back.config.threshold == 0.37
    assert np.allclose(back.probabilities(mel), before, atol=1e-6) and before.shape == (10,)
    probs = np.array([[0.1, 0.9], [0.8, 0.2], [0.5, 0.6]])
    assert I.retrieve(probs, ["a", "b"], "b", k=2) == [0, 2]
    assert I.precision_at(probs, np.array([[0, 1], [1, 0], [0, 0]]), ["a", "b"], k=1) == {"a": 1.0, "b": 1.0}
    with pytest.raises(ValueError, match="unknown family 'c'"):
        I.retrieve(probs, ["a", "b"], "c")
    with pytest.raises(FileNotFoundError, match="bench_instruments.py"):
        I.InstrumentModel.from_pretrained(tmp_path / "nothing")


def test_bad_input_is_refused_with_a_clear_message(tmp_path, capsys):
    from partita.cli.main import main

    model = I.InstrumentModel(_tiny_config())
    with pytest.raises(ScoreError, match="silent"):
        I.instruments_in(np.zeros(3 * SR, np.float32), SR, model)
    with pytest.raises(ScoreError, match="at least 1 s are needed"):
        I.instruments_in(0.3 * np.ones(SR // 2, np.float32), SR, model)
    with pytest.raises(ScoreError, match="invalid samples"):
        I.instruments_in(np.full(2 * SR, np.nan, np.float32), SR, model)
    model.save_pretrained(tmp_path / "m")
    silent, tone = tmp_path / "silent.wav", tmp_path / "tone.wav"
    sf.write(silent, np.zeros(3 * SR, np.float32), SR)
    sf.write(tone, 0.3 * np.sin(np.arange(2 * 44100) * 0.05).astype(np.float32), 44100)
    assert main(["instruments", str(silent), "--model", str(tmp_path / "m")]) == 2
    assert "the audio is silent" in capsys.readouterr().err
    assert main(["instruments", str(tone), "--model", str(tmp_path / "nope")]) != 0
    assert "bench/bench_instruments.py" in capsys.readouterr().err
    assert main(["instruments", str(tone), "--model", str(tmp_path / "m"), "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("tone.wav: 2.0 s") and len(lines) == 11


@pytest.mark.audio
@needs_fluidsynth
def test_fluidsynth_mixtures_train_a_recogniser_and_templates_find_a_solo(tmp_path):
    fams = list(I.FAMILIES)
    train_pieces = [(f"song{i}", _part_song(i)) for i in range(4)]
    solos = I.make_mixtures(train_pieces, 60, I.MixtureConfig(weights=(1.0,), seed=2))
    mixes = I.make_mixtures(train_pieces, 40, I.MixtureConfig(seed=3))
    audio = I.render_mixtures(solos + mixes, _render, tmp_path / "cache")
    assert len(audio) == 100 and all(a.shape == (4 * SR,) for a in audio)
    assert len(list((tmp_path / "cache").glob("*.npy"))) >= 4
    powers = [I.mel_power(a) for a in audio]
    labels = np.stack([m.labels(fams) for m in solos + mixes])
    # templates fitted on the solos find the family of solos of a piece they never heard
    templates = I.TemplateModel.fit(np.stack([I.spectrum(p) for p in powers[:60]]), labels[:60], fams)
    new = I.make_mixtures([("new", _part_song(99))], 20, I.MixtureConfig(weights=(1.0,), seed=4))
    new_audio = I.render_mixtures(new, _render, tmp_path / "cache")
    scores = templates.scores(np.stack([I.spectrum(I.mel_power(a)) for a in new_audio]))
    ranks = np.array(
        [int(np.sum(s > s[fams.index(m.families[0])])) for s, m in zip(scores, new, strict=True)]
    )
    assert np.mean(ranks == 0) >= 0.3 and np.mean(ranks <= 2) >= 0.6  # chance: 0.1 and 0.3
    # a tiny recogniser learns the training mixtures (mAP well over the labels' frequency)
    mels = [I.log_mel(p) for p in powers]
    model = I.train_instruments(mels, labels, _tiny_config(steps=300, lr=5e-3, mix_prob=0.0))
    probs = np.stack([model.probabilities(m) for m in mels])
    metrics = I.multilabel_metrics(labels, probs, probs >= 0.5)
    assert metrics["micro_map"] > 0.5 > labels.mean()
    found = I.instruments_in(new_audio[0], SR, model)
    assert [f for f, _ in found] != fams and sorted(f for f, _ in found) == sorted(fams)
    assert all(0.0 <= p <= 1.0 for _, p in found) and found[0][1] >= found[-1][1]
