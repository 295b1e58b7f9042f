"""``partita bench``: benchmarks that run from the installed package (``bench/`` holds the rest)."""

from __future__ import annotations

import json

import click

from partita.cli._errors import one_line


@click.group("bench")
def bench() -> None:
    """Measure partita on held-out data, each number beside a baseline measured in the same run."""


@bench.command("mir")
@click.option(
    "--tasks",
    default=None,
    help="Comma-separated tasks (default: all): key, chords, sections, melody, velocity, composer, region, "
    "province, tune_type, style.",
)
@click.option(
    "--full", is_flag=True, help="The full held-out sets (half an hour or more) instead of small samples."
)
@click.option(
    "--json", "json_out", type=click.Path(dir_okay=False), default=None, help="Write the table here."
)
@click.option("--threads", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def mir(tasks, full, json_out, threads, seed) -> None:
    """The MIR benchmark: key, chords, sections, melody extraction, velocity, composer, region, province, tune
    type and style, scored with mir_eval's metrics where they exist, in one table with the baselines beside
    (see docs/UNDERSTANDING.md). Quick by default: small held-out samples, a few minutes."""
    import torch
    from threadpoolctl import threadpool_limits

    from partita.atomic import atomic_write_text
    from partita.cli.progress import tqdm_progress
    from partita.evaluation.mir_bench import MirBenchConfig, format_table, resolve_tasks, run_mir_bench

    with one_line(OSError):
        chosen = [t.name for t in resolve_tasks(tasks)]
        torch.set_num_threads(threads)
        with threadpool_limits(threads), tqdm_progress("mir bench", unit="task") as progress:
            table = run_mir_bench(chosen, config=MirBenchConfig(quick=not full, seed=seed), progress=progress)
        if json_out:
            atomic_write_text(json_out, json.dumps({"quick": not full, "rows": table}, indent=2) + "\n")
    click.echo(format_table(table))
    if json_out:
        click.echo(f"wrote {json_out}")


commands = [bench]
