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


def _state(summary, views, prompt):
    """The page's state after a Compose answer, as ComposeView's handler keeps it."""
    return {
        "explain": summary["explain"],
        "candidates": views,
        "concept": summary["concept"],
        "concept_strength": summary["concept_strength"],
        "prompt": prompt,
        "understood": summary["understood"],
    }


def test_a_choice_between_a_concepts_candidates_keeps_the_concept(with_concepts, tmp_path):
    from partita.training.preferences import concept_version, load_preferences, model_version
    from partita.web.prefs import record_choice, record_rating

    with_concepts.prefs_store = tmp_path / "prefs.db"
    summary, _, views = compose(with_concepts, PROMPT, n=2, seed=1, concept="jig-a", strength=0.5)
    record_choice(with_concepts, _state(summary, views, PROMPT), "candidate 1")
    record_rating(with_concepts, _state(summary, views, PROMPT), 2, 4)
    summary, _, views = compose(with_concepts, PROMPT, n=2, seed=1)  # the base model
    record_choice(with_concepts, _state(summary, views, PROMPT), "candidate 2")
    prefs = load_preferences(with_concepts.prefs_store)
    base = model_version(with_concepts.model.model)
    assert {p.model_version for p in prefs} == {base}  # the base the concept was learned on
    learned = with_concepts.concepts["jig-a"].learned_concept
    assert [(p.concept, p.concept_version, p.concept_strength) for p in prefs] == [
        ("jig-a", concept_version(learned), 0.5),
        ("jig-a", concept_version(learned), 0.5),
        ("", "", None),
    ]


def _midi_of(views) -> bytes:
    from pathlib import Path

    return Path(views[0]["paths"]["midi"]).read_bytes()


def test_strength_per_request(with_concepts, studio_model, monkeypatch):
    spy = Spy(monkeypatch, [studio_model, *with_concepts.concepts.values()])
    summary, _, base = compose(with_concepts, PROMPT, n=1, seed=5, concept=NO_CONCEPT)
    summary, _, zero = compose(with_concepts, PROMPT, n=1, seed=5, concept="jig-a", strength=0)
    assert summary["concept"] == "jig-a" and summary["concept_strength"] == 0.0
    assert _midi_of(zero) == _midi_of(base)  # strength 0: the base model, piece for piece
    summary, _, own = compose(with_concepts, PROMPT, n=1, seed=5, concept="jig-a", strength="")
    assert summary["concept_strength"] == 1.0 and spy.used[-1] == "jig-a"  # blank: the concept's own
    assert _midi_of(own) != _midi_of(base)
    summary, _, half = compose(with_concepts, PROMPT, n=1, seed=5, concept="jig-a", strength=0.5)
    generator, _ = with_concepts.generator("jig-a", 0.5)
    assert summary["concept_strength"] == 0.5 and generator.model.card["concept_strength"] == 0.5
    assert generator is with_concepts.generator("jig-a", 0.5)[0]  # kept for the next request
    summary, _, _ = compose(with_concepts, PROMPT, n=1, seed=5, strength=0.3)  # no concept: nothing to scale
    assert summary["concept"] is None and summary["concept_strength"] is None
    with pytest.raises(UserError, match=r"concept strength 2: choose 0 \(the base model\) to 1.5"):
        compose(with_concepts, PROMPT, n=1, seed=5, concept="jig-b", strength=2)
    with pytest.raises(UserError, match="concept strength: 'lots' is not a number"):
        compose(with_concepts, PROMPT, n=1, seed=5, concept="jig-b", strength="lots")


def test_cocreate_takes_a_strength(with_concepts, uploads):
    from partita.web.cocreate import cocreate

    path = uploads / "tune.mid"
    arpeggio([60, 64, 67, 72]).dump_midi(str(path))
    summary, _, _, _ = cocreate(
        with_concepts, str(path), "continue", "1", "", n=1, seed=0, concept="jig-b", strength=0.25
    )
    assert summary["concept"] == "jig-b" and summary["concept_strength"] == 0.25


def test_the_page_has_a_strength_slider_beside_the_concept_menu(
    studio_model, concepts, tmp_path, monkeypatch
):
    from partita.web import build_app
    from partita.web.cocreate import CoCreateView
    from partita.web.compose import ComposeView

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    views = [ComposeView(), CoCreateView()]
    app = build_app(studio_model, views=views, corpora_root=tmp_path, concepts=list(concepts.values()))
    try:
        boxes = _components(app)
        for view in ("compose", "cocreate"):
            slider = boxes[f"{view}-strength"]
            assert slider["visible"] is True and slider["value"] == 1.0
            assert (slider["minimum"], slider["maximum"]) == (0.0, 1.5)
    finally:
        app.studio.close()
    app = build_app(studio_model, views=views, corpora_root=tmp_path)
    try:
        assert _components(app)["compose-strength"]["visible"] is False
    finally:
        app.studio.close()


