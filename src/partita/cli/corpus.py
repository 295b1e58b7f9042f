"""``partita corpus``: build a corpus from sources and show what is in one.

The group is meant to grow: another module may add subcommands with ``corpus.add_command(...)``.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import click

from partita.cli._errors import check_out_folder, one_line


def engine_options(command):
    """``--engine`` and ``--ray-address``, for every command that builds on the process pool or on Ray
    (:func:`partita.engines.map_items`)."""
    command = click.option(
        "--ray-address",
        default=None,
        envvar="RAY_ADDRESS",
        help="The Ray cluster (ray://HEAD:10001 or HEAD:6379; default $RAY_ADDRESS, else a local Ray).",
    )(command)
    return click.option(
        "--engine",
        type=click.Choice(["process", "ray"]),
        default="process",
        show_default=True,
        help="Local processes, or Ray Data (a local Ray, or a cluster: --ray-address).",
    )(command)


@click.group()
def corpus() -> None:
    """Build and inspect corpora (a Parquet manifest plus normalized MIDI files)."""


def _format_counts(counts: dict, width: int = 60) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())[: width * 4] or "-"


def _print_summary(info: dict) -> None:
    click.echo(f"corpus {info['name']}  ({info['path']})")
    click.echo(
        f"  pieces {info['pieces']}  works {info.get('works', '-')}  notes {info['notes']}  hours "
        f"{info['hours']:.2f}"
    )
    click.echo(f"  splits: {_format_counts(info.get('splits', {}))}")
    for source, s in info.get("by_source", {}).items():
        rejects = f"  rejects {s['rejects']}" if "rejects" in s else ""
        click.echo(f"  {source}: pieces {s['pieces']}  notes {s['notes']}  hours {s['hours']:.2f}{rejects}")
    for column, counts in info.get("labels", {}).items():
        click.echo(f"  {column}: {_format_counts(counts)}")
    if info.get("pieces_with"):
        click.echo(f"  pieces with: {_format_counts(info['pieces_with'])}")
    if info.get("jsb_match_rate") is not None:
        matched = f" ({info['jsb_matched']}/{info['jsb_candidates']})" if "jsb_matched" in info else ""
        click.echo(f"  Bach chorales matched to JSB: {100 * info['jsb_match_rate']:.1f}%{matched}")
    click.echo(f"  rejects {info['rejects']}: {_format_counts(info.get('rejects_by_reason', {}))}")


@contextlib.contextmanager
def _engine_errors() -> Iterator[None]:
    """A missing Ray, an unreachable cluster or a failed engine as one line."""
    from partita.engines import EngineError

    try:
        yield
    except (ImportError, ConnectionError, EngineError) as e:
        raise click.ClickException(str(e)) from None


@corpus.command()
@click.argument("name")
@click.option(
    "--source",
    "sources",
    multiple=True,
    required=True,
    help="music21:NAME (bach, palestrina, ryans, oneill, essen, ...), music21:all, jsb, pop909 or a folder.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder (default: the corpora dir/NAME).",
)
@click.option(
    "--workers",
    type=int,
    default=2,
    show_default=True,
    help="Reader processes (--engine process) or Ray tasks at a time (--engine ray).",
)
@engine_options
@click.option("--retry-rejects", is_flag=True, help="Read again the files an earlier run rejected.")
@click.option(
    "--item-timeout",
    type=float,
    default=600.0,
    show_default=True,
    help="Seconds one piece may take to read; past it the piece is rejected as 'timeout' (0: no limit).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def build(
    name: str,
    sources: tuple[str, ...],
    out_dir: str | None,
    workers: int,
    retry_rejects: bool,
    item_timeout: float,
    engine: str,
    ray_address: str | None,
    as_json: bool,
) -> None:
    """Build corpus NAME from one or more --source; rerun to resume an interrupted build."""
    from partita.cli.progress import tqdm_progress
    from partita.corpus import build_corpus
    from partita.corpus.build import corpus_dir

    with one_line():  # a name that is not a plain name
        check_out_folder(
            corpus_dir(name, out_dir),
            "a corpus",
            "corpus.json",
            "manifest.parquet",
            ".build.lock",
            "parts/*.parquet",
        )
    if workers < 1:
        raise click.BadParameter("must be at least 1", param_hint="--workers")
    if item_timeout < 0:
        raise click.BadParameter("must be 0 (no limit) or more", param_hint="--item-timeout")
    with _engine_errors():
        if engine == "ray":
            from partita.engines import require_ray

            require_ray()  # before the bar: a missing Ray is one line
    # no music in the sources (nothing written), a build already running, ...: a ValueError that
    # partita.cli.main shows as one line
    with (
        _engine_errors(),
        tqdm_progress(f"corpus {name}", unit="piece") as progress,
    ):
        summary = build_corpus(
            name,
            list(sources),
            out_dir=out_dir,
            workers=workers,
            progress=progress,
            retry_rejects=retry_rejects,
            item_timeout=item_timeout or None,
            engine=engine,
            address=ray_address,
            require_pieces=True,
        )
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    _print_summary(summary)
    click.echo(
        f"  read now {summary['processed_now']}, already done {summary['skipped_done']}, "
        f"{summary['seconds']:.0f} s"
    )
    if summary.get("ignored_files"):
        click.echo(f"  ignored, not read: {_format_counts(summary['ignored_files'])}")


@corpus.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def info(name: str, as_json: bool) -> None:
    """Show a corpus: pieces, notes, hours, splits, labels and their counts, rejects (NAME or a folder)."""
    from partita.corpus import corpus_info

    data = corpus_info(name)
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        _print_summary(data)


def _add_caption_command() -> None:
    # `partita corpus caption` lives with the analysis commands (it needs partita.analysis); it joins this
    # group
    from partita.cli.analysis import corpus_caption

    corpus.add_command(corpus_caption)


_add_caption_command()
commands = [corpus]
