"""The pieces of bench/bench_song_realism.py (issue 25) on tiny inputs built here: a melody in seconds put
on its beat annotations, 8-bar windows, and the eighth-note baseline's score."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import symusic

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from song_realism import STEPS, TPQ, eighth_score, melody_score, windows  # noqa: E402

BEAT = 0.5  # seconds a beat


def _grid(n_beats: int, first_downbeat: int, every: int = 4) -> tuple[np.ndarray, np.ndarray]:
    beats = 0.3 + BEAT * np.arange(n_beats)
    return beats, np.arange(first_downbeat, n_beats, every)


def _notes(score: symusic.Score) -> list[tuple[int, int, int]]:
    return [(n.time, n.duration, n.pitch) for t in score.tracks for n in t.notes]


def test_a_melody_is_put_on_its_beats_from_the_downbeat_before_its_first_note():
    beats, downbeats = _grid(40, first_downbeat=1)
    # notes a little off the beats (by less than half a sixteenth), the first on beat 6 (bar 2, beat 2)
    on_beats = np.array([6.0, 7.0, 7.5, 9.25, 13.0])
    jitter = np.array([0.02, -0.03, 0.01, 0.02, -0.01]) * BEAT
    starts = beats[0] + on_beats * BEAT + jitter
    ends = starts + 0.5 * BEAT
    got = melody_score(starts, ends, np.array([60, 62, 64, 65, 67]), beats, downbeats)
    assert got is not None
    score, regular = got
    first_bar = downbeats[downbeats <= 6][-1]  # the downbeat at or before the first note: beat 5
    want = [round((b - first_bar) * TPQ) for b in on_beats]
    assert [n[0] for n in _notes(score)] == want
    assert all(d == TPQ // 2 for _, d, _ in _notes(score))  # half a beat, rounded to the grid
    assert all(regular)
    assert all(t % (TPQ // STEPS) == 0 for t, _, _ in _notes(score))


def test_a_note_before_the_first_downbeat_is_left_out():
    beats, downbeats = _grid(40, first_downbeat=2)
    on_beats = np.array([1.0, 2.0, 3.5])  # a pickup on beat 1, then the first bar
    starts = beats[0] + on_beats * BEAT
    got = melody_score(starts, starts + 0.2, np.array([55, 60, 62]), beats, downbeats)
    assert got is not None
    assert [(t, p) for t, _, p in _notes(got[0])] == [(0, 60), (round(1.5 * TPQ), 62)]


def test_a_song_whose_downbeats_are_three_beats_apart_is_not_read():
    beats, downbeats = _grid(40, first_downbeat=0, every=3)
    starts = beats[:8] + 0.01
    assert melody_score(starts, starts + 0.2, np.full(8, 60), beats, downbeats) is None


def _score(bars_with_notes: list[int], bars: int = 24) -> symusic.Score:
    s = symusic.Score(TPQ)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    t = symusic.Track(name="x")
    for b in bars_with_notes:
        t.notes.append(symusic.Note(b * 4 * TPQ, TPQ, 60 + b % 12, 80))
    t.notes.append(symusic.Note((bars - 1) * 4 * TPQ, TPQ, 72, 80))
    s.tracks.append(t)
    return s


def test_windows_skip_a_break_and_an_irregular_bar():
    # bars 0-7 all sung; bars 8-15 a break (notes in 3 bars); bars 16-23 all sung
    sung = list(range(8)) + [8, 9, 10] + list(range(16, 24))
    got = windows(_score(sung))
    assert len(got) == 2
    assert [n[0] for n in _notes(got[1])][0] == 0  # moved to start at tick 0
    assert max(n[0] for n in _notes(got[0])) < 8 * 4 * TPQ
    regular = [True] * 24
    regular[20] = False  # a bar of another length in the third window
    assert len(windows(_score(sung), regular)) == 1


def test_the_eighth_baseline_sings_partitas_pitches_one_syllable_an_eighth():
    from partita.generation.song import SLOT, eighth_baseline, sing
    from partita.lyrics import read_lyrics

    lyrics = read_lyrics("Twinkle, twinkle, little star,\nHow I wonder what you are!")
    song = sing(lyrics, style="pop")
    notes = _notes(eighth_score(song))
    assert [t for t, _, _ in notes] == eighth_baseline(lyrics, song.meter)
    assert [p for _, _, p in notes] == [n.pitch for n in song.notes if n.syllable is not None]
    assert all(d == SLOT for _, d, _ in notes)
