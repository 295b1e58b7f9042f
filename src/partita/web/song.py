"""The Song view: paste lyrics (English or Chinese), get a vocal line with the words under the notes.

:func:`song` is the work behind both the page and the ``/song`` endpoint, what ``partita song melody`` does:
the lyrics are read (:func:`partita.lyrics.read_lyrics`: sections, lines, syllables and their stress), sung by
rules in the key, mode, meter and tempo the optional words name
(:func:`partita.generation.song.song_from_prompt`: "in G major, slow"; C major, 4/4, 100 bpm when they name
none) and written as MusicXML with the words under the notes, MIDI with a lyric event at each syllable, the
engraved first page (verovio), a piano roll and, where FluidSynth is installed, a WAV. The vocal line samples
no model: that work is bounded by the server's analysis time and slots (:meth:`Studio.bounded`).

With *parts* (or a learned concept picked in the Concept menu, or named in the words as ``<name>``), the
model adds parts under the vocal line as ``partita song full`` does: each section's first statement is
accompanied over its chords (:meth:`partita.Generator.accompany`, one candidate), a repeated chorus gets the
same parts, sampled with the concept at the strength asked for (:meth:`Studio.generator`) and stopped with a
message after the server's request time.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from partita.web.compose import (
    FROM_PROMPT,
    MAX_PROMPT_CHARS,
    concept_control,
    concept_of,
    strength_control,
    strength_of,
    whole,
)
from partita.web.limits import UserError
from partita.web.studio import Studio, safe_name

log = logging.getLogger(__name__)

MAX_LYRICS_CHARS = 4000
"""The longest lyrics the view sings (about 5 minutes of song); longer ones are refused, not cut."""
SCRIPTS = ("LATIN", "CJK")
"""The scripts the view sings: English words (Latin letters) and Chinese characters (CJK ideographs)."""
SUMMARY_LINES = 40
"""The lines of the words-under-the-notes text kept in the summary."""


def check_script(text: str) -> None:
    """Refuse lyrics with letters of a script partita does not sing (one sentence naming it)."""
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        if not name.startswith(SCRIPTS):
            script = name.split(" ")[0].title() if name else "unknown"
            raise UserError(
                f"the lyrics have letters of the {script} script ({ch!r}); this server sings English and "
                "Chinese words only"
            )


def _first_words(text: str) -> str:
    """The default title: the first words of the first line that is not a section tag."""
    for line in text.splitlines():
        line = line.strip()
        if line and not (line.startswith("[") and line.endswith("]")):
            return " ".join(line.split()[:4])[:60].rstrip(",.;:!?，。；：！？")
    return "song"


def _read(lyrics: str):
    from partita.lyrics import read_lyrics
    from partita.score import ScoreError

    try:
        # the trailing line break keeps read_lyrics from taking a one-line text for a file on this server
        return read_lyrics(lyrics + "\n")
    except ScoreError as e:
        raise UserError(str(e)) from None


def lines_under_notes(sung, limit: int = SUMMARY_LINES) -> list[str]:
    """Each sung line as ``syllable(pitch) ...``, e.g. ``Twin(G4) kle(G4) ...`` (a melisma's note: ``~``)."""
    from partita.render.pianoroll import pitch_name

    out: list[str] = []
    where = None
    for note in sung.notes:
        if (note.section, note.line) != where:
            if len(out) >= limit:
                break
            where = (note.section, note.line)
            out.append("")
        text = note.syllable.text if note.syllable is not None else "~"
        out[-1] += ("" if not out[-1] else " ") + f"{text}({pitch_name(note.pitch)})"
    return out


def _engrave(xml: str, path: Path, title: str) -> Path | None:
    """The first page of the engraved score as PNG, or None when verovio or cairo cannot make it (Chinese
    words and pinyin are drawn in a font that has them: :func:`partita.render.engrave.fit_text_fonts`)."""
    from partita.render.engrave import to_svg_pages, write_png_pages

    try:
        pages = write_png_pages(to_svg_pages(musicxml=xml, title=title, max_pages=1), path)
    except Exception as e:  # an engraving failure costs the picture, not the song
        log.warning("engraving the song failed: %s", e)
        return None
    return pages[0] if pages else None


def _write(sung, out: Path, stem: str, title: str, with_parts=None) -> dict[str, Path]:
    """The song's files in ``out``: MusicXML, MIDI, engraved PNG, piano roll, WAV (where there is audio);
    ``with_parts``: the vocal line with the parts under it
    (:func:`~partita.generation.song_sections.assemble`)."""
    from partita.atomic import atomic_path, atomic_write_text
    from partita.generation.song_page import song_musicxml, write_song_midi
    from partita.render import audio_available, write_pianoroll, write_wav

    files: dict[str, Path] = {}
    xml = song_musicxml(sung, title=title, score=with_parts)
    files["musicxml"] = out / f"{stem}.musicxml"
    atomic_write_text(files["musicxml"], xml)
    files["midi"] = out / f"{stem}.mid"
    if with_parts is None:
        write_song_midi(sung, files["midi"])
    else:
        with atomic_path(files["midi"]) as tmp:
            with_parts.dump_midi(str(tmp))
    engraved = _engrave(xml, out / f"{stem}-score.png", title)
    if engraved is not None:
        files["score"] = engraved
    score = sung.score if with_parts is None else with_parts
    # matplotlib's default font has no Chinese characters: a title it cannot draw is left off the piano roll
    roll_title = title if title.isascii() else None
    files["pianoroll"] = write_pianoroll(score, out / f"{stem}-pianoroll.png", title=roll_title)
    if audio_available():
        try:
            files["wav"] = write_wav(score, out / f"{stem}.wav")
        except Exception as e:  # the sound costs the audio, not the song
            log.warning("synthesizing the song failed: %s", e)
    return files


def model_parts(studio: Studio, sung, prompt: str, seed: int, concept: str | None, strength: float | None):
    """The vocal line with parts the model samples under it, section by section (each section's first
    statement accompanied over its chords; a repeated chorus gets the same parts), with the concept
    ``concept`` at ``strength`` (None: the base model); stopped after ``studio.limits.request_seconds``."""
    from partita.generation.song_sections import assemble, first_statements, section_chords, section_score

    generator, deadline = studio.generator(concept, strength)
    parts = {}
    with deadline.limit(studio.limits.request_seconds):
        for i in sorted(set(first_statements(sung))):
            melody = section_score(sung, i)
            chords = section_chords(sung, i)
            _, candidates = generator.accompany(
                melody, prompt, n=1, seed=seed + i, chords=chords, wav=False, selector=None
            )
            parts[i] = candidates[0].score
    return assemble(sung, parts)


def song(
    studio: Studio,
    lyrics: str,
    prompt: str = "",
    seed: int | str | None = None,
    title: str = "",
    progress: Callable[..., Any] | None = None,
    parts: bool = False,
    concept: str | None = None,
    strength: float | str | None = None,
) -> tuple[dict[str, Any], list[str], dict[str, str]]:
    """Sing ``lyrics`` in the key, meter and tempo ``prompt`` names; return ``(summary, files to download,
    the paths to show by kind: musicxml, midi, score, pianoroll, wav)``. With ``parts``, or a learned
    concept (``concept``: one of the server's, :func:`partita.web.compose.concept_of`; the words' ``<name>``
    by default), the model adds parts under the vocal line (:func:`model_parts`), the concept applied at
    ``strength`` (blank: its own; 0: the base model).

    Raises :class:`UserError` for empty lyrics, lyrics over :data:`MAX_LYRICS_CHARS` characters, letters of
    a script other than Latin and Han, and a request this server refuses; the work is answered with a
    message after ``studio.limits.analysis_seconds`` (the parts: ``studio.limits.request_seconds``).
    """
    from partita.generation.song import song_from_prompt
    from partita.pipelines import Generator

    text = (lyrics or "").strip()
    if not text:
        raise UserError("write the lyrics to sing (English or Chinese; [verse] and [chorus] tags optional)")
    if len(text) > MAX_LYRICS_CHARS:
        raise UserError(
            f"the lyrics are {len(text)} characters; this server sings at most {MAX_LYRICS_CHARS} at a time"
        )
    check_script(text)
    prompt = (prompt or "").strip()
    if len(prompt) > MAX_PROMPT_CHARS:
        raise UserError(
            f"the words for key and tempo are {len(prompt)} characters; keep them under {MAX_PROMPT_CHARS}"
        )
    seed = whole(seed, "seed", 0, 2**31 - 1) or 0
    concept = concept_of(studio, concept, Generator.request_of(prompt))
    strength = strength_of(studio, concept, strength)
    with_model = bool(parts) or concept is not None
    title = (title or "").strip()[:60] or _first_words(text)
    if progress is not None:
        progress(0.1, desc="singing the words")

    def sing():
        words = _read(text)
        return words, song_from_prompt(words, prompt, seed=seed)

    words, sung = studio.bounded(studio.limits.analysis_seconds, sing)
    with_parts = None
    if with_model:
        if progress is not None:
            progress(0.3, desc="the model adds parts under the melody")
        with_parts = model_parts(studio, sung, prompt, seed, concept, strength)

    def write():
        out = studio.work.new("song")
        stem = safe_name(title, "song") if title.isascii() else "song"  # plain file names for every client
        return _write(sung, out, stem, title, with_parts)

    paths = studio.bounded(studio.limits.analysis_seconds, write)
    log.info(
        "song: %d syllables, %d notes, %s %s", len(words.syllables), len(sung.notes), sung.tonic, sung.mode
    )
    summary = {
        "title": title,
        "prompt": prompt,
        "language": words.language,
        "notes": list(words.notes),
        "syllables": len(words.syllables),
        "sung_notes": len(sung.notes),
        "sections": [s.label for s in words.sections],
        "key": f"{sung.tonic} {sung.mode}",
        "meter": sung.meter,
        "tempo": sung.tempo,
        "seconds": round(sung.seconds, 1),
        "chords": list(sung.chords),
        "parts": with_parts is not None,
        "tracks": len(with_parts.tracks) if with_parts is not None else 1,
        "concept": concept,
        "concept_strength": strength,
        "lines": lines_under_notes(sung),
        "files": {k: p.name for k, p in paths.items()},
    }
    downloads = [str(paths[k]) for k in ("musicxml", "midi", "wav") if k in paths]
    if progress is not None:
        progress(1.0, desc="done")
    return summary, downloads, {k: str(p) for k, p in paths.items()}


def _account(summary: dict[str, Any]) -> str:
    """The summary as the page's few lines: what was sung, in what key, and the notes of the reading."""
    head = (
        f"{summary['syllables']} syllables ({summary['language']}), {summary['sung_notes']} notes, "
        f"{len(summary['sections'])} sections ({', '.join(summary['sections'])}); {summary['key']}, "
        f"{summary['meter']}, {summary['tempo']:g} bpm, {summary['seconds']:g} s"
    )
    return "\n".join([head, *(f"note: {n}" for n in summary["notes"]), "", *summary["lines"]])


class SongView:
    """Paste lyrics, get a vocal line with the words under the notes; endpoint ``/song``."""

    name = "song"
    title = "Song"

    def build(self, studio: Studio) -> None:
        # gradio takes ~3 s to import and is optional (the web extra): only on use
        import gradio as gr

        with gr.Row():
            with gr.Column(scale=2):
                lyrics = gr.Textbox(
                    label="Lyrics (English or Chinese; [verse] [chorus] tags optional, one phrase a line)",
                    lines=8,
                    max_lines=24,
                    max_length=MAX_LYRICS_CHARS,
                    placeholder="[verse]\nTwinkle, twinkle, little star,\nHow I wonder what you are!",
                    elem_id="song-lyrics",
                )
            with gr.Column(scale=1):
                prompt = gr.Textbox(
                    label="Key, meter and tempo (optional)",
                    max_length=MAX_PROMPT_CHARS,
                    placeholder="in G major, slow",
                    elem_id="song-prompt",
                )
                title = gr.Textbox(label="Title (optional)", max_length=60, elem_id="song-title")
                seed = gr.Textbox(
                    "0", label="Seed of the melody's contour", max_length=12, elem_id="song-seed"
                )
                with_parts = gr.Checkbox(
                    False,
                    label="Parts under the melody, sampled by the model (the words name the instruments)",
                    elem_id="song-parts",
                )
                picked = concept_control(studio, "song")
                strength = strength_control(studio, "song", picked, prompt)
                button = gr.Button("Sing", variant="primary", elem_id="song-sing")
        gr.Markdown(
            "The vocal line is written by rules, not by the model: stressed syllables on strong beats, a "
            "cadence at each line's end, one chord a bar. Chinese is sung one character a syllable, the "
            "melody following the Mandarin tones as heard (after tone sandhi) where singability allows, "
            "light syllables short and off the strong beats, the pinyin under the characters. Lyrics of "
            f"up to {MAX_LYRICS_CHARS} characters. With *Parts* (or a concept) the model adds parts under "
            "the melody, section by section over its chords."
        )
        account = gr.Textbox(label="Sung", lines=6, max_lines=20, interactive=False, elem_id="song-account")
        engraved = gr.Image(
            label="Score", type="filepath", interactive=False, format="png", elem_id="song-score"
        )
        with gr.Row():
            audio = gr.Audio(label="Listen", type="filepath", interactive=False)
            downloads = gr.File(label="MusicXML, MIDI, WAV", file_count="multiple", interactive=False)
        roll = gr.Image(label="Piano roll", type="filepath", interactive=False, format="png")
        with gr.Accordion("Summary (the API's answer)", open=False):
            summary_box = gr.JSON(label="Summary")

        def run(
            lyrics,
            prompt,
            seed,
            title,
            parts=False,
            concept=FROM_PROMPT,
            strength=None,
            progress=gr.Progress(),  # noqa: B008  (Gradio's progress bar)
        ):
            """Sing the lyrics in the key, meter and tempo the words name; ``parts``: the model adds parts
            under the melody; ``concept``: one of the server's learned concepts, "(none)" or "(from the
            prompt)" (its <name>), which the parts are sampled with, at ``strength`` (0 to 1.5)."""
            summary, files, paths = song(
                studio, lyrics, prompt, seed, title, progress, parts=parts, concept=concept, strength=strength
            )
            return (
                summary,
                files,
                _account(summary),
                paths.get("score"),
                paths.get("wav"),
                paths.get("pianoroll"),
            )

        button.click(
            studio.guard("song", run),
            inputs=[lyrics, prompt, seed, title, with_parts, picked, strength],
            outputs=[summary_box, downloads, account, engraved, audio, roll],
            api_name="song",
            concurrency_limit=studio.limits.analysis_concurrency,
            concurrency_id="analysis",
        )
