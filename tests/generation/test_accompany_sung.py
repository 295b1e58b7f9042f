"""Issue 21: each part under a chorale soprano is sung as one line. The model started a voice's next note
while its last still sounded (9-13% of each part's notes under held-out sopranos, Bach's none): the parts
are now written as new chorales' voices are (``style_sung_lines``, PARTS_VOICING's ``sung``)."""

from __future__ import annotations

from tests.generation.test_accompany_density_floor import quarters_melody

from partita.generation import accompany
from partita.generation.accompany import accompaniment_request, parts_settings, strike_with_melody
from partita.pipelines import Generator


def _settings(generator: Generator, prompt: str) -> dict:
    request, mel = accompaniment_request(quarters_melody(bars=2), prompt)
    strike_with_melody(
        request, mel, generator.tokenizer.positions_per_beat, generator.tokenizer.time_signatures
    )
    return parts_settings(request)


def test_choir_parts_are_asked_as_sung_lines(monkeypatch):
    generator = Generator.debug(seed=0)
    assert _settings(generator, "for choir")["style_sung_lines"] == {"": 4.0}
    assert _settings(generator, "a chorale")["style_sung_lines"] == {"chorale": 4.0}
    voicing = {k: v for k, v in accompany.PARTS_VOICING["chorale"].items() if k != "sung"}
    monkeypatch.setattr(accompany, "PARTS_VOICING", {"chorale": voicing})
    assert "style_sung_lines" not in _settings(generator, "for choir")  # as before


def _overlaps(score, melody_tracks: int = 1) -> int:
    """Notes of a part that start while the part's previous note still sounds."""
    out = 0
    for track in score.tracks[melody_tracks:]:
        end = -1
        for note in sorted(track.notes, key=lambda n: (n.time, n.pitch)):
            out += note.time < end
            end = max(end, note.time + note.duration)
    return out


def test_no_part_sings_two_notes_at_once():
    generator = Generator.debug(seed=0)
    prepared = generator.accompaniment_of(quarters_melody(bars=2), "for choir")
    _, cands = generator.accompany(prepared, n=2, seed=3)
    assert all(_overlaps(c.score) == 0 for c in cands)
    assert all(len(c.score.tracks) > 1 for c in cands)
