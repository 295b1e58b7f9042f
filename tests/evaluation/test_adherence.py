import math

import pytest
from evaluation_fixtures import make_score

from partita.evaluation.adherence import (
    Controls,
    Measured,
    correlation,
    measure,
    piece_adherence,
    set_adherence,
)


def _cadences(root: int, minor: bool = False, bars: int = 8, qpm: float = 120.0, program: int = 0):
    """I-IV-V-I block chords in a key, one chord per bar, with a bass note."""
    third = 3 if minor else 4
    degrees = [(0, third, 7), (5, 5 + third, 12), (7, 11, 14), (0, third, 7)]
    notes = []
    for b in range(bars):
        chord = degrees[b % 4]
        for iv in chord:
            notes.append((b * 1920, 1920, 60 + root + iv))
        notes.append((b * 1920, 1920, 48 + root + chord[0]))
    return make_score(notes, qpm=qpm, program=program)


def test_a_piece_in_the_requested_key_scores_ck_one():
    score = _cadences(7)  # G major
    m = measure(score)
    assert m.key == "G major"
    s = piece_adherence(Controls(key="G major"), m)
    assert s["CK"] == 1.0 and s["CKD"] == 1.0
    # asked for E minor (G's relative minor): wrong key, right up to the relative
    s = piece_adherence(Controls(key="E minor"), m)
    assert s["CK"] == 0.0 and s["CKD"] == 1.0
    s = piece_adherence(Controls(key="D major"), m)
    assert s["CK"] == 0.0 and s["CKD"] == 0.0


def test_enharmonic_and_mir_eval_key_spellings():
    m = Measured(key="Db major")
    assert piece_adherence(Controls(key="C#:maj"), m)["CK"] == 1.0
    assert piece_adherence(Controls(key="Bb minor"), m)["CKD"] == 1.0


def test_tempo_bins():
    m = measure(_cadences(0, qpm=100))
    assert m.tempo == pytest.approx(100, abs=0.5)
    assert piece_adherence(Controls(tempo=95), m) == {"TB": 1.0, "TBT": 1.0}  # both in 90-110
    assert piece_adherence(Controls(tempo=120), m) == {"TB": 0.0, "TBT": 1.0}  # neighbouring bin 110-140
    assert piece_adherence(Controls(tempo=150), m) == {"TB": 0.0, "TBT": 0.0}
    assert piece_adherence(Controls(tempo_bin=4), m)["TB"] == 1.0


def test_meter_instruments_and_chords():
    m = Measured(
        time_signature="6/8",
        instruments=[0, 40, "Drums"],
        chords=["C:maj", "C:maj", "A:min", "F:maj", "G:7", "C:maj"],
    )
    s = piece_adherence(
        Controls(
            time_signature="6/4",
            instruments=["Acoustic Grand Piano", "Violin", "Cello"],
            chords=["A:min", "F:maj", "G:7"],
        ),
        m,
    )
    assert s["meter"] == 0.0 and s["beat_match"] == 1.0
    assert s["instrument_precision"] == pytest.approx(2 / 3)  # piano, violin right; drums extra
    assert s["instrument_recall"] == pytest.approx(2 / 3)  # cello missing
    assert s["instrument_f1"] == pytest.approx(2 / 3)
    assert s["chord_in_order"] == 1.0 and s["chord_perfect"] == 0.0 and s["chord_any_order"] == 1.0
    s = piece_adherence(Controls(chords=["G:maj", "F:maj", "D:min"]), m)
    assert s["chord_in_order"] == 0.0
    assert s["chord_any_order"] == pytest.approx(1 / 3)  # F only
    assert s["chord_any_order_majmin"] == pytest.approx(2 / 3)  # G:7 counts as G major
    s = piece_adherence(Controls(chords=["C:maj", "A:min", "F:maj", "G:7", "C:maj"]), m)
    assert s["chord_perfect"] == 1.0  # repeats merged
    assert piece_adherence(Controls(chords=["Db:maj"]), Measured(chords=["C#:maj"]))["chord_perfect"] == 1.0


def test_measured_instruments_and_chords_from_a_score():
    score = _cadences(0, program=40)
    m = measure(score)
    assert m.instruments == [40]
    assert m.time_signature == "4/4"
    s = piece_adherence(Controls(instruments=["Violin"], chords=["C:maj", "F:maj", "G:maj", "C:maj"]), m)
    assert s["instrument_f1"] == 1.0
    assert s["chord_any_order_majmin"] == 1.0


