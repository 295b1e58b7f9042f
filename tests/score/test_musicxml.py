"""MusicXML writing: round trips through partita's own reader, spelling, pickups, titles, grids."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pytest
import symusic
from music21 import converter, corpus, pitch

from partita.score import ScoreError, from_music21, read_score, write_score
from partita.score.musicxml import to_music21, to_musicxml_bytes, write_musicxml

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def grid_notes(s: symusic.Score, div: int = 4) -> list[tuple[int, int, int, str]]:
    """(onset, pitch, duration) on a grid of ``div`` per quarter, with the track name, sorted."""
    f = s.ticks_per_quarter
    return sorted(
        (round(n.time * div / f), n.pitch, round(n.duration * div / f), t.name)
        for t in s.tracks
        for n in t.notes
    )


def meta(s: symusic.Score) -> dict:
    f = s.ticks_per_quarter
    return {
        "tempos": [(round(t.time * 4 / f), round(t.qpm, 2)) for t in s.tempos],
        "time_signatures": [(round(t.time * 4 / f), t.numerator, t.denominator) for t in s.time_signatures],
        "key_signatures": [(round(k.time * 4 / f), k.key, k.tonality) for k in s.key_signatures],
        "tracks": [(t.name, t.program) for t in s.tracks],
    }


def two_track_score() -> symusic.Score:
    """Tempo, time- and key-signature changes, two named tracks with programs, a chord and a tie over a
    bar."""
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=96.0))
    s.tempos.append(symusic.Tempo(8 * 480, qpm=132.5))
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    s.time_signatures.append(symusic.TimeSignature(8 * 480, 3, 4))
    s.key_signatures.append(symusic.KeySignature(0, -1, 1))  # D minor
    s.key_signatures.append(symusic.KeySignature(8 * 480, 2, 0))  # D major
    lead = symusic.Track("Lead Violin", 40, False)
    for i, p in enumerate([62, 64, 65, 67, 69, 70, 69, 67, 66, 67, 69, 71, 73, 74]):
        lead.notes.append(symusic.Note(i * 480, 480, p, 90))
    lead.notes.append(
        symusic.Note(14 * 480, 240, 76, 90)
    )  # an eighth then a dotted half tied into the next bar
    lead.notes.append(symusic.Note(14 * 480 + 240, 3 * 480 + 240, 74, 90))
    bass = symusic.Track("Bass", 33, False)
    for i, p in enumerate([38, 45, 38, 45, 38, 33, 38, 38]):
        bass.notes.append(symusic.Note(i * 960, 960, p, 70))
        if i == 2:
            bass.notes.append(symusic.Note(i * 960, 960, p + 7, 70))  # a fifth: a chord
    s.tracks.append(lead)
    s.tracks.append(bass)
    return s


def test_round_trip_keeps_notes_tempos_signatures_programs_names(tmp_path):
    s = two_track_score()
    path = write_musicxml(s, tmp_path / "duo.musicxml")
    back = read_score(path)
    assert grid_notes(back) == grid_notes(s)
    assert meta(back) == meta(s)


def test_write_score_dispatches_and_mxl_is_a_valid_container(tmp_path):
    s = two_track_score()
    p = write_score(s, tmp_path / "duo.mxl", title="Duo")
    with zipfile.ZipFile(p) as z:
        assert "META-INF/container.xml" in z.namelist()
        assert z.read("mimetype") == b"application/vnd.recordare.musicxml"
    parsed = converter.parse(str(p))  # music21 reads the .mxl by its name
    assert parsed.metadata.bestTitle == "Duo"
    assert [part.partName for part in parsed.parts] == ["Lead Violin", "Bass"]


def test_title_and_no_music21_boilerplate():
    xml = to_musicxml_bytes(two_track_score(), title="A Title").decode()
    assert "<movement-title>A Title</movement-title>" in xml
    assert "Music21" not in xml.replace("music21 v.", "")
    untitled = to_musicxml_bytes(two_track_score()).decode()
    assert "Music21 Fragment" not in untitled


def spelled(s: symusic.Score) -> dict[tuple[int, int], str]:
    m = to_music21(s)
    out = {}
    for part in m.parts:
        for n in part.flatten().notes:
            for p in n.pitches:
                out[(round(float(n.offset) * 4), p.midi)] = p.name
    return out


def test_spelling_follows_key_and_harmony():
    s = symusic.Score(480)
    s.key_signatures.append(symusic.KeySignature(0, 0, 0))  # C major
    t = symusic.Track("Piano", 0, False)
    for p in (64, 68, 71):  # an E major chord in C major: G#, not Ab
        t.notes.append(symusic.Note(0, 480, p, 80))
    for i, p in enumerate((74, 73, 72)):  # a falling chromatic line: D Db C
        t.notes.append(symusic.Note(480 * (1 + i), 480, p, 80))
    for i, p in enumerate((72, 73, 74)):  # a rising one: C C# D
        t.notes.append(symusic.Note(480 * (4 + i), 480, p, 80))
    s.tracks.append(t)
    names = spelled(s)
    assert names[(0, 68)] == "G#"
    assert names[(8, 73)] == "D-"
    assert names[(20, 73)] == "C#"

    flat = symusic.Score(480)
    flat.key_signatures.append(symusic.KeySignature(0, -3, 0))  # E-flat major
    t = symusic.Track("Piano", 0, False)
    for i, p in enumerate((63, 65, 67, 68, 70)):
        t.notes.append(symusic.Note(480 * i, 480, p, 80))
    flat.tracks.append(t)
    assert [v for _, v in sorted(spelled(flat).items())] == ["E-", "F", "G", "A-", "B-"]


def test_remote_keys_get_no_double_accidentals():
    for sharps in (-7, -6, 6, 7):
        s = symusic.Score(480)
        s.key_signatures.append(symusic.KeySignature(0, sharps, 0))
        t = symusic.Track("Piano", 0, False)
        for i in range(12):  # a chromatic scale
            t.notes.append(symusic.Note(480 * i, 480, 60 + i, 80))
        s.tracks.append(t)
        names = list(spelled(s).values())
        assert len(names) == 12 and all(n.count("#") + n.count("-") <= 1 for n in names), (sharps, names)


def test_drums_have_no_key_and_do_not_sway_the_estimate():
    s = symusic.Score(480)
    drums = symusic.Track("Kit", 0, True)
    for i in range(64):
        drums.notes.append(symusic.Note(120 * i, 60, (36, 42, 38, 42)[i % 4], 100))  # C, F#, D: no key
    tune = symusic.Track("Tune", 0, False)
    for i, p in enumerate([60, 64, 67, 72, 67, 64, 65, 62, 59, 60]):  # C major
        tune.notes.append(symusic.Note(480 * i, 480, p, 80))
    s.tracks.extend([drums, tune])
    m = to_music21(s)
    kit, melody = m.parts
    assert not kit.recurse().getElementsByClass("KeySignature")
    assert melody.recurse().getElementsByClass("KeySignature")[0].sharps == 0


def test_key_is_estimated_when_the_file_has_none():
    s = symusic.Score(480)
    t = symusic.Track("Piano", 0, False)
    # A-flat major scale and tonic triads: with no key signature the notation should still use flats.
    for i, p in enumerate([68, 70, 72, 73, 75, 77, 79, 80, 68, 72, 75, 68, 72, 75, 80]):
        t.notes.append(symusic.Note(480 * i, 480, p, 80))
    s.tracks.append(t)
    m = to_music21(s)
    ks = m.parts[0].recurse().getElementsByClass("KeySignature")[0]
    assert ks.sharps == -4
    assert {p.name for p in m.parts[0].pitches} <= {"A-", "B-", "C", "D-", "E-", "F", "G"}


def test_chorale_round_trip_pickup_and_spelling():
    original = corpus.parse("bach/bwv66.6")
    s = from_music21(original, expand_repeats=False)
    m = to_music21(s, title="BWV 66.6")
    first = m.parts[0].getElementsByClass("Measure")[0]
    assert first.number == 0 and first.paddingLeft == 3.0  # the quarter-note pickup is a pickup again
    assert first.duration.quarterLength == 1.0
    clefs = [type(p.getElementsByClass("Measure")[0].clef).__name__ for p in m.parts]
    assert clefs == ["TrebleClef", "TrebleClef", "Treble8vbClef", "BassClef"]
    back = read_score_from_music21(m)
    assert grid_notes(back) == grid_notes(s)
    assert meta(back) == meta(s)

    def names(sc):
        return {
            (i, round(float(n.offset) * 12), p.midi): p.name
            for i, part in enumerate(sc.parts)
            for n in part.flatten().notes
            for p in n.pitches
        }

    want, got = names(original), names(m)
    common = [k for k in want if k in got]
    assert len(common) >= 0.98 * len(want)  # a tie notated inside a bar in the original is one note here
    ours = sum(want[k] == got[k] for k in common) / len(common)
    default = sum(want[k] == pitch.Pitch(midi=k[2]).name for k in common) / len(common)
    assert ours >= 0.98 > default


def read_score_from_music21(m) -> symusic.Score:
    """Through MusicXML text, as a user's file would go."""
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    return from_music21(converter.parseData(GeneralObjectExporter(m).parse().decode(), format="musicxml"))


