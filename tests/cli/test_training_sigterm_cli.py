"""SIGTERM or Ctrl-C to a training command: it saves its state at the step reached and ends on one line
that says how to resume (no traceback; exit status 128 + the signal), and the resumed run is the unbroken
one: `partita encoder pretrain` (SIGTERM on a tiny corpus), `partita train` (a subprocess sent SIGTERM
from outside while it trains) and `partita tune` (Ctrl-C, then --resume)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import load_file
from tests.cli.test_encoder_pretrain_masking import corpus, toy  # noqa: F401 (fixtures)
from tests.cli.test_tune_concept_cli import midi
from tests.training.stops import report_then, sigterm_guard, term_self

from partita.cli.main import cli
from partita.pipelines import Generator
from partita.training import dpo as dpo_mod
from partita.training import encoder as encoder_training
from partita.training import latest_checkpoint, preset, train
from partita.training.preferences import Preference, add_preferences, model_version
from partita.training.train_state import load_train_state

TINY = ["--batch-size", "4", "--warmup", "1", "--threads", "1", "--max-notes", "24", "--steps", "8"]
TINY += ["--layers", "1", "--width", "16", "--heads", "2", "--max-len", "16", "--checkpoint-every", "100"]


def _env():
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


def _weights(folder) -> dict[str, torch.Tensor]:
    return load_file(str(folder / "model.safetensors"))


def _same(a, b) -> None:
    wa, wb = _weights(a), _weights(b)
    assert wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)


def test_sigterm_to_encoder_pretrain_saves_the_step(corpus, toy, tmp_path, monkeypatch):  # noqa: F811
    """The resumed run is the unbroken one."""
    args = ["encoder", "pretrain", "--corpus", str(corpus), "--culture", "toy", *TINY]
    straight = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "straight")])
    assert straight.exit_code == 0, straight.output

    term = report_then(encoder_training.report, 5, term_self)
    out = tmp_path / "stopped"
    with monkeypatch.context() as m, sigterm_guard():
        m.setattr(encoder_training, "report", term)  # the loop ends step 5, saves it and stops
        stopped = CliRunner().invoke(cli, [*args, "-o", str(out)])
    assert stopped.exit_code == 128 + signal.SIGTERM and "Traceback" not in stopped.output, stopped.output
    last = stopped.output.replace("\r", "\n").strip().splitlines()[-1]
    assert last.startswith(
        "stopped at step 5 of 8; state saved; resume with: partita encoder pretrain --corpus"
    )
    assert f" --out {out} " in last and last.endswith(" --resume")
    state = load_train_state(out)
    assert (state.step, state.total, len(state.losses)) == (5, 8, 5)  # not the last --checkpoint-every

    resumed = CliRunner().invoke(cli, [*args, "-o", str(out), "--resume"])
    assert resumed.exit_code == 0 and "went on from step 5, 8 steps" in resumed.output, resumed.output
    _same(out, tmp_path / "straight")
    assert load_train_state(out).losses == load_train_state(tmp_path / "straight").losses


def test_sigterm_from_outside_to_partita_train_leaves_a_checkpoint_at_the_step_said(tmp_path):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "partita.cli.main", "train", "--preset", "debug", "--out", str(out)]
    cmd += ["--max-steps", "2000"]
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and latest_checkpoint(out) is None:
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM, err[-2000:]
    last = err.replace("\r", "\n").strip().splitlines()[-1]
    found = re.fullmatch(r"stopped at step (\d+) of 2000; state saved; resume with: (.*)", last)
    assert found and "Traceback" not in err, err[-2000:]
    assert found.group(2) == f"partita train --preset debug --out {out} --max-steps 2000"
    step = int(found.group(1))
    assert latest_checkpoint(out).name == f"step-{step:08d}"  # saved where it stopped
    again = train(preset("debug"), out, max_steps=2000, stop_after=1)
    assert again.resumed_from == step and again.step == step + 1


@pytest.fixture
def store(tmp_path):
    version = model_version(Generator.debug().model)
    steps, leaps = midi([60, 62, 64, 65, 67, 65]), midi([60, 67, 55, 72, 59, 69])
    up, down = midi([60, 64, 67, 72]), midi([72, 67, 64, 60])
    kw = {"model": "debug", "model_version": version}
    prompt = "a piano piece in C major, 2 bars"
    prefs = [
        Preference(prompt, steps, leaps, winner="a", **kw),
        Preference(prompt, up, down, winner="a", **kw),
    ]
    prefs += [
        Preference(prompt, leaps, up, winner="b", **kw),
        Preference(prompt, down, steps, winner="b", **kw),
    ]
    db = tmp_path / "prefs.db"
    add_preferences(db, prefs)
    return db


def test_ctrl_c_in_partita_tune_saves_the_step_and_resume_finishes_it(store, tmp_path, monkeypatch):
    args = ["tune", "--prefs", str(store), "--base", "debug", "--steps", "6", "--batch-size", "2"]
    args += ["--lr", "0.001", "--threads", "1"]
    straight = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "straight")])
    assert straight.exit_code == 0, straight.output

    out = tmp_path / "tuned"
    with monkeypatch.context() as m:
        m.setattr(dpo_mod, "report", report_then(dpo_mod.report, 4))  # Ctrl-C after step 4
        stopped = CliRunner().invoke(cli, [*args, "-o", str(out)])
    last = stopped.output.replace("\r", "\n").strip().splitlines()[-1]
    assert stopped.exit_code == 130 and "Traceback" not in stopped.output, stopped.output
    assert last.startswith("stopped at step 4 of 6; state saved; resume with: partita tune --prefs ")
    assert f" --out {out} " in last and last.endswith(" --threads 1 --resume")
    assert load_train_state(out).step == 4 and (out / "config.json").is_file()  # a model folder, stopped

    resumed = CliRunner().invoke(cli, ["tune", "--prefs", str(store), "-o", str(out), "--resume"])
    assert resumed.exit_code == 0 and "6 steps, went on from step 4" in resumed.output, resumed.output
    _same(out, tmp_path / "straight")
    assert not (out / "train_state.safetensors").exists()  # finished: nothing to resume

    other = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "straight"), "--resume"])
    assert other.exit_code != 0 and "no stopped tuning to resume" in other.output
