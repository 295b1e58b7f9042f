"""``partita accompany``: a melody kept as written, with the parts a prompt asks for added under it."""

from __future__ import annotations

import click

from partita.cli._errors import check_out_files
from partita.cli.generate import (
    _CONCEPT_OPTIONS,
    _OUTPUT_OPTIONS,
    _REQUEST_OPTIONS,
    _SETTING_OPTIONS,
    PICKUP,
    PICKUP_HELP,
    _options,
    _request_options,
    _settings,
    _written,
    run_prepared,
)


@click.command("accompany")
@click.argument("melody", type=click.Path(dir_okay=False))  # a score file, or audio (transcribed)
@click.argument("prompt", required=False, default="")
@_options(_OUTPUT_OPTIONS, _REQUEST_OPTIONS, _SETTING_OPTIONS, _CONCEPT_OPTIONS)
@click.option("--pickup", type=PICKUP, default="auto", show_default=True, help=PICKUP_HELP)
@click.option(
    "--figures/--sampled-parts",
    default=None,
    help="Parts from the opening figures of POP909 songs, re-voiced to the melody's chords (a melody in 4/4; "
    "the default for pop), or sampled by the model (the default for other styles).",
)
def accompany(
    melody,
    prompt,
    out_dir,
    n,
    seed,
    model,
    explain,
    selector,
    concept,
    concept_strength,
    pickup,
    figures,
    **options,
) -> None:
    """Add the parts PROMPT asks for under MELODY (MIDI, MusicXML, ABC, or a hummed or played recording,
    transcribed), which stays as written, e.g.
    `partita accompany tune.mid "for guitar and bass"` (piano when the prompt names no instrument).

    The melody's key, meter, tempo and length are kept unless an option says otherwise; its chords, one a
    bar, are chosen from the key's own chords to fit its notes (or given with --chords; a chorale's, one a
    beat, by a harmoniser learned from Bach's chorales), and the parts are sampled over them (for pop, the
    opening figure of a POP909 song re-voiced to them: --figures / --sampled-parts). Candidates
    are ranked by the Selector and by how rarely the parts clash with the melody's notes on the beats. A
    MIDI melody opening with an upbeat is read with its bar lines where its notes put them (one line says
    so; --pickup 0 keeps the file's bars). With --concept (a folder of `partita concept learn`), the parts
    are sampled with the learned concept in place, e.g.
    `partita accompany tune.mid "in <my-style>" --concept my-style/`.
    """
    from partita.pipelines import Generator

    out_dir = out_dir or "out/accompany"
    overwrite = options.pop("overwrite")
    check_out_files(out_dir, _written(n), overwrite)
    settings = {k: v for k, v in _settings(options).items() if v is not None}
    if figures is not None:
        settings["figures"] = figures
    asked = _request_options(options)
    asked.pop("bars", None)
    prepared = Generator.accompaniment_of(melody, prompt, pickup=pickup, **asked)  # read first: fails fast
    run_prepared(
        "accompany",
        prepared,
        prepared[0],
        explain,
        model,
        out_dir,
        n,
        seed,
        selector,
        settings,
        label="accompany",
        concept=(concept, concept_strength) if concept else None,
        overwrite=overwrite,
    )


commands = [accompany]