def test_a_client_that_sends_a_strength_composes(studio):
    """A client of today (17 inputs: the concept and its strength last) is answered."""
    url = studio[0]
    data = [PROMPT, 1, "3", "(from the prompt)", "", "(from the prompt)", "", "1", "", "", "", ""]
    event, payload = call_raw(url, "compose", [*data, False, "", False, NO_CONCEPT, 0.7])
    assert event == "complete", payload
    assert payload[0]["concept"] is None and payload[0]["concept_strength"] is None


SONG = "[verse]\nTwinkle, twinkle, little star,\nHow I wonder what you are!"


def test_the_song_view_samples_its_parts_with_a_concept(with_concepts, studio_model, monkeypatch):
    import symusic

    from partita.web.song import song

    spy = Spy(monkeypatch, [studio_model, *with_concepts.concepts.values()])
    summary, _, paths = song(with_concepts, SONG, "in C major", seed=0)  # the vocal line alone: no model
    assert spy.used == [] and summary["parts"] is False and summary["concept"] is None
    summary, _, paths = song(with_concepts, SONG, "in C major with piano, <jig-b>", seed=0)
    assert set(spy.used) == {"jig-b"} and summary["parts"] is True and summary["concept"] == "jig-b"
    assert summary["concept_strength"] == 1.0 and summary["tracks"] >= 2
    parts = [t for t in symusic.Score(paths["midi"]).tracks if t.name != "Voice"]  # its lyrics read as one
    assert sum(len(t.notes) for t in parts) > 0
    summary, _, _ = song(with_concepts, SONG, "in C major", seed=0, parts=True)  # parts by the base model
    assert spy.used[-1] is None and summary["parts"] is True and summary["concept"] is None
    summary, _, _ = song(with_concepts, SONG, "in C major", seed=0, concept="jig-a", strength=0.5)
    assert (summary["concept"], summary["concept_strength"], summary["parts"]) == ("jig-a", 0.5, True)
    with pytest.raises(UserError, match="concept <nope>: this server has the concepts"):
        song(with_concepts, SONG, "", seed=0, concept="nope")


def test_the_song_page_has_the_concept_menu(studio_model, concepts, tmp_path, monkeypatch):
    from partita.web import build_app
    from partita.web.song import SongView

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    app = build_app(studio_model, views=[SongView()], corpora_root=tmp_path, concepts=list(concepts.values()))
    try:
        boxes = _components(app)
        assert boxes["song-concept"]["visible"] is True and boxes["song-strength"]["value"] == 1.0
        assert boxes["song-parts"]["value"] is False
    finally:
        app.studio.close()


def _handler(app, source, target):
    """The page's event handler that ``source`` (a component's elem_id) fires and that sets ``target``."""
    ids = {c.elem_id: c for c in app.blocks.values() if getattr(c, "elem_id", None)}
    for fn in app.fns.values():
        fired = {t[0] for t in fn.targets}
        if ids[source]._id in fired and ids[target] in fn.outputs:
            return fn
    raise AssertionError(f"no handler of {source} sets {target}")


@pytest.fixture(scope="module")
def mixed(studio_model, concepts):
    """The two concepts applied at different strengths: the server's own strengths differ."""
    return {
        "jig-a": studio_model.with_concept(concepts["jig-a"].learned_concept, 0.6),
        "jig-b": studio_model.with_concept(concepts["jig-b"].learned_concept, 1.2),
    }


def test_the_slider_starts_at_the_shared_strength_or_at_1_when_concepts_differ(
    studio_model, concepts, mixed, tmp_path
):
    from partita.web import Limits
    from partita.web.compose import start_strength
    from partita.web.limits import WorkDir
    from partita.web.studio import Studio

    def studio_of(carried):
        return Studio(studio_model, "debug", Limits(), WorkDir(60, tmp_path), tmp_path, concepts=carried)

    shared = {n: studio_model.with_concept(g.learned_concept, 0.7) for n, g in concepts.items()}
    for carried, start in ((shared, 0.7), (mixed, 1.0), (dict(concepts), 1.0), ({}, 1.0)):
        studio = studio_of(carried)
        try:
            assert start_strength(studio) == start
        finally:
            studio.close()


