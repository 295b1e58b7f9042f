"""``partita song``: a vocal melody for lyrics (``song melody``), a lyric template for a melody
(``song template``). See docs/SONGS.md."""

from __future__ import annotations

import glob
from pathlib import Path

import click

from partita.cli._errors import (
    OVERWRITE_HELP,
    SEED,
    FiniteRange,
    check_out_files,
    check_text_file,
    one_line,
    read_checked,
)

PINYIN_HELP = "Engrave the pinyin (surface tones) under Chinese lyrics as a second line."


@click.group("song")
def song() -> None:
    """Songs from lyrics: a singable melody for words, and the syllable template of a melody."""


@song.command("melody")
@click.argument("lyrics", type=click.Path(exists=True, dir_okay=False))
@click.argument("prompt", required=False, default="")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False), default="out", show_default=True)
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of the melody's contour.")
@click.option("--png/--no-png", default=True, show_default=True, help="Also engrave the first page to PNG.")
@click.option("--pinyin/--no-pinyin", default=True, show_default=True, help=PINYIN_HELP)
@click.option("--overwrite", is_flag=True, help=OVERWRITE_HELP)
def melody(lyrics, prompt, out_dir, seed, png, pinyin, overwrite) -> None:
    """A vocal melody for the words in LYRICS (a text file; [verse] [chorus] tags optional), in the key,
    meter and tempo of PROMPT (e.g. "a hymn in G major at 80 bpm"): NAME.musicxml with the words under the
    notes, NAME.mid with lyric events, NAME.svg (and .png) engraved with verovio."""
    from partita.atomic import atomic_write_text
    from partita.generation.song import song_from_prompt
    from partita.generation.song_page import song_musicxml, write_song_midi
    from partita.lyrics import read_lyrics
    from partita.render.engrave import to_svg_pages, write_png_pages, write_svg_pages

    check_text_file(lyrics, "lyrics")
    _not_over_lyrics(lyrics, out_dir)
    check_out_files(out_dir, _written(lyrics), overwrite)
    words = read_lyrics(Path(lyrics))
    for note in words.notes:
        click.echo(f"note: {note}")
    sung = song_from_prompt(words, prompt, seed=seed)
    out = Path(out_dir)
    stem = Path(lyrics).stem
    xml = song_musicxml(sung, title=stem, pinyin=pinyin)
    with one_line(OSError):
        atomic_write_text(out / f"{stem}.musicxml", xml)
        write_song_midi(sung, out / f"{stem}.mid")
        svgs = to_svg_pages(musicxml=xml, title=stem)
        written = write_svg_pages(svgs, out / f"{stem}.svg")
        if png:
            written += write_png_pages(svgs[:1], out / f"{stem}.png")
    click.echo(
        f"{len(words.syllables)} syllables, {len(sung.notes)} notes, {len(words.sections)} sections, "
        f"{sung.tonic} {sung.mode}, {sung.meter}, {sung.tempo:g} bpm, {sung.seconds:.0f} s"
    )
    for p in [out / f"{stem}.musicxml", out / f"{stem}.mid", *written]:
        click.echo(str(p))


