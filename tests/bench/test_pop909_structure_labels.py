"""POP909's human structure labels: read, merged into sections, placed on the MIDI's quarter notes."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from bench_pop909_sections import fit_span, merge_runs, parse_labels, reference  # noqa: E402
from pop909_structure import TABLE, best_shift, melody_onsets  # noqa: E402


def test_labels_parse_and_runs_of_a_letter_are_one_section():
    phrases = parse_labels("i4A4A4B9b4A4B9b4B11X3o2")
    assert phrases[:4] == [("i", 4), ("A", 4), ("A", 4), ("B", 9)]
    assert sum(n for _, n in phrases) == 58
    assert merge_runs(phrases)[:3] == [("i", 4), ("A", 8), ("B", 9)]
    assert parse_labels("-") == [] and parse_labels("A4?B4") == []


def test_the_shift_that_lines_the_melody_up_is_found():
    text = "0 60\n61 1\n63 1\n66 2\n0 4\n68 4\n70 8\n66 4\n0 2\n65 2\n64 8\n"
    ann = melody_onsets(text)
    assert ann.tolist() == [60, 61, 62, 68, 72, 80, 86, 88]  # 16th steps; rests skipped
    rng = np.random.default_rng(0)
    midi = np.sort(ann / 4 + 4.083 + rng.normal(0, 0.03, ann.size))  # performed: a little off the grid
    shift, share = best_shift(ann, midi)
    assert share == 1.0
    assert shift == pytest.approx(4.083, abs=0.05)


def test_reference_spans_the_piece_with_a_span_before_the_first_bar():
    iv, labels = reference([("i", 2), ("A", 4), ("A", 4)], 1.0, 4.0, lambda q: np.asarray(q) * 0.5, 20.0)
    assert labels == ["-", "i", "A", "A"]
    assert iv[0].tolist() == [0.0, 0.5] and iv[1].tolist() == [0.5, 4.5]
    assert iv[-1, 1] == 20.0  # stretched to the piece's end
    est, _ = fit_span(np.array([[0.2, 5.0], [5.0, 30.0]]), ["x", "y"], 20.0)
    assert est.tolist() == [[0.0, 5.0], [5.0, 20.0]]


def test_the_table_has_songs_1_to_800_only():
    rows = [line.split("\t") for line in TABLE.read_text(encoding="utf-8").splitlines()[2:]]
    ids = [int(r[0]) for r in rows]
    assert ids and max(ids) <= 800 and len(ids) == len(set(ids))
    assert all(parse_labels(r[4]) or parse_labels(r[5]) for r in rows)
