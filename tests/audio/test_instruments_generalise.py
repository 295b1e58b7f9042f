"""Instruments in a mixture, made to generalise across programs (partita.discovery.instruments_audio):
every GM program of a family to draw mixtures from, and the training-time augmentations (random EQ,
reverberation, noise) on log-mel crops."""

from __future__ import annotations

import json

import numpy as np
import pytest
import symusic

from partita.discovery import instruments_audio as I

pytestmark = pytest.mark.usefixtures("one_thread")


def _piece(seed: int) -> symusic.Score:
    rng = np.random.default_rng(seed)
    score = symusic.Score(480)
    score.tempos.append(symusic.Tempo(0, 120.0))
    for p in range(3):
        track = symusic.Track(f"part {p}", 0, False)
        for k in range(16):
            track.notes.append(symusic.Note(k * 480, 480, 60 + 7 * p + int(rng.integers(-2, 3)), 90))
        score.tracks.append(track)
    return score


def test_program_pools_are_disjoint_and_hold_the_two_named_programs():
    seen: set[int] = set()
    for family, programs in I.PROGRAMS.items():
        assert set(I.FAMILIES[family]) <= set(programs)
        assert not seen & set(programs), family
        seen |= set(programs)
    assert all(0 <= p < 128 for p in seen)
    assert I.MixtureConfig().pool("bass") == I.FAMILIES["bass"]
    assert I.MixtureConfig(variants=(1,)).pool("reed") == (I.FAMILIES["reed"][1],)


def test_mixtures_draw_from_a_given_pool_and_leave_held_out_programs_alone():
    held = {f: p[1] for f, p in I.FAMILIES.items()}
    pools = {f: tuple(x for x in I.PROGRAMS[f] if x != held[f]) for f in I.PROGRAMS}
    pieces = [(f"p{i}", _piece(i)) for i in range(3)]
    mixes = I.make_mixtures(pieces, 60, I.MixtureConfig(seed=2, programs=pools))
    used = {p for m in mixes for p in m.programs}
    assert not used & set(held.values())
    assert len(used) > 2 * len(I.FAMILIES)  # more than the two programs of a family are drawn
    for m in mixes:
        for fam, program in zip(m.families, m.programs, strict=True):
            assert program in pools[fam]


def test_named_share_sets_how_often_the_named_programs_play():
    pieces = [(f"p{i}", _piece(i)) for i in range(3)]
    shares = {}
    for share in (None, 0.0, 0.7, 1.0):
        c = I.MixtureConfig(seed=4, programs=I.PROGRAMS, named_share=share)
        drawn = [
            (f, p)
            for m in I.make_mixtures(pieces, 150, c)
            for f, p in zip(m.families, m.programs, strict=True)
        ]
        assert all(p in I.PROGRAMS[f] for f, p in drawn)
        shares[share] = np.mean([p in I.FAMILIES[f] for f, p in drawn])
    assert shares[0.0] == 0.0 and shares[1.0] == 1.0
    assert 0.6 < shares[0.7] < 0.8 and shares[None] < 0.45
    even = I.MixtureConfig(seed=4, programs=I.PROGRAMS)
    assert I.make_mixtures(pieces, 5, even)[0].programs == I.make_mixtures(pieces, 5, even)[0].programs
    # a pool without a named program, or without another, draws evenly from what it has
    only = {f: (I.FAMILIES[f][0],) for f in I.FAMILIES}
    c = I.MixtureConfig(seed=4, programs=only, named_share=0.0)
    firsts = {p[0] for p in I.FAMILIES.values()}
    assert {p for m in I.make_mixtures(pieces, 20, c) for p in m.programs} <= firsts
    with pytest.raises(ValueError, match="named_share"):
        I.MixtureConfig(named_share=1.5)
    config = I.InstrumentConfig(named_share=0.7)
    assert I.InstrumentConfig.from_dict(json.loads(config.to_json())).named_share == 0.7
    assert "70%" in I.model_card(config)
    assert I.InstrumentConfig.from_dict({"steps": 3}).named_share is None  # a model saved before the field


def _tone_mel(frames: int = 80) -> np.ndarray:
    power = np.full((I.N_MELS, frames), 1e-6)
    power[10, 20:40] = 1.0
    power[30, 20:40] = 0.1
    return I.log_mel(power)


def test_equaliser_changes_the_spectral_envelope_only():
    rng = np.random.default_rng(0)
    power = I._power(_tone_mel())
    assert I._equalised(power, 0.0, rng) is power
    out = I._equalised(power, 12.0, rng)
    gain = out / power
    assert out.shape == power.shape and np.all(out > 0)
    assert np.allclose(gain, gain[:, :1])  # one gain per band, the same in every frame
    assert gain.max() / gain.min() > 1.5
    assert gain.max() < 10 ** (2.5 * 12.0 / 10) and gain.min() > 10 ** (-2.5 * 12.0 / 10)


def test_reverberation_adds_a_decaying_tail_after_the_notes_and_nothing_before():
    rng = np.random.default_rng(1)
    power = I._power(_tone_mel())
    out = I._reverberant(power, rng)
    assert out[:, :20].max() < 1e-5  # the quiet floor before the notes stays quiet
    tail = out[10, 40:] - power[10, 40:]
    assert tail[0] > 1e-3 and np.all(np.diff(tail) <= 1e-12)
    assert np.all(out >= power)


def test_noise_sits_10_to_40_db_under_the_music():
    rng = np.random.default_rng(2)
    power = I._power(_tone_mel())
    for _ in range(5):
        added = I._noisy(power, rng) - power
        snr = 10 * np.log10(power.mean() / added.mean())
        assert 9.0 < snr < 41.0 and np.all(added >= 0)


def test_augmented_batches_stay_log_mels_and_a_tiny_model_trains_on_them():
    rng = np.random.default_rng(3)
    mels = [_tone_mel(100 + 10 * k) for k in range(6)]
    labels = np.eye(len(I.FAMILIES), dtype=np.float32)[[0, 1, 2, 3, 4, 5]]
    c = I.InstrumentConfig(hidden=8, steps=3, batch=4, eq_db=12.0, reverb_prob=1.0, noise_prob=1.0)
    x, y = I._batch(mels, labels, np.arange(4), 60, c, rng)
    assert x.shape == (4, I.N_MELS, 60) and y.shape == (4, len(I.FAMILIES))
    assert x.min() >= 0.0 and x.max() <= 1.0 + 1e-6
    assert not np.allclose(x[0], mels[0][:, :60])  # changed even where not mixed
    model = I.train_instruments(mels, labels, c)
    probs = model.probabilities(mels[0])
    assert probs.shape == (len(I.FAMILIES),) and np.all(np.isfinite(probs))
    round_trip = I.InstrumentConfig.from_dict(json.loads(c.to_json()))
    assert round_trip.eq_db == 12.0 and round_trip.reverb_prob == 1.0
