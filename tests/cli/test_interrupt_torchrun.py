"""A training command stopped under torchrun: only the first process says so, with torchrun's command."""

from __future__ import annotations

import click
from click.testing import CliRunner

from partita.cli._interrupt import Stopped, command_line


@click.group()
def top():
    pass


@top.command("train")
@click.option("--preset")
@click.option("--out")
@click.pass_context
def train(ctx, preset, out):
    click.echo(command_line(ctx, add=("--resume",)))


def _said(monkeypatch, **env) -> str:
    for name in ("WORLD_SIZE", "LOCAL_WORLD_SIZE", "RANK"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return CliRunner().invoke(top, ["train", "--preset", "debug", "--out", "runs/ddp"]).output.strip()


def test_the_resume_command_is_the_one_that_started_the_run(monkeypatch):
    assert _said(monkeypatch) == "partita train --preset debug --out runs/ddp --resume"
    assert _said(monkeypatch, WORLD_SIZE="2", LOCAL_WORLD_SIZE="2") == (
        "torchrun --nproc_per_node=2 -m partita.cli.main train --preset debug --out runs/ddp --resume"
    )
    assert _said(monkeypatch, WORLD_SIZE="4", LOCAL_WORLD_SIZE="2").startswith(
        "torchrun --nnodes=2 --nproc_per_node=2 -m partita.cli.main train"
    )


def test_only_the_first_process_says_it_stopped(monkeypatch, capsys):
    stopped = Stopped("stopped at step 3 of 6; state saved; resume with: ...", "SIGTERM")
    assert stopped.exit_code == 143
    monkeypatch.setenv("RANK", "1")
    stopped.show()
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("RANK", "0")
    stopped.show()
    assert "stopped at step 3 of 6" in capsys.readouterr().err
