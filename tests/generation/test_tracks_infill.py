"""Track infill: named tracks written anew over the kept tracks' chords, every other track kept as written."""

from __future__ import annotations

import pytest
import symusic
import torch

from partita.generation.tracks import (
    TrackRefill,
    block_fill,
    kept_chords,
    piece_nll,
    select_tracks,
    tracks_request,
    with_tracks,
)
from partita.pipelines import Generator
from partita.pipelines.generator import track_agreement
from partita.score.errors import ScoreError

# four bars of C, F, G, C as a four-part chorale (soprano, alto, tenor, bass), a quarter note a beat
CHORDS = [(72, 67, 64, 48), (72, 69, 65, 41), (71, 67, 62, 43), (72, 67, 64, 48)]
VOICES = ("Soprano", "Alto", "Tenor", "Bass")


def chorale(bars: int = 4, drums: bool = False) -> symusic.Score:
    s = symusic.Score(480)
    s.tempos.append(symusic.Tempo(0, qpm=90.0))
    s.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    for v, name in enumerate(VOICES):
        track = symusic.Track(name, 52, False)
        for b in range(bars):
            for q in range(4):
                track.notes.append(symusic.Note((b * 4 + q) * 480, 480, CHORDS[b % 4][v], 80))
        s.tracks.append(track)
    if drums:
        kit = symusic.Track("Drums", 0, True)
        kit.notes.append(symusic.Note(0, 240, 36, 90))
        s.tracks.append(kit)
    return s


def duo() -> symusic.Score:
    """A flute melody over a piano part (different instruments, unnamed tracks)."""
    s = chorale()
    s.tracks = [s.tracks[0].copy(), s.tracks[3].copy()]
    s.tracks[0].name, s.tracks[0].program = "", 73
    s.tracks[1].name, s.tracks[1].program = "", 0
    return s


@pytest.fixture(scope="module")
def generator():
    return Generator.debug(seed=0)


@pytest.mark.parametrize(
    "spec, want",
    [("bass", [3]), ("Alto,tenor", [1, 2]), ("1", [0]), (["Bass", 3], [2, 3]), ("2, bass", [1, 3])],
)
def test_tracks_are_chosen_by_name_or_number(spec, want):
    assert select_tracks(chorale(), spec) == want


def test_an_instrument_word_chooses_the_tracks_that_play_it():
    assert select_tracks(duo(), "piano") == [1]
    assert select_tracks(duo(), "flute") == [0]
    assert select_tracks(duo(), "Acoustic Grand Piano") == [1]


@pytest.mark.parametrize(
    "score, spec, message",
    [
        (chorale(), "tuba", "no track matches 'tuba': its tracks are track 1 \\(Soprano\\)"),
        (chorale(), "9", "no track matches '9'"),
        (chorale(), "1,2,3,4", "would keep no pitched track"),
        (chorale(drums=True), "drums", "track 5 \\(Drums\\) is drums"),
        (chorale(), "", "name the tracks"),
    ],
)
def test_a_bad_choice_of_tracks_is_one_sentence(score, spec, message):
    with pytest.raises(ValueError, match=message):
        select_tracks(score, spec, "x.mid")


def test_a_piece_without_pitched_notes_or_bars_outside_it_is_refused():
    with pytest.raises(ScoreError, match="no notes"):
        tracks_request(symusic.Score(480), "1")
    only_drums = chorale(drums=True)
    only_drums.tracks = [only_drums.tracks[-1]]
    with pytest.raises(ScoreError, match="only drums"):
        tracks_request(only_drums, "1")
    with pytest.raises(ScoreError, match="bars 3-9 are outside it: it has 4 bars"):
        tracks_request(chorale(), "bass", (3, 9))


