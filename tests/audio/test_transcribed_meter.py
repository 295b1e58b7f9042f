"""3/4 read for a transcribed melody (issue 24): a note that rings on into the next one no longer delays it,
and the meter is read from the rhythm's periodicity beside the accents, so an upbeat of half a beat (which
puts the quarter grid from the first note off the beat) no longer hides a waltz. Notes are fed past the ONNX
model, so these run in well under a second."""

from __future__ import annotations

from test_transcribe_bars import MARCH, WALTZ, _sung

from partita.analysis.meter_inference import triple_periodicity
from partita.analysis.timeline import note_arrays
from partita.audio import MelodyConfig, NoteEvent, clean_notes
from partita.audio.melody import quantise_melody
from partita.generation.upbeat import read_meter

EIGHTH_PICKUP_WALTZ = [(67, 0.5), (72, 2), (71, 0.5), (69, 0.5), (67, 2), (64, 1), (65, 1.5), (64, 0.5)]
EIGHTH_PICKUP_WALTZ += [(62, 1), (60, 3), (67, 2), (71, 0.5), (72, 0.5), (74, 2), (72, 1), (71, 1.5)]
EIGHTH_PICKUP_WALTZ += [(69, 0.5), (67, 1), (72, 2.5)]
"""A 3/4 tune opening with an eighth-note upbeat: (MIDI pitch, beats)."""


def test_a_note_ringing_into_the_next_does_not_delay_it():
    notes = [
        NoteEvent(0.0, 1.15, 60, 0.9),  # rings on 150 ms into the next note
        NoteEvent(1.0, 2.0, 62, 0.6),
        NoteEvent(2.0, 2.6, 64, 0.8),
        NoteEvent(2.2, 2.5, 76, 0.3),  # a quiet ghost inside it: not a note of the line
    ]
    line = clean_notes(notes)
    assert [(n.pitch, round(n.start, 2)) for n in line] == [(60, 0.0), (62, 1.0), (64, 2.0)]
    assert round(line[0].end, 2) == 1.0
    kept = clean_notes(notes, MelodyConfig(cut_overlaps=False))  # the line before: the louder note held on
    assert round(kept[1].start, 2) == 1.15


def test_triple_periodicity_needs_no_beat_phase():
    waltz, march = quantise_melody(_sung(WALTZ)), quantise_melody(_sung(MARCH))
    tpq = waltz.ticks_per_quarter
    assert triple_periodicity(note_arrays(waltz), tpq) > 0.5
    assert triple_periodicity(note_arrays(march), tpq) < 0
    shifted = note_arrays(waltz.shift_time(tpq // 2, inplace=False))
    assert triple_periodicity(shifted, tpq) == triple_periodicity(note_arrays(waltz), tpq)


def test_a_waltz_from_an_eighth_note_upbeat_is_read_in_three():
    waltz = quantise_melody(_sung(EIGHTH_PICKUP_WALTZ))
    (num, _), read = read_meter(waltz)
    assert num == 3 and read.startswith("read 3/4")
    assert read_meter(waltz, margin=0.8, periodicity=0.0)[0] == (4, 4)  # the accents alone, as before
    assert read_meter(quantise_melody(_sung(MARCH))) == ((4, 4), None)
