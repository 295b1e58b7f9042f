"""One rank of a 2-process gloo run of the LM trainer, for :mod:`test_trainer_ranks_stop` (run in a forked
process: what the test process imported is there already). Rank ``stop_rank`` sends itself SIGTERM as step
``stop_at`` starts; the run stops, goes on, then a straight run, in one process group. Writes what each call
did as JSON to ``out/rank-R.json``."""

from __future__ import annotations

import json
import os
import signal
from datetime import timedelta
from pathlib import Path

import torch
import torch.distributed as dist

from partita.training import load_token_data, preset, train
from partita.training import trainer as trainer_mod
from partita.training.interrupt import TrainingInterrupted


def run_rank(rank: int, port: int, out: Path, steps: int, stop_rank: int, stop_at: int) -> None:
    os.environ.update(
        MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE="2", RANK=str(rank), LOCAL_RANK=str(rank)
    )
    torch.set_num_threads(1)
    dist.init_process_group("gloo", timeout=timedelta(seconds=20))  # once: train() joins it, leaves it to us
    model = {**preset("debug").model, "dropout": 0.1}
    config = preset(
        "debug", max_steps=steps, checkpoint_interval=100, eval_interval=100, log_interval=100, model=model
    )
    data = load_token_data("debug")
    real, record = trainer_mod.lr_at, {}

    def lr_at(step, cfg):
        if rank == stop_rank and step == stop_at and "stopped" not in record:
            os.kill(os.getpid(), signal.SIGTERM)
        return real(step, cfg)

    trainer_mod.lr_at = lr_at
    try:
        train(config, out / "stopped", data=data)
        record["stopped"] = None
    except TrainingInterrupted as e:
        record["stopped"] = {"step": e.step, "total": e.total, "saved": e.saved, "why": e.why}
    resumed = train(config, out / "stopped", data=data)
    record["resumed"] = {"from": resumed.resumed_from, "step": resumed.step}
    train(config, out / "straight", data=data)
    (out / f"rank-{rank}.json").write_text(json.dumps(record))
    dist.destroy_process_group()