def test_the_slider_shows_the_strength_of_the_concept_the_request_will_use(
    studio_model, mixed, tmp_path, monkeypatch
):
    import gradio as gr

    from partita.web import build_app
    from partita.web.compose import FROM_PROMPT, ComposeView

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    app = build_app(studio_model, views=[ComposeView()], corpora_root=tmp_path, concepts=list(mixed.values()))
    try:
        slider = _components(app)["compose-strength"]
        assert slider["value"] == 1.0 and slider["maximum"] == 1.5  # own strengths 0.6 and 1.2 differ
        typed = _handler(app, "compose-prompt", "compose-strength").fn
        moved, last = typed(FROM_PROMPT, "a jig in <jig-b>, 2 bars", None)
        assert moved["value"] == 1.2 and last == "jig-b"  # the concept the prompt names: its own
        moved, last = typed(FROM_PROMPT, "a lively jig in <jig-b>, 2 bars", "jig-b")
        assert "value" not in moved and last == "jig-b"  # the same concept: a strength set by hand stays
        moved, last = typed(FROM_PROMPT, "a jig in <jig-a> and <jig-b>", last)
        assert moved["value"] == 0.6 and last == "jig-a"  # two named: the first is used, and shown
        moved, last = typed("jig-b", "a jig in <jig-a>", "jig-a")  # a concept picked in the menu wins:
        assert moved == gr.update() and last == "jig-a"  # editing the words leaves its strength alone
        moved, last = typed(FROM_PROMPT, "a jig in <nope>", "jig-a")
        assert "value" not in moved and last is None  # not this server's: no change
        picked = _handler(app, "compose-concept", "compose-strength").fn
        assert picked("jig-a", "a jig in <jig-b>")[0]["value"] == 0.6
        back = picked(FROM_PROMPT, "a jig in <jig-b>")
        assert back[0]["value"] == 1.2 and back[1] == "jig-b"  # back to the prompt's concept
        assert picked("(none)", "a jig in <jig-b>")[0] == gr.update()
    finally:
        app.studio.close()


def test_a_concepts_own_strength_past_the_slider_is_still_served(
    studio_model, concepts, tmp_path, monkeypatch
):
    from partita.web import build_app
    from partita.web.compose import ComposeView, strength_of

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    # as `partita serve --concept-strength 2` applies it
    strong = studio_model.with_concept(concepts["jig-a"].learned_concept, 2.0)
    app = build_app(studio_model, views=[ComposeView()], corpora_root=tmp_path, concepts=[strong])
    try:
        slider = _components(app)["compose-strength"]
        assert slider["value"] == 2.0 and slider["maximum"] == 2.0
        assert strength_of(app.studio, "jig-a", 2.0) == 2.0 and strength_of(app.studio, "jig-a", "") == 2.0
        with pytest.raises(UserError, match=r"concept strength 1.8: choose 0 \(the base model\) to 1.5"):
            strength_of(app.studio, "jig-a", 1.8)
    finally:
        app.studio.close()


def test_the_explanation_at_strength_0_says_the_base_model_made_the_pieces(with_concepts):
    summary, _, _ = compose(with_concepts, "a piano piece in <jig-a>, 2 bars", n=1, seed=0, strength=0)
    said = summary["explain"]
    assert summary["concept_strength"] == 0.0
    assert "<jig-a> is at strength 0: the base model made these pieces" in said
    summary, _, _ = compose(with_concepts, PROMPT, n=1, seed=0, concept="jig-b", strength=0)
    assert "<jig-b> is at strength 0: the base model made these pieces" in summary["explain"]
    assert "is in the prefix though" not in summary["explain"]  # at 0 no concept token is in the prefix
    summary, _, _ = compose(with_concepts, PROMPT, n=1, seed=0, concept="jig-b", strength=0.5)
    assert "strength 0" not in summary["explain"] and "is in the prefix though" in summary["explain"]


def test_cocreate_says_strength_0_in_every_mode(with_concepts, uploads):
    """Co-create's tracks mode samples a copy of its request: the strength-0 note reaches the page too."""
    from partita.web.cocreate import cocreate

    path = uploads / "duet.mid"
    duet = arpeggio([60, 64, 67, 72])
    bass = duet.tracks[0].copy()
    bass.program = 32
    for note in bass.notes:
        note.pitch -= 24
    duet.tracks.append(bass)
    duet.dump_midi(str(path))
    for mode, bars, tracks in (("continue", "1", ""), ("tracks", "", "2")):
        summary, _, _, _ = cocreate(
            with_concepts, str(path), mode, bars, "", n=1, seed=0, tracks=tracks, concept="jig-a", strength=0
        )
        assert summary["concept_strength"] == 0.0
        assert "<jig-a> is at strength 0: the base model made these pieces" in summary["explain"], mode
