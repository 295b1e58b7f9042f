"""The corpus checks a score with partita.score's one check_score, under its own wider limits."""

from __future__ import annotations

import dataclasses

import pytest
import symusic

from partita.corpus import pieces
from partita.corpus.pieces import CORPUS_LIMITS, check_corpus_score
from partita.score import ScoreError, check_score


def one_note(qpm: float = 120.0, tracks: int = 1, tpq: int = 480) -> symusic.Score:
    s = symusic.Score(tpq)
    s.tempos.append(symusic.Tempo(0, qpm=qpm))
    for i in range(tracks):
        t = symusic.Track(f"T{i}", 0, False)
        t.notes.append(symusic.Note(0, 480, 60, 80))
        s.tracks.append(t)
    return s


def reason(fn, *args) -> str:
    with pytest.raises(ScoreError) as err:
        fn(*args)
    return err.value.reason


def test_the_corpus_keeps_its_own_limits():
    assert (CORPUS_LIMITS.min_qpm, CORPUS_LIMITS.max_qpm) == (5.0, 1000.0)
    assert (CORPUS_LIMITS.max_notes, CORPUS_LIMITS.max_seconds) == (1_000_000, 6 * 3600.0)
    slow = one_note(qpm=7.0)  # a tempo an upload refuses and a corpus keeps
    assert reason(check_score, slow) == "absurd-tempo"
    check_corpus_score(slow, "slow.mid")
    many = one_note(tracks=300)  # the corpus never bounded tracks
    assert reason(check_score, many) == "too-many-tracks"
    check_corpus_score(many, "many.mid")
    assert reason(check_corpus_score, one_note(qpm=4.0), "x.mid") == "absurd-tempo"
    assert reason(check_corpus_score, one_note(qpm=float("nan")), "x.mid") == "absurd-tempo"
    assert reason(check_corpus_score, symusic.Score(480), "x.mid") == "no-notes"
    assert reason(check_corpus_score, one_note(tpq=0), "x.mid") == "zero-resolution"


def test_size_limits_are_recorded_as_too_large(monkeypatch):
    monkeypatch.setattr(pieces, "CORPUS_LIMITS", dataclasses.replace(CORPUS_LIMITS, max_notes=2))
    with pytest.raises(ScoreError) as err:
        check_corpus_score(one_note(tracks=3), "big.mid")
    assert err.value.reason == "too-large" and str(err.value).startswith("big.mid: 3 notes")
    long = one_note(qpm=5.0)
    long.tracks[0].notes.append(symusic.Note(480 * 1900, 480, 62, 80))  # 1,901 quarters at 5 bpm: 6.3 hours
    assert reason(check_corpus_score, long, "long.mid") == "too-large"
