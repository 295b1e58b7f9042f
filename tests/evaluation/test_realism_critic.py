"""The realism critic: Yang & Lerch's features, a fit that tells two kinds of music apart, saved and loaded
as it was, and the Selector's ``realism`` score where a style's weights ask for it."""

import numpy as np
import pytest
from symusic import Note, Score, Track

from partita.evaluation.distribution import FEATURES, piece_features
from partita.evaluation.realism_critic import (
    CONFIG_FILE,
    RealismCritic,
    critic_vector,
    fit_style,
    load_critic,
)
from partita.evaluation.selector import Selector
from partita.generation.request import Request
from partita.tokens.conditions import Conditions


def _piece(rng, long_notes: bool, shift: int = 0, bars: int = 8) -> Score:
    """Long notes moving by step (``long_notes``) or busy short notes leaping about."""
    score = Score(480)
    track = Track(name="piano", program=0)
    t, pitch = 0, 60 + int(rng.integers(-3, 4))
    while t < bars * 4 * 480:
        dur = int(rng.choice([480, 960])) if long_notes else int(rng.choice([120, 240]))
        step = int(rng.choice([-2, -1, 1, 2])) if long_notes else int(rng.choice([-9, -7, 7, 9, 12, -12]))
        pitch = int(np.clip(pitch + step, 40, 90))
        track.notes.append(Note(t, dur, pitch + shift, 80))
        t += dur
    score.tracks.append(track)
    return score


def _sets(seed: int = 0, n: int = 12):
    rng = np.random.default_rng(seed)
    return [_piece(rng, True) for _ in range(n)], [_piece(rng, False) for _ in range(n)]


def _request(style):
    return Request(text="", conditions=Conditions(style=style))


def test_the_features_are_yang_and_lerch_s_and_follow_the_notes():
    rng = np.random.default_rng(1)
    piece = _piece(rng, True)
    features = piece_features(piece)
    vector = critic_vector(piece)
    assert len(vector) == sum(np.size(features[name]) for name in FEATURES)
    assert vector[1] == piece.note_num()  # total_used_note, second of the features
    assert not np.allclose(vector, critic_vector(_piece(rng, False)))


def test_a_fitted_critic_prefers_pieces_like_the_real_ones_it_never_saw():
    real, generated = _sets(0)
    critic = fit_style(None, "pop", real, generated)
    new_real, new_generated = _sets(7, n=4)
    assert min(critic.score(s, "pop") for s in new_real) > max(critic.score(s, "pop") for s in new_generated)
    assert critic.score(new_real[0], "jig") is None  # no critic for that style
    assert critic.score(Score(480), "pop") == 0.0  # silence is the worst there is


def test_the_critic_is_saved_and_loaded_as_it_was(tmp_path):
    real, generated = _sets(0)
    critic = fit_style(None, "pop", real, generated)
    critic = fit_style(critic, "jig", generated, real)  # a second style beside the first
    critic.save_pretrained(tmp_path)
    loaded = load_critic(tmp_path)
    assert sorted(loaded.styles) == ["jig", "pop"]
    for s in real[:3] + generated[:3]:
        assert loaded.score(s, "pop") == pytest.approx(critic.score(s, "pop"))
        assert loaded.score(s, "jig") == pytest.approx(critic.score(s, "jig"))
    assert load_critic(tmp_path / "nothing") is None


def test_a_critic_of_other_features_is_refused_with_its_file_named(tmp_path):
    real, generated = _sets(0)
    fit_style(None, "pop", real, generated).save_pretrained(tmp_path)
    config = tmp_path / CONFIG_FILE
    config.write_text(config.read_text().replace("avg_ioi", "avg_speed"))  # features of another version
    with pytest.raises(ValueError, match="realism_critic.json.*features"):
        RealismCritic.from_pretrained(tmp_path)


def test_the_selector_ranks_by_the_critic_where_the_style_s_weights_ask_for_it():
    real, generated = _sets(0)
    critic = fit_style(None, "pop", real, generated)
    new_real, new_generated = _sets(3, n=2)
    candidates = [new_generated[0], new_real[0], new_generated[1]]
    selector = Selector(style_weights={"pop": {"realism": 1.0}}, critic=critic)
    ranked = selector.rank(candidates, _request("pop"))
    assert ranked[0][0] is new_real[0]
    assert "realism" in ranked[0][1]
    # a style whose weights leave the critic out is not scored by it (and not slowed by it)
    assert "realism" not in selector.score(new_real[0], _request("jig"))
    assert "realism" not in Selector(critic=critic).score(new_real[0], _request("pop"))
    assert selector.describe()["realism_critic"] == ["pop"]


def test_the_cli_names_the_realism_score_a_candidate_was_ranked_by():
    from types import SimpleNamespace

    from partita.cli.generate import ranking_scores

    cand = SimpleNamespace(scores={"combined": 0.5, "quality": 0.4, "realism": 0.25}, adherence_mean=0.9)
    assert ranking_scores(cand) == "selector 0.50  quality 0.40  realism 0.25  adherence 0.90"
