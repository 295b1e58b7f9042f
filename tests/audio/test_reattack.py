"""A repeated note that basic-pitch hears struck again (a strong onset activation) stays two notes in the
melody line with ``MelodyConfig(reattack_onset=0.7)`` (issue 24): by default (0, for a hum) the line joins
every two touching notes of one pitch unless the loudness dips, which merges a piano's repeated notes. Notes
are fed past the ONNX model, so these run at once."""

from __future__ import annotations

import numpy as np

from partita.audio import MelodyConfig, NoteEvent, clean_notes
from partita.audio.transcription import decode_notes

STRUCK = MelodyConfig(reattack_onset=0.7)


def test_a_note_struck_again_stays_two_notes():
    notes = [NoteEvent(0.0, 0.5, 64, 0.8, onset=0.9), NoteEvent(0.5, 1.0, 64, 0.8, onset=0.85)]
    assert [(n.start, n.end) for n in clean_notes(notes, STRUCK)] == [(0.0, 0.5), (0.5, 1.0)]
    assert len(clean_notes(notes)) == 1  # the default, for a hum: one note


def test_a_weak_or_unknown_onset_is_still_one_held_note():
    weak = [NoteEvent(0.0, 0.5, 64, 0.8, onset=0.9), NoteEvent(0.5, 1.0, 64, 0.8, onset=0.4)]
    unknown = [NoteEvent(0.0, 0.5, 64, 0.8), NoteEvent(0.5, 1.0, 64, 0.8)]  # e.g. read from a MIDI take
    assert [(n.start, n.end) for n in clean_notes(weak, STRUCK)] == [(0.0, 1.0)]
    assert [(n.start, n.end) for n in clean_notes(unknown, STRUCK)] == [(0.0, 1.0)]


def test_the_rest_of_an_interrupted_note_is_no_new_attack():
    notes = [
        NoteEvent(0.0, 1.0, 64, 0.6, onset=0.9),
        NoteEvent(0.45, 0.55, 76, 0.9, onset=0.9),  # a louder blip cuts it (not within 2 semitones)
    ]
    line = clean_notes(notes, MelodyConfig(min_note_ms=0, jitter_ms=0))
    assert [n.pitch for n in line] == [64, 76, 64]
    assert line[2].onset == 0.0


def test_decoded_notes_carry_their_onset_activation():
    frames, onsets = np.zeros((120, 88), np.float32), np.zeros((120, 88), np.float32)
    frames[10:110, 64 - 21] = 0.9
    onsets[10, 64 - 21], onsets[60, 64 - 21] = 0.95, 0.9  # struck at frame 10 and again at 60
    contour = np.zeros((120, 264), np.float32)
    notes = decode_notes({"note": frames, "onset": onsets, "contour": contour})
    assert [n.pitch for n in notes] == [64, 64]
    assert [round(n.onset, 2) for n in notes] == [0.95, 0.9]
    assert len(clean_notes(notes, STRUCK)) == 2