def test_abc_reel_pickup_is_kept(tmp_path):
    s = read_score(FIXTURES / "score" / "reel_pickup.abc")
    path = write_musicxml(s, tmp_path / "reel.musicxml")
    xml = path.read_text()
    assert '<measure implicit="yes" number="0">' in xml
    back = read_score(path)
    assert grid_notes(back) == grid_notes(s)
    assert meta(back) == meta(s)


def test_pickup_on_a_grand_staff_keeps_both_hands_together(tmp_path):
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 3, 4))
    piano = symusic.Track("Piano", 0, False)
    piano.notes.append(symusic.Note(2 * 480, 480, 67, 80))  # a one-beat pickup, right hand only
    for bar in range(1, 4):
        for beat in range(3):
            t = (3 * bar + beat) * 480
            piano.notes.append(symusic.Note(t, 480, 72 + beat + bar, 80))
            piano.notes.append(symusic.Note(t, 480, 43 + beat, 70))
    s.tracks.append(piano)
    path = write_musicxml(s, tmp_path / "pickup.musicxml")
    assert '<measure implicit="yes" number="0">' in path.read_text()
    assert grid_notes(read_score(path))[0][:3] == (8, 67, 4)
    assert sorted(n[:3] for n in grid_notes(read_score(path))) == sorted(n[:3] for n in grid_notes(s))


