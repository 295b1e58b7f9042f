"""``partita describe`` and ``partita caption``: a piece in numbers and in words."""

from __future__ import annotations

import click


def _read_checked(file: str):
    """The score of ``file``, refused (ScoreError) beyond :class:`partita.score.ScoreLimits`."""
    from partita.score import check_limits, read_score

    score = read_score(file)
    check_limits(score, file)
    return score


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the whole description as JSON.")
def describe(file: str, as_json: bool) -> None:
    """Describe FILE (MIDI, MusicXML, ABC, Humdrum): key, tempo, meter, instruments, chords, sections."""
    from partita.analysis.description import describe as describe_score

    d = describe_score(_read_checked(file))
    if as_json:
        click.echo(d.to_json())
        return
    lines = [
        f"duration     {d.duration:.1f} s, {d.n_bars} bars, {d.n_notes} notes",
        f"key          {d.key or 'unknown'}" + (f" (confidence {d.key_confidence:.2f})" if d.key else ""),
        f"tempo        {f'{d.tempo:.1f} bpm, {d.tempo_term}' if d.tempo else 'unknown'}",
        f"meter        {d.time_signature or 'unknown'}"
        + (f" (declared; the notes suggest {d.meter_inferred})" if d.meter_inferred else ""),
    ]
    for inst in d.instruments:
        lines.append(f"track {inst['index']:<6} {inst['instrument']} ({inst['role']}, {inst['notes']} notes)")
    if len(d.key_changes) > 1:
        lines.append("key changes  " + ", ".join(f"{k['start']:.0f}s {k['key']}" for k in d.key_changes))
    if d.progression:
        lines.append("progression  " + " | ".join(d.progression))
    if d.sections:
        lines.append("sections     " + " ".join(f"{s['label']}@{s['start']:.0f}s" for s in d.sections))
    if d.note_density is not None:
        lines.append(
            f"texture      {d.note_density:.1f} notes/s, polyphony {d.polyphony or 0:.1f}, "
            f"range {d.pitch_low}-{d.pitch_high} ({d.register})"
        )
    if d.dynamics:
        lines.append(f"dynamics     {d.dynamics} (mean velocity {d.velocity_mean:.0f})")
    if d.unknown:
        lines.append("unknown      " + ", ".join(d.unknown))
    click.echo("\n".join(lines))


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--segments", is_flag=True, help="Time-stamped captions per section, then a summary.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option("--n", "n", type=click.IntRange(1, 50), default=3, show_default=True, help="How many captions.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the phrasing.")
def caption(file: str, segments: bool, lang: str, n: int, seed: int) -> None:
    """Caption FILE in English or Chinese, in several phrasings."""
    from partita.analysis.captions import caption_segments, captions
    from partita.analysis.description import describe as describe_score

    d = describe_score(_read_checked(file))
    if segments:
        click.echo(caption_segments(d, lang=lang, seed=seed))
        return
    for text in captions(d, n=n, lang=lang, seed=seed):
        click.echo(text)


@click.command("caption")
@click.argument("name")
@click.option(
    "--n", "n", type=click.IntRange(1, 20), default=3, show_default=True, help="Captions per language."
)
@click.option("--workers", type=int, default=None, help="Processes (default: all CPUs).")
@click.option("--limit", type=int, default=None, help="Only the first N pieces (a trial run).")
@click.option("--seed", type=int, default=0, show_default=True)
def corpus_caption(name: str, n: int, workers: int | None, limit: int | None, seed: int) -> None:
    """Describe and caption every piece of corpus NAME (resumable); writes captions.parquet beside the
    manifest.

    \f
    Registered by partita/cli/corpus.py as the ``caption`` subcommand of ``partita corpus``.
    """
    from partita.analysis.corpus_captions import caption_corpus
    from partita.cli.progress import tqdm_progress

    with tqdm_progress(f"caption {name}", unit="piece") as progress:
        path = caption_corpus(name, n=n, seed=seed, workers=workers, limit=limit, progress=progress)
    click.echo(f"wrote {path}")


commands = [describe, caption]
