"""``partita transcribe``: an audio recording to MIDI (or MusicXML) with basic-pitch's ONNX model;
``partita identify``: which of a set of scores a recording plays, and where (``partita identify-index``: the
scores' windows encoded once, for a fast search);
``partita instruments``: which instrument families a recording holds."""

from __future__ import annotations

import glob
from pathlib import Path

import click

from partita.cli._errors import FiniteRange, check_out_files, one_line
from partita.cli.generate import PICKUP


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
    type=FiniteRange(0.05, 0.95),
    default=0.5,
    show_default=True,
    help="Higher: fewer notes start.",
)
@click.option(
    "--frame-threshold",
    type=FiniteRange(0.05, 0.95),
    default=0.3,
    show_default=True,
    help="Higher: notes end sooner, fewer quiet notes.",
)
@click.option(
    "--min-note-ms", type=FiniteRange(10, 2000), default=58.0, show_default=True, help="Shortest note."
)
@click.option(
    "--tempo",
    type=FiniteRange(20, 300),
    default=None,
    help="The tempo to write, in beats a minute (default: estimated from the notes; with --melody the "
    "tempo always comes from the melody's rhythm).",
)
@click.option("--program", type=click.IntRange(0, 127), default=0, show_default=True, help="GM program.")
@click.option("--threads", type=click.IntRange(1, 64), default=None, help="CPU threads for the model.")
@click.option(
    "--meter",
    type=click.Choice(["auto", "4/4", "3/4", "2/4", "6/8"]),
    default="auto",
    show_default=True,
    help="The time signature to write. auto: with --melody, 3/4 when the accents and the rhythm repeat every "
    "third beat, else 4/4 (without --melody: 4/4).",
)
@click.option(
    "--pickup",
    type=PICKUP,
    default="auto",
    show_default=True,
    help="With --melody: the upbeat before the first bar line, auto (read from the notes, padded when "
    "sure), 0 (the first note starts bar 1) or a number of beats.",
)
@click.option(
    "--instrument",
    type=click.Choice(["hum", "voice", "piano", "flute", "auto"]),
    default="hum",
    show_default=True,
    help="With --melody: what is heard. voice splits legato repeated notes where the note activation dips; "
    "piano keeps struck repeats apart; flute splits them where its partials jump in phase; hum joins them "
    "(MelodyConfig.for_instrument). auto: the instrument recogniser chooses (one line says what it heard).",
)
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
    meter: str,
    pickup: str | float,
    instrument: str,
) -> None:
    """Transcribe AUDIO (WAV, MP3, FLAC, Ogg, AIFF, M4A; up to 20 minutes) into notes.

    Polyphonic by default (any instrument or voice, one track); with --melody one clean line for a theme.
    The tempo is estimated and written so that bars mean something. With --melody the meter (3/4 or 4/4)
    and an upbeat are read from the quantised notes (one line says what was read; --meter and --pickup
    set them); without it 4/4 is written (or --meter) from the start of the audio.
    """
    from partita.audio import TranscriptionConfig, transcribe_audio
    from partita.cli.progress import tqdm_progress
    from partita.generation.upbeat import place_bars
    from partita.score import ScoreError, write_score

    target = out if out is not None else Path(audio.stem + ".mid")
    if target.suffix.lower() not in (".mid", ".midi", ".musicxml", ".xml", ".mxl"):
        raise ScoreError("the output must be .mid or .musicxml", "unsupported-format", str(target))
    if out is None:  # a name partita chose: never over a file of that name it did not write
        check_out_files(".", [glob.escape(target.name)], advice="name the score to write with -o/--out")
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
            score, messages, summary = _melody(audio, config, not no_snap, bar, instrument)
            score, read = place_bars(score, None if meter == "auto" else meter, pickup)
            messages = [*messages, read] if read else messages
        else:
            result = transcribe_audio(audio, config, progress=bar)
            score, messages = result.score, result.messages
            summary = f"{len(result.notes)} notes, {result.tempo:.0f} bpm" + (
                " (estimated)" if result.tempo_estimated else ""
            )
            if meter != "auto":
                score, _ = place_bars(score, meter, 0)
    for message in messages:
        click.echo(f"note: {message}", err=True)
    try:
        write_score(score, target, title=audio.stem)
    except OSError as e:
        reason = (e.strerror or str(e)).lower()
        raise ScoreError(f"cannot write here ({reason})", "write-error", str(target)) from None
    click.echo(f"{target}: {summary}")


