"""The Python API writes as the CLI does: ``generate(..., out_dir=...)`` (and the Generator's other writers)
record the files they wrote in the folder's ``.partita-files.json``, replace their own on a rerun, and
refuse, before any sampling, to write over a file partita did not write (or one changed since), with a
:class:`ForeignFileError` naming it and the way out (``overwrite=True``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import USERS_FILE as MINE

import partita.pipelines.generator as generator_module
from partita.generation.candidates import Candidate
from partita.pipelines import debug_generator, generate
from partita.render.own_files import MANIFEST, ForeignFileError, foreign_files

PROMPT = "a waltz in G, 2 bars"


@pytest.fixture(scope="module")
def model():
    return debug_generator(seed=0)


@pytest.fixture
def sampled(monkeypatch, scale_score) -> list[int]:
    """Sampling stood in for by a few real notes (what is tested is the writing around it); each call
    appends its n, to tell a refusal before any work."""
    calls: list[int] = []

    def quick(model, tokenizer, request, config, n, seed, progress=None):
        calls.append(n)
        return [Candidate(i + 1, scale_score.copy(), seed, "end", sample=i + 1) for i in range(n)]

    monkeypatch.setattr(generator_module, "sample_candidates", quick)
    return calls


def _listed(folder: Path) -> set[str]:
    return set(json.loads((folder / MANIFEST).read_text())["files"])


def test_a_users_file_is_refused_before_any_sampling_and_kept(model, mine, sampled) -> None:
    with pytest.raises(ForeignFileError) as caught:
        generate(PROMPT, n=2, seed=1, model=model, out_dir=mine, wav=False)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{mine / 'candidate-1.mid'}: a file partita did not")
    assert "overwrite=True" in message
    assert caught.value.path == mine / "candidate-1.mid"
    assert isinstance(caught.value, ValueError)  # the CLI's one-line handling knows it
    assert sampled == []
    assert (mine / "candidate-1.mid").read_bytes() == MINE
    assert sorted(p.name for p in mine.iterdir()) == ["candidate-1.mid"]  # nothing written, no record


def test_the_files_written_are_recorded_and_a_rerun_replaces_them(model, tmp_path, sampled) -> None:
    out = tmp_path / "out"
    _, cands = generate(PROMPT, n=2, seed=1, model=model, out_dir=out, wav=False)
    written = {Path(f).name for c in cands for f in c.files.values()} | {"generation.json"}
    assert "candidate-1.mid" in written and _listed(out) == written
    assert foreign_files(out, written) == []
    first = (out / "candidate-1.mid").stat().st_ino
    generate(PROMPT, n=2, seed=2, model=model, out_dir=out, wav=False)  # its own files: replaced
    assert (out / "candidate-1.mid").stat().st_ino != first and len(sampled) == 2
    (out / "generation.json").write_text("{}\n")  # edited since: now the user's
    with pytest.raises(ForeignFileError, match="generation.json"):
        generate(PROMPT, n=2, seed=3, model=model, out_dir=out, wav=False)
    assert (out / "generation.json").read_text() == "{}\n" and len(sampled) == 2


def test_overwrite_replaces_the_users_file_and_then_owns_it(model, mine, sampled) -> None:
    generate(PROMPT, n=1, seed=1, model=model, out_dir=mine, overwrite=True, wav=False)
    assert (mine / "candidate-1.mid").read_bytes() != MINE
    assert "candidate-1.mid" in _listed(mine)
    model.generate(PROMPT, n=1, seed=2, out_dir=mine, wav=False)  # partita's own now: a rerun passes
    assert sampled == [1, 1]


def test_a_file_that_came_while_sampling_is_refused_at_writing(model, tmp_path, sampled, monkeypatch) -> None:
    out = tmp_path / "out"
    quick = generator_module.sample_candidates

    def user_saves_meanwhile(*args, **kw):
        out.mkdir(exist_ok=True)
        (out / "candidate-2.musicxml").write_bytes(MINE)
        return quick(*args, **kw)

    monkeypatch.setattr(generator_module, "sample_candidates", user_saves_meanwhile)
    with pytest.raises(ForeignFileError, match="candidate-2.musicxml"):
        model.generate(PROMPT, n=2, seed=1, out_dir=out, wav=False)
    assert sampled == [2] and sorted(p.name for p in out.iterdir()) == ["candidate-2.musicxml"]
    assert (out / "candidate-2.musicxml").read_bytes() == MINE


def test_every_writer_of_the_generator_refuses_first(model, mine, tmp_path, sampled) -> None:
    absent = tmp_path / "no-such-piece.mid"  # refused before the piece is even read
    with pytest.raises(ForeignFileError):
        model.accompany(absent, "for piano", n=1, out_dir=mine)
    with pytest.raises(ForeignFileError):
        model.refill_tracks(absent, "1", n=1, out_dir=mine)
    (mine / "candidate-1.mid").unlink()
    (mine / "plan.json").write_text('{"mine": true}\n')
    from partita.generation.plan import plan_piece

    plan = plan_piece(model.request("a waltz in G, 4 bars"))
    with pytest.raises(ForeignFileError, match="plan.json"):
        model.generate_plan(plan, n=1, seed=1, out_dir=mine, wav=False)
    assert (mine / "plan.json").read_text() == '{"mine": true}\n' and sampled == []
    _, (cand,) = model.generate_plan(plan, n=1, seed=1, out_dir=mine, overwrite=True, wav=False)
    assert {"plan.json", "generation.json", Path(cand.files["midi"]).name} <= _listed(mine)
