"""A classifier that cannot read instrument names (``StyleClassifierConfig.programs = "neutral"``).

The same notes written for a flute and for a piano must be one input to such a classifier, in the trainer
(:meth:`Pieces.as_read`) and in the Selector (``Selector._music_ids``), which share
:func:`classifier_ids`. The BPE cases use the shipped selector's tokenizer, whose merges hold Program
tokens.
"""

from pathlib import Path

import numpy as np
import pytest
import symusic
import torch
from tests.training.style_tokens import TINY, build_token_folder

from partita.evaluation.selector import Selector
from partita.models.style_classifier import (
    StyleClassifier,
    StyleClassifierConfig,
    classifier_ids,
    debug_config,
    neutral_programs,
)
from partita.tokens import MiditokTokenizer
from partita.training.style_classifier import (
    StyleTrainConfig,
    evaluate_classifier,
    read_pieces,
    train_style_classifier,
)

SHIPPED = Path(__file__).resolve().parents[2] / "src/partita/pretrained/partita-small/selector/tokenizer"


@pytest.fixture(scope="module")
def tok():
    return MiditokTokenizer.from_pretrained(SHIPPED)


def tune(programs: list[int], drums: bool = False) -> symusic.Score:
    """One melody a track (a fifth apart), the same notes whatever the programs."""
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=100.0))
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    for k, program in enumerate(programs):
        track = symusic.Track(f"t{k}", program, False)
        for j in range(24):
            track.notes.append(symusic.Note(j * 240, 240, 62 + 7 * k + (j * 5) % 12, 80))
        s.tracks.append(track)
    if drums:
        kit = symusic.Track("drums", 0, True)
        for j in range(12):
            kit.notes.append(symusic.Note(j * 480, 120, 36 + 2 * (j % 2), 90))
        s.tracks.append(kit)
    return s


def tiny(tok, programs: str, seed: int = 0) -> StyleClassifier:
    """An untrained tiny classifier over the tokenizer's vocabulary, built in code."""
    skip = sorted(tok.condition_id_set | {tok.bos_id, tok.eos_id, tok.pad_id})
    config = debug_config(
        vocab_size=tok.vocab_size, pad_id=tok.pad_id, skip_ids=skip, labels=["a", "b"], programs=programs
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = StyleClassifier(config).eval()
    model.tokenizer = tok
    return model


def test_flute_and_piano_are_one_input_and_one_style(tok):
    flute, piano = tune([73]), tune([0])
    neutral = Selector(classifier=tiny(tok, "neutral"))
    a, b = neutral._music_ids(flute), neutral._music_ids(piano)
    assert a.tolist() == b.tolist()
    assert a.tolist() == tok.encode_music(piano)  # BPE applied again exactly as the tokenizer applies it
    pa, pb = (neutral.classifier.predict(x) for x in (a, b))
    assert pa["style"] == pytest.approx(pb["style"], abs=1e-6)
    # the classifier reading programs as written hears two pieces (what this mapping exists to stop)
    written = Selector(classifier=tiny(tok, "as_written"))
    assert written._music_ids(flute).tolist() != written._music_ids(piano).tolist()


def test_several_voices_lose_their_instruments_but_keep_their_notes(tok):
    band, pianos = tune([73, 24]), tune([0, 0])  # flute + guitar, two pianos (read as programs 0 and 1)
    a, b = (neutral_programs(tok.encode_music(s), tok) for s in (band, pianos))
    assert a.tolist() == b.tolist()
    names = [t for i in a.tolist() for t in tok.base_tokens(i)]
    assert {t for t in names if t.startswith("Program_")} == {"Program_0"}
    notes = sorted(t for t in names if t.startswith("Pitch_"))
    written = [t for i in tok.encode_music(band) for t in tok.base_tokens(i)]
    assert notes == sorted(t for t in written if t.startswith("Pitch_"))  # every note still there


def test_drums_stay_drums_and_the_mapping_is_idempotent(tok):
    ids = neutral_programs(tok.encode_music(tune([40], drums=True)), tok)
    names = [t for i in ids.tolist() for t in tok.base_tokens(i)]
    assert "Program_-1" in names and "Program_40" not in names
    assert neutral_programs(ids, tok).tolist() == ids.tolist()


def test_config_says_how_programs_are_read_and_old_folders_read_them_as_written(tok, tmp_path):
    with pytest.raises(ValueError, match="programs must be one of"):
        debug_config(programs="piano")
    with pytest.raises(ValueError, match="programs must be one of"):
        StyleTrainConfig(programs="piano")
    assert StyleClassifierConfig.from_dict({"labels": ["a"]}).programs == "as_written"
    model = tiny(tok, "neutral")
    model.save_pretrained(tmp_path / "clf")
    again = StyleClassifier.from_pretrained(tmp_path / "clf")
    assert again.config.programs == "neutral" and again.tokenizer is not None
    assert "cannot tell a flute from a piano" in (tmp_path / "clf" / "README.md").read_text()
    ids = tok.encode_music(tune([73]))
    assert classifier_ids(again.config, ids, again.tokenizer).tolist() == tok.encode_music(tune([0]))
    with pytest.raises(ValueError, match="needs its tokenizer"):
        classifier_ids(again.config, ids, None)


def test_a_neutral_classifier_trains_on_neutral_pieces_and_the_selector_reads_as_it_was_trained(tmp_path):
    folder = build_token_folder(tmp_path / "tokens")  # jigs on a violin (40), chorales on an organ (19)
    result = train_style_classifier(
        folder, tmp_path / "clf", StyleTrainConfig(steps=4, eval_every=4, programs="neutral", **TINY)
    )
    selector = Selector.from_pretrained(result.out_dir)
    tok = selector.tokenizer
    assert selector.classifier.config.programs == "neutral"
    pieces = read_pieces(np.load(folder / "train.npy"), tok, result.labels)
    read = pieces.as_read(selector.classifier.config, tok)
    assert read.labels.tolist() == pieces.labels.tolist()
    for i in range(len(pieces)):  # the trainer's view of a piece is the Selector's view of it
        assert read.music(i).tolist() == selector._music_ids(pieces.music(i)).tolist()
        assert "Program_40" not in tok.tokens(read.music(i).tolist())
    violin, piano = (selector.classifier.predict(selector._music_ids(tune([p]))) for p in (40, 0))
    assert violin["style"] == pytest.approx(piano["style"], abs=1e-6)
    # `partita selector evaluate` reads the held-out pieces as the trainer did: the same report
    again = evaluate_classifier(result.out_dir, folder, splits=("test",))["test"]
    for key in ("style_accuracy", "quality_auc", "quality_auc_by_kind"):
        assert again[key] == result.metrics["test"][key]