def _melody(audio: Path, config, snap: bool, bar, instrument: str = "hum") -> tuple[object, list[str], str]:
    """The hummed-theme path: a clean quantised line (read as ``instrument`` is heard), snapped to its key
    unless told not to."""
    from partita.audio import MelodyConfig, read_audio, read_hummed_melody
    from partita.generation.hummed import snap_to_key

    source: object = audio
    heard = None
    if instrument == "auto":
        source = read_audio(audio)
        instrument, heard = _instrument_heard(source)
    hummed = read_hummed_melody(
        source, MelodyConfig(program=config.program), config, progress=bar, instrument=instrument
    )
    if heard:
        hummed.messages.insert(0, heard)
    score = hummed.score
    tempo = score.tempos[0].qpm if len(score.tempos) else 120.0
    summary = f"a melody of {len(hummed.line)} notes at {tempo:.0f} bpm"
    if snap:
        score, info = snap_to_key(score)
        if info.key:
            done = f"{info.snapped} notes snapped" if info.applied else "pitches kept as sung"
            summary += f", {info.key} ({done})"
    return score, hummed.messages, summary


@click.command("identify")
@click.argument("audio", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--scores",
    "scores",
    required=True,
    help="The candidates: a folder of score files (MIDI, MusicXML, ABC, Humdrum; searched recursively), one "
    "score file, a built corpus NAME[:SPLIT], or a score index folder (partita identify-index: fast).",
)
@click.option(
    "-k", "--top", type=click.IntRange(1, 1000), default=5, show_default=True, help="Pieces listed."
)
@click.option(
    "--method",
    type=click.Choice(["auto", "combined", "learned", "dtw"]),
    default="auto",
    show_default=True,
    help="combined: the learned matcher's shortlist re-ranked with chroma + DTW; learned; dtw: chroma + "
    "subsequence DTW alone (no model). auto: combined with a matcher, else dtw.",
)
@click.option(
    "--model",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A matcher folder (default: the shipped audio-score-small).",
)
@click.option(
    "--max-scores", type=click.IntRange(1, 100000), default=500, show_default=True, help="Candidates read."
)
@click.option(
    "--max-seconds",
    type=FiniteRange(5, 7200),
    default=300.0,
    show_default=True,
    help="Each score is searched in its first this many seconds.",
)
@click.option(
    "--shortlist",
    type=click.IntRange(0, 100000),
    default=None,
    help="With a score index: the pieces of the index's first pass searched again in full on the whole "
    "snippet (0: the first pass alone) [default: 10].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the matches as JSON.")
@click.option("--threads", type=click.IntRange(1, 64), default=None, help="CPU threads for the model.")
def identify(
    audio: Path,
    scores: str,
    top: int,
    method: str,
    model: Path | None,
    max_scores: int,
    max_seconds: float,
    shortlist: int | None,
    as_json: bool,
    threads: int | None,
) -> None:
    """Which piece AUDIO plays (a snippet of 3 s or more; its first minute is used), and where in it.

    Lists the -k best candidates of --scores with the bar where the snippet starts and a similarity
    (higher is closer). Works for any instrument and tempo; the audio is matched against the notes.
    """
    import json

    from partita.audio import read_audio
    from partita.cli.progress import tqdm_progress
    from partita.discovery.audio_score import (
        DEFAULT_MODEL,
        SAMPLE_RATE,
        AudioScoreModel,
        candidates_of,
        identify,
    )
    from partita.evaluation.report import read_scores

    if threads:
        import torch

        torch.set_num_threads(threads)
    from partita.discovery.score_index import (
        DEFAULT_SHORTLIST,
        identify_indexed,
        is_score_index,
        load_score_index,
    )

    matcher, method = _matcher(method, model, DEFAULT_MODEL, AudioScoreModel)
    clip = read_audio(audio, sample_rate=SAMPLE_RATE)
    if is_score_index(scores):  # a refusal is a ValueError: one line, exit code 2
        index = load_score_index(scores, matcher)
        if index.meta.get("pending"):
            click.echo(
                f"note: this index's build was interrupted with {index.meta['pending']} scores still to "
                "index (partita identify-index ... --add finishes it)",
                err=True,
            )
        with tqdm_progress("matching", unit="score") as bar:
            matches = identify_indexed(
                clip.samples,
                clip.sample_rate,
                index,
                method,
                matcher,
                top,
                DEFAULT_SHORTLIST if shortlist is None else shortlist,
                str(audio),
                bar,
            )
        count, how = len(index), f"{method}, score index"
    else:
        if shortlist is not None:
            click.echo("note: --shortlist applies to a score index only (partita identify-index)", err=True)
        named, skipped = read_scores(scores, limit=max_scores)
        for reason in skipped:
            click.echo(f"note: skipped {reason}", err=True)
        with tqdm_progress("reading scores", unit="score") as bar:
            cands = candidates_of(named, max_seconds, progress=bar)
        if not cands:
            raise click.ClickException(
                f"{scores}: none of its {len(named)} scores has a pitched note to match"
            )
        with tqdm_progress("matching", unit="score") as bar:
            matches = identify(clip.samples, clip.sample_rate, cands, method, matcher, top, str(audio), bar)
        count, how = len(cands), method
    if as_json:
        click.echo(json.dumps([vars(m) for m in matches], indent=1))
        return
    click.echo(f"{audio.name}: {clip.seconds:.1f} s against {count} scores ({how})")
    for i, m in enumerate(matches, 1):
        where = f"bar {m.bar} ({_clock(m.start_s)}-{_clock(m.end_s)} of the score)"
        click.echo(f"{i:>3}. {m.name}  {where}  similarity {m.similarity:.3f}")


