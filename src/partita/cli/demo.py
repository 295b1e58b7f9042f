"""``partita demo``: partita's main job in one command, the one ``make demo`` runs.

Until the shipped generation model exists, the main job shows the layers it will stand on: it builds a small
corpus from real music (the 382 JSB chorales, offline), describes and captions a
held-out piece in English and Chinese, and renders it as audio, a piano roll and an engraved score.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

DEMO_SOURCES = ("jsb",)


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="out/demo", show_default=True,
              help="Where the demo writes its files.")  # fmt: skip
@click.option("--workers", type=int, default=2, show_default=True, help="Processes for the corpus build.")
def demo(out_dir: str, workers: int) -> None:
    """Run partita's main job: build a corpus, describe, caption and render a piece from it."""
    from partita.analysis import caption, caption_segments, describe, save_description
    from partita.cli.progress import tqdm_progress
    from partita.corpus import build_corpus, load_corpus
    from partita.paths import corpora_dir
    from partita.render import audio_available, render

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    click.echo(f"1/3  building the demo corpus from {', '.join(DEMO_SOURCES)} (resumable; reruns are quick)")
    with tqdm_progress("corpus", unit="piece") as bar:
        build_corpus("demo", list(DEMO_SOURCES), workers=workers, progress=bar)
    corpus = load_corpus("demo")
    test = corpus.split("test")
    click.echo(f"     {len(corpus)} pieces in {corpora_dir() / 'demo'}; {len(test)} held out for testing")

    record = next((r for r in test.records() if r["source"] == "jsb"), None) or test.records()[0]
    score = test.read_piece(record["piece_id"])
    title = record.get("title") or record["piece_id"]
    click.echo(f"2/3  describing a held-out piece: {title} ({record['source']})")
    d = describe(score)
    save_description(d, out / "description.json")
    labels = {"genre": "chorale", "composer": record.get("composer") or "J. S. Bach"}
    lines = [
        "English:  " + caption(d, lang="en", seed=1, labels=labels),
        "Chinese:  " + caption(d, lang="zh", seed=1, labels=labels),
        "Sections:\n" + caption_segments(d, lang="en", seed=1, labels=labels),
    ]
    (out / "captions.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    for line in lines:
        click.echo("     " + line.replace("\n", "\n     "))

    click.echo("3/3  rendering: piano roll, engraved score, MusicXML" + (", audio" if audio_available() else ""))
    if not audio_available():
        click.echo("     (no audio: install FluidSynth and a GM soundfont: apt-get install fluidsynth fluid-soundfont-gm)")
    paths = render(score, out, name="piece", title=title)
    summary = {"corpus": str(corpora_dir() / "demo"), "piece": record["piece_id"], "title": title,
               "key": d.key, "tempo": d.tempo, "files": [str(p) for p in paths]}  # fmt: skip
    (out / "demo.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    for p in paths:
        click.echo(f"     wrote {p}")
    click.echo(f"done: open {out}/ to see, hear and read the piece")


commands = [demo]
