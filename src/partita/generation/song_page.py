"""A song's page: the vocal line (and the parts under it) as an engraveable music21 score with each syllable
under its note, the pinyin of Chinese syllables as a second lyric line, and the MusicXML and MIDI files.

The song itself (:class:`~partita.generation.song.Song`) and its notes as a symusic score
(:func:`~partita.generation.song.song_score`) live in :mod:`partita.generation.song`.
"""

from __future__ import annotations

import symusic

from partita.generation.song import Song, song_score
from partita.lyrics import Line


def _heads(part) -> list:
    from music21 import note as m21note

    return [
        n
        for n in part.recurse().notes
        if isinstance(n, m21note.Note) and not (n.tie and n.tie.type != "start")
    ]


def _marked(syllable: str, tone: int | None) -> str:
    """Pinyin with a tone mark (``"lv", 3`` -> ``"lǚ"``); a light or unknown tone unmarked (``"le"``)."""
    if tone in (1, 2, 3, 4):
        from pypinyin.contrib.tone_convert import to_tone

        return to_tone(f"{syllable}{tone}")
    return syllable.replace("v", "ü")


def line_pinyin(line: Line) -> list[str | None]:
    """The pinyin with tone marks of each syllable of ``line``: the surface reading (after tone sandhi, the
    tone in ``Syllable.tone``, the one the melody followed; a light syllable unmarked); None for a syllable
    that is not a Chinese character, or one pypinyin cannot read (or without pypinyin)."""
    from partita.lyrics.mandarin import readings_at

    readings = [r for _, r in sorted(readings_at(line.text).items())]
    out: list[str | None] = []
    k = 0
    for s in line.syllables:
        if k < len(readings) and s.text == readings[k].char:
            r = readings[k]
            k += 1
            out.append(_marked(r.syllable, s.tone) if r.syllable and s.tone is not None else None)
        else:
            out.append(None)
    return out


def _pinyin_of_notes(song: Song) -> list[str | None]:
    """:func:`line_pinyin` for each note of the song (None for a melisma's continuation)."""
    lines = {
        (si, li): iter(line_pinyin(line))
        for si, section in enumerate(song.lyrics.sections)
        for li, line in enumerate(section.lines)
    }
    return [next(lines[(n.section, n.line)], None) if n.syllable is not None else None for n in song.notes]


def _written_voice(song: Song, score: symusic.Score) -> symusic.Score:
    """``score`` (as :func:`assemble` makes it) with the vocal line's notes at their written lengths: the
    engraved page shows a pop line's detached notes (``SungNote.sounding``) held, as a singer reads them."""
    out = score.copy()
    voice = next((t for t in out.tracks if [n.pitch for n in t.notes] == [n.pitch for n in song.notes]), None)
    if voice is not None:
        voice.notes = song_score(song, written=True).tracks[0].notes
    return out


def song_music21(
    song: Song, title: str | None = None, score: symusic.Score | None = None, pinyin: bool = True
):
    """An engraveable music21 score of the vocal line (or of ``score``, the vocal line with parts under it,
    as :func:`assemble` makes) with each syllable under its note of the vocal line (MusicXML lyrics).

    With ``pinyin`` (the default) a Chinese syllable has a second lyric line under it: its pinyin with tone
    marks, the surface reading the melody followed (:func:`line_pinyin`)."""
    from music21 import note as m21note

    from partita.score.musicxml import to_music21

    m21 = to_music21(
        song_score(song, written=True) if score is None else _written_voice(song, score), title=title
    )
    pitches = [n.pitch for n in song.notes]
    voice = next((h for h in map(_heads, m21.parts) if [n.pitch.midi for n in h] == pitches), None)
    if voice is None:
        raise ValueError("the notation has no part with the sung notes")
    spoken = _pinyin_of_notes(song) if pinyin and song.lyrics.language in ("zh", "mixed") else []
    for i, (head, sung) in enumerate(zip(voice, song.notes, strict=True)):
        if sung.syllable is not None:
            head.lyrics = [m21note.Lyric(text=sung.syllable.text, number=1, syllabic=sung.syllable.position)]
            if i < len(spoken) and spoken[i]:
                head.lyrics.append(m21note.Lyric(text=spoken[i], number=2))
    return m21


def song_musicxml(
    song: Song, title: str | None = None, score: symusic.Score | None = None, pinyin: bool = True
) -> str:
    """MusicXML text of the vocal line (or of ``score``, with parts) with its lyrics (and the pinyin of
    Chinese ones: ``pinyin``)."""
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    return GeneralObjectExporter(song_music21(song, title, score, pinyin)).parse().decode("utf-8")


def write_song_musicxml(song: Song, path, title: str | None = None, pinyin: bool = True) -> None:
    """Write the vocal line with its lyrics (and the pinyin of Chinese ones) as MusicXML (atomically)."""
    from partita.atomic import atomic_write_text

    atomic_write_text(path, song_musicxml(song, title, pinyin=pinyin))


def write_song_midi(song: Song, path) -> None:
    """Write the vocal line as MIDI with a lyric meta event at each syllable (atomically)."""
    from partita.atomic import atomic_path

    with atomic_path(path) as tmp:
        song.score.dump_midi(str(tmp))
