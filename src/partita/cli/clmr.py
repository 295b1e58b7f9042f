"""``partita clmr``: learn from sound, a CLMR-style contrastive audio encoder (docs/AUDIO.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from partita.cli._errors import check_out_folder, check_writable, one_line


@click.group("clmr")
def clmr() -> None:
    """Learn from sound: a small contrastive audio encoder (CLMR-style) and its embeddings."""


@clmr.command("embed")
@click.argument("audio", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--model",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="An encoder folder (default: the shipped clmr-small).",
)
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the vector here (.npy, or .json for a list of numbers) instead of printing it.",
)
def embed(audio: Path, model: Path | None, out: Path | None) -> None:
    """Embed AUDIO (1 s or more; its first ten minutes): the mean of the encoder's representations of
    half-overlapping windows. Prints the vector as a JSON list unless --out is given."""
    import numpy as np

    from partita.atomic import atomic_write_bytes, atomic_write_text
    from partita.audio import read_audio
    from partita.discovery.clmr import MAX_SECONDS, SAMPLE_RATE, ClmrEncoder, embed_audio

    if out is not None:
        check_writable(out)
    with one_line(OSError):
        clip = read_audio(audio, sample_rate=SAMPLE_RATE)
        encoder = ClmrEncoder.from_pretrained(model)
        vector = embed_audio(clip.samples, clip.sample_rate, encoder, str(audio))
    values = [round(float(v), 6) for v in vector]
    if out is None:
        click.echo(json.dumps(values))
        return
    with one_line(OSError):
        if out.suffix.lower() == ".json":
            atomic_write_text(out, json.dumps(values) + "\n")
        else:
            import io

            buf = io.BytesIO()
            np.save(buf, vector.astype(np.float32))
            atomic_write_bytes(out, buf.getvalue())
    used = min(clip.seconds, MAX_SECONDS)
    click.echo(f"{audio.name}: {used:.1f} s -> {len(values)}-d embedding written to {out}")


@clmr.command("train")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Model folder.")
@click.option("--corpus", "corpus_name", default="all", show_default=True, help="A built corpus.")
@click.option("--per-class", type=int, default=20, show_default=True, help="Train pieces per class.")
@click.option("--programs", type=int, default=2, show_default=True, help="Programs (families) per piece.")
@click.option("--seconds", type=float, default=10.0, show_default=True, help="Clip length.")
@click.option("--steps", type=int, default=600, show_default=True)
@click.option("--batch", type=int, default=48, show_default=True)
@click.option("--minutes", type=float, default=10.0, show_default=True, help="Training's wall-clock cap.")
@click.option("--threads", type=int, default=1, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--cache",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where renders are kept (default ~/.cache/partita/clmr).",
)
def train(
    out: Path,
    corpus_name: str,
    per_class: int,
    programs: int,
    seconds: float,
    steps: int,
    batch: int,
    minutes: float,
    threads: int,
    seed: int,
    cache: Path | None,
) -> None:
    """Train an encoder on FluidSynth renders of the corpus's TRAIN-split pieces (no labels are used; the
    style and tune-type labels only choose a balanced set of pieces) and save it in --out. Measure it with
    `python bench/bench_clmr.py` (linear probes on held-out pieces)."""
    import torch

    from partita.cli.progress import tqdm_progress
    from partita.corpus import load_corpus
    from partita.discovery import clmr_train as T
    from partita.discovery.clmr import ClmrConfig

    _check_train_options(
        {
            "--per-class": per_class,
            "--programs": programs,
            "--steps": steps,
            "--batch": batch,
            "--threads": threads,
            "--seed": seed,
            "--seconds": seconds,
            "--minutes": minutes,
        }
    )
    cache = cache or Path.home() / ".cache" / "partita" / "clmr"
    _check_before_work(out, cache)
    torch.set_num_threads(threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads)
    with one_line(OSError):
        corpus = load_corpus(corpus_name)  # its manifest: the pieces are read once they are chosen
        pieces = T.select_pieces(list(corpus.records()), per_class, 0, seed)
        with tqdm_progress("choosing clips", unit="piece") as bar:
            clips = T.make_clips(
                pieces, corpus.read_piece, "train", programs, seconds, seed=seed, progress=bar
            )
        with tqdm_progress("rendering", unit="chunk") as bar:
            T.render_clips(clips, _render, cache, seconds, progress=bar)
        config = ClmrConfig(steps=steps, batch=batch, seed=seed)
        config.trained_on = (
            f"corpus {corpus_name}, split train: {len(clips.specs)} clips of {seconds:g} s of "
            f"{len({s.piece for s in clips.specs})} pieces on {programs} programs each, FluidSynth, 16 kHz"
        )
        with tqdm_progress("training", unit="step") as bar:
            model, losses = T.train_clmr(clips.audio, config, clips.groups(), bar, time_limit=minutes * 60)
        model.save_pretrained(out)
    click.echo(
        f"trained on {len(clips.specs)} clips: {config.steps} steps in {config.training_seconds:.0f} s, "
        f"NT-Xent {losses[0]:.2f} -> {losses[-1]:.2f}; saved to {out}"
    )


TRAIN_BOUNDS = {
    "--per-class": (1, 100_000),
    "--programs": (1, 128),
    "--steps": (1, 1_000_000),
    "--batch": (2, 4096),
    "--threads": (1, 256),
    "--seed": (0, 2**32 - 1),
    "--seconds": (3.0, 600.0),
    "--minutes": (0.01, 7 * 24 * 60.0),
}
"""What ``clmr train`` accepts of each number (beyond, a clip or a batch would not fit in memory, thousands of
threads crash torch, a seed overflows numpy)."""


def _check_train_options(values: dict[str, float]) -> None:
    """One line for the first option of ``values`` outside :data:`TRAIN_BOUNDS` (NaN included)."""
    for name, value in values.items():
        low, high = TRAIN_BOUNDS[name]
        if not low <= value <= high:
            raise click.ClickException(f"{name} must be at least {low} and at most {high}, not {value}")


def _check_before_work(out: Path, cache: Path) -> None:
    """Refuse in one line, before the corpus is opened, what would fail only after it was read and its pieces
    rendered: an output or render cache that cannot be written, FluidSynth or a soundfont missing."""
    from partita.render import find_soundfont
    from partita.render.audio import find_fluidsynth

    check_out_folder(out, "a CLMR encoder folder", "clmr_config.json")
    check_writable(cache, folder=True)
    with one_line():
        find_fluidsynth()
        find_soundfont()


def _render(score, path: Path):
    """FluidSynth at the rate the clips are cut at: mono samples."""
    from partita.audio import read_audio
    from partita.discovery.instruments_audio import SAMPLE_RATE
    from partita.render import write_wav

    wav = write_wav(score, path, sample_rate=SAMPLE_RATE)
    return read_audio(wav, sample_rate=SAMPLE_RATE).samples


commands = [clmr]
