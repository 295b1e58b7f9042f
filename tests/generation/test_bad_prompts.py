"""Bad input to prompt projection: each gets a clear note and a sensible default (or a clear ValueError)."""

import time

import pytest

from partita.generation.prompt import (
    DEFAULT_BARS,
    MAX_BARS,
    MAX_INSTRUMENTS,
    MAX_PROMPT_CHARS,
    project_prompt,
)


@pytest.mark.parametrize("text", ["", "   ", "\n\t", None])
def test_an_empty_prompt_says_what_the_defaults_are(text):
    r = project_prompt(text)
    (note,) = r.notes
    assert note.startswith("empty prompt") and f"{DEFAULT_BARS} bars" in note
    assert r.conditions.key is None and r.conditions.programs == [] and r.conditions.tempo_bpm is None


def test_an_empty_prompt_with_options_is_not_called_empty():
    r = project_prompt("", key="D minor", density=0.2)
    assert not any("empty prompt" in n for n in r.notes) and r.conditions.key == "D"


def test_a_contradiction_uses_the_first_word_and_says_which_and_how_fast():
    r = project_prompt("fast and very slow")
    assert r.conditions.tempo_bpm == 150
    (note,) = r.notes
    assert "'fast'" in note and "'very slow'" in note and "(150 bpm)" in note
    r = project_prompt("in C major and D minor, 3/4 and 6/8")
    assert (r.conditions.key, r.conditions.mode, r.conditions.meter) == ("C", "major", "3/4")
    assert sum("conflicting" in n for n in r.notes) == 3  # keys, modes, meters


@pytest.mark.parametrize(
    "text,programs,extra",
    [
        ("a piece for zorblax", [], "the model chooses the instruments"),
        ("a zorblax solo", [], "the model chooses the instruments"),
        ("a duet for piano and zorblax", [0], "ignored"),
        ("a trio for flute, oboe and zorblax", [73, 68], "ignored"),
    ],
)
def test_an_unknown_instrument_is_named_and_ignored(text, programs, extra):
    r = project_prompt(text)
    assert r.conditions.programs == programs and r.not_understood[-1] == "zorblax"
    (note,) = [n for n in r.notes if "zorblax" in n]
    assert note.startswith("unknown instrument 'zorblax'") and note.endswith(extra)


def test_an_unknown_word_that_is_not_an_instrument_is_not_called_one():
    r = project_prompt("a jig with sparkle")
    assert r.not_understood == ["sparkle"] and not any(
        "unknown instrument" in n or "did you mean" in n for n in r.notes
    )


def test_misspellings_get_a_suggestion():
    assert "did you mean 'violin' (instrument)?" in " ".join(project_prompt("a violn sonata").notes)
    assert "did you mean 'adagio' (tempo word)?" in " ".join(project_prompt("an adagoi for strings").notes)


def test_nothing_understood_is_said_once():
    r = project_prompt("zorblax flibber")
    assert r.not_understood == ["zorblax", "flibber"]
    assert [n for n in r.notes if n.startswith("nothing in the prompt was understood")]


def test_an_impossible_request_is_cut_to_the_limits_and_says_so():
    r = project_prompt("400 bars, 60 tracks")
    assert r.conditions.bars == MAX_BARS and r.n_tracks == MAX_INSTRUMENTS
    bars_note, tracks_note = r.notes
    assert bars_note == f"400 bars is more than partita generates at once ({MAX_BARS}): using {MAX_BARS}"
    assert tracks_note.startswith("60 tracks") and "name the instruments" in tracks_note


@pytest.mark.parametrize(
    "text,note", [("0 bpm", "'0 bpm' is not a tempo: ignored"), ("0 tracks", "0 tracks is not a track count")]
)
def test_zero_tempo_and_zero_tracks_are_refused_not_raised(text, note):
    r = project_prompt(f"a waltz at {text}")
    assert any(n.startswith(note) for n in r.notes)
    assert r.n_tracks is None
    assert r.conditions.tempo_bpm == 150  # the waltz's own tempo, not 0


def test_ensemble_words_count_tracks_and_string_quartet_is_also_an_instrument():
    assert project_prompt("a quartet for strings").n_tracks == 4
    r = project_prompt("string quartet in G")  # four voices of the string ensemble
    assert r.n_tracks == 4 and r.conditions.programs == [48] and r.not_understood == []


def test_a_huge_prompt_is_cut_and_read_quickly():
    t0 = time.perf_counter()
    r = project_prompt("a jig for fiddle, " * 500 + "zorblax " * 5000)
    assert time.perf_counter() - t0 < 10  # it took minutes before the cut
    assert len(r.text) <= MAX_PROMPT_CHARS and r.conditions.style == "jig"
    assert any(n.startswith("the prompt is 49000 characters long") for n in r.notes)


def test_bad_options_raise_one_clear_value_error():
    with pytest.raises(ValueError, match=r"^--chords 'Am Xyz': not a chord symbol: 'Xyz' \(expected"):
        project_prompt("x", chords="Am Xyz")
    with pytest.raises(ValueError, match="--tempo 0"):
        project_prompt("x", tempo=0)
    with pytest.raises(ValueError, match="--key 'H'"):
        project_prompt("x", key="H")


def test_an_unknown_instrument_option_is_refused_with_a_suggestion():
    with pytest.raises(ValueError, match=r"^unknown instrument 'violn' \(did you mean 'violin'\?\)"):
        project_prompt("x", instruments=["piano", "violn"])
    with pytest.raises(ValueError, match=r"^unknown instrument 'zorblax': use a General MIDI name"):
        project_prompt("x", instruments=["zorblax"])
