"""Songs from lyrics: alignment of syllables and notes, stress on strong beats, recurring choruses, cadences,
MusicXML lyrics and MIDI lyric events, and the lyric template of a melody."""

from __future__ import annotations

import mido
import pytest

from partita.generation.song import (
    alignment,
    eighth_baseline,
    format_template,
    lyric_template,
    sing,
    song_from_prompt,
    song_onsets,
    stress_on_strong,
)
from partita.generation.song_page import song_musicxml, write_song_midi
from partita.lyrics import read_lyrics

TWINKLE = """[verse]
Twinkle, twinkle, little star,
How I wonder what you are!
Up above the world so high,
Like a diamond in the sky.
[chorus]
When the blazing sun is gone,
When he nothing shines upon,
[verse 2]
Then the traveller in the dark
Thanks you for your tiny spark;
[chorus]
When the blazing sun is gone,
When he nothing shines upon,
"""


@pytest.fixture(scope="module")
def lyrics():
    return read_lyrics(TWINKLE)


@pytest.fixture(scope="module")
def song(lyrics):
    # the plain rhythm (one note a syllable, a melisma on long phrase ends); the rhythm by style (dotted
    # notes, held ends, passing notes) is tested in test_song_style_rhythm.py
    return sing(lyrics, tonic="G", mode="major", varied=False)


def test_every_syllable_has_a_note_and_extra_notes_are_melismas_at_phrase_ends(song, lyrics):
    a = alignment(song)
    assert a["with_note"] == a["syllables"] == len(lyrics.syllables)
    assert a["orphan"] == 0 and a["notes"] == a["syllables"] + a["melisma"]
    sung = [n.syllable for n in song.notes if n.syllable is not None]
    assert sung == lyrics.syllables
    for i, n in enumerate(song.notes):
        if n.syllable is None:  # a melisma: the last note of its line
            assert (
                i == len(song.notes) - 1
                or song.notes[i + 1].line != n.line
                or song.notes[i + 1].section != n.section
            )


def test_notes_do_not_overlap_and_phrases_end_on_a_long_note(song):
    for a, b in zip(song.notes, song.notes[1:], strict=False):
        assert a.onset + a.duration <= b.onset
    ends = [
        a
        for a, b in zip(song.notes, song.notes[1:], strict=False)
        if (a.section, a.line) != (b.section, b.line)
    ]
    assert all(n.duration >= 480 for n in ends)  # at least a quarter note


def test_stressed_syllables_fall_on_strong_beats_more_than_the_eighth_note_baseline(song, lyrics):
    ours, _ = stress_on_strong(song_onsets(song), lyrics.syllables, song.meter)
    baseline, _ = stress_on_strong(eighth_baseline(lyrics, song.meter), lyrics.syllables, song.meter)
    assert ours > baseline + 0.2
    assert ours >= 0.8


def test_the_same_chorus_words_get_the_same_melody(song):
    def melody(section):
        notes = [n for n in song.notes if n.section == section]
        return [(n.onset - notes[0].onset, n.duration, n.pitch) for n in notes]

    assert melody(1) == melody(3)
    assert melody(0)[:4] != melody(2)[:4]
    other = sing(song.lyrics, tonic="G", recur=False)
    assert [n.pitch for n in other.notes if n.section == 1] != [
        n.pitch for n in other.notes if n.section == 3
    ]


def test_sections_end_on_the_tonic(song):
    for section in range(len(song.lyrics.sections)):
        last = [n for n in song.notes if n.section == section][-1]
        assert last.pitch % 12 == 7  # G


def test_prompt_sets_key_meter_and_tempo(lyrics):
    s = song_from_prompt(lyrics, "a waltz in D minor in 3/4 at 90 bpm")
    assert (s.tonic, s.mode, s.meter, s.tempo) == ("D", "minor", "3/4", 90.0)
    assert s.notes[-1].pitch % 12 == 2
    assert "A:maj" in s.chords and s.chords[-1] == "D:min"  # V major in minor, the tonic at the end
    assert set(s.chords) <= {"D:min", "E:dim", "G:min", "A:maj", "Bb:maj"}
    assert len(s.chords) == sum(bars for _, bars in s.section_bars)
    assert alignment(s)["with_note"] == len(lyrics.syllables)


