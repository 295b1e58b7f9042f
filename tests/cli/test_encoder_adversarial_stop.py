"""SIGTERM to `partita encoder pretrain --masking adversarial` (the adversarial command): it saves its
state at the step reached (weights, masker.safetensors, train_state.safetensors) and ends on one line with
the command that resumes it; the resumed run is the unbroken one, masker and mask book included."""

from __future__ import annotations

import signal

import numpy as np
import torch
from click.testing import CliRunner
from tests.cli.test_encoder_pretrain_masking import corpus, toy  # noqa: F401 (fixtures)
from tests.cli.test_training_sigterm_cli import TINY, _same
from tests.training.stops import report_then, sigterm_guard, term_self

from partita.cli.main import cli
from partita.training import encoder as encoder_training
from partita.training.adversarial_mask import load_masker
from partita.training.train_state import load_train_state

ADV = [*TINY, "--masking", "adversarial"]


def test_sigterm_to_adversarial_pretrain_saves_the_step_and_masker(corpus, toy, tmp_path, monkeypatch):  # noqa: F811
    args = ["encoder", "pretrain", "--corpus", str(corpus), "--culture", "toy", *ADV]
    straight = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "straight")])
    assert straight.exit_code == 0, straight.output

    out = tmp_path / "stopped"
    with monkeypatch.context() as m, sigterm_guard():
        m.setattr(encoder_training, "report", report_then(encoder_training.report, 5, term_self))
        stopped = CliRunner().invoke(cli, [*args, "-o", str(out)])
    assert stopped.exit_code == 128 + signal.SIGTERM and "Traceback" not in stopped.output, stopped.output
    last = stopped.output.replace("\r", "\n").strip().splitlines()[-1]
    assert last.startswith("stopped at step 5 of 8; state saved; resume with: partita encoder pretrain ")
    assert " --masking adversarial " in last and last.endswith(" --resume")
    assert load_train_state(out).step == 5 and load_masker(out).step == 5

    resumed = CliRunner().invoke(cli, [*args, "-o", str(out), "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert "adversarial masking, its masker and book resumed, went on from step 5, 8 steps" in resumed.output
    _same(out, tmp_path / "straight")
    a, b = load_masker(out), load_masker(tmp_path / "straight")
    assert (a.step, a.updates) == (b.step, b.updates) == (8, b.updates)
    assert all(torch.equal(a.head[k], b.head[k]) for k in a.head)
    assert all(np.array_equal(x, y) for x, y in zip(a.book, b.book, strict=True))
