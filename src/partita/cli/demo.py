"""``partita demo``: partita's main job in one command, the one ``make demo`` runs.

1. Generate from a prompt with the shipped model ``partita-small``: the prompt is projected onto controls, the
   model samples several candidates under constraints, each is measured against the request and the best is
   rendered (MIDI, MusicXML, WAV, piano roll). Without a shipped model the demo says so and uses the untrained
   debug model, so the path still runs end to end.
2. Describe and caption the best candidate in English and Chinese, as partita describes any piece.
3. For comparison, build a small corpus of real music (the 382 JSB chorales, offline; where the reference data
   folder is absent, 40 of the Bach chorales bundled with music21) and render a held-out chorale the same way.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from partita.cli._errors import SEED, check_out_folder

DEMO_SOURCES = ("jsb",)
FALLBACK_SOURCES = ("music21:bach",)  # bundled with music21: there on every machine partita installs on
FALLBACK_PIECES = 40
DEMO_PROMPT = "a calm chorale in G major for choir, 8 bars, andante"


def _shipped_model(name: str) -> str:
    from partita.models.pretrained import available_models

    if name in available_models() or Path(name, "config.json").is_file():
        return name
    click.echo(f"     (no model named {name!r} is shipped in this checkout: using the untrained debug model)")
    return "debug"


@click.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="out/demo",
    show_default=True,
    help="Where the demo writes its files.",
)
@click.option("--prompt", default=DEMO_PROMPT, show_default=True, help="What to ask the model for.")
@click.option("--model", default="partita-small", show_default=True, help="The model to generate with.")
@click.option("--n", "n", type=click.IntRange(1, 16), default=4, show_default=True, help="Candidates.")
@click.option("--seed", type=SEED, default=7, show_default=True)
@click.option("--workers", type=int, default=2, show_default=True, help="Processes for the corpus build.")
def demo(out_dir: str, prompt: str, model: str, n: int, seed: int, workers: int) -> None:
    """Run partita's main job: generate from a prompt, describe the result, compare with real music."""
    from partita.analysis import caption, caption_segments, describe, save_description
    from partita.cli.generate import ranking_scores
    from partita.cli.progress import tqdm_progress
    from partita.corpus import build_corpus, load_corpus
    from partita.paths import corpora_dir, shared_data_dir
    from partita.pipelines import generate
    from partita.render import audio_available, render

    check_out_folder(out_dir, "a demo folder", "demo.json", "generated/generation.json")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    name = _shipped_model(model)
    click.echo(f'1/3  generating {n} candidates for "{prompt}" with {name}')
    with tqdm_progress("generate", unit="step") as bar:
        # the folder passed as a demo's (new, empty or the demo's own): what is in generated/ is the demo's,
        # also where it was written before partita kept a record of its files
        request, candidates = generate(
            prompt, n=n, seed=seed, model=name, out_dir=out / "generated", overwrite=True, progress=bar
        )
    click.echo("     " + request.explain().replace("\n", "\n     "))
    for cand in candidates:
        click.echo(
            f"     #{cand.rank}: {cand.score.note_num()} notes, {ranking_scores(cand)}, "
            f"{cand.files.get('midi', '')}"
        )
    best = candidates[0]

    click.echo("2/3  describing the best candidate as partita describes any piece")
    d = describe(best.score)
    save_description(d, out / "generated" / "description.json")
    lines = [
        "English:  " + caption(d, lang="en", seed=1),
        "Chinese:  " + caption(d, lang="zh", seed=1),
        "Sections:\n" + caption_segments(d, lang="en", seed=1),
    ]
    (out / "generated" / "captions.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    for line in lines:
        click.echo("     " + line.replace("\n", "\n     "))

    sources, select, corpus_name = list(DEMO_SOURCES), None, "demo"
    if shared_data_dir(required=False) is None:
        click.echo(
            "     (the reference data folder with jsb/ is absent: using music21's bundled Bach chorales)"
        )
        sources, corpus_name = list(FALLBACK_SOURCES), "demo-music21"
        taken: set[str] = set()

        def select(item) -> bool:  # the first FALLBACK_PIECES chorales in listing order (deterministic)
            if item.key in taken or len(taken) < FALLBACK_PIECES:
                taken.add(item.key)
                return True
            return False

    click.echo(f"3/3  real music for comparison: a corpus from {', '.join(sources)} and a held-out chorale")
    with tqdm_progress("corpus", unit="piece") as bar:
        build_corpus(corpus_name, sources, workers=workers, progress=bar, select=select)
    corpus = load_corpus(corpus_name)
    test = corpus.split("test")
    if not len(test):
        test = corpus
    record = next((r for r in test.records() if r["source"] == "jsb"), None) or test.records()[0]
    score = test.read_piece(record["piece_id"])
    title = record.get("title") or record["piece_id"]
    if not audio_available():
        click.echo(
            "     (no audio: install FluidSynth and a GM soundfont: apt-get install fluidsynth "
            "fluid-soundfont-gm)"
        )
    real = describe(score)
    save_description(real, out / "real" / "description.json")
    paths = render(score, out / "real", name="chorale", title=title)
    labels = {"genre": "chorale", "composer": record.get("composer") or "J. S. Bach"}
    click.echo(
        f"     {title} ({len(corpus)} pieces in {corpora_dir() / corpus_name}): "
        + caption(real, seed=1, labels=labels)
    )
    summary = {
        "prompt": prompt,
        "model": name,
        "request": request.to_dict(),
        "candidates": [
            {"rank": c.rank, "notes": c.score.note_num(), "adherence": c.adherence, "files": c.files}
            for c in candidates
        ],
        "best": {"key": d.key, "tempo": d.tempo, "captions": lines[:2]},
        "real": {"piece": record["piece_id"], "title": title, "files": [str(p) for p in paths]},
    }
    (out / "demo.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    click.echo(f"done: listen to {out}/generated/candidate-1.* and compare with {out}/real/")


commands = [demo]
