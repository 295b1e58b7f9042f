"""A video's motion peaks open bars where a tempo near the shot's allows (the tempo changes there, the section
still ends on its cut), and the loudness follows the sustained motion so that a burst is marked by the accent
on its peak, not by a run of loud notes."""

from __future__ import annotations

import pytest
from symusic import Note, Score, TimeSignature, Track

from partita.generation.picture import (
    MAX_TEMPO_CHANGE,
    alignment,
    musical_accents,
    plan_video,
    shape_dynamics,
    sustained_motion,
    tempo_map,
    tick_seconds,
    timed,
)
from partita.picture import Shot, VideoFeatures
from partita.score.bars import bar_lines


def shot(i: int, start: float, end: float, motion: float = 0.05) -> Shot:
    return Shot(i, start, end, 0.6, 0.4, 0.4, 0.3, 0.08, 0.1, motion, motion)


def video(peaks: list[float], burst: tuple[float, float] | None = None) -> VideoFeatures:
    """12 s: a cut at 5 s, motion sampled 8 times a second (0.05, and 0.5 through ``burst``)."""
    times = [k / 8 for k in range(96)]
    motion = [0.5 if burst and burst[0] <= t < burst[1] else 0.05 for t in times]
    return VideoFeatures(
        duration=12.0, fps=25.0, frames=300, width=160, height=120,
        shots=[shot(0, 0.0, 5.0), shot(1, 5.0, 12.0)],
        motion_times=times, motion=motion, motion_peaks=peaks,
    )  # fmt: skip


def piece(bars: int, step: int = 240, tpq: int = 480) -> Score:
    """Eighth notes (``step`` ticks apart), velocity 60, in 4/4."""
    s = Score(tpq)
    s.time_signatures.append(TimeSignature(0, 4, 4))
    t = Track("piano", 0, False)
    t.notes.extend(Note(i * step, step, 60 + i % 12, 60) for i in range(bars * 4 * tpq // step))
    s.tracks.append(t)
    return s


def bar_seconds(vplan) -> list[float]:
    music = timed(piece(vplan.plan.bars), vplan)
    seconds = tick_seconds(music)
    return [seconds(t) for t in bar_lines(music, vplan.plan.bars)]


def test_a_peak_inside_a_long_shot_opens_a_bar_and_the_cuts_stay_on_bar_lines():
    vplan = plan_video(video([8.6]))
    lines = bar_seconds(vplan)
    first = [sum(s.bars for s in vplan.plan.sections[:k]) for k in range(2)]
    assert [lines[b] for b in first] == pytest.approx([0.0, 5.0], abs=1e-3)
    assert lines[-1] == pytest.approx(12.0, abs=1e-3)
    assert min(abs(t - 8.6) for t in lines) < 1e-3  # the peak is a bar line
    changes = tempo_map(vplan)
    assert len(changes) == 3 and [b for b, _ in changes[:2]] == first
    inside = [t for _, t in changes[1:]]
    assert max(inside) / min(inside) <= MAX_TEMPO_CHANGE  # a small change of tempo, not a jump
    assert "a motion peak opens bar" in vplan.explain()
    # each section's tempo is still its bars over its length
    for s, start, end, bpm in zip(vplan.plan.sections, [0.0, 5.0], [5.0, 12.0], vplan.tempi, strict=True):
        assert s.bars * vplan.quarters_per_bar * 60 / bpm == pytest.approx(end - start)


def test_a_peak_too_near_the_cut_for_a_bar_keeps_one_tempo_in_its_section():
    vplan = plan_video(video([5.6]))
    assert len(tempo_map(vplan)) == 2  # no bar fits in 0.6 s at a tempo near the shot's
    assert "a motion peak opens" not in vplan.explain()


def test_unaligned_and_without_peaks_the_map_is_a_tempo_a_section():
    assert len(tempo_map(plan_video(video([])))) == 2
    plain = plan_video(video([8.6]), align=False)
    assert tempo_map(plain) == [(0, plain.base_tempo)]


def test_a_burst_is_one_accent_not_a_run_of_loud_notes():
    v = video([8.6], burst=(8.35, 8.85))
    times, levels = sustained_motion(v)
    assert max(levels) == pytest.approx(min(levels))  # half a second of burst in a 2 s median: not heard
    vplan = plan_video(v)
    music = shape_dynamics(timed(piece(vplan.plan.bars), vplan), v, vplan.events)
    seconds = tick_seconds(music)
    velocity = {round(seconds(n.time), 3): n.velocity for n in music.tracks[0].notes}
    loud = [t for t, x in velocity.items() if x > min(velocity.values())]
    assert loud and all(min(abs(t - e) for e in vplan.events) <= 0.08 for t in loud)
    in_burst = [x for t, x in velocity.items() if 8.35 <= t < 8.85 and abs(t - 8.6) > 0.08]
    assert in_burst and set(in_burst) == {min(velocity.values())}
    accents = musical_accents(music, v.duration)
    assert alignment(vplan.events, accents)["recall"] == 1.0


def test_an_event_in_a_rest_gets_the_next_note_anticipated_onto_it():
    from partita.generation.picture import onsets_on_events, second_ticks

    s = Score(480)
    s.time_signatures.append(TimeSignature(0, 4, 4))
    t = Track("piano", 0, False)
    # a held D from 0 to beat 2.25, a D again at beat 2.25, E at beat 3: nothing starts on beat 2
    t.notes.extend([Note(0, 1080, 62, 60), Note(1080, 360, 62, 60), Note(1440, 480, 64, 60)])
    s.tracks.append(t)
    seconds = tick_seconds(s)  # 120 bpm: a beat is half a second
    assert second_ticks(s)(seconds(1234)) == pytest.approx(1234)
    onsets_on_events(s, [1.0, 1.44, 0.02])  # beat 2; 0.06 s before the E (near enough); on the first note
    got = [(n.time, n.time + n.duration, n.pitch) for n in s.tracks[0].notes]
    # the second D anticipated (its end kept), the held D ends where it starts
    assert got == [(0, 960, 62), (960, 1440, 62), (1440, 1920, 64)]
    onsets_on_events(s, [1.8])  # the next onset is over half a beat away: nothing moves
    assert [(n.time, n.duration) for n in s.tracks[0].notes] == [(0, 960), (960, 480), (1440, 480)]
