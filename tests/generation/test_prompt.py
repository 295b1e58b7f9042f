import pytest

from partita.analysis.tempo import tempo_bin
from partita.generation.lexicon import STYLE_BARS
from partita.generation.prompt import MAX_BARS, MAX_INSTRUMENTS, project_prompt


def test_the_issue_example():
    r = project_prompt("a lively Irish jig in D major for fiddle and guitar, 32 bars")
    c = r.conditions
    assert (c.style, c.region, c.key, c.mode, c.meter, c.bars) == ("jig", "ireland", "D", "major", "6/8", 32)
    assert c.programs == [40, 24]
    assert tempo_bin(c.tempo_bpm) >= 5  # lively: Moderato or faster
    assert r.not_understood == []


@pytest.mark.parametrize(
    "text,key,mode",
    [
        ("something in F# minor", "F#", "minor"),
        ("a tune in Bb major", "Bb", "major"),
        ("key of E flat", "Eb", "major"),
        ("Db major please", "Db", "major"),
        ("in G", "G", "major"),
        ("in a minor key", None, "minor"),
        ("in A minor", "A", "minor"),
    ],
)
def test_keys(text, key, mode):
    c = project_prompt(text).conditions
    assert (c.key, c.mode) == (key, mode)


@pytest.mark.parametrize(
    "text,bpm_bin",
    [("90 bpm", 4), ("adagio", 3), ("presto", 8), ("very slow", 1), ("upbeat", 5), ("tempo 150", 6)],
)
def test_tempo(text, bpm_bin):
    assert tempo_bin(project_prompt(text).conditions.tempo_bpm) == bpm_bin


def test_meter_words_and_numbers():
    assert project_prompt("in 6/8").conditions.meter == "6/8"
    assert project_prompt("a waltz").conditions.meter == "3/4"
    assert project_prompt("a waltz in 4/4").conditions.meter == "4/4"  # the text beats the style's default
    assert project_prompt("cut time march").conditions.meter == "2/2"
    r = project_prompt("in 3/5")
    assert r.conditions.meter is None and any("not a time signature" in n for n in r.notes)


def test_chords_in_symbols_and_roman_numerals():
    assert project_prompt("with chords Am F C G").chords == ["A:min", "F:maj", "C:maj", "G:maj"]
    assert project_prompt("chords: Dm7 G7 Cmaj7").chords == ["D:min7", "G:7", "C:maj7"]
    assert project_prompt("ii-V-I in Bb").chords == ["C:min", "F:maj", "Bb:maj"]
    r = project_prompt("I-vi-IV-V")
    assert r.chords == ["C:maj", "A:min", "F:maj", "G:maj"] and any("C major" in n for n in r.notes)


def test_non_gm_instruments_map_to_the_nearest_and_say_so():
    r = project_prompt("a duet for erhu and bandoneon")
    assert r.conditions.programs == [110, 23]
    assert sum("not a General MIDI instrument" in n for n in r.notes) == 2


def test_moods_set_mode_tempo_and_faders_unless_told_otherwise():
    sad = project_prompt("a melancholic piece")
    assert sad.conditions.mode == "minor" and sad.valence < 0
    assert sad.conditions.tempo_bpm < 100 and sad.faders["density"] < 0.5
    told = project_prompt("a melancholic piece in C major at 140 bpm")
    assert told.conditions.mode == "major" and told.conditions.tempo_bpm == 140
    happy = project_prompt("a joyful energetic dance")
    assert happy.conditions.mode == "major" and happy.conditions.tempo_bpm > 120


def test_faders_from_words_and_options():
    sparse = project_prompt("sparse and monophonic")
    dense = project_prompt("very dense, thick texture")
    assert sparse.conditions.density < dense.conditions.density
    assert sparse.conditions.polyphony < dense.conditions.polyphony
    r = project_prompt("anything", density=0.9, polyphony=0.1)
    assert r.faders == {"density": 0.9, "polyphony": 0.1}
    with pytest.raises(ValueError, match="fader"):
        project_prompt("x", density=1.5)


def test_options_override_the_text():
    r = project_prompt(
        "fast jig in D major", tempo=70, key="E minor", meter="9/8", instruments=["flute", 33], bars=8
    )
    c = r.conditions
    assert (c.tempo_bpm, c.key, c.mode, c.meter, c.programs, c.bars) == (70, "E", "minor", "9/8", [73, 33], 8)
    with pytest.raises(ValueError, match="unknown instrument"):
        project_prompt("x", instruments=["zorblax"])
    with pytest.raises(ValueError, match="time signature"):
        project_prompt("x", meter="fast")


def test_bad_prompts_get_clear_messages_not_tracebacks():
    empty = project_prompt("")
    assert any("empty prompt" in n for n in empty.notes)
    contradiction = project_prompt("fast and very slow")
    assert contradiction.conditions.tempo_bpm == 150
    assert any("conflicting tempo" in n for n in contradiction.notes)
    unknown = project_prompt("a zorblax solo")
    assert unknown.not_understood == ["zorblax"]
    huge = project_prompt("400 bars for 60 tracks")
    assert huge.conditions.bars == MAX_BARS and huge.n_tracks == MAX_INSTRUMENTS
    assert any("400 bars" in n for n in huge.notes) and any("60 tracks" in n for n in huge.notes)


