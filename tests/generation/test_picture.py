"""Pictures to music: the valence/arousal mapping, the request (the words win), the video plan (cuts on bar
lines, the music as long as the video), the tempo map, the accents and the alignment measure."""

from __future__ import annotations

import pytest
from symusic import Note, Score, TimeSignature, Track

from partita.generation.picture import (
    alignment,
    image_request,
    musical_accents,
    picture_affect,
    plan_video,
    shape_dynamics,
    tick_seconds,
    timed,
)
from partita.picture import ImageFeatures, Shot, VideoFeatures
from partita.score.bars import bar_lines


def picture(brightness, warmth, saturation=0.4, contrast=0.4, edges=0.08) -> ImageFeatures:
    return ImageFeatures(brightness, saturation, contrast, 0.3, edges, warmth, [], None, 0.0)


BRIGHT_WARM = picture(0.8, 0.4, saturation=0.6)
DARK_COLD = picture(0.2, -0.4, saturation=0.3)


def test_bright_warm_is_happier_than_dark_cold_and_busy_is_more_aroused_than_flat():
    assert picture_affect(BRIGHT_WARM).valence > 0.5 > -0.5 > picture_affect(DARK_COLD).valence
    flat, busy = picture(0.5, 0.0, 0.1, 0.05, 0.0), picture(0.5, 0.0, 0.7, 0.8, 0.2)
    assert picture_affect(busy).arousal > 0.5 > -0.5 > picture_affect(flat).arousal
    still, moving = picture_affect(flat, motion=0.005), picture_affect(flat, motion=0.3)
    assert moving.arousal > still.arousal and moving.valence == still.valence


def test_a_picture_alone_sets_mode_tempo_register_density_and_mood():
    bright, dark = image_request(BRIGHT_WARM, source="sun.jpg"), image_request(DARK_COLD, source="night.jpg")
    assert (bright.conditions.mode, dark.conditions.mode) == ("major", "minor")
    assert bright.conditions.mean_pitch > 62 > dark.conditions.mean_pitch
    a = bright.arousal
    assert bright.conditions.tempo_bpm == round(105 + 55 * a) and bright.faders["density"] == round(
        0.5 + 0.4 * a, 2
    )
    text = bright.explain()
    assert "'sun.jpg' -> valence = +" in text and "'sun.jpg' -> mode = major" in text
    assert "no vision model" in text


def test_the_words_win_where_they_say_something():
    req = image_request(BRIGHT_WARM, "a sad waltz in D minor", source="sun.jpg")
    c = req.conditions
    assert (c.key, c.mode, c.meter, c.style) == ("D", "minor", "3/4", "waltz")
    assert req.valence < 0  # the word "sad", not the bright picture
    assert c.tempo_bpm == 150  # the waltz's own tempo
    assert any("the prompt's mood words set valence and arousal" in n for n in req.notes)
    req = image_request(DARK_COLD, "in D", tempo=90)  # a tonic without a mode: the picture gives the mode
    assert (req.conditions.key, req.conditions.mode, req.conditions.tempo_bpm) == ("D", "minor", 90)
    assert "no mode given: major" not in req.notes


def shot(i, start, end, brightness, warmth, motion):
    return Shot(i, start, end, brightness, 0.4, 0.4, 0.3, 0.08, warmth, motion, motion)


VIDEO = VideoFeatures(
    duration=12.0,
    fps=25.0,
    frames=300,
    width=160,
    height=120,
    shots=[
        shot(0, 0.0, 3.2, 0.8, 0.4, 0.01),
        shot(1, 3.2, 3.9, 0.5, 0.0, 0.02),  # 0.7 s: merged into the shot before
        shot(2, 3.9, 8.5, 0.2, -0.4, 0.2),
        shot(3, 8.5, 12.0, 0.6, 0.1, 0.05),
    ],
    motion_times=[t / 8 for t in range(96)],
    motion=[0.05] * 96,
    motion_peaks=[5.0, 8.6, 10.3],
)


