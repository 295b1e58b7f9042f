import random

import pytest
import symusic

from partita.score import read_score, write_midi
from partita.tokens import (
    KINDS,
    Conditions,
    MiditokTokenizer,
    TokenizerConfig,
    condition_tokens,
    parse_condition_tokens,
    separate_programs,
)


def _grid_notes(score, grid=60):
    """(pitch, onset, duration) rounded to a 32nd-note grid at 480 tpq, sorted."""
    tpq = score.ticks_per_quarter
    scale = 480 / tpq
    return sorted(
        (n.pitch, round(n.time * scale / grid), round(n.duration * scale / grid))
        for t in score.tracks
        for n in t.notes
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fixture", ["two_tracks.mid", "duet.krn", "minuet.musicxml"])
def test_round_trip_keeps_notes(fixtures, kind, fixture):
    score = read_score(fixtures / "score" / fixture)
    tok = MiditokTokenizer(TokenizerConfig(kind=kind))
    ids = tok.encode_music(score) if tok.is_multi_vocab else tok.encode(score, Conditions(key="G"))
    back = tok.decode(ids)
    assert back.ticks_per_quarter == 480
    assert _grid_notes(back) == _grid_notes(score)
    assert sorted((t.numerator, t.denominator) for t in back.time_signatures) == sorted(
        (t.numerator, t.denominator) for t in score.time_signatures
    )


@pytest.mark.parametrize("kind", ["remi", "tsd"])
def test_tracks_sharing_a_program_stay_apart(fixtures, kind):
    duet = read_score(fixtures / "score" / "duet.krn")  # two voices, both program 52
    assert [t.program for t in duet.tracks] == [52, 52]
    tok = MiditokTokenizer(TokenizerConfig(kind=kind))
    back = tok.decode(tok.encode(duet))
    assert len(back.tracks) == 2
    assert sorted(t.note_num() for t in back.tracks) == [4, 4]
    merged = MiditokTokenizer(TokenizerConfig(kind=kind, separate_programs=False))
    assert len(merged.decode(merged.encode(duet)).tracks) == 1  # the pitfall this guards against


def test_separate_programs_stays_in_family_and_skips_effects():
    s = symusic.Score(480)
    for _ in range(4):
        t = symusic.Track("v", 52, False)
        t.notes.append(symusic.Note(0, 480, 60, 80))
        s.tracks.append(t)
    drums = symusic.Track("d", 0, True)
    drums.notes.append(symusic.Note(0, 480, 36, 80))
    s.tracks.append(drums)
    out = separate_programs(s)
    progs = [t.program for t in out.tracks if not t.is_drum]
    assert progs[:3] == [52, 53, 54]
    assert 55 not in progs and all(48 <= p < 56 for p in progs)
    assert [t.program for t in s.tracks][:4] == [52] * 4  # the input is not modified


def test_condition_prefix_is_parsed_back(fixtures):
    tok = MiditokTokenizer()
    c = Conditions(
        style="jig",
        region="Ireland",
        key="D",
        mode="major",
        meter="6/8",
        tempo_bpm=120,
        programs=[40, 24],
        density=3.2,
        polyphony=1.1,
        bars=32,
    )
    ids = tok.encode(read_score(fixtures / "score" / "two_tracks.mid"), c)
    conds, music = tok.split(ids)
    fields = parse_condition_tokens(conds)
    assert fields["Style"] == ["jig"] and fields["Region"] == ["ireland"]
    assert fields["Key"] == ["D"] and fields["Mode"] == ["major"] and fields["Meter"] == ["6/8"]
    assert fields["TempoBin"] == ["5"]  # 110-140 bpm: Moderato
    assert fields["Program"] == ["24", "40"]
    assert ids[0] == tok.bos_id and ids[-1] == tok.eos_id
    assert tok.cond_end_id not in music and tok.bos_id not in music


def test_condition_dropout_and_unknown_values():
    c = Conditions(style="vaporwave", key="C#", mode="minor", meter="11/8", tempo_bpm=70)
    toks = condition_tokens(c)
    assert "CondStyle_other" in toks and "CondKey_Db" in toks and "CondMeter_other" in toks
    assert "CondTempoBin_3" in toks
    dropped = [len(condition_tokens(c, drop=0.5, rng=random.Random(i))) for i in range(50)]
    assert min(dropped) < len(toks) and max(dropped) <= len(toks)
    assert condition_tokens(c, drop=1.0) == []


def test_bpe_shortens_sequences_and_survives_save_load(fixtures, tmp_path):
    scores = []
    rng = random.Random(0)
    for k in range(6):
        s = symusic.Score(480)
        s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
        t = symusic.Track("p", 0, False)
        motif = [rng.randrange(55, 80) for _ in range(4)]
        for bar in range(16):
            for j, p in enumerate(motif):
                t.notes.append(symusic.Note(bar * 1920 + j * 480, 480, p + (bar % 2) * 2, 80))
        s.tracks.append(t)
        scores.append(s)
        write_midi(s, tmp_path / f"s{k}.mid")
    tok = MiditokTokenizer()
    base_len = len(tok.encode_music(scores[0]))
    tok.train_bpe(sorted(tmp_path.glob("*.mid")), vocab_size=len(tok.miditok.vocab) + 60)
    ids = tok.encode(scores[0], Conditions(key="C"))
    assert len(tok.encode_music(scores[0])) < base_len
    assert _grid_notes(tok.decode(ids)) == _grid_notes(scores[0])
    assert len(tok.bar_ids) >= 1
    tok.save_pretrained(tmp_path / "tok")
    again = MiditokTokenizer.from_pretrained(tmp_path / "tok")
    assert again.encode(scores[0], Conditions(key="C")) == ids
    assert again.config.bpe_vocab_size == tok.config.bpe_vocab_size


def test_clear_errors():
    with pytest.raises(ValueError, match="unknown tokenizer kind"):
        TokenizerConfig(kind="midilike2")
    cp = MiditokTokenizer(TokenizerConfig(kind="cpword"))
    with pytest.raises(ValueError, match="single-stream"):
        cp.encode(symusic.Score(480))
    with pytest.raises(FileNotFoundError, match="no partita tokenizer"):
        MiditokTokenizer.from_pretrained("/nonexistent/tok")
    tok = MiditokTokenizer()
    assert tok.decode([tok.bos_id, tok.cond_end_id, tok.eos_id]).note_num() == 0


def test_a_decoded_piece_with_notes_out_of_order_encodes_again(fixtures):
    """Token ids partita-small sampled (4/4, 6/8, 3/4, 12/8 ... bars): decoded, the notes of a track are
    not in (time, pitch, duration) order, which miditok assumes; before sorting them its duration lookup
    raised KeyError and the Selector scored the candidate as silent."""
    import json

    from partita.models.pretrained import PACKAGE_DIR

    tok = MiditokTokenizer.from_pretrained(PACKAGE_DIR / "partita-small")
    piece = tok.decode(json.loads((fixtures / "tokens" / "decoded_out_of_order.json").read_text()))
    times = [(n.time, n.pitch, n.duration) for n in piece.tracks[0].notes]
    assert times != sorted(times)
    again = tok.decode(tok.encode_music(piece))
    assert _grid_notes(again) == _grid_notes(piece)


def test_voice_programs_match_how_voices_are_tokenized():
    from partita.tokens import distinct_programs, voice_programs

    assert voice_programs([52], 4) == {52: 52, 53: 52, 54: 52, 48: 52}  # 55 (orchestra hit) is never a voice
    assert voice_programs([40, 42], 4) == {40: 40, 42: 42, 41: 40, 43: 42}
    assert voice_programs([0, 33], 1) == {0: 0, 33: 33} and voice_programs([], 3) == {}
    # the same programs a score of four choir tracks is tokenized with
    score = symusic.Score(480)
    for _ in range(4):
        score.tracks.append(symusic.Track(program=52))
    assert [t.program for t in separate_programs(score).tracks] == list(voice_programs([52], 4))
    assert distinct_programs([52, 52, 52, 52]) == [52, 53, 54, 48]