def test_explain_and_to_dict_cover_everything():
    r = project_prompt("a sad chorale in D minor with bagpipes and a zorblax, 12 bars")
    text = r.explain()
    for fragment in ("chorale", "D minor", "(109)", "12", "zorblax"):
        assert fragment in text
    d = r.to_dict()
    assert d["conditions"]["key"] == "D" and d["not_understood"] == ["zorblax"]


def test_a_number_in_bpm_wins_over_a_tempo_word():
    r = project_prompt("an adagio for piano at 66 bpm")
    assert r.conditions.tempo_bpm == 66.0 and not r.notes  # adagio and 66 bpm agree closely enough
    r = project_prompt("presto at 50 bpm")
    assert r.conditions.tempo_bpm == 50.0 and any("presto" in n for n in r.notes)


@pytest.mark.parametrize(
    ("text", "voices", "programs"),
    [
        ("a four-part chorale in A minor", 4, [52]),  # a chorale implies four voices of a choir
        ("a chorale for organ and trumpet", None, [19, 56]),  # two instruments named: no implied count
        ("three voices for flute, 8 bars", 3, [73]),
        ("a 3-voice canon for flutes", 3, [73]),
        ("a piece for one voice", None, [53]),  # "voice" here is the instrument
        ("a string quartet", 4, [48]),
        # a pop song is POP909's three piano parts (melody, bridge, accompaniment), unless named otherwise
        ("a pop song for piano in A major", 3, [0]),
        ("a pop ballad in D minor", 3, []),
        ("a pop song for piano and guitar", None, [0, 24]),
        ("a pop song for flute", None, [73]),  # POP909's three parts are piano parts
        # "verse and chorus" names song sections, not a choir; a chorus that sings is still one
        ("a pop song in A minor for piano, relaxed, 16 bars, verse and chorus", 3, [0]),
        ("a song with a catchy chorus for guitar", None, [24]),
        ("a piece for chorus and orchestra", None, [52, 48]),
    ],
)
def test_voice_counts(text, voices, programs):
    req = project_prompt(text)
    assert req.n_tracks == voices and req.conditions.programs == programs


@pytest.mark.parametrize(
    "text,rhythm",
    [
        ("a hymn in quarter notes", 0.2),  # one onset per beat: Rhythm bin 1
        ("a waltz in eighth notes", 0.6),  # two per beat: bin 3
        ("a flute tune in semiquavers", 0.8),  # four per beat: bin 4
        ("running sixteenth notes", 0.8),
        ("a steady eighth-note pulse", 0.6),
        ("a slow air in long notes", 0.0),  # half notes: bin 0
        ("crotchets and minims", 0.2),  # the first note value named sets the fader, like any repeated control
    ],
)
def test_note_values_set_the_rhythm_fader_to_their_onsets_per_beat(text, rhythm):
    r = project_prompt(text)
    assert r.faders["rhythm"] == pytest.approx(rhythm)
    # "long notes" is not a long piece (an air is as long as airs usually are)
    assert r.conditions.bars == STYLE_BARS.get(r.conditions.style)


def test_the_sixteenth_century_is_a_style_not_a_note_value():
    r = project_prompt("a sixteenth century motet")
    assert r.conditions.style == "renaissance"
    assert "rhythm" not in r.faders and r.not_understood == []


def test_a_mood_sets_density_only_where_no_style_gives_its_own():
    """Fader bins are absolute; a "calm" chorale held to 1.6 notes per beat had four voices in half notes."""
    styled = project_prompt("a calm chorale in G major for choir, 8 bars")
    assert styled.conditions.density is None and styled.conditions.rhythm is None
    assert any("style's own is kept" in n for n in styled.notes)
    plain = project_prompt("a calm piece for piano, 8 bars")
    assert plain.conditions.density is not None and plain.conditions.density < 2.0


def test_with_no_length_given_a_piece_is_as_long_as_its_style_is_usually():
    assert project_prompt("an Irish jig in D for fiddle").conditions.bars == 32
    assert project_prompt("a chorale in G").conditions.bars is None  # the default 16, the chorale's own
    assert project_prompt("an Irish jig in D for fiddle, 8 bars").conditions.bars == 8


@pytest.mark.parametrize(
    "text, tracks, faders",
    [
        ("a solo melody for flute", 1, {"polyphony": 0.0}),
        ("an unaccompanied song", 1, {"polyphony": 0.0}),
        ("a solo for violin", 1, {}),
        ("a duet for flute and oboe", 2, {}),
    ],
)
def test_solo_and_unaccompanied_say_how_many_parts_and_one_line_each(text, tracks, faders):
    request = project_prompt(text)  # "solo melody" used to be read as one track only: its one line was lost
    assert request.n_tracks == tracks and request.faders == faders and not request.not_understood
