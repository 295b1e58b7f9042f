"""A learned concept picked per request in the studio: Compose and Co-create sample with the concept the
prompt names, one picked in the form, or none, of those the server was started with (`partita serve
--concept A --concept B`); an unknown name is one clear message; the page offers the concepts."""

from __future__ import annotations

import pytest
import symusic
from studio_fixtures import call_raw

from partita.web.compose import NO_CONCEPT, compose
from partita.web.limits import UserError

PROMPT = "a piano piece in C major, 2 bars"


def arpeggio(pitches: list[int], bars: int = 2) -> symusic.Score:
    score = symusic.Score(480)
    score.tempos.append(symusic.Tempo(0, 120.0))
    score.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track("Piano", 0, False)
    for i in range(4 * bars):
        track.notes.append(symusic.Note(i * 480, 480, pitches[i % len(pitches)], 80))
    score.tracks.append(track)
    return score


@pytest.fixture(scope="module")
def concepts(studio_model):
    """Two concepts learned in 2 steps each on the studio's taught debug model."""
    from partita.training.concept import ConceptConfig, learn_concept

    out = {}
    for name, pitches in (("jig-a", [60, 64, 67]), ("jig-b", [62, 65, 69])):
        refs = [(f"{name}.mid", arpeggio(pitches))]
        config = ConceptConfig(name=name, steps=2, batch=1)
        concept = learn_concept(refs, studio_model.model, studio_model.tokenizer, config)
        out[name] = studio_model.with_concept(concept)
    return out


class Spy:
    """Which generator sampled: wraps ``generate``/``accompany`` of each, recording its concept."""

    def __init__(self, monkeypatch, generators) -> None:
        self.used: list[str | None] = []
        for g in generators:
            for method in ("generate", "accompany"):
                original = getattr(g, method)

                def wrapped(*args, _original=original, _g=g, **kwargs):
                    self.used.append(_g.concept)
                    return _original(*args, **kwargs)

                monkeypatch.setattr(g, method, wrapped)


@pytest.fixture
def with_concepts(studio_model, concepts, tmp_path):
    from partita.web import Limits
    from partita.web.limits import WorkDir
    from partita.web.studio import Studio

    studio = Studio(
        model=studio_model,
        model_name="debug",
        limits=Limits(max_candidates=2, max_bars=4),
        work=WorkDir(60, tmp_path),
        corpora_root=tmp_path,
        concepts=dict(concepts),
    )
    yield studio
    studio.close()


def test_compose_samples_with_the_concept_the_prompt_names_or_the_one_picked(
    with_concepts, studio_model, monkeypatch
):
    spy = Spy(monkeypatch, [studio_model, *with_concepts.concepts.values()])
    summary, files, _ = compose(with_concepts, "a piano piece in <jig-b>, 2 bars", n=1, seed=0)
    assert spy.used == ["jig-b"] and summary["concept"] == "jig-b" and files
    assert "not applied" not in summary["explain"]
    summary, _, _ = compose(with_concepts, PROMPT, n=1, seed=0, concept="jig-a")  # picked in the form
    assert spy.used[-1] == "jig-a" and summary["concept"] == "jig-a"
    summary, _, _ = compose(with_concepts, PROMPT, n=1, seed=0, concept="<jig-b>")  # the token works too
    assert spy.used[-1] == "jig-b"
    summary, _, _ = compose(with_concepts, PROMPT, n=1, seed=0)  # the prompt names none: the base model
    assert spy.used[-1] is None and summary["concept"] is None
    summary, _, _ = compose(
        with_concepts, "a piano piece in <jig-a>, 2 bars", n=1, seed=0, concept=NO_CONCEPT
    )
    assert spy.used[-1] is None and summary["concept"] is None
    assert "<jig-a> is not applied" in summary["explain"]  # the request's notes say so


def test_an_unknown_concept_is_one_clear_message(with_concepts, local):
    with pytest.raises(UserError, match=r"concept <nope>: this server has the concepts <jig-a>, <jig-b>"):
        compose(with_concepts, PROMPT, n=1, seed=0, concept="nope")
    with pytest.raises(UserError, match=r"concept <nope>: this server has the concepts"):
        compose(with_concepts, "a piano piece in <nope>, 2 bars", n=1, seed=0)
    with pytest.raises(UserError, match=r"this server has no concepts \(partita serve --concept DIR\)"):
        compose(local, PROMPT, n=1, seed=0, concept="jig-a")
    summary, _, _ = compose(local, "a piano piece in <jig-a>, 2 bars", n=1, seed=0)  # nothing to pick from
    assert summary["concept"] is None and "not applied" in summary["explain"]


def test_cocreate_takes_a_concept_per_request(with_concepts, studio_model, uploads, monkeypatch):
    from partita.web.cocreate import cocreate

    spy = Spy(monkeypatch, [studio_model, *with_concepts.concepts.values()])
    path = uploads / "tune.mid"
    arpeggio([60, 64, 67, 72]).dump_midi(str(path))
    summary, _, _, _ = cocreate(with_concepts, str(path), "continue", "1", "", n=1, seed=0, concept="jig-a")
    assert spy.used == ["jig-a"] and summary["concept"] == "jig-a"
    summary, _, _, _ = cocreate(with_concepts, str(path), "accompany", "", "in <jig-b>", n=1, seed=0)
    assert spy.used[-1] == "jig-b" and summary["concept"] == "jig-b"
    with pytest.raises(UserError, match="concept <zz>"):
        cocreate(with_concepts, str(path), "continue", "1", "", n=1, seed=0, concept="zz")


def _components(app) -> dict[str, dict]:
    return {
        c["props"]["elem_id"]: c["props"]
        for c in app.config["components"]
        if c.get("props", {}).get("elem_id")
    }


def test_the_page_offers_the_servers_concepts_and_old_clients_still_work(
    studio_model, concepts, tmp_path, monkeypatch
):
    from partita.web import build_app
    from partita.web.cocreate import CoCreateView
    from partita.web.compose import ComposeView

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    views = [ComposeView(), CoCreateView()]
    app = build_app(studio_model, views=views, corpora_root=tmp_path, concepts=list(concepts.values()))
    try:
        assert list(app.studio.concepts) == ["jig-a", "jig-b"]
        boxes = _components(app)
        for view in ("compose", "cocreate"):
            menu = boxes[f"{view}-concept"]
            assert menu["visible"] is True and menu["value"] == "(from the prompt)"
            assert [c[0] for c in menu["choices"]] == ["(from the prompt)", NO_CONCEPT, "jig-a", "jig-b"]
        assert "<jig-a>" in boxes["compose-prompt"]["placeholder"]
    finally:
        app.studio.close()
    with pytest.raises(ValueError, match="two concepts are named <jig-a>"):
        build_app(studio_model, views=[], corpora_root=tmp_path, concepts=[concepts["jig-a"]] * 2)
    app = build_app(studio_model, views=views, corpora_root=tmp_path)
    try:
        assert _components(app)["compose-concept"]["visible"] is False  # no concepts: not shown
    finally:
        app.studio.close()


def test_a_client_that_leaves_off_the_concept_still_composes(studio):
    """The README's curl call (15 inputs, from before the concept input) gets the concept's default."""
    url = studio[0]
    data = [
        PROMPT,
        1,
        "3",
        "(from the prompt)",
        "",
        "(from the prompt)",
        "",
        "1",
        "",
        "",
        "",
        "",
        False,
        "",
        False,
    ]
    event, payload = call_raw(url, "compose", data)
    assert event == "complete", payload
    assert payload[0]["concept"] is None and payload[0]["candidates"][0]["rank"] == 1