def test_the_request_samples_the_track_as_the_piece_reads_it_over_the_kept_chords():
    refill = tracks_request(chorale(), "bass", source="bach.mid")
    c = refill.request.conditions
    assert (c.key, c.mode, c.meter, round(c.tempo_bpm)) == ("C", "major", "4/4", 90)
    assert refill.tracks == [3] and refill.sampled_programs == [48]  # the fourth choir voice, as tokenized
    assert c.programs == [48] and c.bars == 4 and c.mean_pitch < 50  # the bass's own register
    assert refill.chords_from == "recognised"  # three voices state their chords
    assert refill.chords == ["C:maj", "F:maj", "G:maj", "C:maj"] == refill.request.chords
    assert any("track 4 (Bass) written anew over the whole piece" in n for n in refill.request.notes)
    alone = tracks_request(chorale(), "bass", (2, 3), context=False)  # bars 1-3 sampled, 2-3 kept
    assert alone.request.conditions.bars == 3 and alone.request.chords == ["C:maj", "F:maj", "G:maj"]
    assert alone.request.given is None and not alone.context
    heard = tracks_request(chorale(), "bass", (2, 3))  # the bass's own bar 1 given, its bar 4 after the gap
    given = heard.request.given
    assert heard.context and (given.bars, given.after_bars, heard.request.conditions.bars) == (1, 1, 4)
    assert [t.program for t in given.score.tracks] == [48] and len(given.score.tracks[0].notes) == 4
    assert any("sampled on from their bars 1-1" in n for n in heard.request.notes)
    chords = tracks_request(chorale(), "bass", chords="Am F C G")
    assert chords.chords_from == "given" and chords.chords[0] == "A:min"


def test_no_context_is_given_where_a_named_track_is_silent_before_the_bars():
    score = chorale()
    score.tracks[3].notes.clear()
    score.tracks[3].notes.append(symusic.Note(4 * 480, 480, 41, 80))  # the bass enters in bar 2
    refill = tracks_request(score, "bass", (2, 3))
    assert refill.request.given is None and not refill.context
    assert any("silent before the bars asked for" in n for n in refill.request.notes)


def test_a_thin_texture_is_harmonised_and_a_full_one_recognised():
    thin = duo()
    thin.tracks = [thin.tracks[0]]
    assert kept_chords(thin, 4, "C", "major")[1] == "harmonised"
    assert kept_chords(chorale(), 4, "C", "major")[1] == "recognised"
    with pytest.raises(ValueError, match="method"):
        kept_chords(chorale(), 4, "C", "major", "guess")


def sampled(bars: int = 4, pitch: int = 76) -> symusic.Score:
    """A stand-in for a sampled bass (program 48): one half note a bar, two octaves too high."""
    s = symusic.Score(96)  # another resolution: notes land bar by bar on the piece's ticks
    track = symusic.Track("", 48, False)
    for b in range(bars):
        track.notes.append(symusic.Note(b * 4 * 96, 2 * 96, pitch, 70))
    s.tracks.append(track)
    return s


def test_new_notes_land_in_their_bars_in_the_tracks_register_and_the_rest_is_kept():
    refill = tracks_request(chorale(), "bass", (2, 3))
    piece, remarks = with_tracks(refill, sampled())
    for i in range(3):  # the kept tracks, as written
        assert piece.tracks[i].notes == chorale().tracks[i].notes
    bass = [(n.time, n.duration, n.pitch) for n in piece.tracks[3].notes]
    written = [(n.time, n.duration, n.pitch) for n in chorale().tracks[3].notes]
    assert bass[:4] == written[:4] and bass[-4:] == written[-4:]  # bars 1 and 4 as written
    assert bass[4:6] == [(1920, 960, 40), (3840, 960, 40)]  # E, 3 octaves down: the bass mean is 45
    assert any("moved -3 octave(s)" in r for r in remarks)
    assert track_agreement(refill, piece) == 0.0  # E is no tone of F or G major