def test_musicxml_has_the_lyrics_under_the_notes(song, lyrics):
    xml = song_musicxml(song, title="Twinkle")
    assert xml.count("<lyric") == len(lyrics.syllables)
    assert "<text>Twin</text>" in xml and "<syllabic>begin</syllabic>" in xml
    first_note = xml.index("<note")
    assert xml.index("<text>Twin</text>") > first_note  # inside a note, not before it


def test_midi_has_lyric_events(song, lyrics, tmp_path):
    path = tmp_path / "song.mid"
    write_song_midi(song, path)
    texts = [m.text for track in mido.MidiFile(path).tracks for m in track if m.type == "lyrics"]
    assert len(texts) == len(lyrics.syllables) and texts[:3] == ["Twin-", "kle", "twin-"]


def test_lyric_template_reads_phrases_and_stresses_back(song):
    phrases = lyric_template(song.score)
    assert len(phrases) == len(song.lyrics.lines)
    assert [p.syllables for p in phrases] == [
        sum(1 for n in song.notes if (n.section, n.line) == key)
        for key in dict.fromkeys((n.section, n.line) for n in song.notes)
    ]
    assert format_template(phrases).startswith("DUM da DUM da DUM da DUM | ")


def test_cli_writes_the_song_and_reads_its_template(tmp_path):
    from click.testing import CliRunner

    from partita.cli.song import song as song_cli

    words = tmp_path / "row.txt"
    words.write_text("[verse]\nRow, row, row your boat\nGently down the stream 🚣\n")
    runner = CliRunner()
    result = runner.invoke(song_cli, ["melody", str(words), "in D major", "-o", str(tmp_path), "--no-png"])
    assert result.exit_code == 0, result.output
    assert "dropped 1 emoji" in result.output and "D major" in result.output
    assert (tmp_path / "row.musicxml").read_text().count("<lyric") == 10
    assert (tmp_path / "row.svg").exists()
    result = runner.invoke(song_cli, ["template", str(tmp_path / "row.mid")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith("bar 1 (")


def test_cli_refuses_empty_lyrics_clearly(tmp_path):
    from click.testing import CliRunner

    from partita.cli.song import song as song_cli

    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    result = CliRunner().invoke(song_cli, ["melody", str(empty)])
    assert result.exit_code != 0 and "no words to sing" in str(result.exception)


def test_a_repeated_chorus_gets_the_parts_of_its_first_statement(song):
    import symusic

    from partita.generation.song_sections import assemble, first_statements, section_chords, section_score

    assert first_statements(song) == [0, 1, 2, 1]
    assert len(section_chords(song, 1)) == song.section_bars[1][1]
    parts = {}
    for i in (0, 1, 2):
        part = section_score(song, i)  # stand-in for the model's parts: a bass note on each bar's downbeat
        bass = symusic.Track(name="Bass", program=32)
        for b in range(song.section_bars[i][1]):
            bass.notes.append(symusic.Note(b * 1920, 1920, 36 + 12 * (i == 1) + b % 5, 70))
        part.tracks.append(bass)
        parts[i] = part
    whole = assemble(song, parts)
    assert [t.name for t in whole.tracks] == ["Voice", "Bass"]
    assert len(whole.tracks[0].lyrics) == len(song.lyrics.syllables)
    bar = 1920
    chorus = [
        (n.time - song.section_bars[1][0] * bar, n.pitch)
        for n in whole.tracks[1].notes
        if song.section_bars[1][0] * bar <= n.time < sum(song.section_bars[1]) * bar
    ]
    again = [
        (n.time - song.section_bars[3][0] * bar, n.pitch)
        for n in whole.tracks[1].notes
        if song.section_bars[3][0] * bar <= n.time
    ]
    assert chorus == again and len(chorus) == song.section_bars[1][1]
    assert song_musicxml(song, score=whole).count("<lyric") == len(song.lyrics.syllables)
