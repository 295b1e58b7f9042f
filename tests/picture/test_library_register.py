"""The library's ranking asks a picture for the register the generator asks for (issue 26): for an image the
mean pitch ``generate --image`` puts in its request, for each shot of a video the one its section's request
carries (the section's mood word projected as ``score-video`` projects it), no longer 62 + 8 valence."""

from __future__ import annotations

import pytest
from tests.picture.pictures import COLD_DARK, WARM_BRIGHT, image

from partita.discovery.for_picture import PieceTraits, image_target, rank_pieces, video_target
from partita.generation.picture import asked_pitch, image_request, plan_video
from partita.generation.plan import section_options
from partita.picture import read_image_features, read_video_features
from partita.picture.synthetic import SyntheticShot, SyntheticVideo, write_synthetic_video
from partita.pipelines.generator import Generator
from partita.tokens.conditions import register_of


@pytest.fixture(scope="module")
def dark_then_bright(tmp_path_factory):
    """A still dark navy shot, a cut at 3 s, a fast light orange one."""
    spec = SyntheticVideo(
        6.0,
        [SyntheticShot(0.0, COLD_DARK, speed=0.01), SyntheticShot(3.0, WARM_BRIGHT, speed=0.8)],
        width=96,
        height=64,
        fps=12.0,
    )
    return read_video_features(write_synthetic_video(spec, tmp_path_factory.mktemp("v") / "two.mp4"))


def section_request_pitch(vplan, index: int) -> float | None:
    """The mean pitch of the request the generator builds for a plan's section (``Generator.generate_plan``:
    the plan's words and the section's, with the section's options)."""
    section = vplan.plan.sections[index]
    text = ", ".join(t for t in (vplan.plan.prompt, section.prompt) if t)
    return Generator.request_of(text, **section_options(vplan.plan, section)).conditions.mean_pitch


def test_each_shot_asks_the_register_its_section_asks_the_model(dark_then_bright):
    target = video_target(dark_then_bright, "two.mp4")
    vplan = plan_video(dark_then_bright, align=False)
    assert len(target.shots) == len(vplan.plan.sections) == 2
    for k, shot in enumerate(target.shots):
        assert shot.mean_pitch == pytest.approx(section_request_pitch(vplan, k), abs=0.05)
        assert shot.mean_pitch == pytest.approx(asked_pitch(vplan, k), abs=0.05)
    dark, bright = target.shots
    assert (register_of(dark.mean_pitch), register_of(bright.mean_pitch)) == ("low", "high")
    # what the ranking asked before: the middle register for both, which the generator no longer asks
    assert {register_of(62 + 8 * s.valence) for s in target.shots} == {"mid"}


def test_an_image_asks_the_register_generate_image_asks(write_image):
    registers = []
    for name, colour in (("dark.png", COLD_DARK), ("bright.png", WARM_BRIGHT)):
        features = read_image_features(write_image(name, image(colour, texture=30)))
        (shot,) = image_target(features, name).shots
        assert shot.mean_pitch == pytest.approx(image_request(features).conditions.mean_pitch, abs=0.05)
        registers.append(register_of(shot.mean_pitch))
    assert registers == ["low", "high"]


def test_a_dark_video_finds_the_low_piece_first(tmp_path):
    spec = SyntheticVideo(3.0, [SyntheticShot(0.0, COLD_DARK, speed=0.01)], width=96, height=64, fps=12.0)
    target = video_target(read_video_features(write_synthetic_video(spec, tmp_path / "dark.mp4")))
    (shot,) = target.shots

    def piece(piece_id: str, pitch: float) -> PieceTraits:  # the same in all but the register
        return PieceTraits(piece_id, shot.tempo, shot.mode, None, 4.0, 2.0, pitch, shot.velocity)

    low, middle = piece("low", 52.0), piece("middle", 61.0)
    assert abs(middle.mean_pitch - (62 + 8 * shot.valence)) < abs(low.mean_pitch - (62 + 8 * shot.valence))
    assert [m.piece_id for m in rank_pieces([middle, low], target, k=2)] == ["low", "middle"]