def test_a_new_bass_note_above_the_kept_parts_goes_an_octave_down():
    refill = tracks_request(chorale(), "bass", (2, 3), context=False)
    wandering = sampled()
    wandering.tracks[0].notes[1].pitch, wandering.tracks[0].notes[2].pitch = 43, 79  # bars 2 and 3
    piece, remarks = with_tracks(refill, wandering)
    new = [n.pitch for n in piece.tracks[3].notes if 1920 <= n.time < 5760]
    assert new == [31, 55]  # an octave down to the register (mean 45), then 67 under the tenor's 62
    assert any("1 note(s) an octave down, under the kept parts" in r for r in remarks)


def test_block_fill_holds_the_chord_root_for_a_one_voice_track():
    refill = tracks_request(chorale(), "bass")
    piece = block_fill(refill)
    assert [n.pitch % 12 for n in piece.tracks[3].notes] == [0, 5, 7, 0]
    assert [n.duration for n in piece.tracks[3].notes] == [1920] * 4
    assert track_agreement(refill, piece) == 1.0
    assert all(piece.tracks[i].notes == chorale().tracks[i].notes for i in range(3))


def test_the_piece_nll_reads_long_pieces_half_a_context_at_a_time(generator):
    short = piece_nll(generator.model, generator.tokenizer, chorale(2))
    assert 0 < short < 20
    tokens = len(generator.tokenizer.encode_music(chorale(24)))
    assert tokens > generator.model.config.block_size  # longer than the context
    assert 0 < piece_nll(generator.model, generator.tokenizer, chorale(24), 20, 24) < 20
    # the windowed sum equals one pass where the piece fits
    prefix = generator.tokenizer.condition_ids(
        __import__("partita").tokens.dataset.piece_conditions(chorale(2))
    )
    x = torch.tensor([[*prefix, *generator.tokenizer.encode_music(chorale(2))]])
    with torch.no_grad():
        logits, _ = generator.model(x[:, :-1])
    nll = -torch.log_softmax(logits.float(), -1)[0].gather(1, x[0, 1:, None])[len(prefix) - 1 :]
    assert short == pytest.approx(float(nll.mean()), rel=1e-4)


def test_the_generator_refills_a_track_keeps_the_others_and_ranks(generator, tmp_path):
    refill = generator.tracks_of(chorale(), "bass", "2-3")
    assert isinstance(refill, TrackRefill) and (refill.first, refill.last) == (2, 3)
    whole, candidates = generator.refill_tracks(refill, n=2, seed=3, out_dir=tmp_path)
    assert [c.rank for c in candidates] == [1, 2] and whole.conditions.bars == 4
    for cand in candidates:
        for i in range(3):
            assert cand.score.tracks[i].notes == chorale().tracks[i].notes
        outside = [n for n in cand.score.tracks[3].notes if n.time < 1920 or n.time >= 5760]
        assert outside == [n for n in chorale().tracks[3].notes if n.time < 1920 or n.time >= 5760]
        assert {"chord_tones", "nll"} <= set(cand.scores)
        assert any("other tracks kept as written" in r for r in cand.remarks)
    assert (tmp_path / "generation.json").exists() and (tmp_path / "candidate-1.mid").exists()


def test_with_no_selector_the_ranking_is_agreement_and_with_a_weight_less_the_nll(generator, monkeypatch):
    import partita.pipelines.generator as pipeline

    monkeypatch.setattr(pipeline, "track_agreement", lambda refill, piece: 0.0)
    _, candidates = generator.refill_tracks(chorale(), "bass", n=3, seed=5, selector=None, nll_weight=1.0)
    nll = [c.scores["nll"] for c in candidates]
    assert nll == sorted(nll) and len(set(nll)) > 1
    shares = iter([0.2, 0.9, 0.5])
    monkeypatch.setattr(pipeline, "track_agreement", lambda refill, piece: next(shares))
    _, candidates = generator.refill_tracks(chorale(), "bass", n=3, seed=5, selector=None)
    assert [c.scores["chord_tones"] for c in candidates] == [0.9, 0.5, 0.2]  # the NLL is off by default
    with pytest.raises(ValueError, match="name the tracks"):
        generator.refill_tracks(chorale())