def test_no_pickup_when_the_first_bar_is_full():
    m = to_music21(two_track_score())
    first = m.parts[0].getElementsByClass("Measure")[0]
    assert first.number == 1 and not first.paddingLeft


def test_performance_timing_is_quantized_and_voices_separate():
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    t = symusic.Track("Piano", 0, False)
    jitter = [7, -11, 3, -5, 9, -2, 4, -8]
    for i, p in enumerate([72, 74, 76, 77, 79, 77, 76, 74]):
        t.notes.append(
            symusic.Note(i * 480 + jitter[i], 430 + jitter[i], p, 80)
        )  # played slightly early/short
    t.notes.append(symusic.Note(3, 4 * 480 - 20, 48, 70))  # a held bass note under the tune
    t.notes.append(symusic.Note(4 * 480 - 6, 4 * 480, 43, 70))
    s.tracks.append(t)
    m = to_music21(s)
    notes = sorted((float(n.offset), n.pitch.midi, float(n.quarterLength)) for n in m.flatten().notes)
    assert [(o, q) for o, p, q in notes if p >= 60] == [(float(i), 1.0) for i in range(8)]
    assert [(o, q) for o, p, q in notes if p < 60] == [(0.0, 4.0), (4.0, 4.0)]


def test_grid_with_triplets_is_kept():
    s = symusic.Score(480)
    t = symusic.Track("Flute", 73, False)
    for i, p in enumerate([72, 74, 76]):
        t.notes.append(symusic.Note(i * 160, 160, p, 80))  # an eighth-note triplet
    t.notes.append(symusic.Note(480, 480 * 3, 77, 80))
    s.tracks.append(t)
    back = read_score_from_music21(to_music21(s))
    assert grid_notes(back, 12) == grid_notes(s, 12)


def test_empty_score_is_refused():
    with pytest.raises(ScoreError, match="no notes"):
        to_music21(symusic.Score(480))


def pop909_excerpt(bars: int = 16) -> symusic.Score | None:
    from partita.paths import shared_data_dir

    root = shared_data_dir(required=False)
    path = root / "pop909" / "001" / "001.mid" if root else None
    if path is None or not path.exists():
        return None
    s = read_score(path)
    return s.clip(0, bars * 2 * s.ticks_per_quarter + 1720, clip_end=True)


def expected_pop909_notes(s: symusic.Score):
    from partita.score.musicxml import _choose_grid, _quantize_notes

    div, exact = _choose_grid(s)
    return div, sorted(
        (n.on, n.pitch, n.off - n.on) for notes in _quantize_notes(s, div, exact) for n in notes
    )


