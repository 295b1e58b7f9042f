"""`melody_mask` / `extract_melody` (issue 22): the shipped BiGRU melody tagger is the first choice, a
tagger given as an object or a folder is used, and the skyline and encoder paths still work."""

from __future__ import annotations

import numpy as np
import pytest
import symusic
import torch

from partita.evaluation.melody_extraction import (
    MELODY,
    melody_metrics,
    pop909_songs,
    read_pop909_song,
    skyline_predictions,
)
from partita.evaluation.melody_tagger import MelodyTagger, TaggerConfig, load_tagger
from partita.models.encoder import debug_encoder
from partita.paths import shared_data_dir
from partita.pipelines.embed import (
    DEFAULT_TAGGER,
    extract_melody,
    melody_mask,
    piece_notes,
    shipped_tagger,
)

pytestmark = pytest.mark.usefixtures("one_thread")
TUNE = [72 + (3 * i) % 8 for i in range(8)]
_ROOT = shared_data_dir(required=False)
POP909 = _ROOT / "pop909" if _ROOT else None


def _piano() -> symusic.Score:
    """A tune (72-79) in half notes over quarter-note triads, 4 bars of 4/4: 8 tune notes, 48 chord notes."""
    s = symusic.Score(480)
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track("Piano", 0, False)
    tune = [(i * 960, 960, TUNE[i], 90) for i in range(8)]
    chords = [(b * 480, 480, p, 60) for b in range(16) for p in (48, 52, 55)]
    for time, duration, pitch, velocity in sorted(tune + chords):
        track.notes.append(symusic.Note(time, duration, pitch, velocity))
    s.tracks.append(track)
    return s


def _constant_tagger(cls: int) -> MelodyTagger:
    """A tiny tagger whose output calls every note class ``cls``."""
    model = MelodyTagger(TaggerConfig(hidden=8, layers=1, pitch_dim=2, dropout=0.0))
    with torch.no_grad():
        model.out.weight.zero_()
        model.out.bias.fill_(-5.0)
        model.out.bias[cls] = 5.0
    return model.eval()


def test_a_tagger_object_or_folder_gives_the_mask(tmp_path) -> None:
    score = _piano()
    notes, mask, method = melody_mask(score, _constant_tagger(MELODY))
    assert method == "tagger" and mask.all() and len(mask) == len(notes) == 56
    _, mask, _ = melody_mask(score, _constant_tagger(2))  # every note piano: no melody
    assert not mask.any()
    folder = _constant_tagger(MELODY).save(tmp_path / "my-tagger")
    melody, method = extract_melody(score, folder)
    assert method == "tagger my-tagger" and len(melody.tracks[0].notes) == 56
    melody, method = extract_melody(score, str(folder), skyline=True)
    assert method == "skyline" and [n.pitch for n in melody.tracks[0].notes] == TUNE


def test_an_encoder_is_still_used_when_given() -> None:
    encoder = debug_encoder().with_classifier(("melody", "bridge", "piano"))
    _, mask, method = melody_mask(_piano(), encoder)
    assert method.startswith("encoder") and mask.shape == (56,)


@pytest.mark.skipif(shipped_tagger() is None, reason="no melody tagger is shipped")
def test_the_shipped_tagger_is_the_default() -> None:
    score = _piano()
    notes, mask, method = melody_mask(score)
    assert method == f"tagger {DEFAULT_TAGGER}"
    tags = load_tagger(shipped_tagger()).tag(piece_notes(score))
    lead = tags == MELODY if (tags == MELODY).any() else tags == 1  # no sung melody: the lead line (bridge)
    assert (mask == lead).all()
    assert mask[notes.pitch >= 72].mean() > 0.5 and not mask[notes.pitch < 60].any()  # 6 of the 8 tune notes


def test_a_piece_without_a_sung_melody_gives_its_lead_line() -> None:
    """No note tagged melody, the tune tagged as POP909's bridge (an instrumental lead): the tune is the
    melody, not nothing."""
    score = _piano()
    notes, _, _ = melody_mask(score, _constant_tagger(2))
    model = _constant_tagger(2)
    model.tag = lambda _: np.where(notes.pitch >= 72, 1, 2)  # the tagger's answer, fixed
    _, mask, _ = melody_mask(score, model)
    assert (mask == (notes.pitch >= 72)).all()


@pytest.mark.skipif(
    shipped_tagger() is None or POP909 is None or not POP909.is_dir(),
    reason="no shipped tagger or no POP909 data",
)
def test_the_shipped_tagger_beats_the_skyline_on_held_out_pop909() -> None:
    """Three POP909 test-split songs (never trained on): the tagger's 3-class accuracy over the skyline's."""
    songs = [read_pop909_song(p) for p in pop909_songs("test", POP909)[:3]]
    tagger = load_tagger(shipped_tagger())
    labels = np.concatenate([s.labels for s in songs])
    ours = melody_metrics(labels, np.concatenate([tagger.tag(s.notes) for s in songs]))["accuracy"]
    sky = melody_metrics(labels, np.concatenate([skyline_predictions(s.notes) for s in songs]))["accuracy"]
    assert ours > sky + 0.05 and ours > 0.8
