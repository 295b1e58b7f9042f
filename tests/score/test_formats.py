import os
import struct

import pytest
import symusic

from partita.score import (
    ScoreError,
    check_score,
    iter_abc_tunes,
    read_abc,
    read_humdrum,
    read_midi,
    read_musicxml,
    read_score,
    sniff_format,
    to_midi_bytes,
    write_midi,
    write_score,
)


def _notes(score):
    return sorted((t.name, n.time, n.duration, n.pitch) for t in score.tracks for n in t.notes)


def test_midi_round_trip_keeps_everything(fixtures, tmp_path):
    src = read_midi(fixtures / "score" / "two_tracks.mid")
    out = write_midi(src, tmp_path / "copy.mid")
    back = read_midi(out)
    assert _notes(back) == _notes(src)
    assert [(t.name, t.program) for t in back.tracks] == [("Lead Violin", 40), ("Bass", 33)]
    assert [(t.time, round(t.qpm)) for t in back.tempos] == [(0, 96), (3840, 132)]
    assert [(t.time, t.numerator, t.denominator) for t in back.time_signatures] == [(0, 4, 4), (3840, 3, 4)]
    assert [(k.time, k.key, k.tonality) for k in back.key_signatures] == [(0, -1, 1), (3840, 2, 0)]


@pytest.mark.parametrize(
    "name,fmt",
    [
        ("two_tracks.mid", "midi"),
        ("minuet.musicxml", "musicxml"),
        ("reel_pickup.abc", "abc"),
        ("two_tunes.abc", "abc"),
        ("duet.krn", "humdrum"),
    ],
)
def test_sniff_format_by_content(fixtures, name, fmt):
    assert sniff_format((fixtures / "score" / name).read_bytes()) == fmt


def test_format_is_found_by_content_not_name(fixtures, tmp_path):
    disguised = tmp_path / "actually_abc.mid"
    disguised.write_bytes((fixtures / "score" / "two_tunes.abc").read_bytes())
    assert read_score(disguised).note_num() == 9


def test_abc_pickup_is_padded_so_bars_line_up(fixtures):
    s = read_abc(fixtures / "score" / "reel_pickup.abc")
    tpq = s.ticks_per_quarter
    first = min(n.time for n in s.tracks[0].notes)
    # An eighth-note pickup in 4/4: the pickup starts 3.5 beats into bar 0, the first full bar at beat 4.
    assert first == int(3.5 * tpq)
    downbeat_pitches = {n.pitch for n in s.tracks[0].notes if n.time == 4 * tpq}
    assert downbeat_pitches == {74}  # the d2 that opens the first full bar
    assert [(k.key, k.tonality) for k in s.key_signatures] == [(2, 0)]
    assert round(s.tempos[0].qpm) == 110


def test_abc_repeats_are_expanded_unless_asked_not_to(fixtures):
    expanded = read_abc(fixtures / "score" / "reel_pickup.abc")
    notated = read_abc(fixtures / "score" / "reel_pickup.abc", expand_repeats=False)
    assert notated.note_num() == 28
    assert expanded.note_num() == 1 + 2 * 27


def test_iter_abc_tunes_inherits_the_file_header(fixtures):
    tunes = list(iter_abc_tunes((fixtures / "score" / "two_tunes.abc").read_text()))
    assert [ref for ref, _ in tunes] == ["1", "2"]
    assert all("M:3/4" in text for _, text in tunes)
    second = read_abc(fixtures / "score" / "two_tunes.abc", tune=2)
    assert [(k.key, k.tonality) for k in second.key_signatures] == [(-1, 0)]
    assert [(t.numerator, t.denominator) for t in second.time_signatures] == [(3, 4)]
    with pytest.raises(ScoreError, match="no tune X:7"):
        read_abc(fixtures / "score" / "two_tunes.abc", tune=7)


