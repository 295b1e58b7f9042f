"""The Selector's classifier reads a candidate as the model sampled it (Candidate.sampled), where asked."""

import symusic

from partita.evaluation.selector import Selector
from partita.generation.candidates import Candidate
from partita.generation.prompt import project_prompt
from partita.pipelines import Generator
from partita.tokens import MiditokTokenizer


class ProgramStub:
    """Hears a jig only in a piece played by program 0 (as a classifier trained on piano-only tunes does)."""

    labels = ["jig", "chorale"]
    card: dict = {}

    def __init__(self, tokenizer) -> None:
        self.tokenizer = tokenizer
        self.piano = tokenizer.miditok.vocab["Program_0"]

    def predict(self, music, max_windows=8):
        music = [int(i) for i in music]
        jig = float(self.piano in music)
        return {"style": {"jig": jig, "chorale": 1 - jig}, "quality": 0.5, "windows": 1, "tokens": len(music)}


def _tune(program: int) -> symusic.Score:
    score = symusic.Score(480)
    track = symusic.Track("t", program, False)
    for i in range(8):
        track.notes.append(symusic.Note(i * 240, 240, 67 + i % 3, 80))
    score.tracks.append(track)
    return score


def test_the_classifier_reads_the_sampled_piece_only_when_asked():
    tok = MiditokTokenizer()
    request = project_prompt("a jig for fiddle, 2 bars")
    cand = Candidate(0, _tune(40), 0, "eos", {"bars": 1.0}, sampled=_tune(0))
    written = Selector(classifier=ProgramStub(tok), tokenizer=tok).score(cand, request)
    heard = Selector(classifier=ProgramStub(tok), tokenizer=tok, as_sampled=True).score(cand, request)
    assert written["style"] == 0.0 and heard["style"] == 1.0
    plain = Candidate(0, _tune(40), 0, "eos", {"bars": 1.0})  # nothing was written back: as written
    assert (
        Selector(classifier=ProgramStub(tok), tokenizer=tok, as_sampled=True).score(plain, request)["style"]
        == 0.0
    )


def test_a_candidate_keeps_the_piece_as_sampled_where_writing_it_out_changed_it():
    gen = Generator.debug(seed=0)
    choir = gen.generate("a chorale in G major, 2 bars", n=1, seed=0, wav=False, selector=None)[0]
    assert choir.sampled is not None
    written = sorted(t.program for t in choir.score.tracks)
    sampled = sorted(t.program for t in choir.sampled.tracks)
    assert written != sampled and set(written) == {52}  # four voices of a choir, sampled as four programs
