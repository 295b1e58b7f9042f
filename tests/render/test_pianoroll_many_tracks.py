"""A piano roll of a score with many tracks (issue 20): the legend holds at most LEGEND_MAX_TRACKS entries
and the last says how many more there are; no Python warning reaches the terminal. Before, 250 tracks gave a
250-entry legend taller than the picture and matplotlib's "Tight layout not applied" UserWarning on stderr."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib.axes
import pytest
import symusic

from partita.render.pianoroll import LEGEND_MAX_TRACKS, write_pianoroll


def _tracks(n: int) -> symusic.Score:
    s = symusic.Score(96)
    for i in range(n):
        t = symusic.Track(f"voice {i}", i % 128, False)
        t.notes.append(symusic.Note(96 * (i % 8), 96, 40 + i % 40, 80))
        s.tracks.append(t)
    return s


@pytest.mark.parametrize("n", [3, LEGEND_MAX_TRACKS, 120])
def test_the_legend_is_bounded_and_nothing_is_warned(n: int, tmp_path: Path, monkeypatch) -> None:
    labels: list[list[str]] = []
    original = matplotlib.axes.Axes.legend

    def legend(self, *args, **kwargs):
        labels.append([h.get_label() for h in kwargs.get("handles", [])])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, "legend", legend)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = write_pianoroll(_tracks(n), tmp_path / "roll.png")
    assert out.is_file() and out.stat().st_size > 1000
    assert not [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    (shown,) = labels
    assert len(shown) == min(n, LEGEND_MAX_TRACKS)
    if n > LEGEND_MAX_TRACKS:
        assert shown[-1] == f"... and {n - LEGEND_MAX_TRACKS + 1} more tracks"
        assert shown[0].startswith("voice 0 (")
    else:
        assert all(label.startswith("voice ") for label in shown)
