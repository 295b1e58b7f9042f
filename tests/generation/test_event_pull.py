"""The event pull (rules/event_pull.py): onsets, and loud ones, drawn to the asked (bar, position) pairs, and
a video's events turned into such pairs (generation/picture.py: event_positions)."""

from __future__ import annotations

import pytest
import torch
from symusic import Note, Score, TimeSignature, Track

from partita.generation.picture import event_positions, plan_video, tick_seconds, timed
from partita.generation.rules import Constraints, RuleSet
from partita.generation.rules.event_pull import EventPull
from partita.picture import Shot, VideoFeatures
from partita.pipelines import Generator
from partita.score.bars import bar_lines

# ids as BPE would merge them (base tokens each)
_IDS = [
    ["Bar_None"],
    ["Position_0", "Program_0"],
    ["Position_8", "Program_0"],
    ["Position_12"],
    ["Position_24"],
    ["Pitch_60", "Velocity_111", "Duration_1.0.8"],
    ["Pitch_60", "Velocity_31", "Duration_1.0.8"],
    ["Duration_1.0.8", "Bar_None", "Position_12"],  # a bar line, then the next bar's onset at 12
    ["Duration_1.0.8", "Bar_None", "Position_0"],
]


def _pull(positions, weight=2.0, velocity_weight=1.0) -> EventPull:
    inner = torch.tensor([0 if k == 1 else -1 for k in range(len(_IDS))])
    inner[2], inner[3], inner[4] = 8, 12, 24
    bars = torch.tensor(["Bar_None" in t for t in _IDS])
    return EventPull(positions, _IDS, inner, bars, weight, velocity_weight)


def _track(bars: int, pos: int):
    from partita.generation.rules.tracker import Track as RuleTrack

    return RuleTrack(meter="4/4", bars=bars, pos=pos)


def test_an_asked_position_ahead_is_pulled_and_skipping_it_is_pushed_away():
    pull = _pull([(0, 12), (1, 12)], velocity_weight=0.0)
    bonus = pull.bonus(_track(1, 8), len(_IDS)).tolist()  # bar 0, last onset at 8: 12 is ahead
    assert bonus[3] == 2.0  # the onset on it
    assert bonus[4] == -2.0 and bonus[0] == -2.0 and bonus[7] == -2.0  # later in the bar, or the bar line
    assert bonus[2] == 0.0 and bonus[5] == 0.0  # an onset before it, a note: free
    assert pull.bonus(_track(1, 12), len(_IDS)) is None or pull.pending(_track(1, 12)) is None
    # the event of bar 0 taken: a bar line that writes bar 1's onset on its asked position is pulled
    after = pull.bonus(_track(1, 24), len(_IDS)).tolist()
    assert after[7] == 2.0 and after[8] == 0.0


def test_an_asked_downbeat_is_pending_until_the_bar_has_an_onset():
    pull = _pull([(2, 0)], velocity_weight=0.0)
    assert pull.pending(_track(3, -1)) == 0  # bar 2 just opened: no onset yet
    bonus = pull.bonus(_track(3, -1), len(_IDS)).tolist()
    assert bonus[1] == 2.0 and bonus[2] == -2.0
    assert pull.pending(_track(3, 0)) is None and pull.pending(_track(2, 4)) is None


def test_a_note_on_an_asked_onset_is_pulled_louder():
    pull = _pull([(0, 12)], weight=0.0, velocity_weight=1.0)
    bonus = pull.bonus(_track(1, 12), len(_IDS))
    assert bonus[5] > 0 > bonus[6]  # velocity 111 up, 31 down
    assert pull.bonus(_track(1, 24), len(_IDS)) is None  # elsewhere nothing


def test_the_rule_is_built_from_the_constraints():
    gen = Generator.debug(seed=0)
    asked = RuleSet(gen.tokenizer, Constraints(event_positions=[(0, 8)], grammar=True))
    assert any(isinstance(r, EventPull) for r in asked.rules)
    plain = RuleSet(gen.tokenizer, Constraints(grammar=True))
    assert not any(isinstance(r, EventPull) for r in plain.rules)
    off = RuleSet(gen.tokenizer, Constraints(event_positions=[(0, 8)], event_weight=0.0, grammar=True))
    assert not any(isinstance(r, EventPull) for r in off.rules)


def _onsets(score: Score, bars: int) -> set[tuple[int, int]]:
    """(bar, position at 8 a quarter) of every onset."""
    lines, per = bar_lines(score, bars + 1), score.ticks_per_quarter // 8
    out = set()
    for t in score.tracks:
        for n in t.notes:
            b = sum(line <= n.time for line in lines) - 1
            out.add((b, (n.time - lines[b]) // per))
    return out


def _hits(onsets: set[tuple[int, int]], asked: list[tuple[int, int]]) -> int:
    return sum(any(b == a and abs(p - q) <= 1 for b, p in onsets) for a, q in asked)


def test_the_pull_brings_the_sampled_onsets_onto_the_asked_positions():
    gen = Generator.debug(seed=0)
    asked = [(1, 12), (1, 26), (2, 4), (2, 20)]
    prompt = "a piece for piano in 4/4, 3 bars"
    plain = gen.generate(prompt, n=2, seed=1, wav=False, selector=None, pickups=False)
    request = gen.request(prompt)
    request.onsets = asked  # what the picture pipeline asks of every section of a video's plan
    pulled = gen.generate(request, n=2, seed=1, wav=False, selector=None, pickups=False, event_weight=6.0)
    hit_plain = sum(_hits(_onsets(c.score, 3), asked) for c in plain)
    hit_pulled = sum(_hits(_onsets(c.score, 3), asked) for c in pulled)
    assert hit_pulled > hit_plain  # the same seed without the pull
    assert hit_pulled >= 0.75 * 2 * len(asked)


def _shot(i: int, start: float, end: float) -> Shot:
    return Shot(i, start, end, 0.6, 0.4, 0.4, 0.3, 0.08, 0.1, 0.05, 0.05)


def test_a_video_s_events_become_the_bar_positions_they_fall_on():
    video = VideoFeatures(
        duration=12.0, fps=25.0, frames=300, width=160, height=120,
        shots=[_shot(0, 0.0, 5.0), _shot(1, 5.0, 12.0)],
        motion_times=[k / 8 for k in range(96)], motion=[0.05] * 96, motion_peaks=[2.3, 8.1],
    )  # fmt: skip
    vplan = plan_video(video)
    positions = event_positions(vplan, 8)
    assert len(positions) == len(vplan.events) == 3
    bars = vplan.plan.bars
    s = Score(480)
    s.time_signatures.append(TimeSignature(0, 4, 4))
    s.tracks.append(Track("piano", 0, False))
    s.tracks[0].notes.extend(Note(i * 480, 480, 60, 60) for i in range(bars * 4))
    music = timed(s, vplan)
    seconds, lines = tick_seconds(music), bar_lines(music, bars)
    half = max(60.0 / bpm for _, bpm in vplan.tempo_changes) / 16  # half a position (8 a quarter)
    for (bar, pos), event in zip(positions, vplan.events, strict=True):
        assert seconds(lines[bar] + pos * 60) == pytest.approx(event, abs=half + 1e-3)