def test_a_video_plan_has_a_section_a_shot_each_as_long_as_its_shot():
    vplan = plan_video(VIDEO)
    assert vplan.starts == [0.0, 3.9, 8.5]  # the 0.7 s shot joined the one before
    for s, start, end, bpm in zip(
        vplan.plan.sections, vplan.starts, [3.9, 8.5, 12.0], vplan.tempi, strict=True
    ):
        assert s.bars * vplan.quarters_per_bar * 60 / bpm == pytest.approx(end - start)
    keys = [s.key for s in vplan.plan.sections]
    assert keys[0].endswith("major") and keys[1].endswith("minor")  # bright warm, then dark cold
    assert vplan.tempi[1] > vplan.tempi[0]  # the fast shot is faster
    assert vplan.events == [3.2, 3.9, 5.0, 8.5, 10.3]  # the peak at 8.6 is the cut at 8.5
    assert vplan.plan.instruments == ["0"] and "no instruments named: piano" in vplan.notes
    assert "shot 1-2 (0.0-3.9 s)" in vplan.explain()


def test_unaligned_the_plan_keeps_one_tempo():
    vplan = plan_video(VIDEO, "for strings", align=False)
    assert len(set(vplan.tempi)) == 1 and vplan.plan.instruments == ["48"]


def piece(bars: int, tpq: int = 480) -> Score:
    """Quarter notes, velocity 60, in 4/4."""
    s = Score(tpq)
    s.time_signatures.append(TimeSignature(0, 4, 4))
    t = Track("piano", 0, False)
    t.notes.extend(Note(i * tpq, tpq, 60 + i % 12, 60) for i in range(bars * 4))
    s.tracks.append(t)
    return s


def test_the_tempo_map_puts_every_section_start_on_its_cut_and_ends_with_the_video():
    vplan = plan_video(VIDEO)
    music = timed(piece(vplan.plan.bars), vplan)
    seconds = tick_seconds(music)
    lines = bar_lines(music, vplan.plan.bars)
    starts = [sum(s.bars for s in vplan.plan.sections[:k]) for k in range(len(vplan.starts))]
    # MIDI keeps a tempo in whole microseconds a quarter: a cut lands within microseconds of its bar line
    assert [seconds(lines[b]) for b in starts] == pytest.approx(vplan.starts, abs=1e-4)
    assert seconds(lines[-1]) == pytest.approx(VIDEO.duration, abs=1e-4)
    constant = timed(piece(vplan.plan.bars), vplan, aligned=False)
    assert [t.qpm for t in constant.tempos] == pytest.approx([vplan.base_tempo], rel=1e-5)


def test_accents_land_on_the_events_and_raise_the_alignment():
    vplan = plan_video(VIDEO)
    plain = timed(piece(vplan.plan.bars), vplan)
    shaped = shape_dynamics(timed(piece(vplan.plan.bars), vplan), VIDEO, vplan.events)
    seconds = tick_seconds(shaped)
    loud = [seconds(n.time) for n in shaped.tracks[0].notes if n.velocity > 80]
    assert loud and all(min(abs(t - e) for e in vplan.events) <= 0.08 for t in loud)
    before = alignment(vplan.events, musical_accents(plain, VIDEO.duration))
    after = alignment(vplan.events, musical_accents(shaped, VIDEO.duration))
    assert after["f_measure"] > before["f_measure"]


def test_the_alignment_measure():
    assert alignment([1.0, 2.0], [1.05, 2.0])["f_measure"] == 1.0
    assert alignment([1.0, 2.0], [1.2, 2.0], window=0.1) == {
        "f_measure": 0.5,
        "precision": 0.5,
        "recall": 0.5,
        "window": 0.1,
    }
    assert alignment([], [1.0])["f_measure"] == 0.0
    s = piece(2)
    assert musical_accents(s) == [0.0, 2.0]  # 120 bpm: the downbeats (all velocities alike: all are loudest)
