"""A whole song: the vocal line with an accompaniment under it, section by section (a repeated section, a
chorus sung again, gets the parts of its first statement)."""

from __future__ import annotations

import symusic

from partita.generation.song import Song
from partita.generation.song_rhythm import SLOT, TPQ, slot_weights


def first_statements(song: Song) -> list[int]:
    """For each section, the index of the first section with the same words (itself if none before)."""
    first: dict[tuple[str, ...], int] = {}
    return [first.setdefault(s.words, i) for i, s in enumerate(song.lyrics.sections)]


def _section_span(song: Song, index: int) -> tuple[int, int]:
    bar = len(slot_weights(song.meter)) * SLOT
    first, bars = song.section_bars[index]
    return first * bar, (first + bars) * bar


def section_score(song: Song, index: int) -> symusic.Score:
    """The vocal line of one section, from tick 0 (with the song's tempo, meter and key): the melody to
    accompany."""
    start, end = _section_span(song, index)
    whole = song.score
    out = symusic.Score(TPQ)
    out.time_signatures = whole.time_signatures.copy()
    out.tempos = whole.tempos.copy()
    out.key_signatures = whole.key_signatures.copy()
    track = symusic.Track(name="Voice", program=song.program)
    for n in whole.tracks[0].notes:
        if start <= n.time < end:
            track.notes.append(symusic.Note(n.time - start, n.duration, n.pitch, n.velocity))
    out.tracks.append(track)
    return out


def section_chords(song: Song, index: int) -> list[str]:
    """The chords (one a bar) of one section."""
    first, bars = song.section_bars[index]
    return song.chords[first : first + bars]


def assemble(song: Song, parts: dict[int, symusic.Score]) -> symusic.Score:
    """The vocal line (with its lyric events) and, under each section, the accompaniment of its first
    statement (``parts[i]``: a score from tick 0 whose first track is the section's melody, as
    :func:`partita.generation.accompany.with_melody` returns): a repeated chorus gets the same parts."""
    out = song.score
    tracks: dict[tuple[int, bool, str], symusic.Track] = {}
    for i, first in enumerate(first_statements(song)):
        start, end = _section_span(song, i)
        part = parts[first]
        scale = TPQ / part.ticks_per_quarter
        for tr in list(part.tracks)[1:]:
            key = (int(tr.program), bool(tr.is_drum), tr.name)
            new = tracks.setdefault(
                key, symusic.Track(name=tr.name, program=int(tr.program), is_drum=tr.is_drum)
            )
            for n in tr.notes:
                on = start + round(n.time * scale)
                if on < end:
                    dur = min(end - on, max(1, round(n.duration * scale)))
                    new.notes.append(symusic.Note(on, dur, n.pitch, n.velocity))
    for tr in tracks.values():
        out.tracks.append(tr)
    return out
