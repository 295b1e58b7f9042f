"""``partita score-video``: music for a video, as long as the video, with its cuts on bar lines, muxed in;
``partita match-video``: the pieces of a discovery index that best fit a video (or an image)."""

from __future__ import annotations

from pathlib import Path

import click

from partita.cli._errors import SEED, FiniteRange, check_out_folder, one_line
from partita.cli.generate import _CONCEPT_OPTIONS, _options


@click.command("score-video")
@click.argument("video", type=click.Path(dir_okay=False))
@click.argument("prompt", required=False, default="")
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="out/score-video",
    show_default=True,
    help="Folder for music.mid, music.wav, the video with the music, pianoroll.png, plan.json, picture.json.",
)
@click.option(
    "--model", default="partita-small", show_default=True, help="A model folder or name; 'debug': tiny."
)
@click.option(
    "--candidates",
    "--n",
    "n",
    type=click.IntRange(1, 8),
    default=2,
    show_default=True,
    help="Candidates for each section; the best by the Selector, its accents on the cuts and motion peaks "
    "and its mode.",
)
@click.option(
    "--mode-pull",
    type=FiniteRange(0, 4),
    default=None,
    help="A pull towards each section's key (tonic weight, e.g. 0.5; default 0: the mode is kept by choosing "
    "among the candidates).",
)
@click.option(
    "--event-pull",
    type=FiniteRange(0, 30),
    default=None,
    help="The sampler's pull towards onsets on the cuts and motion peaks (a logit bonus; default 3; "
    "0: off, the rhythm is the model's own).",
)
@click.option(
    "--no-move-onsets",
    is_flag=True,
    help="Do not move a note onto each cut or motion peak still without one after sampling.",
)
@click.option("--seed", type=SEED, default=None, help="Seed for reproducible results.")
@click.option("--key", default=None, help="Key, e.g. 'D minor' (overrides the picture and the prompt).")
@click.option(
    "--tempo",
    type=FiniteRange(10, 400),
    default=None,
    help="Tempo in bpm (the sections stretch around it to fit).",
)
@click.option("--meter", default=None, help="Time signature, e.g. 3/4.")
@click.option("--instruments", default=None, help="Comma-separated GM names or programs (default: piano).")
@click.option(
    "--no-align", is_flag=True, help="One tempo for the whole piece: the cuts are not put on bar lines."
)
@click.option("--no-wav", is_flag=True, help="Write the MIDI only (no WAV, no video).")
@click.option("--explain", is_flag=True, help="Also print the request the whole video was read as.")
@_options(_CONCEPT_OPTIONS)
def score_video(
    video,
    prompt,
    out_dir,
    model,
    n,
    mode_pull,
    event_pull,
    no_move_onsets,
    seed,
    no_align,
    no_wav,
    explain,
    concept,
    concept_strength,
    **options,
) -> None:
    """Score VIDEO (MP4, AVI, MOV, MKV, WebM; at most 5 minutes): each shot a section of music whose mode,
    register and density follow the shot's colour and light, its loudness the motion; a cut falls on a bar
    line and motion peaks on bar lines or beats where a tempo near the shot's allows. PROMPT (e.g. "for
    strings") wins where it says something. With --concept every section is sampled with a learned concept
    in place. Only colour, light, edges and motion are read: what the video shows is not understood.
    """
    from partita.cli.progress import tqdm_progress
    from partita.generation.picture import EVENT_PULL, MODE_PULL
    from partita.pipelines import Generator
    from partita.pipelines.picture import score_video as run

    check_out_folder(out_dir, "a score-video folder", "picture.json")
    if concept is not None:  # refused, in one sentence, when learned on another model or tokenizer
        model = Generator.from_pretrained(model).with_concept(concept, concept_strength)
        click.echo(f"concept <{model.concept}> at strength {model.card['concept_strength']:g}")
    asked = {k: v for k, v in options.items() if v is not None}
    if "instruments" in asked:
        asked["instruments"] = [s.strip() for s in asked["instruments"].split(",") if s.strip()]
    with tqdm_progress("score-video", unit="%") as bar:
        result = run(
            video, out_dir, prompt, model=model, n=n, seed=seed, align=not no_align, wav=not no_wav,
            progress=bar, mode_pull=MODE_PULL if mode_pull is None else mode_pull,
            event_pull=EVENT_PULL if event_pull is None else event_pull, move_onsets=not no_move_onsets,
            **asked,
        )  # fmt: skip
    click.echo("read from the video:")
    click.echo(result.video.describe())
    if explain:
        click.echo(result.plan.request.explain())
    click.echo(result.plan.explain())
    for line in result.describe_choices():
        click.echo(line)
    for name, m in result.alignment.items():
        click.echo(
            f"alignment ({name.replace('_', ' ')}): F {m['f_measure']:.2f} (precision {m['precision']:.2f}, "
            f"recall {m['recall']:.2f}, window {m['window']:g} s)"
        )
    for kind, path in result.files.items():
        click.echo(f"wrote {kind}: {path}")
    if not result.files:
        click.echo(f"nothing written to {Path(out_dir)}")


@click.command("match-video")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option(
    "--index", "index_path", type=click.Path(file_okay=False), default=None, help="The index folder."
)
@click.option("-k", "k", type=click.IntRange(1, 1000), default=10, show_default=True, help="Pieces to list.")
@click.option("--where", default=None, help="A filter on the labels first, e.g. \"genre = 'pop'\".")
@click.option("--image", is_flag=True, help="PATH is a still picture (JPEG, PNG, WebP, ...), not a video.")
@click.option("--json", "as_json", is_flag=True, help="JSON (what was asked and the pieces) instead of text.")
def match_video(path, index_path, k, where, image, as_json) -> None:
    """The pieces of the library (a discovery index: partita index build) that best fit the video at PATH:
    each shot's tempo, mode, density, register and loudness as score-video would ask them, and the video's
    length, against what each piece measures; each piece is listed with what fits and what does not.
    Only colour, light, edges and motion are read: what the video shows is not understood.
    """
    import json

    from partita.discovery.for_picture import image_target, match_picture, video_target
    from partita.discovery.index import DiscoveryIndex

    with one_line():
        if image:
            from partita.picture import read_image_features

            target = image_target(read_image_features(path), Path(path).name)
        else:
            from partita.picture import read_video_features

            target = video_target(read_video_features(path), Path(path).name)
        matches = match_picture(DiscoveryIndex(index_path), target, k, where)
    if as_json:
        doc = {"asked": target.to_dict(), "pieces": [m.to_dict() for m in matches]}
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    click.echo(target.describe())
    for rank, m in enumerate(matches, 1):
        click.echo(f"{rank:2d}. {m.score:.3f}  {m.piece_id}  {m.title()}")
        for reason in m.why():
            click.echo(f"      {reason}")


commands = [score_video, match_video]
