"""The realism benchmark's real reference: a piece declaring bars of one beat is barred first."""

import sys
from pathlib import Path

import symusic

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from bench_realism import copied, known_runs  # noqa: E402
from partita.evaluation.realism import barred_as_asked, count_bars  # noqa: E402


def _piece(num: int, den: int, quarters: int = 32) -> symusic.Score:
    score = symusic.Score(480)
    score.time_signatures.append(symusic.TimeSignature(0, num, den))
    track = symusic.Track(program=0)
    track.notes.extend(symusic.Note(q * 480, 480, 60 + q % 5, 80) for q in range(quarters))
    score.tracks.append(track)
    return score


def test_a_piece_declaring_one_beat_bars_is_barred_as_the_prompts_ask():
    piece = _piece(1, 4)
    assert count_bars(piece) == 32  # as declared: a bar a beat
    barred, changed = barred_as_asked(piece, "4/4")
    assert changed and count_bars(barred) == 8
    assert [(t.numerator, t.denominator) for t in barred.time_signatures] == [(4, 4)]
    assert [(t.numerator, t.denominator) for t in piece.time_signatures] == [(1, 4)]  # the original kept


def test_a_piece_with_a_real_meter_is_left_as_it_is():
    piece = _piece(3, 4)
    barred, changed = barred_as_asked(piece, "4/4")
    assert not changed and barred is piece


def _line(pitches: list[int]) -> symusic.Score:
    score = symusic.Score(480)
    track = symusic.Track(program=0)
    track.notes.extend(symusic.Note(i * 240, 240, p, 80) for i, p in enumerate(pitches))
    score.tracks.append(track)
    return score


def test_copying_counts_runs_shared_with_training_pieces_in_any_key():
    tune = [60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65]
    known = known_runs([_line(tune)])
    assert copied([_line([p + 5 for p in tune])], known) == 1.0  # the same tune a fourth higher
    assert copied([_line([60, 67, 61, 70, 62, 75, 58, 66, 59, 73])], known) == 0.0
    half = copied([_line(tune[:8] + [50, 80, 51, 79, 52, 78, 53, 77])], known)
    assert 0.0 < half < 0.5