@song.command("full")
@click.argument("lyrics", type=click.Path(exists=True, dir_okay=False))
@click.argument("prompt", required=False, default="")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False), default="out", show_default=True)
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("-n", type=click.IntRange(1, 8), default=2, show_default=True, help="Candidates a section.")
@click.option("--model", default="partita-small", show_default=True, help="Model name or folder ('debug').")
@click.option("--pinyin/--no-pinyin", default=True, show_default=True, help=PINYIN_HELP)
@click.option(
    "--concept",
    type=click.Path(),
    default=None,
    help="A concept learned by `partita concept learn` (its folder): the parts are sampled in its style.",
)
@click.option(
    "--concept-strength",
    type=FiniteRange(0, 2),
    default=None,
    help="With --concept: 0 is the base model, 1 the concept as learned (default: the concept's own).",
)
@click.option("--overwrite", is_flag=True, help=OVERWRITE_HELP)
def full(lyrics, prompt, out_dir, seed, n, model, pinyin, concept, concept_strength, overwrite) -> None:
    """A song: the vocal melody for LYRICS and, under it, the parts PROMPT asks for (e.g. "a pop song with
    piano and bass"; piano when it names none), sampled by partita's model section by section over the
    melody's chords (`partita accompany`), a repeated chorus with the same parts. Writes NAME.mid (lyric
    events on the vocal track), NAME.musicxml and NAME.svg/.png. With --concept the parts are sampled with a
    learned concept in place (the vocal line is written by rules either way)."""
    from partita.atomic import atomic_path, atomic_write_text
    from partita.generation.song import song_from_prompt
    from partita.generation.song_page import song_musicxml
    from partita.generation.song_sections import assemble, first_statements, section_chords, section_score
    from partita.lyrics import read_lyrics
    from partita.pipelines import Generator
    from partita.render.engrave import to_svg_pages, write_png_pages, write_svg_pages

    check_text_file(lyrics, "lyrics")
    _not_over_lyrics(lyrics, out_dir)
    check_out_files(out_dir, _written(lyrics), overwrite)
    words = read_lyrics(Path(lyrics))
    for note in words.notes:
        click.echo(f"note: {note}")
    sung = song_from_prompt(words, prompt, seed=seed)
    generator = Generator.from_pretrained(model)
    if concept is not None:  # refused, in one sentence, when learned on another model or tokenizer
        try:
            generator = generator.with_concept(concept, concept_strength)
        except (ValueError, FileNotFoundError) as e:
            raise click.ClickException(str(e)) from None
        click.echo(f"concept <{generator.concept}> at strength {generator.model.card['concept_strength']:g}")
    parts = {}
    for i in sorted(set(first_statements(sung))):
        melody = section_score(sung, i)
        _, candidates = generator.accompany(
            melody, prompt, n=n, seed=seed + i, chords=section_chords(sung, i), wav=False
        )
        parts[i] = candidates[0].score
        click.echo(f"{words.sections[i].label}: {candidates[0].remarks[-1]}")
    whole = assemble(sung, parts)
    out, stem = Path(out_dir), Path(lyrics).stem
    xml = song_musicxml(sung, title=stem, score=whole, pinyin=pinyin)
    with one_line(OSError):
        with atomic_path(out / f"{stem}.mid") as tmp:
            whole.dump_midi(str(tmp))
        atomic_write_text(out / f"{stem}.musicxml", xml)
        svgs = to_svg_pages(musicxml=xml, title=stem)
        written = write_svg_pages(svgs, out / f"{stem}.svg")
        written += write_png_pages(svgs[:1], out / f"{stem}.png")
    click.echo(f"{len(whole.tracks)} tracks, {len(words.sections)} sections, {sung.seconds:.0f} s")
    for p in [out / f"{stem}.mid", out / f"{stem}.musicxml", *written]:
        click.echo(str(p))


def _written(lyrics: str) -> list[str]:
    """The files a song of LYRICS writes: NAME.mid, NAME.musicxml, NAME.svg and .png (or NAME-1.svg, ...)."""
    name = glob.escape(Path(lyrics).stem)
    return [f"{name}{s}" for s in (".mid", ".musicxml", ".svg", ".png", "-[0-9]*.svg", "-[0-9]*.png")]


def _not_over_lyrics(lyrics: str, out_dir: str) -> None:
    """Refuse a song that would be written over its own LYRICS (a text file named NAME.mid, .svg, ...)."""
    src = Path(lyrics).resolve()
    if src.parent == Path(out_dir).resolve() and src.suffix.lower() in (".mid", ".musicxml", ".svg", ".png"):
        raise click.ClickException(f"{lyrics}: the song would be written over its lyrics; give another --out")


@song.command("template")
@click.argument("melody_file", metavar="MELODY", type=click.Path(exists=True, dir_okay=False))
def template(melody_file) -> None:
    """The lyric template of MELODY (MIDI or MusicXML): syllables per phrase and where the stresses fall,
    one phrase a line, e.g. `bar 1 (7): DUM da DUM da DUM da DUM`."""
    from partita.generation.song import lyric_template

    phrases = lyric_template(read_checked(melody_file))
    if not phrases:
        raise click.ClickException("the file has no pitched notes")
    for p in phrases:
        click.echo(f"bar {p.bar} ({p.syllables}): {p}")


commands = [song]
