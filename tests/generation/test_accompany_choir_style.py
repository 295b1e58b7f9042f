"""Parts "for choir" with no style named: the style the model is told (``CHOIR_STYLE``)."""

from __future__ import annotations

import pytest
from tests.generation.test_accompany import tune

from partita.generation import accompany
from partita.generation.accompany import accompaniment_request


@pytest.mark.parametrize(
    ("setting", "prompt", "style"),
    [
        ("chorale", "for choir", "chorale"),  # voices alone, no style named: told as the setting says
        (None, "for choir", None),  # off: no style, as before
        ("chorale", "for piano", None),  # an instrument: not a choir's parts
        ("chorale", "a pop song for choir", "pop"),  # a style named wins
    ],
)
def test_voices_alone_with_no_style_named_are_told_the_choir_style(monkeypatch, setting, prompt, style):
    monkeypatch.setattr(accompany, "CHOIR_STYLE", setting)
    request, _ = accompaniment_request(tune(), prompt)
    assert request.conditions.style == style
    assert any("no style named" in n for n in request.notes) == (style is not None and setting == style)