@click.command("identify-index")
@click.argument("scores")
@click.option(
    "-o",
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The index folder.",
)
@click.option(
    "--model",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The matcher the index is for (default: the shipped audio-score-small); identify must use the same.",
)
@click.option(
    "--max-scores", type=click.IntRange(1, 1000000), default=100000, show_default=True, help="Scores read."
)
@click.option(
    "--max-seconds",
    type=FiniteRange(5, 7200),
    default=300.0,
    show_default=True,
    help="Each score is indexed in its first this many seconds.",
)
@click.option(
    "--add",
    is_flag=True,
    help="Add SCORES to the index in OUT (the scores already in it are skipped); also finishes an "
    "interrupted build.",
)
@click.option(
    "--save-every",
    type=click.IntRange(1, 100000),
    default=50,
    show_default=True,
    help="Scores indexed between two saves of the index (an interrupted build keeps what was saved).",
)
@click.option("--threads", type=click.IntRange(1, 64), default=None, help="CPU threads for the model.")
def identify_index(
    scores: str,
    out: Path,
    model: Path | None,
    max_scores: int,
    max_seconds: float,
    add: bool,
    save_every: int,
    threads: int | None,
) -> None:
    """Encode the windows of SCORES once, into the folder -o, for a fast `partita identify --scores OUT`.

    SCORES: a folder of score files (searched recursively), one score file or a built corpus NAME[:SPLIT].
    Each save writes the index whole or not at all; an index already in OUT is replaced by the new one at
    its first save (with --add it grows instead). Interrupted (Ctrl-C, a crash), OUT keeps the scores saved
    so far and says how many are still to come: the same command with --add indexes the rest.
    """
    from partita.cli._errors import check_out_folder
    from partita.cli.progress import tqdm_progress
    from partita.discovery.audio_score import DEFAULT_MODEL, AudioScoreModel
    from partita.discovery.score_index import (
        INDEX_CONFIG,
        INDEX_TENSORS,
        IndexInterrupted,
        index_scores,
        load_score_index,
    )
    from partita.evaluation.report import read_scores

    if threads:
        import torch

        torch.set_num_threads(threads)
    check_out_folder(out, "a score index", INDEX_CONFIG, INDEX_TENSORS)
    matcher, _ = _matcher("learned", model, DEFAULT_MODEL, AudioScoreModel)
    index = None
    if add:
        if not (out / INDEX_CONFIG).exists():
            raise click.UsageError(f"--add: there is no score index in {out} to add to (leave out --add)")
        index = load_score_index(out, matcher)  # a refusal is a ValueError: one line, exit code 2
        if index.meta.get("max_seconds") != max_seconds:
            raise click.UsageError(
                f"--add: the index in {out} holds each score's first {index.meta.get('max_seconds')} s: give "
                "the same --max-seconds"
            )
    named, skipped = read_scores(scores, limit=max_scores)
    for reason in skipped:
        click.echo(f"note: skipped {reason}", err=True)
    if index is not None:
        have = set(index.names)
        new = [(name, s) for name, s in named if name not in have]
        if len(new) < len(named):
            click.echo(f"note: {len(named) - len(new)} of the scores are in the index already", err=True)
        named = new
    try:
        with one_line(OSError), tqdm_progress("indexing", unit="score") as bar:
            index = index_scores(named, matcher, out, max_seconds, save_every, index, bar)
    except IndexInterrupted as e:
        saved = "nothing was saved" if not e.held else f"{out} holds {e.held} scores"
        raise click.ClickException(
            f"interrupted after {e.done} of {e.total} scores: {saved}; run the same command with --add to "
            "index the rest"
        ) from None
    click.echo(
        f"indexed {len(index)} scores ({index.windows} windows, matcher {index.meta['matcher']['name']}) "
        f"-> {out}"
    )


