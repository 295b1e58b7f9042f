"""A song's range over the whole song, and its rhythm by style (issue 25): dotted notes, held phrase ends with
a breath, melismas on long syllables; stressed syllables stay on the strong beats."""

from __future__ import annotations

import numpy as np
import pytest

from partita.generation.song import SLOT, TPQ, is_strong, lyric_template, sing
from partita.generation.song_pitch import SECTION_SHARE, Register, register_for
from partita.generation.song_rhythm import LEARNED_RHYTHM, PLAIN, STYLE_RHYTHM, beat_slots, rhythm_for
from partita.lyrics import read_lyrics

VERSE = """Down by the river where the willows grow
I saw a light that I used to know
Over the water and across the sand
Came a song from a far off land
"""
LONG_VERSE = VERSE * 4
SONG = f"[verse]\n{VERSE}[chorus]\nSing it again and sing it loud\nSing to the sun behind the cloud\n"


def _span(song) -> int:
    pitches = [n.pitch for n in song.notes]
    return max(pitches) - min(pitches)


def _mean_span(text: str, **kwargs) -> float:
    return float(np.mean([_span(sing(read_lyrics(text), seed=s, **kwargs)) for s in range(3)]))


@pytest.mark.parametrize("style", ["pop", "chorale"])
def test_the_whole_song_spans_its_target_however_many_lines(style):
    target = register_for(style).song_semitones(("verse",))
    short, long = _mean_span(VERSE, style=style), _mean_span(LONG_VERSE, style=style)
    assert abs(short - target) <= 2.0 and abs(long - target) <= 2.0
    assert abs(long - short) <= 2.0  # more lines do not widen the song (the range was per line before)


def test_verses_alone_span_a_share_of_the_style_and_a_chorus_takes_the_top():
    r = Register(18.6)
    assert r.song_semitones(("verse",)) == pytest.approx(18.6 * SECTION_SHARE)
    assert r.song_semitones(("verse", "chorus")) == 18.6
    assert r.top("chorus", ("verse", "chorus")) > r.top("verse", ("verse", "chorus"))
    assert _mean_span(SONG, style="pop") > _mean_span(VERSE, style="pop")


def _syllable_notes(song):
    return [n for n in song.notes if n.syllable is not None]


def test_a_styled_rhythm_has_more_note_lengths_and_keeps_the_stresses():
    lyrics = read_lyrics(LONG_VERSE)
    for seed in range(2):
        varied = sing(lyrics, style="pop", seed=seed)
        plain = sing(lyrics, style="pop", seed=seed, varied=False)
        lengths = {n.duration for n in _syllable_notes(varied)}
        assert len(lengths) > len({n.duration for n in _syllable_notes(plain)})
        assert any(d in (3 * SLOT // 2, 3 * SLOT) for d in lengths)  # dotted lengths appear
        strong = [is_strong(n.onset, varied.meter) for n in _syllable_notes(varied) if n.syllable.stressed]
        assert np.mean(strong) >= 0.85


def test_notes_never_overlap_and_each_syllable_keeps_one_first_note():
    lyrics = read_lyrics(SONG)
    for style in ("pop", "chorale", None):
        song = sing(lyrics, style=style)
        assert len(_syllable_notes(song)) == len(lyrics.syllables)
        for a, b in zip(song.notes, song.notes[1:], strict=False):
            assert a.duration > 0 and a.onset + a.duration <= b.onset


def test_held_phrase_ends_breathe_and_melismas_move_by_step():
    song = sing(read_lyrics(LONG_VERSE), style="pop")
    breaths = [
        b.onset - (a.onset + a.duration)
        for a, b in zip(song.notes, song.notes[1:], strict=False)
        if b.onset > a.onset + a.duration
    ]
    assert breaths and min(breaths) >= beat_slots(song.meter) * SLOT  # a rest of a beat or more
    for a, b in zip(song.notes, song.notes[1:], strict=False):
        if b.syllable is None:  # a melisma's second note: a step (or a neighbour) away, at most a third
            assert 1 <= abs(b.pitch - a.pitch) <= 4


def _spans_and_offbeats(song) -> tuple[list[int], list[bool]]:
    notes = _syllable_notes(song)
    spans = [b.onset - a.onset for a, b in zip(notes, notes[1:], strict=False) if a.line == b.line]
    return spans, [n.onset % TPQ != 0 for n in notes]


def test_a_chorale_sings_a_syllable_a_quarter_note_on_the_beat():
    lyrics = read_lyrics(LONG_VERSE)
    spans, off = _spans_and_offbeats(sing(lyrics, style="chorale"))
    _, off_default = _spans_and_offbeats(sing(lyrics))
    assert np.mean([s == TPQ for s in spans]) > 0.6
    assert np.mean(off) < 0.1 < np.mean(off_default)


def test_chinese_lyrics_keep_the_plain_rhythm_and_a_repeated_chorus_its_rhythm():
    assert rhythm_for(None, "zh") is PLAIN and rhythm_for("chinese_folk") is PLAIN
    assert rhythm_for("pop", "zh") is LEARNED_RHYTHM["pop"]  # the style asked wins (learned from POP909)
    assert rhythm_for("pop", "zh", learned=False) is STYLE_RHYTHM["pop"]
    song = sing(read_lyrics(SONG + "[verse]\nMorning came and the light was gone\n[chorus]\n"), style="pop")
    by_section: dict[int, list[tuple[int, int]]] = {}
    for n in song.notes:
        by_section.setdefault(n.section, []).append((n.duration, n.pitch))
    assert by_section[1] == by_section[3]


SHORT = """Twinkle, twinkle, little star,
How I wonder what you are!
Up above the world so high,
Like a diamond in the sky.
"""


@pytest.mark.parametrize("style", ["pop", None])
def test_the_lyric_template_reads_a_styled_song_back_a_note_a_syllable(style):
    song = sing(read_lyrics(SHORT * 2), style=style)  # two-bar lines: the template's longest phrase
    per_line: dict[tuple[int, int], int] = {}
    for n in song.notes:
        per_line[(n.section, n.line)] = per_line.get((n.section, n.line), 0) + 1
    assert [p.syllables for p in lyric_template(song.score)] == list(per_line.values())
