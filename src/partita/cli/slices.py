"""``partita slices``: music as words. Train a skip-gram on beat slices, ask it for a slice's neighbours and
for the distances between keys (after Chuan, Agres & Herremans, 2018; see docs/UNDERSTANDING.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from partita.cli._errors import SEED, check_out_folder, one_line

SPLITS = ("train", "valid", "test", "all")


@click.group("slices")
def slices() -> None:
    """Music as words: each beat is the set of pitch classes sounding in it ("0-4-7" is a C major chord),
    each piece a sentence; a skip-gram (word2vec) learns vectors for the slices from their contexts."""


@slices.command("train")
@click.argument("source")
@click.option("-o", "--out", "out", required=True, type=click.Path(file_okay=False), help="The model folder.")
@click.option(
    "--split",
    type=click.Choice(SPLITS),
    default="train",
    show_default=True,
    help="The split of a built corpus to train on (sources read directly have none).",
)
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the first N pieces.")
@click.option("--vector-size", type=click.IntRange(2, 1024), default=64, show_default=True)
@click.option("--window", type=click.IntRange(1, 64), default=4, show_default=True)
@click.option("--min-count", type=click.IntRange(1), default=5, show_default=True)
@click.option("--epochs", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option(
    "--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="1 is deterministic."
)
def train(source, out, split, limit, vector_size, window, min_count, epochs, seed, workers) -> None:
    """Train on SOURCE: a built corpus (a name such as `all`, a folder, or NAME:SPLIT) or a source as
    `partita corpus build` takes it (music21:bach, a folder of scores), and write the model to --out."""
    from partita.analysis.slices import sentences, slice_source
    from partita.cli.progress import tqdm_progress
    from partita.evaluation.slices import corpus_key_vectors, geometry, headline
    from partita.models.slices import SliceModel, SliceModelConfig

    check_out_folder(out, "a slices model folder", "slice_config.json")
    with one_line():
        config = SliceModelConfig(vector_size, window, min_count, epochs=epochs, seed=seed, workers=workers)
        with tqdm_progress("slicing", unit="piece") as progress:
            pieces = slice_source(source, None if split == "all" else split, limit, progress=progress)
        with tqdm_progress("training", unit="epoch") as progress:
            model = SliceModel.train(sentences(pieces), config, progress)
        model.key_vectors, model.key_pieces = corpus_key_vectors(model, pieces)
        measures = {k: round(v, 4) for k, v in headline(geometry(model, pieces)).items()}
        card = {
            "name": Path(out).name,
            "data": source,
            "split": split,
            "pieces": len(pieces),
            "measures": measures,
        }
        model.save_pretrained(out, card)
    click.echo(f"{len(model)} slices from {len(pieces)} pieces ({model.card['words_seen']} beats) -> {out}")
    click.echo(
        f"keys vs circle of fifths: rho {measures['rho_triad_major']:.3f} (major tonic triads), "
        f"{measures.get('rho_corpus_major', float('nan')):.3f} (pieces' mean vectors); "
        f"IV/V mean rank {measures['iv_v_mean_rank']:.2f} of 23"
    )


def _word(text: str) -> str:
    """A slice word, or a chord name (C:maj, G:7, A:min) turned into one."""
    from partita.analysis.chords import QUALITIES
    from partita.analysis.key import pitch_class
    from partita.analysis.slices import chord_word, parse_slice, slice_word

    text = text.strip()
    if ":" in text:
        root, _, quality = text.partition(":")
        if quality not in QUALITIES:
            raise ValueError(f"unknown chord quality in {text!r}: choose one of {', '.join(QUALITIES)}")
        return chord_word(pitch_class(root), quality)
    if "-" not in text and not text.isdigit():
        return slice_word([pitch_class(text)])  # a note name: "G"
    parse_slice(text)
    return text


@slices.command("query")
@click.argument("model_path", metavar="MODEL")
@click.argument("word")
@click.option("-k", "k", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def query(model_path, word, k, as_json) -> None:
    """The K slices nearest WORD (sorted pitch classes such as 0-4-7, or a chord name such as C:maj or G:7)
    in MODEL (a folder, or a shipped model such as slices-small)."""
    from partita.analysis.slices import slice_name
    from partita.models.slices import SliceModel

    with one_line():
        model = SliceModel.from_pretrained(model_path)
        word = _word(word)
        near = model.most_similar(word, k)
    if as_json:
        rows = [{"word": w, "name": slice_name(w), "cosine": round(s, 4)} for w, s in near]
        click.echo(json.dumps({"word": word, "name": slice_name(word), "nearest": rows}, indent=2))
        return
    click.echo(
        f"{word} ({slice_name(word) or 'no chord name'}), seen {model.counts[model.index[word]]} times:"
    )
    for w, s in near:
        click.echo(f"  {w:<16} {slice_name(w) or '':<8} {s:.3f}")


@slices.command("keys")
@click.argument("model_path", metavar="MODEL")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def keys(model_path, as_json) -> None:
    """How far apart MODEL puts the keys, against the circle of fifths (Spearman's rho), and each key's
    nearest key."""
    from partita.evaluation.slices import key_distances, key_table
    from partita.models.slices import SliceModel

    with one_line():
        model = SliceModel.from_pretrained(model_path)
        stored = None if model.key_vectors is None else (model.key_vectors, model.key_pieces)
        result = key_distances(model, key_vectors=stored)
        table = key_table(*stored) if stored else []
    if as_json:
        click.echo(json.dumps({"rho": result, "nearest": table}, indent=2))
        return
    for name, r in result.items():
        how = "tonic triads" if name.startswith("triad") else "pieces' mean vectors"
        test = f"permutation p {r['p']:.3f}, {r['keys']} keys"
        click.echo(f"{name.split('_')[1]:<6} keys, {how:<21} rho {r['rho']:+.3f} ({test})")
    if table:
        click.echo("key         pieces  nearest key   fifths apart")
        for row in table:
            click.echo(f"{row['key']:<11} {row['pieces']:>6}  {row['nearest']:<13} {row['fifths']}")


commands = [slices]
