"""``partita embed`` (piece and bar embeddings from the music encoder) and ``partita melody`` (the melody of
a piano piece): see docs/UNDERSTANDING.md."""

from __future__ import annotations

import json
from pathlib import Path

import click

from partita.cli._errors import check_writable, one_line, read_checked


@click.command("embed")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--bars", is_flag=True, help="Also give one embedding per bar (the mean over its notes).")
@click.option(
    "--model", default=None, help="An encoder folder, a shipped name or `debug` (default: the shipped one)."
)
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the vectors: .npz (arrays piece, bars, bar_index) or .json.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the vectors as JSON.")
def embed(file: str, bars: bool, model: str | None, out: str | None, as_json: bool) -> None:
    """Embed FILE (MIDI, MusicXML, ABC, ...) with the music encoder: the mean of its notes' vectors."""
    from partita.pipelines.embed import embed as embed_score

    if out:
        check_writable(out)
    with one_line():
        e = embed_score(read_checked(file), model)
    doc = {"piece": e.piece.round(5).tolist(), "notes": e.notes}
    if bars:
        doc["bars"] = {int(b): v.round(5).tolist() for b, v in zip(e.bar_index, e.bars, strict=True)}
    if out:
        with one_line(OSError):
            _write(Path(out), e, doc, bars)
    if as_json:
        click.echo(json.dumps(doc))
        return
    head = " ".join(f"{x:+.3f}" for x in e.piece[:8])
    click.echo(
        f"{file}: {e.notes} notes, {len(e.bars)} bars with notes; piece vector ({len(e.piece)}): {head} ..."
    )
    if bars:
        for b, v in zip(e.bar_index, e.bars, strict=True):
            click.echo(f"bar {int(b) + 1:>4}: " + " ".join(f"{x:+.3f}" for x in v[:8]) + " ...")
    if out:
        click.echo(f"-> {out}")


def _write(path: Path, e, doc: dict, bars: bool) -> None:
    import io

    import numpy as np

    from partita.atomic import atomic_write_bytes, atomic_write_text

    if path.suffix.lower() == ".json":
        atomic_write_text(path, json.dumps(doc) + "\n")
    elif path.suffix.lower() == ".npz":
        buf = io.BytesIO()
        arrays = {"piece": e.piece}
        if bars:
            arrays.update(bars=e.bars, bar_index=e.bar_index)
        np.savez(buf, **arrays)
        atomic_write_bytes(path, buf.getvalue())
    else:
        raise click.ClickException(f"{path}: write .npz or .json")


@click.command("melody")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o", "--out", type=click.Path(dir_okay=False), required=True, help="The melody (.mid or .musicxml)."
)
@click.option(
    "--model",
    default=None,
    help="A melody tagger's folder, or an encoder folder with a melody classifier (default: the shipped "
    "tagger, else the shipped encoder).",
)
@click.option("--skyline", "use_skyline", is_flag=True, help="Use the skyline (highest note at each onset).")
def melody(file: str, out: str, model: str | None, use_skyline: bool) -> None:
    """Extract the melody of a piano piece FILE (all its pitched tracks merged) into one track."""
    from partita.pipelines.embed import extract_melody, shipped_encoder, shipped_tagger
    from partita.score.formats import write_score

    check_writable(out)
    with one_line(OSError):
        score = read_checked(file)
        skyline = use_skyline or (model is None and shipped_tagger() is None and shipped_encoder() is None)
        if skyline and not use_skyline:
            click.echo("no melody model is shipped: using the skyline (highest note at each onset)", err=True)
        result, method = extract_melody(score, model, skyline=skyline)
        write_score(result, out)
    n = sum(len(t.notes) for t in result.tracks)
    click.echo(f"{n} melody notes ({method}) -> {out}")


commands = [embed, melody]
