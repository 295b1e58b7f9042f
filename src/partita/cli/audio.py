"""``partita transcribe``: an audio recording to MIDI (or MusicXML) with basic-pitch's ONNX model."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("transcribe")
@click.argument("audio", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The score to write, .mid or .musicxml (default: AUDIO's name with .mid, in the current folder).",
)
@click.option(
    "--melody",
    is_flag=True,
    help="A hummed or sung melody: keep one line, quantise it to its tempo and snap off-key wobble to the "
    "key (a hummed theme).",
)
@click.option("--no-snap", is_flag=True, help="With --melody: keep the pitches as sung (no key snapping).")
@click.option(
    "--onset-threshold",
    type=click.FloatRange(0.05, 0.95),
    default=0.5,
    show_default=True,
    help="Higher: fewer notes start.",
)
@click.option(
    "--frame-threshold",
    type=click.FloatRange(0.05, 0.95),
    default=0.3,
    show_default=True,
    help="Higher: notes end sooner, fewer quiet notes.",
)
@click.option(
    "--min-note-ms", type=click.FloatRange(10, 2000), default=58.0, show_default=True, help="Shortest note."
)
@click.option(
    "--tempo",
    type=click.FloatRange(20, 300),
    default=None,
    help="The tempo to write, in beats a minute (default: estimated from the notes; with --melody the "
    "tempo always comes from the melody's rhythm).",
)
@click.option("--program", type=click.IntRange(0, 127), default=0, show_default=True, help="GM program.")
@click.option("--threads", type=click.IntRange(1, 64), default=None, help="CPU threads for the model.")
def transcribe(
    audio: Path,
    out: Path | None,
    melody: bool,
    no_snap: bool,
    onset_threshold: float,
    frame_threshold: float,
    min_note_ms: float,
    tempo: float | None,
    program: int,
    threads: int | None,
) -> None:
    """Transcribe AUDIO (WAV, MP3, FLAC, Ogg, AIFF, M4A; up to 20 minutes) into notes.

    Polyphonic by default (any instrument or voice, one track); with --melody one clean line for a theme.
    The tempo is estimated and written so that bars mean something; 4/4 is assumed.
    """
    from partita.audio import TranscriptionConfig, transcribe_audio
    from partita.cli.progress import tqdm_progress
    from partita.score import ScoreError, write_score

    target = out if out is not None else Path(audio.stem + ".mid")
    if target.suffix.lower() not in (".mid", ".midi", ".musicxml", ".xml", ".mxl"):
        raise ScoreError("the output must be .mid or .musicxml", "unsupported-format", str(target))
    config = TranscriptionConfig(
        onset_threshold=onset_threshold,
        frame_threshold=frame_threshold,
        min_note_ms=min_note_ms,
        tempo=tempo,
        program=program,
        threads=threads,
    )
    with tqdm_progress("transcribing", unit="window") as bar:
        if melody:
            score, messages, summary = _melody(audio, config, not no_snap, bar)
        else:
            result = transcribe_audio(audio, config, progress=bar)
            score, messages = result.score, result.messages
            summary = f"{len(result.notes)} notes, {result.tempo:.0f} bpm" + (
                " (estimated)" if result.tempo_estimated else ""
            )
    for message in messages:
        click.echo(f"note: {message}", err=True)
    try:
        write_score(score, target, title=audio.stem)
    except OSError as e:
        reason = (e.strerror or str(e)).lower()
        raise ScoreError(f"cannot write here ({reason})", "write-error", str(target)) from None
    click.echo(f"{target}: {summary}")


def _melody(audio: Path, config, snap: bool, bar) -> tuple[object, list[str], str]:
    """The hummed-theme path: a clean quantised line, snapped to its key unless told not to."""
    from partita.audio import MelodyConfig, read_hummed_melody
    from partita.generation.hummed import snap_to_key

    hummed = read_hummed_melody(audio, MelodyConfig(program=config.program), config, progress=bar)
    score = hummed.score
    tempo = score.tempos[0].qpm if len(score.tempos) else 120.0
    summary = f"a melody of {len(hummed.line)} notes at {tempo:.0f} bpm"
    if snap:
        score, info = snap_to_key(score)
        if info.key:
            done = f"{info.snapped} notes snapped" if info.applied else "pitches kept as sung"
            summary += f", {info.key} ({done})"
    return score, hummed.messages, summary


commands = [transcribe]
