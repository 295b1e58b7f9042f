"""A repeated note sung or played without a gap, which basic-pitch hears as one held note, is split where the
note activation dips inside it with ``MelodyConfig(reattack_dip=...)`` (issue 24); by default (0) it stays
one note. Activations are made here and fed past the ONNX model, so these run at once."""

from __future__ import annotations

import numpy as np
import pytest

from partita.audio import MelodyConfig, NoteEvent, clean_notes
from partita.audio.transcription import activation_dips, decode_notes

K = 64 - 21  # the activation column of E4


def _activations(dip_at: int | None, depth: float, wobble: float = 0.0) -> dict[str, np.ndarray]:
    """One held E4 from frame 10 to 190 (at 0.9, with a slow wobble), its activation falling to ``depth``
    of that around ``dip_at``; the onset activation there stays under basic-pitch's threshold."""
    n = 200
    frames, onsets = np.zeros((n, 88), np.float32), np.zeros((n, 88), np.float32)
    t = np.arange(180)
    frames[10:190, K] = 0.9 * (1 - wobble * (0.5 + 0.5 * np.sin(2 * np.pi * t / 16)))
    onsets[10, K] = 0.95
    if dip_at is not None:
        frames[dip_at - 3 : dip_at + 4, K] = 0.9 * np.array([0.9, 0.7, 0.5, depth, 0.5, 0.7, 0.9])
        onsets[dip_at + 2, K] = 0.4
    return {"note": frames, "onset": onsets, "contour": np.zeros((n, 264), np.float32)}


def test_a_dip_inside_a_held_note_is_found_with_its_depth_and_onset():
    notes = decode_notes(_activations(100, 0.3))
    assert len(notes) == 1  # basic-pitch's decoder keeps one note: the onset is too weak
    deep = [d for d in notes[0].dips if d[1] < 0.5]
    assert len(deep) == 1
    t, ratio, onset = deep[0]
    assert abs(t - 100 / 86.57) < 0.02 and abs(ratio - 0.3) < 0.01 and abs(onset - 0.4) < 0.01


def test_vibrato_wobble_makes_only_shallow_dips():
    notes = decode_notes(_activations(None, 1.0, wobble=0.1))
    assert len(notes) == 1 and notes[0].dips  # the wobble's minima are found ...
    assert min(r for _, r, _ in notes[0].dips) > 0.85  # ... and are shallow


def test_no_dip_near_the_ends_of_a_note():
    frames = np.zeros((60, 88), np.float32)
    frames[:, K] = 0.9
    frames[4, K] = 0.2  # 4 frames in: a split there would leave a note under 90 ms
    times = np.arange(61) / 86.57
    assert activation_dips(frames, np.zeros_like(frames), times, 0, 60, 64) == ()
    frames[30, K] = 0.2
    dips = activation_dips(frames, np.zeros_like(frames), times, 0, 60, 64)
    assert [round(r, 2) for _, r, _ in dips] == [0.22]


def test_the_line_splits_at_a_deep_dip_only_when_asked():
    held = [NoteEvent(0.0, 2.0, 64, 0.8, onset=0.9, dips=((0.7, 0.9, 0.5), (1.2, 0.4, 0.5)))]
    assert [(n.start, n.end) for n in clean_notes(held)] == [(0.0, 2.0)]  # the default: one note
    split = clean_notes(held, MelodyConfig(reattack_dip=0.6))
    assert [(n.start, n.end) for n in split] == [(0.0, 1.2), (1.2, 2.0)]
    assert split[1].onset is None
    shifted = clean_notes(held, MelodyConfig(reattack_dip=0.6, reattack_shift_ms=30))
    assert [round(n.start, 3) for n in shifted] == [0.0, 1.23]
    # an onset activation asked for beside the dip, and not there: no split
    assert len(clean_notes(held, MelodyConfig(reattack_dip=0.6, reattack_dip_onset=0.7))) == 1


def test_a_split_never_leaves_a_note_shorter_than_the_shortest_kept():
    held = [NoteEvent(0.0, 1.0, 64, 0.8, dips=((0.5, 0.3, 0.5), (0.55, 0.35, 0.5), (0.95, 0.2, 0.5)))]
    line = clean_notes(held, MelodyConfig(reattack_dip=0.6))
    assert [(n.start, n.end) for n in line] == [(0.0, 0.5), (0.5, 1.0)]


def test_fragments_joined_into_one_note_keep_their_dips():
    # basic-pitch's two fragments of one held note, joined by the line; the later one holds the dip
    parts = [NoteEvent(0.0, 0.8, 64, 0.8), NoteEvent(0.81, 2.0, 64, 0.8, dips=((1.4, 0.3, 0.6),))]
    assert [(n.start, n.end) for n in clean_notes(parts)] == [(0.0, 2.0)]
    line = clean_notes(parts, MelodyConfig(reattack_dip=0.6))
    assert [(n.start, n.end) for n in line] == [(0.0, 1.4), (1.4, 2.0)]


def test_the_instrument_heard_switches_the_reattack_cues():
    held = [NoteEvent(0.0, 2.0, 64, 0.8, onset=0.9, dips=((1.0, 0.8, 0.7),))]
    voice, hum = MelodyConfig.for_instrument("voice"), MelodyConfig.for_instrument("hum")
    assert len(clean_notes(held, voice)) == 2 and len(clean_notes(held, hum)) == 1
    assert MelodyConfig.for_instrument("Piano").reattack_onset == 0.7
    assert MelodyConfig.for_instrument("flute", MelodyConfig(min_note_ms=50)).min_note_ms == 50
    with pytest.raises(ValueError, match="unknown instrument 'kazoo'"):
        MelodyConfig.for_instrument("kazoo")


def test_an_unknown_instrument_is_refused_before_transcribing(tmp_path):
    from partita.audio import read_hummed_melody

    missing = tmp_path / "not-there.wav"  # never read: the instrument is checked first
    with pytest.raises(ValueError, match="one of hum, flute, voice, piano"):
        read_hummed_melody(missing, instrument="kazoo")
