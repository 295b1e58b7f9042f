import json
import time

import pytest
import symusic
from analysis_scores import progression_score

from partita.analysis import Description, describe, load_description, save_description


def test_pop_score_is_described(pop_score):
    d = describe(pop_score)
    assert d.key == "C major"
    assert 0.5 <= d.key_confidence <= 1
    assert d.tempo == pytest.approx(100.0, abs=0.01)
    assert d.tempo_term == "Andante" and d.tempo_bin == 4
    assert d.time_signature == "4/4"
    assert d.n_bars == 16
    assert d.duration == pytest.approx(16 * 4 * 0.6, abs=0.01)
    roles = {i["name"]: i["role"] for i in d.instruments}
    assert roles == {"Melody": "melody", "Piano": "accompaniment", "Bass": "bass", "Drums": "drums"}
    assert {i["instrument"] for i in d.instruments} >= {"Flute", "Electric Bass (finger)", "Drums"}
    assert d.bar_chords[:4] == ["C:maj", "A:min", "F:maj", "G:maj"]
    assert d.progression == ["C:maj", "A:min", "F:maj", "G:maj"]
    assert d.chords[0]["start"] == 0.0 and d.chords[-1]["end"] == pytest.approx(d.duration, abs=0.01)
    assert d.pitch_low == 41 and d.pitch_high == 79
    assert d.max_polyphony >= 5
    assert d.swing_ratio is None or d.swing_ratio < 1.2
    assert d.dynamics in ("mf", "f")
    assert d.unknown == [] or set(d.unknown) <= {"swing_ratio"}


def test_repeated_material_gets_repeated_labels():
    # A (4 bars) A B A with a different progression and rhythm in B
    a = ["C", "Am", "F", "G"]
    b = ["Em", "Em", "Dm", "Dm"]
    d = describe(progression_score(a + a + b + a, beats_per_chord=4))
    labels = [s["label"] for s in d.sections]
    assert labels == ["A", "A", "B", "A"], labels
    assert d.sections[2]["start"] == pytest.approx(8 * 2.4, abs=0.01)


def test_round_trip_through_json(tmp_path, pop_score):
    d = describe(pop_score)
    again = Description.from_json(d.to_json())
    assert again == d
    path = save_description(d, tmp_path / "d.json")
    assert load_description(path) == d
    assert json.loads(path.read_text())["key"] == "C major"


def test_bad_description_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such description"):
        load_description(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="bad.json: not a description"):
        load_description(bad)


def test_not_a_score_is_refused():
    with pytest.raises(ValueError, match="needs a symusic.Score"):
        describe("song.mid")


# --- bad input: a Description in bounded time, unknown fields marked, nothing raises ---


def test_empty_score():
    d = describe(symusic.Score(480))
    assert d.n_notes == 0 and d.key is None and d.tempo is None and d.chords == []
    assert {"key", "tempo", "time_signature", "chords", "instruments", "sections"} <= set(d.unknown)


def test_drum_only_score():
    s = progression_score(["C", "G"], drums=True)
    s.tracks = [t for t in s.tracks if t.is_drum]
    d = describe(s)
    assert d.key is None and d.chords == [] and d.progression == []
    assert d.instruments[0]["role"] == "drums"
    assert d.tempo == pytest.approx(100.0, abs=0.01)
    assert "key" in d.unknown and "tempo" not in d.unknown


def test_single_note():
    s = symusic.Score(480)
    t = symusic.Track("x", 0, False)
    t.notes.append(symusic.Note(0, 480, 60, 80))
    s.tracks.append(t)
    d = describe(s)
    assert d.n_notes == 1 and d.key is None
    assert d.pitch_low == d.pitch_high == 60
    assert d.tempo == 120.0  # no tempo event: the MIDI default
    assert "key" in d.unknown


def test_no_time_signature():
    d = describe(progression_score(["C", "F", "G", "C"], time_signature=None))
    assert d.time_signature is None and "time_signature" in d.unknown
    assert d.key == "C major"
    assert d.bar_chords[:4] == ["C:maj", "F:maj", "G:maj", "C:maj"]  # analysed on an assumed 4/4 grid


def test_ten_thousand_bars_in_bounded_time():
    s = progression_score(["C", "Am", "F", "G"] * 2500, melody=False)
    assert s.note_num() == 10_000 * 4
    t = time.perf_counter()
    d = describe(s)
    elapsed = time.perf_counter() - t
    assert d.n_bars == 10_000
    assert d.key == "C major"
    assert elapsed < 20, elapsed
    assert d.sections and d.sections[-1]["bars"][1] == 10_000