def test_density_correlation_over_a_set():
    requested = [Controls(density=d) for d in (1.0, 2.0, 3.0, 4.0)]
    measured = [Measured(density=d) for d in (1.5, 2.2, 3.9, 4.1)]
    out = set_adherence(requested, measured)
    assert out["correlations"]["density"]["spearman"] == pytest.approx(1.0)
    assert 0.9 < out["correlations"]["density"]["pearson"] < 1.0
    assert out["scores"]["density_relative_error"]["n"] == 4
    assert math.isnan(correlation([1, 2], [1, 2])["pearson"])  # too few pairs


def test_unmeasurable_controls_count_as_missed():
    s = piece_adherence(Controls(key="C major", tempo=100, time_signature="3/4"), Measured())
    assert s == {"TB": 0.0, "TBT": 0.0, "CK": 0.0, "CKD": 0.0, "meter": 0.0, "beat_match": 0.0}
    drums = make_score([], extra_tracks=[(0, True, [(i * 480, 100, 36) for i in range(16)])])
    s = piece_adherence(Controls(key="C major", chords=["C:maj"]), measure(drums))
    assert s["CK"] == 0.0 and s["chord_any_order"] == 0.0


def test_bad_controls_name_the_problem():
    with pytest.raises(ValueError, match="key .H major.: not a note name"):
        Controls.from_dict({"key": "H major"})
    with pytest.raises(ValueError, match="unknown instrument"):
        Controls.from_dict({"instruments": ["Kazoo 3000"]})
    with pytest.raises(ValueError, match="time signature"):
        Controls.from_dict({"time_signature": "four-four"})
    with pytest.raises(ValueError, match="chord label"):
        Controls.from_dict({"chords": ["C:notachord"]})
    with pytest.raises(ValueError, match="tempo"):
        Controls.from_dict({"tempo": -3})


def test_instrument_presence_is_the_share_of_bars_each_requested_instrument_plays_in():
    """A fiddle tune whose guitar plays one held note in bar 2 has instrument F1 1.0 but presence
    (1 + 1/8) / 2: the held note counts in the bar it starts in only."""
    fiddle = [(b * 1920 + k * 480, 480, 74 + k) for b in range(8) for k in range(4)]
    guitar = [(1920, 4 * 1920, 50)]
    score = make_score(fiddle, program=110, extra_tracks=[(24, False, guitar)])
    m = measure(score)
    assert m.bar_share == {110: 1.0, 24: 0.125}
    s = piece_adherence(Controls(instruments=["Fiddle", "Acoustic Guitar (nylon)"]), m)
    assert s["instrument_f1"] == 1.0
    assert s["instrument_presence"] == pytest.approx((1.0 + 0.125) / 2)
    # an instrument that never plays counts 0; an extra one does not raise the score
    s = piece_adherence(Controls(instruments=["Fiddle", "Cello"]), m)
    assert s["instrument_presence"] == pytest.approx(0.5)
    # not measured (a Measured built by hand): no presence score rather than a wrong one
    assert "instrument_presence" not in piece_adherence(
        Controls(instruments=["Fiddle"]), Measured(instruments=[110])
    )


def test_every_adherence_score_has_plain_words_and_bars_is_exact():
    from partita.evaluation.adherence import Controls, Measured, metric_words, piece_adherence
    from partita.web.compose import adherence_markdown

    requested = Controls(
        key="C major", tempo=100, time_signature="4/4", instruments=[0, 33], chords=["C:maj"], bars=8
    )
    measured = Measured(
        key="C major",
        tempo=100,
        time_signature="4/4",
        instruments=[0],
        chords=["C:maj"],
        bar_share={0: 1.0},
        bars=7,
    )
    scores = piece_adherence(requested, measured)
    assert scores["bars"] == 0.0  # seven bars for eight is a miss
    assert piece_adherence(requested, Measured(bars=8))["bars"] == 1.0
    assert all(metric_words(k) != k for k in scores)
    view = {"rank": 1, "notes": 10, "seed": 3, "adherence_mean": 0.5, "adherence": scores}
    assert "exactly the number of bars asked for" in adherence_markdown(view)
