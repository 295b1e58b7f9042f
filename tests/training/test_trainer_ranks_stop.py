"""SIGTERM to one of two torchrun processes (gloo, CPU) of the LM trainer: the ranks agree on the stop at the
next step (an all-reduce of the flag), so both stop at the same step with the checkpoint of that step saved
(by rank 0), and the run resumed by both ends with the unbroken 2-process run's weights, to the bit."""

from __future__ import annotations

import json
import multiprocessing
import socket
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from tests.training.ranks_worker import run_rank

from partita.training import latest_checkpoint

STEPS, STOP_AT = 6, 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.usefixtures("one_thread")
def test_sigterm_to_one_rank_stops_both_at_one_saved_step(tmp_path):
    torch.optim.AdamW([torch.zeros(1, requires_grad=True)])  # its lazy imports, once, before the fork
    port, ctx = _free_port(), multiprocessing.get_context("fork")
    procs = [ctx.Process(target=run_rank, args=(r, port, tmp_path, STEPS, 1, STOP_AT)) for r in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
    for p in procs:
        if p.is_alive():
            p.kill()
    assert [p.exitcode for p in procs] == [0, 0]
    ranks = [json.loads((tmp_path / f"rank-{r}.json").read_text()) for r in range(2)]
    stopped = [r["stopped"] for r in ranks]
    assert stopped[0] is not None and stopped[1] is not None, ranks  # both stopped, not only rank 1
    assert stopped[0]["step"] == stopped[1]["step"] == STOP_AT + 1  # the step under way ended, then both
    assert stopped[0]["saved"] == stopped[1]["saved"]
    assert [s["why"] for s in stopped] == ["SIGTERM", "SIGTERM"]
    assert Path(stopped[0]["saved"]).name == f"step-{STOP_AT + 1:08d}"
    assert [r["resumed"] for r in ranks] == [{"from": STOP_AT + 1, "step": STEPS}] * 2
    assert latest_checkpoint(tmp_path / "stopped").name == f"step-{STEPS:08d}"
    a = load_file(str(tmp_path / "stopped" / "model" / "model.safetensors"))
    b = load_file(str(tmp_path / "straight" / "model" / "model.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
