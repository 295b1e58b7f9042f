"""A style's own scale (partita.generation.scales) and the pull into it (rules/scale_pull.py)."""

import pytest
import torch

from partita.generation.config import GenerationConfig
from partita.generation.rules import Constraints
from partita.generation.rules.scale_pull import ScalePull
from partita.generation.rules.tables import id_tables
from partita.generation.rules.tracker import make_context
from partita.generation.scales import style_scale
from partita.tokens import MiditokTokenizer


@pytest.mark.parametrize(
    ("key", "mode", "expected"),
    [("G", "major", (2, 4, 7, 9, 11)), ("D", "minor", (0, 2, 5, 7, 9)), ("C", None, (0, 2, 4, 7, 9))],
)
def test_a_chinese_folk_song_keeps_to_the_pentatonic_collection_of_its_key(key, mode, expected):
    # G gong: G A B D E; D yu: D F G A C; as pitch classes, sorted
    assert style_scale("chinese_folk", key, mode) == expected


def test_no_scale_without_a_key_or_for_other_styles():
    assert style_scale("chinese_folk", None, None) == ()
    assert style_scale("jig", "D", "major") == () and style_scale(None, "D", "major") == ()


def test_ids_outside_the_scale_lose_the_weight_and_the_rest_keep_their_logits():
    tok = MiditokTokenizer()
    ids = {tok.id_to_token(i): i for i in range(tok.vocab_size)}
    c = Constraints(key="G", mode="major", scale=style_scale("chinese_folk", "G", "major"), scale_weight=3.0)
    rule = ScalePull.build(make_context(id_tables(tok), c))
    logits = torch.zeros(tok.vocab_size)
    rule.pull(None, None, logits)
    assert logits[ids["Pitch_67"]] == 0 and logits[ids["Pitch_64"]] == 0  # G, E
    assert logits[ids["Pitch_72"]] == -3.0 and logits[ids["Pitch_66"]] == -3.0  # C, F#: the two left out
    assert logits[ids["Position_8"]] == 0 and logits[ids["Bar_None"]] == 0
    assert ScalePull.build(make_context(id_tables(tok), Constraints(scale=(0, 2), scale_weight=0))) is None


def test_the_scale_weight_is_the_styles_unless_set():
    config = GenerationConfig(style_scale_weights={"chinese_folk": 2.0})
    assert config.scale_weight_for("chinese_folk") == 2.0 and config.scale_weight_for("jig") == 0.0
    assert config.update(scale_weight=0).scale_weight_for("chinese_folk") == 0.0
