"""`partita encoder adapt|pretrain --resume` is exact: a run interrupted after its checkpoint
(--checkpoint-every) and resumed ends with the weights and the loss curve of the unbroken run; a finished
run continued on a constant rate is the longer run (the optimizer's moments and the random streams go on,
saved in train_state.safetensors). Another option than the interrupted run's, a state of other weights or
another shape, or a corrupt file: one line, no traceback."""

from __future__ import annotations

import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import load_file
from tests.cli.test_encoder_pretrain_masking import corpus, toy  # noqa: F401 (fixtures)

from partita.cli.main import cli
from partita.training import encoder as encoder_training
from partita.training.train_state import TRAIN_STATE, load_train_state, save_train_state

TINY = ["--batch-size", "4", "--warmup", "1", "--threads", "1", "--max-notes", "24"]
SHAPE = ["--layers", "1", "--width", "16", "--heads", "2", "--max-len", "16"]


def _run(command, folder, out, *extra):
    head = ["encoder", command, *(["debug"] if command == "adapt" else [])]
    args = [*head, "--corpus", str(folder), "--culture", "toy", "-o", str(out), *TINY]
    if command == "pretrain":
        args += SHAPE
    return CliRunner().invoke(cli, [*args, *map(str, extra)])


def _interrupt_at(monkeypatch, done: int) -> None:
    """Ctrl-C while step ``done`` is reported (the step is done: the state is saved there)."""
    report = encoder_training.report

    def interrupted(progress, step, total, message=""):
        if step == done:
            raise KeyboardInterrupt
        report(progress, step, total, message)

    monkeypatch.setattr(encoder_training, "report", interrupted)


def _one_line(output: str, says: str) -> bool:
    """The command ended on one error line saying ``says`` (progress bars may come before it)."""
    last = output.replace("\r", "\n").strip().splitlines()[-1]
    return "Traceback" not in output and last.startswith("Error: ") and says in last


def _weights(out) -> dict[str, torch.Tensor]:
    return load_file(str(out / "model.safetensors"))


def _same_weights(a, b) -> None:
    wa, wb = _weights(a), _weights(b)
    assert set(wa) == set(wb)
    for k in wa:
        assert torch.equal(wa[k], wb[k]), k


@pytest.mark.parametrize(
    ("command", "masking"), [("adapt", "random"), ("adapt", "adversarial"), ("pretrain", "random")]
)
def test_an_interrupted_run_resumed_is_the_unbroken_run(command, masking, corpus, toy, tmp_path, monkeypatch):  # noqa: F811
    straight = _run(command, corpus, tmp_path / "straight", "--steps", 6, "--masking", masking)
    assert straight.exit_code == 0, straight.output

    broken = tmp_path / "broken"
    with monkeypatch.context() as m:
        _interrupt_at(m, 5)
        stopped = _run(command, corpus, broken, "--steps", 6, "--masking", masking, "--checkpoint-every", 3)
    last = stopped.output.strip().splitlines()[-1]
    assert stopped.exit_code == 130 and "Traceback" not in stopped.output, stopped.output
    assert last.startswith(f"stopped at step 5 of 6; state saved; resume with: partita encoder {command} ")
    assert last.endswith(" --resume")  # Ctrl-C after step 5: saved there, not at the checkpoint of step 3
    at = load_train_state(broken)
    assert (at.step, at.total) == (5, 6)

    resumed = _run(command, corpus, broken, "--resume")  # its own options: 6 steps, its masking
    assert resumed.exit_code == 0, resumed.output
    assert f"{masking} masking" in resumed.output and "went on from step 5, 6 steps" in resumed.output
    _same_weights(broken, tmp_path / "straight")
    want, got = load_train_state(tmp_path / "straight"), load_train_state(broken)
    assert got.losses == want.losses and len(got.losses) == 6  # the loss curve, step by step
    assert (got.step, got.total) == (6, 6)


def test_a_finished_run_continued_on_a_constant_rate_is_the_longer_run(corpus, toy, tmp_path):  # noqa: F811
    """Before, the continuation started a fresh AdamW and re-drew the first run's batches and masks."""
    const = ["--schedule", "constant"]
    assert _run("adapt", corpus, tmp_path / "eight", "--steps", 8, *const).exit_code == 0
    assert _run("adapt", corpus, tmp_path / "run", "--steps", 4, *const).exit_code == 0
    more = _run("adapt", corpus, tmp_path / "run", "--steps", 4, *const, "--resume")
    assert more.exit_code == 0, more.output
    _same_weights(tmp_path / "run", tmp_path / "eight")


def test_resume_refusals_are_one_line(corpus, toy, tmp_path, monkeypatch):  # noqa: F811
    out = tmp_path / "run"
    with monkeypatch.context() as m:
        _interrupt_at(m, 3)
        assert _run("adapt", corpus, out, "--steps", 4, "--checkpoint-every", 2).exit_code == 130
    before = (out / "model.safetensors").read_bytes()

    other = _run("adapt", corpus, out, "--resume", "--steps", 9)
    assert other.exit_code == 2 and _one_line(other.output, "interrupted at step 3 of 4, made with --steps 4")
    assert _run("adapt", corpus, out, "--resume", "--steps", 4).exit_code == 0  # the same: fine

    state = load_train_state(out)
    name = next(k for k in state.optimizer if k.endswith("exp_avg"))
    state.optimizer[name] = torch.zeros(3, 3)  # an optimizer state of another model
    save_train_state(state, out, _weights(out))
    weights = (out / "model.safetensors").read_bytes()
    bad = _run("adapt", corpus, out, "--resume")
    assert bad.exit_code == 1 and _one_line(bad.output, "does not fit this model: its exp_avg of parameter")
    assert (out / "model.safetensors").read_bytes() == weights  # refused before any step

    save_train_state(load_train_state(out), out)  # a state without its weights (an older file), and
    (out / "model.safetensors").write_bytes(before)  # other weights than the state's
    stale = _run("adapt", corpus, out, "--resume")
    assert stale.exit_code == 1 and _one_line(stale.output, "the training state is not of these weights")

    (out / TRAIN_STATE).write_bytes(b"not a safetensors file")
    corrupt = _run("adapt", corpus, out, "--resume")
    assert corrupt.exit_code == 1 and _one_line(corrupt.output, "not a saved training state")
