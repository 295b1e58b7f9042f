"""Whether a video's music is loud where it moves and marks its events with its loudest notes: the measures
(partita.evaluation.picture_dynamics), the accents' loudest share without ties, and accents that stand above
their neighbours."""

from __future__ import annotations

import numpy as np
import pytest
from symusic import Note, Score, Tempo, TimeSignature, Track

from partita.evaluation.picture_dynamics import (
    accent_agreement,
    loudness_curve,
    loudness_following,
    motion_curve,
    onset_velocities,
    shifted,
)
from partita.generation.picture import loudest_onsets, musical_accents, shape_dynamics
from partita.picture import VideoFeatures

TPQ = 480


def eighths(velocities: list[int]) -> Score:
    """Eighth notes at 120 bpm (0.25 s apart), one a velocity, in 4/4."""
    s = Score(TPQ)
    s.time_signatures.append(TimeSignature(0, 4, 4))
    s.tempos.append(Tempo(0, qpm=120.0))
    t = Track("piano", 0, False)
    t.notes.extend(Note(i * TPQ // 2, TPQ // 2, 60 + i % 7, v) for i, v in enumerate(velocities))
    s.tracks.append(t)
    return s


def still_video(duration: float, motion: list[float]) -> VideoFeatures:
    times = [(k + 0.5) * duration / len(motion) for k in range(len(motion))]
    return VideoFeatures(duration, 25.0, int(duration * 25), 160, 120, [], times, motion, [])


def test_tied_velocities_do_not_widen_the_loudest_share():
    strength = np.array([64] * 14 + [100] * 4 + [127] * 2)
    assert loudest_onsets(strength).tolist() == [False] * 18 + [True] * 2  # 10% of 20: the two at 127
    tied_top = np.array([64] * 14 + [100] * 6)
    assert loudest_onsets(tied_top, ties=True).sum() == 6  # the rule before: all at the quantile, 30%
    assert not loudest_onsets(tied_top).any()  # six tied for two places: none stands out
    times = np.arange(20) * 0.25  # the six loud ones are 14-19: a run, no accent in it
    assert not loudest_onsets(tied_top, times=times).any()
    spread = np.array([64] * 20)
    spread[[0, 5, 10, 15]] = 100  # four tied for two places, each louder than all within 1 s
    assert np.flatnonzero(loudest_onsets(spread, times=times)).tolist() == [0, 5, 10, 15]
    assert not loudest_onsets(np.full(10, 80)).any() and not loudest_onsets(np.zeros(0)).any()


def test_musical_accents_take_no_tied_loud_onsets_off_the_downbeats():
    music = eighths([60, 100, 60, 100, 60, 100, 60, 100] * 2 + [60] * 4)  # every other off-beat loud
    with_ties = musical_accents(music, ties=True)
    assert len(with_ties) > len(musical_accents(music)) == 3  # now only the three downbeats


def test_an_accent_stands_above_its_neighbours_even_at_full_loudness():
    video = still_video(4.0, [1.0] * 32)  # full motion: every velocity scaled by 1.25
    event = 1.0  # the fifth eighth
    old = shape_dynamics(eighths([110] * 16), video, [event], move_onsets=False, margin=0)
    new = shape_dynamics(eighths([110] * 16), video, [event], move_onsets=False)
    for music, strict in ((old, False), (new, True)):
        times, velocities = onset_velocities(music)
        assert accent_agreement(times, velocities, [event], strict=True)["accented"] == int(strict)
    quiet = shape_dynamics(eighths([40] * 4 + [16] + [40] * 11), video, [event], move_onsets=False)
    assert onset_velocities(quiet)[1][4] > max(np.delete(onset_velocities(quiet)[1], 4))


def test_accent_agreement_counts_events_notes_and_accents():
    times = np.array([0.0, 0.5, 1.0, 1.5, 3.0])
    counts = accent_agreement(times, np.array([60, 90, 60, 80, 70]), [0.5, 1.52, 2.2, 3.0])
    assert counts == {"events": 4, "with_note": 3, "accented": 2}  # 1.5 is quieter than 0.5, 1 s away
    tied = np.array([60, 90, 60, 90, 70])
    assert accent_agreement(times, tied, [0.5, 1.52])["accented"] == 0
    assert accent_agreement(times, tied, [0.5, 1.52], strict=False)["accented"] == 2


def test_loudness_that_rises_with_the_motion_follows_it_and_its_shifted_motion_does_not():
    music = eighths(list(range(20, 116, 6)))  # 16 eighths, 4 s, ever louder
    video = still_video(4.0, [0.01 * 1.1**k for k in range(16)])
    loud, motion = loudness_curve(music, 4.0), motion_curve(video)
    assert len(loud) == len(motion) == 8
    assert loudness_curve(music, 4.0)[0] == pytest.approx((20 + 26) / 127 / 0.5)
    assert loudness_following(loud, motion) == pytest.approx(1.0)
    assert loudness_following(loudness_curve(music, 4.0, mean=True), motion) == pytest.approx(1.0)
    assert loudness_following(loud, shifted(motion)) < 0.5
    assert loudness_following(loud[:3], motion[:3]) is None  # too few steps


def test_a_short_motion_window_lets_the_loudness_follow_a_burst():
    motion = [0.01] * 32
    motion[16:20] = [0.3] * 4  # a burst from 2.0 to 2.5 s
    video = still_video(4.0, motion)
    for window, louder in ((2.0, False), (0.5, True)):
        music = shape_dynamics(eighths([64] * 16), video, [], move_onsets=False, window=window)
        velocities = onset_velocities(music)[1]
        assert bool(velocities[8] > velocities[2]) is louder  # the eighth at 2.0 s against one at 0.5 s


def test_only_the_onset_nearest_to_an_event_takes_its_accent():
    music = eighths([64] * 8)
    music.tracks[0].notes.append(Note(TPQ * 2 + TPQ // 8, TPQ // 8, 72, 64))  # a 32nd after the 1.0 s eighth
    music.tracks[0].notes.sort(key=lambda n: n.time)
    video, event = still_video(4.0, [0.05] * 32), 1.03
    for margin, accented in ((0, 0), (12, 1)):
        shaped = shape_dynamics(music.copy(), video, [event], move_onsets=False, margin=margin)
        times, velocities = onset_velocities(shaped)
        assert accent_agreement(times, velocities, [event])["accented"] == accented  # before: two tied
