"""A chorale soprano harmonised by the beat (issue 21): the harmoniser gave one diatonic chord a bar (under
BWV 269's soprano only G and D7), and the parts' pitch-class entropy stayed at 2.55 against Bach's 2.90. Now
a chord-per-beat model read from Bach's training chorales (analysis/chorale_harmony.py) chooses a chord each
beat, and the voices sing each beat's chord (``Voicing.chords``, rules/voice_order.py)."""

from __future__ import annotations

import numpy as np
import symusic
from tests.generation.test_accompany_density_floor import quarters_melody
from tests.generation.voice_masks import voice_order_masked

from partita.analysis.chorale_harmony import label_beat, load_tables
from partita.generation import accompany
from partita.generation.accompany import accompaniment_request, block_chords, strike_with_melody
from partita.generation.harmony import bass_pitch_class

RES = 8
VOCAB = [
    ["Bar_None"],
    ["Position_0"],
    ["Position_4"],
    ["Program_53"],
    ["Program_54"],
    ["Program_48"],
    *[[f"Pitch_{p}"] for p in (48, 50, 52, 53, 55, 57, 59, 60, 62, 64, 67)],
    ["Velocity_79"],
    ["Duration_0.4.8"],
    ["Duration_1.0.8"],
    ["Duration_2.0.8"],
]
C_MAJOR, SCALE = 0b000010010001, 0b101010110101  # bits: C E G; the C major scale
# beat 1 C major, beat 2 G major over its third (B)
CHORDS = [(0.0, 1.0, C_MAJOR, SCALE, 0), (1.0, 2.0, 0b100010000100, SCALE, 11)]


def _masked(tokens: list[str]) -> set[str]:
    return voice_order_masked(VOCAB, RES, [53, 54, 48], tokens, above=[(0.0, 2.0, 72)], chords=CHORDS)


def test_a_voice_on_the_beat_sings_its_chord():
    on_beat = _masked(["Bar_None", "Position_0", "Program_53"])
    assert {"Pitch_50", "Pitch_53", "Pitch_57", "Pitch_62"} <= on_beat  # D F A: not C major
    assert not {"Pitch_60", "Pitch_64", "Pitch_67"} & on_beat
    between = _masked(["Bar_None", "Position_4", "Program_53"])  # half a beat on: passing tones of the key
    assert not {"Pitch_62", "Pitch_64"} & between


def test_no_note_held_into_a_chord_it_is_not_of():
    held = _masked(["Bar_None", "Position_0", "Program_53", "Pitch_60", "Velocity_79"])
    assert "Duration_2.0.8" in held  # C4 held into beat 2's G major
    assert "Duration_1.0.8" not in held
    held = _masked(["Bar_None", "Position_0", "Program_53", "Pitch_67", "Velocity_79"])
    assert "Duration_2.0.8" not in held  # G4: a tone of both


def test_no_chord_by_the_beat_no_such_mask():
    vocab_names = voice_order_masked(VOCAB, RES, [53, 54, 48], ["Bar_None", "Position_0", "Program_53"])
    assert "Pitch_62" not in vocab_names


def test_labels_read_from_the_voices():
    w = np.zeros(12)
    w[[0, 4, 7]] = 1
    assert label_beat(w, 4) == (0, "maj")  # C E G over E: C major, first inversion
    w = np.zeros(12)
    w[[7, 11, 2, 5]] = 1
    assert label_beat(w, 7) == (7, "7")
    assert bass_pitch_class("G:maj/3") == 11 and bass_pitch_class("D:7/b7") == 0
    assert bass_pitch_class("A:min") == 9


def test_tables_fitted_on_the_training_chorales():
    tables = load_tables()
    for mode in ("major", "minor"):
        t = tables[mode]
        assert len(t.states) >= 12  # secondary dominants, diminished chords, not only the key's triads
        assert np.allclose(np.exp(t.into_beat).sum(axis=1), 1.0, atol=1e-2)


def _chorale_melody() -> symusic.Score:
    """Eight bars of a G major tune in quarters ending on a half-note G."""
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=80.0))
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track("Soprano", 52, False)
    tune = [67, 67, 69, 71, 72, 71, 69, 67, 69, 71, 72, 74, 71, 69, 67, 66, 67, 71, 69, 67, 66, 64, 62, 62,
            67, 69, 71, 72, 74, 72, 71, 69, 71, 69, 67, 66]  # fmt: skip
    t = 0
    for p in tune:
        track.notes.append(symusic.Note(t, 480, p, 80))
        t += 480
    track.notes.append(symusic.Note(t, 960, 67, 80))
    s.tracks.append(track)
    return s


def test_a_chorale_soprano_is_harmonised_by_the_beat(monkeypatch):
    request, mel = accompaniment_request(_chorale_melody(), "a chorale")
    assert mel.beat_chords is not None and len(mel.beat_chords) == 4 * mel.bars
    labels = [label for _, _, label in mel.beat_chords]
    changes = sum(a != b for a, b in zip(labels, labels[1:], strict=False))
    assert changes / mel.bars >= 1.5  # the bar's one chord changed at most once a bar
    assert len({x.partition("/")[0] for x in labels}) >= 5
    assert labels[-1].startswith("G:maj")  # the cadence on the tonic
    assert "harmonised by the beat" in " ".join(request.notes)
    monkeypatch.setattr(accompany, "BEAT_HARMONY", [])  # the old harmoniser: one chord a bar
    _, old = accompaniment_request(_chorale_melody(), "a chorale")
    assert old.beat_chords is None and len(old.chords) == old.bars


def test_the_voices_are_asked_the_beats_chords_not_the_bars(monkeypatch):
    request, mel = accompaniment_request(_chorale_melody(), "for choir")
    assert request.chords  # the bars' chords until the voices are asked the beat's
    assert strike_with_melody(request, mel, 8, ["4/4", "3/4"]) == 3
    assert len(request.voicing.chords) == len(mel.beat_chords) and not request.chords
    assert request.voicing.chord_pull == accompany.BEAT_CHORD_PULL
    piano, mel = accompaniment_request(quarters_melody(), "for piano")  # other styles: a chord a bar
    assert mel.beat_chords is None and piano.chords


def test_block_chords_follow_the_beats():
    _, mel = accompaniment_request(_chorale_melody(), "a chorale")
    block = block_chords(mel)
    starts = {int(n.time) for n in block.tracks[-1].notes}
    assert len(starts) > mel.bars