def notated_notes(m, div: int) -> list[tuple[int, int, int]]:
    """(onset, pitch, duration) on the grid from a parsed MusicXML score, joining ties within each voice.

    An independent reader for these tests: music21's own ``stripTies`` joins ties across voices.
    """
    from fractions import Fraction

    out = []
    for part in m.parts:
        pending: dict[tuple[str, int], tuple[Fraction, Fraction]] = {}
        measures = list(part.getElementsByClass("Measure"))
        shift = Fraction(0)  # a pickup bar starts after the silence that completes it
        if len(measures) > 1 and measures[0].timeSignature is not None:
            bar = Fraction(measures[0].timeSignature.barDuration.quarterLength)
            shift = max(Fraction(0), bar - Fraction(measures[0].duration.quarterLength))
        for meas in measures:
            for holder in [*meas.voices, meas]:
                vid = str(holder.id) if holder is not meas else "-"
                for el in holder.getElementsByClass(["Note", "Chord"]):
                    on = shift + Fraction(meas.offset) + Fraction(el.offset)
                    ql = Fraction(el.quarterLength)
                    for n in getattr(el, "notes", None) or [el]:
                        tie = (n.tie or el.tie).type if (n.tie or el.tie) is not None else None
                        key = (vid, n.pitch.midi)
                        if tie in ("stop", "continue") and key in pending:
                            start, length = pending.pop(key)
                            if tie == "continue":
                                pending[key] = (start, length + ql)
                            else:
                                out.append((start, n.pitch.midi, length + ql))
                        elif tie in ("start", "continue"):
                            pending[key] = (on, ql)
                        else:
                            out.append((on, n.pitch.midi, ql))
        out += [(start, pitch, length) for (_, pitch), (start, length) in pending.items()]
    return sorted((round(a * div), p, round(q * div)) for a, p, q in out)


def test_pop909_excerpt_notation_is_exact():
    s = pop909_excerpt()
    if s is None:
        pytest.skip("the POP909 reference data is not available")
    m = converter.parseData(to_musicxml_bytes(s, title="POP909 001").decode(), format="musicxml")
    assert [p.partName for p in m.parts] == [
        "MELODY",
        "BRIDGE",
        "PIANO",
        "PIANO",
    ]  # the piano on a grand staff
    div, want = expected_pop909_notes(s)
    assert notated_notes(m, div) == want


def random_score(seed: int) -> symusic.Score:
    """Dense random polyphony on a 16th or triplet grid, odd meters and a mid-bar meter change."""
    r = random.Random(seed)
    tpq = r.choice([96, 384, 480, 960])
    s = symusic.Score(tpq)
    s.time_signatures.append(
        symusic.TimeSignature(0, *r.choice([(4, 4), (3, 4), (6, 8), (12, 8), (5, 4), (7, 8)]))
    )
    if r.random() < 0.5:
        s.time_signatures.append(symusic.TimeSignature(tpq * 8, 3, 4))
    s.key_signatures.append(symusic.KeySignature(0, r.randint(-6, 6), r.randint(0, 1)))
    for k in range(r.randint(1, 3)):
        t = symusic.Track(f"T{k}", r.randint(0, 127), False)
        step = tpq // r.choice([1, 2, 4, 3, 6])
        for _ in range(r.randint(5, 50)):
            t.notes.append(
                symusic.Note(r.randint(0, 40) * step, r.randint(1, 8) * step, r.randint(30, 96), 80)
            )
        s.tracks.append(t)
    s.tracks[0].notes.append(symusic.Note(0, tpq, 60, 80))
    return s


@pytest.mark.parametrize("seed", range(12))
def test_random_polyphony_is_notated_exactly(seed, monkeypatch):
    from partita.score import musicxml

    monkeypatch.setattr(musicxml, "MAX_VOICES", 64)  # so that no duration is changed to fit four voices
    s = random_score(seed)
    div, exact = musicxml._choose_grid(s)
    assert exact
    want = sorted(
        (n.on, n.pitch, n.off - n.on) for notes in musicxml._quantize_notes(s, div, exact) for n in notes
    )
    m = converter.parseData(to_musicxml_bytes(s).decode(), format="musicxml")
    assert notated_notes(m, div) == want


def test_pop909_excerpt_round_trip_through_read_score(tmp_path):
    s = pop909_excerpt()
    if s is None:
        pytest.skip("the POP909 reference data is not available")
    back = read_score(write_musicxml(s, tmp_path / "pop.musicxml"))
    div, want = expected_pop909_notes(s)
    f = back.ticks_per_quarter
    got = sorted(
        (round(n.time * div / f), n.pitch, round(n.duration * div / f)) for t in back.tracks for n in t.notes
    )
    assert got == want