def _matcher(method: str, folder: Path | None, default: Path, model_class) -> tuple[object, str]:
    """The matcher a method needs (None for dtw) and the method itself (auto resolved)."""
    where = folder or default
    if method == "dtw" or (method == "auto" and folder is None and not default.is_dir()):
        if method == "auto":
            click.echo("note: no trained matcher is installed: chroma + DTW alone", err=True)
        return None, "dtw"
    try:
        matcher = model_class.from_pretrained(where)
    except FileNotFoundError as e:
        raise click.ClickException(str(e)) from None
    return matcher, "combined" if method == "auto" else method


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def _instrument_heard(clip) -> tuple[str, str]:
    """(the instrument heard, a line saying so) for ``--instrument auto``: the shipped recogniser's family
    probabilities mapped by :func:`partita.audio.melody.instrument_from_families`; a hum where it hears
    nothing (under 1 s, silence)."""
    from partita.audio.melody import instrument_from_families
    from partita.discovery.instruments_audio import instruments_in
    from partita.score import ScoreError

    try:
        found = dict(instruments_in(clip.samples, clip.sample_rate, name=clip.name))
    except ScoreError as e:
        return "hum", f"read as a hum: {e}"
    instrument = instrument_from_families(found)
    top = ", ".join(f"{f} {p:.2f}" for f, p in sorted(found.items(), key=lambda t: -t[1])[:3])
    return instrument, f"heard as {instrument} (the recogniser: {top}; --instrument sets it)"


@click.command("instruments")
@click.argument("audio", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--model",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A recogniser folder (default: the shipped instruments-small).",
)
@click.option("--all", "show_all", is_flag=True, help="List every family, not only those heard.")
@click.option("--json", "as_json", is_flag=True, help="Print [family, probability] pairs as JSON.")
def instruments(audio: Path, model: Path | None, show_all: bool, as_json: bool) -> None:
    """Which instrument families AUDIO holds (1 s or more; its first two minutes), with probabilities.

    Ten families: piano, mallets, organ, guitar, bass, strings, voice, brass, reed, pipe. Those over the
    recogniser's threshold are listed as heard.
    """
    import json

    from partita.audio import read_audio
    from partita.discovery.instruments_audio import (
        DEFAULT_MODEL,
        SAMPLE_RATE,
        InstrumentModel,
        instruments_in,
    )

    try:
        recogniser = InstrumentModel.from_pretrained(model or DEFAULT_MODEL)
    except FileNotFoundError as e:
        raise click.ClickException(str(e)) from None
    clip = read_audio(audio, sample_rate=SAMPLE_RATE)
    found = instruments_in(clip.samples, clip.sample_rate, recogniser, str(audio))
    threshold = recogniser.config.threshold
    if as_json:
        click.echo(json.dumps([[f, round(p, 4)] for f, p in found]))
        return
    heard = [(f, p) for f, p in found if p >= threshold]
    click.echo(f"{audio.name}: {clip.seconds:.1f} s, {len(heard)} families heard (threshold {threshold:.2f})")
    for f, p in found if show_all else heard:
        click.echo(f"  {f:<8} {p:.3f}" + ("" if p >= threshold else "  (not heard)"))


commands = [transcribe, identify, identify_index, instruments]
