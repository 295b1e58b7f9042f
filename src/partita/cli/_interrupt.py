"""A training command stopped by Ctrl-C or SIGTERM: one line saying where it stopped, that its state was
saved and the command that resumes it (no traceback); the exit status is 128 + the signal's number. Under
torchrun (``WORLD_SIZE`` > 1) only the first process says it, and the command it gives is torchrun's."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
from collections.abc import Iterator

import click


class Stopped(click.ClickException):
    """The one line of a stopped run (printed as it is, without click's ``Error:``)."""

    def __init__(self, message: str, why: str = "SIGINT"):
        super().__init__(message)
        self.exit_code = 128 + int(getattr(signal, why, signal.SIGINT))

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        if os.environ.get("RANK", "0") == "0":  # every torchrun process stops; the first one says so
            click.echo(self.format_message(), err=True)


def command_line(ctx: click.Context, add: tuple[str, ...] = (), drop: tuple[str, ...] = ()) -> str:
    """The command being run, as the user gave it (the options set on the command line, in its order of
    parameters), with the flags ``add`` appended when missing and the parameters named ``drop`` left out."""
    names, c = [], ctx
    while c.parent is not None:
        names.append(c.info_name or "")
        c = c.parent
    words = [*_launcher(), *reversed(names)]
    source = click.core.ParameterSource.COMMANDLINE
    for p in ctx.command.params:
        if p.name in drop or ctx.get_parameter_source(p.name) != source:
            continue
        value = ctx.params[p.name]
        values = list(value) if isinstance(value, list | tuple) else [value]
        if isinstance(p, click.Argument):
            words += [str(v) for v in values]
        elif getattr(p, "is_flag", False):
            words += [p.opts[-1] if value else (p.secondary_opts or [p.opts[-1]])[0]]
        else:
            words += [w for v in values for w in (p.opts[-1], str(v))]
    words += [a for a in add if a not in words]
    return shlex.join(words)


def _launcher() -> list[str]:
    """How this process was started: ``partita``, or torchrun with its processes a node."""
    if int(os.environ.get("WORLD_SIZE", "1") or 1) <= 1:
        return ["partita"]
    per_node = os.environ.get("LOCAL_WORLD_SIZE") or os.environ["WORLD_SIZE"]
    nodes = int(os.environ["WORLD_SIZE"]) // max(1, int(per_node))
    return [
        "torchrun",
        *([f"--nnodes={nodes}"] if nodes > 1 else []),
        f"--nproc_per_node={per_node}",
        "-m",
        "partita.cli.main",
    ]


@contextlib.contextmanager
def resumable(
    ctx: click.Context, add: tuple[str, ...] = ("--resume",), drop: tuple[str, ...] = ()
) -> Iterator[None]:
    """A run stopped inside (:class:`partita.training.interrupt.TrainingInterrupted`) ends the command with
    its one line and the command that resumes it (:func:`command_line` with ``add``)."""
    from partita.training.interrupt import TrainingInterrupted

    try:
        yield
    except TrainingInterrupted as e:
        raise Stopped(e.message(command_line(ctx, add, drop)), e.why) from None
