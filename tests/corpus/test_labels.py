from collections import Counter

import symusic
from corpus_inputs import midi_score

from partita.corpus.labels import (
    content_fingerprint,
    melody_intervals,
    normalize_title,
    parse_abc_header,
    split_of,
    split_region,
    tune_type_of,
)


def test_abc_header_fields_until_key():
    tune = (
        "X:7\nT:First\nT:Second\nO:China, Shaanxi, Zizhou\nR:Xiaodiao]\nN:a\nN:b\nM:2/4\nK:G\n"
        "T:not a header\nabc|\n"
    )
    h = parse_abc_header(tune)
    assert h["T"] == ["First", "Second"]
    assert h["R"] == ["Xiaodiao"]
    assert h["N"] == ["a", "b"]
    assert h["K"] == ["G"]
    assert h["M"] == ["2/4"]


def test_region_split_drops_continents_and_translates_country():
    assert split_region("China, Shaanxi, Zizhou") == ("China, Shaanxi, Zizhou", "China", "Shaanxi")
    region, country, province = split_region("Europa, Mitteleuropa, Deutschland, Schlesien")
    assert (country, province) == ("Germany", "Schlesien")
    assert split_region("Mitteleuropa, Deutschland / Polen, Schlesien")[1:] == ("Germany", None)
    assert split_region("Lothringen")[1:] == ("France", "Lothringen")
    assert split_region("Europa, Mitteleuropa, Deutschland (BRD), Baden")[1:] == ("Germany", "Baden")
    assert split_region(None) == (None, None, None)
    assert split_region(" ??? ") == (None, None, None)


def test_tune_type_from_rhythm_or_title():
    assert tune_type_of("R: double jig") == "jig"
    assert tune_type_of("slipjig") == "slip jig"
    assert tune_type_of(None, "42d Highland Regiment -- Strathspey") == "strathspey"
    assert tune_type_of("HORNPIPE") == "hornpipe"
    assert tune_type_of("Liebes - Lied") is None


def test_normalized_titles_match_across_collections():
    assert normalize_title("The Enchanted Valley") == normalize_title(
        "Enchanted Valley, The".replace(", The", "")
    )
    assert normalize_title("Miss McLeod's Reel") == normalize_title("MISS MCLEOD'S")
    assert normalize_title("42d Highland Regiment -- Strathspey") == "42d highland regiment"
    assert normalize_title("Été à Paris") == "ete a paris"


def test_split_is_deterministic_and_near_80_10_10():
    ids = [f"tune:{i}" for i in range(20000)]
    first = [split_of(i) for i in ids]
    assert first == [split_of(i) for i in ids]
    counts = Counter(first)
    assert abs(counts["train"] / len(ids) - 0.8) < 0.015
    assert abs(counts["valid"] / len(ids) - 0.1) < 0.01
    assert abs(counts["test"] / len(ids) - 0.1) < 0.01
    assert split_of("bach:bwv10.7") == split_of("bach:bwv10.7")


def test_melody_fingerprint_ignores_transposition_and_ties():
    pitches = [60, 62, 64, 65, 67, 65, 64, 62] * 4
    a = midi_score(pitches)
    b = midi_score([p + 5 for p in pitches])
    # the same melody with one note split into two attacks of the same pitch
    c = midi_score(pitches[:3] + [pitches[2]] + pitches[3:])
    assert melody_intervals(a) == melody_intervals(b) == melody_intervals(c)
    assert content_fingerprint(a) == content_fingerprint(b) is not None
    other = midi_score([60, 67] * 16)
    assert content_fingerprint(other) != content_fingerprint(a)
    assert content_fingerprint(midi_score([60, 62, 64])) is None  # too short to identify a work


def test_melody_is_the_top_line():
    score = midi_score([72, 74, 76, 77] * 8)
    bass = symusic.Track("Bass", 32, False)
    for i in range(32):
        bass.notes.append(symusic.Note(i * 480, 480, 36 + (i % 3), 80))
    score.tracks.append(bass)
    assert melody_intervals(score, 3) == [2, 2, 1]
