"""``partita score-video``: music for a video, as long as the video, with its cuts on bar lines, muxed in."""

from __future__ import annotations

from pathlib import Path

import click


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
    "--n", "n", type=click.IntRange(1, 8), default=2, show_default=True, help="Candidates for each section."
)
@click.option("--seed", type=int, default=None, help="Seed for reproducible results.")
@click.option("--key", default=None, help="Key, e.g. 'D minor' (overrides the picture and the prompt).")
@click.option(
    "--tempo", type=float, default=None, help="Tempo in bpm (the sections stretch around it to fit)."
)
@click.option("--meter", default=None, help="Time signature, e.g. 3/4.")
@click.option("--instruments", default=None, help="Comma-separated GM names or programs (default: piano).")
@click.option(
    "--no-align", is_flag=True, help="One tempo for the whole piece: the cuts are not put on bar lines."
)
@click.option("--no-wav", is_flag=True, help="Write the MIDI only (no WAV, no video).")
@click.option("--explain", is_flag=True, help="Also print the request the whole video was read as.")
def score_video(video, prompt, out_dir, model, n, seed, no_align, no_wav, explain, **options) -> None:
    """Score VIDEO (MP4, AVI, MOV, MKV, WebM; at most 5 minutes): each shot a section of music whose mode,
    register and density follow the shot's colour and light, its loudness the motion; a cut falls on a bar
    line and motion peaks on beats where a tempo near the shot's allows. PROMPT (e.g. "for strings") wins
    where it says something. Only colour, light, edges and motion are read: what the video shows is not
    understood.
    """
    from partita.cli.progress import tqdm_progress
    from partita.pipelines.picture import score_video as run

    asked = {k: v for k, v in options.items() if v is not None}
    if "instruments" in asked:
        asked["instruments"] = [s.strip() for s in asked["instruments"].split(",") if s.strip()]
    with tqdm_progress("score-video", unit="%") as bar:
        result = run(
            video, out_dir, prompt, model=model, n=n, seed=seed, align=not no_align, wav=not no_wav,
            progress=bar, **asked,
        )  # fmt: skip
    click.echo("read from the video:")
    click.echo(result.video.describe())
    if explain:
        click.echo(result.plan.request.explain())
    click.echo(result.plan.explain())
    for name, m in result.alignment.items():
        click.echo(
            f"alignment ({name.replace('_', ' ')}): F {m['f_measure']:.2f} (precision {m['precision']:.2f}, "
            f"recall {m['recall']:.2f}, window {m['window']:g} s)"
        )
    for kind, path in result.files.items():
        click.echo(f"wrote {kind}: {path}")
    if not result.files:
        click.echo(f"nothing written to {Path(out_dir)}")


commands = [score_video]