def test_humdrum_and_musicxml_read_parts_as_tracks(fixtures):
    duet = read_humdrum(fixtures / "score" / "duet.krn")
    assert len(duet.tracks) == 2 and duet.note_num() == 8
    assert {t.program for t in duet.tracks} == {52}  # voices sound as a choir
    minuet = read_musicxml(fixtures / "score" / "minuet.musicxml")
    assert [(t.name, t.program) for t in minuet.tracks] == [("Flute", 73), ("Cello", 42)]
    assert round(minuet.tempos[0].qpm) == 120
    assert [(t.numerator, t.denominator) for t in minuet.time_signatures] == [(3, 4)]


def test_write_score_refuses_read_only_formats(scale_score, tmp_path):
    with pytest.raises(ScoreError, match="read-only"):
        write_score(scale_score, tmp_path / "x.abc")


def _header(ntracks: int) -> bytes:
    return b"MThd" + struct.pack(">IHHH", 6, 1, ntracks, 480)


@pytest.mark.parametrize(
    "content,reason",
    [
        (b"", "empty"),
        (b"MThd\x00\x00", "truncated"),
        (b"this is a shopping list, not music\n" * 20, "not-music"),
        (os.urandom(4096), "not-music"),
    ],
)
def test_bad_files_raise_clear_errors(tmp_path, content, reason):
    p = tmp_path / "bad.mid"
    p.write_bytes(content)
    with pytest.raises(ScoreError) as err:
        read_score(p)
    assert err.value.reason == reason
    assert "bad.mid" in str(err.value)


def test_truncated_midi(fixtures, tmp_path):
    data = (fixtures / "score" / "two_tracks.mid").read_bytes()
    p = tmp_path / "cut.mid"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(ScoreError) as err:
        read_midi(p)
    assert err.value.reason in ("truncated", "parse-error")


def test_oversized_file_is_refused_before_reading(tmp_path):
    p = tmp_path / "big.mid"
    p.write_bytes(_header(1) + os.urandom(10 * 1024 * 1024))
    with pytest.raises(ScoreError) as err:
        read_score(p)
    assert err.value.reason == "too-large"


def test_zero_track_midi_reads_but_fails_the_check(tmp_path):
    p = tmp_path / "empty.mid"
    p.write_bytes(_header(0))
    score = read_midi(p)
    with pytest.raises(ScoreError) as err:
        check_score(score, name=str(p))
    assert err.value.reason == "no-notes"


def test_absurd_tempo_fails_the_check(scale_score):
    scale_score.tempos[0] = symusic.Tempo(0, mspq=16_000_000)  # ~3.75 bpm
    back = symusic.Score.from_midi(to_midi_bytes(scale_score))
    with pytest.raises(ScoreError) as err:
        check_score(back)
    assert err.value.reason == "absurd-tempo"
    check_score(symusic.Score.from_midi(to_midi_bytes(_with_tempo(scale_score, 120))))


def _with_tempo(score, qpm):
    score.tempos[0] = symusic.Tempo(0, qpm=qpm)
    return score


def test_missing_and_folder_paths(tmp_path):
    with pytest.raises(ScoreError, match="no such file"):
        read_score(tmp_path / "nope.mid")
    with pytest.raises(ScoreError, match="folder"):
        read_score(tmp_path)


def test_compressed_musicxml(fixtures, tmp_path):
    import zipfile

    xml = (fixtures / "score" / "minuet.musicxml").read_bytes()
    p = tmp_path / "minuet.mxl"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr(
            "META-INF/container.xml",
            '<container><rootfiles><rootfile full-path="score.xml"/></rootfiles></container>',
        )
        z.writestr("score.xml", xml)
    assert sniff_format(p.read_bytes()) == "musicxml"
    assert read_score(p).note_num() == 12
    broken = tmp_path / "broken.mxl"
    broken.write_bytes(p.read_bytes()[:200])
    with pytest.raises(ScoreError):
        read_score(broken)


def test_utf16_musicxml(fixtures, tmp_path):
    text = (fixtures / "score" / "minuet.musicxml").read_text(encoding="utf-8").replace("UTF-8", "UTF-16")
    p = tmp_path / "u16.musicxml"
    p.write_bytes(text.encode("utf-16"))
    assert sniff_format(p.read_bytes()) == "musicxml"
    assert read_score(p).note_num() == 12
