"""``partita generate``: music from a prompt, with what was understood and how well each candidate follows
it."""

from __future__ import annotations

import click


@click.command()
@click.argument("prompt")
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default="out/generate",
    show_default=True,
    help="Folder for the candidates' MIDI, MusicXML, WAV, piano rolls and generation.json.",
)
@click.option(
    "--n", "n", type=click.IntRange(1, 16), default=4, show_default=True, help="Candidates to generate."
)
@click.option("--seed", type=int, default=None, help="Seed for reproducible results.")
@click.option(
    "--model",
    default="partita-small",
    show_default=True,
    help="A model folder or name; 'debug' is an untrained tiny model for trying the pipeline.",
)
@click.option(
    "--explain", is_flag=True, help="Print what the prompt was understood to ask for, then generate."
)
@click.option("--key", default=None, help="Key, e.g. 'D', 'F# minor' (overrides the prompt).")
@click.option("--tempo", type=float, default=None, help="Tempo in bpm (overrides the prompt).")
@click.option("--meter", default=None, help="Time signature, e.g. 3/4 (overrides the prompt).")
@click.option(
    "--instruments", default=None, help="Comma-separated GM names or programs, e.g. 'violin,guitar'."
)
@click.option(
    "--bars", type=click.IntRange(1, 128), default=None, help="Length in bars (overrides the prompt)."
)
@click.option(
    "--chords", default=None, help="Chord progression, one per bar, looping over the piece, e.g. 'Am F C G'."
)
@click.option("--density", type=click.FloatRange(0, 1), default=None, help="Note-density fader, 0 to 1.")
@click.option("--polyphony", type=click.FloatRange(0, 1), default=None, help="Polyphony fader, 0 to 1.")
@click.option("--rhythm", type=click.FloatRange(0, 1), default=None, help="Rhythmic-density fader, 0 to 1.")
@click.option("--in-key", is_flag=True, help="Only pitches of the requested key's scale.")
@click.option(
    "--chord-tones-only",
    is_flag=True,
    help=(
        "With chords: only tones of each bar's chord (by default notes between beats may also be "
        "tones of the key's scale)."
    ),
)
@click.option(
    "--tonic-weight",
    type=click.FloatRange(0, 4),
    default=None,
    help=(
        "With a key: how strongly notes are pulled to the tonic triad (default 0: it made melodies "
        "circle the tonic; 1 was the earlier default, for key adherence)."
    ),
)
@click.option(
    "--presence-weight",
    type=click.FloatRange(0, 6),
    default=None,
    help=(
        "With two or more instruments: how strongly one silent for two bars is pulled back in (0: not "
        "at all; default: partita's, chosen on development prompts)."
    ),
)
@click.option(
    "--repeat-weight",
    type=click.FloatRange(0, 6),
    default=None,
    help=(
        "How strongly a bar that has begun to repeat an earlier one (1, 2, 4 or 8 bars back) is pulled to go "
        "on repeating it (default 0; 1.5 made jigs and Chinese folk songs harder to tell from real ones, "
        "chorales easier: docs/GENERATION.md)."
    ),
)
@click.option(
    "--no-constraints", is_flag=True, help="Sample freely: no guaranteed meter, bars or instruments."
)
@click.option(
    "--literal-instruments",
    is_flag=True,
    help=(
        "Sample every instrument as itself, even one the model barely knows for such a piece (by "
        "default it is sampled as one the model knows and written back for the instrument asked for)."
    ),
)
@click.option(
    "--cadence",
    is_flag=True,
    help="With a key: open and close on the tonic triad (its whole first and last bars).",
)
@click.option(
    "--form",
    is_flag=True,
    help="A folk or dance tune states a phrase and returns to it (first quarter again after the half).",
)
@click.option(
    "--temperature",
    type=click.FloatRange(0.05, 3.0),
    default=None,
    help="Sampling temperature (default: the model's generation_config.json, 1.0 for partita-small).",
)
@click.option(
    "--selector",
    default="auto",
    show_default=True,
    metavar="auto|adherence|none|DIR",
    help=(
        "How candidates are ranked: auto (the model's learned Selector when it ships one, else adherence), "
        "adherence, none (sampling order), or a classifier folder written by `partita selector train`."
    ),
)
def generate(
    prompt,
    out_dir,
    n,
    seed,
    model,
    explain,
    key,
    tempo,
    meter,
    instruments,
    bars,
    chords,
    density,
    polyphony,
    rhythm,
    in_key,
    chord_tones_only,
    tonic_weight,
    presence_weight,
    repeat_weight,
    no_constraints,
    literal_instruments,
    cadence,
    form,
    temperature,
    selector,
) -> None:
    """Generate music that follows PROMPT, e.g. "a lively Irish jig in D major for fiddle and guitar, 32
    bars".

    Each candidate is measured with partita's own analysis (key, tempo, meter, instruments, chords) and the
    candidates are ranked by the Selector: how well they follow the request and, when the model ships a
    learned classifier, how much they sound like the requested style and like real music.
    """
    from partita.cli.progress import tqdm_progress
    from partita.pipelines import Generator

    options = dict(
        key=key,
        tempo=tempo,
        meter=meter,
        bars=bars,
        chords=chords,
        density=density,
        polyphony=polyphony,
        rhythm=rhythm,
    )
    if instruments:
        options["instruments"] = [s.strip() for s in instruments.split(",") if s.strip()]
    options = {k: v for k, v in options.items() if v is not None}
    # the request is built once; what was understood (and any bad option) is shown before the model loads and
    # samples, not after the wait
    request = Generator.request_of(prompt, **options)
    understood = len(request.notes)
    if explain or request.not_understood or request.notes:
        click.echo(request.explain())
    # a flag left unset leaves the model's own generation_config.json in charge (None: not overridden)
    settings = dict(
        constrain=False if no_constraints else None,
        in_key=in_key or None,
        chord_tones_only=chord_tones_only or None,
        tonic_weight=tonic_weight,
        presence_weight=presence_weight,
        repeat_weight=repeat_weight,
        temperature=temperature,
        stand_ins=False if literal_instruments else None,
        cadence=cadence or None,
        form=form or None,
    )
    generator = Generator.from_pretrained(model)
    with tqdm_progress("generate", unit="step") as bar:
        candidates = generator.generate(
            request,
            n=n,
            seed=seed,
            out_dir=out_dir,
            progress=bar,
            selector=None if selector == "none" else selector,
            **settings,
        )
    for note in request.notes[understood:]:  # what sampling did beyond the request (stand-ins)
        click.echo(f"note: {note}")
    for cand in candidates:
        detail = ", ".join(f"{k} {v:.2f}" for k, v in sorted(cand.adherence.items()))
        click.echo(
            f"#{cand.rank}  {ranking_scores(cand)}  ({detail or 'nothing measurable'})  "
            f"{cand.files.get('midi', '')}"
        )
    click.echo(f"wrote {out_dir}/generation.json")


commands = [generate]


def ranking_scores(cand) -> str:
    """What a candidate was ranked by: the Selector's combined, style and quality scores (when it has them)
    and its mean adherence, e.g. ``selector 0.91  style 0.80  quality 0.95  adherence 0.97``."""
    parts = [f"{k} {cand.scores[k]:.2f}" for k in ("style", "quality") if k in cand.scores]
    if "combined" in cand.scores:
        parts.insert(0, f"selector {cand.scores['combined']:.2f}")
    parts.append("adherence " + ("-" if cand.adherence_mean is None else f"{cand.adherence_mean:.2f}"))
    return "  ".join(parts)
