"""A candidate's header and adherence table on the studio page (issue 20): each candidate names its own
sample of the seed (not only the request's seed, the same on every candidate), and the adherence table
explains each score in words (the bare codes TB, CK, ... meant nothing to a reader)."""

from __future__ import annotations

from partita.evaluation.adherence import METRIC_WORDS
from partita.web.compose import adherence_markdown


def _view(rank: int, sample: int) -> dict:
    return {
        "rank": rank,
        "seed": 7,
        "sample": sample,
        "notes": 40,
        "adherence_mean": 0.5,
        "adherence": {"TB": 1.0, "CK": 0.0, "CKD": 1.0, "instrument_f1": 0.5, "bars": None},
        "remarks": [],
    }


def test_each_candidate_names_its_own_sample_of_the_seed() -> None:
    first, second = adherence_markdown(_view(1, 1)), adherence_markdown(_view(2, 3))
    assert "seed 7 sample 1" in first and "seed 7 sample 3" in second
    assert first.splitlines()[1] != second.splitlines()[1]  # two candidates of one request are told apart


def test_every_adherence_score_is_explained_in_words() -> None:
    text = adherence_markdown(_view(1, 1))
    lines = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    rows = [line.split("|")[1:-1] for line in lines]
    header, *scores = rows
    assert [c.strip() for c in header] == ["control", "what it checks", "adherence"]
    assert {c[0].strip() for c in scores} == {"TB", "CK", "CKD", "instrument_f1", "bars"}
    for code, words, _value in scores:
        assert words.strip() == METRIC_WORDS[code.strip()] and len(words.split()) >= 3, (code, words)
