"""The understanding benchmark's Selector baseline reads pieces as the classifier's trainer did: a classifier
with ``programs="neutral"`` gets the same ids for a flute and a piano playing the same notes."""

from __future__ import annotations

from pathlib import Path

import pytest
import symusic
import torch

from partita.evaluation.understanding import selector_predictions
from partita.models.style_classifier import StyleClassifier, debug_config
from partita.tokens import MiditokTokenizer

TOKENIZER = Path(__file__).resolve().parents[2] / "src/partita/pretrained/partita-small/selector/tokenizer"


def melody(program: int) -> symusic.Score:
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=100.0))
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track("t", program, False)
    for j in range(16):
        track.notes.append(symusic.Note(j * 240, 240, 62 + (j * 5) % 12, 80))
    s.tracks.append(track)
    return s


@pytest.mark.parametrize("programs", ["neutral", "as_written"])
def test_selector_predictions_read_programs_as_the_classifier_was_trained(programs):
    tok = MiditokTokenizer.from_pretrained(TOKENIZER)
    skip = sorted(tok.condition_id_set | {tok.bos_id, tok.eos_id, tok.pad_id})
    config = debug_config(
        vocab_size=tok.vocab_size, pad_id=tok.pad_id, skip_ids=skip, labels=["a", "b"], programs=programs
    )
    torch.manual_seed(0)
    model = StyleClassifier(config).eval()
    model.tokenizer = tok
    heard = []
    predict = model.predict

    def spy(ids, windows=4):
        heard.append([int(i) for i in ids])
        return predict(ids, windows)

    model.predict = spy
    out = selector_predictions(model, [melody(73), melody(0)], ["a", "b"])
    flute, piano = heard
    assert (flute == piano) == (programs == "neutral")
    assert piano == list(tok.encode_music(melody(0)))
    assert out.tolist()[0] in (0, 1)
    if programs == "neutral":
        assert out[0] == out[1]
