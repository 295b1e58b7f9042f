"""Every tokenizer keeps the :class:`partita.tokens.base.Tokenizer` protocol (in the style of MidiTok's tests:
one test body, parametrized over the tokenizers): special ids, encode and decode, save and load."""

from __future__ import annotations

import pytest
import symusic

from partita.tokens import MiditokTokenizer, Tokenizer, TokenizerConfig
from partita.tokens.jsb import JSBTokenizer, JSBTokenizerConfig

TPQ = 480

TOKENIZERS = {
    "remi": (lambda: MiditokTokenizer(TokenizerConfig(kind="remi")), 1 / 8),
    "tsd": (lambda: MiditokTokenizer(TokenizerConfig(kind="tsd")), 1 / 8),
    "jsb": (lambda: JSBTokenizer(), 1 / 4),
}
"""name -> (a new tokenizer, its time grid in quarter notes: miditok's 8 positions per beat, JSB's 16ths)."""


def small_score(jitter: int = 7) -> symusic.Score:
    """Two lines (a melody over a bass), onsets ``jitter`` ticks off the 16th grid, no pitch repeated
    back to back (the JSB grid cannot mark a re-articulation)."""
    s = symusic.Score(TPQ)
    s.tempos.append(symusic.Tempo(0, qpm=90.0))
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    lines = {
        ("Melody", 73): [(0, 1, 72), (1, 1, 74), (2, 0.5, 76), (2.5, 0.25, 77), (2.75, 0.25, 76), (3, 1, 79)],
        ("Bass", 32): [(0, 2, 48), (2, 1, 43), (3, 1, 45)],
    }
    for (name, program), notes in lines.items():
        t = symusic.Track(name, program, False)
        for onset, length, pitch in notes:
            t.notes.append(symusic.Note(int(onset * TPQ) + jitter, int(length * TPQ) - jitter, pitch, 80))
        s.tracks.append(t)
    return s


def _notes(score) -> list[tuple[int, float]]:
    """(pitch, onset in quarter notes) of every note, sorted."""
    tpq = score.ticks_per_quarter
    return sorted((n.pitch, n.time / tpq) for t in score.tracks for n in t.notes)


@pytest.fixture(params=list(TOKENIZERS), ids=list(TOKENIZERS))
def tokenizer(request):
    make, grid = TOKENIZERS[request.param]
    return make(), grid


def test_is_a_tokenizer(tokenizer):
    tok, _ = tokenizer
    assert isinstance(tok, Tokenizer)


def test_special_ids_are_distinct_and_in_the_vocabulary(tokenizer):
    tok, _ = tokenizer
    specials = [tok.bos_id, tok.eos_id, tok.pad_id]
    assert len(set(specials)) == 3
    assert all(isinstance(i, int) and 0 <= i < tok.vocab_size for i in specials)


def test_encode_then_decode_keeps_the_notes_on_the_grid(tokenizer):
    tok, grid = tokenizer
    score = small_score()
    ids = tok.encode_music(score)
    assert ids and all(0 <= int(i) < tok.vocab_size for i in ids)
    assert not {tok.bos_id, tok.eos_id, tok.pad_id} & {int(i) for i in ids}
    back = tok.decode(ids)
    got, want = _notes(back), _notes(score)
    assert [p for p, _ in got] == [p for p, _ in want]
    for (_, a), (_, b) in zip(got, want, strict=True):
        assert abs(a - b) <= grid / 2 + 1e-9  # the onset moved to the nearest grid position at most


def test_save_and_load_give_the_same_tokenizer(tokenizer, tmp_path):
    tok, _ = tokenizer
    tok.save_pretrained(tmp_path / "tok")
    loaded = type(tok).from_pretrained(tmp_path / "tok")
    assert isinstance(loaded, Tokenizer)
    assert (loaded.vocab_size, loaded.bos_id, loaded.eos_id, loaded.pad_id) == (
        tok.vocab_size,
        tok.bos_id,
        tok.eos_id,
        tok.pad_id,
    )
    score = small_score()
    assert loaded.encode_music(score) == tok.encode_music(score)


def test_jsb_tokenizer_keeps_its_config_and_refuses_another_kind(tmp_path):
    tok = JSBTokenizer(JSBTokenizerConfig(ticks_per_quarter=96, tempo=72.0))
    loaded = JSBTokenizer.from_pretrained(tok.save_pretrained(tmp_path / "jsb"))
    assert loaded.config == tok.config
    back = loaded.decode(loaded.encode(small_score()))
    assert back.ticks_per_quarter == 96 and back.tempos[0].qpm == pytest.approx(72.0)
    with pytest.raises(FileNotFoundError, match="no JSB tokenizer"):
        JSBTokenizer.from_pretrained(tmp_path / "nothing")
    MiditokTokenizer().save_pretrained(tmp_path / "remi")
    with pytest.raises(FileNotFoundError):
        JSBTokenizer.from_pretrained(tmp_path / "remi")
