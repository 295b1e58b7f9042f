"""Choosing a video's music among candidates (issue 26): each section's mode heard alone, its accents on the
section's cut and motion peaks, the PictureSelector's order, the tonic pull a picture asks for, and
``score-video --candidates``."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from symusic import Note, Score, TimeSignature, Track

from partita.cli.main import main
from partita.generation.candidates import Candidate
from partita.generation.picture import MODE_PULL, asked_mode, plan_video, section_fit, section_key
from partita.generation.prompt import project_prompt
from partita.picture import read_video_features
from partita.pipelines import Generator
from partita.pipelines.picture import PictureSelector, score_video

TPQ = 480
BAR = 4 * TPQ
A_MINOR = [(45, 0), (57, 0), (60, 240), (64, 480), (57, 960), (60, 1200), (64, 1440), (45, 1440)]
C_MAJOR = [(48, 0), (60, 0), (64, 240), (67, 480), (60, 960), (64, 1200), (67, 1440), (48, 1440)]


def piece(*bars: list[tuple[int, int]], rest_on_downbeat: bool = False) -> Score:
    """A piano piece of the given bars, each a list of (pitch, tick in the bar) of quarter-note length."""
    score = Score(TPQ)
    score.time_signatures.append(TimeSignature(0, 4, 4))
    track = Track(program=0)
    for b, notes in enumerate(bars):
        for pitch, at in notes:
            # a rest through the last bar's first beat: longer than the half beat after a cut from which
            # shape_dynamics brings a note onto it (onsets_on_events)
            if rest_on_downbeat and b == len(bars) - 1 and at < TPQ:
                continue
            track.notes.append(Note(b * BAR + at, TPQ, pitch, 70))
    score.tracks.append(track)
    return score


@pytest.fixture(scope="module")
def planned(video_path):
    video = read_video_features(video_path)
    return video, plan_video(video)


def test_the_plan_asks_the_modes_the_shots_light_sets(planned):
    _, vplan = planned
    assert [asked_mode(vplan, k) for k in range(3)] == ["minor", "major", "major"]
    assert [s.bars for s in vplan.plan.sections] == [1, 1, 2]


def test_a_section_is_heard_alone(planned):
    _, vplan = planned
    score = piece(A_MINOR, C_MAJOR)
    assert section_key(score, vplan, 0) == "A minor"
    assert section_key(score, vplan, 1) == "C major"
    assert section_key(score, vplan, 2) is None  # no notes there yet


def test_section_fit_rewards_the_mode_asked_and_a_note_on_the_cut(planned):
    video, vplan = planned
    good = section_fit(piece(A_MINOR, C_MAJOR), vplan, video, 1)
    wrong_mode = section_fit(piece(A_MINOR, A_MINOR), vplan, video, 1)
    resting = section_fit(piece(A_MINOR, C_MAJOR, rest_on_downbeat=True), vplan, video, 1)
    assert good["section_mode"] == 1.0 and wrong_mode["section_mode"] == 0.0
    assert good["alignment"] > resting["alignment"]
    assert "alignment" not in section_fit(piece(A_MINOR), vplan, video, 0)  # shot 1 has no event in it


def test_the_picture_selector_puts_the_fitting_candidate_first(planned):
    video, vplan = planned
    request = project_prompt("", bars=2, key="C major")
    request.given = SimpleNamespace(bars=1)  # section 2 is written after bar 1
    bad = Candidate(1, piece(A_MINOR, A_MINOR, rest_on_downbeat=True), 0, "stop_token")
    good = Candidate(2, piece(A_MINOR, C_MAJOR), 0, "stop_token")
    selector = PictureSelector.around(None, vplan, video)
    assert selector.section_of(request) == 1
    ranked = selector.rank([bad, good], request)
    assert ranked[0][0] is good
    assert ranked[0][1]["picture"] > ranked[1][1]["picture"]
    assert selector.chosen[0]["section"] == 1 and len(selector.chosen[0]["candidates"]) == 2


def test_score_video_asks_for_the_mode_pull_and_chooses_with_the_picture_selector(
    video_path, monkeypatch, one_thread
):
    seen = {}
    original = Generator.generate_plan

    def recording(self, plan, **kw):
        seen.update(kw)
        return original(self, plan, **kw)

    monkeypatch.setattr(Generator, "generate_plan", recording)
    result = score_video(video_path, None, model=Generator.debug(), n=2, seed=5, wav=False, mode_pull=0.5)
    assert seen["tonic_weight"] == 0.5 and isinstance(seen["selector"], PictureSelector)
    assert [c["section"] for c in result.choices] == [0, 1, 2]
    assert all(len(c["candidates"]) == 2 for c in result.choices)
    assert "choices" in result.to_dict()
    seen.clear()
    plain = score_video(video_path, None, model=Generator.debug(), n=2, seed=5, wav=False, select=False)
    assert MODE_PULL == 0 and "tonic_weight" not in seen  # by default no pull: the choice keeps the mode
    assert not isinstance(seen["selector"], PictureSelector)
    assert plain.choices == []


def test_score_video_candidates_option(video_path, tmp_path, capsys, one_thread):
    args = ["score-video", str(video_path), "-o", str(tmp_path / "out"), "--model", "debug"]
    assert main([*args, "--candidates", "2", "--seed", "1", "--no-wav", "--mode-pull", "1"]) == 0
    text = capsys.readouterr().out
    assert "section 2: the best of 2 candidates (alignment F " in text
    assert main([*args, "--candidates", "9", "--no-wav"]) == 2


def test_ids_past_the_tokenizer_are_never_drawn():
    """A fill-in-the-middle model's markers (ids past the tokenizer's vocabulary) are special: drawn in a
    picture's sections they derailed partita-small (no notes until the token budget ran out)."""
    from partita.generation.rules.tables import id_tables

    tokenizer = Generator.debug().tokenizer
    tables = id_tables(tokenizer, tokenizer.vocab_size + 2)
    assert tables.special[-2:].all()
    assert not tables.special[: tokenizer.vocab_size].all()
