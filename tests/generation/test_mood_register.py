"""The register a mood or a picture asks for reaches the model: the Register token changes with the valence
(low for sad and dark, high for happy and bright, the middle for the moods between), a named register wins,
and a style or an instrument without room keeps the middle."""

from __future__ import annotations

import pytest

from partita.generation.lexicon import MOOD_WORDS
from partita.generation.picture import image_request
from partita.generation.prompt import mood_pitch, project_prompt
from partita.picture import ImageFeatures
from partita.tokens.conditions import condition_tokens, register_of


def register(text: str, **options) -> str:
    """The Register token's value the prompt gives the model ("" when there is none)."""
    tokens = [t for t in condition_tokens(project_prompt(text, **options).conditions) if "Register_" in t]
    return tokens[0].split("_")[-1] if tokens else ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a sad piece", "low"),
        ("a dark melody", "low"),
        ("a gloomy tune for piano", "low"),
        ("a bright tune", "high"),
        ("a happy piano piece", "high"),
        ("a joyful song", "high"),
        ("a calm piece", "mid"),
        ("a solemn piece", "mid"),
        ("a nostalgic tune", "mid"),
    ],
)
def test_a_mood_word_moves_the_register_the_model_sees(text, expected):
    assert register(text) == expected


def test_the_register_rises_with_the_valence_and_spans_all_three_bins_but_nothing_shrill():
    grid = [i / 20 for i in range(-20, 21)]
    pitches = [mood_pitch(v)[0] for v in grid]
    assert pitches == sorted(pitches)
    assert {register_of(p) for p in pitches} == {"low", "mid", "high"}
    assert min(pitches) >= 50 and max(pitches) <= 76  # D3 to E5: no bass rumble, no piccolo shriek


def test_a_neutral_mood_keeps_the_old_mean_pitch():
    for word, (_, valence, _) in MOOD_WORDS.items():
        if abs(valence) <= 0.3:
            assert project_prompt(f"a {word} piece").conditions.mean_pitch == round(62 + 8 * valence, 1), word


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a sad piece in a high register", "high"),
        ("a happy low-pitched tune", "low"),
        ("a joyful piece in the middle register", "mid"),
    ],
)
def test_a_named_register_wins_over_the_mood(text, expected):
    req = project_prompt(text)
    assert register(text) == expected
    assert any(u.field == "register" for u in req.understood)
    assert not any("implied by the mood" in n and "register" in n for n in req.notes)


def test_a_style_or_an_instrument_without_room_keeps_the_middle():
    assert register("a sad jig") == register("a happy waltz") == "mid"
    assert register("a sad melody for flute") == "mid"  # a flute has no low register
    assert register("a happy melody for cello") == "mid"  # nor a cello a high one
    assert register("a sad melody for viola") == "low"  # a viola has
    req = project_prompt("a sad melody for flute")
    assert any("out of the flute's range" in n for n in req.notes)


def picture(brightness: float, warmth: float, saturation: float) -> ImageFeatures:
    return ImageFeatures(brightness, saturation, 0.4, 0.3, 0.08, warmth, [], None, 0.0)


def test_a_picture_moves_the_register_and_the_words_still_win():
    bright, dark, grey = picture(0.85, 0.4, 0.6), picture(0.25, -0.2, 0.2), picture(0.5, 0.0, 0.35)

    def reg(image, text: str = "") -> str:
        return register_of(image_request(image, text, source="x.png").conditions.mean_pitch)

    assert (reg(dark), reg(grey), reg(bright)) == ("low", "mid", "high")
    assert reg(dark, "in a high register") == "high" and reg(bright, "low-pitched") == "low"
    for text in ("a waltz", "for flute"):  # a style keeps its own register; a flute has no low one
        req = image_request(bright if text == "a waltz" else dark, text, source="x.png")
        assert req.conditions.mean_pitch == round(62 + 8 * req.valence, 1), text
        assert register_of(req.conditions.mean_pitch) == "mid", text
    text = image_request(bright, source="x.png").explain()
    assert "high register" in text
