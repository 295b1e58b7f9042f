"""The Picture view samples with a learned concept as Compose does: the one picked in its menu, the one its
words name (``<name>``), or none; for a picture and for a video; an unknown name is one sentence; the page
offers the server's concepts in both halves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import symusic

from partita.picture.synthetic import SyntheticShot, SyntheticVideo, write_synthetic_video
from partita.web.compose import NO_CONCEPT
from partita.web.limits import UserError
from partita.web.picture import picture, picture_video


@pytest.fixture(scope="module")
def concepts(studio_model):
    """Two concepts learned in 2 steps each on the studio's taught debug model, from the test fixtures'
    two-track MIDI file."""
    from partita.training.concept import ConceptConfig, learn_concept

    reference = symusic.Score(str(Path(__file__).parents[1] / "fixtures" / "score" / "two_tracks.mid"))
    out = {}
    for name in ("dawn", "dusk"):
        config = ConceptConfig(name=name, steps=2, batch=1)
        concept = learn_concept([("ref.mid", reference)], studio_model.model, studio_model.tokenizer, config)
        out[name] = studio_model.with_concept(concept)
    return out


@pytest.fixture
def studio(studio_model, concepts, tmp_path, monkeypatch):
    """A studio with the two concepts whose generators record which of them sampled (``studio.used``)."""
    from partita.web import Limits
    from partita.web.limits import WorkDir
    from partita.web.studio import Studio

    monkeypatch.setattr("partita.render.audio.audio_available", lambda: False)  # the MIDI is enough here
    used: list[str | None] = []
    for g in [studio_model, *concepts.values()]:
        for method in ("generate", "generate_plan"):
            original = getattr(g, method)

            def spy(*args, _original=original, _g=g, **kwargs):
                used.append(_g.concept)
                return _original(*args, **kwargs)

            monkeypatch.setattr(g, method, spy)
    studio = Studio(
        model=studio_model,
        model_name="debug",
        limits=Limits(max_candidates=2, max_bars=4, request_seconds=600),  # a busy test machine is slow
        work=WorkDir(60, tmp_path / "work"),
        corpora_root=tmp_path,
        concepts=dict(concepts),
    )
    studio.used = used
    yield studio
    studio.close()


def _image(folder) -> str:
    import cv2

    pixels = np.full((64, 96, 3), (60, 200, 255), np.uint8)
    assert cv2.imwrite(str(folder / "sunny.png"), pixels)
    return str(folder / "sunny.png")


def test_a_picture_is_set_to_music_with_the_concept_picked_or_named(studio, uploads):
    path = _image(uploads)
    summary, files, _, _ = picture(studio, path, "2 bars", n=1, seed=0, concept="dawn")
    assert studio.used == ["dawn"] and summary["concept"] == "dawn" and files
    summary, _, _, _ = picture(studio, path, "in <dusk>, 2 bars", n=1, seed=0)  # the words name it
    assert studio.used[-1] == "dusk" and summary["concept"] == "dusk"
    summary, _, _, _ = picture(studio, path, "in <dusk>, 2 bars", n=1, seed=0, concept=NO_CONCEPT)
    assert studio.used[-1] is None and summary["concept"] is None
    assert "<dusk> is not applied" in summary["explain"]
    summary, _, _, _ = picture(studio, path, "2 bars", n=1, seed=0, concept="dawn", strength="0.5")
    assert summary["concept"] == "dawn" and summary["concept_strength"] == 0.5
    with pytest.raises(UserError, match=r"concept <nope>: this server has the concepts <dawn>, <dusk>"):
        picture(studio, path, "", n=1, seed=0, concept="nope")


TWO_SHOTS = SyntheticVideo(
    4.0, [SyntheticShot(0.0, (200, 80, 40)), SyntheticShot(2.0, (40, 60, 220))], width=96, height=64, fps=12.0
)


def test_a_video_is_scored_with_the_concept_picked_or_named(studio, uploads):
    path = str(write_synthetic_video(TWO_SHOTS, uploads / "clip.mp4"))

    def sampled_with(*args, **kwargs):
        """Which generators sampled the sections (generate_plan and its sections' generate calls)."""
        before = len(studio.used)
        summary, _, paths = picture_video(studio, path, *args, n=1, seed=1, **kwargs)
        assert "midi" in paths
        return set(studio.used[before:]), summary

    used, summary = sampled_with("", concept="dusk")
    assert used == {"dusk"} and summary["concept"] == "dusk"
    used, summary = sampled_with("in <dawn>")
    assert used == {"dawn"} and summary["concept"] == "dawn" and summary["concept_strength"] == 1.0
    with pytest.raises(UserError, match=r"concept <nope>"):
        picture_video(studio, path, "", n=1, seed=1, concept="<nope>")


def test_both_halves_of_the_page_offer_the_concepts(studio_model, concepts, tmp_path, monkeypatch):
    from partita.web import build_app
    from partita.web.picture import PictureView

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    app = build_app(
        studio_model, views=[PictureView()], corpora_root=tmp_path, concepts=list(concepts.values())
    )
    try:
        boxes = {
            c["props"]["elem_id"]: c["props"]
            for c in app.config["components"]
            if c.get("props", {}).get("elem_id")
        }
        for half in ("picture", "picture-video"):
            menu = boxes[f"{half}-concept"]
            assert menu["visible"] is True and [c[0] for c in menu["choices"]][-2:] == ["dawn", "dusk"]
            assert boxes[f"{half}-strength"]["visible"] is True
    finally:
        app.studio.close()
