"""Issue 21: the parts under a chorale soprano are not asked to strike with the short note of its dotted
figures (a dotted quarter and an eighth): Bach's lower voices start 0.93 notes there, not three."""

from __future__ import annotations

from tests.generation.test_accompany_density_floor import quarters_melody

from partita.generation import accompany
from partita.generation.accompany import accompaniment_request, dotted_onsets, strike_with_melody
from partita.pipelines import Generator


def dotted_melody():
    """Two bars of quarters whose second and third notes are a dotted quarter (beat 2) and an eighth (beat
    3's second half), then four quarters."""
    melody = quarters_melody(bars=2)
    notes = melody.tracks[0].notes
    notes[1].duration = 720
    notes[2].time, notes[2].duration = 1200, 240
    return melody


def test_the_short_note_of_a_dotted_figure_is_found():
    _, mel = accompaniment_request(dotted_melody(), "a chorale")
    assert dotted_onsets(mel, 8) == [(0, 20)]
    _, plain = accompaniment_request(quarters_melody(bars=2), "a chorale")
    assert dotted_onsets(plain, 8) == []


def test_the_parts_are_not_asked_to_strike_with_it(monkeypatch):
    meters = Generator.debug(seed=0).tokenizer.time_signatures
    request, mel = accompaniment_request(dotted_melody(), "a chorale")
    assert strike_with_melody(request, mel, 8, meters) == 3
    assert (0, 20) not in request.onsets and (0, 8) in request.onsets and len(request.onsets) == 7
    voicing = {k: v for k, v in accompany.PARTS_VOICING["chorale"].items() if k != "dotted"}
    monkeypatch.setattr(accompany, "PARTS_VOICING", {"chorale": voicing})
    request, mel = accompaniment_request(dotted_melody(), "a chorale")
    strike_with_melody(request, mel, 8, meters)
    assert (0, 20) in request.onsets and len(request.onsets) == 8  # as before: asked there too
